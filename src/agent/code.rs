//! Code problems: pulling the program out of a model's answer, judging it in the sandbox against
//! the tests, turning judge results and stress counterexamples into [`Check`]s.

use crate::verify::{Check, Checker, Evidence, ItemVerdict};
use serde::{Deserialize, Serialize};
use vibecheck_sandbox::{Counterexample, JudgeReport, Lang, StressReport, TestCase, Verdict};

/// What happened to the program of one code attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeOutcome {
    pub lang: Lang,
    /// The program as extracted from the model's answer.
    pub source: String,
    /// The judge's report on the tests (absent when there were no tests to run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeReport>,
    /// The stress test against the model's brute force, when one ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<StressReport>,
}

/// The fence tag, and a human name, for a language.
pub fn lang_names(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Python => ("python", "Python 3"),
        Lang::Cpp => ("cpp", "C++17"),
        Lang::C => ("c", "C11"),
    }
}

fn tag_lang(tag: &str) -> Option<Lang> {
    match tag.trim().to_ascii_lowercase().as_str() {
        "python" | "python3" | "py" | "py3" => Some(Lang::Python),
        "cpp" | "c++" | "cc" | "cxx" | "c++17" | "c++20" => Some(Lang::Cpp),
        "c" => Some(Lang::C),
        _ => None,
    }
}

/// The program in a model's answer: the last fenced block tagged with `want`'s language, else
/// the last block tagged with any language we run, else the last untagged block (taken as
/// `want`). Text before a closing `</think>` is skipped when the answer has one.
pub fn extract_code(text: &str, want: Lang) -> Option<(Lang, String)> {
    let body = match text.rfind("</think>") {
        Some(i) if text[i..].contains("```") => &text[i + "</think>".len()..],
        _ => text,
    };
    let mut blocks: Vec<(Option<String>, String)> = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let Some(tag) = t.strip_prefix("```") else {
            continue;
        };
        let tag = tag.trim().to_string();
        let mut src = String::new();
        let mut closed = false;
        for l in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            src.push_str(l);
            src.push('\n');
        }
        // An unclosed final block (generation cut off) is still a candidate.
        let _ = closed;
        if !src.trim().is_empty() {
            blocks.push(((!tag.is_empty()).then_some(tag), src));
        }
    }
    if let Some((_, s)) = blocks
        .iter()
        .rev()
        .find(|(t, _)| t.as_deref().and_then(tag_lang) == Some(want))
    {
        return Some((want, s.clone()));
    }
    if let Some((t, s)) = blocks
        .iter()
        .rev()
        .find(|(t, _)| t.as_deref().and_then(tag_lang).is_some())
    {
        return Some((t.as_deref().and_then(tag_lang)?, s.clone()));
    }
    blocks
        .iter()
        .rev()
        .find(|(t, _)| t.is_none())
        .map(|(_, s)| (want, s.clone()))
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::AC => "accepted",
        Verdict::WA => "wrong answer",
        Verdict::PE => "presentation error",
        Verdict::TLE => "time limit exceeded",
        Verdict::MLE => "memory limit exceeded",
        Verdict::RE => "runtime error",
        Verdict::OLE => "output limit exceeded",
        Verdict::CE => "compilation error",
        Verdict::IE => "internal error of the judge",
    }
}

/// Human description of a judge verdict, e.g. `WA (wrong answer)`.
pub fn describe(v: Verdict) -> String {
    format!("{v:?} ({})", verdict_word(v))
}

/// One [`Check`] per test (checker `sandbox`): AC on a test with an expected answer is
/// `verified`; AC without an expected answer only shows the program ran (`unknown`); any other
/// solution verdict is `refuted`; the judge's own internal error is `unknown`. A compilation
/// error is a single refuted check carrying the compiler output.
pub fn judge_checks(report: &JudgeReport, tests: &[TestCase]) -> Vec<Check> {
    if report.verdict == Verdict::CE {
        let out = report.compile_output.clone().unwrap_or_default();
        return vec![Check {
            checker: Checker::Sandbox,
            item: "compile".into(),
            verdict: ItemVerdict::Refuted,
            evidence: Evidence {
                summary: "the program does not compile".into(),
                computed: vec![out],
                ..Default::default()
            },
            time_ms: 0.0,
        }];
    }
    report
        .tests
        .iter()
        .map(|r| {
            let test = tests.iter().find(|t| t.name == r.name);
            let has_answer = test.is_some_and(|t| t.answer.is_some());
            let verdict = match r.verdict {
                Verdict::AC if has_answer => ItemVerdict::Verified,
                Verdict::AC | Verdict::IE => ItemVerdict::Unknown,
                _ => ItemVerdict::Refuted,
            };
            let mut summary = format!("test {}: {}", r.name, describe(r.verdict));
            if r.verdict == Verdict::AC && !has_answer {
                summary.push_str("; no expected output to compare with");
            }
            if !r.message.is_empty() {
                summary.push_str(" — ");
                summary.push_str(&r.message);
            }
            Check {
                checker: Checker::Sandbox,
                item: format!("test {}", r.name),
                verdict,
                evidence: Evidence {
                    summary,
                    ..Default::default()
                },
                time_ms: r.time_ms as f64,
            }
        })
        .collect()
}

