//! vibecheck-sandbox: the one place vibecheck runs untrusted code.
//!
//! Owns: compiling C/C++ with clang to wasm32-wasi (and running Python on python.wasm), running
//! guests under wasmtime with hard limits, judging outputs with checkers, and stress testing.
//!
//! PUBLIC API CONTRACT (other modules code against these names; the sandbox issue fills them in).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A solution's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    C,
    Cpp,
    Python,
}

/// A judge verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    AC,
    WA,
    PE,
    TLE,
    MLE,
    RE,
    OLE,
    CE,
    /// Internal error: our infrastructure (or a custom checker's FAIL), never the solution's fault.
    IE,
}

/// Resource limits for one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub time_ms: u64,
    pub memory_mb: u64,
    pub output_bytes: u64,
}

/// One test: input and (optionally) the expected answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    pub name: String,
    pub input: String,
    pub answer: Option<String>,
}

/// How an output is compared with the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Checker {
    Tokens,
    Lines,
    Exact,
    Float(f64),
    YesNo,
    /// A testlib-style C++ checker source, compiled to wasm and run in the sandbox.
    Custom(PathBuf),
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub verdict: Verdict,
    pub time_ms: u64,
    pub memory_kib: u64,
    pub message: String,
}

/// The result of judging a solution (`vibecheck judge --json`, `POST /v1/judge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeReport {
    pub verdict: Verdict,
    /// Compiler diagnostics when the verdict is CE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compile_output: Option<String>,
    pub tests: Vec<TestResult>,
}
