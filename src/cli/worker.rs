//! `vibecheck worker` (hidden): a numeric verification worker speaking JSON lines on
//! stdin/stdout; started and managed by [`crate::verify::numeric::NumericPool`].

use crate::verify::numeric::DEFAULT_WORKER_MEMORY_MB;

/// Arguments of `vibecheck worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address-space cap of this process (setrlimit RLIMIT_AS), in MiB.
    #[arg(long, default_value_t = DEFAULT_WORKER_MEMORY_MB)]
    pub memory_mb: u64,
}

/// Runs `vibecheck worker` until stdin closes; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    crate::verify::worker::run(args.memory_mb)
}
