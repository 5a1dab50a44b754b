//! The chain-level verdicts of `verify` on a ProcessBench subset, in two modes: without a
//! reference answer (the main run) and with one where the data gives an honest reference.
//!
//! Reports the verdict distribution (`verified` / `no_errors_found` / `flagged` /
//! `unverified`, split by whether the solution is correct — every step right, label `-1`),
//! P(correct | verdict), P(final answer correct | verdict) by the data's own
//! `final_answer_correct`, the evidence behind each `verified`, and in the reference mode the
//! agreement of our answer extraction + equivalence with the data's `final_answer_correct`.
//!
//! Where a reference comes from (never from the solution under test):
//! * the GSM8K-level subset: its problems are GSM8K test problems, so the `#### N` answer of
//!   `../shared/data/gsm8k/test.jsonl` (matched on whitespace-normalised problem text);
//! * otherwise: another solution of the *same* problem that the data grades
//!   `final_answer_correct`, its own final answer as our extractor reads it ("sibling"). When
//!   several such siblings exist their answers must agree (by our equivalence), else the row
//!   gets no reference. Problems with a single solution, or no correct sibling, get none.

use std::collections::HashMap;
use std::io::Write;

use vibecheck::chain;
use vibecheck::verify::{answer, Overall, Verifier, VerifyReport};

/// Verdict counts of one mode on one subset.
#[derive(Default)]
pub struct VerdictTally {
    /// `[verdict in Overall::ALL order][0 = flawed, 1 = correct]`.
    counts: [[usize; 2]; 4],
    /// Per verdict: solutions whose final answer the data grades correct.
    final_ok: [usize; 4],
    /// Evidence behind `verified`, by wire name.
    evidence: std::collections::BTreeMap<&'static str, usize>,
    /// Reference mode only: `answer.equivalent` equals the data's `final_answer_correct`.
    agree: usize,
    /// Reference mode: judged equivalent, the data says the final answer is wrong.
    judged_equal_wrong: usize,
    /// Reference mode: judged different (or not compared), the data says it is right.
    judged_different_right: usize,
    /// Reference mode: no final answer extracted.
    no_answer: usize,
}

fn verdict_index(v: Overall) -> usize {
    Overall::ALL
        .iter()
        .position(|&o| o == v)
        .expect("every verdict is in Overall::ALL")
}

