//! Retry feedback: what failed in an attempt, quoted, with the verifiers' evidence (computed
//! values, Z3 counterexamples, failing test input / expected / actual, compiler errors), written
//! for the model to read. Also the small fixed notes the prompts are filled with.
//!
//! The reference answer is never quoted: feedback says an answer is wrong, not what is right.

use super::code::{self, lang_names};
use super::samples::SampleStyle;
use super::{Attempt, Kind};
use crate::verify::{Check, Checker, ItemVerdict, Overall, StepVerdict};
use std::fmt::Write;
use vibecheck_sandbox::{TestCase, Verdict};

/// Most failed items quoted in one feedback (the first errors matter most; a long list buries
/// them and costs prompt tokens).
pub const MAX_FEEDBACK_ITEMS: usize = 3;
/// Longest quote of a step, test input, output or compiler message, in characters.
pub const MAX_QUOTE_CHARS: usize = 1_500;
/// Longest quote of the previous program, in characters.
pub const MAX_CODE_QUOTE_CHARS: usize = 6_000;

/// Added to the math prompt with `--claims`.
pub const CLAIMS_NOTE: &str = "\n\nWhen a step relies on a general fact (an identity, a divisibility or parity argument, a bound), state it as a claim in a ```claim block, for example:\n```claim\nforall n: Int. n*(n+1) mod 2 = 0\n```";

/// How the stress-test generator gets its seed (the sandbox passes it as the program's only
/// command-line argument; see `StressRequest::generator`).
pub const GENERATOR_SEED_NOTE: &str =
    "The random seed is given as the program's only command-line argument (argv[1]); standard input is empty.";

/// The `{{io}}` note of the code prompt for the way the samples are laid out.
pub fn io_note(style: Option<SampleStyle>) -> &'static str {
    match style {
        Some(SampleStyle::Inline) => "Read the input from standard input: one line per argument of the function, holding its value written as in the examples. Print the return value to standard output, written the same way (for example `[0,1]`, `true`, `\"abc\"`). The program must read, compute and print; defining a function alone is not enough.",
        _ => "Read the input from standard input and write the answer to standard output. Do not hard-code the sample tests.",
    }
}

/// Cuts `s` to at most `max` characters, saying how much was left out.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}… ({} more characters)", &s[..i], s[i..].chars().count()),
    }
}

fn quote(s: &str) -> String {
    clip(s.trim(), MAX_QUOTE_CHARS)
        .lines()
        .map(|l| format!("> {l}\n"))
        .collect()
}

fn fenced(s: &str, max: usize) -> String {
    let body = clip(s, max);
    let body = body.trim_end_matches('\n');
    format!("```\n{body}\n```\n")
}

/// One check described for the model.
pub fn describe_check(c: &Check) -> String {
    let mut s = format!("`{}`", clip(c.item.trim(), 300));
    let what = match c.verdict {
        ItemVerdict::Refuted => "is wrong",
        ItemVerdict::Verified => "holds",
        _ => "could not be checked",
    };
    let _ = write!(s, " {what} ({} check)", c.checker);
    if !c.evidence.summary.is_empty() {
        let _ = write!(s, ": {}", clip(&c.evidence.summary, MAX_QUOTE_CHARS));
    }
    if !c.evidence.computed.is_empty() && !matches!(c.checker, Checker::Sandbox | Checker::Stress) {
        let computed: Vec<String> = c.evidence.computed.iter().map(|v| clip(v, 200)).collect();
        let _ = write!(s, ". Computed values: {}", computed.join(", "));
    }
    if let Some(cx) = &c.evidence.counterexample {
        let vals: Vec<String> = cx.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = write!(s, ". Counterexample: {}", vals.join(", "));
    }
    if let Some(st) = &c.evidence.solver_status {
        let _ = write!(s, " (solver: {st})");
    }
    s.push('.');
    s
}

