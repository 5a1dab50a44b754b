//! Answer-level evidence in `solve`, beyond the reference and substitution that `verify`
//! already gives: program-of-thought (a separately asked-for Python program that computes the
//! answer, run as python.wasm in the sandbox, never on the host) and proven claims that entail
//! the answer.
//!
//! Owns: the limits of a program-of-thought run, reading its output, comparing it with the
//! chain's answer ([`program_check`]), and the claim-entailment rule ([`claim_entails`]).

use crate::verify::{answer, Check, Checker, Evidence, ItemVerdict};
use vibecheck_sandbox::run::{RunOutcome, Status};
use vibecheck_sandbox::Limits;

/// Limits of one program-of-thought run: a short computation, not a contest solution. 10 s of
/// CPU leaves room for a brute-force count; 256 MB as for judged programs; 64 KiB of output is
/// far more than one printed answer.
pub const PROGRAM_LIMITS: Limits = Limits {
    time_ms: 10_000,
    memory_mb: 256,
    output_bytes: 64 << 10,
};
/// Most tokens the model may spend on a program-of-thought answer: a short program and little
/// else. Counted against the solve's token budget.
pub const MAX_PROGRAM_TOKENS: usize = 2_048;
/// Longest printed value compared with the answer, in characters (longer output is not an
/// answer; its check is `unknown`).
pub const MAX_PROGRAM_VALUE_CHARS: usize = 200;

/// The item name of program-of-thought checks.
pub const PROGRAM_ITEM: &str = "program-of-thought";

/// The value a program printed: its last non-empty line of output.
pub fn printed_value(stdout: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stdout);
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?.trim();
    (line.chars().count() <= MAX_PROGRAM_VALUE_CHARS).then(|| line.to_string())
}

fn unknown(summary: String, time_ms: f64) -> Check {
    Check {
        checker: Checker::Program,
        item: PROGRAM_ITEM.into(),
        verdict: ItemVerdict::Unknown,
        evidence: Evidence {
            summary,
            ..Default::default()
        },
        time_ms,
    }
}

/// The check of `chain_answer` against a program-of-thought run: `verified` when the printed
/// value is established equal ([`answer::established`]), `refuted` with both values when it
/// is not even probably equal, `unknown` when it agrees only approximately (a rounded float)
/// or the program failed or printed nothing usable (not evidence either way).
pub fn program_check(chain_answer: &str, run: &RunOutcome) -> Check {
    let ms = run.wall_ms as f64;
    if run.status != Status::Exited(0) {
        return unknown(
            format!(
                "the program did not finish normally ({:?}): {}",
                run.status,
                run.stderr_tail()
            ),
            ms,
        );
    }
    let Some(value) = printed_value(&run.stdout) else {
        return unknown("the program printed no single value".into(), ms);
    };
    let how = answer::compare(&value, chain_answer);
    if how == answer::Equivalence::ProbablyEqual {
        return unknown(
            format!(
                "an independent program computed {value}, which agrees with the answer \
                 {chain_answer} only approximately (not answer-level evidence)"
            ),
            ms,
        );
    }
    let same = how == answer::Equivalence::Equal;
    Check {
        checker: Checker::Program,
        item: PROGRAM_ITEM.into(),
        verdict: if same {
            ItemVerdict::Verified
        } else {
            ItemVerdict::Refuted
        },
        evidence: Evidence {
            summary: if same {
                format!("an independent program computed {value}, equivalent to the answer {chain_answer}")
            } else {
                format!("an independent program computed {value}, but the chain's answer is {chain_answer}")
            },
            computed: vec![value, chain_answer.to_string()],
            ..Default::default()
        },
        time_ms: ms,
    }
}

/// A program that could not be obtained or did not compile: `unknown`, saying why.
pub fn program_unavailable(why: &str) -> Check {
    unknown(format!("no program-of-thought check: {why}"), 0.0)
}

