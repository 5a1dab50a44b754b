//! A generic pool of warm worker processes speaking JSON lines on stdin/stdout.
//!
//! Owns: spawning a worker from a [`WorkerSpec`] (executable, arguments, environment, an empty
//! private working directory when asked), its ready handshake ([`READY_LINE`]), one request /
//! response round trip under a wall-clock deadline, killing a worker that runs past it
//! ([`Outcome::TimedOut`]) or dies ([`Outcome::Crashed`]) and replacing it, and restart counts.
//! It knows nothing about what a request means: the numeric pool
//! ([`super::NumericPool`]) and the Z3 pool ([`crate::verify::z3pool`]) are built on it, so a
//! hostile item can only ever take down one worker, never the calling process.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a fresh worker may take to start and report ready. Not charged to an item's
/// deadline (a numeric worker's cold start is ~0.5 s; this is generous for a loaded 2-core
/// machine).
pub const WORKER_START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest response line read from a worker; a longer one is treated as a crash.
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;
/// Most bytes of a worker's stderr kept for crash messages (the newest half is kept when full).
const STDERR_TAIL_BYTES: usize = 2000;

/// The first line a worker prints once it is ready for requests.
pub const READY_LINE: &str = "{\"ready\":true}";

/// The worker side of the protocol: prints [`READY_LINE`], then reads one request line at a time
/// (at most `max_request_bytes`, so a runaway line cannot grow without bound) and writes what
/// `answer` returns as one JSON line, until stdin closes (→ exit status `GOOD`).
pub fn serve_json_lines<R: Serialize>(
    max_request_bytes: u64,
    mut answer: impl FnMut(&[u8]) -> anyhow::Result<R>,
) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{READY_LINE}")?;
    out.flush()?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    loop {
        let mut buf = Vec::new();
        let n = (&mut input)
            .take(max_request_bytes)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(crate::exit::GOOD);
        }
        serde_json::to_writer(&mut out, &answer(&buf)?)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
}

