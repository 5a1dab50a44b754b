//! `vibecheck listen`: receives Competitive Companion's POSTs (the browser extension sends each
//! problem as JSON to `http://localhost:27121/`) and writes each problem as a folder that
//! `judge --tests DIR` and `stress --problem DIR` take directly: `1.in`/`1.out`, … plus
//! `problem.json` (name, URL, limits). Prints one line per problem on stdout.
//!
//! Loopback only unless `--bind` says otherwise; bodies are capped at [`MAX_BODY_BYTES`]; a
//! body that is not a problem is answered 400 and written nowhere.

use crate::sandbox::testdata::{parse_problem_json, Data, Problem, PROBLEM_FILE};
use anyhow::{bail, Context, Result};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Competitive Companion's default port for custom listeners.
pub const DEFAULT_PORT: u16 = 27121;
/// Largest request body: a problem's sample tests are kilobytes; 16 MiB leaves room for
/// problems with large samples and stops a flood.
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// Longest folder name made from a problem's name.
pub const MAX_SLUG_CHARS: usize = 60;

/// Arguments of `vibecheck listen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port to listen on (Competitive Companion's custom-port default is 27121; 0 picks a free
    /// port, printed to stderr).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Where problem folders are written.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Address to bind (loopback by default; the extension runs on this machine).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Exit after receiving this many problems (default: run until interrupted).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

struct ListenState {
    dir: PathBuf,
    received: AtomicU64,
    count: Option<u64>,
    done: tokio::sync::Notify,
}

/// Runs `vibecheck listen`; returns the exit code.
pub fn run(args: Args) -> Result<i32> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    if args.count == Some(0) {
        bail!("--count must be at least 1");
    }
    let state = Arc::new(ListenState {
        dir: args.dir.clone(),
        received: AtomicU64::new(0),
        count: args.count,
        done: tokio::sync::Notify::new(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let addr = SocketAddr::new(args.bind, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        eprintln!(
            "listen: waiting for Competitive Companion on http://{} (writing to {})",
            listener.local_addr()?,
            args.dir.display()
        );
        let app = Router::new()
            .route("/", post(receive))
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(state.clone());
        let stop = state.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = stop.done.notified() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            })
            .await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(crate::exit::GOOD)
}

async fn receive(State(st): State<Arc<ListenState>>, body: axum::body::Bytes) -> StatusCode {
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t.to_string(),
        Err(_) => return StatusCode::BAD_REQUEST,
    };
    let st2 = st.clone();
    let written = tokio::task::spawn_blocking(move || -> Result<String> {
        let problem = parse_problem_json(&text)?;
        if problem.tests.is_empty() {
            bail!("the problem has no tests");
        }
        let dir = write_problem(&st2.dir, &problem)?;
        Ok(summary(&problem, &dir))
    })
    .await;
    match written {
        Ok(Ok(line)) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
            let n = st.received.fetch_add(1, Ordering::SeqCst) + 1;
            if st.count.is_some_and(|c| n >= c) {
                st.done.notify_one();
            }
            StatusCode::OK
        }
        Ok(Err(e)) => {
            eprintln!("listen: rejected a request: {e:#}");
            StatusCode::BAD_REQUEST
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn summary(p: &Problem, dir: &Path) -> String {
    format!(
        "{}: {} tests, {} ms, {} MB{} -> {}",
        p.name.as_deref().unwrap_or("(unnamed)"),
        p.tests.len(),
        p.time_limit_ms.map_or("?".into(), |t| t.to_string()),
        p.memory_limit_mb.map_or("?".into(), |m| m.to_string()),
        if p.interactive { ", interactive" } else { "" },
        dir.display()
    )
}

/// A folder name from a problem name: lowercase ASCII letters and digits, runs of anything
/// else as one `-`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= MAX_SLUG_CHARS {
            break;
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "problem".into()
    } else {
        s
    }
}

/// The folder for a problem: `DIR/SLUG`, reused when it holds the same URL (the extension
/// resent it), otherwise `SLUG-2`, `SLUG-3`, …
fn folder_for(root: &Path, p: &Problem) -> PathBuf {
    let base = slug(p.name.as_deref().unwrap_or(""));
    for i in 1.. {
        let name = if i == 1 {
            base.clone()
        } else {
            format!("{base}-{i}")
        };
        let dir = root.join(&name);
        if !dir.exists() {
            return dir;
        }
        let same = crate::sandbox::testdata::load(&dir, None)
            .ok()
            .is_some_and(|old| old.url.is_some() && old.url == p.url);
        if same {
            return dir;
        }
    }
    unreachable!()
}

/// Writes the tests (`1.in`, `1.out`, …) and `problem.json` (limits, name, URL; no tests).
/// A new problem goes into a temp folder renamed into place, so a reader never sees half of
/// it; a resent problem updates its folder file by file and keeps everything else there
/// (the user's solutions).
fn write_problem(root: &Path, p: &Problem) -> Result<PathBuf> {
    let dir = folder_for(root, p);
    let fresh = !dir.exists();
    let tmp = tempfile::Builder::new()
        .prefix(".vibecheck-listen-")
        .tempdir_in(root)?;
    let target = if fresh { tmp.path() } else { dir.as_path() };
    let put = |name: String, text: &str| -> Result<()> {
        let staged = tmp.path().join(format!("{name}.part"));
        std::fs::write(&staged, text)?;
        std::fs::rename(&staged, target.join(&name))
            .with_context(|| format!("writing {}", target.join(&name).display()))
    };
    let text = |d: &Data| match d {
        Data::Text(s) => s.clone(),
        Data::File(_) => String::new(),
    };
    for (i, t) in p.tests.tests.iter().enumerate() {
        put(format!("{}.in", i + 1), &text(&t.input))?;
        if let Some(a) = &t.answer {
            put(format!("{}.out", i + 1), &text(a))?;
        }
    }
    // A resent problem with fewer tests: drop the stale numbered tests we wrote before.
    let mut k = p.tests.len() + 1;
    while !fresh && dir.join(format!("{k}.in")).is_file() {
        let _ = std::fs::remove_file(dir.join(format!("{k}.in")));
        let _ = std::fs::remove_file(dir.join(format!("{k}.out")));
        k += 1;
    }
    let meta = serde_json::json!({
        "name": p.name,
        "url": p.url,
        "timeLimit": p.time_limit_ms,
        "memoryLimit": p.memory_limit_mb,
        "interactive": p.interactive,
    });
    put(
        PROBLEM_FILE.to_string(),
        &serde_json::to_string_pretty(&meta)?,
    )?;
    if fresh {
        let staged = tmp.keep();
        std::fs::rename(&staged, &dir).with_context(|| format!("writing {}", dir.display()))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs() {
        assert_eq!(slug("A. Sum of Two"), "a-sum-of-two");
        assert_eq!(slug("  ¿¿  "), "problem");
        assert_eq!(slug(&"x".repeat(500)).len(), super::MAX_SLUG_CHARS);
    }
}
