//! `vibecheck serve`: parses the flags, checks the auth configuration, starts the engines and
//! runs [`crate::server`] until ctrl-c / SIGTERM (in-flight requests finish first).

use crate::cli::model_args::ModelArgs;
use crate::server::{self, auth, engines, limits, AppState, Engines, KeySet, ServerConfig};
use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Extra time after the deadline that shutdown waits for in-flight requests before exiting
/// anyway (a request can't legitimately run longer than its deadline).
pub const SHUTDOWN_GRACE_SECS: u64 = 5;

/// Arguments of `vibecheck serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Port 0 picks a free port (the chosen address is printed to stderr).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// File of accepted API keys as SHA-256 hex digests, one per line (`#` comments allowed).
    /// Make one with `printf %s "$KEY" | sha256sum | cut -d' ' -f1`. Also read:
    /// $VIBECHECK_API_KEY_HASHES (digests separated by commas or spaces).
    #[arg(long, value_name = "FILE")]
    pub api_keys: Option<PathBuf>,
    /// Serve /v1/* without API keys. Refused unless --addr is a loopback address.
    #[arg(long, conflicts_with = "api_keys")]
    pub no_auth: bool,
    /// Largest request body in bytes (413 past it).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_BODY_BYTES)]
    pub max_body: usize,
    /// Sustained requests per second per API key (429 with Retry-After past it); 0 = unlimited.
    #[arg(long, default_value_t = limits::DEFAULT_RATE_PER_SEC)]
    pub rate: f64,
    /// Requests a key may burst above --rate.
    #[arg(long, default_value_t = limits::DEFAULT_BURST)]
    pub burst: u32,
    /// Concurrent verifications and judge runs per route (default: number of cores).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Requests that may wait per route when all workers are busy (503 past it).
    #[arg(long, default_value_t = limits::DEFAULT_QUEUE)]
    pub queue: usize,
    /// Per-request deadline in seconds, queueing included (504 past it).
    #[arg(long, default_value_t = limits::DEFAULT_DEADLINE_SECS)]
    pub deadline: u64,
    /// Deadline of a /v1/solve stream in seconds (the agent reports what it has by then).
    #[arg(long, default_value_t = limits::DEFAULT_SOLVE_DEADLINE_SECS)]
    pub solve_deadline: u64,
    /// Seconds a client has to send a request's headers (the connection is closed past it).
    #[arg(long, default_value_t = limits::DEFAULT_HEADER_READ_TIMEOUT_SECS)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request body (408 past it).
    #[arg(long, default_value_t = limits::DEFAULT_BODY_READ_TIMEOUT_SECS)]
    pub body_timeout: u64,
    /// Most open client connections (a short 503 past it).
    #[arg(long, default_value_t = limits::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Resolves the key set: `--no-auth` only on loopback, otherwise keys must exist.
pub fn key_set(args: &Args) -> anyhow::Result<KeySet> {
    let env = std::env::var(auth::API_KEY_HASHES_ENV).ok();
    if args.no_auth {
        if !args.addr.ip().is_loopback() {
            bail!(
                "--no-auth is only allowed on a loopback address (127.0.0.1 or ::1), not {}; \
                 configure --api-keys FILE or ${} to listen on other interfaces",
                args.addr,
                auth::API_KEY_HASHES_ENV
            );
        }
        return Ok(KeySet::disabled());
    }
    KeySet::load(args.api_keys.as_deref(), env.as_deref())
}

/// Most `--max-connections` (also bounds the shutdown wait, which counts connections as u32).
pub const MAX_CONNECTIONS_FLAG: usize = 1_000_000;

/// Every numeric flag in its range, with a message naming the flag.
fn check_ranges(args: &Args) -> anyhow::Result<()> {
    let max_d = limits::MAX_DEADLINE_SECS;
    for (flag, v) in [
        ("--deadline", args.deadline),
        ("--solve-deadline", args.solve_deadline),
        ("--header-timeout", args.header_timeout),
        ("--body-timeout", args.body_timeout),
    ] {
        if v == 0 || v > max_d {
            bail!("{flag} must be between 1 and {max_d} seconds, not {v}");
        }
    }
    if args.queue > 1_000_000 || args.max_body == 0 {
        bail!("--max-body must be positive and --queue at most 1000000");
    }
    if args.max_connections == 0 || args.max_connections > MAX_CONNECTIONS_FLAG {
        bail!("--max-connections must be between 1 and {MAX_CONNECTIONS_FLAG}");
    }
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        bail!("--rate must be a non-negative number of requests per second");
    }
    Ok(())
}

/// Runs `vibecheck serve`; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    check_ranges(&args)?;
    let keys = key_set(&args)?;
    let workers = args.workers.unwrap_or_else(server::default_workers).max(1);
    let config = ServerConfig {
        max_body: args.max_body,
        rate: args.rate,
        burst: args.burst,
        workers,
        queue: args.queue,
        deadline_secs: args.deadline,
        solve_deadline_secs: args.solve_deadline,
        header_read_timeout_secs: args.header_timeout,
        body_read_timeout_secs: args.body_timeout,
        max_connections: args.max_connections,
    };
    let generators = if let Some(spec) = args.model.backend() {
        // A local model is loaded once (one solve at a time); an OpenAI-compatible backend is a
        // cheap HTTP client, one per worker.
        let n = if spec.is_remote() { workers } else { 1 };
        let mut gens = Vec::with_capacity(n);
        for _ in 0..n {
            gens.push(args.model.build().context("starting the model backend")?);
        }
        Some(engines::GeneratorPool::new(gens, args.model.sampling())?)
    } else {
        eprintln!("serve: no model configured (--model / --openai-url); /v1/solve will answer 503");
        None
    };
    eprintln!("serve: starting the verifier and the sandbox ({workers} workers)");
    let engines = Arc::new(Engines::start(workers, generators)?);
    let state = AppState::new(config.clone(), keys, engines);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vibecheck-serve")
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        let local = listener.local_addr()?;
        eprintln!(
            "serve: listening on http://{local} (auth: {}, workers: {workers}, queue: {}, deadline: {} s)",
            if state.keys.required { format!("{} keys", state.keys.len()) } else { "off".into() },
            config.queue,
            config.deadline_secs
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let grace = Duration::from_secs(
            config.deadline_secs.max(config.solve_deadline_secs) + SHUTDOWN_GRACE_SECS,
        );
        let signal = async move {
            server::shutdown_signal().await;
            let _ = tx.send(());
        };
        let serving = server::serve(listener, state, signal);
        tokio::pin!(serving);
        tokio::select! {
            r = &mut serving => r.context("serving")?,
            _ = async {
                let _ = rx.await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!("serve: in-flight requests still running after {} s; exiting", grace.as_secs());
            }
        }
        eprintln!("serve: stopped");
        anyhow::Ok(())
    })?;
    // Blocking work abandoned past its deadline must not keep the process alive.
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(crate::exit::GOOD)
}
