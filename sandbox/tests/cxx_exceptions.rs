//! C++ exceptions in the sandbox (issue 11): real programs that throw and catch, compiled by the
//! exception-handling toolchain of `tools/setup-eh.sh` (clang 22, libc++/libc++abi/libunwind
//! built with `-fwasm-exceptions`) and run by wasmtime with exception handling on. Expected
//! outputs are those of native `g++ -O2` on the same input (the programs are in
//! `tests/fixtures/programs/exc_*.cpp`). Also: uncaught exceptions and `noexcept` violations
//! are RE naming the exception, a checker's uncaught exception is IE, and without the toolchain
//! the old path (every throw ends the program, clearly) still works.
//!
//! The toolchain is installed by `tools/setup.sh` (through `tools/setup-eh.sh`); without it these
//! tests fail and say how to install it.

mod common;

use common::{fixtures, new_sandbox, program};
use std::path::PathBuf;
use vibecheck_sandbox::run::Status;
use vibecheck_sandbox::{Lang, Sandbox, SandboxConfig, Verdict};

/// The shared sandbox with the default toolchain, which must be the exception-handling one.
fn sandbox() -> &'static Sandbox {
    common::shared_sandbox(|| {
        let config = SandboxConfig::default();
        assert!(
            config
                .sysroot
                .join(vibecheck_sandbox::compile::EH_SYSROOT_MARKER)
                .is_file(),
            "the exception-handling toolchain is not installed (run tools/setup-eh.sh, which \
             tools/setup.sh calls); default toolchain: {} {}",
            config.clang.display(),
            config.sysroot.display()
        );
        config
    })
}

/// Compiles and runs the C++ `source` on `stdin` in `sb`; returns (status, stdout, stderr).
fn run_in(sb: &Sandbox, source: &str, stdin: &str) -> (Status, String, String) {
    common::run(sb, source, Lang::Cpp, stdin)
}

fn run(source: &str, stdin: &str) -> (Status, String, String) {
    run_in(sandbox(), source, stdin)
}

#[test]
fn stoi_on_bad_input_is_caught_by_type() {
    let (status, out, err) = run(
        &program("exc_stoi.cpp"),
        "12 abc 99999999999 -7 x1 2147483647 2147483648 -0\n",
    );
    assert_eq!(status, Status::Exited(0), "{err}");
    // g++ -O2 (x86-64) on the same input.
    assert_eq!(
        out,
        "ok 12\ninvalid_argument abc\nout_of_range 99999999999 -> 999\nok -7\n\
         invalid_argument x1\nok 2147483647\nout_of_range 2147483648 -> 648\nok 0\n\
         2147483652 2 2\n"
    );
}

#[test]
fn custom_hierarchy_is_caught_by_base_class() {
    let (status, out, err) = run(&program("exc_hierarchy.cpp"), "");
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(
        out,
        "value 42\nEmptyInput parse: empty code=2\nParseError parse: bad char 'x' at 2\n\
         exception too big code=3\nint 13\nsomething else\nvalue 999\n"
    );
}

#[test]
fn rethrow_exception_ptr_and_nested_exceptions() {
    let (status, out, err) = run(&program("exc_rethrow.cpp"), "");
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(
        out,
        "1 fine\n2 fine\nlog: step 3\nrethrown out_of_range: step 3\n4 fine\n5 fine\n\
         log: step 6\nrethrown out_of_range: step 6\nexception_ptr carried out_of_range\n\
         caught outer failure\nnested inner cause\nattempts 6\n"
    );
}

/// Unwinding through 100 001 frames runs every destructor; a backtracking search stops with a
/// throw; 200 000 throws in a loop stay within the default memory limit (exception objects are
/// freed: libc++abi's in linear memory, wasmtime's exnref objects by its reference counting).
#[test]
fn exception_across_deep_recursion_runs_destructors() {
    let (status, out, err) = run(&program("exc_recursion.cpp"), "100000 20 97\n");
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(
        out,
        "bottom after 100001 frames\nfound 1 2 3 4 5 6 7 8 9 10 11 12 19 (80 frames unwound)\n\
         300000\n"
    );
}

#[test]
fn uncaught_exception_is_a_runtime_error_with_its_what() {
    let src = "#include <bits/stdc++.h>\nstruct Boom : std::runtime_error { \
               Boom() : std::runtime_error(\"the answer was 42\") {} };\n\
               int main(){ std::cout << \"before\" << std::endl; \
               try { throw 1; } catch (int) {} throw Boom(); }\n";
    let (status, out, err) = run(src, "");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert_eq!(out, "before\n");
    assert!(
        err.contains("uncaught exception of type Boom: the answer was 42"),
        "{err}"
    );
    // Thrown inside libc++ and not caught.
    let (status, _, err) = run(
        "#include <string>\nint main(){ return std::stoi(\"zz\"); }\n",
        "",
    );
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert!(err.contains("std::invalid_argument: stoi"), "{err}");
}

