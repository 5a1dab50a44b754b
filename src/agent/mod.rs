//! The controller: problem → prompt → generate → parse → verify → retry / vote / stop.
//! The only module that joins model backends and verifiers.
//!
//! Owns: problem-kind detection, prompt construction ([`prompts`]), sample tests for code
//! problems ([`samples`]), judging and stress orchestration ([`code`]), retry feedback
//! ([`feedback`]), verification-weighted voting ([`vote`]), the budgets that bound a solve, and
//! the [`SolveReport`] schema (`vibecheck solve --json`).
//!
//! Invariant: a report (or an attempt) says `verified` only when at least one check passed. It is
//! enforced in exactly one place, [`settle_verdict`], which every verdict goes through.

pub mod code;
pub mod feedback;
pub mod prompts;
pub mod samples;
pub mod vote;

use crate::chain::{self, Chain};
use crate::model::{ChatMessage, GenEvent, Generation, Generator, SamplingParams, StopReason};
use crate::verify::{self, Check, Evidence, ItemVerdict, Overall, Verifier, VerifyReport};
use anyhow::{bail, Context};
use code::CodeOutcome;
use prompts::{render, Prompts};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use vibecheck_sandbox::{
    Checker, JudgeRequest, Lang, Limits, Program, Sandbox, StressRequest, TestCase, Verdict,
};
use vote::VoteCluster;

/// Default number of attempts (the first try plus retries with feedback).
pub const DEFAULT_ATTEMPTS: usize = 3;
/// Most attempts accepted: each is a full generation, and feedback past a handful of rounds
/// rarely helps a small model.
pub const MAX_ATTEMPTS: usize = 16;
/// Most samples per attempt accepted (`--samples`): every sample is a full chain to generate
/// and verify; CLR-style voting uses 32.
pub const MAX_SAMPLES: usize = 64;
/// Default token budget for the whole solve, all attempts and samples together: three full
/// VibeThinker-length chains (40,960 tokens each), the default number of attempts.
pub const DEFAULT_MAX_TOTAL_TOKENS: usize = 3 * 40_960;
/// Default wall-clock budget for the whole solve: a 40k-token chain at ~25 tok/s on a CPU takes
/// about 27 minutes, so an hour lets a CPU run finish one long attempt and a retry; on a GPU the
/// token budget binds first.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(3600);
/// An attempt is not started with fewer tokens than this left in the budget per sample: a chain
/// cut off that short cannot reach an answer.
pub const MIN_TOKENS_PER_SAMPLE: usize = 16;
/// Largest problem statement accepted (a long contest statement is ~10 KB; the prompt also has
/// to fit the model's context next to a 40k-token answer).
pub const MAX_PROBLEM_BYTES: usize = 256 * 1024;
/// Default iterations of a stress test (each runs generator, solution and brute force once in
/// the sandbox; python.wasm starts in ~0.07 s, so 100 iterations cost tens of seconds).
pub const DEFAULT_STRESS_ITERATIONS: u64 = 100;
/// A stress test is started only if at least this much of the wall-clock budget is left: it
/// needs two generations (brute force, generator) and the iterations.
pub const STRESS_MIN_REMAINING: Duration = Duration::from_secs(120);
/// Most sandbox jobs judging tests in parallel (the sandbox already bounds each job).
pub const MAX_JUDGE_JOBS: usize = 4;
/// How often streamed token counts are reported as [`Progress::Tokens`].
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(500);

/// What kind of problem this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A question with a final answer (checked step by step, answer in `\boxed{}`).
    Math,
    /// A programming problem (a program judged on tests in the sandbox).
    Code,
}

