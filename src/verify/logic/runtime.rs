//! The Z3 runtime: query threads that keep their Z3 context between queries, the watchdog that
//! interrupts a query at its deadline, the bound on overshooting queries left to finish in the
//! background, and the typed result of one query ([`Outcome`]).
//!
//! Each query runs on a `z3-query` thread against that thread's context (reused across queries;
//! a thread whose query was interrupted is retired, so an interrupted context is never reused),
//! with Z3's own `timeout` *and* a watchdog thread that calls `Z3_interrupt` on the context when
//! the deadline passes (Z3's own timer overshoots). In the server and CLI these threads live in
//! a `vibecheck worker --kind z3` process ([`crate::verify::z3pool`]), so a runaway query is
//! ended by killing its process.

use crate::verify::{Check, Evidence, ItemVerdict};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use z3::{Context, Solver};

/// Z3's global memory cap in MiB (`memory_max_size`) for queries run in this process. Z3 calls
/// `exit(101)` when it is reached, which is why untrusted queries run in worker processes.
pub const Z3_MEMORY_MAX_MB: u32 = 4096;

static MEMORY_MAX_MB: std::sync::atomic::AtomicU32 =
    std::sync::atomic::AtomicU32::new(Z3_MEMORY_MAX_MB);

/// Sets Z3's memory cap for this process; effective only before the first query.
pub fn set_memory_max_mb(mb: u32) {
    MEMORY_MAX_MB.store(mb, Ordering::SeqCst);
}

fn init_z3() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let mb = MEMORY_MAX_MB.load(Ordering::SeqCst);
        z3::set_global_param("memory_max_size", &mb.to_string())
    });
}

/// Runs `f` against this thread's Z3 context with a watchdog that interrupts the context at
/// `timeout`. Returns `f`'s result and whether the watchdog fired (read after the watchdog
/// thread has been joined, so a late interrupt is never missed).
pub(super) fn with_watchdog<R: Send + Sync>(
    timeout: Duration,
    f: impl FnOnce() -> R + Send + Sync,
) -> (R, bool) {
    let ctx = Context::thread_local();
    let handle = ctx.handle();
    let fired = AtomicBool::new(false);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let r = std::thread::scope(|s| {
        let fired = &fired;
        let handle = &handle;
        s.spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                fired.store(true, Ordering::SeqCst);
                handle.interrupt();
            }
        });
        let r = f();
        drop(done_tx);
        r
    });
    (r, fired.load(Ordering::SeqCst))
}

/// A solver on this thread's context with Z3's own `timeout` set (our watchdog is the real
/// limit; Z3's timer overshoots).
pub(super) fn new_solver(timeout: Duration) -> Solver {
    let solver = Solver::new();
    let mut p = z3::Params::new();
    p.set_u32(
        "timeout",
        timeout.as_millis().clamp(1, u32::MAX as u128) as u32,
    );
    solver.set_params(&p);
    solver
}

/// How long past a query's timeout the caller keeps waiting for an interrupted Z3 to return.
/// Z3 checks its interrupt flag only now and then (nonlinear arithmetic can take seconds), so
/// after this the caller stops waiting and the query finishes in the background.
pub const Z3_GRACE: Duration = Duration::from_millis(300);
/// Most overshooting Z3 queries allowed to keep running in the background; beyond this, new
/// queries are refused (verdict `unknown`) until they finish, so runaways cannot pile up.
pub const MAX_DETACHED_Z3: usize = 4;
/// Stack of a Z3 query thread: Z3 recurses over terms (SMT-LIB nesting up to MAX_SMT2_DEPTH).
const Z3_STACK_BYTES: usize = 256 << 20;

static DETACHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many interrupted queries are still running in the background of this process.
pub fn detached_queries() -> usize {
    DETACHED.load(Ordering::SeqCst)
}

/// Why a Z3 call gave no result.
pub(super) enum Z3Fail {
    /// Past the timeout plus [`Z3_GRACE`]; the query was interrupted and left to finish.
    Overshot,
    /// Too many earlier queries are still finishing.
    Busy,
}

/// Most idle Z3 query threads kept for reuse. Each keeps its Z3 context between queries, which
/// saves the context set-up (the larger part of a small claim's latency); a thread whose query
/// was interrupted is retired, so an interrupted context is never reused.
pub const MAX_IDLE_Z3_THREADS: usize = 8;

type Z3Job = Box<dyn FnOnce() -> bool + Send>;