/// The data's `final_answer_correct` (a JSON bool; `"True"`/`"False"` strings accepted too).
pub fn final_answer_correct(row: &serde_json::Value) -> bool {
    match &row["final_answer_correct"] {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

impl VerdictTally {
    /// Counts one report: `correct` = every step right (label `-1`), `final_ok` = the data's
    /// `final_answer_correct`.
    pub fn add(&mut self, rep: &VerifyReport, correct: bool, final_ok: bool) {
        let i = verdict_index(rep.verdict);
        self.counts[i][usize::from(correct)] += 1;
        self.final_ok[i] += usize::from(final_ok);
        if let Some(e) = rep.answer_evidence {
            *self.evidence.entry(e.as_str()).or_default() += 1;
        }
        if rep.answer.reference.is_some() {
            if rep.answer.extracted.is_none() {
                self.no_answer += 1;
            }
            match (rep.answer.equivalent == Some(true), final_ok) {
                (true, true) | (false, false) => self.agree += 1,
                (true, false) => self.judged_equal_wrong += 1,
                (false, true) => self.judged_different_right += 1,
            }
        }
    }

    fn rows(&self) -> usize {
        self.counts.iter().map(|c| c[0] + c[1]).sum()
    }

    /// Prints the table of this mode (markdown) to stdout.
    pub fn print(&self, title: &str, with_reference: bool) {
        let n = self.rows();
        let correct: usize = self.counts.iter().map(|c| c[1]).sum();
        println!("#### {title}");
        println!();
        println!(
            "{n} solutions, {correct} correct (every step right; base rate {:.2}).",
            correct as f64 / n.max(1) as f64
        );
        println!();
        println!("| verdict | correct | flawed | P(correct \\| verdict) | P(final answer correct \\| verdict) |");
        println!("|---|---|---|---|---|");
        for (i, v) in Overall::ALL.iter().enumerate() {
            let [flawed, ok] = self.counts[i];
            let all = flawed + ok;
            let p = |k: usize| {
                if all == 0 {
                    "n/a".to_string()
                } else {
                    format!("{:.2}", k as f64 / all as f64)
                }
            };
            println!(
                "| `{}` | {ok} | {flawed} | {} | {} |",
                v.as_str(),
                p(ok),
                p(self.final_ok[i])
            );
        }
        let flawed_total: usize = self.counts.iter().map(|c| c[0]).sum();
        let fv = self.counts[verdict_index(Overall::Verified)][0];
        println!(
            "| flawed solutions reported `verified` | {fv} of {flawed_total} ({:.1}%) | | | |",
            100.0 * fv as f64 / flawed_total.max(1) as f64
        );
        let ev: Vec<String> = self
            .evidence
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "| evidence behind `verified` | {} | | | |",
            if ev.is_empty() {
                "none".to_string()
            } else {
                ev.join(", ")
            }
        );
        if with_reference {
            println!(
                "| answer extraction + equivalence = data's `final_answer_correct` | {} of {n} ({:.1}%; judged equal but wrong {}, judged different but right {}, no answer extracted {}) | | | |",
                self.agree,
                100.0 * self.agree as f64 / n.max(1) as f64,
                self.judged_equal_wrong,
                self.judged_different_right,
                self.no_answer
            );
        }
        println!();
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The GSM8K test answers by normalised question (`#### N` of the `answer` field).
pub fn load_gsm8k_test(path: &str) -> anyhow::Result<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?;
    let mut out = HashMap::new();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{path}: line {}: {e}", k + 1))?;
        let (Some(q), Some(a)) = (v["question"].as_str(), v["answer"].as_str()) else {
            anyhow::bail!("{path}: line {} lacks question/answer", k + 1);
        };
        let Some((_, ans)) = a.rsplit_once("####") else {
            anyhow::bail!("{path}: line {} has no #### answer", k + 1);
        };
        out.insert(normalise(q), ans.trim().replace(',', ""));
    }
    Ok(out)
}

/// Where a row's reference came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefSource {
    /// The GSM8K test set's `#### N`.
    Gsm8kTest,
    /// Another solution of the same problem graded `final_answer_correct`.
    Sibling,
}

/// The honest reference of every row, if any (see the module doc). `rows` is the subset as
/// measured (after `--limit`).
pub fn references(
    rows: &[serde_json::Value],
    gsm8k_test: Option<&HashMap<String, String>>,
) -> Vec<Option<(String, RefSource)>> {
    // Final answers of the solutions graded correct, grouped by problem.
    let mut correct_answers: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    for (k, row) in rows.iter().enumerate() {
        if !final_answer_correct(row) {
            continue;
        }
        let input = serde_json::json!({"problem": row["problem"], "steps": row["steps"]});
        let Ok(c) = chain::parse_input(&input.to_string()) else {
            continue;
        };
        if let Some(a) = c.answer {
            let p = normalise(row["problem"].as_str().unwrap_or_default());
            correct_answers.entry(p).or_default().push((k, a));
        }
    }
    rows.iter()
        .enumerate()
        .map(|(k, row)| {
            let p = normalise(row["problem"].as_str().unwrap_or_default());
            if let Some(a) = gsm8k_test.and_then(|m| m.get(&p)) {
                return Some((a.clone(), RefSource::Gsm8kTest));
            }
            let others: Vec<&String> = correct_answers
                .get(&p)?
                .iter()
                .filter(|(j, _)| *j != k)
                .map(|(_, a)| a)
                .collect();
            let first = others.first()?;
            others
                .iter()
                .all(|a| answer::equivalent(a, first))
                .then(|| ((*first).clone(), RefSource::Sibling))
        })
        .collect()
}