/// Options of one solve. `Default` gives the documented CLI defaults.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// `None`: detect with [`detect_kind`].
    pub kind: Option<Kind>,
    /// Attempts: the first try plus retries with feedback (1..=[`MAX_ATTEMPTS`]).
    pub attempts: usize,
    /// Samples per attempt, voted on (1..=[`MAX_SAMPLES`]).
    pub samples: usize,
    /// A known answer to compare final answers with (math). Never shown to the model.
    pub reference: Option<String>,
    /// Tests for code problems, merged with the samples parsed from the statement.
    pub tests: Vec<TestCase>,
    /// Stress-test a program that passed its tests against a model-written brute force, when
    /// [`STRESS_MIN_REMAINING`] of the deadline is left.
    pub stress: bool,
    /// Iterations of a stress test.
    pub stress_iterations: u64,
    /// Token budget for the whole solve.
    pub max_total_tokens: usize,
    /// Wall-clock budget for the whole solve, from the call to [`solve`].
    pub deadline: Duration,
    /// Directory whose `*.md` files override the builtin prompts.
    pub prompt_dir: Option<PathBuf>,
    /// Language the model is asked to write code in.
    pub lang: Lang,
    /// Sampling parameters; `n` is replaced by `samples`, `max_tokens` capped by the budget.
    pub sampling: SamplingParams,
    /// Limits for judging and stress testing.
    pub limits: Limits,
    /// Output comparison for tests.
    pub checker: Checker,
    /// Ask the model to state its key claims in ```` ```claim ```` blocks (checked by Z3).
    pub claims: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            kind: None,
            attempts: DEFAULT_ATTEMPTS,
            samples: 1,
            reference: None,
            tests: vec![],
            stress: true,
            stress_iterations: DEFAULT_STRESS_ITERATIONS,
            max_total_tokens: DEFAULT_MAX_TOTAL_TOKENS,
            deadline: DEFAULT_DEADLINE,
            prompt_dir: None,
            lang: Lang::Python,
            sampling: SamplingParams::default(),
            limits: Limits::DEFAULT,
            checker: Checker::Tokens,
            claims: false,
        }
    }
}

/// Live progress, for stderr or server-sent events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Attempt `k` of at most `n` is starting.
    Attempt {
        k: usize,
        n: usize,
    },
    /// Tokens generated so far in this attempt (all samples) and the decode speed.
    Tokens {
        count: usize,
        per_second: f64,
    },
    /// Checks of this attempt so far.
    Checks {
        passed: usize,
        failed: usize,
    },
    Message(String),
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// An attempt was verified.
    Verified,
    /// `--attempts` were used up.
    AttemptsExhausted,
    /// The token budget ran out.
    TokenBudget,
    /// The wall-clock budget ran out.
    Deadline,
}

/// One generated sample and everything its verification found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based attempt (round) number.
    pub round: usize,
    /// 0-based sample within the round.
    pub sample: usize,
    /// The feedback the prompt of this round carried (absent on the first round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    /// The model's text.
    pub text: String,
    pub stop: StopReason,
    pub completion_tokens: usize,
    /// The final answer (math) or program (code), if one was found.
    pub answer: Option<String>,
    /// The parsed chain (math).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
    /// The step verifier's report (math): per-step verdicts and evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
    /// The program, judge report and stress test (code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeOutcome>,
    /// Every check of this attempt, flattened: steps, answer, tests, stress.
    pub checks: Vec<Check>,
    pub verdict: Overall,
    /// Voting weight (see [`vote::weight`]).
    pub weight: f64,
    /// Remarks, e.g. why a verdict was lowered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Token and time accounting of a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveUsage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub generate_seconds: f64,
    pub total_seconds: f64,
}

/// The result of a solve: the `vibecheck solve --json` schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolveReport {
    /// `verified` only if the chosen attempt has at least one passed check.
    pub verdict: Overall,
    /// The chosen final answer (math) or program (code).
    pub answer: Option<String>,
    pub kind: Kind,
    /// The generator's name.
    pub model: String,
    /// Index into `attempts` of the attempt behind `answer` and `verdict`.
    pub chosen: Option<usize>,
    /// The checks behind the verdict (those of the chosen attempt).
    pub evidence: Vec<Check>,
    pub attempts: Vec<Attempt>,
    /// Answer clusters, best supported first.
    pub votes: Vec<VoteCluster>,
    /// Number of tests code attempts were judged on.
    pub tests: usize,
    pub stopped: StopCause,
    pub usage: SolveUsage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Words that suggest a programming problem (counted in lowercase text).
