//! vibecheck-sandbox: the one place vibecheck runs untrusted code.
//!
//! Owns: compiling C/C++ with clang to wasm32-wasi (and running Python on python.wasm), running
//! guests under wasmtime with hard limits, judging outputs with checkers, and stress testing.
//!
//! Module map: [`compile`] (clang → wasm32-wasi with include hardening and the on-disk module
//! cache), [`run`] (wasmtime host: limits, traps, capped pipes), [`check`] (output checkers),
//! [`judge`] (judging and stress testing), [`interact`] (interactive problems: solution and
//! interactor connected by pipes), [`testdata`] (loading test directories and Competitive
//! Companion JSON). The public API below is a contract other parts of vibecheck code against.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub mod cancel;
pub mod check;
pub mod compile;
mod hostcalls;
pub mod interact;
pub mod judge;
pub mod pyruntime;
pub mod run;
pub mod testdata;

pub use cancel::{Cancel, Cancelled};
pub use interact::{InteractiveRequest, InteractorCompileError};
pub use judge::{CheckerCompileError, Sandbox};

/// A solution's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    C,
    Cpp,
    Python,
}

impl Lang {
    /// The language of a source file from its extension (`.c`, `.cpp`/`.cc`/`.cxx`/`.C`, `.py`).
    pub fn from_path(p: &Path) -> Option<Lang> {
        match p.extension()?.to_str()? {
            "c" => Some(Lang::C),
            "cpp" | "cc" | "cxx" | "C" | "c++" => Some(Lang::Cpp),
            "py" => Some(Lang::Python),
            _ => None,
        }
    }

    /// Parses a `--lang` value: `c`, `cpp` (also `c++`, `cxx`), `python` (also `py`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "c" => Some(Lang::C),
            "cpp" | "c++" | "cxx" | "cc" => Some(Lang::Cpp),
            "python" | "py" | "python3" => Some(Lang::Python),
            _ => None,
        }
    }
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

/// Resource limits for one run. `time_ms` counts the guest's CPU time plus any time it spends
/// sleeping; `memory_mb` counts the linear memory it touches (not what it reserves).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub time_ms: u64,
    pub memory_mb: u64,
    pub output_bytes: u64,
}

