//! Z3 in killable worker processes: claims and SMT-LIB blocks from untrusted text are checked
//! by `vibecheck worker --kind z3` processes, never in the server's or CLI's own process.
//!
//! Owns: the Z3 wire protocol ([`Z3Request`], [`Z3Response`]), [`Z3Pool`] (built on the
//! generic [`ProcessPool`]) and the worker loop ([`run_worker`]). Each worker is confined
//! ([`crate::verify::confine`]: `RLIMIT_AS`, no file writes, Landlock where available) and
//! runs in an empty temporary directory. A worker that runs past an item's timeout plus
//! [`Z3_KILL_SLACK`] is killed (→ `timeout`); one that dies — Z3 calls `exit(101)` at its
//! memory cap, the kernel refuses an allocation past `RLIMIT_AS` — makes its one item
//! `unknown` and is replaced. A worker whose query overshot the in-process watchdog retires
//! after answering, so a runaway query never outlives its item.

use crate::verify::logic;
use crate::verify::numeric::pool::{
    serve_json_lines, Outcome, PoolError, ProcessPool, Reply, WorkerSpec,
};
use crate::verify::{Check, Evidence, ItemVerdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Default address-space cap of one Z3 worker (RLIMIT_AS), in MiB. Z3 itself is capped at half
/// of it (`memory_max_size`); the rest covers the query thread's stack reservation (256 MiB)
/// and the binary's own mappings.
pub const DEFAULT_Z3_WORKER_MEMORY_MB: u64 = 2048;
/// How long past an item's timeout the pool waits before killing its worker: the in-worker
/// watchdog's grace ([`logic::Z3_GRACE`]) plus a process round trip on a loaded machine.
pub const Z3_KILL_SLACK: Duration = Duration::from_secs(2);
/// Longest request line a Z3 worker reads: one SMT-LIB block at its maximum size, JSON-escaped
/// (at most 6 bytes per input byte), plus the envelope.
const MAX_REQUEST_BYTES: u64 = (logic::MAX_SMT2_BYTES as u64) * 6 + 4096;

/// What a Z3 worker is asked to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Z3Task {
    /// A claim in the claim language ([`logic::check_claim`]).
    Claim,
    /// An SMT-LIB 2 block ([`logic::check_smt2`]).
    Smt2,
}

impl Z3Task {
    fn checker(self) -> super::Checker {
        match self {
            Z3Task::Claim => super::Checker::Logic,
            Z3Task::Smt2 => super::Checker::Smt2,
        }
    }
}

/// A request line to a Z3 worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Z3Request {
    pub id: u64,
    pub task: Z3Task,
    pub source: String,
    pub timeout_ms: u64,
}

/// A response line from a Z3 worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Z3Response {
    pub id: u64,
    pub check: Check,
    /// The worker asks to be replaced (a query overshot and still runs in it).
    #[serde(default)]
    pub retire: bool,
}

impl Reply for Z3Response {
    fn id(&self) -> u64 {
        self.id
    }
    fn retire(&self) -> bool {
        self.retire
    }
}

/// A pool of confined Z3 worker processes. `Send + Sync`.
pub struct Z3Pool {
    pool: ProcessPool,
}

impl Z3Pool {
    /// A pool of up to `workers` Z3 workers of the `vibecheck` binary `exe`, each capped at
    /// `memory_mb`; each is started when a request first needs it.
    pub fn new(workers: usize, exe: PathBuf, memory_mb: u64) -> Result<Z3Pool, PoolError> {
        let spec = WorkerSpec {
            name: "z3",
            exe,
            args: vec![
                "worker".into(),
                "--kind".into(),
                "z3".into(),
                "--memory-mb".into(),
                memory_mb.to_string().into(),
            ],
            envs: Vec::new(),
            empty_cwd: true,
        };
        Ok(Z3Pool {
            pool: ProcessPool::lazy(workers, spec)?,
        })
    }

