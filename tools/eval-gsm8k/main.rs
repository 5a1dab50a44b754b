//! Measures `verify` on GSM8K's graded model solutions: how often a correct solution is flagged
//! (false flags) and how often an incorrect one is caught, without and with the reference answer.
//!
//! Run through `tools/eval-gsm8k/run.sh` (builds the worker binary and this example). Reads
//! `../shared/data/gsm8k/example_model_solutions.jsonl` (or `--data FILE`); progress goes to
//! stderr, the result table to stdout.
//!
//! Flags: `--data FILE`, `--limit N` (problems), `--workers N`, `--dump FILE` (every flagged
//! solution with its refuted items, JSON lines, for parser work), `--answers` (only the answer
//! agreement below; no verifier, no worker processes).
//!
//! Answer agreement: over every graded model solution, whether "the extracted final answer is
//! equivalent to the one extracted from `ground_truth`" agrees with the data's own `is_correct`.
//! Printed in both modes, with the disagreements by kind (no answer extracted, a correct answer
//! not recognised, a wrong answer accepted) and up to [`SHOWN_DISAGREEMENTS`] examples of each on
//! stderr.

use std::io::Write;
use std::time::Instant;
use vibecheck::chain;
use vibecheck::verify::{answer, overall, AnswerReport, Overall, Verifier, VerifyConfig};

const MODELS: [&str; 4] = [
    "6b_finetuning",
    "6b_verification",
    "175b_finetuning",
    "175b_verification",
];

/// Examples of each disagreement kind printed to stderr (the counts are always complete).
const SHOWN_DISAGREEMENTS: usize = 8;

/// Agreement of answer extraction + equivalence with the data's grading.
#[derive(Default)]
struct Agreement {
    n: usize,
    agree: usize,
    /// `is_correct` but no answer was extracted.
    missing: Vec<String>,
    /// `is_correct` but the extracted answer was judged different.
    rejected: Vec<String>,
    /// Not `is_correct` but the extracted answer was judged equivalent.
    accepted: Vec<String>,
}

impl Agreement {
    fn add(&mut self, extracted: Option<&str>, reference: &str, is_correct: bool, solution: &str) {
        self.n += 1;
        let equal = extracted.is_some_and(|a| answer::equivalent(a, reference));
        if equal == is_correct {
            self.agree += 1;
            return;
        }
        let tail: String = {
            let chars: Vec<char> = solution.chars().collect();
            chars[chars.len().saturating_sub(120)..].iter().collect()
        };
        let line = format!("extracted {extracted:?} reference {reference:?} tail {tail:?}");
        match (is_correct, extracted) {
            (true, None) => self.missing.push(line),
            (true, Some(_)) => self.rejected.push(line),
            (false, _) => self.accepted.push(line),
        }
    }

