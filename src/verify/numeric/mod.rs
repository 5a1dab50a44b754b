//! Numeric checks of math items (`3 × 4 = 12`, `\frac34 ≈ 0.75`, `49 ≡ 1 (mod 8)`,
//! `(x+1)^2 = x^2+2x+1`) through a pool of `vibecheck worker` processes that embed CPython and
//! sympy (see [`crate::verify::worker`]).
//!
//! Owns: [`NumericOptions`] and [`NumericPool`], which turns items into worker requests and
//! worker answers (or a timeout / crash) into [`Check`]s. The parts live in:
//! - [`guard`]: the guard rails applied in Rust *before* anything reaches Python;
//! - [`wire`]: the flattened wire form of an item and the JSON-lines protocol types;
//! - [`pool`]: the generic process pool (warm workers, wall-clock deadline enforced by killing
//!   the worker → [`ItemVerdict::Timeout`], restarts), shared with the Z3 workers.
//!
//! Untrusted text never reaches Python as code: the item is an [`Expr`] AST parsed in Rust; the
//! worker builds sympy objects from it node by node through a fixed allowlist of sympy
//! constructors.
//!
//! # Rounding rule
//! A decimal the author wrote with *k* digits after the point (`0.33`, `2.50`) is accepted as
//! equal to an exact value when that value rounds to it at *k* digits (ties either way) or
//! truncates to it at *k* digits: `1/3 = 0.33`, `2/3 = 0.67`, `2/3 = 0.66`, `π = 3.14` are
//! accepted, `2/3 = 0.65` is not. When both sides are decimal literals the one with fewer digits
//! is taken as the rounded one. Integers are exact under `=` (`10/3 = 3` is refuted). Under `≈`
//! the same rule applies, integers count as rounded to their last non-zero digit (`1000/7 ≈ 140`),
//! and anything within the relative tolerance [`NumericOptions::approx_rel_tol`] is accepted.

pub mod guard;
pub mod pool;
pub mod wire;

pub use guard::{
    guard, Tripped, MAX_DEPTH, MAX_EXPONENT, MAX_FACTORIAL_ARG, MAX_LITERAL_DIGITS, MAX_NAME_LEN,
    MAX_NODES, MAX_RESULT_DIGITS, MAX_SYMBOLIC_EXPONENT,
};
pub use pool::{
    Outcome, PoolError, ProcessPool, Reply, WorkerSpec, MAX_RESPONSE_BYTES, READY_LINE,
    WORKER_START_TIMEOUT,
};
pub use wire::{
    flatten, render, FlatItem, ItemResult, Lit, Node, WireVerdict, WorkerRequest, WorkerResponse,
    MAX_TEXT_CHARS,
};

use crate::chain::MathItem;
use crate::verify::{Check, Evidence, ItemVerdict};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Default address-space cap of one worker process (setrlimit RLIMIT_AS), in MiB. The embedded
/// interpreter with sympy maps ~300 MiB; the rest is headroom for big exact values.
pub const DEFAULT_WORKER_MEMORY_MB: u64 = 2048;
/// Most items per batched request ([`NumericPool::check_batch`]).
pub const MAX_BATCH: usize = 256;

/// Options for the numeric checker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumericOptions {
    /// Relative tolerance accepted by `≈` (in addition to the rounding rule). Default 1%.
    pub approx_rel_tol: f64,
    /// Treat an equation with variables that is not an identity as refuted (with a counterexample)
    /// instead of unknown. Off by default: `2x + 3 = 13` in a solution is an equation to solve.
    pub identities: bool,
    /// Address-space cap of each worker in MiB.
    pub worker_memory_mb: u64,
}

impl Default for NumericOptions {
    fn default() -> Self {
        NumericOptions {
            approx_rel_tol: 0.01,
            identities: false,
            worker_memory_mb: DEFAULT_WORKER_MEMORY_MB,
        }
    }
}

impl Reply for WorkerResponse {
    fn id(&self) -> u64 {
        self.id
    }
}

impl From<WireVerdict> for ItemVerdict {
    fn from(v: WireVerdict) -> ItemVerdict {
        match v {
            WireVerdict::Verified => ItemVerdict::Verified,
            WireVerdict::Refuted => ItemVerdict::Refuted,
            WireVerdict::Unknown => ItemVerdict::Unknown,
        }
    }
}

/// The worker spec of a numeric worker: `vibecheck worker --kind numeric --memory-mb N`, with
/// PYTHONHOME pointing at the CPython pyo3 was built against.
fn numeric_spec(exe: PathBuf, opts: &NumericOptions) -> WorkerSpec {
    let mut envs = Vec::new();
    if std::env::var_os("PYTHONHOME").is_none() {
        if let Some(home) = crate::verify::worker::python_home() {
            envs.push(("PYTHONHOME".into(), home.into_os_string()));
        }
    }
    WorkerSpec {
        name: "numeric",
        exe,
        args: vec![
            "worker".into(),
            "--kind".into(),
            "numeric".into(),
            "--memory-mb".into(),
            opts.worker_memory_mb.to_string().into(),
        ],
        envs,
        empty_cwd: false,
    }
}

