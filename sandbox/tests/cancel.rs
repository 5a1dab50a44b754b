//! Cancellation of sandbox work (issue 10: work is cancelled, not only answered, at a request's
//! deadline): a pre-cancelled judge runs nothing, a guest that spins or sleeps far past the
//! request's deadline is stopped by it (not by its own, larger time limit), a judge cancelled
//! mid-way keeps the verdicts of the tests that ran and runs no more, and no cancelled work is
//! ever reported as accepted (a running compile is killed: `cancel_compile.rs`). Real clang,
//! real wasmtime.
//!
//! What "stopped by the cancel" rests on: each guest here has a time limit of ten minutes, so
//! a run that ignored the cancel would end as TLE (after ten minutes), never as the `IE`
//! "cancelled" these tests assert.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use vibecheck_sandbox::cancel::{is_cancelled_error, CANCELLED_MESSAGE};
use vibecheck_sandbox::run::Status;
use vibecheck_sandbox::{
    Cancel, Checker, JudgeReport, JudgeRequest, Lang, Limits, Program, Sandbox, SandboxConfig,
    StressRequest, TestCase, TestSource, Verdict,
};

/// Reads n, prints n + 1; n < 0 spins forever, n == 0 sleeps for an hour.
const PROG: &str = "#include <stdio.h>\n#include <unistd.h>\nint main(void){ long n; \
                    if (scanf(\"%ld\", &n) != 1) return 1; \
                    if (n < 0) { volatile unsigned long x = 0; for(;;) x++; } \
                    if (n == 0) { sleep(3600); } \
                    printf(\"%ld\\n\", n + 1); return 0; }\n";

/// Far beyond any cancel in these tests: a run that is not cancelled ends as TLE, not IE.
const LONG: Limits = Limits {
    time_ms: 600_000,
    memory_mb: 64,
    output_bytes: 1 << 16,
};

/// The shared sandbox, with PROG compiled once, uncancelled, so the cancels below never fall
/// on its compile.
fn sandbox() -> &'static Sandbox {
    static WARM: OnceLock<()> = OnceLock::new();
    let sb = common::shared_sandbox(SandboxConfig::default);
    WARM.get_or_init(|| {
        let warm = sb
            .judge(&request(
                vec![test("warm", "41", Some("42"))],
                Cancel::default(),
            ))
            .expect("the toolchain (tools/setup.sh)");
        assert_eq!(warm.verdict, Verdict::AC, "{warm:#?}");
    });
    sb
}

fn test(name: &str, input: &str, answer: Option<&str>) -> TestCase {
    TestCase {
        name: name.into(),
        input: input.into(),
        answer: answer.map(Into::into),
    }
}

fn request(tests: Vec<TestCase>, cancel: Cancel) -> JudgeRequest {
    JudgeRequest {
        source: PROG.into(),
        lang: Lang::C,
        tests,
        limits: LONG,
        cancel,
        ..Default::default()
    }
}

fn assert_cancelled(r: &vibecheck_sandbox::TestResult, prefix: &str) {
    assert_eq!(r.verdict, Verdict::IE, "{r:#?}");
    assert_eq!(
        r.message,
        format!("{prefix}: {CANCELLED_MESSAGE}"),
        "{r:#?}"
    );
}

/// A handle cancelled before the judge starts: nothing is compiled (a source that does not
/// compile is not reported CE) and no test runs; every test says so and the verdict is IE.
#[test]
fn a_pre_cancelled_judge_runs_nothing() {
    let sb = sandbox();
    let cancel = Cancel::default();
    cancel.cancel();
    let req = JudgeRequest {
        source: "int main( {".into(),
        lang: Lang::Cpp,
        tests: vec![test("a", "1", Some("2")), test("b", "2", Some("3"))],
        cancel,
        ..Default::default()
    };
    let report = sb.judge(&req).unwrap();
    assert_eq!(report.verdict, Verdict::IE, "{report:#?}");
    assert_eq!(report.compile_output, None);
    assert_eq!(report.tests.len(), 2);
    for t in &report.tests {
        assert_cancelled(t, "not run");
        assert_eq!(t.stdout, None, "nothing ran");
    }
    // The same for a custom checker (never compiled: the path does not even exist) and for
    // a deadline already past instead of the flag.
    let req = JudgeRequest {
        checker: Checker::Custom("/nonexistent/checker.cpp".into()),
        cancel: Cancel::at(Instant::now()),
        ..request(vec![test("a", "1", Some("2"))], Cancel::default())
    };
    let report = sb.judge(&req).unwrap();
    assert_eq!(report.verdict, Verdict::IE, "{report:#?}");
    assert_cancelled(&report.tests[0], "not run");
}

/// A guest that spins forever and one that sleeps for an hour, each with a ten-minute time
/// limit, are ended by a request deadline one second away (a sleep in `poll_oneoff` too).
#[test]
fn the_request_deadline_ends_a_spinning_or_sleeping_guest() {
    let sb = sandbox();
    for (what, input) in [("spin", "-1"), ("sleep", "0")] {
        let req = request(
            vec![test(what, input, Some("never"))],
            Cancel::at(Instant::now() + Duration::from_secs(1)),
        );
        let report = sb.judge(&req).unwrap();
        assert_eq!(report.verdict, Verdict::IE, "{what}: {report:#?}");
        assert_cancelled(&report.tests[0], "stopped");
    }
}

