//! `vibecheck judge` and `vibecheck stress` through the real binary: every verdict, every
//! checker, every test format, stress finding a planted bug, and the hostile corpus. Real
//! clang, real wasmtime, real python.wasm; no timed assertions.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::cli::Cli;
use common::require;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judge")
}

/// The Python cases need python.wasm (tools/setup.sh installs it): a missing one fails the test.
fn require_python() {
    require::python_wasm();
}

/// The binary in the judge fixtures, with a compile timeout that a loaded machine meets.
fn cli() -> Cli {
    Cli::in_dir(fixtures()).env("VIBECHECK_COMPILE_TIMEOUT_MS", "8000")
}

fn vibecheck(args: &[&str]) -> Output {
    cli().run(args)
}

/// Runs `vibecheck judge ARGS --json`, returns (exit code, report).
fn judge(args: &[&str]) -> (i32, Value) {
    cli().judge(args)
}

fn verdict(v: &Value) -> &str {
    v["verdict"].as_str().unwrap()
}

fn first_message(v: &Value) -> String {
    v["tests"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["verdict"] != "AC"))
        .map(|t| t["message"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Asserts the overall verdict (and that the exit code matches it).
fn expect(args: &[&str], want: &str) -> Value {
    let (code, v) = judge(args);
    assert_eq!(verdict(&v), want, "judge {args:?}: {v}");
    assert_eq!(
        code,
        if want == "AC" { 0 } else { 1 },
        "exit code for {want}"
    );
    v
}

const OJ: &str = "sum/oj/test";

#[test]
fn accepted_c_cpp_and_python() {
    let v = expect(&["sum/ac.cpp", "--tests", OJ], "AC");
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    assert_eq!(tests[0]["name"], "sample-1");
    assert!(tests[0]["memory_kib"].as_u64().unwrap() > 0);
    expect(&["sum/ac.c", "--tests", OJ], "AC");
    require_python();
    expect(&["sum/ac.py", "--tests", OJ], "AC");
}

#[test]
fn wrong_answer_names_the_difference() {
    let v = expect(&["sum/wa.cpp", "--tests", OJ], "WA");
    let m = first_message(&v);
    assert!(m.contains("expected `6`") && m.contains("found `7`"), "{m}");
    require_python();
    expect(&["sum/wa.py", "--tests", OJ], "WA");
}

#[test]
fn presentation_error_depends_on_checker() {
    expect(&["sum/pe.c", "--tests", OJ], "AC");
    expect(&["sum/pe.c", "--tests", OJ, "--checker", "lines"], "PE");
    expect(&["sum/pe.c", "--tests", OJ, "--checker", "exact"], "PE");
}

#[test]
fn time_limit_exceeded() {
    let v = expect(
        &["sum/tle.cpp", "--tests", OJ, "--time-limit", "1", "-j", "2"],
        "TLE",
    );
    assert!(first_message(&v).contains("1000 ms"));
    assert!(v["tests"][0]["time_ms"].as_u64().unwrap() > 0);
    require_python();
    expect(
        &[
            "sum/tle.py",
            "--problem",
            "sum/problem.json",
            "--time-limit",
            "1",
        ],
        "TLE",
    );
}

#[test]
fn memory_limit_exceeded() {
    expect(
        &["sum/mle.cpp", "--tests", OJ, "--memory-limit", "64"],
        "MLE",
    );
}

#[test]
fn runtime_errors_name_their_cause() {
    let cases = [
        ("sum/re_abort.c", "abort"),
        ("sum/re_oob.c", "out of bounds"),
        ("sum/re_exit3.c", "exit code 3"),
        ("sum/re_throw.cpp", "std::runtime_error: n is positive"),
        ("sum/re_div0.c", "divide by zero"),
    ];
    for (src, needle) in cases {
        let v = expect(&[src, "--tests", OJ], "RE");
        let m = first_message(&v);
        assert!(m.contains(needle), "{src}: {m}");
    }
    require_python();
    let v = expect(&["sum/re_div0.py", "--tests", OJ], "RE");
    assert!(first_message(&v).contains("ZeroDivisionError"), "{v}");
}

#[test]
fn output_flood_is_ole() {
    let v = expect(&["sum/ole.c", "--tests", OJ], "OLE");
    assert!(first_message(&v).contains("bytes"));
}

#[test]
fn compile_errors_carry_diagnostics() {
    let (code, v) = judge(&["sum/ce.cpp", "--tests", OJ]);
    assert_eq!((code, verdict(&v)), (1, "CE"));
    let d = v["compile_output"].as_str().unwrap();
    assert!(
        d.contains("solution.cpp:2") && d.contains("expected ';'"),
        "{d}"
    );
    require_python();
    let (code, v) = judge(&["sum/ce.py", "--tests", OJ]);
    assert_eq!((code, verdict(&v)), (1, "CE"));
    assert!(
        v["compile_output"]
            .as_str()
            .unwrap()
            .contains("SyntaxError"),
        "{v}"
    );
}

#[test]
fn float_and_yesno_checkers() {
    require_python();
    expect(
        &[
            "float/third.py",
            "--tests",
            "float",
            "--checker",
            "float:1e-6",
        ],
        "AC",
    );
    expect(
        &["float/third.py", "--tests", "float", "--checker", "tokens"],
        "WA",
    );
    expect(
        &[
            "float/third.py",
            "--tests",
            "float",
            "--checker",
            "float:1e-9",
        ],
        "WA",
    );
    expect(
        &["yesno/even.c", "--tests", "yesno", "--checker", "yesno"],
        "AC",
    );
    expect(&["yesno/even.c", "--tests", "yesno"], "WA");
}

#[test]
fn custom_checker_in_the_sandbox() {
    let chk = "checker/two_parts.cpp";
    let v = expect(
        &[
            "checker/split.cpp",
            "--tests",
            "checker/tests",
            "--checker",
            chk,
        ],
        "AC",
    );
    assert!(first_message(&v).is_empty());
    assert!(
        v["tests"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ok 5 = 4 + 1"),
        "{v}"
    );
    expect(
        &[
            "checker/split_pe.c",
            "--tests",
            "checker/tests",
            "--checker",
            chk,
        ],
        "PE",
    );
    require_python();
    let v = expect(
        &[
            "checker/split_wrong.py",
            "--tests",
            "checker/tests",
            "--checker",
            chk,
        ],
        "WA",
    );
    assert!(first_message(&v).contains("!= 5"), "{v}");
    // The checker sees only input/output/answer.
    expect(
        &[
            "checker/split.cpp",
            "--tests",
            "checker/tests",
            "--checker",
            "checker/peek.cpp",
        ],
        "AC",
    );
}

#[test]
fn test_formats() {
    // Kattis layout with nested groups, natural order.
    let v = expect(&["sum/ac.c", "--tests", "sum/kattis/data"], "AC");
    let names: Vec<&str> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sample/1", "secret/10", "secret/group1/2"]);
    // Competitive Companion JSON: tests and limits.
    let v = expect(&["sum/ac.cpp", "--problem", "sum/problem.json"], "AC");
    assert_eq!(v["tests"].as_array().unwrap().len(), 2);
    // Interactive problems are refused clearly.
    let out = vibecheck(&["judge", "sum/ac.cpp", "--problem", "sum/interactive.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interactive problems are not supported"));
    // No tests, bad flags: usage errors.
    let out = vibecheck(&["judge", "sum/ac.cpp", "--tests", "nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
    let out = vibecheck(&["judge", "sum/ac.cpp", "--tests", OJ, "--checker", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn human_table() {
    let out = vibecheck(&["judge", "sum/wa.cpp", "--tests", OJ]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("sample-1") && s.contains("WA"), "{s}");
    assert!(s.contains("verdict: WA"), "{s}");
    assert!(!s.contains('\x1b'), "no colour when not a tty");
}

#[test]
fn stress_finds_planted_bug() {
    require_python();
    let save = tempfile::tempdir().unwrap();
    let out = vibecheck(&[
        "stress",
        "stress/max_buggy.cpp",
        "--brute",
        "stress/max_brute.py",
        "--gen",
        "stress/gen.py",
        "--iterations",
        "200",
        "--save",
        save.path().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "WA");
    let c = &v["counterexample"];
    // The bug: the last element is ignored, so it must be the unique maximum.
    let input = c["input"].as_str().unwrap();
    let nums: Vec<i64> = input
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap())
        .collect();
    let max = *nums.iter().max().unwrap();
    assert_eq!(*nums.last().unwrap(), max, "{input}");
    assert_eq!(c["brute_output"].as_str().unwrap().trim(), max.to_string());
    assert_ne!(c["solution_output"], c["brute_output"]);
    let seed = c["seed"].as_u64().unwrap();
    let saved_in = save.path().join(format!("stress-{seed}.in"));
    assert_eq!(std::fs::read_to_string(&saved_in).unwrap(), input);
    assert!(save.path().join(format!("stress-{seed}.out")).exists());
    // The saved pair is a test the buggy solution fails and the correct one passes.
    let dir = save.path().to_str().unwrap();
    expect(&["stress/max_buggy.cpp", "--tests", dir], "WA");
    expect(&["stress/max_ok.cpp", "--tests", dir], "AC");
}

/// `stress --gen "gen.cpp ARGS"` with a testlib-style generator: `#include "testlib.h"` is
/// found one folder up (a problem repository's layout) and beside the generator, and the
/// extra arguments reach it after the seed.
#[test]
fn stress_testlib_generator() {
    let out = vibecheck(&[
        "stress",
        "stress/max_buggy.cpp",
        "--brute",
        "stress/max_ok.cpp",
        "--gen",
        "stress/testlib/gens/gen.cpp 6 10",
        "--iterations",
        "200",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "WA");
    let input = v["counterexample"]["input"].as_str().unwrap();
    let nums: Vec<i64> = input
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    // n in [2, 6] (the bug needs two elements), values in [1, 10]: the arguments arrived.
    assert!(
        (2..=6).contains(&nums[0]) && nums.len() as i64 == nums[0] + 1,
        "{input}"
    );
    assert!(nums[1..].iter().all(|x| (1..=10).contains(x)), "{input}");
    // Header beside the generator; `1 5` makes every array one element long, which the buggy
    // solution gets right: no counterexample in 20 iterations.
    let out = vibecheck(&[
        "stress",
        "stress/max_buggy.cpp",
        "--brute",
        "stress/max_ok.cpp",
        "--gen",
        "stress/testlib/gen_beside.cpp 1 5",
        "--iterations",
        "20",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["iterations"], 20);
}

#[test]
fn stress_without_counterexample() {
    let out = vibecheck(&[
        "stress",
        "stress/max_ok.cpp",
        "--brute",
        "stress/max_buggy.cpp",
        "--gen",
        "stress/gen.c",
        "--iterations",
        "1",
        "--seed",
        "999",
        "--json",
    ]);
    // With one iteration the generator's first array decides; check consistency instead of luck.
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["iterations"], 1);
    assert!(v["per_second"].as_f64().unwrap() > 0.0);
    let out = vibecheck(&[
        "stress",
        "stress/max_ok.cpp",
        "--brute",
        "sum/ac.c",
        "--gen",
        "stress/gen.c",
        "--iterations",
        "30",
        "--json",
    ]);
    // max vs sum disagree unless n == 1: found quickly.
    assert_eq!(out.status.code(), Some(1));
    let out = vibecheck(&[
        "stress",
        "stress/max_ok.cpp",
        "--brute",
        "stress/max_ok.cpp",
        "--gen",
        "stress/gen.c",
        "--iterations",
        "30",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["iterations"].as_u64(), v["verdict"].as_str()),
        (Some(30), Some("AC"))
    );
    assert!(v["counterexample"].is_null());
}

#[test]
fn hostile_includes_are_compile_errors() {
    for (src, needle) in [
        ("hostile/include_passwd.cpp", "/etc/passwd"),
        ("hostile/include_dotdot.cpp", ".."),
        ("hostile/include_dev.c", "/dev/zero"),
        ("hostile/include_macro.cpp", "computed include"),
        ("hostile/incbin.cpp", "inline assembly"),
    ] {
        let (code, v) = judge(&[src, "--tests", OJ]);
        assert_eq!((code, verdict(&v)), (1, "CE"), "{src}: {v}");
        let d = v["compile_output"].as_str().unwrap();
        assert!(d.contains(needle), "{src}: {d}");
        assert!(!d.contains("root:"), "{src} leaked a host file: {d}");
    }
}

#[test]
fn hostile_system_calls_do_not_escape() {
    // No fork()/socket() in WASI: these do not even link.
    for src in ["hostile/fork.c", "hostile/socket.c"] {
        let (_, v) = judge(&[src, "--tests", OJ]);
        assert_eq!(verdict(&v), "CE", "{src}: {v}");
    }
    // system() links (our runtime's, for `system("pause")`) and runs nothing: -1, no output
    // of the command.
    let (_, v) = judge(&["hostile/system.c", "--tests", OJ]);
    for t in v["tests"].as_array().unwrap() {
        assert_eq!(t["stdout"].as_str().unwrap(), "system returned -1\n", "{v}");
    }
    // File reads find nothing: no directory is preopened for solutions.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.in"), "").unwrap();
    std::fs::write(dir.path().join("t.out"), "blocked\n").unwrap();
    let d = dir.path().to_str().unwrap();
    expect(&["hostile/read_file.c", "--tests", d], "AC");
    require_python();
    expect(&["hostile/read_file.py", "--tests", d], "AC");
}

#[test]
fn hostile_resource_bombs_end_cleanly() {
    // Template-recursion bomb: stopped by the compile time limit.
    let (code, v) = judge(&["hostile/template_bomb.cpp", "--tests", OJ]);
    assert_eq!((code, verdict(&v)), (1, "CE"), "{v}");
    // A 1 GB vector and a 100 MB static array: over the memory limit.
    expect(&["hostile/vector_1gb.cpp", "--tests", OJ], "MLE");
    expect(
        &[
            "hostile/static_array.cpp",
            "--tests",
            OJ,
            "--memory-limit",
            "64",
        ],
        "MLE",
    );
    // Unbounded recursion: a stack overflow is RE, not a host crash.
    let v = expect(
        &[
            "hostile/infinite_recursion.c",
            "--tests",
            OJ,
            "--time-limit",
            "1",
        ],
        "RE",
    );
    assert!(first_message(&v).contains("stack overflow"), "{v}");
}

#[test]
fn deep_recursion_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.in"), "").unwrap();
    std::fs::write(dir.path().join("t.out"), "999999\n").unwrap();
    expect(
        &[
            "hostile/deep_recursion.cpp",
            "--tests",
            dir.path().to_str().unwrap(),
        ],
        "AC",
    );
}

// ---- issue 10 #3: a sleeping guest cannot hold a judge slot ----

#[test]
fn sleeping_guest_is_tle_at_the_limit() {
    for src in ["run/sleep.c", "run/nanosleep.c"] {
        let v = expect(&[src, "--tests", OJ, "--time-limit", "1"], "TLE");
        // The sleep is charged to the time budget: reported time reaches the limit.
        assert!(
            v["tests"][0]["time_ms"].as_u64().unwrap() >= 1000,
            "{src}: {v}"
        );
        assert!(first_message(&v).contains("1000 ms"), "{src}: {v}");
    }
    expect(&["run/short_sleep.c", "--tests", OJ], "AC");
    require::python_wasm();
    // Python runs get the Python time factor (5): a 200 ms limit allows 1000 ms.
    let v = expect(
        &["run/sleep.py", "--tests", OJ, "--time-limit", "0.2"],
        "TLE",
    );
    assert!(v["tests"][0]["time_ms"].as_u64().unwrap() >= 1000, "{v}");
    let m = first_message(&v);
    assert!(
        m.contains("exceeded 1000 ms") && m.contains("200 ms limit × 5"),
        "{m}"
    );
}

// ---- issue 11: memory like a real judge; stderr is never a verdict ----

#[test]
fn memory_counts_what_the_program_touches() {
    // 100 MB of locals in recursion: the stack may grow like a judge's 256 MB stack.
    expect(&["run/big_locals.cpp", "--tests", OJ], "AC");
    // A touched 40 MB array under 64 MB, hello world under 32 MB: the reserved stack is free.
    expect(
        &["run/array40.cpp", "--tests", OJ, "--memory-limit", "64"],
        "AC",
    );
    let v = expect(
        &["run/hello.c", "--tests", OJ, "--memory-limit", "32"],
        "AC",
    );
    assert!(
        v["tests"][0]["memory_kib"].as_u64().unwrap() < 8 << 10,
        "{v}"
    );
    // But touched stack counts: 200 MB of it under 64 MB is MLE.
    expect(
        &["run/stack_mle.cpp", "--tests", OJ, "--memory-limit", "64"],
        "MLE",
    );
}

#[test]
fn stderr_flood_is_kept_short_and_ignored() {
    let v = expect(
        &["run/stderr_flood.cpp", "--tests", OJ, "--time-limit", "10"],
        "AC",
    );
    let t = &v["tests"][0];
    let e = t["stderr"].as_str().unwrap();
    assert!(e.starts_with("debug line 0\n"), "{e}");
    assert!(e.len() < 8 << 10, "excerpt is truncated: {} bytes", e.len());
    assert_eq!(t["stdout"].as_str().unwrap().trim(), "6");
}

// ---- issue 11: Python idioms ----

#[test]
fn python_stdin_is_a_real_file_and_threads_run() {
    require::python_wasm();
    expect(&["run/pyrival_stdin.py", "--tests", OJ], "AC");
    expect(&["run/threading_stack.py", "--tests", OJ], "AC");
}

/// C is GNU C17 as gcc compiles it: `getchar_unlocked` is declared (in ISO C17 mode clang
/// rejected the implicit declaration, a CE every judge would have accepted).
#[test]
fn c_fast_input_with_getchar_unlocked() {
    expect(&["run/getchar_unlocked.c", "--tests", OJ], "AC");
}

/// `clock()`, `getpid()` and `signal()` link (wasi-libc's emulations; before, a CE), and a
/// loop bounded by `clock()` ends: the clock advances with the run.
#[test]
fn clock_bounded_heuristics_compile_and_end() {
    let v = expect(&["run/clock_budget.cpp", "--tests", OJ], "AC");
    for t in v["tests"].as_array().unwrap() {
        assert!(t["time_ms"].as_u64().unwrap() >= 50, "{v}");
        assert!(t["stderr"].as_str().unwrap().starts_with("rounds "), "{v}");
    }
}

/// `std::thread` for a bigger stack: the function runs at once, 200,000 frames deep (before: a
/// CE, `std::thread` does not exist without threads).
#[test]
fn cpp_thread_stack_idiom_runs() {
    expect(&["run/thread_stack.cpp", "--tests", OJ], "AC");
}

/// `system("pause")` links and runs nothing: it fails with ENOSYS and the program goes on
/// (before: a CE, "undefined symbol: system").
#[test]
fn system_pause_fails_quietly() {
    expect(&["run/system_pause.cpp", "--tests", OJ], "AC");
}

/// Memoised recursion through `lru_cache` (C code) 5000 deep: accepted, as judges accept it
/// (python.wasm's shipped 512 KiB C stack trapped at ~60 levels, its C recursion limit stopped
/// at ~166; see sandbox `pyruntime`). Far deeper, with memory to spare, it ends in a clean
/// `RecursionError`, never in a trap.
#[test]
fn python_memoised_recursion_runs_deep() {
    require_python();
    let d = tempfile::tempdir().unwrap();
    let want: u64 = (1..=5000u64).map(|i| i % 7).sum();
    write(d.path(), "deep/1.in", "5000\n");
    write(d.path(), "deep/1.out", &format!("{want}\n"));
    write(d.path(), "deeper/1.in", "200000\n");
    write(d.path(), "deeper/1.out", "0\n");
    let sol = "run/memo_recursion.py";
    expect(
        &[sol, "--tests", d.path().join("deep").to_str().unwrap()],
        "AC",
    );
    let v = expect(
        &[
            sol,
            "--tests",
            d.path().join("deeper").to_str().unwrap(),
            "--memory-limit",
            "1024",
            "--time-limit",
            "10",
        ],
        "RE",
    );
    let e = v["tests"][0]["stderr"].as_str().unwrap();
    assert!(e.contains("RecursionError"), "{v}");
    // Through list.sort's key (a large C frame per level): the limit comes before the stack's
    // end, so this too is a clean RecursionError, not a trap or a corrupted heap.
    write(d.path(), "sorted/1.in", "1000000\n");
    write(d.path(), "sorted/1.out", "0\n");
    let v = expect(
        &[
            "run/sort_key_recursion.py",
            "--tests",
            d.path().join("sorted").to_str().unwrap(),
            "--memory-limit",
            "1024",
            "--time-limit",
            "10",
        ],
        "RE",
    );
    // The message ends with stderr's last lines (the excerpt keeps its first 4 KiB).
    assert!(first_message(&v).contains("RecursionError"), "{v}");
}

// ---- issue 10 #8 and issue 11: test folders ----

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn test_names(v: &Value) -> Vec<String> {
    v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn test_folder_layouts_of_common_tools() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // cf-tool
    write(p, "cf/in1.txt", "2\n1 2\n");
    write(p, "cf/ans1.txt", "3\n");
    write(p, "cf/in2.txt", "1\n5\n");
    write(p, "cf/ans2.txt", "5\n");
    // inputN.txt / outputN.txt
    write(p, "io/input1.txt", "3\n1 2 3\n");
    write(p, "io/output1.txt", "6\n");
    // CPH: .cph/.SOLUTION_HASH.prob under the folder
    write(
        p,
        "cph/.cph/.ac.c_7f3a.prob",
        r#"{"name":"Sum","url":"https://example.invalid/s","timeLimit":1500,"memoryLimit":128,
           "tests":[{"id":1,"input":"2\n4 5\n","output":"9\n"}],"srcPath":"/x/ac.c"}"#,
    );
    let sol = fixtures().join("sum/ac.c");
    let sol = sol.to_str().unwrap();
    let v = expect(&[sol, "--tests", p.join("cf").to_str().unwrap()], "AC");
    assert_eq!(test_names(&v), ["1", "2"]);
    expect(&[sol, "--tests", p.join("io").to_str().unwrap()], "AC");
    let v = expect(&[sol, "--tests", p.join("cph").to_str().unwrap()], "AC");
    assert_eq!(test_names(&v), ["sample-1"]);
    // --tests FILE.json (Competitive Companion), with limits above the caps: clamped, warned.
    write(
        p,
        "big.json",
        r#"{"name":"S","timeLimit":9999999,"memoryLimit":100000,
           "tests":[{"input":"1\n7\n","output":"7\n"}]}"#,
    );
    let out = vibecheck(&[
        "judge",
        sol,
        "--tests",
        p.join("big.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("clamped to 4096 MB") && err.contains("clamped to 600 s"),
        "{err}"
    );
}

#[test]
fn test_folders_use_regular_files_inside_only() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, "1.in", "2\n1 2\n");
    write(p, "1.out", "3\n");
    std::os::unix::fs::symlink("/etc/passwd", p.join("2.in")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", p.join("3.in")).unwrap();
    write(p, "4.in", "1\n9\n");
    std::os::unix::fs::symlink("/etc/hostname", p.join("4.out")).unwrap();
    let sol = fixtures().join("sum/ac.c");
    let v = expect(
        &[sol.to_str().unwrap(), "--tests", p.to_str().unwrap()],
        "AC",
    );
    // Symlinked inputs are not tests; a symlinked answer is not used.
    assert_eq!(test_names(&v), ["1", "4"]);
    assert!(v["tests"][1]["message"]
        .as_str()
        .unwrap()
        .contains("no expected answer"));
}

// ---- issue 11: seeing what failed ----

#[test]
fn show_prints_input_expected_and_received() {
    let out = vibecheck(&["judge", "sum/wa.cpp", "--tests", OJ, "--show"]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("=== sample-1: WA"), "{s}");
    assert!(s.contains("--- input\n  3\n  1 2 3"), "{s}");
    assert!(s.contains("--- expected\n  >>6<<"), "{s}");
    assert!(s.contains("--- received\n  >>7<<"), "{s}");
    assert!(!s.contains('\x1b'), "no colour when not a tty");
    let (_, v) = judge(&["sum/wa.cpp", "--tests", OJ]);
    let t = &v["tests"][0];
    assert_eq!(t["stdout"].as_str().unwrap().trim(), "7");
    assert_eq!(t["answer"].as_str().unwrap().trim(), "6");
    assert!(t["input"].as_str().unwrap().starts_with("3\n"));
}

// ---- issue 11: the Competitive Companion listener, over real HTTP ----

#[test]
fn listen_writes_folders_that_judge_takes() {
    use std::io::{BufRead, BufReader, Read, Write};
    let d = tempfile::tempdir().unwrap();
    let mut child = cli()
        .command(&["listen", "--port", "0", "--count", "1", "--dir"])
        .arg(d.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let post = |body: &str| -> String {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    // Not a problem: 400, nothing written.
    assert!(post("{\"nope\": 1}").starts_with("HTTP/1.1 400"));
    let body = std::fs::read_to_string(fixtures().join("sum/problem.json")).unwrap();
    assert!(post(&body).starts_with("HTTP/1.1 200"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("A. Sum: 2 tests, 1500 ms, 64 MB"),
        "{printed}"
    );
    let folder = d.path().join("a-sum");
    assert!(folder.join("1.in").is_file() && folder.join("2.out").is_file());
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("problem.json")).unwrap())
            .unwrap();
    assert_eq!(meta["url"], "https://example.invalid/sum");
    // judge takes the folder with its limits.
    let out = vibecheck(&["judge", "sum/ac.cpp", "--tests", folder.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1500 ms / 64 MB"));
}

// ---- issue 11: generator arguments ----

#[test]
fn stress_passes_generator_arguments_after_the_seed() {
    let out = vibecheck(&[
        "stress",
        "stress/max_ok.cpp",
        "--brute",
        "sum/ac.c",
        "--gen",
        "run/gen_args.c 3 100",
        "--iterations",
        "5",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let input = v["counterexample"]["input"].as_str().unwrap();
    let nums: Vec<u64> = input
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(nums[0], 3, "{input}");
    assert_eq!(nums.len(), 4);
    assert!(nums[1..].iter().all(|x| (1..=100).contains(x)));
}
