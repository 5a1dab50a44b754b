//! Measures `verify` on GSM8K's graded model solutions: how often a correct solution is flagged
//! (false flags) and how often an incorrect one is caught, without and with the reference answer.
//!
//! Run through `tools/eval-gsm8k/run.sh` (builds the worker binary and this example). Reads
//! `../shared/data/gsm8k/example_model_solutions.jsonl` (or `--data FILE`); progress goes to
//! stderr, the result table to stdout.
//!
//! Flags: `--data FILE`, `--limit N` (problems), `--workers N`, `--dump FILE` (every flagged
//! solution with its refuted items, JSON lines, for parser work).

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

#[derive(Default)]
struct Tally {
    n: usize,
    flagged_noref: usize,
    flagged_ref: usize,
    verified_noref: usize,
    unverified_noref: usize,
    items: usize,
    refuted_items: usize,
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
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data = args.next().expect("--data FILE"),
            "--limit" => limit = args.next().expect("--limit N").parse()?,
            "--workers" => workers = args.next().expect("--workers N").parse()?,
            "--dump" => dump = Some(std::fs::File::create(args.next().expect("--dump FILE"))?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let text =
        std::fs::read_to_string(&data).map_err(|e| anyhow::anyhow!("cannot read {data}: {e}"))?;
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
            let rep = verifier.verify(&chain::parse(gt), None)?;
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