impl Limits {
    /// Defaults for a run when the problem states nothing: 2 s of CPU time (a typical contest
    /// limit), 256 MB of linear memory (the classic Codeforces limit) and 64 MiB of stdout (far
    /// beyond any sane answer; stops floods before they eat host memory).
    pub const DEFAULT: Limits = Limits {
        time_ms: 2_000,
        memory_mb: 256,
        output_bytes: 64 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

impl Verdict {
    /// The short name (`AC`, `WA`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::AC => "AC",
            Verdict::WA => "WA",
            Verdict::PE => "PE",
            Verdict::TLE => "TLE",
            Verdict::MLE => "MLE",
            Verdict::RE => "RE",
            Verdict::OLE => "OLE",
            Verdict::CE => "CE",
            Verdict::IE => "IE",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One test: input and (optionally) the expected answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    pub name: String,
    pub input: String,
    pub answer: Option<String>,
}

/// Tests judged one at a time: a list whose items are read only when they run (a directory of
/// test files), or tests already in memory (`Vec<TestCase>`).
pub trait TestSource: Sync {
    /// How many tests.
    fn count(&self) -> usize;
    /// Test `i`'s name (cheap; no file is read).
    fn name(&self, i: usize) -> String;
    /// Reads test `i` (`Err`: it cannot be read; that test is IE).
    fn load(&self, i: usize) -> anyhow::Result<TestCase>;
}

impl TestSource for Vec<TestCase> {
    fn count(&self) -> usize {
        self.len()
    }
    fn name(&self, i: usize) -> String {
        self[i].name.clone()
    }
    fn load(&self, i: usize) -> anyhow::Result<TestCase> {
        Ok(self[i].clone())
    }
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
    /// What the program wrote to stdout, truncated (see `judge::EXCERPT_BYTES`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// The start of its stderr, truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// Failing tests only: the input, truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Failing tests only: the expected answer, truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

impl TestResult {
    /// A result with only the essentials (no output excerpts).
    pub fn new(name: String, verdict: Verdict, message: String) -> TestResult {
        TestResult {
            name,
            verdict,
            time_ms: 0,
            memory_kib: 0,
            message,
            stdout: None,
            stderr: None,
            input: None,
            answer: None,
        }
    }
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

/// The C++ language standard used for C++ solutions and checkers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CppStd {
    /// `-std=c++17`, the default (what most judges still use).
    #[default]
    Cpp17,
    /// `-std=c++20`, on request.
    Cpp20,
}

/// Configuration of a [`Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// On-disk cache of compiled modules (wasm and precompiled native code), keyed by a hash of
    /// source, flags and toolchain. Default: `$XDG_CACHE_HOME/vibecheck/sandbox` (or
    /// `~/.cache/vibecheck/sandbox`); env `VIBECHECK_CACHE_DIR` overrides.
    pub cache_dir: PathBuf,
    /// The CPython WASI build that runs Python solutions. Default:
    /// `~/.local/share/vibecheck/python-3.12.0.wasm`; env `VIBECHECK_PYTHON_WASM` overrides.
    pub python_wasm: PathBuf,
    /// The clang driver (default: [`compile::default_toolchain`], the exception-handling clang
    /// of tools/setup-eh.sh or else `clang-19`; env `VIBECHECK_CLANG` overrides).
    pub clang: PathBuf,
    /// The wasm32-wasi sysroot with libc and libc++ (default: the one that goes with `clang`).
    pub sysroot: PathBuf,
    /// C++ standard for C++ sources.
    pub cpp_std: CppStd,
    /// Link C++ programs with the fast iostreams runtime (see `runtime/vcrt_iostream.cpp`).
    /// Default on; env `VIBECHECK_FAST_IOSTREAMS=0` turns it off (for benchmarks).
    pub fast_iostreams: bool,
    /// Wall-clock limit for one compiler invocation (default
    /// [`compile::COMPILE_TIMEOUT_MS`]; env `VIBECHECK_COMPILE_TIMEOUT_MS` overrides).
    pub compile_timeout_ms: u64,
    /// libstdc++'s policy-based data structure headers, installed by tools/setup.sh (default
    /// [`compile::pbds::default_dir`]; env `VIBECHECK_PBDS_DIR` overrides). C++ compiles without
    /// them when absent; `<ext/pb_ds/...>` is then a CE naming the script.
    pub pbds_dir: PathBuf,
    /// CPU time a Python run gets per second of its time limit (default
    /// [`python_time_factor`]: [`PY_TIME_FACTOR`], env `VIBECHECK_PYTHON_TIME_FACTOR`).
    pub python_time_factor: u64,
}

/// How many times its time limit a Python run gets: python.wasm (an unoptimised CPython 3.12
/// build under wasmtime) runs Python 3.3–6.3× slower than native CPython 3.11 (median 4.9×:
/// loops, sorting, dicts, strings, bulk input; BENCHMARKS.md "Python time factor"), and judges
/// time native CPython. With the limit scaled, a solution a judge accepts is not a TLE here
/// only because of the runtime; one far over the limit still is. Times shown are measured.
pub const PY_TIME_FACTOR: u64 = 5;

/// The Python time factor: env `VIBECHECK_PYTHON_TIME_FACTOR` (a whole number ≥ 1), else
/// [`PY_TIME_FACTOR`].
pub fn python_time_factor() -> u64 {
    std::env::var("VIBECHECK_PYTHON_TIME_FACTOR")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|v: &u64| *v >= 1)
        .unwrap_or(PY_TIME_FACTOR)
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let cache_dir = std::env::var_os("VIBECHECK_CACHE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| home.join(".cache"))
                    .join("vibecheck/sandbox")
            });
        let python_wasm = std::env::var_os("VIBECHECK_PYTHON_WASM")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share/vibecheck/python-3.12.0.wasm"));
        let (clang, sysroot) = compile::default_toolchain();
        SandboxConfig {
            cache_dir,
            python_wasm,
            clang,
            sysroot,
            cpp_std: CppStd::Cpp17,
            fast_iostreams: std::env::var("VIBECHECK_FAST_IOSTREAMS").as_deref() != Ok("0"),
            compile_timeout_ms: std::env::var("VIBECHECK_COMPILE_TIMEOUT_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|v| *v > 0)
                .unwrap_or(compile::COMPILE_TIMEOUT_MS),
            pbds_dir: compile::pbds::default_dir(),
            python_time_factor: python_time_factor(),
        }
    }
}

/// A program: source text and language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub source: String,
    pub lang: Lang,
}

/// What to judge: one solution against tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeRequest {
    pub source: String,
    pub lang: Lang,
    pub tests: Vec<TestCase>,
    pub checker: Checker,
    pub limits: Limits,
    /// Tests run in parallel (at least 1).
    pub jobs: usize,
    /// Stops the work early (server deadline, client gone); not part of the JSON form.
    #[serde(skip)]
    pub cancel: Cancel,
}

/// An empty request: C++, no tests, token checker, default limits, one job, never cancelled.
/// Callers fill in what they need with `..Default::default()`.
impl Default for JudgeRequest {
    fn default() -> Self {
        JudgeRequest {
            source: String::new(),
            lang: Lang::Cpp,
            tests: Vec::new(),
            checker: Checker::Tokens,
            limits: Limits::DEFAULT,
            jobs: 1,
            cancel: Cancel::default(),
        }
    }
}

/// What to stress: a solution against a brute force on generated inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressRequest {
    pub solution: Program,
    pub brute: Program,
    /// Gets the seed as its only argument and prints one input to stdout.
    pub generator: Program,
    pub iterations: u64,
    /// Iteration `i` uses seed `seed + i`.
    pub seed: u64,
    pub checker: Checker,
    pub limits: Limits,
    /// Stops the run early (see [`Cancel`]); not part of the JSON form.
    #[serde(skip)]
    pub cancel: Cancel,
}

/// The result of a stress run (`vibecheck stress --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressReport {
    /// Iterations completed (including the failing one, if any).
    pub iterations: u64,
    pub per_second: f64,
    pub counterexample: Option<Counterexample>,
}

/// The first input on which the solution disagreed with the brute force (or failed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    pub seed: u64,
    pub input: String,
    pub solution_output: String,
    pub brute_output: String,
    pub verdict: Verdict,
    pub message: String,
}
