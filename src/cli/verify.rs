//! `vibecheck verify FILE|- [--problem TEXT | --problem-file FILE] [--reference ANSWER] [--json]`:
//! checks a chain or solution step by step, checks its final answer against the reference or
//! the problem, and prints the report (human text with ✓ ✗ ? marks, or one JSON object).
//! Exit status: 0 verified (the answer is established), 1 not established (`no_errors_found`,
//! `unverified`) or `flagged`, 2 error.

use crate::chain;
use crate::verify::answer::Equivalence;
use crate::verify::{ItemVerdict, Overall, StepVerdict, Verifier, VerifyConfig, VerifyReport};
use anyhow::Context;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longest step text shown on one line of the human output, in characters.
const SHOWN_STEP_CHARS: usize = 110;

/// Arguments of `vibecheck verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The chain or solution: a text/markdown file, a JSON file
    /// `{"problem", "steps", "answer", "reference"}`, or `-` for stdin.
    pub file: String,
    /// The problem statement: shown in the report header, and when it states an equation or
    /// condition in the unknown it asks for, the answer is substituted back and checked.
    #[arg(
        long,
        value_name = "TEXT",
        conflicts_with = "problem_file",
        allow_hyphen_values = true
    )]
    pub problem: Option<String>,
    /// A file holding the problem statement (as `--problem`).
    #[arg(long, value_name = "FILE")]
    pub problem_file: Option<PathBuf>,
    /// The reference answer to compare the final answer with (overrides a JSON `reference`).
    #[arg(long, value_name = "ANSWER", allow_hyphen_values = true)]
    pub reference: Option<String>,
    /// Print exactly one JSON object (`verdict`, `answer_evidence`, `first_error`, `steps`,
    /// `answer`, `coverage`).
    #[arg(long)]
    pub json: bool,
    /// Seconds allowed per item.
    #[arg(long, value_name = "SECS", default_value_t = crate::verify::DEFAULT_ITEM_TIMEOUT.as_secs_f64())]
    pub item_timeout: f64,
    /// Seconds allowed for the whole chain.
    #[arg(long, value_name = "SECS", default_value_t = crate::verify::DEFAULT_CHAIN_BUDGET.as_secs_f64())]
    pub budget: f64,
    /// Numeric worker processes.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub workers: usize,
    /// Report equations with variables that are not identities as refuted (default: unknown).
    #[arg(long)]
    pub identities: bool,
}

/// Reads a file (or stdin for `-`) as UTF-8, refusing more than `limit` bytes.
pub fn read_input(file: &str, limit: usize) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    let cap = limit as u64 + 1;
    if file == "-" {
        std::io::stdin()
            .take(cap)
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
    } else {
        let f =
            std::fs::File::open(Path::new(file)).with_context(|| format!("cannot open {file}"))?;
        f.take(cap)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {file}"))?;
    }
    if bytes.len() > limit {
        anyhow::bail!("{file} is larger than the input limit of {limit} bytes");
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{file} is not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn secs(s: f64, what: &str) -> anyhow::Result<Duration> {
    if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
        anyhow::bail!("--{what} must be a number of seconds between 0 and 86400");
    }
    Ok(Duration::from_secs_f64(s))
}

/// Runs `vibecheck verify`; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = VerifyConfig {
        workers: args.workers.clamp(1, 64),
        item_timeout: secs(args.item_timeout, "item-timeout")?,
        chain_budget: secs(args.budget, "budget")?,
        identities: args.identities,
        ..VerifyConfig::default()
    };
    let text = read_input(&args.file, config.max_input_bytes)?;
    let mut chain =
        chain::parse_input(&text).with_context(|| format!("cannot read {}", args.file))?;
    if let Some(p) = &args.problem_file {
        chain.problem = Some(read_input(&p.to_string_lossy(), config.max_input_bytes)?);
    }
    if let Some(p) = &args.problem {
        config.check_input_size(p.len())?;
        chain.problem = Some(p.clone());
    }
    let verifier = Verifier::new(config)?;
    let report = verifier.verify(&chain, args.reference.as_deref())?;
    // Written, not `println!`ed: a reader that closes the pipe early (`| head`) is an error
    // `main` turns into a quiet exit, not a panic.
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write!(out, "{}", render_human(&report, chain.problem.as_deref()))?;
    }
    out.flush()?;
    Ok(exit_code(report.verdict))
}

/// The exit status for a verdict: 0 only when the answer is established (`verified`); 1 for
/// `flagged`, `no_errors_found` and `unverified` (the answer is not established).
pub fn exit_code(v: Overall) -> i32 {
    match v {
        Overall::Verified => crate::exit::GOOD,
        Overall::NoErrorsFound | Overall::Flagged | Overall::Unverified => crate::exit::NOT_GOOD,
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut t: String = flat.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// A step's label as the solution wrote it ("Step 2", "**Step 2.**" → `Step 2`) and the text
/// after it, when the step starts with one.
pub fn split_label(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '*' | '#' | '_'));
    if !t.get(..4)?.eq_ignore_ascii_case("step") {
        return None;
    }
    let after = &t[4..];
    let spaces = after.len() - after.trim_start().len();
    let digits = after[spaces..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    if spaces == 0 || digits == 0 {
        return None;
    }
    let (label, rest) = t.split_at(4 + spaces + digits);
    let rest = rest.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '.' | ')' | '*' | '_' | '-' | '—')
    });
    Some((label, rest))
}

