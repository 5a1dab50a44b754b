//! `vibecheck solve`.

/// Arguments of `vibecheck solve`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck solve`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck solve` is not available in this build yet")
}