const CODE_SIGNALS: &[&str] = &[
    "standard input",
    "standard output",
    "stdin",
    "stdout",
    "input format",
    "output format",
    "time limit",
    "memory limit",
    "write a program",
    "write a function",
    "implement a function",
    "class solution",
    "def ",
    "#include",
    "test case",
    "testcase",
    "sample input",
    "constraints:",
    "return the ",
    "program that",
];
/// Words that suggest a math question.
const MATH_SIGNALS: &[&str] = &[
    "\\boxed",
    "\\frac",
    "$",
    "prove",
    "find the value",
    "what is the value",
    "compute",
    "evaluate",
    "how many",
    "remainder",
    "probability",
];

/// Math or code: code if the statement has sample tests, or more code signals than math ones
/// (and at least one). `--kind` overrides this.
pub fn detect_kind(problem: &str) -> Kind {
    if !samples::parse_samples(problem).tests.is_empty() {
        return Kind::Code;
    }
    let lower = problem.to_lowercase();
    let count = |signals: &[&str]| signals.iter().filter(|s| lower.contains(*s)).count();
    let (c, m) = (count(CODE_SIGNALS), count(MATH_SIGNALS));
    if c > m {
        Kind::Code
    } else {
        Kind::Math
    }
}

/// Number of checks that passed (verdict `verified`).
pub fn passed_checks(checks: &[Check]) -> usize {
    checks
        .iter()
        .filter(|c| c.verdict == ItemVerdict::Verified)
        .count()
}

/// Number of checks that failed (verdict `refuted`).
pub fn failed_checks(checks: &[Check]) -> usize {
    checks
        .iter()
        .filter(|c| c.verdict == ItemVerdict::Refuted)
        .count()
}

/// THE place the "no `verified` without a passed check" invariant is enforced: every attempt's
/// verdict and the report's verdict go through here. A `verified` proposal with no passed check
/// becomes `unverified`, with a note saying so.
pub fn settle_verdict(proposed: Overall, checks: &[Check], notes: &mut Vec<String>) -> Overall {
    if proposed == Overall::Verified && passed_checks(checks) == 0 {
        notes.push("verdict lowered to unverified: no check passed".into());
        return Overall::Unverified;
    }
    proposed
}