/// Whether a check is a claim that Z3 proved and that entails `answer`. The rule (sound for the
/// conditions the claim states): the claim is `forall v: Sort. COND -> v = VALUE` (any of the
/// claim language's implication arrows; `VALUE` variable-free) with `VALUE` equivalent to the
/// answer — every `v` satisfying the conditions is the answer. A trivial `COND` that mentions
/// `VALUE` as `v = VALUE` (`forall x: Int. x = 5 -> x = 5`) is refused. What it does not show
/// is that `COND` is the problem's condition: that is the model's formalisation, which is why
/// this evidence ranks below reference, substitution and program.
pub fn claim_entails(c: &Check, answer: &str) -> bool {
    if c.checker != Checker::Logic || c.verdict != ItemVerdict::Verified {
        return false;
    }
    let text = c.item.trim();
    let Some(rest) = text
        .strip_prefix("forall ")
        .or_else(|| text.strip_prefix("∀"))
        .map(str::trim_start)
    else {
        return false;
    };
    let Some((binder, body)) = rest.split_once('.') else {
        return false;
    };
    let Some((var, sort)) = binder.split_once(':') else {
        return false;
    };
    let var = var.trim();
    if var.contains(',') || !matches!(sort.trim(), "Int" | "Real") {
        return false;
    }
    let arrows = ["->", "=>", "→", "⇒", " implies "];
    let Some((cond, concl)) = arrows.iter().find_map(|a| body.rsplit_once(a)) else {
        return false;
    };
    let Some((lhs, value)) = concl.split_once('=') else {
        return false;
    };
    let value = value.trim().trim_end_matches(')').trim();
    if lhs.trim().trim_start_matches('(').trim() != var || value.contains(var) {
        return false;
    }
    let cond = cond.trim();
    let trivial = cond.split_once('=').is_some_and(|(l, r)| {
        l.trim().trim_start_matches('(') == var && answer::equivalent(r.trim(), value)
    });
    !trivial && !cond.is_empty() && answer::established(value, answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(text: &str, v: ItemVerdict) -> Check {
        Check {
            checker: Checker::Logic,
            item: text.into(),
            verdict: v,
            evidence: Evidence::default(),
            time_ms: 0.0,
        }
    }

    fn run(status: Status, out: &str) -> RunOutcome {
        RunOutcome {
            status,
            stdout: out.as_bytes().to_vec(),
            stderr: vec![],
            cpu_ms: 1,
            wall_ms: 1,
            memory_kib: 1,
            time_limit_ms: 2_000,
        }
    }

    #[test]
    fn claims_that_pin_the_unknown_entail_the_answer() {
        let ok = "forall x: Int. 2*x + 3 = 7 -> x = 2";
        assert!(claim_entails(&claim(ok, ItemVerdict::Verified), "2"));
        assert!(!claim_entails(&claim(ok, ItemVerdict::Verified), "3"));
        assert!(!claim_entails(&claim(ok, ItemVerdict::Unknown), "2"));
        assert!(!claim_entails(&claim(ok, ItemVerdict::CheckedBounded), "2"));
        let trivial = "forall x: Int. x = 5 -> x = 5";
        assert!(!claim_entails(&claim(trivial, ItemVerdict::Verified), "5"));
        assert!(!claim_entails(
            &claim("forall n: Int. n*(n+1) mod 2 = 0", ItemVerdict::Verified),
            "0"
        ));
    }

    #[test]
    fn program_output_is_compared_by_equivalence() {
        let c = program_check("\\frac{1}{2}", &run(Status::Exited(0), "work\n0.5\n"));
        assert_eq!(c.verdict, ItemVerdict::Verified, "{c:?}");
        let c = program_check("7", &run(Status::Exited(0), "8\n"));
        assert_eq!(c.verdict, ItemVerdict::Refuted);
        assert_eq!(c.evidence.computed, vec!["8".to_string(), "7".to_string()]);
        let c = program_check("7", &run(Status::TimeLimit, "7\n"));
        assert_eq!(c.verdict, ItemVerdict::Unknown);
        let c = program_check("7", &run(Status::Exited(0), "  \n"));
        assert_eq!(c.verdict, ItemVerdict::Unknown);
    }
}
