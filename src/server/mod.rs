//! The HTTP API (`vibecheck serve`): routes, auth, limits, metrics, OpenAPI, the web page.
//!
//! Owns everything between a TCP socket and the engines: [`router`] builds the axum app,
//! [`serve`] runs it with graceful shutdown. Layering, outermost first: metrics + request
//! context (arrival time, deadline) → auth + per-key rate limit (`/v1/*` only) → body limit →
//! handler → [`limits::RouteGate`] (bounded concurrency + queue) → blocking pool → [`engines`].
//! Errors everywhere are [`error::ApiError`] (one JSON shape).

pub mod api;
pub mod auth;
pub mod engines;
pub mod error;
pub mod limits;
pub mod metrics;
pub mod openapi;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub use auth::KeySet;
pub use engines::Engines;
pub use error::ApiError;

/// The web page, embedded in the binary.
pub const INDEX_HTML: &str = include_str!("static/index.html");

/// Server settings (the `serve` flags).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body, bytes (413 past it).
    pub max_body: usize,
    /// Requests per second per key; 0 disables rate limiting.
    pub rate: f64,
    /// Token-bucket burst per key.
    pub burst: u32,
    /// Concurrent requests per route (verify, judge); solve is bounded by the generator pool.
    pub workers: usize,
    /// Waiting requests per route beyond `workers` (503 past it).
    pub queue: usize,
    /// Per-request deadline, seconds, from arrival (504 past it).
    pub deadline_secs: u64,
    /// Deadline of a `/v1/solve` stream, seconds.
    pub solve_deadline_secs: u64,
    /// Time to send a request head, seconds (the connection is closed past it).
    pub header_read_timeout_secs: u64,
    /// Time to send a request body once reading starts, seconds (408 past it).
    pub body_read_timeout_secs: u64,
    /// Most open client connections (a short 503 and close past it).
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_body: limits::DEFAULT_MAX_BODY_BYTES,
            rate: limits::DEFAULT_RATE_PER_SEC,
            burst: limits::DEFAULT_BURST,
            workers: default_workers(),
            queue: limits::DEFAULT_QUEUE,
            deadline_secs: limits::DEFAULT_DEADLINE_SECS,
            solve_deadline_secs: limits::DEFAULT_SOLVE_DEADLINE_SECS,
            header_read_timeout_secs: limits::DEFAULT_HEADER_READ_TIMEOUT_SECS,
            body_read_timeout_secs: limits::DEFAULT_BODY_READ_TIMEOUT_SECS,
            max_connections: limits::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// One worker slot per core: verification and judging are CPU-bound.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// The per-route gates.
pub struct Gates {
    pub verify: limits::RouteGate,
    pub judge: limits::RouteGate,
    pub solve: limits::RouteGate,
}

impl Gates {
    pub fn gauges(&self) -> Vec<metrics::RouteGauges> {
        [&self.verify, &self.judge, &self.solve]
            .into_iter()
            .map(|g| metrics::RouteGauges {
                route: g.route,
                queued: g.queued(),
                running: g.running(),
                workers: g.workers(),
                abandoned: g.abandoned(),
            })
            .collect()
    }
}

/// Shared server state.
pub struct AppState {
    pub config: ServerConfig,
    pub keys: KeySet,
    pub rate: limits::RateLimiter,
    pub gates: Gates,
    pub metrics: Arc<metrics::Metrics>,
    pub engines: Arc<Engines>,
}

impl AppState {
    pub fn new(config: ServerConfig, keys: KeySet, engines: Arc<Engines>) -> Arc<Self> {
        let solve_slots = engines.solve_slots().max(1);
        Arc::new(Self {
            rate: limits::RateLimiter::new(config.rate, config.burst),
            gates: Gates {
                verify: limits::RouteGate::new("/v1/verify", config.workers, config.queue),
                judge: limits::RouteGate::new("/v1/judge", config.workers, config.queue),
                solve: limits::RouteGate::new("/v1/solve", solve_slots, config.queue),
            },
            metrics: Arc::new(metrics::Metrics::new()),
            config,
            keys,
            engines,
        })
    }
}

