//! `vibecheck stress`: run a solution and a brute force on generated inputs until they
//! disagree. Exit 0 when no counterexample was found, 1 when one was, 2 for usage or
//! infrastructure errors (including a generator or brute force that fails).

use super::judge::{make_limits, read_source, resolve_lang, sandbox_config};
use crate::exit;
use crate::sandbox::check::parse_checker;
use crate::sandbox::{Program, Sandbox, StressRequest};
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `vibecheck stress`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The solution under test (.c, .cpp, .py).
    pub solution: PathBuf,
    /// A slow but trusted solution.
    #[arg(long)]
    pub brute: PathBuf,
    /// A generator: gets the seed as its first argument, prints one input. Extra arguments
    /// follow the path in the same string and are passed after the seed
    /// (`--gen "gen.cpp 10 1000"` runs `gen SEED 10 1000`, as testlib generators expect).
    #[arg(long = "gen", value_name = "PROGRAM [ARGS...]")]
    pub generator: String,
    /// How many inputs to try.
    #[arg(long, default_value_t = 100)]
    pub iterations: u64,
    /// Seed of the first iteration (iteration i uses seed + i).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// tokens | lines | exact | float:EPS | yesno | PROGRAM.cpp
    #[arg(long, default_value = "tokens")]
    pub checker: String,
    /// Save a counterexample as DIR/stress-SEED.in and .out (the brute force's output).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// CPU time limit per run of the solution, in seconds (the brute force gets 5x).
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Take the time and memory limits from a problem: a `vibecheck listen` folder, a test
    /// folder with problem.json / .cph, or a problem JSON file (flags override).
    #[arg(long, value_name = "DIR|FILE.json")]
    pub problem: Option<PathBuf>,
    /// Memory limit per run, in MB.
    #[arg(long, value_name = "MB")]
    pub memory_limit: Option<u64>,
    /// C++ standard for C++ sources.
    #[arg(long = "std", default_value = "c++17", value_parser = ["c++17", "c++20"])]
    pub cpp_std: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn program(path: &Path) -> Result<Program> {
    Ok(Program {
        source: read_source(path)?,
        lang: resolve_lang(path, None)?,
    })
}

/// Splits `--gen` into the program path and its extra arguments. A value naming an existing
/// file is a path even when it contains spaces.
fn split_generator(spec: &str) -> Result<(PathBuf, Vec<String>)> {
    if Path::new(spec).is_file() {
        return Ok((PathBuf::from(spec), vec![]));
    }
    let mut parts = spec.split_whitespace();
    let path = parts.next().context("--gen needs a program")?;
    Ok((PathBuf::from(path), parts.map(str::to_string).collect()))
}

/// Runs `vibecheck stress`; returns the exit code.
pub fn run(args: Args) -> Result<i32> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let checker = parse_checker(&args.checker).map_err(|e| anyhow::anyhow!(e))?;
    let (gen_path, gen_args) = split_generator(&args.generator)?;
    // The generator's folder is searched for headers (testlib.h beside it or one folder up).
    let gen_dir = gen_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let gen_dir = Some(
        std::fs::canonicalize(gen_dir)
            .with_context(|| format!("the generator's folder {}", gen_dir.display()))?,
    );
    let req = StressRequest {
        solution: program(&args.solution)?,
        brute: program(&args.brute)?,
        generator: program(&gen_path)?,
        iterations: args.iterations,
        seed: args.seed,
        checker,
        limits: {
            let p = match &args.problem {
                Some(p) => Some(crate::sandbox::testdata::load(p, None)?),
                None => None,
            };
            make_limits(
                args.time_limit.or(p
                    .as_ref()
                    .and_then(|p| p.time_limit_ms)
                    .map(|t| t as f64 / 1000.0)),
                args.memory_limit
                    .or(p.as_ref().and_then(|p| p.memory_limit_mb)),
            )?
        },
        // The command line has no request deadline: its own limits end the work.
        cancel: Default::default(),
    };
    let sandbox = Sandbox::new(sandbox_config(&args.cpp_std))?;
    let tty = std::io::stderr().is_terminal();
    let mut started: Option<Instant> = None;
    let mut last = Instant::now();
    let total = args.iterations;
    let report = sandbox.stress_with_args(&req, &gen_args, gen_dir.as_deref(), &mut |done| {
        // Programs are compiled before the first iteration; rates count from there.
        let t0 = *started.get_or_insert_with(Instant::now);
        if done == total || last.elapsed().as_millis() >= 500 {
            last = Instant::now();
            let rate = done as f64 / t0.elapsed().as_secs_f64().max(1e-3);
            if tty {
                eprint!("\rstress: {done}/{total} ({rate:.1}/s)   ");
            } else if done == total || done % 100 == 0 {
                eprintln!("stress: {done}/{total} ({rate:.1}/s)");
            }
        }
    })?;
    if tty {
        eprintln!();
    }
    let mut saved = None;
    if let (Some(dir), Some(c)) = (&args.save, &report.counterexample) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let base = dir.join(format!("stress-{}", c.seed));
        std::fs::write(base.with_extension("in"), &c.input)?;
        std::fs::write(base.with_extension("out"), &c.brute_output)?;
        saved = Some(base.with_extension("in"));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        let verdict = report
            .counterexample
            .as_ref()
            .map(|c| c.verdict.as_str())
            .unwrap_or("AC");
        v["verdict"] = verdict.into();
        if let Some(p) = &saved {
            v["saved"] = p.display().to_string().into();
        }
        serde_json::to_writer(&mut out, &v)?;
        writeln!(out)?;
    } else {
        match &report.counterexample {
            None => writeln!(
                out,
                "no counterexample in {} iterations ({:.1} iterations/s)",
                report.iterations, report.per_second
            )?,
            Some(c) => {
                writeln!(
                    out,
                    "counterexample at seed {} after {} iterations ({:.1} iterations/s): {} {}",
                    c.seed, report.iterations, report.per_second, c.verdict, c.message
                )?;
                writeln!(out, "--- input\n{}", c.input.trim_end())?;
                writeln!(out, "--- solution output\n{}", c.solution_output.trim_end())?;
                writeln!(out, "--- brute force output\n{}", c.brute_output.trim_end())?;
                if let Some(p) = &saved {
                    writeln!(out, "saved as {}", p.display())?;
                }
            }
        }
    }
    Ok(if report.counterexample.is_some() {
        exit::NOT_GOOD
    } else {
        exit::GOOD
    })
}
