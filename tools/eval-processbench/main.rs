//! Measures `verify` (no reference answer, symbolic checks only) on ProcessBench subsets: expert
//! labels give, per solution, the index of the earliest wrong step (`label`, `-1` when every step
//! is right). Prints, per subset, the table of issue 9: flawed solutions reported `verified`,
//! P(correct | verified), earliest wrong step found exactly, flags before the first wrong step,
//! correct solutions flagged, and the ProcessBench F1 (harmonic mean of the accuracy on flawed
//! solutions — the first refuted step is exactly the label — and on correct ones — nothing
//! refuted).
//!
//! Run through `tools/eval-processbench/run.sh` (builds the worker binary and this example).
//! Reads `../shared/data/processbench/{gsm8k,olympiadbench}.json` (or `--data FILE`, repeatable);
//! progress goes to stderr, the tables to stdout.
//!
//! Flags: `--data FILE` (repeatable), `--limit N` (solutions per subset), `--workers N`,
//! `--dump FILE` (one JSON line per solution: its refuted items, what the checks said at the
//! labelled step and that step's text — the listing to classify misses by),
//! `--gsm8k-test FILE` (GSM8K test set for the reference mode; default
//! `../shared/data/gsm8k/test.jsonl`), `--no-reference` (skip the reference mode),
//! `--dump-answers FILE` (reference mode: one JSON line per row where our answer extraction +
//! equivalence and the data's `final_answer_correct` part, or no answer was extracted: id,
//! extracted answer, reference and its source, our comparison, the data's grade, the chain's
//! last characters), `--answer-rows FILE` (reference mode: every measured row — id, the
//! solution's text, the reference, our judgement, the data's grade — for a peer to grade the same
//! rows: `tools/eval-processbench/mathverify.sh`).
//!
//! After each subset's table come the verdict tables of [`verdicts`]: the chain-level verdict
//! distribution without a reference, then again with an honest reference where the data has
//! one (never the solution's own answer).

mod verdicts;

use std::io::Write;
use std::time::Instant;
use vibecheck::chain;
use vibecheck::verify::{ItemVerdict, Overall, Verifier, VerifyConfig};

/// Characters of the labelled step's text written per `--dump` line (enough to classify a miss).
const DUMP_TEXT_CHARS: usize = 600;

/// The subsets read when no `--data` is given, relative to the crate root.
const DEFAULT_SUBSETS: [&str; 2] = ["gsm8k.json", "olympiadbench.json"];

#[derive(Default)]
struct Tally {
    flawed: usize,
    correct: usize,
    flawed_verified: usize,
    correct_verified: usize,
    exact: usize,
    early: usize,
    late: usize,
    correct_flagged: usize,
    items: usize,
    times_ms: Vec<f64>,
    steps: Vec<usize>,
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "n/a".into()
    } else {
        format!("{a} of {b} ({:.1}%)", 100.0 * a as f64 / b as f64)
    }
}

fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

fn print_table(name: &str, t: &Tally) {
    let verified = t.flawed_verified + t.correct_verified;
    let p_correct = if verified == 0 {
        "n/a".to_string()
    } else {
        format!(
            "{:.2} ({} of {verified}; base rate {:.2})",
            t.correct_verified as f64 / verified as f64,
            t.correct_verified,
            t.correct as f64 / (t.correct + t.flawed).max(1) as f64
        )
    };
    let acc_err = t.exact as f64 / t.flawed.max(1) as f64;
    let acc_cor = (t.correct - t.correct_flagged) as f64 / t.correct.max(1) as f64;
    let f1 = if acc_err + acc_cor == 0.0 {
        0.0
    } else {
        2.0 * acc_err * acc_cor / (acc_err + acc_cor)
    };
    println!("### {name}");
    println!();
    println!("| measured | value |");
    println!("|---|---|");
    println!(
        "| flawed solutions reported `verified` | {} |",
        pct(t.flawed_verified, t.flawed)
    );
    println!("| P(solution correct \\| verdict `verified`) | {p_correct} |");
    println!(
        "| earliest wrong step found exactly | {} |",
        pct(t.exact, t.flawed)
    );
    println!(
        "| flags on a step before the first wrong one | {} |",
        pct(t.early, t.flawed)
    );
    println!(
        "| flags only after the first wrong one | {} |",
        pct(t.late, t.flawed)
    );
    println!(
        "| correct solutions flagged | {} |",
        pct(t.correct_flagged, t.correct)
    );
    println!(
        "| ProcessBench F1 (acc. flawed {:.3}, acc. correct {:.3}) | {f1:.3} |",
        acc_err, acc_cor
    );
    println!(
        "| per-chain verify time p50 / p95 / max (ms; {} checks, steps p50 {} max {}) | {:.1} / {:.1} / {:.1} |",
        t.items,
        quantile(&t.steps.iter().map(|&s| s as f64).collect::<Vec<_>>(), 0.5),
        t.steps.iter().max().copied().unwrap_or(0),
        quantile(&t.times_ms, 0.5),
        quantile(&t.times_ms, 0.95),
        quantile(&t.times_ms, 1.0)
    );
    println!();
}

