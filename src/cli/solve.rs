//! `vibecheck solve`: read a problem, run the agent (generate → verify → retry / vote), print
//! the answer with its verdict and evidence (or one JSON object with `--json`), live progress on
//! stderr. Exit 0 verified (the answer is established), 1 flagged, no_errors_found or
//! unverified, 2 error.

use crate::agent::{self, Kind, Progress, SolveOptions, SolveReport};
use crate::cli::model_args::ModelArgs;
use crate::verify::{ItemVerdict, Overall, Verifier, VerifyConfig};
use anyhow::{bail, Context};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;
use vibecheck_sandbox::{Lang, Limits, Sandbox, SandboxConfig};

/// Language of the program the model is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LangArg {
    Python,
    Cpp,
    C,
}

/// Problem kind as a flag value; mirrors [`Kind`] so the agent's type carries no clap derive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Math,
    Code,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Math => Kind::Math,
            KindArg::Code => Kind::Code,
        }
    }
}

/// Arguments of `vibecheck solve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The problem statement; `-` reads it from stdin.
    #[arg(value_name = "PROBLEM", conflicts_with = "file")]
    pub problem: Option<String>,
    /// Read the problem statement from FILE.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Problem kind; detected from the statement when absent.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Attempts: the first try plus retries with the verifiers' evidence.
    #[arg(long, default_value_t = agent::DEFAULT_ATTEMPTS)]
    pub attempts: usize,
    /// Samples per attempt, clustered by answer and voted on with verification weights.
    #[arg(long, default_value_t = 1)]
    pub samples: usize,
    /// The known answer (math): final answers are compared with it. Never shown to the model.
    #[arg(long, value_name = "ANSWER", allow_hyphen_values = true)]
    pub reference: Option<String>,
    /// Tests for a code problem: a directory of NAME.in + NAME.out/.ans files or Competitive
    /// Companion .json files, or one such .json file. Merged with the statement's samples.
    #[arg(long, value_name = "DIR")]
    pub tests: Vec<PathBuf>,
    /// Language the model writes code in.
    #[arg(long, value_enum, default_value = "python")]
    pub lang: LangArg,
    /// Stress-test a program that passed its tests against a model-written brute force (the
    /// default, when enough of the time budget is left).
    #[arg(long, overrides_with = "no_stress")]
    pub stress: bool,
    /// Do not stress-test.
    #[arg(long)]
    pub no_stress: bool,
    /// Iterations of the stress test.
    #[arg(long, default_value_t = agent::DEFAULT_STRESS_ITERATIONS)]
    pub stress_iterations: u64,
    /// Token budget for the whole solve (all attempts and samples).
    #[arg(long, default_value_t = agent::DEFAULT_MAX_TOTAL_TOKENS)]
    pub max_total_tokens: usize,
    /// Wall-clock budget for the whole solve, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = agent::DEFAULT_DEADLINE.as_secs())]
    pub time_budget: u64,
    /// Time limit per test run in the sandbox, in milliseconds (default: the sandbox's).
    #[arg(long, value_name = "MS")]
    pub time_limit: Option<u64>,
    /// Ask the model to state key claims in ```claim blocks, which Z3 checks (math).
    #[arg(long)]
    pub claims: bool,
    /// Math: do not ask for a program-of-thought (a short program computing the answer, run in
    /// the sandbox and compared with the chain's answer).
    #[arg(long)]
    pub no_program: bool,
    /// A directory whose math.md, code.md, retry.md, brute.md, generator.md replace the
    /// builtin prompts.
    #[arg(long, value_name = "DIR", env = "VIBECHECK_PROMPT_DIR")]
    pub prompt_dir: Option<PathBuf>,
    /// Print one JSON object (the report) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Most bytes read for a problem from a file or stdin (matches the agent's own limit).
const MAX_INPUT_BYTES: u64 = agent::MAX_PROBLEM_BYTES as u64;

fn read_problem(args: &Args) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    match (&args.file, args.problem.as_deref()) {
        (Some(path), _) => {
            std::fs::File::open(path)
                .with_context(|| format!("opening {}", path.display()))?
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut buf)
                .with_context(|| format!("reading {}", path.display()))?;
        }
        (None, Some("-")) => {
            std::io::stdin()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut buf)
                .context("reading the problem from stdin")?;
        }
        (None, Some(text)) => return Ok(text.to_string()),
        (None, None) => bail!("no problem given: pass PROBLEM, --file FILE, or - for stdin"),
    }
    if buf.len() as u64 > MAX_INPUT_BYTES {
        bail!("the problem is larger than {MAX_INPUT_BYTES} bytes");
    }
    String::from_utf8(buf).context("the problem is not UTF-8 text")
}