/// Per-request context set by the outermost middleware.
#[derive(Debug, Clone, Copy)]
pub struct RequestCtx {
    pub arrival: Instant,
    pub deadline: Instant,
    /// How long reading the body may take ([`ServerConfig::body_read_timeout_secs`]).
    pub body_timeout: std::time::Duration,
    /// Largest body ([`ServerConfig::max_body`]): a larger `Content-Length` is refused at once.
    pub max_body: usize,
}

/// Builds the app.
pub fn router(state: Arc<AppState>) -> Router {
    let v1 = Router::new()
        .route("/v1/verify", post(api::verify))
        .route("/v1/judge", post(api::judge))
        .route("/v1/solve", post(api::solve))
        .layer(DefaultBodyLimit::max(state.config.max_body))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth_layer));
    Router::new()
        .route("/", get(api::index))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/openapi.json", get(api::openapi))
        .merge(v1)
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe_layer))
        .with_state(state)
}

/// Outermost: request context, metrics, one log line per 5xx.
async fn observe_layer(State(st): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let arrival = Instant::now();
    req.extensions_mut().insert(RequestCtx {
        arrival,
        deadline: limits::deadline_from(arrival, st.config.deadline_secs),
        body_timeout: std::time::Duration::from_secs(st.config.body_read_timeout_secs),
        max_body: st.config.max_body,
    });
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    // Reduced to a closed set here already: the raw method is client text.
    let method = metrics::method_label(req.method().as_str());
    let resp = next.run(req).await;
    st.metrics
        .observe_request(&route, method, resp.status().as_u16(), arrival.elapsed());
    resp
}

/// `/v1/*`: API key, then the key's rate limit.
async fn auth_layer(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let key = match st.keys.authenticate(header) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    // Without auth, clients are told apart by address.
    let key = if st.keys.required {
        key
    } else {
        let ip = req
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        auth::KeyId(format!("ip:{ip}"))
    };
    if let Err(e) = st.rate.check(&key) {
        st.metrics.observe_rate_limited();
        return e.into_response();
    }
    next.run(req).await
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// in-flight requests to finish.
///
/// Our own accept loop over hyper's HTTP/1.1 connection (instead of `axum::serve`) for three
/// limits axum does not expose: at most [`ServerConfig::max_connections`] open connections (a
/// short 503 past it), [`ServerConfig::header_read_timeout_secs`] to send a request head
/// (slowloris), and heads of at most [`limits::MAX_HEADER_BYTES`] (431 past it).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let conns = Arc::new(tokio::sync::Semaphore::new(
        state.config.max_connections.max(1),
    ));
    let max_conns = state.config.max_connections.max(1);
    let header_timeout = std::time::Duration::from_secs(state.config.header_read_timeout_secs);
    let app = router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!("serve: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = conns.clone().try_acquire_owned() else {
            tokio::spawn(refuse_connection(stream));
            continue;
        };
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    let mut app = app.clone();
                    async move {
                        use tower_service::Service;
                        app.call(req.map(axum::body::Body::new)).await
                    }
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(limits::MAX_HEADER_BYTES.max(8192));
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    // Stop accepting; let every open connection finish its request, then wait for them all.
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = conns.acquire_many(max_conns as u32).await;
    Ok(())
}

/// Answers a connection past the cap with a fixed 503 and closes it, without reading it.
async fn refuse_connection(mut stream: tokio::net::TcpStream) {
    use tokio::io::AsyncWriteExt;
    let err = ApiError::new(
        error::ErrorCode::QueueFull,
        "too many open connections to this server; retry later",
    );
    let body = serde_json::to_string(&err.body()).unwrap_or_default();
    let resp = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        let _ = stream.write_all(resp.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::warn!("serve: ctrl-c received; finishing in-flight requests"),
        _ = term => tracing::warn!("serve: SIGTERM received; finishing in-flight requests"),
    }
}