static IDLE_Z3: std::sync::Mutex<Vec<mpsc::Sender<Z3Job>>> = std::sync::Mutex::new(Vec::new());

/// Hands `job` to an idle Z3 query thread, or starts one.
fn dispatch(mut job: Z3Job) -> bool {
    loop {
        let idle = IDLE_Z3.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(tx) => match tx.send(job) {
                Ok(()) => return true,
                Err(mpsc::SendError(j)) => job = j, // that thread is gone; try another
            },
            None => {
                let (tx, rx) = mpsc::channel::<Z3Job>();
                let own_tx = tx.clone();
                let spawned = std::thread::Builder::new()
                    .name("z3-query".into())
                    .stack_size(Z3_STACK_BYTES)
                    .spawn(move || {
                        init_z3();
                        while let Ok(job) = rx.recv() {
                            let interrupted = job();
                            let mut idle = IDLE_Z3.lock().unwrap_or_else(|p| p.into_inner());
                            if interrupted || idle.len() >= MAX_IDLE_Z3_THREADS {
                                return;
                            }
                            idle.push(own_tx.clone());
                        }
                    });
                return spawned.is_ok() && tx.send(job).is_ok();
            }
        }
    }
}

/// Runs `f` (which uses Z3) on a Z3 query thread under [`with_watchdog`], waiting at most
/// `timeout + Z3_GRACE` for it.
pub(super) fn z3_call<R: Send + Sync + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> R + Send + Sync + 'static,
) -> Result<(R, bool), Z3Fail> {
    use std::sync::{Arc, Mutex};
    if DETACHED.load(Ordering::SeqCst) >= MAX_DETACHED_Z3 {
        return Err(Z3Fail::Busy);
    }
    // (finished, abandoned)
    let state = Arc::new(Mutex::new((false, false)));
    let state2 = state.clone();
    let (tx, rx) = mpsc::channel();
    let job: Z3Job = Box::new(move || {
        let (r, fired) = with_watchdog(timeout, f);
        let mut st = state2.lock().unwrap_or_else(|p| p.into_inner());
        if st.1 {
            DETACHED.fetch_sub(1, Ordering::SeqCst);
        } else {
            st.0 = true;
            let _ = tx.send((r, fired));
        }
        fired
    });
    if !dispatch(job) {
        return Err(Z3Fail::Busy);
    }
    match rx.recv_timeout(timeout + Z3_GRACE) {
        Ok(r) => Ok(r),
        Err(_) => {
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            if st.0 {
                drop(st);
                return rx.recv().map_err(|_| Z3Fail::Overshot);
            }
            st.1 = true;
            DETACHED.fetch_add(1, Ordering::SeqCst);
            Err(Z3Fail::Overshot)
        }
    }
}

pub(super) fn check_value(
    checker: crate::verify::Checker,
    source: &str,
    verdict: ItemVerdict,
    evidence: Evidence,
    start: Instant,
) -> Check {
    Check {
        checker,
        item: source.into(),
        verdict,
        evidence,
        time_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

pub(super) fn ev(summary: impl Into<String>, status: Option<&str>) -> Evidence {
    Evidence {
        summary: summary.into(),
        solver_status: status.map(str::to_string),
        ..Default::default()
    }
}

pub(super) enum Outcome {
    Proved,
    /// Counterexample (or witness for an `exists` claim) in the claim's names.
    Model(BTreeMap<String, String>),
    /// The negation / the body is unsat for an exists claim.
    NoWitness,
    Unknown(String),
    Interrupted,
    Error(String),
}

/// Folds a finished or abandoned [`z3_call`] of an Outcome-producing query into an [`Outcome`]:
/// past the grace period → `Interrupted`; pool busy → `Unknown`; an `unknown` answer after the
/// watchdog fired → `Interrupted`; an encoding error → `Error`.
pub(super) fn outcome_of(call: Result<(Result<Outcome, String>, bool), Z3Fail>) -> Outcome {
    let (out, fired) = match call {
        Ok(x) => x,
        Err(Z3Fail::Overshot) => return Outcome::Interrupted,
        Err(Z3Fail::Busy) => {
            return Outcome::Unknown("too many earlier Z3 queries still running".into())
        }
    };
    match out {
        Err(e) => Outcome::Error(e),
        Ok(Outcome::Unknown(_)) if fired => Outcome::Interrupted,
        Ok(o) => o,
    }
}

pub(super) fn cex_text(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
