//! testlib as shipped: the real `testlib.h` and its standard checkers (`wcmp`, `ncmp`, `dcmp`,
//! installed by `tools/setup.sh` into `<data dir>/testlib`, unmodified) judged through the real
//! binary, in both layouts — the repository's own (`checkers/X.cpp` with `testlib.h` one folder
//! up) and a checker with `testlib.h` beside it. Real clang, real wasmtime; a missing testlib
//! fails the test.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;
use common::cli::Cli;
use common::require;

/// `<data dir>/testlib`, with `testlib.h` and `checkers/`.
fn testlib() -> PathBuf {
    let dir = require::data_dir().join("testlib");
    require::require_file(
        &dir.join("testlib.h"),
        "the real testlib.h judges these checkers",
        "tools/setup.sh",
    );
    dir
}

const SUM_AC: &str = "#include <cstdio>\nint main(){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);}\n";
const SUM_WA: &str = "#include <cstdio>\nint main(){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a*b);}\n";
const SUM_PE: &str = "#include <cstdio>\nint main(){puts(\"abc\");}\n";

/// A temp folder with the solution and tests `1 2 → 3`, `5 7 → 12`.
fn workdir(solution: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sol.cpp"), solution).unwrap();
    let tests = dir.path().join("tests");
    std::fs::create_dir(&tests).unwrap();
    for (name, input, answer) in [("1", "1 2\n", "3\n"), ("2", "5 7\n", "12\n")] {
        std::fs::write(tests.join(format!("{name}.in")), input).unwrap();
        std::fs::write(tests.join(format!("{name}.out")), answer).unwrap();
    }
    dir
}

/// `vibecheck judge sol.cpp --tests tests --checker CHECKER --json` in `work`, with a module
/// cache of its own.
fn judge(work: &Path, checker: &Path) -> Value {
    let cache = tempfile::tempdir().unwrap();
    let checker = checker.to_str().expect("a UTF-8 checker path");
    Cli::in_dir(work)
        .env("VIBECHECK_CACHE_DIR", cache.path())
        .judge(&["sol.cpp", "--tests", "tests", "--checker", checker])
        .1
}

fn verdict(v: &Value) -> &str {
    v["verdict"].as_str().unwrap()
}

fn first_message(v: &Value) -> String {
    v["tests"][0]["message"].as_str().unwrap_or("").to_string()
}

#[test]
fn standard_checkers_in_the_repository_layout() {
    let checkers = testlib().join("checkers");
    for name in ["ncmp.cpp", "wcmp.cpp"] {
        let checker = checkers.join(name);
        let ac = judge(workdir(SUM_AC).path(), &checker);
        assert_eq!(verdict(&ac), "AC", "{name}: {ac:#}");
        let wa = judge(workdir(SUM_WA).path(), &checker);
        assert_eq!(verdict(&wa), "WA", "{name}: {wa:#}");
    }
    // dcmp reads doubles: "abc" is not one.
    let pe = judge(workdir(SUM_PE).path(), &checkers.join("dcmp.cpp"));
    assert_ne!(verdict(&pe), "AC", "{pe:#}");
}

/// Our own testlib checker next to a copy of the real `testlib.h`: every verdict it can give.
#[test]
fn a_checker_beside_testlib_h_gives_every_verdict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(testlib().join("testlib.h"), dir.path().join("testlib.h")).unwrap();
    let checker = dir.path().join("check.cpp");
    std::fs::write(
        &checker,
        r#"#include "testlib.h"
int main(int argc, char* argv[]) {
    registerTestlibCmd(argc, argv);
    long long a = inf.readLong(), b = inf.readLong();
    long long want = ans.readLong();
    long long got = ouf.readLong();
    if (want != a + b) quitf(_fail, "the answer file says %lld", want);
    if (got != want) quitf(_wa, "expected %lld, found %lld", want, got);
    quitf(_ok, "sum is %lld", got);
}
"#,
    )
    .unwrap();
    let ac = judge(workdir(SUM_AC).path(), &checker);
    assert_eq!(verdict(&ac), "AC", "{ac:#}");
    let wa = judge(workdir(SUM_WA).path(), &checker);
    assert_eq!(verdict(&wa), "WA", "{wa:#}");
    assert!(first_message(&wa).contains("expected 3, found 2"), "{wa:#}");
    let pe = judge(workdir(SUM_PE).path(), &checker);
    assert_eq!(verdict(&pe), "PE", "{pe:#}");
    // A wrong answer file is the checker's FAIL: IE, never the solution's fault.
    let work = workdir(SUM_AC);
    std::fs::write(work.path().join("tests/1.out"), "4\n").unwrap();
    let ie = judge(work.path(), &checker);
    assert_eq!(ie["tests"][0]["verdict"], "IE", "{ie:#}");
    assert!(
        first_message(&ie).contains("the answer file says 4"),
        "{ie:#}"
    );
}