/// Solves `problem`: generates, verifies, retries with evidence and votes, within the budgets of
/// `opts`. `Err` only for infrastructure failures (model backend, verifier or sandbox could not
/// run) and invalid options; a wrong answer is a `flagged` report.
pub fn solve(
    gen: &mut dyn Generator,
    verifier: &Verifier,
    sandbox: &Sandbox,
    problem: &str,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(Progress),
) -> anyhow::Result<SolveReport> {
    let started = Instant::now();
    let problem = problem.trim();
    if problem.is_empty() {
        bail!("the problem statement is empty");
    }
    if problem.len() > MAX_PROBLEM_BYTES {
        bail!(
            "the problem statement has {} bytes, more than the limit of {MAX_PROBLEM_BYTES}",
            problem.len()
        );
    }
    if !(1..=MAX_ATTEMPTS).contains(&opts.attempts) {
        bail!("--attempts must be between 1 and {MAX_ATTEMPTS}");
    }
    if !(1..=MAX_SAMPLES).contains(&opts.samples) {
        bail!("--samples must be between 1 and {MAX_SAMPLES}");
    }
    let prompts = Prompts::load(opts.prompt_dir.as_deref())?;
    let kind = opts.kind.unwrap_or_else(|| detect_kind(problem));
    let mut tests = Vec::new();
    let mut style = None;
    if kind == Kind::Code {
        let s = samples::parse_samples(problem);
        style = s.style;
        tests = s.tests;
        let from_statement = tests.len();
        samples::merge(&mut tests, opts.tests.iter().cloned());
        progress(Progress::Message(format!(
            "code problem: {} test(s), {from_statement} from the statement",
            tests.len()
        )));
    }
    let task = match kind {
        Kind::Math => render(
            &prompts.math,
            &[
                ("problem", problem),
                (
                    "claims",
                    if opts.claims {
                        feedback::CLAIMS_NOTE
                    } else {
                        ""
                    },
                ),
            ],
        ),
        Kind::Code => {
            let (fence, language) = code::lang_names(opts.lang);
            let io = feedback::io_note(style);
            render(
                &prompts.code,
                &[
                    ("problem", problem),
                    ("fence", fence),
                    ("language", language),
                    ("io", io),
                ],
            )
        }
    };
    let mut ctl = Controller {
        gen,
        verifier,
        sandbox,
        opts,
        progress,
        prompts,
        problem,
        started,
        usage: SolveUsage::default(),
        calls: 0,
        stress_programs: None,
    };
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut retry_feedback: Option<String> = None;
    let mut stopped = StopCause::AttemptsExhausted;
    for round in 1..=opts.attempts {
        if ctl.past_deadline() {
            stopped = StopCause::Deadline;
            break;
        }
        let remaining = opts
            .max_total_tokens
            .saturating_sub(ctl.usage.completion_tokens);
        if remaining / opts.samples < MIN_TOKENS_PER_SAMPLE {
            stopped = StopCause::TokenBudget;
            break;
        }
        (ctl.progress)(Progress::Attempt {
            k: round,
            n: opts.attempts,
        });
        let prompt = match &retry_feedback {
            None => task.clone(),
            Some(f) => render(&ctl.prompts.retry, &[("feedback", f), ("task", &task)]),
        };
        let gens = ctl.generate(&prompt, opts.samples)?;
        let first = attempts.len();
        for (sample, g) in gens.into_iter().enumerate() {
            let mut a = match kind {
                Kind::Math => ctl.check_math(g)?,
                Kind::Code => ctl.check_code(g, &tests)?,
            };
            a.round = round;
            a.sample = sample;
            a.feedback = retry_feedback.clone();
            let (p, f) = (passed_checks(&a.checks), failed_checks(&a.checks));
            (ctl.progress)(Progress::Checks {
                passed: p,
                failed: f,
            });
            attempts.push(a);
        }
        let this_round = &attempts[first..];
        if this_round.iter().any(|a| a.verdict == Overall::Verified) {
            stopped = StopCause::Verified;
            break;
        }
        retry_feedback = feedback::for_round(this_round, &tests, kind);
        if ctl.past_deadline() {
            stopped = StopCause::Deadline;
            break;
        }
    }
    let model = ctl.gen.name();
    let mut usage = ctl.usage;
    usage.total_seconds = started.elapsed().as_secs_f64();
    Ok(decide(attempts, kind, model, tests.len(), stopped, usage))
}

/// Votes over all attempts and picks the answer, verdict and evidence of the report.
fn decide(
    attempts: Vec<Attempt>,
    kind: Kind,
    model: String,
    tests: usize,
    stopped: StopCause,
    usage: SolveUsage,
) -> SolveReport {
    let ballots: Vec<vote::Ballot<'_>> = attempts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((i, a.answer.as_deref()?, a.verdict, a.weight)))
        .collect();
    let votes = match kind {
        Kind::Math => vote::tally(&ballots, verify::answer::equivalent),
        Kind::Code => vote::tally(&ballots, |a, b| a.trim() == b.trim()),
    };
    let mut notes = Vec::new();
    let (chosen, proposed, answer) = match votes.first() {
        Some(best) => {
            // The strongest member of the best cluster (earliest on ties).
            let chosen = *best
                .members
                .iter()
                .max_by(|&&a, &&b| {
                    attempts[a]
                        .weight
                        .total_cmp(&attempts[b].weight)
                        .then(b.cmp(&a))
                })
                .expect("a cluster has members");
            let mut verdict = attempts[chosen].verdict;
            if verdict == Overall::Verified && votes[1..].iter().any(|c| c.verified > 0) {
                notes.push(
                    "verified attempts reached different answers: at least one of them is wrong"
                        .into(),
                );
                verdict = Overall::Flagged;
            }
            (Some(chosen), verdict, Some(best.answer.clone()))
        }
        None => {
            // No attempt produced an answer: report the last one's findings.
            // Without an answer nothing can be verified; a refuted attempt still flags.
            let verdict = if attempts.iter().any(|a| a.verdict == Overall::Flagged) {
                Overall::Flagged
            } else {
                Overall::Unverified
            };
            (attempts.len().checked_sub(1), verdict, None)
        }
    };
    let evidence = chosen
        .map(|i| attempts[i].checks.clone())
        .unwrap_or_default();
    let verdict = settle_verdict(proposed, &evidence, &mut notes);
    SolveReport {
        verdict,
        answer,
        kind,
        model,
        chosen,
        evidence,
        attempts,
        votes,
        tests,
        stopped,
        usage,
        notes,
    }
}

