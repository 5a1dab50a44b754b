//! vibecheck: a neuro-symbolic verification agent.
//!
//! Data flows one way (see ARCHITECTURE.md):
//! problem → [`model`] (a [`model::Generator`]) → chain text → [`chain::parse`] →
//! [`chain::Chain`] → [`verify`] (sympy workers, Z3, answer equivalence) and the
//! `vibecheck-sandbox` crate (code) → [`verify::Check`]s → [`agent`] (retry / vote / stop) →
//! the typed reports ([`verify::VerifyReport`], [`sandbox::JudgeReport`],
//! [`agent::SolveReport`]) → CLI text or JSON (the `vibecheck` binary's `cli` module), HTTP JSON
//! ([`server`]). The same report types are the `--json` and HTTP schemas.

pub mod agent;
pub mod chain;
pub mod model;
pub mod server;
pub mod verify;

pub use vibecheck_sandbox as sandbox;

/// Process exit codes shared by every subcommand.
pub mod exit {
    /// The result is good: verified, accepted, or nothing to object to.
    pub const GOOD: i32 = 0;
    /// The result is not good: flagged, refuted, not AC.
    pub const NOT_GOOD: i32 = 1;
    /// Usage error or infrastructure failure.
    pub const ERROR: i32 = 2;
    /// Standard output was closed by its reader (`vibecheck verify --json … | head`): the
    /// command stops quietly with the status a shell gives a process killed by `SIGPIPE`
    /// (128 + 13), without an error message. Rust ignores `SIGPIPE`, so this is reported
    /// as an `EPIPE` write error, which `main` maps here.
    pub const BROKEN_PIPE: i32 = 141;
}
