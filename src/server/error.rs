//! The one error-to-response mapping of the HTTP API.
//!
//! Every failure a client can see is an [`ApiError`]: an HTTP status plus a stable machine code
//! and a human message, serialised as `{"error": {"code": "...", "message": "..."}}`. Handlers
//! return `Result<_, ApiError>`; extractor rejections, infrastructure errors (`anyhow`), panics in
//! blocking work and deadline overruns are converted here, so no route invents its own error
//! shape. Server-side failures (5xx) are logged to stderr with the full cause chain.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// An API error: status, stable code, message, and optionally a `Retry-After` (seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_secs: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// `code` is stable (clients switch on it); `message` is for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// Every error code the API emits, with its status (listed in the OpenAPI document and README).
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    (
        "bad_request",
        400,
        "the request is malformed at the HTTP level",
    ),
    ("unauthorized", 401, "missing or unknown API key"),
    ("not_found", 404, "no such route"),
    (
        "method_not_allowed",
        405,
        "the route exists but not with this method",
    ),
    ("payload_too_large", 413, "the body exceeds --max-body"),
    ("invalid_json", 422, "the body is not valid JSON"),
    (
        "invalid_request",
        422,
        "valid JSON, but not a valid request for this route",
    ),
    (
        "rate_limited",
        429,
        "this key exceeded --rate; see Retry-After",
    ),
    (
        "internal",
        500,
        "our infrastructure failed (a worker died, a task panicked)",
    ),
    (
        "queue_full",
        503,
        "all workers busy and the route's queue is full; retry later",
    ),
    (
        "no_model",
        503,
        "POST /v1/solve on a server started without a model backend",
    ),
    ("shutting_down", 503, "the server is draining for shutdown"),
    (
        "deadline_exceeded",
        504,
        "the request did not finish within --deadline",
    ),
];

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_json", message)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("rate limit exceeded for this API key; retry in {retry_after_secs} s"),
            )
        }
    }
    pub fn queue_full(route: &str, queue: usize) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_full",
                format!(
                    "{route}: all workers are busy and the queue ({queue} waiting) is full; retry later"
                ),
            )
        }
    }
    pub fn deadline(route: &str, secs: f64, stage: &str) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "deadline_exceeded",
            format!(
                "{route}: the request did not finish within the {secs:.1} s deadline ({stage})"
            ),
        )
    }
    pub fn internal(err: &anyhow::Error) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{err:#}"),
        )
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            eprintln!("serve: error {self}");
        }
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(&err)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rej: BytesRejection) -> Self {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than this server's limit (--max-body)",
            )
        } else {
            Self::new(StatusCode::BAD_REQUEST, "bad_request", rej.body_text())
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        let what = if err.is_panic() {
            "the worker task panicked"
        } else {
            "the worker task was cancelled"
        };
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", what)
    }
}
