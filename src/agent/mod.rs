//! The controller: problem → prompt → generate → parse → verify → retry / vote / stop.
//! The only module that joins model backends and verifiers.
//!
//! Owns: problem-kind detection, prompt construction ([`prompts`]), sample tests for code
//! problems ([`samples`]), judging and stress orchestration ([`code`]), retry feedback
//! ([`feedback`]), verification-weighted voting ([`vote`]), the budgets that bound a solve, and
//! the [`SolveReport`] schema (`vibecheck solve --json`, in [`report`]). The round loop and the
//! per-attempt checking live in `controller`; this file holds the options, the budgets and
//! [`solve`], which runs the phases in order.
//!
//! Invariants: a report (or an attempt) says `verified` only when at least one check passed and
//! answer-level evidence established its final answer ([`crate::verify::AnswerEvidence`]);
//! checks that all hold without such evidence give `no_errors_found`. Both are enforced in
//! exactly one place, [`settle_verdict`], which every verdict goes through.

pub mod code;
mod controller;
pub mod evidence;
pub mod feedback;
mod kind;
pub mod prompts;
pub mod report;
pub mod samples;
pub mod vote;

pub use kind::{detect_kind, Kind};
pub use report::{
    answer_evidence, failed_checks, passed_checks, settle_verdict, Attempt, Progress, SolveReport,
    SolveUsage, StopCause,
};

use crate::model::Generator;
use crate::model::SamplingParams;
use crate::verify::Verifier;
use anyhow::bail;
use controller::Controller;
use prompts::{render, Prompts};
use samples::SampleStyle;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vibecheck_sandbox::{Checker, Lang, Limits, Sandbox, TestCase};

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
    /// Math: when the chain's checks do not establish its answer, ask the model for a short
    /// program computing the answer (prompt `pot.md`), run it in the sandbox and compare
    /// (program-of-thought). Costs one short generation per round.
    pub program_check: bool,
    /// Set by the caller to abandon the solve (a server client that hung up): generation
    /// stops at the next token or chunk, sandbox work at its next cancellation check, and no
    /// further round starts; the solve then ends as at its deadline. Never set by default.
    pub cancel: Arc<AtomicBool>,
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
            program_check: true,
            cancel: Arc::default(),
        }
    }
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
    validate(problem, opts)?;
    let prompts = Prompts::load(opts.prompt_dir.as_deref())?;
    let kind = opts.kind.unwrap_or_else(|| detect_kind(problem));
    let (tests, style) = gather_tests(kind, problem, opts, progress);
    let task = task_prompt(&prompts, kind, problem, style, opts);
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
        program: None,
    };
    let (attempts, stopped) = ctl.run_rounds(&task, kind, &tests)?;
    let model = ctl.gen.name();
    let mut usage = ctl.usage;
    usage.total_seconds = started.elapsed().as_secs_f64();
    Ok(report::decide(
        attempts,
        kind,
        model,
        tests.len(),
        stopped,
        usage,
    ))
}

/// Phase 1: refuse an empty or oversized problem and out-of-range options.
fn validate(problem: &str, opts: &SolveOptions) -> anyhow::Result<()> {
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
    Ok(())
}

/// Phase 2 (code problems): the statement's sample tests merged with `opts.tests`, and the
/// statement's I/O style. Math problems have neither.
fn gather_tests(
    kind: Kind,
    problem: &str,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(Progress),
) -> (Vec<TestCase>, Option<SampleStyle>) {
    if kind != Kind::Code {
        return (Vec::new(), None);
    }
    let s = samples::parse_samples(problem);
    let mut tests = s.tests;
    let from_statement = tests.len();
    samples::merge(&mut tests, opts.tests.iter().cloned());
    progress(Progress::Message(format!(
        "code problem: {} test(s), {from_statement} from the statement",
        tests.len()
    )));
    (tests, s.style)
}

/// Phase 3: the first round's prompt for this kind of problem.
fn task_prompt(
    prompts: &Prompts,
    kind: Kind,
    problem: &str,
    style: Option<SampleStyle>,
    opts: &SolveOptions,
) -> String {
    match kind {
        Kind::Math => {
            let claims = if opts.claims {
                feedback::CLAIMS_NOTE
            } else {
                ""
            };
            render(&prompts.math, &[("problem", problem), ("claims", claims)])
        }
        Kind::Code => {
            let (fence, language) = code::lang_names(opts.lang);
            render(
                &prompts.code,
                &[
                    ("problem", problem),
                    ("fence", fence),
                    ("language", language),
                    ("io", feedback::io_note(style)),
                ],
            )
        }
    }
}
