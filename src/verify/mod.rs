//! Step verification: routes each [`Item`](crate::chain::Item) of a chain to its checker and
//! collects [`Check`]s into a [`VerifyReport`].
//!
//! Owns the verdict vocabulary. A verdict is data: `Refuted`, `Unknown`, `Timeout` are values
//! with evidence; `Err` is reserved for infrastructure failures (a worker could not start, …).
//! Verifiers never call the model.

pub mod claim;
pub mod logic;
pub mod numeric;
pub mod worker;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The verdict on one checked item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemVerdict {
    /// Proved / computed to hold.
    Verified,
    /// Shown false, with evidence (computed value, counterexample).
    Refuted,
    /// The checker could not decide (solver unknown, unsupported construct, guard rail hit).
    Unknown,
    /// The checker ran out of its time budget.
    Timeout,
    /// A bounded search found no counterexample; *not* a proof.
    CheckedBounded,
}

/// The verdict on a step: the worst of its items' verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepVerdict {
    Verified,
    Refuted,
    Unknown,
    Unchecked,
}

/// The verdict on a whole chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// Something was checked, nothing was refuted, and the answer matches the reference (if any).
    Verified,
    /// A step was refuted or the answer does not match the reference.
    Flagged,
    /// Nothing checkable was found.
    Unverified,
}

/// What a checker saw: enough for a teacher (or the retry prompt) to check the verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// One human sentence, e.g. "3 × 4 = 12, not 13" or "counterexample: x = 3".
    pub summary: String,
    /// Values computed for each side, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed: Vec<String>,
    /// A counterexample in the claim's own variable names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<BTreeMap<String, String>>,
    /// The solver's raw status (`sat`, `unsat`, `unknown`, …) when a solver was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_status: Option<String>,
}

/// One checked item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Which checker produced this: `numeric`, `logic`, `smt2`, `answer`, `sandbox`.
    pub checker: String,
    /// The item as written.
    pub item: String,
    pub verdict: ItemVerdict,
    pub evidence: Evidence,
    /// Wall-clock time spent on the check.
    pub time_ms: f64,
}

/// The per-step part of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub index: usize,
    pub text: String,
    pub verdict: StepVerdict,
    pub checks: Vec<Check>,
}

/// The final-answer part of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerReport {
    /// The final answer extracted from the chain.
    pub extracted: Option<String>,
    /// The reference answer it was compared with, if any.
    pub reference: Option<String>,
    /// `Some(true/false)` when both were present and compared.
    pub equivalent: Option<bool>,
}

/// The result of `vibecheck verify` and `POST /v1/verify` (one schema for both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub verdict: Overall,
    /// 0-based index of the earliest refuted step.
    pub first_error: Option<usize>,
    pub steps: Vec<StepReport>,
    pub answer: AnswerReport,
}
