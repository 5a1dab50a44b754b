//! `vibecheck judge`: judge a C, C++ or Python solution against tests in the wasm sandbox.
//! Exit 0 when every test is AC, 1 otherwise, 2 for usage or infrastructure errors.

mod show;

use crate::exit;
use crate::sandbox::check::parse_checker;
use crate::sandbox::testdata::{self, TestSet};
use crate::sandbox::{
    CppStd, InteractiveRequest, JudgeReport, JudgeRequest, Lang, Limits, Sandbox, SandboxConfig,
    Verdict,
};
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Arguments of `vibecheck judge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The solution source (.c, .cpp, .py).
    pub solution: PathBuf,
    /// Tests: a directory (NAME.in + NAME.out/.ans, inN.txt + ansN.txt, inputN.txt +
    /// outputN.txt, Polygon 01 + 01.a, nested dirs, .cph/*.prob, a `vibecheck listen` folder) or
    /// a problem JSON file (Competitive Companion, CPH .prob). Repeatable.
    #[arg(long = "tests", value_name = "DIR|FILE.json")]
    pub tests: Vec<PathBuf>,
    /// A Competitive Companion problem JSON (tests and limits); same as --tests FILE.json.
    #[arg(long, value_name = "FILE.json")]
    pub problem: Option<PathBuf>,
    /// tokens | lines | exact | float:EPS | yesno | PROGRAM.cpp (a testlib-style checker).
    #[arg(long, default_value = "tokens")]
    pub checker: String,
    /// Interactive problem: a testlib-style interactor (PROGRAM.cpp), run in the sandbox as
    /// `interactor input.txt output.txt [answer.txt]` and connected to the solution by pipes;
    /// its verdict decides.
    #[arg(long, value_name = "PROGRAM.cpp", conflicts_with = "checker")]
    pub interactor: Option<PathBuf>,
    /// CPU time limit per test, in seconds (default: the problem's, else 2).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Memory limit per test, in MB (default: the problem's, else 256).
    #[arg(long, value_name = "MB")]
    pub memory_limit: Option<u64>,
    /// Language (default: from the file extension).
    #[arg(long, value_parser = ["c", "cpp", "python"])]
    pub lang: Option<String>,
    /// C++ standard for C++ sources.
    #[arg(long = "std", default_value = "c++17", value_parser = ["c++17", "c++20"])]
    pub cpp_std: String,
    /// Tests run in parallel.
    #[arg(short = 'j', long = "jobs", default_value_t = 1)]
    pub jobs: usize,
    /// Print one JSON object ({verdict, tests: [...]}) instead of the table; each test carries
    /// truncated stdout/stderr (and input/answer when it failed).
    #[arg(long)]
    pub json: bool,
    /// After the table, show each failing test's input, expected and received output
    /// (truncated, first differing token marked).
    #[arg(long, short = 'v', visible_alias = "verbose")]
    pub show: bool,
}

/// Resolves the language of a source file from `--lang` or its extension.
pub(crate) fn resolve_lang(path: &Path, lang: Option<&str>) -> Result<Lang> {
    match lang {
        Some(l) => Lang::parse(l).with_context(|| format!("unknown language `{l}`")),
        None => Lang::from_path(path).with_context(|| {
            format!(
                "cannot tell the language of {} from its extension; pass --lang c|cpp|python",
                path.display()
            )
        }),
    }
}

pub(crate) fn read_source(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// Most seconds a time limit may be (longer is clamped, with a warning).
pub const MAX_TIME_LIMIT_S: f64 = 600.0;
/// Most MB a memory limit may be: wasm32 addresses 4 GiB (larger is clamped, with a warning).
pub const MAX_MEMORY_LIMIT_MB: u64 = 4096;

/// Limits from the flags (or the problem's); values above the caps are clamped with a warning
/// on stderr, values that make no sense (zero, negative, NaN) are errors.
pub(crate) fn make_limits(time_limit: Option<f64>, memory_limit: Option<u64>) -> Result<Limits> {
    let mut limits = Limits::DEFAULT;
    if let Some(t) = time_limit {
        if t.is_nan() || t <= 0.0 {
            bail!("the time limit must be a positive number of seconds, got {t}");
        }
        let t = if t > MAX_TIME_LIMIT_S {
            eprintln!("warning: time limit {t} s clamped to {MAX_TIME_LIMIT_S} s");
            MAX_TIME_LIMIT_S
        } else {
            t
        };
        limits.time_ms = (t * 1000.0).round().max(1.0) as u64;
    }
    if let Some(m) = memory_limit {
        if m == 0 {
            bail!("the memory limit must be at least 1 MB");
        }
        limits.memory_mb = if m > MAX_MEMORY_LIMIT_MB {
            eprintln!(
                "warning: memory limit {m} MB clamped to {MAX_MEMORY_LIMIT_MB} MB (wasm32 addresses 4 GiB)"
            );
            MAX_MEMORY_LIMIT_MB
        } else {
            m
        };
    }
    Ok(limits)
}

/// What `--tests`/`--problem` yield: the tests (read one at a time while judging) and the
/// problem's limits, if a source states them.
pub(crate) struct LoadedTests {
    pub tests: TestSet,
    pub time_limit_ms: Option<u64>,
    pub memory_limit_mb: Option<u64>,
    pub interactive: bool,
}

/// Lists the tests of every `--tests` source and `--problem` file; names get a `SOURCE/`
/// prefix when there are several sources.
pub(crate) fn load_tests(
    sources: &[PathBuf],
    problem: Option<&Path>,
    solution: &Path,
) -> Result<LoadedTests> {
    let all: Vec<&Path> = problem
        .into_iter()
        .chain(sources.iter().map(PathBuf::as_path))
        .collect();
    let sol_name = solution.file_name().and_then(|n| n.to_str());
    let mut out = LoadedTests {
        tests: TestSet::default(),
        time_limit_ms: None,
        memory_limit_mb: None,
        interactive: false,
    };
    for src in &all {
        let p = testdata::load(src, sol_name)?;
        out.time_limit_ms = out.time_limit_ms.or(p.time_limit_ms);
        out.memory_limit_mb = out.memory_limit_mb.or(p.memory_limit_mb);
        out.interactive |= p.interactive;
        let is_problem_file = Some(*src) == problem;
        let tests = if all.len() > 1 && !is_problem_file {
            p.tests.prefixed(&format!("{}/", src.display()))
        } else {
            p.tests
        };
        out.tests.extend(tests);
    }
    Ok(out)
}

pub(crate) fn sandbox_config(cpp_std: &str) -> SandboxConfig {
    SandboxConfig {
        cpp_std: if cpp_std == "c++20" {
            CppStd::Cpp20
        } else {
            CppStd::Cpp17
        },
        ..SandboxConfig::default()
    }
}

/// Runs `vibecheck judge`; returns the exit code.
pub fn run(args: Args) -> Result<i32> {
    let lang = resolve_lang(&args.solution, args.lang.as_deref())?;
    let source = read_source(&args.solution)?;
    let checker = parse_checker(&args.checker).map_err(|e| anyhow::anyhow!(e))?;
    if let crate::sandbox::Checker::Custom(p) = &checker {
        if !p.is_file() {
            bail!("checker {} does not exist", p.display());
        }
    }
    if args.jobs == 0 {
        bail!("-j must be at least 1");
    }
    if args.tests.is_empty() && args.problem.is_none() {
        bail!("no tests: pass --tests DIR|FILE.json or --problem FILE.json");
    }
    let loaded = load_tests(&args.tests, args.problem.as_deref(), &args.solution)?;
    if let Some(p) = &args.interactor {
        if !p.is_file() {
            bail!("interactor {} does not exist", p.display());
        }
    } else if loaded.interactive {
        bail!(
            "the problem says `interactive`: interactive problems are not supported without an \
             interactor (pass --interactor PROGRAM.cpp)"
        );
    }
    let tests = loaded.tests;
    let limits = make_limits(
        args.time_limit
            .or(loaded.time_limit_ms.map(|t| t as f64 / 1000.0)),
        args.memory_limit.or(loaded.memory_limit_mb),
    )?;
    let sandbox = Sandbox::new(sandbox_config(&args.cpp_std))?;
    if !args.json {
        let run = sandbox.limits_for(lang, limits);
        let python = if run.time_ms != limits.time_ms {
            format!(
                " (Python runs get {} ms: × {} for python.wasm, VIBECHECK_PYTHON_TIME_FACTOR)",
                run.time_ms,
                run.time_ms / limits.time_ms.max(1)
            )
        } else {
            String::new()
        };
        eprintln!(
            "judge: {} ({:?}) on {} tests, {} ms / {} MB per test{python}",
            args.solution.display(),
            lang,
            tests.len(),
            limits.time_ms,
            limits.memory_mb
        );
    }
    let report = match args.interactor {
        Some(interactor) => sandbox.judge_interactive(
            &InteractiveRequest {
                source,
                lang,
                interactor,
                limits,
                jobs: args.jobs,
                cancel: Default::default(),
            },
            &tests,
        )?,
        None => sandbox.judge_with(
            &JudgeRequest {
                source,
                lang,
                tests: vec![],
                checker,
                limits,
                jobs: args.jobs,
                ..Default::default()
            },
            &tests,
        )?,
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print_table(&mut out, &report, colour)?;
        if args.show {
            show::print_failures(&mut out, &report, colour)?;
        }
    }
    Ok(if report.verdict == Verdict::AC {
        exit::GOOD
    } else {
        exit::NOT_GOOD
    })
}

fn paint(v: Verdict, colour: bool) -> String {
    let s = format!("{:<3}", v.as_str());
    if !colour {
        return s;
    }
    let code = match v {
        Verdict::AC => "32",
        Verdict::WA | Verdict::RE | Verdict::CE => "31",
        Verdict::TLE | Verdict::MLE | Verdict::OLE | Verdict::PE => "33",
        Verdict::IE => "35",
    };
    format!("\x1b[1;{code}m{s}\x1b[0m")
}

/// The human-readable report: one row per test, then the overall verdict.
pub fn print_table(out: &mut dyn Write, report: &JudgeReport, colour: bool) -> Result<()> {
    if let Some(ce) = &report.compile_output {
        writeln!(out, "{}  compilation failed:", paint(Verdict::CE, colour))?;
        for line in ce.lines().take(60) {
            writeln!(out, "  {line}")?;
        }
    }
    if !report.tests.is_empty() {
        let w = report
            .tests
            .iter()
            .map(|t| t.name.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        writeln!(
            out,
            "{:<w$}  {:<3}  {:>8}  {:>10}  MESSAGE",
            "TEST", "", "TIME", "MEMORY"
        )?;
        for t in &report.tests {
            let msg: String = t
                .message
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(100)
                .collect();
            writeln!(
                out,
                "{:<w$}  {}  {:>5} ms  {:>6} KiB  {}",
                t.name,
                paint(t.verdict, colour),
                t.time_ms,
                t.memory_kib,
                msg
            )?;
        }
    }
    let passed = report
        .tests
        .iter()
        .filter(|t| t.verdict == Verdict::AC)
        .count();
    let max_t = report.tests.iter().map(|t| t.time_ms).max().unwrap_or(0);
    let max_m = report.tests.iter().map(|t| t.memory_kib).max().unwrap_or(0);
    writeln!(
        out,
        "verdict: {}  ({passed}/{} tests AC, max {max_t} ms, max {max_m} KiB)",
        paint(report.verdict, colour),
        report.tests.len()
    )?;
    Ok(())
}
