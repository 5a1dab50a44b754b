//! Z3-backed checks: claims in the claim language ([`check_claim`], syntax in
//! [`crate::verify::claim`]) and SMT-LIB 2 blocks ([`check_smt2`]).
//!
//! Owns: the order in which a claim is tried (bit-vector encoding, Int/Real encoding, bounded
//! enumeration) and how their typed outcomes become one verdict. The parts live in:
//! - [`runtime`]: Z3 query threads, the watchdog, the typed query [`Outcome`](runtime);
//! - [`encode`]: the Int/Real/Bool encoding of a claim;
//! - [`bitvec`]: the bit-vector encoding of a fully ranged integer claim;
//! - [`bounded`]: exact enumeration when Z3 cannot settle a claim;
//! - [`smtlex`]: the SMT-LIB lexer and command allowlist; [`smt2`]: running an accepted block.
//!
//! These functions run Z3 *in this process*. Untrusted input reaches them inside a
//! `vibecheck worker --kind z3` process ([`crate::verify::z3pool`]), where a memory-out
//! (Z3 calls `exit(101)`) or a runaway query ends one worker, not the server.
//!
//! # Verdicts of a claim
//! * `verified` — Z3 showed the negation unsatisfiable (`solver_status: unsat`); for a claim
//!   that starts with `exists`, Z3 found a witness (`sat`); or a claim whose variables all have
//!   finite ranges was proved over exactly those ranges (bit-vector encoding without overflow,
//!   or an exhaustive check of every case — the evidence says which).
//! * `refuted` — a counterexample, in the claim's own variable names.
//! * `checked_bounded` — Z3 could not decide, and no counterexample exists with every unranged
//!   integer variable in `[-N, N]` ("checked up to N"). Not a proof.
//! * `unknown` / `timeout` — otherwise (parse errors are `unknown` with the position).
//!
//! # SMT-LIB blocks
//! By default a block follows the proof convention: it asserts the *negation* of what is
//! claimed, so `unsat` → verified and `sat` → refuted (the model is the counterexample). A block
//! that declares `(set-info :status sat)` or `(set-info :status unsat)` is instead verified when
//! Z3's answer matches the declared status. Which commands are accepted is in [`smtlex`];
//! anything else makes the verdict `unknown` without running Z3.

pub mod bitvec;
pub mod bounded;
pub mod encode;
pub mod runtime;
pub mod smt2;
pub mod smtlex;

pub use bitvec::BV_WIDTH;
pub use bounded::{BOUNDED_MAX_CASES, BOUNDED_MAX_RADIUS};
pub use runtime::{MAX_DETACHED_Z3, MAX_IDLE_Z3_THREADS, Z3_GRACE, Z3_MEMORY_MAX_MB};
pub use smt2::{check_smt2, MAX_SMT2_BYTES};
pub use smtlex::MAX_SMT2_DEPTH;

use crate::verify::claim::{self, Binder, Quant, Sort, Term};
use crate::verify::{Check, Evidence, ItemVerdict};
use bitvec::{bv_claim, const_ranges};
use bounded::{enumerate, Bounded};
use encode::{peel, z3_claim};
use runtime::{cex_text, check_value, ev, Outcome};
use std::time::{Duration, Instant};

/// Share of a claim's timeout given to the first (Int/Real) Z3 query; the rest goes to the
/// fallbacks.
const FIRST_QUERY_SHARE: f64 = 0.6;
/// Share of a claim's timeout given to the bit-vector attempt on a fully ranged integer claim,
/// which runs first.
const BV_FIRST_SHARE: f64 = 0.3;

/// How the Int/Real query ended when it settled nothing: carried as a type to the end of
/// [`check_claim`], so "was this a timeout" is never re-derived from text.
#[derive(Debug, Clone)]
enum Unsettled {
    /// Z3 answered `unknown` for a reason other than time.
    Unknown(String),
    /// No answer within the query's share of the timeout.
    NoAnswer(Duration),
}

impl Unsettled {
    fn note(&self) -> String {
        match self {
            Unsettled::Unknown(r) => format!("Z3: unknown ({r})"),
            Unsettled::NoAnswer(t) => format!("Z3: no answer within {:.1} s", t.as_secs_f64()),
        }
    }
    fn verdict(&self) -> ItemVerdict {
        match self {
            Unsettled::Unknown(_) => ItemVerdict::Unknown,
            Unsettled::NoAnswer(_) => ItemVerdict::Timeout,
        }
    }
    fn status(&self) -> &'static str {
        match self {
            Unsettled::Unknown(_) => "unknown",
            Unsettled::NoAnswer(_) => "timeout",
        }
    }
}