/// Runs `vibecheck solve`; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let problem = read_problem(&args)?;
    if problem.trim().is_empty() {
        bail!("the problem statement is empty");
    }
    let mut opts = SolveOptions {
        kind: args.kind.map(Kind::from),
        attempts: args.attempts,
        samples: args.samples,
        reference: args.reference.clone(),
        stress: !args.no_stress,
        stress_iterations: args.stress_iterations,
        max_total_tokens: args.max_total_tokens,
        deadline: Duration::from_secs(args.time_budget),
        prompt_dir: args.prompt_dir.clone(),
        lang: match args.lang {
            LangArg::Python => Lang::Python,
            LangArg::Cpp => Lang::Cpp,
            LangArg::C => Lang::C,
        },
        sampling: args.model.sampling(),
        claims: args.claims,
        program_check: !args.no_program,
        ..SolveOptions::default()
    };
    let mut limits = Limits::DEFAULT;
    for dir in &args.tests {
        let loaded = agent::samples::load_tests(dir)?;
        agent::samples::merge(&mut opts.tests, loaded.tests);
        if let Some(t) = loaded.time_ms {
            limits.time_ms = t;
        }
        if let Some(m) = loaded.memory_mb {
            limits.memory_mb = m;
        }
    }
    if let Some(t) = args.time_limit {
        limits.time_ms = t;
    }
    opts.limits = limits;
    // Validate before loading anything heavy.
    if !(1..=agent::MAX_ATTEMPTS).contains(&opts.attempts) {
        bail!("--attempts must be between 1 and {}", agent::MAX_ATTEMPTS);
    }
    if !(1..=agent::MAX_SAMPLES).contains(&opts.samples) {
        bail!("--samples must be between 1 and {}", agent::MAX_SAMPLES);
    }
    agent::prompts::Prompts::load(opts.prompt_dir.as_deref())?;

    let mut gen = args.model.build()?;
    let verifier = Verifier::new(VerifyConfig::default()).context("starting the verifier")?;
    let sandbox = Sandbox::new(SandboxConfig::default()).context("starting the sandbox")?;

    let tty = std::io::stderr().is_terminal();
    let mut printer = ProgressPrinter::new(tty);
    let report = agent::solve(
        gen.as_mut(),
        &verifier,
        &sandbox,
        &problem,
        &opts,
        &mut |p| printer.show(&p),
    )?;
    printer.finish();

    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_human(&mut out, &report)?;
    }
    out.flush()?;
    Ok(if report.verdict == Overall::Verified {
        crate::exit::GOOD
    } else {
        crate::exit::NOT_GOOD
    })
}

/// When stderr is not a terminal (a log file, CI), token counts are printed at most this often,
/// so a slow CPU run does not write one line per token; the last count of a generation is
/// always printed before the next event (so a log shows each attempt's total and speed).
const LOG_TOKENS_INTERVAL: Duration = Duration::from_secs(10);

/// Live progress on stderr: token counts rewrite one line on a terminal.
struct ProgressPrinter {
    tty: bool,
    open_line: bool,
    /// When token counts were last printed (non-terminal), or the attempt started.
    last_tokens: Option<std::time::Instant>,
    /// The newest token count not printed yet (non-terminal).
    pending: Option<(usize, f64)>,
}

impl ProgressPrinter {
    fn new(tty: bool) -> Self {
        ProgressPrinter {
            tty,
            open_line: false,
            last_tokens: None,
            pending: None,
        }
    }

    fn show(&mut self, p: &Progress) {
        let mut err = std::io::stderr().lock();
        if let Progress::Tokens { count, per_second } = *p {
            if self.tty {
                let _ = write!(err, "\r  {count} tokens, {per_second:.1} tok/s   ");
                self.open_line = true;
                return;
            }
            self.pending = Some((count, per_second));
            let due = self
                .last_tokens
                .is_none_or(|t| t.elapsed() >= LOG_TOKENS_INTERVAL);
            if due {
                self.last_tokens = Some(std::time::Instant::now());
                Self::flush_tokens(&mut err, &mut self.pending);
            }
            return;
        }
        Self::flush_tokens(&mut err, &mut self.pending);
        if self.open_line {
            let _ = writeln!(err);
            self.open_line = false;
        }
        let _ = match p {
            Progress::Attempt { k, n } => {
                // The first count of an attempt waits an interval: printed at once it would
                // be the first token's count, with prefill time as its speed.
                self.last_tokens = Some(std::time::Instant::now());
                writeln!(err, "solve: attempt {k}/{n}")
            }
            Progress::Checks { passed, failed } => {
                writeln!(err, "  checks: {passed} passed, {failed} failed")
            }
            Progress::Message(m) => writeln!(err, "  {m}"),
            Progress::Tokens { .. } => Ok(()),
        };
    }

