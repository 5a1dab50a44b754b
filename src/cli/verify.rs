//! `vibecheck verify`.

/// Arguments of `vibecheck verify`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `vibecheck verify`; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`vibecheck verify` is not available in this build yet")
}
