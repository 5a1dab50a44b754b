//! Interactive problems (issue 11): a solution and a testlib-style interactor, both compiled to
//! wasm and run in the sandbox, connected by pipes. One guessing game
//! (`tests/fixtures/interactive/guess.cpp`, with a testlib-shaped header of our own) against
//! solutions for every outcome: correct (C++ with fast iostreams, C stdio, Python), too many
//! queries, a missing flush, a crash, a solution that keeps running after the interactor's
//! verdict; and interactors that crash or fill their folder. Real clang, real wasmtime, real python.wasm; no
//! timed assertions (the idle case ends at the wall-clock limit, whatever the machine's speed).

mod common;

use std::path::PathBuf;
use vibecheck_sandbox::testdata;
use vibecheck_sandbox::{
    InteractiveRequest, JudgeReport, Lang, Limits, Sandbox, SandboxConfig, TestCase, Verdict,
};

fn fixtures() -> PathBuf {
    common::fixtures().join("interactive")
}

fn sandbox() -> &'static Sandbox {
    common::shared_sandbox(SandboxConfig::default)
}

/// A short time limit: the idle case waits for the wall-clock limit (3 × 0.5 s + 1 s).
const LIMITS: Limits = Limits {
    time_ms: 500,
    ..Limits::DEFAULT
};

/// Judges fixture `solution` with fixture `interactor` on the fixture tests (3 tests, judged
/// in parallel).
fn judge_with(solution: &str, interactor: &str) -> JudgeReport {
    let path = fixtures().join(solution);
    let source = std::fs::read_to_string(&path).unwrap();
    let lang = Lang::from_path(&path).unwrap();
    let tests = testdata::load(&fixtures().join("tests"), None)
        .unwrap()
        .tests;
    sandbox()
        .judge_interactive(
            &InteractiveRequest {
                source,
                lang,
                interactor: fixtures().join(interactor),
                limits: LIMITS,
                jobs: 3,
                cancel: Default::default(),
            },
            &tests,
        )
        .unwrap_or_else(|e| panic!("{solution}: {e:#}"))
}

fn judge(solution: &str) -> JudgeReport {
    judge_with(solution, "guess.cpp")
}

/// The overall verdict, with the report in the failure message.
fn assert_verdict(r: &JudgeReport, want: Verdict) {
    assert_eq!(r.verdict, want, "{r:#?}");
    assert_eq!(r.tests.len(), 3, "{r:#?}");
}

fn message_of(r: &JudgeReport, verdict: Verdict) -> String {
    r.tests
        .iter()
        .find(|t| t.verdict == verdict)
        .map(|t| t.message.clone())
        .unwrap_or_else(|| panic!("no {verdict} test: {r:#?}"))
}

#[test]
fn correct_cpp_solution_is_accepted() {
    let r = judge("guess_ac.cpp");
    assert_verdict(&r, Verdict::AC);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::AC), "{r:#?}");
    // The interactor's message and the solution's side of the dialogue are reported.
    let t = &r.tests[0];
    assert!(t.message.contains("guessed 424242 in 20 queries"), "{t:#?}");
    assert!(
        t.stdout.as_deref().unwrap_or("").starts_with("? 500001\n"),
        "{t:#?}"
    );
}

#[test]
fn correct_c_and_python_solutions_are_accepted() {
    assert_verdict(&judge("guess_ac.c"), Verdict::AC);
    let r = judge("guess_ac.py");
    assert_verdict(&r, Verdict::AC);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::AC), "{r:#?}");
}

#[test]
fn too_many_queries_is_wrong_answer_from_the_interactor() {
    let r = judge("guess_linear.cpp");
    assert_verdict(&r, Verdict::WA);
    assert_eq!(r.tests[0].verdict, Verdict::WA, "{r:#?}");
    assert!(
        r.tests[0].message.contains("more than 25 queries"),
        "{r:#?}"
    );
    // Small secrets are found within the limit.
    assert_eq!(r.tests[1].verdict, Verdict::AC, "{r:#?}");
    assert_eq!(r.tests[2].verdict, Verdict::AC, "{r:#?}");
}

#[test]
fn missing_flush_is_idleness_tle_at_the_wall_limit() {
    let r = judge("guess_no_flush.cpp");
    assert_verdict(&r, Verdict::TLE);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::TLE), "{r:#?}");
    // Both sides give up at the same deadline; whichever ends first, both count as idle.
    for t in &r.tests {
        assert!(t.message.contains("idleness"), "{t:#?}");
        assert!(t.message.contains("both waited"), "{t:#?}");
    }
}

#[test]
fn crashing_solution_is_runtime_error() {
    let r = judge("guess_crash.cpp");
    assert_verdict(&r, Verdict::RE);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::RE), "{r:#?}");
    let m = message_of(&r, Verdict::RE);
    assert!(m.contains("divide by zero"), "{m}");
}

#[test]
fn interactor_verdict_stops_a_running_solution() {
    // The solution answers wrongly and then loops forever: the interactor's WA decides and the
    // solution is stopped (not left to run into its time limit).
    let r = judge("guess_spin.cpp");
    assert_verdict(&r, Verdict::WA);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::WA), "{r:#?}");
    let m = message_of(&r, Verdict::WA);
    assert!(m.contains("the number was"), "{m}");
}

#[test]
fn crashing_interactor_is_internal_error() {
    let r = judge_with("guess_ac.cpp", "crashing_interactor.cpp");
    assert_verdict(&r, Verdict::IE);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::IE), "{r:#?}");
    let m = message_of(&r, Verdict::IE);
    assert!(
        m.contains("the interactor failed: integer divide by zero"),
        "{m}"
    );
}

#[test]
fn solution_compile_error_is_ce_and_interactor_compile_error_is_an_error() {
    let tests = vec![TestCase {
        name: "1".into(),
        input: "10 7\n".into(),
        answer: None,
    }];
    let req = |source: &str, interactor: PathBuf| InteractiveRequest {
        source: source.into(),
        lang: Lang::Cpp,
        interactor,
        limits: LIMITS,
        jobs: 1,
        cancel: Default::default(),
    };
    let r = sandbox()
        .judge_interactive(&req("int main( {", fixtures().join("guess.cpp")), &tests)
        .unwrap();
    assert_eq!(r.verdict, Verdict::CE, "{r:#?}");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.cpp");
    std::fs::write(&bad, "int main( {").unwrap();
    let e = sandbox()
        .judge_interactive(&req("int main() {}", bad), &tests)
        .unwrap_err();
    assert!(format!("{e:#}").contains("the interactor"), "{e:#}");
}

#[test]
fn interactor_filling_its_folder_is_stopped() {
    let r = judge_with("guess_ac.cpp", "flooding_interactor.cpp");
    assert_verdict(&r, Verdict::IE);
    assert!(r.tests.iter().all(|t| t.verdict == Verdict::IE), "{r:#?}");
    let m = message_of(&r, Verdict::IE);
    assert!(m.contains("files grew"), "{m}");
}