    fn print(&self) {
        println!(
            "answer agreement (extracted answer equivalent to ground_truth's == is_correct): \
             {}/{} ({})",
            self.agree,
            self.n,
            pct(self.agree, self.n)
        );
        for (kind, list) in [
            ("correct, no answer extracted", &self.missing),
            ("correct, answer judged different", &self.rejected),
            ("incorrect, answer judged equivalent", &self.accepted),
        ] {
            println!("  disagreements: {kind}: {}", list.len());
            for l in list.iter().take(SHOWN_DISAGREEMENTS) {
                eprintln!("  [{kind}] {l}");
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    n: usize,
    flagged_noref: usize,
    flagged_ref: usize,
    verified_noref: usize,
    unverified_noref: usize,
    items: usize,
    refuted_items: usize,
    /// Reference solutions only: `<<…>>` calculator annotations, parsed items, and how many
    /// solutions' `#### N` answer was extracted and equals itself (parser coverage).
    annotations: usize,
    parsed_items: usize,
    answer_found: usize,
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{:.2}%", 100.0 * a as f64 / b as f64)
    }
}

fn main() -> anyhow::Result<()> {
    let mut data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/gsm8k/example_model_solutions.jsonl"
    )
    .to_string();
    let mut limit = usize::MAX;
    let mut workers = 2usize;
    let mut dump: Option<std::fs::File> = None;
    let mut answers_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().expect("--data FILE"),
            "--limit" => limit = args.next().expect("--limit N").parse()?,
            "--workers" => workers = args.next().expect("--workers N").parse()?,
            "--answers" => answers_only = true,
            "--dump" => dump = Some(std::fs::File::create(args.next().expect("--dump FILE"))?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let text =
        std::fs::read_to_string(&data).map_err(|e| anyhow::anyhow!("cannot read {data}: {e}"))?;
    let agreement = answer_agreement(&text, limit)?;
    if answers_only {
        agreement.print();
        return Ok(());
    }
    let verifier = Verifier::new(VerifyConfig {
        workers,
        ..VerifyConfig::default()
    })?;
    let mut correct = Tally::default();
    let mut incorrect = Tally::default();
    let mut human = Tally::default();
    let start = Instant::now();
    let mut done = 0usize;
    for (k, line) in text.lines().enumerate() {
        if k >= limit {
            break;
        }
        let v: serde_json::Value = serde_json::from_str(line)?;
        let reference = v["ground_truth"]
            .as_str()
            .and_then(chain::extract_answer)
            .unwrap_or_default();
        // The human reference solution itself: every one is correct.
        if let Some(gt) = v["ground_truth"].as_str() {
            let parsed = chain::parse(gt);
            human.annotations += gt.matches("<<").count();
            human.parsed_items += parsed.steps.iter().map(|s| s.items.len()).sum::<usize>();
            if parsed
                .answer
                .as_deref()
                .is_some_and(|a| !reference.is_empty() && answer::equivalent(a, &reference))
            {
                human.answer_found += 1;
            }
            let rep = verifier.verify(&parsed, None)?;
            human.n += 1;
            human.items += rep.steps.iter().map(|s| s.checks.len()).sum::<usize>();
            if rep.verdict == Overall::Flagged {
                if let Some(f) = dump.as_mut() {
                    let refuted: Vec<_> = rep
                        .steps
                        .iter()
                        .flat_map(|s| &s.checks)
                        .filter(|c| c.verdict == vibecheck::verify::ItemVerdict::Refuted)
                        .map(|c| serde_json::json!({"item": c.item, "summary": c.evidence.summary}))
                        .collect();
                    writeln!(
                        f,
                        "{}",
                        serde_json::json!({"problem": k, "model": "ground_truth", "solution": gt,
                            "refuted": refuted})
                    )?;
                }
            }
            match rep.verdict {
                Overall::Flagged => human.flagged_noref += 1,
                // no_errors_found is counted with verified: this column predates the split and
                // means "checks passed, nothing flagged".
                Overall::Verified | Overall::NoErrorsFound => human.verified_noref += 1,
                Overall::Unverified => human.unverified_noref += 1,
            }
        }
        for m in MODELS {
            let sol = &v[m];
            let Some(solution) = sol["solution"].as_str() else {
                continue;
            };
            let is_correct = sol["is_correct"].as_bool().unwrap_or(false);
            let c = chain::parse(solution);
            let rep = verifier.verify(&c, None)?;
            let with_ref = overall(
                rep.steps.clone(),
                AnswerReport {
                    extracted: c.answer.clone(),
                    reference: Some(reference.clone()),
                    equivalent: Some(
                        c.answer
                            .as_deref()
                            .is_some_and(|a| answer::equivalent(a, &reference)),
                    ),
                    equivalence: c.answer.as_deref().map(|a| answer::compare(a, &reference)),
                    checks: vec![],
                },
            );
            let t = if is_correct {
                &mut correct
            } else {
                &mut incorrect
            };
            t.n += 1;
            let checks: Vec<_> = rep.steps.iter().flat_map(|s| &s.checks).collect();
            t.items += checks.len();
            t.refuted_items += checks
                .iter()
                .filter(|c| c.verdict == vibecheck::verify::ItemVerdict::Refuted)
                .count();
            match rep.verdict {
                Overall::Flagged => t.flagged_noref += 1,
                Overall::Verified | Overall::NoErrorsFound => t.verified_noref += 1,
                Overall::Unverified => t.unverified_noref += 1,
            }
            if with_ref.verdict == Overall::Flagged {
                t.flagged_ref += 1;
            }
            if rep.verdict == Overall::Flagged
                || (is_correct && with_ref.verdict == Overall::Flagged)
            {
                if let Some(f) = dump.as_mut() {
                    let refuted: Vec<_> = checks
                        .iter()
                        .filter(|c| c.verdict == vibecheck::verify::ItemVerdict::Refuted)
                        .map(|c| serde_json::json!({"item": c.item, "summary": c.evidence.summary}))
                        .collect();
                    writeln!(
                        f,
                        "{}",
                        serde_json::json!({"problem": k, "model": m, "is_correct": is_correct, "solution": solution,
                            "answer": c.answer, "reference": reference, "refuted": refuted})
                    )?;
                }
            }
        }
        done += 1;
        if done.is_multiple_of(50) {
            eprintln!(
                "eval-gsm8k: {done} problems, {:.0} s, false flags {}/{}, caught {}/{}",
                start.elapsed().as_secs_f64(),
                correct.flagged_noref,
                correct.n,
                incorrect.flagged_noref,
                incorrect.n
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    agreement.print();
    println!("| | solutions | flagged without reference | flagged with reference |");
    println!("|---|---|---|---|");
    println!(
        "| correct (false flags) | {} | {} ({}) | {} ({}) |",
        correct.n,
        correct.flagged_noref,
        pct(correct.flagged_noref, correct.n),
        correct.flagged_ref,
        pct(correct.flagged_ref, correct.n)
    );
    println!(
        "| incorrect (caught) | {} | {} ({}) | {} ({}) |",
        incorrect.n,
        incorrect.flagged_noref,
        pct(incorrect.flagged_noref, incorrect.n),
        incorrect.flagged_ref,
        pct(incorrect.flagged_ref, incorrect.n)
    );
    println!(
        "| reference solutions (human) | {} | {} ({}) | n/a |",
        human.n,
        human.flagged_noref,
        pct(human.flagged_noref, human.n)
    );
    println!();
    println!(
        "reference solutions: final answer extracted and equal to `#### N` in {}/{}; \
         {} parsed items for {} calculator annotations ({})",
        human.answer_found,
        human.n,
        human.parsed_items,
        human.annotations,
        pct(human.parsed_items, human.annotations)
    );
    println!(
        "problems: {done}; items checked: {} (refuted {}) in correct, {} (refuted {}) in incorrect; \
         verified/unverified without reference: correct {}/{}, incorrect {}/{}; {:.0} s ({:.1} solutions/s)",
        correct.items,
        correct.refuted_items,
        incorrect.items,
        incorrect.refuted_items,
        correct.verified_noref,
        correct.unverified_noref,
        incorrect.verified_noref,
        incorrect.unverified_noref,
        secs,
        (correct.n + incorrect.n) as f64 / secs
    );
    Ok(())
}

/// Answer agreement over the first `limit` problems of the data (see the module docs).
fn answer_agreement(text: &str, limit: usize) -> anyhow::Result<Agreement> {
    let mut agreement = Agreement::default();
    for line in text.lines().take(limit) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let reference = v["ground_truth"]
            .as_str()
            .and_then(chain::extract_answer)
            .unwrap_or_default();
        for m in MODELS {
            let sol = &v[m];
            let Some(solution) = sol["solution"].as_str() else {
                continue;
            };
            let is_correct = sol["is_correct"].as_bool().unwrap_or(false);
            let extracted = chain::extract_answer(solution);
            agreement.add(extracted.as_deref(), &reference, is_correct, solution);
        }
    }
    Ok(agreement)
}