type Verdict = (ItemVerdict, Evidence);

/// Checks a claim written in the claim language (see [`crate::verify::claim`]) within
/// `timeout`. Never fails: parse errors and solver failures are `Unknown` verdicts.
pub fn check_claim(source: &str, timeout: Duration) -> Check {
    let start = Instant::now();
    let (verdict, evidence) = claim_verdict(source, timeout, start + timeout);
    check_value(crate::verify::Checker::Logic, source, verdict, evidence, start)
}

fn claim_verdict(source: &str, timeout: Duration, deadline: Instant) -> Verdict {
    let term = match claim::parse(source) {
        Ok(t) => t,
        Err(e) => {
            let why = format!("claim does not parse: {e}");
            return (ItemVerdict::Unknown, ev(why, None));
        }
    };
    let (foralls, body) = peel(&term, Quant::Forall);
    let is_exists = foralls.is_empty() && matches!(term, Term::Quant(Quant::Exists, _, _));
    let fallback_ok = !is_exists
        && !claim::has_quantifier(body)
        && !foralls.is_empty()
        && foralls.iter().all(|b| b.sort != Sort::Real);
    // A claim whose variables all have constant ranges: the bit-vector encoding first (fast
    // when it applies; exact because overflow is ruled out, see `bv_claim`).
    if fallback_ok {
        if let Some(v) = try_bitvec(&foralls, body, timeout.mul_f64(BV_FIRST_SHARE)) {
            return v;
        }
    }
    // Without a fallback the Int/Real query gets all the time that is left.
    let left = deadline.saturating_duration_since(Instant::now());
    let first = if fallback_ok {
        left.mul_f64(FIRST_QUERY_SHARE)
    } else {
        left
    };
    let unsettled = match settle(z3_claim(&term, first), is_exists, first) {
        Ok(v) => return v,
        Err(u) => u,
    };
    if fallback_ok {
        if let Some(v) = try_bounded(&foralls, body, &unsettled, deadline) {
            return v;
        }
    }
    (
        unsettled.verdict(),
        ev(unsettled.note(), Some(unsettled.status())),
    )
}

/// The bit-vector attempt; `None` when it settles nothing.
fn try_bitvec(foralls: &[Binder], body: &Term, timeout: Duration) -> Option<Verdict> {
    let ranges = const_ranges(foralls)?;
    match bv_claim(foralls, body, &ranges, timeout) {
        Outcome::Proved => Some((
            ItemVerdict::Verified,
            ev(
                "proved over the stated ranges by a bit-vector encoding in which no overflow is possible",
                Some("unsat (bit-vector)"),
            ),
        )),
        Outcome::Model(m) => Some((
            ItemVerdict::Refuted,
            Evidence {
                summary: format!(
                    "counterexample: {} (bit-vector encoding, no overflow)",
                    cex_text(&m)
                ),
                counterexample: Some(m),
                solver_status: Some("sat (bit-vector)".into()),
                ..Default::default()
            },
        )),
        _ => None,
    }
}

/// The verdict of the Int/Real query, or what left it unsettled.
fn settle(outcome: Outcome, is_exists: bool, first: Duration) -> Result<Verdict, Unsettled> {
    Ok(match outcome {
        Outcome::Proved => (
            ItemVerdict::Verified,
            ev(
                "proved: the negation of the claim is unsatisfiable",
                Some("unsat"),
            ),
        ),
        Outcome::Model(m) if is_exists => (
            ItemVerdict::Verified,
            Evidence {
                summary: format!("proved by a witness: {}", cex_text(&m)),
                counterexample: None,
                computed: vec![format!("witness: {}", cex_text(&m))],
                solver_status: Some("sat".into()),
            },
        ),
        Outcome::Model(m) => (
            ItemVerdict::Refuted,
            Evidence {
                summary: format!("counterexample: {}", cex_text(&m)),
                counterexample: Some(m),
                solver_status: Some("sat".into()),
                ..Default::default()
            },
        ),
        Outcome::NoWitness => (
            ItemVerdict::Refuted,
            ev(
                "no value satisfies the claim (unsatisfiable)",
                Some("unsat"),
            ),
        ),
        Outcome::Error(e) => (
            ItemVerdict::Unknown,
            ev(format!("claim is ill-typed: {e}"), None),
        ),
        Outcome::Unknown(r) => return Err(Unsettled::Unknown(r)),
        Outcome::Interrupted => return Err(Unsettled::NoAnswer(first)),
    })
}