/// A throw out of a `noexcept` function is not caught by the caller's `catch (...)`: the
/// program terminates (RE). Unlike g++, libc++abi does not name the exception here (clang's
/// wasm terminate pad calls `std::terminate` without the exception).
#[test]
fn noexcept_violation_terminates() {
    let src = "#include <bits/stdc++.h>\nvoid f(int x) noexcept { if (x > 0) throw \
               std::out_of_range(\"x too large\"); }\nint main(){ try { f(1); } catch (...) { \
               puts(\"caught: wrong\"); } }\n";
    let (status, out, err) = run(src, "");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert_eq!(out, "");
    assert!(err.contains("libc++abi: terminating"), "{err}");
}

/// A testlib-style checker that validates with exceptions: caught ones decide WA, an uncaught
/// one is the checker's failure (IE) with its message.
#[test]
fn checker_catches_its_own_exceptions() {
    let checker = fixtures().join("programs/exc_checker.cpp");
    let judge = |out: &str| {
        let source = format!("#include <cstdio>\nint main(){{ puts(\"{out}\"); }}\n");
        common::judge_with_checker(sandbox(), &source, &checker)
    };
    assert_eq!(judge("6").0, Verdict::AC);
    let (v, m) = judge("seven");
    assert_eq!(v, Verdict::WA, "{m}");
    assert!(m.contains("not an integer: seven"), "{m}");
    let (v, m) = judge("7");
    assert_eq!(v, Verdict::WA, "{m}");
    assert!(m.contains("expected 6, found 7"), "{m}");
    // Not caught by the checker: its failure, with the exception's what().
    let (v, m) = judge("");
    assert_eq!(v, Verdict::IE, "{m}");
    assert!(m.contains("output unreadable"), "{m}");
}

/// Without the exception-handling toolchain (Debian's clang-19 and libc++, built without
/// exceptions) programs still build and a throw is a clear runtime error, even inside `try`.
#[test]
fn fallback_toolchain_reports_that_exceptions_cannot_be_caught() {
    let (_dir, sb) = new_sandbox(SandboxConfig {
        clang: PathBuf::from("clang-19"),
        sysroot: PathBuf::from("/usr"),
        ..SandboxConfig::default()
    });
    let src = "#include <bits/stdc++.h>\nint main(){ try { throw std::runtime_error(\"boom\"); } \
               catch (const std::exception& e) { puts(e.what()); } }\n";
    let (status, _, err) = run_in(&sb, src, "");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert!(
        err.contains("std::runtime_error") && err.contains("boom"),
        "{err}"
    );
    assert!(err.contains("cannot catch"), "{err}");
}

/// Programs without `try`/`catch` are compiled without wasm exception handling (the fast path,
/// `compile::NO_HANDLER_COMPILE_FLAGS`): a throw — from the library or their own `throw` — still
/// ends them as RE naming the exception, and one `catch` token switches handling back on.
#[test]
fn programs_without_handlers_still_report_uncaught_exceptions() {
    // Library throws, uncaught, in a program with no try/catch (nor in comments or strings).
    let src = "#include <bits/stdc++.h>\n// try { } catch (...) { } in a comment\n\
               int main(){ std::string s; std::cin >> s; puts(\"catch in a string\");\n\
               std::vector<int> v(3); if (s == \"at\") return v.at(5);\n\
               return std::stoi(s); }\n";
    let (status, out, err) = run(src, "x");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert_eq!(out, "catch in a string\n");
    assert!(
        err.contains("uncaught exception of type std::invalid_argument: stoi"),
        "{err}"
    );
    let (status, _, err) = run(src, "at");
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert!(
        err.contains("uncaught exception of type std::out_of_range"),
        "{err}"
    );
    let (status, out, _) = run(src, "42");
    assert_eq!(status, Status::Exited(42));
    assert_eq!(out, "catch in a string\n");
    // Its own throw (a keyword that needs no handler) through a noexcept-free call chain.
    let (status, _, err) = run(
        "#include <stdexcept>\nstruct E : std::runtime_error { E() : std::runtime_error(\"mine\") \
         {} };\nvoid f(int d) { if (d == 0) throw E(); f(d - 1); }\nint main(){ f(100); }\n",
        "",
    );
    assert!(matches!(status, Status::Trap(_)), "{status:?}");
    assert!(err.contains("uncaught exception of type E: mine"), "{err}");
    // The same library throw, caught: the handler tokens turn exception handling on.
    let (status, out, err) = run(
        "#include <bits/stdc++.h>\nint main(){ std::string s; std::cin >> s; \
         try { std::cout << std::stoi(s) << \"\\n\"; } \
         catch (const std::invalid_argument& e) { std::cout << \"bad: \" << e.what() << \"\\n\"; } }\n",
        "x",
    );
    assert_eq!(status, Status::Exited(0), "{err}");
    assert_eq!(out, "bad: stoi: no conversion\n");
}