/// A pool of warm numeric `vibecheck worker` processes. `Send + Sync`: share it behind an `Arc`.
pub struct NumericPool {
    opts: NumericOptions,
    pool: ProcessPool,
}

impl NumericPool {
    /// Starts `workers` worker processes of the binary `exe` (the `vibecheck` executable) with
    /// default [`NumericOptions`]. Workers import sympy in the background; the first check
    /// waits for its worker to be ready (up to [`WORKER_START_TIMEOUT`], not charged to the item).
    pub fn new(workers: usize, exe: PathBuf) -> Result<Self, PoolError> {
        Self::with_options(workers, exe, NumericOptions::default())
    }

    /// Like [`NumericPool::new`] with explicit options.
    pub fn with_options(
        workers: usize,
        exe: PathBuf,
        opts: NumericOptions,
    ) -> Result<Self, PoolError> {
        let pool = ProcessPool::new(workers, numeric_spec(exe, &opts))?;
        Ok(NumericPool { opts, pool })
    }

    /// How many workers were killed (deadline) or found dead (crash) and replaced so far.
    pub fn restarts(&self) -> u64 {
        self.pool.restarts()
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.pool.worker_pids()
    }

    /// Waits until every worker has imported sympy (useful before timing anything).
    pub fn warm_up(&self) -> Result<(), PoolError> {
        self.pool.warm_up()
    }

    /// Checks one math item within `deadline` of wall-clock time. A tripped guard rail, a
    /// worker crash and an evaluation error are verdicts (`Unknown`, with evidence); running
    /// past the deadline kills the worker and gives `Timeout`. `Err` only when no worker can be
    /// started.
    pub fn check(&self, item: &MathItem, deadline: Duration) -> Result<Check, PoolError> {
        Ok(self
            .check_batch(std::slice::from_ref(item), deadline)?
            .remove(0))
    }

    /// Checks several items in one worker round trip (up to [`MAX_BATCH`] per request) within
    /// `deadline` for the whole batch. If the batch times out or crashes its worker, each item
    /// of it is re-checked alone with the full deadline, so one hostile item only fails itself.
    pub fn check_batch(
        &self,
        items: &[MathItem],
        deadline: Duration,
    ) -> Result<Vec<Check>, PoolError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH) {
            out.extend(self.check_chunk(chunk, deadline, chunk.len() > 1)?);
        }
        Ok(out)
    }

    fn check_chunk(
        &self,
        items: &[MathItem],
        deadline: Duration,
        retry_alone: bool,
    ) -> Result<Vec<Check>, PoolError> {
        let start = Instant::now();
        let mut checks: Vec<Option<Check>> = vec![None; items.len()];
        let mut flat = Vec::new();
        let mut slots = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match guard(item) {
                Ok(()) => {
                    flat.push(flatten(item));
                    slots.push(i);
                }
                Err(Tripped(why)) => {
                    checks[i] = Some(make_check(
                        item,
                        ItemVerdict::Unknown,
                        note(format!("not evaluated: guard rail: {why}")),
                        start,
                    ));
                }
            }
        }
        if !flat.is_empty() {
            let id = self.pool.next_id();
            let req = WorkerRequest {
                id,
                items: flat,
                approx_rel_tol: self.opts.approx_rel_tol,
                identities: self.opts.identities,
            };
            let outcome = self.pool.round_trip(&req, id, deadline)?;
            self.settle(
                outcome,
                items,
                &slots,
                &mut checks,
                deadline,
                retry_alone,
                start,
            )?;
        }
        Ok(checks
            .into_iter()
            .map(|c| c.expect("every slot filled"))
            .collect())
    }

    /// Fills `checks[slot]` for every evaluated slot from the round trip's outcome; a timed-out
    /// or crashed batch is re-checked one item at a time when `retry_alone`.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        outcome: Outcome<WorkerResponse>,
        items: &[MathItem],
        slots: &[usize],
        checks: &mut [Option<Check>],
        deadline: Duration,
        retry_alone: bool,
        start: Instant,
    ) -> Result<(), PoolError> {
        let (verdict, summary) = match outcome {
            Outcome::Done(resp) if resp.error.is_none() && resp.results.len() == slots.len() => {
                let n = slots.len() as f64;
                for (slot, r) in slots.iter().zip(resp.results) {
                    let ev = Evidence {
                        summary: r.summary,
                        computed: r.computed,
                        counterexample: r.counterexample,
                        solver_status: None,
                    };
                    let mut c = make_check(&items[*slot], r.verdict.into(), ev, start);
                    c.time_ms /= n;
                    checks[*slot] = Some(c);
                }
                return Ok(());
            }
            Outcome::TimedOut | Outcome::Crashed(_) if retry_alone && slots.len() > 1 => {
                for slot in slots {
                    let one = std::slice::from_ref(&items[*slot]);
                    checks[*slot] = Some(self.check_chunk(one, deadline, false)?.remove(0));
                }
                return Ok(());
            }
            Outcome::Done(resp) => (
                ItemVerdict::Unknown,
                format!(
                    "worker rejected the request: {}",
                    resp.error
                        .unwrap_or_else(|| "wrong number of results".into())
                ),
            ),
            Outcome::TimedOut => (
                ItemVerdict::Timeout,
                format!(
                    "no result within {:.1} s; the worker was killed and replaced",
                    deadline.as_secs_f64()
                ),
            ),
            Outcome::Crashed(msg) => (
                ItemVerdict::Unknown,
                format!("{msg}; the worker was replaced"),
            ),
        };
        for slot in slots {
            let ev = note(summary.clone());
            checks[*slot] = Some(make_check(&items[*slot], verdict, ev, start));
        }
        Ok(())
    }
}