/// The feedback for the next round, from this round's attempts: the first flagged attempt
/// (concrete evidence), else the first one. `None` only when the round is empty.
pub fn for_round(round: &[Attempt], tests: &[TestCase], kind: Kind) -> Option<String> {
    let a = round
        .iter()
        .find(|a| a.verdict == Overall::Flagged)
        .or_else(|| round.first())?;
    Some(match kind {
        Kind::Math => math(a),
        Kind::Code => code_feedback(a, tests),
    })
}

fn stop_note(a: &Attempt, out: &mut String) {
    use crate::model::StopReason;
    match a.stop {
        StopReason::MaxTokens => {
            let _ = writeln!(
                out,
                "- The attempt was cut off after {} tokens; be more concise.",
                a.completion_tokens
            );
        }
        StopReason::LoopDetected => {
            let _ = writeln!(
                out,
                "- The attempt started repeating itself and was stopped; do not repeat phrases."
            );
        }
        _ => {}
    }
}

/// Feedback on a math attempt.
pub fn math(a: &Attempt) -> String {
    let mut out = String::new();
    let mut items = 0;
    if let Some(report) = &a.verify {
        for step in &report.steps {
            if step.verdict != StepVerdict::Refuted || items >= MAX_FEEDBACK_ITEMS {
                continue;
            }
            let _ = writeln!(out, "- Step {} of the attempt:", step.index + 1);
            out.push_str(&quote(&step.text));
            for c in step
                .checks
                .iter()
                .filter(|c| c.verdict == ItemVerdict::Refuted)
            {
                if items >= MAX_FEEDBACK_ITEMS {
                    break;
                }
                items += 1;
                let _ = writeln!(out, "  The verifier found: {}", describe_check(c));
            }
        }
    }
    let answer_wrong = a
        .checks
        .iter()
        .any(|c| c.checker == Checker::Answer && c.verdict == ItemVerdict::Refuted);
    if answer_wrong {
        let _ = writeln!(
            out,
            "- The final answer of the attempt, {}, is not the correct answer.",
            a.answer.as_deref().unwrap_or("(none)")
        );
    }
    // An independent program disagreed: both values, so the model can find which is right.
    if let Some(c) = a
        .checks
        .iter()
        .find(|c| c.checker == Checker::Program && c.verdict == ItemVerdict::Refuted)
    {
        let program_value = c.evidence.computed.first().map_or("(none)", String::as_str);
        let _ = writeln!(
            out,
            "- An independent program written to compute the answer printed {}, but the final answer of the attempt is {}. At least one of them is wrong: recheck the reasoning.",
            clip(program_value, 200),
            a.answer.as_deref().unwrap_or("(none)")
        );
        items += 1;
    }
    // Refuted items not attached to a step (claims reported separately, etc.).
    if items == 0 && !answer_wrong {
        for c in a
            .checks
            .iter()
            .filter(|c| c.verdict == ItemVerdict::Refuted)
            .take(MAX_FEEDBACK_ITEMS)
        {
            let _ = writeln!(out, "- {}", describe_check(c));
            items += 1;
        }
    }
    if items == 0 && !answer_wrong {
        if a.answer.is_none() {
            let _ = writeln!(
                out,
                "- The attempt ended without a final answer in \\boxed{{}}."
            );
        }
        if a.checks.is_empty() {
            let _ = writeln!(
                out,
                "- None of its steps could be checked: write every calculation as an explicit equation with its result (for example `12 \\times 7 = 84`)."
            );
        }
    }
    stop_note(a, &mut out);
    if out.is_empty() {
        out.push_str("- The attempt could not be verified.\n");
    }
    out.trim_end().to_string()
}

fn test_name(item: &str) -> &str {
    item.strip_prefix("test ").unwrap_or(item)
}

