//! `vibecheck generate`.

/// Arguments of `vibecheck generate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck generate`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck generate` is not available in this build yet")
}