fn note(summary: String) -> Evidence {
    Evidence {
        summary,
        ..Default::default()
    }
}

fn make_check(item: &MathItem, verdict: ItemVerdict, evidence: Evidence, start: Instant) -> Check {
    Check {
        checker: "numeric".into(),
        item: item.source.clone(),
        verdict,
        evidence,
        time_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

#[cfg(test)]
mod tests {
    use super::wire::literal_shape;
    use super::*;
    use crate::chain::expr::Expr;
    use crate::chain::Rel;

    fn int(s: &str) -> Box<Expr> {
        Box::new(Expr::Int(s.into()))
    }

    fn item(a: Expr, rel: Rel, b: Expr) -> MathItem {
        MathItem {
            source: "t".into(),
            terms: vec![a, b],
            rels: vec![rel],
            modulus: None,
        }
    }

    #[test]
    fn tower_of_nines_trips_the_exponent_guard() {
        let e = Expr::Pow(
            int("9"),
            Box::new(Expr::Pow(int("9"), Box::new(Expr::Pow(int("9"), int("9"))))),
        );
        let err = guard(&item(e, Rel::Eq, Expr::Int("1".into()))).unwrap_err();
        assert!(err.0.contains("MAX_EXPONENT"), "{err:?}");
    }

    #[test]
    fn big_factorial_trips_and_small_passes() {
        let err = guard(&item(
            Expr::Factorial(int("100000")),
            Rel::Eq,
            Expr::Int("1".into()),
        ))
        .unwrap_err();
        assert!(err.0.contains("MAX_FACTORIAL_ARG"), "{err:?}");
        assert!(guard(&item(
            Expr::Factorial(int("5")),
            Rel::Eq,
            Expr::Int("120".into())
        ))
        .is_ok());
    }

    #[test]
    fn deep_nesting_trips_without_recursion() {
        let mut e = Expr::Int("1".into());
        for _ in 0..10_000 {
            e = Expr::Neg(Box::new(e));
        }
        let it = item(e, Rel::Eq, Expr::Int("1".into()));
        let err = guard(&it).unwrap_err();
        assert!(err.0.contains("MAX_DEPTH"), "{err:?}");
        // Drop iteratively-built deep trees without blowing the test thread's stack.
        let MathItem { mut terms, .. } = it;
        let mut e = terms.remove(0);
        while let Expr::Neg(inner) = e {
            e = *inner;
        }
    }

    #[test]
    fn literal_digits_and_names_are_checked() {
        let long = "9".repeat(MAX_LITERAL_DIGITS + 1);
        assert!(
            guard(&item(Expr::Int(long), Rel::Eq, Expr::Int("1".into())))
                .unwrap_err()
                .0
                .contains("MAX_LITERAL_DIGITS")
        );
        assert!(guard(&item(
            Expr::Var("__import__".into()),
            Rel::Eq,
            Expr::Int("1".into())
        ))
        .is_err());
        assert!(guard(&item(
            Expr::Int("1e5".into()),
            Rel::Eq,
            Expr::Int("1".into())
        ))
        .is_err());
    }

    #[test]
    fn render_and_literal_shapes() {
        let e = Expr::Mul(
            int("3"),
            Box::new(Expr::Add(int("4"), Box::new(Expr::Var("x".into())))),
        );
        assert_eq!(render(&e), "3 × (4 + x)");
        assert_eq!(
            literal_shape(&Expr::Decimal("0.330".into())),
            Some(Lit {
                places: 3,
                trailing_zeros: 0
            })
        );
        assert_eq!(
            literal_shape(&Expr::Int("1400".into())),
            Some(Lit {
                places: 0,
                trailing_zeros: 2
            })
        );
        assert_eq!(literal_shape(&e), None);
    }
}
