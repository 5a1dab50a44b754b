//! `vibecheck judge --interactor` through the real binary: an interactive problem from a test
//! folder and from a Competitive Companion JSON that says `interactive`, the exit codes, and the
//! usage errors. The fixtures (a guessing game with a testlib-style interactor) are the sandbox
//! crate's, `sandbox/tests/fixtures/interactive/`; every outcome is tested there
//! (`cargo test -p vibecheck-sandbox --test interactive`). Real clang, real wasmtime, real
//! python.wasm; no timed assertions.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod common;
use common::require;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/tests/fixtures/interactive")
}

/// One module cache for this test process.
fn cache_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("vibecheck-interactive-cli-")
            .tempdir()
            .unwrap()
    })
    .path()
}

fn vibecheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vibecheck"))
        .args(args)
        .current_dir(fixtures())
        .env("VIBECHECK_CACHE_DIR", cache_dir())
        .env("NO_COLOR", "1")
        .output()
        .expect("run vibecheck")
}

/// `vibecheck judge ARGS --json`: (exit code, report).
fn judge(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["judge"];
    a.extend_from_slice(args);
    a.push("--json");
    let out = vibecheck(&a);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "judge {args:?}: not JSON ({e}): stdout={stdout} stderr={}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), v)
}

#[test]
fn interactor_judges_a_test_folder() {
    let (code, v) = judge(&[
        "guess_ac.cpp",
        "--tests",
        "tests",
        "--interactor",
        "guess.cpp",
    ]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("AC")), "{v}");
    assert_eq!(v["tests"].as_array().unwrap().len(), 3, "{v}");
    let (code, v) = judge(&[
        "guess_linear.cpp",
        "--tests",
        "tests",
        "--interactor",
        "guess.cpp",
        "-j",
        "2",
    ]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("WA")), "{v}");
    let message = v["tests"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than 25 queries"), "{v}");
}

#[test]
fn interactive_companion_problem_needs_the_interactor() {
    require::python_wasm();
    let (code, v) = judge(&[
        "guess_ac.py",
        "--problem",
        "problem.json",
        "--interactor",
        "guess.cpp",
    ]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("AC")), "{v}");
    assert_eq!(v["tests"].as_array().unwrap().len(), 2, "{v}");
    // Without the interactor: refused, naming the flag.
    let out = vibecheck(&["judge", "guess_ac.py", "--problem", "problem.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--interactor"), "{err}");
}

#[test]
fn interactor_usage_errors() {
    // A missing interactor file, and --checker with --interactor.
    let out = vibecheck(&[
        "judge",
        "guess_ac.cpp",
        "--tests",
        "tests",
        "--interactor",
        "missing.cpp",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.cpp"));
    let out = vibecheck(&[
        "judge",
        "guess_ac.cpp",
        "--tests",
        "tests",
        "--interactor",
        "guess.cpp",
        "--checker",
        "lines",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
