//! Running an SMT-LIB 2 block: the block is accepted by [`super::smtlex`] (lexer + command
//! allowlist), the re-emitted declarations and assertions go to one Z3 solver under the
//! watchdog, and Z3's answer becomes a verdict under the block's convention (module docs of
//! [`crate::verify::logic`]).

use super::encode::clean;
use super::runtime::{check_value, ev, new_solver, z3_call, Z3Fail};
use super::smtlex::{self, Accepted};
use crate::verify::{Check, Evidence, ItemVerdict};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use z3::{Context, SatResult};

/// Longest SMT-LIB block accepted, in bytes.
pub const MAX_SMT2_BYTES: usize = 1 << 20;
/// Most `name -> value` pairs of a model shown as a counterexample map; a bigger model is
/// shown as text.
const MAX_MODEL_PAIRS: usize = 64;
/// Longest model text kept in evidence, in characters.
const MAX_MODEL_CHARS: usize = 2_000;

type Verdict = (ItemVerdict, Evidence);

/// What Z3 said about an accepted block.
struct Answer {
    result: SatResult,
    model: Option<String>,
    reason: Option<String>,
    /// The watchdog interrupted the query.
    fired: bool,
}

/// Checks an SMT-LIB 2 block within `timeout` (conventions in the module docs of
/// [`crate::verify::logic`]). Never fails: a rejected block is `unknown` without running Z3.
pub fn check_smt2(source: &str, timeout: Duration) -> Check {
    let start = Instant::now();
    let (verdict, evidence) = smt2_verdict(source, timeout);
    check_value(crate::verify::Checker::Smt2, source, verdict, evidence, start)
}

fn smt2_verdict(source: &str, timeout: Duration) -> Verdict {
    if source.len() > MAX_SMT2_BYTES {
        let why = format!("block longer than MAX_SMT2_BYTES = {MAX_SMT2_BYTES}");
        return (ItemVerdict::Unknown, ev(why, None));
    }
    let block = match smtlex::accept(source) {
        Ok(b) => b,
        Err(e) => {
            return (
                ItemVerdict::Unknown,
                ev(format!("block not run: {e}"), None),
            )
        }
    };
    if block.asserts == 0 {
        return (ItemVerdict::Unknown, ev("the block asserts nothing", None));
    }
    let answer = match run_z3(block.text.clone(), timeout) {
        Ok(a) => a,
        Err(v) => return v,
    };
    judge(answer, &block, timeout)
}

/// The last Z3 error on this thread's context after parsing, as text.
fn parse_error(ctx: &Context) -> Option<String> {
    // SAFETY: the context is alive for the caller's whole closure; Z3_get_error_code only
    // reads it.
    let code = unsafe { z3_sys::Z3_get_error_code(ctx.get_z3_context()) };
    if code == z3_sys::ErrorCode::Ok {
        return None;
    }
    // SAFETY: as above; the message is a static string owned by Z3.
    let msg = unsafe {
        let p = z3_sys::Z3_get_error_msg(ctx.get_z3_context(), code);
        if p.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Some(msg)
}

/// Runs the accepted text through one solver under the watchdog. `Err` is the final verdict
/// when Z3 gave no usable answer (overshot, busy, parse error).
fn run_z3(text: String, timeout: Duration) -> Result<Answer, Verdict> {
    type Raw = Result<(SatResult, Option<String>, Option<String>), String>;
    let call = z3_call(timeout, move || -> Raw {
        let solver = new_solver(timeout);
        solver.from_string(text.as_str());
        if let Some(msg) = parse_error(&Context::thread_local()) {
            return Err(format!("Z3 could not parse the block: {msg}"));
        }
        let r = solver.check();
        let model = match r {
            SatResult::Sat => solver.get_model().map(|m| m.to_string()),
            _ => None,
        };
        let reason = match r {
            SatResult::Unknown => solver.get_reason_unknown(),
            _ => None,
        };
        Ok((r, model, reason))
    });
    let (out, fired) = match call {
        Ok(x) => x,
        Err(Z3Fail::Overshot) => {
            let why = format!(
                "no answer within {:.1} s (Z3 was interrupted)",
                timeout.as_secs_f64()
            );
            return Err((ItemVerdict::Timeout, ev(why, Some("timeout"))));
        }
        Err(Z3Fail::Busy) => {
            let why = "not run: too many earlier Z3 queries are still finishing";
            return Err((ItemVerdict::Unknown, ev(why, None)));
        }
    };
    match out {
        Ok((result, model, reason)) => Ok(Answer {
            result,
            model,
            reason,
            fired,
        }),
        Err(e) => Err((ItemVerdict::Unknown, ev(e, None))),
    }
}

/// Z3 prints one `name -> value` per line for constants; anything else (functions, multi-line
/// values) falls back to the whole model text under `model`.
fn model_map(m: Option<String>) -> Option<BTreeMap<String, String>> {
    let m = m?;
    let pairs: Option<BTreeMap<String, String>> = m
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once(" -> ")?;
            let (k, v) = (k.trim(), v.trim());
            (!k.is_empty() && !v.is_empty() && !v.contains('{')).then(|| (k.to_string(), clean(v)))
        })
        .collect();
    match pairs {
        Some(p) if !p.is_empty() && p.len() <= MAX_MODEL_PAIRS => Some(p),
        _ => Some(BTreeMap::from([(
            "model".to_string(),
            m.chars().take(MAX_MODEL_CHARS).collect(),
        )])),
    }
}

/// The verdict on Z3's answer under the block's convention.
fn judge(a: Answer, block: &Accepted, timeout: Duration) -> Verdict {
    let note = if block.notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", block.notes.join(", "))
    };
    match (a.result, block.expected) {
        (SatResult::Unknown, _) => {
            let reason = a.reason.unwrap_or_default();
            // Z3's own timer names its reason; either way the query ran out of time.
            if a.fired || reason.contains("canceled") || reason.contains("timeout") {
                let why = format!("no answer within {:.1} s{note}", timeout.as_secs_f64());
                (ItemVerdict::Timeout, ev(why, Some("timeout")))
            } else {
                let why = format!("Z3 answered unknown ({reason}){note}");
                (ItemVerdict::Unknown, ev(why, Some("unknown")))
            }
        }
        (SatResult::Unsat, None) => (
            ItemVerdict::Verified,
            ev(
                format!("proved: the assertions (the negated claim) are unsatisfiable{note}"),
                Some("unsat"),
            ),
        ),
        (SatResult::Sat, None) => (
            ItemVerdict::Refuted,
            Evidence {
                summary: format!("the assertions (the negated claim) are satisfiable: the model is a counterexample{note}"),
                counterexample: model_map(a.model),
                solver_status: Some("sat".into()),
                ..Default::default()
            },
        ),
        (r, Some(exp)) => {
            let got = r == SatResult::Sat;
            let word = |b: bool| if b { "sat" } else { "unsat" };
            let verdict = if got == exp {
                ItemVerdict::Verified
            } else {
                ItemVerdict::Refuted
            };
            (
                verdict,
                Evidence {
                    summary: format!(
                        "Z3 answered {} and the block declares :status {}{note}",
                        word(got),
                        word(exp)
                    ),
                    counterexample: if got { model_map(a.model) } else { None },
                    solver_status: Some(word(got).into()),
                    ..Default::default()
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_values_are_cleaned() {
        assert_eq!(clean("(- 3)"), "-3");
        assert_eq!(clean("7"), "7");
    }
}
