//! `vibecheck worker`.

/// Arguments of `vibecheck worker`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck worker`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck worker` is not available in this build yet")
}
