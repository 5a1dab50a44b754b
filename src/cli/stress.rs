//! `vibecheck stress`.

/// Arguments of `vibecheck stress`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck stress`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck stress` is not available in this build yet")
}