fn main() -> anyhow::Result<()> {
    let mut data: Vec<String> = Vec::new();
    let mut limit = usize::MAX;
    let mut workers = 2usize;
    let mut dump: Option<std::fs::File> = None;
    let mut gsm8k_test_path = format!(
        "{}/../shared/data/gsm8k/test.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut reference_mode = true;
    let mut dump_answers: Option<std::fs::File> = None;
    let mut answer_rows: Option<std::fs::File> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => data.push(args.next().expect("--data FILE")),
            "--limit" => limit = args.next().expect("--limit N").parse()?,
            "--workers" => workers = args.next().expect("--workers N").parse()?,
            "--dump" => dump = Some(std::fs::File::create(args.next().expect("--dump FILE"))?),
            "--gsm8k-test" => gsm8k_test_path = args.next().expect("--gsm8k-test FILE"),
            "--no-reference" => reference_mode = false,
            "--answer-rows" => {
                answer_rows = Some(std::fs::File::create(
                    args.next().expect("--answer-rows FILE"),
                )?)
            }
            "--dump-answers" => {
                dump_answers = Some(std::fs::File::create(
                    args.next().expect("--dump-answers FILE"),
                )?)
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if data.is_empty() {
        data = DEFAULT_SUBSETS
            .iter()
            .map(|f| {
                format!(
                    "{}/../shared/data/processbench/{f}",
                    env!("CARGO_MANIFEST_DIR")
                )
            })
            .collect();
    }
    let verifier = Verifier::new(VerifyConfig {
        workers,
        ..VerifyConfig::default()
    })?;
    // Only the reference mode needs it; a missing file leaves sibling references only.
    let gsm8k_test = if reference_mode {
        verdicts::load_gsm8k_test(&gsm8k_test_path)
            .map_err(|e| eprintln!("eval-processbench: {e}; GSM8K references off"))
            .ok()
    } else {
        None
    };
    for path in &data {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?;
        let rows: Vec<serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{path} is not a JSON array: {e}"))?;
        let name = std::path::Path::new(path)
            .file_stem()
            .map_or(path.clone(), |s| s.to_string_lossy().into_owned());
        let mut t = Tally::default();
        let mut verdict_tally = verdicts::VerdictTally::default();
        let start = Instant::now();
        for (k, row) in rows.iter().take(limit).enumerate() {
            let label = row["label"]
                .as_i64()
                .ok_or_else(|| anyhow::anyhow!("{path}: row {k} has no integer label"))?;
            // The same JSON path `vibecheck verify` takes: one step per element.
            let input = serde_json::json!({"problem": row["problem"], "steps": row["steps"]});
            let c = chain::parse_input(&input.to_string())?;
            let t0 = Instant::now();
            let rep = verifier.verify(&c, None)?;
            t.times_ms.push(t0.elapsed().as_secs_f64() * 1e3);
            t.steps.push(c.steps.len());
            t.items += rep.steps.iter().map(|s| s.checks.len()).sum::<usize>();
            verdict_tally.add(&rep, label < 0, verdicts::final_answer_correct(row));
            let verified = rep.verdict == Overall::Verified;
            let flagged = rep.verdict == Overall::Flagged;
            let mut interesting = false;
            if label < 0 {
                t.correct += 1;
                t.correct_verified += usize::from(verified);
                t.correct_flagged += usize::from(flagged);
                interesting = flagged;
            } else {
                let label = label as usize;
                t.flawed += 1;
                t.flawed_verified += usize::from(verified);
                match rep.first_error {
                    Some(f) if f == label => t.exact += 1,
                    Some(f) if f < label => {
                        t.early += 1;
                        interesting = true;
                    }
                    Some(_) => t.late += 1,
                    None => {}
                }
            }
            if let Some(f) = dump.as_mut() {
                let refuted: Vec<_> = rep
                    .steps
                    .iter()
                    .flat_map(|s| s.checks.iter().map(move |c| (s.index, c)))
                    .filter(|(_, c)| c.verdict == ItemVerdict::Refuted)
                    .map(|(i, c)| {
                        serde_json::json!({"step": i, "item": c.item, "summary": c.evidence.summary})
                    })
                    .collect();
                // What the label step held that was not decided: where recall can grow.
                let label_unknown: Vec<_> = rep
                    .steps
                    .iter()
                    .filter(|s| label >= 0 && s.index == label as usize)
                    .flat_map(|s| &s.checks)
                    .filter(|c| c.verdict != ItemVerdict::Refuted)
                    .map(|c| serde_json::json!({"item": c.item, "verdict": c.verdict, "summary": c.evidence.summary}))
                    .collect();
                // The labelled wrong step as written, for classifying misses.
                let label_text = usize::try_from(label)
                    .ok()
                    .and_then(|l| c.steps.get(l))
                    .map(|s| s.text.chars().take(DUMP_TEXT_CHARS).collect::<String>());
                let slowest = rep
                    .steps
                    .iter()
                    .flat_map(|s| &s.checks)
                    .max_by(|a, b| a.time_ms.total_cmp(&b.time_ms))
                    .map(|c| serde_json::json!({"item": c.item, "ms": c.time_ms}));
                writeln!(
                    f,
                    "{}",
                    serde_json::json!({"subset": name, "id": row["id"], "label": label,
                        "first_error": rep.first_error, "verdict": rep.verdict,
                        "false_flag": interesting, "refuted": refuted, "label_checks": label_unknown,
                        "label_text": label_text,
                        "ms": t.times_ms.last(), "slowest": slowest})
                )?;
            }
            if (k + 1) % 100 == 0 {
                eprintln!(
                    "eval-processbench: {name}: {} solutions, {:.0} s",
                    k + 1,
                    start.elapsed().as_secs_f64()
                );
            }
        }
        print_table(&name, &t);
        verdict_tally.print(&format!("{name}: without a reference"), false);
        if reference_mode {
            let measured: Vec<serde_json::Value> = rows.iter().take(limit).cloned().collect();
            verdicts::reference_mode(
                &verifier,
                &name,
                &measured,
                gsm8k_test.as_ref(),
                dump_answers.as_mut(),
                answer_rows.as_mut(),
            )?;
        }
    }
    Ok(())
}
