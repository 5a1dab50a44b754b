//! Report types shared by the CLI's `--json` output and the HTTP API (one schema for both).

pub use crate::verify::VerifyReport;
pub use vibecheck_sandbox::JudgeReport;
