//! `vibecheck judge --interactor` through the real binary: an interactive problem from a test
//! folder and from a Competitive Companion JSON that says `interactive`, the exit codes, and the
//! usage errors. The fixtures (a guessing game with a testlib-style interactor) are the sandbox
//! crate's, `sandbox/tests/fixtures/interactive/`; every outcome is tested there
//! (`cargo test -p vibecheck-sandbox --test interactive`). Real clang, real wasmtime, real
//! python.wasm; no timed assertions.

use serde_json::Value;
use std::path::Path;

mod common;
use common::cli::Cli;
use common::require;

/// The binary in the sandbox crate's interactive fixtures.
fn cli() -> Cli {
    Cli::in_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/tests/fixtures/interactive"))
}

/// `vibecheck judge ARGS --json`: (exit code, report).
fn judge(args: &[&str]) -> (i32, Value) {
    cli().judge(args)
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
    let out = cli().run(&["judge", "guess_ac.py", "--problem", "problem.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--interactor"), "{err}");
}

#[test]
fn interactor_usage_errors() {
    // A missing interactor file, and --checker with --interactor.
    let out = cli().run(&[
        "judge",
        "guess_ac.cpp",
        "--tests",
        "tests",
        "--interactor",
        "missing.cpp",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.cpp"));
    let out = cli().run(&[
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