    fn flush_tokens(err: &mut impl Write, pending: &mut Option<(usize, f64)>) {
        if let Some((count, per_second)) = pending.take() {
            let _ = writeln!(err, "  {count} tokens, {per_second:.1} tok/s");
        }
    }

    fn finish(&mut self) {
        Self::flush_tokens(&mut std::io::stderr().lock(), &mut self.pending);
        if self.open_line {
            eprintln!();
            self.open_line = false;
        }
    }
}

fn mark(v: ItemVerdict) -> &'static str {
    match v {
        ItemVerdict::Verified => "✓",
        ItemVerdict::Refuted => "✗",
        _ => "?",
    }
}

fn write_human(out: &mut impl Write, r: &SolveReport) -> std::io::Result<()> {
    let word = match (r.verdict, r.answer_evidence) {
        (Overall::Verified, Some(e)) => format!("VERIFIED (answer established by {})", e.as_str()),
        (Overall::NoErrorsFound, _) => {
            "NO ERRORS FOUND (the answer is not established)".to_string()
        }
        (v, _) => v.as_str().to_uppercase(),
    };
    match (&r.answer, r.kind) {
        (Some(a), Kind::Math) => writeln!(out, "Answer: {a}")?,
        (Some(a), Kind::Code) => {
            let lang = r
                .chosen
                .and_then(|i| r.attempts[i].code.as_ref())
                .map_or("", |c| agent::code::lang_names(c.lang).0);
            writeln!(out, "Program:\n```{lang}\n{}\n```", a.trim_end())?
        }
        (None, _) => writeln!(out, "Answer: (none)")?,
    }
    writeln!(out, "{word}")?;
    if !r.evidence.is_empty() {
        writeln!(out, "Evidence:")?;
        for c in &r.evidence {
            writeln!(
                out,
                "  {} [{}] {} — {}",
                mark(c.verdict),
                c.checker,
                agent::feedback::clip(c.item.trim(), 120),
                agent::feedback::clip(&c.evidence.summary, 300)
            )?;
        }
    }
    for n in &r.notes {
        writeln!(out, "Note: {n}")?;
    }
    writeln!(out, "Attempts:")?;
    for (i, a) in r.attempts.iter().enumerate() {
        let v = a.verdict.as_str();
        let answer = match (r.kind, &a.answer) {
            (Kind::Math, Some(ans)) => agent::feedback::clip(ans, 60),
            (Kind::Code, Some(_)) => "program".into(),
            (_, None) => "no answer".into(),
        };
        writeln!(
            out,
            "  {}{} attempt {} sample {}: {v}, {answer}, {} passed / {} failed checks, {} tokens",
            if Some(i) == r.chosen { "*" } else { " " },
            i,
            a.round,
            a.sample,
            agent::passed_checks(&a.checks),
            agent::failed_checks(&a.checks),
            a.completion_tokens
        )?;
        for n in &a.notes {
            writeln!(out, "      note: {n}")?;
        }
    }
    if !r.votes.is_empty() && (r.votes.len() > 1 || r.attempts.len() > 1) {
        writeln!(out, "Votes:")?;
        for c in &r.votes {
            let ans = match r.kind {
                Kind::Math => agent::feedback::clip(&c.answer, 60),
                Kind::Code => format!("program of attempt {}", c.members[0]),
            };
            writeln!(
                out,
                "  {ans}: support {:.1} from {} attempt(s) ({} verified, {} refuted)",
                c.support, c.count, c.verified, c.refuted
            )?;
        }
    }
    let stopped = match r.stopped {
        agent::StopCause::Verified => "an attempt was verified",
        agent::StopCause::NoErrorsFound => {
            "an attempt had no errors but nothing more could establish its answer"
        }
        agent::StopCause::AttemptsExhausted => "attempts used up",
        agent::StopCause::TokenBudget => "token budget used up",
        agent::StopCause::Deadline => "time budget used up",
    };
    writeln!(
        out,
        "Stopped: {stopped}; {} completion tokens in {:.1} s",
        r.usage.completion_tokens, r.usage.total_seconds
    )?;
    Ok(())
}