/// Infrastructure failures of a worker pool (a verdict is never an error).
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("the {0} pool needs at least one worker")]
    NoWorkers(&'static str),
    #[error("worker executable {0} does not exist")]
    MissingExe(PathBuf),
    #[error("cannot start {name} worker {exe}: {source}")]
    Spawn {
        name: &'static str,
        exe: PathBuf,
        source: std::io::Error,
    },
    #[error("{name} worker did not start (status {status}); stderr: {stderr}")]
    NotReady {
        name: &'static str,
        status: String,
        stderr: String,
    },
    #[error("{0} workers keep dying before they can take a request")]
    KeepDying(&'static str),
    #[error("cannot encode a worker request: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("worker pool I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// How to start one worker process.
#[derive(Debug, Clone)]
pub struct WorkerSpec {
    /// Kind of worker, for thread names and messages (`"numeric"`, `"z3"`).
    pub name: &'static str,
    /// The executable (the `vibecheck` binary).
    pub exe: PathBuf,
    /// Its arguments (`worker --kind z3 --memory-mb 1024`).
    pub args: Vec<OsString>,
    /// Extra environment variables.
    pub envs: Vec<(OsString, OsString)>,
    /// Run every worker in an empty private temporary directory (removed with the pool), so a
    /// relative path written by a confused worker lands nowhere that matters.
    pub empty_cwd: bool,
}

/// A response type that carries the id of the request it answers.
pub trait Reply: DeserializeOwned {
    fn id(&self) -> u64;
    /// The worker asks to be replaced after this answer (e.g. work it could not stop still
    /// runs in it). The answer itself stands.
    fn retire(&self) -> bool {
        false
    }
}

/// What one round trip gave.
#[derive(Debug)]
pub enum Outcome<R> {
    /// The worker answered with a well-formed line for this request.
    Done(R),
    /// No answer within the deadline; the worker was killed and replaced.
    TimedOut,
    /// The worker died or answered garbage; it was replaced. Says what happened.
    Crashed(String),
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr_tail: Arc<Mutex<String>>,
    ready: bool,
    name: &'static str,
}

/// Reads newline-terminated lines of at most [`MAX_RESPONSE_BYTES`] into `tx` until EOF, an
/// over-long line (treated as a crash) or a closed receiver.
fn pump_lines(stdout: impl Read, tx: mpsc::Sender<String>) {
    let mut r = BufReader::new(stdout);
    loop {
        let mut buf = Vec::new();
        match (&mut r)
            .take(MAX_RESPONSE_BYTES as u64)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if buf.last() != Some(&b'\n') {
                    break;
                }
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    }
}

/// Keeps the last [`STDERR_TAIL_BYTES`] of a worker's stderr in `tail`.
fn pump_stderr(stderr: impl Read, tail: Arc<Mutex<String>>) {
    let r = BufReader::new(stderr);
    for line in r.lines().map_while(Result::ok) {
        let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
        t.push_str(&line);
        t.push('\n');
        if t.len() > STDERR_TAIL_BYTES {
            let cut = t.len() - STDERR_TAIL_BYTES / 2;
            let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(0);
            *t = t[cut..].to_string();
        }
    }
}

impl Worker {
    fn spawn(spec: &WorkerSpec, cwd: Option<&std::path::Path>) -> Result<Worker, PoolError> {
        let mut cmd = Command::new(&spec.exe);
        cmd.args(&spec.args)
            .envs(spec.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|source| PoolError::Spawn {
            name: spec.name,
            exe: spec.exe.clone(),
            source,
        })?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("{}-worker-out", spec.name))
            .spawn(move || pump_lines(stdout, tx))?;
        let tail = Arc::new(Mutex::new(String::new()));
        let tail2 = tail.clone();
        std::thread::Builder::new()
            .name(format!("{}-worker-err", spec.name))
            .spawn(move || pump_stderr(stderr, tail2))?;
        Ok(Worker {
            child,
            stdin,
            lines: rx,
            stderr_tail: tail,
            ready: false,
            name: spec.name,
        })
    }

    fn wait_ready(&mut self) -> Result<(), PoolError> {
        if self.ready {
            return Ok(());
        }
        match self.lines.recv_timeout(WORKER_START_TIMEOUT) {
            Ok(l) if l == READY_LINE => {
                self.ready = true;
                Ok(())
            }
            other => {
                let status = self.kill();
                let got = match other {
                    Ok(l) => format!("; it sent {:.200} instead of its ready line", l),
                    Err(_) => String::new(),
                };
                Err(PoolError::NotReady {
                    name: self.name,
                    status: format!("{status:?}{got}"),
                    stderr: self.stderr_tail().trim().to_string(),
                })
            }
        }
    }

    fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }

    fn kill(&mut self) -> Option<std::process::ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Describes a worker that died during a request, from its exit status and stderr.
    fn death_note(&mut self) -> String {
        let status = self.kill();
        let tail = self.stderr_tail();
        let last = tail.lines().last().unwrap_or("").to_string();
        format!(
            "the {} worker died while checking this item ({}){}",
            self.name,
            status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unknown status".into()),
            if last.is_empty() {
                String::new()
            } else {
                format!(": {last}")
            }
        )
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

struct PoolState {
    idle: Vec<Worker>,
    /// Slots with no process (not started yet, or died and not replaced); the next checkout
    /// that finds no idle worker starts one.
    missing: usize,
}

/// A fixed-size pool of warm worker processes. `Send + Sync`.
pub struct ProcessPool {
    spec: WorkerSpec,
    /// The empty working directory of every worker when [`WorkerSpec::empty_cwd`] is set.
    cwd: Option<tempfile::TempDir>,
    state: Mutex<PoolState>,
    available: Condvar,
    restarts: AtomicU64,
    next_id: AtomicU64,
}

impl ProcessPool {
    /// Starts `workers` processes from `spec`. They start up in the background; the first
    /// round trip on each waits for its ready line (up to [`WORKER_START_TIMEOUT`], not charged
    /// to the item).
    pub fn new(workers: usize, spec: WorkerSpec) -> Result<ProcessPool, PoolError> {
        Self::build(workers, spec, true)
    }

    /// Like [`ProcessPool::new`], but each of the `workers` processes is started only when a
    /// request first needs it (a server that never sees a claim holds no Z3 process).
    pub fn lazy(workers: usize, spec: WorkerSpec) -> Result<ProcessPool, PoolError> {
        Self::build(workers, spec, false)
    }

    fn build(workers: usize, spec: WorkerSpec, eager: bool) -> Result<ProcessPool, PoolError> {
        if workers == 0 {
            return Err(PoolError::NoWorkers(spec.name));
        }
        if !spec.exe.exists() {
            return Err(PoolError::MissingExe(spec.exe.clone()));
        }
        let cwd = if spec.empty_cwd {
            Some(
                tempfile::Builder::new()
                    .prefix(&format!("vibecheck-{}-", spec.name))
                    .tempdir()?,
            )
        } else {
            None
        };
        let mut idle = Vec::with_capacity(workers);
        if eager {
            for _ in 0..workers {
                idle.push(Worker::spawn(&spec, cwd.as_ref().map(|d| d.path()))?);
            }
        }
        let missing = workers - idle.len();
        Ok(ProcessPool {
            spec,
            cwd,
            state: Mutex::new(PoolState { idle, missing }),
            available: Condvar::new(),
            restarts: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// A fresh request id.
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// How many workers were killed (deadline) or found dead (crash) and replaced so far.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub fn worker_pids(&self) -> Vec<u32> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.idle.iter().map(|w| w.child.id()).collect()
    }

    /// Waits until every idle worker is ready (useful before timing anything).
    pub fn warm_up(&self) -> Result<(), PoolError> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for w in st.idle.iter_mut() {
            w.wait_ready()?;
        }
        Ok(())
    }

    fn spawn(&self) -> Result<Worker, PoolError> {
        Worker::spawn(&self.spec, self.cwd.as_ref().map(|d| d.path()))
    }

    fn checkout(&self) -> Result<Worker, PoolError> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(w) = st.idle.pop() {
                return Ok(w);
            }
            if st.missing > 0 {
                st.missing -= 1;
                drop(st);
                return self.spawn().inspect_err(|_| {
                    self.state.lock().unwrap_or_else(|p| p.into_inner()).missing += 1;
                });
            }
            st = self.available.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn checkin(&self, w: Worker) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .idle
            .push(w);
        self.available.notify_one();
    }

    /// Replaces a dead or killed worker. The pool keeps its size even when the spawn fails:
    /// the slot is marked missing and the next checkout tries again (and reports `Err`).
    fn replace(&self, mut old: Worker) {
        old.kill();
        drop(old);
        self.restarts.fetch_add(1, Ordering::Relaxed);
        match self.spawn() {
            Ok(w) => self.checkin(w),
            Err(_) => {
                self.state.lock().unwrap_or_else(|p| p.into_inner()).missing += 1;
                self.available.notify_one();
            }
        }
    }

    /// Sends `req` (whose id is `id`) to a worker and waits at most `deadline` for its answer.
    /// A worker found dead before the request was written is replaced and the request retried
    /// once on a fresh one. `Err` only when no worker can be started.
    pub fn round_trip<Q: Serialize, R: Reply>(
        &self,
        req: &Q,
        id: u64,
        deadline: Duration,
    ) -> Result<Outcome<R>, PoolError> {
        let mut line = serde_json::to_string(req)?;
        line.push('\n');
        for attempt in 0..2 {
            let mut w = self.checkout()?;
            if let Err(e) = w.wait_ready() {
                self.replace(w);
                if attempt == 0 {
                    continue;
                }
                return Err(e);
            }
            // Drop any stale line (there should be none).
            while w.lines.try_recv().is_ok() {}
            let start = Instant::now();
            if w.stdin
                .write_all(line.as_bytes())
                .and_then(|_| w.stdin.flush())
                .is_err()
            {
                // The worker died while idle: not this item's fault; retry on a fresh one.
                self.replace(w);
                continue;
            }
            let left = deadline.saturating_sub(start.elapsed());
            return Ok(match w.lines.recv_timeout(left) {
                Ok(l) => match serde_json::from_str::<R>(&l) {
                    Ok(resp) if resp.id() == id => {
                        if resp.retire() {
                            self.replace(w);
                        } else {
                            self.checkin(w);
                        }
                        Outcome::Done(resp)
                    }
                    _ => {
                        let msg = format!(
                            "the {} worker answered with an unexpected line: {:.200}",
                            self.spec.name, l
                        );
                        self.replace(w);
                        Outcome::Crashed(msg)
                    }
                },
                Err(RecvTimeoutError::Timeout) => {
                    self.replace(w);
                    Outcome::TimedOut
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let msg = w.death_note();
                    self.replace(w);
                    Outcome::Crashed(msg)
                }
            });
        }
        Err(PoolError::KeepDying(self.spec.name))
    }
}
