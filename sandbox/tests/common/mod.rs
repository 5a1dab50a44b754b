//! Shared setup of the sandbox crate's integration tests: configurations and sandboxes whose
//! module cache is a temp folder of the test's own (never the user's cache), the test binary's
//! one shared sandbox, the fixture folders, and compiling, running and judging one program.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;
use vibecheck_sandbox::judge::{Prepared, Runnable};
use vibecheck_sandbox::run::Status;
use vibecheck_sandbox::{
    Checker, JudgeRequest, Lang, Limits, Program, Sandbox, SandboxConfig, TestCase, Verdict,
};

/// `sandbox/tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The source of `tests/fixtures/programs/NAME`.
pub fn program(name: &str) -> String {
    let path = fixtures().join("programs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `base` with its module cache in a fresh temp folder named after the test binary; the folder
/// (and the cache) is removed when the returned guard drops.
pub fn temp_cache(base: SandboxConfig) -> (TempDir, SandboxConfig) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("vibecheck-{}-", env!("CARGO_CRATE_NAME")))
        .tempdir()
        .expect("a temp folder for the module cache");
    let config = SandboxConfig {
        cache_dir: dir.path().to_path_buf(),
        ..base
    };
    (dir, config)
}

/// A sandbox on `config` with a fresh module cache ([`temp_cache`]). Fails the test when the
/// sandbox cannot start (the toolchain is missing: tools/setup.sh installs it).
pub fn new_sandbox(config: SandboxConfig) -> (TempDir, Sandbox) {
    let (dir, config) = temp_cache(config);
    let sb = Sandbox::new(config).expect("starting the sandbox (tools/setup.sh)");
    (dir, sb)
}

/// The test binary's one sandbox, started on first use on the configuration `config` returns
/// (every caller in a test binary passes the same one), so modules compiled by one test are
/// cached for the next.
pub fn shared_sandbox(config: impl FnOnce() -> SandboxConfig) -> &'static Sandbox {
    static S: OnceLock<(TempDir, Sandbox)> = OnceLock::new();
    &S.get_or_init(|| new_sandbox(config())).1
}

/// Compiles `source` in `sb`: the runnable module, or the compile error's text.
pub fn prepare(sb: &Sandbox, source: &str, lang: Lang) -> Result<Runnable, String> {
    let program = Program {
        source: source.to_string(),
        lang,
    };
    match sb.prepare(&program, None).expect("sandbox") {
        Prepared::Ready(r) => Ok(r),
        Prepared::CompileError(e) => Err(e),
    }
}

/// Compiles `source` in `sb` and runs it on `stdin` with the default limits: (status, stdout,
/// stderr). A compile error fails the test.
pub fn run(sb: &Sandbox, source: &str, lang: Lang, stdin: &str) -> (Status, String, String) {
    let prog = prepare(sb, source, lang).unwrap_or_else(|e| panic!("compile error:\n{e}"));
    let out = sb
        .run_program(&prog, &[], stdin.as_bytes(), Limits::DEFAULT)
        .expect("run");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Judges the C++ `source` with the custom `checker` on the one test the checker fixtures are
/// written for (`3` numbers `1 2 3`, answer `6`): (verdict, message).
pub fn judge_with_checker(sb: &Sandbox, source: &str, checker: &Path) -> (Verdict, String) {
    let req = JudgeRequest {
        source: source.to_string(),
        lang: Lang::Cpp,
        tests: vec![TestCase {
            name: "1".into(),
            input: "3\n1 2 3\n".into(),
            answer: Some("6\n".into()),
        }],
        checker: Checker::Custom(checker.to_path_buf()),
        limits: Limits::DEFAULT,
        jobs: 1,
        ..Default::default()
    };
    let report = sb.judge(&req).expect("judge");
    let t = &report.tests[0];
    (t.verdict, t.message.clone())
}