/// Characters of the chain's end written per `--dump-answers` line (where the final answer is).
const ANSWER_TAIL_CHARS: usize = 300;

/// The last [`ANSWER_TAIL_CHARS`] characters of the chain's steps joined by newlines.
fn chain_tail(c: &chain::Chain) -> String {
    let text: Vec<&str> = c.steps.iter().map(|s| s.text.as_str()).collect();
    let text = text.join("\n");
    let n = text.chars().count();
    text.chars()
        .skip(n.saturating_sub(ANSWER_TAIL_CHARS))
        .collect()
}

/// The reference mode: verifies every row that has an honest reference, with it, and prints
/// the verdict table. Returns the number of rows measured. With `dump`, writes one JSON line per
/// row where our judgement and the data's `final_answer_correct` part, or no answer was
/// extracted (`--dump-answers`).
pub fn reference_mode(
    verifier: &Verifier,
    name: &str,
    rows: &[serde_json::Value],
    gsm8k_test: Option<&HashMap<String, String>>,
    mut dump: Option<&mut std::fs::File>,
    mut rows_out: Option<&mut std::fs::File>,
) -> anyhow::Result<usize> {
    let refs = references(rows, gsm8k_test);
    let mut t = VerdictTally::default();
    let (mut from_test, mut from_sibling) = (0, 0);
    for (row, r) in rows.iter().zip(&refs) {
        let Some((reference, source)) = r else {
            continue;
        };
        match source {
            RefSource::Gsm8kTest => from_test += 1,
            RefSource::Sibling => from_sibling += 1,
        }
        let label = row["label"].as_i64().unwrap_or(-1);
        let input = serde_json::json!({"problem": row["problem"], "steps": row["steps"]});
        let c = chain::parse_input(&input.to_string())?;
        let rep = verifier.verify(&c, Some(reference))?;
        let final_ok = final_answer_correct(row);
        let judged_equal = rep.answer.equivalent == Some(true);
        if let Some(f) = dump
            .as_mut()
            .filter(|_| judged_equal != final_ok || rep.answer.extracted.is_none())
        {
            let comparison = rep
                .answer
                .extracted
                .as_deref()
                .map(|a| answer::compare(a, reference));
            writeln!(
                f,
                "{}",
                serde_json::json!({"subset": name, "id": row["id"],
                    "extracted": rep.answer.extracted, "reference": reference,
                    "reference_source": format!("{source:?}"),
                    "judged_equal": judged_equal, "comparison": comparison,
                    "final_answer_correct": final_ok, "tail": chain_tail(&c)})
            )?;
        }
        if let Some(f) = rows_out.as_mut() {
            // Every measured row, for a peer to grade the same rows (`mathverify.py`).
            let text: Vec<&str> = c.steps.iter().map(|s| s.text.as_str()).collect();
            writeln!(
                f,
                "{}",
                serde_json::json!({"subset": name, "id": row["id"], "solution": text.join("\n\n"),
                    "reference": reference, "judged_equal": judged_equal,
                    "final_answer_correct": final_ok})
            )?;
        }
        if judged_equal != final_ok {
            // Where extraction / equivalence and the data's grading part: listed for reading.
            eprintln!(
                "eval-processbench: {name}: answer disagreement {}: extracted {:?}, reference {reference:?} ({source:?}), data says final answer {}",
                row["id"],
                rep.answer.extracted,
                if final_ok { "correct" } else { "wrong" }
            );
        }
        t.add(&rep, label < 0, final_ok);
    }
    let measured = from_test + from_sibling;
    t.print(
        &format!(
            "{name}: with a reference ({measured} of {} solutions have one: {from_test} from the GSM8K test set, {from_sibling} from a sibling solution graded correct)",
            rows.len()
        ),
        true,
    );
    Ok(measured)
}