/// Many tests, the third spins forever: the deadline stops it; the tests before it keep
/// their real verdicts (one AC, one WA), the tests after it are not run, and the overall
/// verdict is not AC.
#[test]
fn a_deadline_mid_judge_keeps_finished_verdicts_and_runs_nothing_after() {
    let sb = sandbox();
    let mut tests = vec![
        test("1", "1", Some("2")),
        test("2", "5", Some("7")),
        test("spin", "-1", Some("0")),
    ];
    tests
        .extend((4..=12).map(|i| test(&i.to_string(), &i.to_string(), Some(&(i + 1).to_string()))));
    let req = request(tests, Cancel::at(Instant::now() + Duration::from_secs(1)));
    let report = sb.judge(&req).unwrap();
    let verdicts: Vec<Verdict> = report.tests.iter().map(|t| t.verdict).collect();
    assert_eq!(verdicts[..2], [Verdict::AC, Verdict::WA], "{report:#?}");
    assert_cancelled(&report.tests[2], "stopped");
    for t in &report.tests[3..] {
        assert_cancelled(t, "not run");
    }
    assert_eq!(report.verdict, Verdict::WA);
}

/// Tests served one at a time; reading test `cancel_at` fires the handle (a client hanging up
/// while the judge is under way), deterministically.
struct CancelOnRead {
    tests: Vec<TestCase>,
    cancel_at: usize,
    cancel: Cancel,
    loads: AtomicUsize,
}

impl TestSource for CancelOnRead {
    fn count(&self) -> usize {
        self.tests.len()
    }
    fn name(&self, i: usize) -> String {
        self.tests[i].name.clone()
    }
    fn load(&self, i: usize) -> anyhow::Result<TestCase> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        if i == self.cancel_at {
            self.cancel.cancel();
        }
        Ok(self.tests[i].clone())
    }
}

/// Cancelled while judging test 4 of 20 (all passing): tests 1–3 are AC, test 4 never starts
/// its guest, the rest are not even read, and the verdict is IE, not AC — also with jobs > 1.
#[test]
fn a_cancel_mid_judge_reports_no_false_accepted() {
    let sb = sandbox();
    for jobs in [1, 4] {
        let cancel = Cancel::default();
        let src = CancelOnRead {
            tests: (1..=20)
                .map(|i| test(&i.to_string(), &i.to_string(), Some(&(i + 1).to_string())))
                .collect(),
            cancel_at: 3,
            cancel: cancel.clone(),
            loads: AtomicUsize::new(0),
        };
        let req = JudgeRequest {
            jobs,
            ..request(vec![], cancel)
        };
        let report: JudgeReport = sb.judge_with(&req, &src).unwrap();
        assert_eq!(report.tests.len(), 20);
        assert_ne!(report.verdict, Verdict::AC, "jobs {jobs}: {report:#?}");
        if jobs == 1 {
            let v: Vec<Verdict> = report.tests[..3].iter().map(|t| t.verdict).collect();
            assert_eq!(v, [Verdict::AC; 3], "{report:#?}");
            assert_eq!(report.verdict, Verdict::IE);
            assert_cancelled(&report.tests[3], "stopped");
            for t in &report.tests[4..] {
                assert_cancelled(t, "not run");
            }
            assert_eq!(
                src.loads.load(Ordering::Relaxed),
                4,
                "tests after the cancel were read"
            );
        }
        // Every test is either a real AC (it ran before the cancel) or says it was cancelled.
        for t in &report.tests {
            assert!(
                t.verdict == Verdict::AC || t.message.ends_with(CANCELLED_MESSAGE),
                "{t:#?}"
            );
        }
    }
}

/// A stress run whose handle is already cancelled compiles and runs nothing: `Err(Cancelled)`.
#[test]
fn a_cancelled_stress_run_is_an_error_not_a_report() {
    let sb = sandbox();
    let p = |source: &str| Program {
        source: source.into(),
        lang: Lang::C,
    };
    let req = StressRequest {
        solution: p(PROG),
        brute: p(PROG),
        generator: p("int main( {"),
        iterations: 10,
        seed: 1,
        checker: Checker::Tokens,
        limits: LONG,
        cancel: Cancel::at(Instant::now()),
    };
    let e = sb.stress(&req, &mut |_| {}).unwrap_err();
    assert!(is_cancelled_error(&e), "{e:#}");
}

/// A run of the program on its own: the handle ends it as `Status::Cancelled`.
#[test]
fn a_cancelled_run_has_status_cancelled() {
    let sb = sandbox();
    let prog = match sb
        .prepare(
            &Program {
                source: PROG.into(),
                lang: Lang::C,
            },
            None,
        )
        .unwrap()
    {
        vibecheck_sandbox::judge::Prepared::Ready(r) => r,
        vibecheck_sandbox::judge::Prepared::CompileError(e) => panic!("{e}"),
    };
    let cancel = Cancel::at(Instant::now() + Duration::from_millis(300));
    let out = sb
        .run_program_cancellable(&prog, &[], b"0", LONG, &cancel)
        .unwrap();
    assert_eq!(out.status, Status::Cancelled);
}