/// State of one solve.
struct Controller<'a> {
    gen: &'a mut dyn Generator,
    verifier: &'a Verifier,
    sandbox: &'a Sandbox,
    opts: &'a SolveOptions,
    progress: &'a mut dyn FnMut(Progress),
    prompts: Prompts,
    problem: &'a str,
    started: Instant,
    usage: SolveUsage,
    /// Generator calls so far (each gets seed + calls, so retries do not replay a sample).
    calls: u64,
    /// Brute force and generator written for stress testing, reused across attempts.
    stress_programs: Option<Option<(Program, Program)>>,
}

impl Controller<'_> {
    fn past_deadline(&self) -> bool {
        self.started.elapsed() >= self.opts.deadline
    }

    fn remaining_time(&self) -> Duration {
        self.opts.deadline.saturating_sub(self.started.elapsed())
    }

    /// One generator call of `n` samples within the remaining budgets.
    fn generate(&mut self, prompt: &str, n: usize) -> anyhow::Result<Vec<Generation>> {
        let remaining = self
            .opts
            .max_total_tokens
            .saturating_sub(self.usage.completion_tokens);
        let params = SamplingParams {
            n,
            max_tokens: self.opts.sampling.max_tokens.min(remaining / n).max(1),
            seed: self.opts.sampling.seed.wrapping_add(self.calls),
            ..self.opts.sampling.clone()
        };
        self.calls += 1;
        let deadline = self.started + self.opts.deadline;
        let t0 = Instant::now();
        let mut last = t0;
        let mut streamed = 0usize;
        let progress = &mut *self.progress;
        let messages = [ChatMessage::user(prompt)];
        let (gens, usage) = self
            .gen
            .generate(&messages, &params, &mut |ev| {
                if let GenEvent::Text { .. } = ev {
                    streamed += 1;
                    let now = Instant::now();
                    if now.duration_since(last) >= PROGRESS_INTERVAL {
                        last = now;
                        let secs = now.duration_since(t0).as_secs_f64().max(1e-9);
                        progress(Progress::Tokens {
                            count: streamed,
                            per_second: streamed as f64 / secs,
                        });
                    }
                }
                if Instant::now() >= deadline {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .with_context(|| format!("generating with {}", self.gen.name()))?;
        let secs = t0.elapsed().as_secs_f64();
        let completion = if usage.completion_tokens > 0 {
            usage.completion_tokens
        } else {
            gens.iter().map(|g| g.completion_tokens).sum()
        };
        self.usage.prompt_tokens += usage.prompt_tokens;
        self.usage.completion_tokens += completion;
        self.usage.generate_seconds += secs;
        let per_second = if usage.tokens_per_second > 0.0 {
            usage.tokens_per_second
        } else {
            completion as f64 / secs.max(1e-9)
        };
        progress(Progress::Tokens {
            count: completion,
            per_second,
        });
        if gens.is_empty() {
            bail!("{} returned no completions", self.gen.name());
        }
        Ok(gens)
    }

    fn new_attempt(g: Generation) -> Attempt {
        Attempt {
            round: 0,
            sample: 0,
            feedback: None,
            text: g.text,
            stop: g.stop,
            completion_tokens: g.completion_tokens,
            answer: None,
            chain: None,
            verify: None,
            code: None,
            checks: vec![],
            verdict: Overall::Unverified,
            weight: vote::WEIGHT_UNCHECKED,
            notes: vec![],
        }
    }

    fn check_math(&mut self, g: Generation) -> anyhow::Result<Attempt> {
        let mut a = Self::new_attempt(g);
        let mut chain = chain::parse(&a.text);
        if chain.problem.is_none() {
            chain.problem = Some(self.problem.to_string());
        }
        let report = self
            .verifier
            .verify(&chain, self.opts.reference.as_deref())
            .context("verifying the chain")?;
        let mut checks: Vec<Check> = report
            .steps
            .iter()
            .flat_map(|s| s.checks.iter().cloned())
            .collect();
        if let (Some(eq), false) = (
            report.answer.equivalent,
            checks.iter().any(|c| c.checker == verify::Checker::Answer),
        ) {
            let extracted = report
                .answer
                .extracted
                .clone()
                .unwrap_or_else(|| "(no final answer)".into());
            checks.push(Check {
                checker: verify::Checker::Answer,
                item: extracted.clone(),
                verdict: if eq {
                    ItemVerdict::Verified
                } else {
                    ItemVerdict::Refuted
                },
                evidence: Evidence {
                    summary: if eq {
                        format!("final answer {extracted} matches the reference")
                    } else {
                        format!("final answer {extracted} does not match the reference")
                    },
                    ..Default::default()
                },
                time_ms: 0.0,
            });
        }
        a.answer = report
            .answer
            .extracted
            .clone()
            .or_else(|| chain.answer.clone());
        let mut proposed = report.verdict;
        if a.answer.is_none() && proposed == Overall::Verified {
            a.notes.push(
                "no final answer found: the steps checked out but nothing was concluded".into(),
            );
            proposed = Overall::Unverified;
        }
        if a.stop != StopReason::Eos && a.stop != StopReason::StopString {
            a.notes.push(format!("generation stopped: {:?}", a.stop));
        }
        a.verdict = settle_verdict(proposed, &checks, &mut a.notes);
        a.weight = vote::weight(a.verdict, &checks);
        a.checks = checks;
        a.chain = Some(chain);
        a.verify = Some(report);
        Ok(a)
    }

    fn check_code(&mut self, g: Generation, tests: &[TestCase]) -> anyhow::Result<Attempt> {
        let mut a = Self::new_attempt(g);
        let Some((lang, source)) = code::extract_code(&a.text, self.opts.lang) else {
            a.notes.push("no code block found in the answer".into());
            a.verdict = Overall::Unverified;
            a.weight = vote::weight(a.verdict, &[]);
            return Ok(a);
        };
        a.answer = Some(source.clone());
        let mut outcome = CodeOutcome {
            lang,
            source: source.clone(),
            judge: None,
            stress: None,
        };
        let mut checks = Vec::new();
        if tests.is_empty() {
            a.notes
                .push("no tests: none in the statement and none given with --tests".into());
        } else {
            (self.progress)(Progress::Message(format!(
                "judging on {} test(s)",
                tests.len()
            )));
            let req = JudgeRequest {
                source: source.clone(),
                lang,
                tests: tests.to_vec(),
                checker: self.opts.checker.clone(),
                limits: self.opts.limits,
                jobs: std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(MAX_JUDGE_JOBS),
            };
            let report = self.sandbox.judge(&req).context("judging the program")?;
            checks.extend(code::judge_checks(&report, tests));
            outcome.judge = Some(report);
        }
        let judged_ok = outcome
            .judge
            .as_ref()
            .is_none_or(|r| r.verdict == Verdict::AC);
        if judged_ok && self.opts.stress {
            if self.remaining_time() >= STRESS_MIN_REMAINING {
                if let Some(report) = self.stress(lang, &source)? {
                    checks.push(code::stress_check(&report));
                    outcome.stress = Some(report);
                }
            } else {
                a.notes
                    .push("stress test skipped: too little of the time budget left".into());
            }
        }
        let proposed = if failed_checks(&checks) > 0 {
            Overall::Flagged
        } else if passed_checks(&checks) > 0 {
            Overall::Verified
        } else {
            Overall::Unverified
        };
        a.verdict = settle_verdict(proposed, &checks, &mut a.notes);
        a.weight = vote::weight(a.verdict, &checks);
        a.checks = checks;
        a.code = Some(outcome);
        Ok(a)
    }

    /// Stress-tests `source` against a model-written brute force on model-generated inputs.
    /// `Ok(None)` when the helper programs could not be obtained or run (reported as a message:
    /// a missing brute force is not evidence about the solution).
    fn stress(
        &mut self,
        lang: Lang,
        source: &str,
    ) -> anyhow::Result<Option<vibecheck_sandbox::StressReport>> {
        if self.stress_programs.is_none() {
            let programs = self.write_stress_programs()?;
            self.stress_programs = Some(programs);
        }
        let Some(Some((brute, generator))) = self.stress_programs.clone() else {
            return Ok(None);
        };
        let req = StressRequest {
            solution: Program {
                source: source.to_string(),
                lang,
            },
            brute,
            generator,
            iterations: self.opts.stress_iterations,
            seed: self.opts.sampling.seed,
            checker: self.opts.checker.clone(),
            limits: self.opts.limits,
        };
        (self.progress)(Progress::Message(format!(
            "stress test: {} iterations against the brute force",
            req.iterations
        )));
        let progress = &mut *self.progress;
        let mut last = Instant::now();
        let result = self.sandbox.stress(&req, &mut |done| {
            if last.elapsed() >= PROGRESS_INTERVAL {
                last = Instant::now();
                progress(Progress::Message(format!("stress: {done} iterations")));
            }
        });
        match result {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                (self.progress)(Progress::Message(format!("stress test not run: {e:#}")));
                Ok(None)
            }
        }
    }

    fn write_stress_programs(&mut self) -> anyhow::Result<Option<(Program, Program)>> {
        let (fence, language) = code::lang_names(self.opts.lang);
        let io = feedback::io_note(None);
        let vars = |extra: (&'static str, &'static str)| {
            vec![
                ("problem", self.problem),
                ("fence", fence),
                ("language", language),
                ("io", io),
                extra,
            ]
        };
        (self.progress)(Progress::Message(
            "stress test: asking for a brute force".into(),
        ));
        let brute_prompt = render(&self.prompts.brute, &vars(("seed", "")));
        let gen_prompt = render(
            &self.prompts.generator,
            &vars(("seed", feedback::GENERATOR_SEED_NOTE)),
        );
        let brute = self.generate(&brute_prompt, 1)?;
        let brute = code::extract_code(&brute[0].text, self.opts.lang);
        (self.progress)(Progress::Message(
            "stress test: asking for a test generator".into(),
        ));
        let generator = self.generate(&gen_prompt, 1)?;
        let generator = code::extract_code(&generator[0].text, self.opts.lang);
        match (brute, generator) {
            (Some((bl, bs)), Some((gl, gs))) => Ok(Some((
                Program {
                    source: bs,
                    lang: bl,
                },
                Program {
                    source: gs,
                    lang: gl,
                },
            ))),
            _ => {
                (self.progress)(Progress::Message(
                    "stress test not run: the model wrote no brute force or generator".into(),
                ));
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(v: ItemVerdict) -> Check {
        Check {
            checker: verify::Checker::Numeric,
            item: "x".into(),
            verdict: v,
            evidence: Evidence::default(),
            time_ms: 0.0,
        }
    }

    #[test]
    fn verified_needs_a_passed_check() {
        let mut notes = vec![];
        for checks in [
            vec![],
            vec![check(ItemVerdict::Unknown)],
            vec![
                check(ItemVerdict::CheckedBounded),
                check(ItemVerdict::Timeout),
            ],
        ] {
            assert_eq!(
                settle_verdict(Overall::Verified, &checks, &mut notes),
                Overall::Unverified
            );
        }
        assert_eq!(notes.len(), 3);
        let ok = [check(ItemVerdict::Verified)];
        assert_eq!(
            settle_verdict(Overall::Verified, &ok, &mut notes),
            Overall::Verified
        );
        assert_eq!(
            settle_verdict(Overall::Flagged, &[], &mut notes),
            Overall::Flagged
        );
    }

    fn attempt(answer: Option<&str>, verdict: Overall, checks: Vec<Check>) -> Attempt {
        let mut a = Controller::new_attempt(Generation {
            text: String::new(),
            stop: StopReason::Eos,
            completion_tokens: 1,
        });
        a.answer = answer.map(str::to_string);
        a.weight = vote::weight(verdict, &checks);
        a.verdict = verdict;
        a.checks = checks;
        a
    }

    proptest::proptest! {
        /// Whatever mix of attempt verdicts and checks reaches `decide` — even attempts that
        /// claim `verified` without evidence — the report is `verified` only with a passed check.
        #[test]
        fn no_verified_report_without_a_passed_check(
            spec in proptest::collection::vec((0u8..3, 0u8..4, proptest::option::of(0u8..3), 0usize..3), 0..6)
        ) {
            let attempts: Vec<Attempt> = spec.iter().map(|&(v, c, ans, n)| {
                let verdict = [Overall::Verified, Overall::Flagged, Overall::Unverified][v as usize];
                let cv = [ItemVerdict::Verified, ItemVerdict::Refuted, ItemVerdict::Unknown, ItemVerdict::CheckedBounded][c as usize];
                let answers = ["1", "2", "3"];
                attempt(ans.map(|i| answers[i as usize]), verdict, vec![check(cv); n])
            }).collect();
            let r = decide(attempts, Kind::Code, "t".into(), 0, StopCause::AttemptsExhausted, SolveUsage::default());
            if r.verdict == Overall::Verified {
                proptest::prop_assert!(passed_checks(&r.evidence) > 0);
                let chosen = &r.attempts[r.chosen.unwrap()];
                proptest::prop_assert!(passed_checks(&chosen.checks) > 0);
            }
        }
    }

    #[test]
    fn kind_detection() {
        assert_eq!(detect_kind("What is $3 \\times 4$?"), Kind::Math);
        assert_eq!(
            detect_kind("How many positive divisors does 360 have?"),
            Kind::Math
        );
        assert_eq!(
            detect_kind("Read n from standard input and print n squared to standard output."),
            Kind::Code
        );
        assert_eq!(
            detect_kind("Sum\n\nExamples\nInput\n1 2\nOutput\n3\n"),
            Kind::Code
        );
    }

    #[test]
    fn bundled_examples_are_detected() {
        let code = include_str!("../../examples/solve/code.md");
        assert_eq!(detect_kind(code), Kind::Code);
        let s = samples::parse_samples(code);
        assert_eq!(s.tests.len(), 2);
        assert_eq!(s.tests[1].input, "3\n-5 -1 -3\n");
        assert_eq!(s.tests[1].answer.as_deref(), Some("-4\n"));
        let math = include_str!("../../examples/solve/math.md");
        assert_eq!(detect_kind(math), Kind::Math);
    }

    #[test]
    fn decide_prefers_verified_cluster_and_flags_conflicts() {
        let v = || vec![check(ItemVerdict::Verified)];
        let attempts = vec![
            attempt(Some("15"), Overall::Unverified, vec![]),
            attempt(Some("12"), Overall::Verified, v()),
            attempt(
                Some("15"),
                Overall::Flagged,
                vec![check(ItemVerdict::Refuted)],
            ),
        ];
        let r = decide(
            attempts,
            Kind::Code,
            "t".into(),
            0,
            StopCause::Verified,
            SolveUsage::default(),
        );
        assert_eq!(r.verdict, Overall::Verified);
        assert_eq!(r.answer.as_deref(), Some("12"));
        assert_eq!(r.chosen, Some(1));
        let attempts = vec![
            attempt(Some("15"), Overall::Verified, v()),
            attempt(Some("12"), Overall::Verified, v()),
        ];
        let r = decide(
            attempts,
            Kind::Code,
            "t".into(),
            0,
            StopCause::Verified,
            SolveUsage::default(),
        );
        assert_eq!(r.verdict, Overall::Flagged);
        assert!(r.notes[0].contains("different answers"));
    }
}