/// Feedback on a code attempt: the previous program, then the first failure with its evidence.
pub fn code_feedback(a: &Attempt, tests: &[TestCase]) -> String {
    let mut out = String::new();
    let Some(outcome) = &a.code else {
        let _ = writeln!(
            out,
            "- The attempt contained no program in a fenced code block."
        );
        stop_note(a, &mut out);
        return out.trim_end().to_string();
    };
    let (fence, _) = lang_names(outcome.lang);
    let _ = writeln!(out, "The program of the attempt:");
    let _ = writeln!(out, "```{fence}");
    let _ = writeln!(
        out,
        "{}",
        clip(&outcome.source, MAX_CODE_QUOTE_CHARS).trim_end()
    );
    let _ = writeln!(out, "```");
    out.push('\n');
    if let Some(j) = &outcome.judge {
        if j.verdict == Verdict::CE {
            let _ = writeln!(out, "- It does not compile. The compiler said:");
            out.push_str(&fenced(
                j.compile_output.as_deref().unwrap_or("(no output)"),
                MAX_QUOTE_CHARS,
            ));
        }
    }
    let mut items = 0;
    for c in a
        .checks
        .iter()
        .filter(|c| c.verdict == ItemVerdict::Refuted && c.checker == Checker::Sandbox)
    {
        if items >= MAX_FEEDBACK_ITEMS || c.item == "compile" {
            break;
        }
        items += 1;
        let name = test_name(&c.item);
        let _ = writeln!(out, "- It fails {}: {}", c.item, c.evidence.summary);
        if let Some(t) = tests.iter().find(|t| t.name == name) {
            let _ = writeln!(out, "  Input:");
            out.push_str(&fenced(&t.input, MAX_QUOTE_CHARS));
            if let Some(ans) = &t.answer {
                let _ = writeln!(out, "  Expected output:");
                out.push_str(&fenced(ans, MAX_QUOTE_CHARS));
            }
        }
    }
    if let Some(cx) = outcome
        .stress
        .as_ref()
        .and_then(|s| s.counterexample.as_ref())
    {
        let t = code::counterexample_test(cx);
        let _ = writeln!(
            out,
            "- Random testing found an input where it disagrees with a brute-force solution ({}{}).",
            code::describe(cx.verdict),
            if cx.message.is_empty() {
                String::new()
            } else {
                format!(": {}", clip(&cx.message, 300))
            }
        );
        let _ = writeln!(out, "  Input:");
        out.push_str(&fenced(&t.input, MAX_QUOTE_CHARS));
        let _ = writeln!(out, "  The brute force printed:");
        out.push_str(&fenced(&cx.brute_output, MAX_QUOTE_CHARS));
        let _ = writeln!(out, "  The program printed:");
        out.push_str(&fenced(&cx.solution_output, MAX_QUOTE_CHARS));
    }
    if a.verdict != Overall::Flagged && items == 0 {
        let _ = writeln!(
            out,
            "- It could not be checked (no tests with expected outputs); make sure it reads the input exactly as specified."
        );
    }
    stop_note(a, &mut out);
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Evidence;

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 10), "héllo");
        assert_eq!(clip("héllo", 2), "hé… (3 more characters)");
    }

    #[test]
    fn describes_counterexamples_and_computed_values() {
        let mut cx = std::collections::BTreeMap::new();
        cx.insert("n".to_string(), "0".to_string());
        let c = Check {
            checker: Checker::Logic,
            item: "forall n: Int. n*n > 0".into(),
            verdict: ItemVerdict::Refuted,
            evidence: Evidence {
                summary: "refuted".into(),
                computed: vec![],
                counterexample: Some(cx),
                solver_status: Some("sat".into()),
            },
            time_ms: 1.0,
        };
        let d = describe_check(&c);
        assert!(d.contains("`forall n: Int. n*n > 0` is wrong"), "{d}");
        assert!(d.contains("Counterexample: n = 0"), "{d}");
        assert!(d.contains("solver: sat"), "{d}");
    }
}
