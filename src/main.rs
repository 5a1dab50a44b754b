//! The `vibecheck` command line: parses arguments and dispatches to [`cli`]`::*`.
//! Data goes to stdout, progress and logs to stderr. Exit codes: see `vibecheck::exit`.
//!
//! The `cli` module belongs to this binary, not to the library's public API. The library's
//! modules are imported at the crate root so `cli`'s `crate::agent`, `crate::server`, …
//! paths name them.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
#[allow(unused_imports)]
use vibecheck::{agent, chain, exit, model, sandbox, server, verify};

#[derive(Parser)]
#[command(
    name = "vibecheck",
    version,
    about = "Verified machine reasoning: check solutions, chains and code with Z3, sympy and a wasm sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge a C, C++ or Python solution against tests in the wasm sandbox.
    Judge(cli::judge::Args),
    /// Stress-test a solution against a brute force on generated inputs.
    Stress(cli::stress::Args),
    /// Receive problems from Competitive Companion and write them as test folders.
    Listen(cli::listen::Args),
    /// Verify a reasoning chain or solution step by step.
    Verify(cli::verify::Args),
    /// Generate text with a model backend.
    Generate(cli::generate::Args),
    /// Solve a problem with the model and verify the answer (retries, voting).
    Solve(cli::solve::Args),
    /// Serve the verification HTTP API and web page.
    Serve(cli::serve::Args),
    /// Internal: a verification worker process speaking JSON lines on stdin/stdout.
    #[command(hide = true)]
    Worker(cli::worker::Args),
    /// Internal: model-engine measurements as JSON (tools/gpu-check.sh).
    #[command(hide = true)]
    ModelCheck(cli::model_check::Args),
}

/// Logs (`tracing`) go to stderr, filtered by `RUST_LOG` (default `warn`); data goes to stdout.
/// User-facing progress lines of the subcommands are printed directly, not logged.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Judge(a) => cli::judge::run(a),
        Command::Stress(a) => cli::stress::run(a),
        Command::Listen(a) => cli::listen::run(a),
        Command::Verify(a) => cli::verify::run(a),
        Command::Generate(a) => cli::generate::run(a),
        Command::Solve(a) => cli::solve::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::Worker(a) => cli::worker::run(a),
        Command::ModelCheck(a) => cli::model_check::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) if broken_pipe(&e) => ExitCode::from(vibecheck::exit::BROKEN_PIPE as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(vibecheck::exit::ERROR as u8)
        }
    }
}

/// Whether the error is a write to a standard output whose reader has gone (`| head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