    /// How many workers were killed or found dead and replaced so far.
    pub fn restarts(&self) -> u64 {
        self.pool.restarts()
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.pool.worker_pids()
    }

    /// Checks a claim in a worker (see [`logic::check_claim`]).
    pub fn check_claim(&self, source: &str, timeout: Duration) -> Result<Check, PoolError> {
        self.check(Z3Task::Claim, source, timeout)
    }

    /// Checks an SMT-LIB block in a worker (see [`logic::check_smt2`]).
    pub fn check_smt2(&self, source: &str, timeout: Duration) -> Result<Check, PoolError> {
        self.check(Z3Task::Smt2, source, timeout)
    }

    /// Checks one item within `timeout` (+ [`Z3_KILL_SLACK`] before the worker is killed).
    /// A killed or dead worker is a verdict; `Err` only when no worker can be started.
    pub fn check(&self, task: Z3Task, source: &str, timeout: Duration) -> Result<Check, PoolError> {
        let start = Instant::now();
        let id = self.pool.next_id();
        let req = Z3Request {
            id,
            task,
            source: source.to_string(),
            timeout_ms: timeout.as_millis().min(u64::MAX as u128) as u64,
        };
        let outcome = self
            .pool
            .round_trip::<_, Z3Response>(&req, id, timeout + Z3_KILL_SLACK)?;
        let (verdict, summary) = match outcome {
            Outcome::Done(resp) => return Ok(resp.check),
            Outcome::TimedOut => (
                ItemVerdict::Timeout,
                format!(
                    "no answer within {:.1} s; the Z3 worker was killed and replaced",
                    timeout.as_secs_f64()
                ),
            ),
            Outcome::Crashed(msg) => (
                ItemVerdict::Unknown,
                format!("{msg}{}; the worker was replaced", crash_hint(&msg)),
            ),
        };
        Ok(Check {
            checker: task.checker(),
            item: source.to_string(),
            verdict,
            evidence: Evidence {
                summary,
                solver_status: Some(if verdict == ItemVerdict::Timeout {
                    "timeout".into()
                } else {
                    "unknown".into()
                }),
                ..Default::default()
            },
            time_ms: start.elapsed().as_secs_f64() * 1e3,
        })
    }
}

/// Z3 exits with status 101 when it reaches its memory cap.
fn crash_hint(msg: &str) -> &'static str {
    if msg.contains("exit status: 101") {
        " (Z3 reached its memory limit)"
    } else {
        ""
    }
}

/// Runs the Z3 worker loop (`vibecheck worker --kind z3`) until stdin closes: confine this
/// process, report ready, then answer one [`Z3Request`] line at a time.
pub fn run_worker(memory_mb: u64) -> anyhow::Result<i32> {
    let z3_mb = u32::try_from((memory_mb / 2).max(64)).unwrap_or(u32::MAX);
    logic::runtime::set_memory_max_mb(z3_mb);
    let confinement = crate::verify::confine::confine(memory_mb)?;
    if !confinement.landlock {
        // The worker's stderr goes to the pool, which shows its tail when the worker dies.
        eprintln!("z3 worker: Landlock unavailable; rlimits and the SMT-LIB allowlist remain");
    }
    serve_json_lines(MAX_REQUEST_BYTES, |line| {
        let req: Z3Request = match serde_json::from_slice(line) {
            Ok(r) => r,
            // Requests come from our own pool; a bad one means the pool is confused.
            Err(e) => anyhow::bail!("bad request: {e}"),
        };
        let timeout = Duration::from_millis(req.timeout_ms);
        let check = match req.task {
            Z3Task::Claim => logic::check_claim(&req.source, timeout),
            Z3Task::Smt2 => logic::check_smt2(&req.source, timeout),
        };
        let retire = logic::runtime::detached_queries() > 0;
        Ok(Z3Response {
            id: req.id,
            check,
            retire,
        })
    })
}