/// How people see a step: numbered from 1 (JSON indices stay 0-based), with the solution's own
/// label when it has one — `step 3 (Step 2)` — and the step's text after that label.
pub fn step_heading(index: usize, text: &str) -> (String, &str) {
    match split_label(text) {
        Some((label, rest)) => (format!("step {} ({label})", index + 1), rest),
        None => (format!("step {}", index + 1), text),
    }
}

/// The human rendering: one line per step (numbered from 1) with its mark (✓ verified, ✗ refuted, ? unknown,
/// · unchecked), the evidence under each refuted item, then the answer and the verdict.
pub fn render_human(r: &VerifyReport, problem: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(p) = problem {
        out.push_str(&format!("problem: {}\n", one_line(p, SHOWN_STEP_CHARS)));
    }
    for s in &r.steps {
        let mark = match s.verdict {
            StepVerdict::Verified => '✓',
            StepVerdict::Refuted => '✗',
            StepVerdict::Unknown => '?',
            StepVerdict::Unchecked => '·',
        };
        let (heading, text) = step_heading(s.index, &s.text);
        out.push_str(&format!(
            "{mark} {heading}: {}\n",
            one_line(text, SHOWN_STEP_CHARS)
        ));
        for c in &s.checks {
            let m = match c.verdict {
                ItemVerdict::Verified => '✓',
                ItemVerdict::Refuted => '✗',
                _ => '?',
            };
            if c.verdict == ItemVerdict::Verified && s.verdict == StepVerdict::Verified {
                continue;
            }
            out.push_str(&format!(
                "    {m} {} [{}, {:?}, {:.1} ms]\n",
                one_line(&c.item, 70),
                c.checker,
                c.verdict,
                c.time_ms
            ));
            if c.verdict != ItemVerdict::Verified {
                out.push_str(&format!("      {}\n", one_line(&c.evidence.summary, 200)));
                if let Some(cx) = &c.evidence.counterexample {
                    let kv: Vec<String> = cx.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    out.push_str(&format!("      counterexample: {}\n", kv.join(", ")));
                }
            }
        }
    }
    let a = &r.answer;
    for c in &a.checks {
        let m = match c.verdict {
            ItemVerdict::Verified => '✓',
            ItemVerdict::Refuted => '✗',
            _ => '?',
        };
        out.push_str(&format!(
            "  {m} answer check [{}]: {}\n",
            c.checker,
            one_line(&c.evidence.summary, 200)
        ));
    }
    let ans = a.extracted.as_deref().unwrap_or("(none found)");
    match (&a.reference, a.equivalent) {
        (Some(rf), Some(true)) if a.equivalence == Some(Equivalence::ProbablyEqual) => out
            .push_str(&format!(
                "answer: {ans} ≈ probably matches reference {rf} (not established)\n"
            )),
        (Some(rf), Some(true)) => {
            out.push_str(&format!("answer: {ans} ✓ matches reference {rf}\n"))
        }
        (Some(rf), _) => out.push_str(&format!("answer: {ans} ✗ does not match reference {rf}\n")),
        (None, _) => out.push_str(&format!("answer: {ans}\n")),
    }
    let cov = &r.coverage;
    let kinds: Vec<String> = cov
        .by_checker
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    out.push_str(&format!(
        "coverage: {} of {} steps checked{}\n",
        cov.steps_checked,
        cov.steps_total,
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        }
    ));
    let verdict = match (r.verdict, r.answer_evidence) {
        (Overall::Verified, Some(e)) => format!("verified (answer established by {})", e.as_str()),
        (Overall::NoErrorsFound, _) => {
            "no_errors_found (no step failed, but the answer is not established)".to_string()
        }
        (v, _) => v.as_str().to_string(),
    };
    match r.first_error {
        Some(k) => {
            let text = r.steps.get(k).map_or("", |s| s.text.as_str());
            let (heading, _) = step_heading(k, text);
            out.push_str(&format!("verdict: {verdict} (first error at {heading})\n"))
        }
        None => out.push_str(&format!("verdict: {verdict}\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_from_one_with_the_solutions_label() {
        assert_eq!(
            step_heading(1, "Step 2: 7 * 2 = 15"),
            ("step 2 (Step 2)".to_string(), "7 * 2 = 15")
        );
        assert_eq!(
            step_heading(2, "**Step 1.** so $x = 3$"),
            ("step 3 (Step 1)".to_string(), "so $x = 3$")
        );
        assert_eq!(
            step_heading(0, "3 + 4 = 7"),
            ("step 1".to_string(), "3 + 4 = 7")
        );
        // Not a label: no number, or a word that merely starts with "step".
        assert_eq!(split_label("Step by step: 2 + 2 = 4"), None);
        assert_eq!(split_label("Steps 3"), None);
        assert_eq!(split_label("é"), None);
    }
}