/// The check a stress run contributes: a counterexample refutes the solution (it disagrees with
/// the brute force on a concrete input); no counterexample is a bounded check, never a proof.
pub fn stress_check(report: &StressReport) -> Check {
    match &report.counterexample {
        Some(c) => Check {
            checker: Checker::Stress,
            item: format!("random test (seed {})", c.seed),
            verdict: ItemVerdict::Refuted,
            evidence: Evidence {
                summary: format!(
                    "{} against the brute force on a generated input{}",
                    describe(c.verdict),
                    if c.message.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", c.message)
                    }
                ),
                computed: vec![c.solution_output.clone(), c.brute_output.clone()],
                ..Default::default()
            },
            time_ms: 0.0,
        },
        None => Check {
            checker: Checker::Stress,
            item: format!("{} random tests", report.iterations),
            verdict: ItemVerdict::CheckedBounded,
            evidence: Evidence {
                summary: format!(
                    "agreed with the model's brute force on {} generated inputs ({:.1}/s); not a proof",
                    report.iterations, report.per_second
                ),
                ..Default::default()
            },
            time_ms: 0.0,
        },
    }
}

/// A counterexample as a test case (input and the brute force's output), for feedback.
pub fn counterexample_test(c: &Counterexample) -> TestCase {
    TestCase {
        name: format!("stress-seed-{}", c.seed),
        input: c.input.clone(),
        answer: Some(c.brute_output.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vibecheck_sandbox::TestResult;

    #[test]
    fn extracts_the_right_block() {
        let t = "<think>try ```python\nprint(0)\n```</think>\nHere:\n```cpp\nint main(){}\n```\nand\n```python\nprint(1)\n```\n";
        assert_eq!(
            extract_code(t, Lang::Python),
            Some((Lang::Python, "print(1)\n".into()))
        );
        assert_eq!(
            extract_code(t, Lang::Cpp),
            Some((Lang::Cpp, "int main(){}\n".into()))
        );
        let untagged = "```\nx = input()\n```";
        assert_eq!(
            extract_code(untagged, Lang::Python).unwrap().0,
            Lang::Python
        );
        let cut = "```python\nprint(2)\n";
        assert_eq!(extract_code(cut, Lang::Python).unwrap().1, "print(2)\n");
        assert_eq!(extract_code("no code here", Lang::Python), None);
        assert_eq!(extract_code("```python\n\n```", Lang::Python), None);
    }

    #[test]
    fn judge_results_become_checks() {
        let tests = vec![
            TestCase {
                name: "a".into(),
                input: "1".into(),
                answer: Some("2".into()),
            },
            TestCase {
                name: "b".into(),
                input: "2".into(),
                answer: None,
            },
            TestCase {
                name: "c".into(),
                input: "3".into(),
                answer: Some("6".into()),
            },
        ];
        let r = |name: &str, verdict| TestResult {
            time_ms: 1,
            memory_kib: 1,
            ..TestResult::new(name.into(), verdict, String::new())
        };
        let report = JudgeReport {
            verdict: Verdict::WA,
            compile_output: None,
            tests: vec![
                r("a", Verdict::AC),
                r("b", Verdict::AC),
                r("c", Verdict::WA),
            ],
        };
        let v: Vec<_> = judge_checks(&report, &tests)
            .iter()
            .map(|c| c.verdict)
            .collect();
        assert_eq!(
            v,
            [
                ItemVerdict::Verified,
                ItemVerdict::Unknown,
                ItemVerdict::Refuted
            ]
        );
        let ce = JudgeReport {
            verdict: Verdict::CE,
            compile_output: Some("error: expected ';'".into()),
            tests: vec![],
        };
        let c = judge_checks(&ce, &tests);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].verdict, ItemVerdict::Refuted);
        assert!(c[0].evidence.computed[0].contains("expected ';'"));
    }
}
