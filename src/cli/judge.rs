//! `vibecheck judge`.

/// Arguments of `vibecheck judge`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck judge`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck judge` is not available in this build yet")
}
