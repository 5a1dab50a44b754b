//! `vibecheck serve`.

/// Arguments of `vibecheck serve`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck serve`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck serve` is not available in this build yet")
}
