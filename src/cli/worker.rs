//! `vibecheck worker` (hidden): a verification worker speaking JSON lines on stdin/stdout;
//! started and managed by a [`crate::verify::numeric::pool::ProcessPool`].

use crate::verify::numeric::DEFAULT_WORKER_MEMORY_MB;

/// Which worker to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Embedded CPython + sympy for math items ([`crate::verify::worker`]).
    Numeric,
}

/// Arguments of `vibecheck worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which worker to run.
    #[arg(long, value_enum, default_value = "numeric")]
    pub kind: Kind,
    /// Address-space cap of this process (setrlimit RLIMIT_AS), in MiB. Default: 2048 for
    /// both kinds.
    #[arg(long, default_value_t = DEFAULT_WORKER_MEMORY_MB)]
    pub memory_mb: u64,
}

/// Runs `vibecheck worker` until stdin closes; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.kind {
        Kind::Numeric => crate::verify::worker::run(args.memory_mb),
    }
}