/// The enumeration domain of each top-level variable: `Some((lo, hi))` for a stated constant
/// range (Bools as `[0, 1]`), `None` for an unranged integer. `None` overall when a range is
/// not constant.
fn domains(foralls: &[Binder]) -> Option<Vec<Option<(i128, i128)>>> {
    foralls
        .iter()
        .map(|b| match (&b.sort, &b.range) {
            (Sort::Bool, _) => Some(Some((0, 1))),
            (_, None) => Some(None),
            (_, Some((lo, hi))) => Some(Some((claim::const_int(lo)?, claim::const_int(hi)?))),
        })
        .collect()
}

/// How many points the stated ranges hold (saturating; empty ranges count 0).
fn fixed_cases(fixed: &[Option<(i128, i128)>]) -> u128 {
    fixed
        .iter()
        .flatten()
        .map(|(lo, hi)| {
            hi.checked_sub(*lo)
                .and_then(|d| d.checked_add(1))
                .map_or(u128::MAX, |n| n.max(0) as u128)
        })
        .try_fold(1u128, |a, n| a.checked_mul(n))
        .unwrap_or(u128::MAX)
}

/// The bounded enumeration after an unsettled Z3 query; `None` when it does not apply.
fn try_bounded(
    foralls: &[Binder],
    body: &Term,
    unsettled: &Unsettled,
    deadline: Instant,
) -> Option<Verdict> {
    let fixed = domains(foralls)?;
    let cases = fixed_cases(&fixed);
    let free = fixed.iter().filter(|f| f.is_none()).count() as u32;
    if cases > BOUNDED_MAX_CASES as u128 {
        return None;
    }
    let budget = BOUNDED_MAX_CASES as f64 / cases.max(1) as f64;
    let radius = if free == 0 {
        0
    } else {
        (((budget.powf(1.0 / free as f64) - 1.0) / 2.0).floor() as i128).min(BOUNDED_MAX_RADIUS)
    };
    if free > 0 && radius < 1 {
        return None;
    }
    let z3_note = unsettled.note();
    Some(match enumerate(foralls, body, &fixed, radius, deadline) {
        Bounded::Counterexample(m) => (
            ItemVerdict::Refuted,
            Evidence {
                summary: format!(
                    "counterexample: {} (found by bounded search; {z3_note})",
                    cex_text(&m)
                ),
                counterexample: Some(m),
                solver_status: Some("bounded search".into()),
                ..Default::default()
            },
        ),
        Bounded::AllHold {
            cases,
            complete: true,
            ..
        } if free == 0 => (
            ItemVerdict::Verified,
            ev(
                format!("proved by checking all {cases} cases of the stated ranges ({z3_note})"),
                Some("exhaustive"),
            ),
        ),
        Bounded::AllHold {
            cases,
            radius,
            complete,
        } if free > 0 => {
            let names: Vec<&str> = foralls
                .iter()
                .zip(&fixed)
                .filter(|(_, f)| f.is_none())
                .map(|(b, _)| b.name.as_str())
                .collect();
            let summary = format!(
                "checked up to {radius}: no counterexample with |{}| ≤ {radius} ({cases} cases{}); not a proof ({z3_note})",
                names.join("|, |"),
                if complete { "" } else { ", stopped at the deadline" }
            );
            (
                ItemVerdict::CheckedBounded,
                ev(summary, Some("bounded search")),
            )
        }
        Bounded::AllHold { cases, .. } => (
            ItemVerdict::Timeout,
            ev(
                format!("{z3_note}; stopped at the deadline after {cases} of the stated cases"),
                Some("timeout"),
            ),
        ),
        Bounded::GaveUp(why) => (
            unsettled.verdict(),
            ev(
                format!("{z3_note}; bounded search gave up: {why}"),
                Some("unknown"),
            ),
        ),
    })
}
