//! C++ that real judges accept, compiled and run in the sandbox (issue 11, compile side), each
//! compared with the output of native `g++ -O2` on the same input (recorded in the test; the
//! programs are in `tests/fixtures/programs/`), and testlib-style checkers in both testlib
//! layouts (`tests/fixtures/testlib_repo/`, with a small testlib-shaped header of our own).
//! Real clang, real wasmtime.

mod common;

use common::{fixtures, program};
use vibecheck_sandbox::run::Status;
use vibecheck_sandbox::{Lang, Sandbox, SandboxConfig, Verdict};

fn sandbox() -> &'static Sandbox {
    common::shared_sandbox(SandboxConfig::default)
}

/// Compiles and runs `source` on `stdin`; returns (status, stdout, stderr).
fn run(source: &str, lang: Lang, stdin: &str) -> (Status, String, String) {
    common::run(sandbox(), source, lang, stdin)
}

#[test]
fn int128_division_and_modulo_match_native() {
    let (status, out, err) = run(
        &program("int128.cpp"),
        Lang::Cpp,
        "123456789123 987654321\n",
    );
    assert_eq!(status, Status::Exited(0), "{err}");
    // g++ -O2 (x86-64) on the same input.
    assert_eq!(
        out,
        "123240412301674317058717257 -124780917453885484 546940893\n\
         6148914691236517205 279632276\n3000009\n"
    );
    // And from C (the builtins need the stack-protector symbols there too).
    let c = "#include <stdio.h>\nint main(void){ long long p,q; if(scanf(\"%lld %lld\",&p,&q)!=2) \
             return 1; __int128 a=(__int128)p*998244353*1000003; __int128 r=a%q; __int128 d=a/q; \
             printf(\"%lld %lld\\n\",(long long)r,(long long)(d%1000000007)); return 0; }\n";
    let (status, out, err) = run(c, Lang::C, "123456789123 987654321\n");
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(out, "546940893 580419072\n");
}

#[test]
fn gnu_gcd_and_lg_match_native() {
    let (status, out, err) = run(&program("gnu_ext.cpp"), Lang::Cpp, "100000\n");
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(out, "7237588 7706838 2 0\n"); // g++ -O2
}

#[test]
fn long_double_io_matches_native() {
    let (status, out, err) = run(&program("long_double.cpp"), Lang::Cpp, "2.5 1000000\n");
    assert_eq!(status, Status::Exited(0), "{err}");
    // g++ -O2 (80-bit long double there, IEEE quad here: equal at these precisions).
    assert_eq!(
        out,
        "14.392726722866 0.833333333333333\n35.9818168072 1.5811388301\n142857142857142.857\n"
    );
}

#[test]
fn fstream_compiles_and_reports_a_missing_file() {
    let src =
        "#include <fstream>\n#include <iostream>\nint main(){ std::ifstream f(\"none.txt\"); \
               std::ofstream o(\"x.txt\"); std::fstream b; std::cout << f.is_open() << o.is_open() \
               << b.is_open() << \"\\n\"; }\n";
    let (status, out, err) = run(src, Lang::Cpp, "");
    assert_eq!(status, Status::Exited(0), "{err}");
    // No preopened directory for solutions: nothing opens, nothing is created.
    assert_eq!(out, "000\n");
}

#[test]
fn uncaught_exception_names_type_and_message() {
    let src = "#include <bits/stdc++.h>\nint main(){ std::string s; std::cin >> s; \
               std::cout << std::stoll(s) << std::endl; }\n";
    let (status, out, err) = run(src, Lang::Cpp, "12\n");
    assert_eq!((status, out.as_str()), (Status::Exited(0), "12\n"), "{err}");
    let (status, _, err) = run(src, Lang::Cpp, "abc\n");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    // Uncaught: libc++abi (or, without exception support, libc++ itself) names it and aborts.
    assert!(err.contains("invalid_argument"), "{err}");
    assert!(err.contains("stoll"), "{err}");
}

// Caught exceptions (and the fallback without them): tests/cxx_exceptions.rs.

fn judge_with_checker(checker: &std::path::Path, output_program: &str) -> (Verdict, String) {
    common::judge_with_checker(sandbox(), output_program, checker)
}

const SUM: &str = "#include <cstdio>\nint main(){ long long n,s=0,x; scanf(\"%lld\",&n); \
                   while(n--){ scanf(\"%lld\",&x); s+=x; } printf(\"%lld\\n\", s); }\n";
const SUM_PLUS_ONE: &str = "#include <cstdio>\nint main(){ long long n,s=1,x; scanf(\"%lld\",&n); \
                            while(n--){ scanf(\"%lld\",&x); s+=x; } printf(\"%lld\\n\", s); }\n";
const GARBAGE: &str = "#include <cstdio>\nint main(){ puts(\"six\"); }\n";

#[test]
fn testlib_checker_in_repository_layout() {
    let chk = fixtures().join("testlib_repo/checkers/sum_check.cpp");
    assert_eq!(judge_with_checker(&chk, SUM).0, Verdict::AC);
    let (v, m) = judge_with_checker(&chk, SUM_PLUS_ONE);
    assert_eq!(v, Verdict::WA, "{m}");
    assert!(m.contains("expected 6, found 7"), "{m}");
    // The checker's own uncaught exception is an internal error that says what happened.
    let (v, m) = judge_with_checker(&chk, GARBAGE);
    assert_eq!(v, Verdict::IE, "{m}");
    assert!(m.contains("stoll"), "{m}");
}

#[test]
fn testlib_checker_beside_the_header() {
    let chk = fixtures().join("testlib_repo/beside_check.cpp");
    assert_eq!(judge_with_checker(&chk, SUM).0, Verdict::AC);
    assert_eq!(judge_with_checker(&chk, SUM_PLUS_ONE).0, Verdict::WA);
}
