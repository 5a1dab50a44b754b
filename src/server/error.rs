//! The one error-to-response mapping of the HTTP API.
//!
//! Every failure a client can see is an [`ApiError`]: an HTTP status plus a stable machine code
//! and a human message, serialised as `{"error": {"code": "...", "message": "..."}}`. Handlers
//! return `Result<_, ApiError>`; extractor rejections, infrastructure errors (`anyhow`), panics in
//! blocking work and deadline overruns are converted here, so no route invents its own error
//! shape. Server-side failures (5xx) are logged with `tracing` (stderr) with the full cause chain.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Every error code the API emits. Each carries its HTTP status and a one-line description
/// (listed in the OpenAPI document); its wire name (`not_found`, …) is stable: clients switch
/// on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    InvalidJson,
    InvalidRequest,
    RateLimited,
    Internal,
    QueueFull,
    NoModel,
    ShuttingDown,
    DeadlineExceeded,
}

impl ErrorCode {
    /// All codes, in status order (the OpenAPI document lists them in this order).
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::PayloadTooLarge,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidRequest,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::QueueFull,
        ErrorCode::NoModel,
        ErrorCode::ShuttingDown,
        ErrorCode::DeadlineExceeded,
    ];

    /// The stable wire name, the `error.code` of the JSON body.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::QueueFull => "queue_full",
            ErrorCode::NoModel => "no_model",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::DeadlineExceeded => "deadline_exceeded",
        }
    }

    /// The HTTP status every error with this code is sent with.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidJson | ErrorCode::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::QueueFull | ErrorCode::NoModel | ErrorCode::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ErrorCode::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// When a client sees this code (for the OpenAPI document).
    pub fn description(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "the request is malformed at the HTTP level",
            ErrorCode::Unauthorized => "missing or unknown API key",
            ErrorCode::NotFound => "no such route",
            ErrorCode::MethodNotAllowed => "the route exists but not with this method",
            ErrorCode::RequestTimeout => "the body was not sent within --body-timeout",
            ErrorCode::PayloadTooLarge => "the body exceeds --max-body",
            ErrorCode::InvalidJson => "the body is not valid JSON",
            ErrorCode::InvalidRequest => "valid JSON, but not a valid request for this route",
            ErrorCode::RateLimited => "this key exceeded --rate; see Retry-After",
            ErrorCode::Internal => "our infrastructure failed (a worker died, a task panicked)",
            ErrorCode::QueueFull => "all workers busy and the route's queue is full; retry later",
            ErrorCode::NoModel => "POST /v1/solve on a server started without a model backend",
            ErrorCode::ShuttingDown => "the server is draining for shutdown",
            ErrorCode::DeadlineExceeded => "the request did not finish within --deadline",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API error: a code (which fixes the status), a message, and optionally a `Retry-After`
/// (seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
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

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    /// The HTTP status of this error (fixed by its code).
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }
    pub fn invalid_json(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidJson, message)
    }
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs),
            ..Self::new(
                ErrorCode::RateLimited,
                format!("rate limit exceeded for this API key; retry in {retry_after_secs} s"),
            )
        }
    }
    pub fn queue_full(route: &str, queue: usize) -> Self {
        Self {
            retry_after_secs: Some(1),
            ..Self::new(
                ErrorCode::QueueFull,
                format!(
                    "{route}: all workers are busy and the queue ({queue} waiting) is full; retry later"
                ),
            )
        }
    }
    pub fn deadline(route: &str, secs: f64, stage: &str) -> Self {
        Self::new(
            ErrorCode::DeadlineExceeded,
            format!(
                "{route}: the request did not finish within the {secs:.1} s deadline ({stage})"
            ),
        )
    }
    pub fn internal(err: &anyhow::Error) -> Self {
        Self::new(ErrorCode::Internal, format!("{err:#}"))
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_string(),
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
            self.status().as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!("serve: error {self}");
        }
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
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
                ErrorCode::PayloadTooLarge,
                "the request body is larger than this server's limit (--max-body)",
            )
        } else {
            Self::new(ErrorCode::BadRequest, rej.body_text())
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
        Self::new(ErrorCode::Internal, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_keep_their_wire_names_and_statuses() {
        let names: std::collections::BTreeSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "wire names are unique");
        let e = ApiError::new(ErrorCode::NotFound, "no such route");
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.body(),
            ErrorBody {
                error: ErrorDetail {
                    code: "not_found".into(),
                    message: "no such route".into()
                }
            }
        );
        assert_eq!(ApiError::rate_limited(3).status().as_u16(), 429);
        assert_eq!(ErrorCode::NoModel.status().as_u16(), 503);
    }

    #[test]
    fn checker_wire_names_are_the_serde_names() {
        for c in crate::verify::Checker::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
    }
}
