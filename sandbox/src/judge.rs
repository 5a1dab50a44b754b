//! The judge: [`Sandbox`] compiles programs (with the module caches), runs them on tests in
//! parallel, checks outputs (built-in checkers on the host, custom checkers in the sandbox)
//! and stress-tests a solution against a brute force.
//!
//! Every stage honours the request's [`Cancel`]: compiles, tests and checker runs that it
//! stops (or that never start) are reported as `IE` with [`CANCELLED_MESSAGE`], never `AC`.

use crate::cancel::{is_cancelled_error, CANCELLED_MESSAGE};
use crate::check::check_builtin;
use crate::compile::cache::{
    DiskCache, LruMap, MODULE_DISK_CACHE_BYTES, MODULE_MEMORY_CACHE_BYTES,
};
use crate::compile::{CompileOutcome, Compiler};
use crate::run::{Guest, RunOutcome, RunSpec, Runner, Status};
use crate::{
    Cancel, Cancelled, Checker, Counterexample, JudgeReport, JudgeRequest, Lang, Limits, Program,
    SandboxConfig, StressReport, StressRequest, TestResult, TestSource, Verdict,
};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use wasmtime::Module;

/// A custom checker that does not compile: the request's fault, not ours (the server answers
/// 422 with the diagnostics; the CLI prints them and exits 2).
#[derive(Debug, thiserror::Error)]
#[error("the checker {} does not compile:\n{diagnostics}", path.display())]
pub struct CheckerCompileError {
    pub path: std::path::PathBuf,
    pub diagnostics: String,
}

/// Limits for a custom checker run: checkers read three files and compare; 10 s and 512 MB
/// cover any reasonable one, and its output is only a message.
pub const CHECKER_LIMITS: Limits = Limits {
    time_ms: 10_000,
    memory_mb: 512,
    output_bytes: 1 << 20,
};
/// Limits for checking a Python solution's syntax before running it.
const PY_SYNTAX_LIMITS: Limits = Limits {
    time_ms: 10_000,
    memory_mb: 256,
    output_bytes: 1 << 16,
};
/// Most tests run in parallel by one `judge` call.
pub const MAX_JOBS: usize = 64;
/// How much of a failing test's input, answer, stdout and stderr a report keeps (enough to see
/// what went wrong; a report over thousands of tests stays small).
pub const EXCERPT_BYTES: usize = 4 << 10;
/// How much of a passing test's stdout and stderr a report keeps.
pub const AC_EXCERPT_BYTES: usize = 256;

/// The first `cap` bytes of `bytes` as text (cut at a character boundary), with a note of how
/// much was left out.
pub fn excerpt(bytes: &[u8], cap: usize) -> String {
    if bytes.len() <= cap {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut cut = cap;
    while cut > 0 && cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    format!(
        "{}\n[… {} more bytes]",
        String::from_utf8_lossy(&bytes[..cut]),
        bytes.len() - cut
    )
}

/// Attaches to a finished test what a reader needs: the start of the solution's stdout and
/// stderr (`AC_EXCERPT_BYTES` for AC), and for any other verdict the input and the answer too.
/// Shared by the judge and the interactive judge.
pub(crate) fn attach_excerpts(
    result: &mut TestResult,
    test: &crate::TestCase,
    stdout: &[u8],
    stderr: &[u8],
) {
    let cap = if result.verdict == Verdict::AC {
        AC_EXCERPT_BYTES
    } else {
        result.input = Some(excerpt(test.input.as_bytes(), EXCERPT_BYTES));
        result.answer = test
            .answer
            .as_ref()
            .map(|a| excerpt(a.as_bytes(), EXCERPT_BYTES));
        EXCERPT_BYTES
    };
    result.stdout = Some(excerpt(stdout, cap));
    if !stderr.is_empty() {
        result.stderr = Some(excerpt(stderr, cap));
    }
}

/// A program ready to run, or its compile error.
pub enum Prepared {
    Ready(Runnable),
    CompileError(String),
}

/// A compiled program and how to start it.
#[derive(Clone)]
pub struct Runnable {
    pub(crate) guest: Guest,
    pub(crate) lang: Lang,
    /// Python only: the source, passed with `-c`.
    source: Option<String>,
}

/// Run before a Python solution that uses `threading`: WASI CPython cannot start threads, so
/// the common "big stack in a thread" idiom (`threading.stack_size(2**27)`,
/// `Thread(target=main).start()`) would be an RE. Here `stack_size` accepts and ignores the
/// request (the guest stack is already large) and a thread that cannot start runs its target
/// at once on the main thread, after which `join` returns. The solution itself is passed as
/// `argv[1]` and compiled as `solution.py`, so its tracebacks keep their line numbers.
const PY_THREADING_SHIM: &str = r#"import sys, threading
_src = sys.argv.pop(1)
sys.argv[0] = "solution.py"
_stack_size = threading.stack_size
def _vc_stack_size(size=0):
    try:
        return _stack_size(size)
    except (ValueError, RuntimeError, OSError):
        return 0
threading.stack_size = _vc_stack_size
_start = threading.Thread.start
def _vc_start(self):
    try:
        _start(self)
    except RuntimeError:
        self._started.set()
        try:
            self.run()
        finally:
            self._is_stopped = True
threading.Thread.start = _vc_start
del _vc_stack_size, _vc_start
exec(compile(_src, "solution.py", "exec"), {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "solution.py"})
"#;

impl Runnable {
    pub(crate) fn argv(&self, extra: &[String]) -> Vec<String> {
        let mut v = match self.lang {
            Lang::Python => {
                let src = self.source.clone().unwrap_or_default();
                if src.contains("threading") {
                    vec![
                        "python3".to_string(),
                        "-c".to_string(),
                        PY_THREADING_SHIM.to_string(),
                        src,
                    ]
                } else {
                    vec!["python3".to_string(), "-c".to_string(), src]
                }
            }
            Lang::C | Lang::Cpp => vec!["solution".to_string()],
        };
        v.extend_from_slice(extra);
        v
    }
}

/// The sandbox: one wasmtime engine, the compilers and the module caches. `Send + Sync`;
/// share it behind an `Arc`. Safe to call from async code's blocking sections: every guest runs
/// on its own plain thread, never on a tokio worker.
pub struct Sandbox {
    config: SandboxConfig,
    pub(crate) runner: Runner,
    compiler: OnceLock<std::result::Result<Compiler, String>>,
    python: OnceLock<std::result::Result<Guest, String>>,
    /// Compiled modules by cache key (this process), LRU by native code size.
    modules: Mutex<LruMap<Guest>>,
    engine_id: String,
}

impl Sandbox {
    /// Creates the engine and the cache directory. The C/C++ toolchain and python.wasm are
    /// checked when first needed, so a machine with only one of them still judges the other.
    pub fn new(config: SandboxConfig) -> Result<Sandbox> {
        std::fs::create_dir_all(&config.cache_dir)
            .with_context(|| format!("creating cache dir {}", config.cache_dir.display()))?;
        let runner = Runner::new()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        runner.engine().precompile_compatibility_hash().hash(&mut h);
        let engine_id = format!("{:016x}", h.finish());
        Ok(Sandbox {
            config,
            runner,
            compiler: OnceLock::new(),
            python: OnceLock::new(),
            modules: Mutex::new(LruMap::new(MODULE_MEMORY_CACHE_BYTES)),
            engine_id,
        })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    fn compiler(&self) -> Result<&Compiler> {
        self.compiler
            .get_or_init(|| Compiler::new(&self.config).map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Turns wasm bytes into a prepared guest, through the in-memory and on-disk caches of
    /// precompiled native code.
    fn guest_for(&self, key: &str, wasm: &[u8]) -> Result<Guest> {
        if let Some(g) = self.modules.lock().unwrap().get(key) {
            return Ok(g);
        }
        let disk = DiskCache::new(
            self.config.cache_dir.join("modules"),
            MODULE_DISK_CACHE_BYTES,
        );
        let name = format!("{key}-{}.cwasm", self.engine_id);
        // SAFETY: our own cache entry, written atomically below from `serialize` with an engine
        // of the same compatibility hash (part of the file name).
        let module = match disk
            .get(&name)
            .and_then(|bytes| unsafe { self.runner.deserialize(&bytes) }.ok())
        {
            Some(m) => m,
            None => {
                let m = self.runner.compile_module(wasm)?;
                if let Ok(bytes) = self.runner.serialize(&m) {
                    let _ = disk.put(&name, &bytes);
                }
                m
            }
        };
        let range = module.image_range();
        let bytes = (range.end as usize).saturating_sub(range.start as usize) as u64;
        let guest = self.runner.prepare(&module)?;
        self.modules
            .lock()
            .unwrap()
            .insert(key, guest.clone(), bytes.max(wasm.len() as u64));
        Ok(guest)
    }

    fn load_or_compile(
        &self,
        cwasm: &Path,
        wasm: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<Module> {
        if let Ok(bytes) = std::fs::read(cwasm) {
            // SAFETY: our own cache entry, written atomically by `serialize` below with an
            // engine of the same compatibility hash (part of the file name).
            if let Ok(m) = unsafe { self.runner.deserialize(&bytes) } {
                return Ok(m);
            }
        }
        let module = self.runner.compile_module(&wasm()?)?;
        if let Ok(bytes) = self.runner.serialize(&module) {
            let _ = crate::compile::write_atomic(cwasm, &bytes);
        }
        Ok(module)
    }

    /// The CPython WASI module, precompiled once and cached on disk.
    fn python(&self) -> Result<Guest> {
        self.python
            .get_or_init(|| {
                let load = || -> Result<Guest> {
                    let p = &self.config.python_wasm;
                    let meta = std::fs::metadata(p).with_context(|| {
                        format!(
                            "python.wasm not found at {} (run tools/setup.sh or set VIBECHECK_PYTHON_WASM)",
                            p.display()
                        )
                    })?;
                    let mut h = Sha256::new();
                    h.update(p.as_os_str().as_encoded_bytes());
                    h.update(
                        format!(
                            "{} {} {}",
                            crate::pyruntime::ADAPT_VERSION,
                            crate::pyruntime::PY_C_STACK_BYTES,
                            crate::pyruntime::PY_C_RECURSION_LIMIT
                        )
                        .as_bytes(),
                    );
                    h.update(meta.len().to_le_bytes());
                    if let Ok(t) = meta.modified() {
                        h.update(format!("{t:?}").as_bytes());
                    }
                    let key = crate::compile::hex(&h.finalize())[..24].to_string();
                    let cwasm = self
                        .config
                        .cache_dir
                        .join(format!("python-{key}-{}.cwasm", self.engine_id));
                    // Concurrent processes precompile once: the first holds the lock.
                    let _lock = FileLock::acquire(&self.config.cache_dir.join("python.lock"));
                    if !cwasm.exists() {
                        tracing::info!(
                            "precompiling {} (once; takes a while)",
                            p.display()
                        );
                    }
                    let module = self.load_or_compile(&cwasm, || {
                        let shipped = std::fs::read(p)
                            .with_context(|| format!("reading {}", p.display()))?;
                        // A larger C stack and C recursion limit (see `pyruntime`).
                        let (wasm, done) = crate::pyruntime::adapt_known(&shipped);
                        if !done.skipped.is_empty() {
                            tracing::warn!(
                                "{}: runs as shipped in part: {}",
                                p.display(),
                                done.skipped.join("; ")
                            );
                        }
                        Ok(wasm)
                    })?;
                    self.runner.prepare(&module)
                };
                load().map_err(|e| format!("{e:#}"))
            })
            .clone()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Compiles (or loads from cache) a program. `extra_dir`: a checker's directory.
    pub fn prepare(&self, program: &Program, extra_dir: Option<&Path>) -> Result<Prepared> {
        self.prepare_cancellable(program, extra_dir, &Cancel::default())
    }

    /// Like [`Sandbox::prepare`], stopped by `cancel` (the compiler is killed, the Python syntax
    /// check ends): `Err(`[`Cancelled`]`)` then.
    pub fn prepare_cancellable(
        &self,
        program: &Program,
        extra_dir: Option<&Path>,
        cancel: &Cancel,
    ) -> Result<Prepared> {
        cancel.check()?;
        match program.lang {
            Lang::Python => {
                let guest = self.python()?;
                let r = Runnable {
                    guest,
                    lang: Lang::Python,
                    source: Some(program.source.clone()),
                };
                // Syntax check: a SyntaxError is CE, not an RE on every test.
                let check = "import sys\ncompile(sys.stdin.read(), 'solution.py', 'exec')\n";
                let out = self.runner.run(
                    &r.guest,
                    RunSpec {
                        args: vec!["python3".into(), "-c".into(), check.into()],
                        stdin: program.source.clone().into_bytes().into(),
                        limits: PY_SYNTAX_LIMITS,
                        preopen: None,
                        cancel: cancel.clone(),
                    },
                )?;
                match out.status {
                    Status::Exited(0) => Ok(Prepared::Ready(r)),
                    Status::Cancelled => Err(Cancelled.into()),
                    Status::Exited(_) => Ok(Prepared::CompileError(
                        String::from_utf8_lossy(&out.stderr).into_owned(),
                    )),
                    other => bail!("python.wasm failed to check syntax: {other:?}"),
                }
            }
            lang => match self.compiler()?.compile_with_cancel(
                &program.source,
                lang,
                extra_dir,
                cancel,
            )? {
                CompileOutcome::Error(d) => Ok(Prepared::CompileError(d)),
                CompileOutcome::Ok { wasm, key, .. } => Ok(Prepared::Ready(Runnable {
                    guest: self.guest_for(&key, &wasm)?,
                    lang,
                    source: None,
                })),
            },
        }
    }

    /// Runs a prepared program once.
    pub fn run_program(
        &self,
        prog: &Runnable,
        args: &[String],
        stdin: &[u8],
        limits: Limits,
    ) -> Result<RunOutcome> {
        self.run_program_cancellable(prog, args, stdin, limits, &Cancel::default())
    }

    /// The limits a run of `lang` gets for a test's `limits`: Python's CPU time is scaled by
    /// the Python time factor ([`crate::PY_TIME_FACTOR`]).
    pub fn limits_for(&self, lang: Lang, limits: Limits) -> Limits {
        match lang {
            Lang::Python => Limits {
                time_ms: limits
                    .time_ms
                    .saturating_mul(self.config.python_time_factor.max(1)),
                ..limits
            },
            Lang::C | Lang::Cpp => limits,
        }
    }

    /// Like [`Sandbox::run_program`], ended by `cancel` ([`Status::Cancelled`]).
    pub fn run_program_cancellable(
        &self,
        prog: &Runnable,
        args: &[String],
        stdin: &[u8],
        limits: Limits,
        cancel: &Cancel,
    ) -> Result<RunOutcome> {
        self.runner.run(
            &prog.guest,
            RunSpec {
                args: prog.argv(args),
                stdin: stdin.to_vec().into(),
                limits: self.limits_for(prog.lang, limits),
                preopen: None,
                cancel: cancel.clone(),
            },
        )
    }

    pub(crate) fn prepare_checker(&self, path: &Path, cancel: &Cancel) -> Result<Runnable> {
        cancel.check()?;
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("reading checker {}", path.display()))?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir)?;
        let lang = Lang::from_path(path).unwrap_or(Lang::Cpp);
        match self.prepare_cancellable(&Program { source, lang }, Some(&dir), cancel)? {
            Prepared::Ready(r) => Ok(r),
            Prepared::CompileError(d) => Err(CheckerCompileError {
                path: path.to_path_buf(),
                diagnostics: d,
            }
            .into()),
        }
    }

    /// Judges a solution on every test. `Err` only for infrastructure failures (and a checker
    /// that does not compile); the solution's failures are verdicts.
    pub fn judge(&self, req: &JudgeRequest) -> Result<JudgeReport> {
        self.judge_with(req, &req.tests)
    }

    /// Like [`Sandbox::judge`], with the tests taken from `tests` one at a time (each is read
    /// when a worker picks it up, so a large test folder is never in memory at once);
    /// `req.tests` is ignored.
    ///
    /// When `req.cancel` fires, what has not run is not run: a compile in progress is killed
    /// and every test is reported `IE` "not run: cancelled…"; a running test ends as `IE`
    /// (cancelled), and the tests after it are not started. Tests that finished keep their
    /// verdicts, so the overall verdict is never `AC` for a cancelled judge.
    pub fn judge_with(&self, req: &JudgeRequest, tests: &dyn TestSource) -> Result<JudgeReport> {
        let count = tests.count();
        if count == 0 {
            bail!("no tests to judge");
        }
        let cancel = &req.cancel;
        let stopped = |e: anyhow::Error| -> Result<JudgeReport> {
            if is_cancelled_error(&e) {
                Ok(not_run_report(tests))
            } else {
                Err(e)
            }
        };
        let checker = match &req.checker {
            Checker::Custom(p) => match self.prepare_checker(p, cancel) {
                Ok(c) => Some(c),
                Err(e) => return stopped(e),
            },
            _ => None,
        };
        let program = Program {
            source: req.source.clone(),
            lang: req.lang,
        };
        let prog = match self.prepare_cancellable(&program, None, cancel) {
            Ok(Prepared::Ready(r)) => r,
            Ok(Prepared::CompileError(d)) => {
                return Ok(JudgeReport {
                    verdict: Verdict::CE,
                    compile_output: Some(d),
                    tests: vec![],
                })
            }
            Err(e) => return stopped(e),
        };
        Ok(run_tests(tests, req.jobs, cancel, |test| {
            self.judge_one(&prog, test, req, checker.as_ref())
        }))
    }

    fn judge_one(
        &self,
        prog: &Runnable,
        test: &crate::TestCase,
        req: &JudgeRequest,
        custom: Option<&Runnable>,
    ) -> TestResult {
        let (limits, cancel) = (req.limits, &req.cancel);
        let mut result = TestResult::new(test.name.clone(), Verdict::IE, String::new());
        let out =
            match self.run_program_cancellable(prog, &[], test.input.as_bytes(), limits, cancel) {
                Ok(o) => o,
                Err(e) => {
                    tracing::error!("sandbox failure on test {}: {e:#}", test.name);
                    result.message = format!("sandbox failure: {e:#}");
                    return result;
                }
            };
        result.time_ms = out.cpu_ms;
        result.memory_kib = out.memory_kib;
        let (v, m) = match run_verdict(&out, limits) {
            Some(vm) => vm,
            None => {
                let output = String::from_utf8_lossy(&out.stdout);
                match (custom, &test.answer) {
                    (Some(c), answer) => self.run_custom_checker(
                        c,
                        &test.input,
                        &output,
                        answer.as_deref().unwrap_or(""),
                        cancel,
                    ),
                    (None, Some(answer)) => check_builtin(&req.checker, &output, answer),
                    (None, None) => (
                        Verdict::AC,
                        "ran cleanly; no expected answer to compare".to_string(),
                    ),
                }
            }
        };
        result.verdict = v;
        result.message = m;
        attach_excerpts(&mut result, test, &out.stdout, &out.stderr);
        result
    }

    /// Runs a custom checker as `checker input.txt output.txt answer.txt` with only those
    /// three files visible (read-only). Exit 0 AC, 1 WA, 2 PE, 3 FAIL (IE); anything else IE.
    fn run_custom_checker(
        &self,
        checker: &Runnable,
        input: &str,
        output: &str,
        answer: &str,
        cancel: &Cancel,
    ) -> (Verdict, String) {
        let go = || -> Result<(Verdict, String)> {
            if cancel.is_cancelled() {
                return Ok((Verdict::IE, format!("not checked: {CANCELLED_MESSAGE}")));
            }
            let dir = tempfile::Builder::new()
                .prefix("vibecheck-chk-")
                .tempdir()?;
            std::fs::write(dir.path().join("input.txt"), input)?;
            std::fs::write(dir.path().join("output.txt"), output)?;
            std::fs::write(dir.path().join("answer.txt"), answer)?;
            let out = self.runner.run(
                &checker.guest,
                RunSpec {
                    args: checker.argv(&[
                        "input.txt".into(),
                        "output.txt".into(),
                        "answer.txt".into(),
                    ]),
                    stdin: Default::default(),
                    limits: CHECKER_LIMITS,
                    preopen: Some(dir.path()),
                    cancel: cancel.clone(),
                },
            )?;
            let msg = {
                let e = out.stderr_tail();
                if e.is_empty() {
                    String::from_utf8_lossy(&out.stdout).trim().to_string()
                } else {
                    e
                }
            };
            Ok(match out.status {
                Status::Exited(0) => (Verdict::AC, msg),
                Status::Exited(1) => (Verdict::WA, msg),
                Status::Exited(2) => (Verdict::PE, msg),
                Status::Exited(3) => (Verdict::IE, format!("checker FAIL: {msg}")),
                Status::Exited(c) => (Verdict::IE, format!("checker exited with code {c}: {msg}")),
                Status::Cancelled => (Verdict::IE, format!("checker stopped: {CANCELLED_MESSAGE}")),
                other => (Verdict::IE, format!("checker failed: {other:?} {msg}")),
            })
        };
        go().unwrap_or_else(|e| (Verdict::IE, format!("running the checker: {e:#}")))
    }

    /// Stress test: for iteration `i`, the generator gets `seed + i` as its argument; the
    /// solution and the brute force run on its output; the first disagreement (or solution
    /// failure) is returned. A failing generator or brute force is an `Err`: the tools are
    /// broken, not the solution. When `req.cancel` fires the run stops and is
    /// `Err(`[`Cancelled`]`)` (the iterations done so far found nothing, which proves nothing).
    pub fn stress(
        &self,
        req: &StressRequest,
        progress: &mut dyn FnMut(u64),
    ) -> Result<StressReport> {
        self.stress_with_args(req, &[], None, progress)
    }

    /// Like [`Sandbox::stress`], with `gen_args` passed to the generator after the seed
    /// (testlib generators: `gen SEED 10 1000`), and `gen_dir`, the generator's source folder,
    /// searched for headers (`#include "testlib.h"` beside the generator or one folder up, as
    /// for checkers).
    pub fn stress_with_args(
        &self,
        req: &StressRequest,
        gen_args: &[String],
        gen_dir: Option<&Path>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<StressReport> {
        let cancel = &req.cancel;
        let prep = |p: &Program, dir: Option<&Path>, what: &str| -> Result<Runnable> {
            match self.prepare_cancellable(p, dir, cancel)? {
                Prepared::Ready(r) => Ok(r),
                Prepared::CompileError(d) => bail!("the {what} does not compile:\n{d}"),
            }
        };
        let gen = prep(&req.generator, gen_dir, "generator")?;
        let brute = prep(&req.brute, None, "brute force")?;
        let sol = prep(&req.solution, None, "solution")?;
        let custom = match &req.checker {
            Checker::Custom(p) => Some(self.prepare_checker(p, cancel)?),
            _ => None,
        };
        // A run the cancel stopped says nothing about the programs: the stress run ends.
        let run = |prog: &Runnable,
                   args: &[String],
                   stdin: &[u8],
                   limits: Limits|
         -> Result<RunOutcome> {
            let out = self.run_program_cancellable(prog, args, stdin, limits, cancel)?;
            if out.status == Status::Cancelled {
                return Err(anyhow::Error::new(Cancelled));
            }
            Ok(out)
        };
        // The brute force is slow by design: give it more time than the solution.
        let brute_limits = Limits {
            time_ms: req.limits.time_ms.saturating_mul(5),
            ..req.limits
        };
        let start = Instant::now();
        let mut done = 0u64;
        let mut counterexample = None;
        while done < req.iterations {
            let seed = req.seed.wrapping_add(done);
            let mut args = vec![seed.to_string()];
            args.extend_from_slice(gen_args);
            let g = run(&gen, &args, b"", req.limits)?;
            if let Some((v, m)) = run_verdict(&g, req.limits) {
                bail!("the generator failed on seed {seed}: {v} {m}");
            }
            let input = String::from_utf8_lossy(&g.stdout).into_owned();
            let b = run(&brute, &[], input.as_bytes(), brute_limits)?;
            if let Some((v, m)) = run_verdict(&b, brute_limits) {
                bail!("the brute force failed on seed {seed}: {v} {m}\ninput:\n{input}");
            }
            let brute_output = String::from_utf8_lossy(&b.stdout).into_owned();
            let s = run(&sol, &[], input.as_bytes(), req.limits)?;
            let solution_output = String::from_utf8_lossy(&s.stdout).into_owned();
            let verdict = match run_verdict(&s, req.limits) {
                Some(vm) => Some(vm),
                None => {
                    let (v, m) = match &custom {
                        Some(c) => self.run_custom_checker(
                            c,
                            &input,
                            &solution_output,
                            &brute_output,
                            cancel,
                        ),
                        None => check_builtin(&req.checker, &solution_output, &brute_output),
                    };
                    (v != Verdict::AC).then_some((v, m))
                }
            };
            // A checker cut short is no counterexample.
            cancel.check()?;
            done += 1;
            progress(done);
            if let Some((verdict, message)) = verdict {
                counterexample = Some(Counterexample {
                    seed,
                    input,
                    solution_output,
                    brute_output,
                    verdict,
                    message,
                });
                break;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        Ok(StressReport {
            iterations: done,
            per_second: if secs > 0.0 { done as f64 / secs } else { 0.0 },
            counterexample,
        })
    }
}

/// The verdict of a run that did not end normally, with a message; `None` for a clean exit.
pub fn run_verdict(out: &RunOutcome, limits: Limits) -> Option<(Verdict, String)> {
    let tail = out.stderr_tail();
    let with_stderr = |m: String| {
        if tail.is_empty() {
            m
        } else {
            format!("{m}; stderr: {tail}")
        }
    };
    match &out.status {
        Status::Exited(0) => None,
        Status::Exited(c) => Some((Verdict::RE, with_stderr(format!("exit code {c}")))),
        Status::Trap(t) => Some((Verdict::RE, with_stderr(t.clone()))),
        Status::TimeLimit if out.time_limit_ms > limits.time_ms && limits.time_ms > 0 => Some((
            Verdict::TLE,
            format!(
                "exceeded {} ms of CPU time (sleeping counts): the {} ms limit × {} for \
                 python.wasm, which runs Python about that much slower than native CPython",
                out.time_limit_ms,
                limits.time_ms,
                out.time_limit_ms / limits.time_ms
            ),
        )),
        Status::TimeLimit => Some((
            Verdict::TLE,
            format!(
                "exceeded {} ms of CPU time (sleeping counts)",
                limits.time_ms
            ),
        )),
        Status::MemoryLimit => Some((
            Verdict::MLE,
            format!("exceeded {} MB of memory", limits.memory_mb),
        )),
        Status::OutputLimit => Some((
            Verdict::OLE,
            format!("wrote more than {} bytes to stdout", limits.output_bytes),
        )),
        Status::Cancelled => Some((Verdict::IE, format!("stopped: {CANCELLED_MESSAGE}"))),
    }
}

/// A test that was not run because the judge was cancelled.
/// Runs `one` on every test, `jobs` at a time (tests are loaded one at a time, in parallel
/// workers, results kept in test order), and makes the report: the first non-`AC` verdict
/// decides. Tests not started before `cancel` fires are `IE` "not run"; a test that cannot be
/// read is `IE` with the reason.
pub(crate) fn run_tests(
    tests: &dyn TestSource,
    jobs: usize,
    cancel: &Cancel,
    one: impl Fn(&crate::TestCase) -> TestResult + Sync,
) -> JudgeReport {
    let count = tests.count();
    let jobs = jobs.clamp(1, MAX_JOBS).min(count.max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<TestResult>>> = Mutex::new(vec![None; count]);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let r = if cancel.is_cancelled() {
                    not_run(tests.name(i))
                } else {
                    match tests.load(i) {
                        Ok(test) => one(&test),
                        Err(e) => TestResult::new(
                            tests.name(i),
                            Verdict::IE,
                            format!("reading the test: {e:#}"),
                        ),
                    }
                };
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    let tests: Vec<TestResult> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every test ran"))
        .collect();
    let verdict = tests
        .iter()
        .map(|t| t.verdict)
        .find(|v| *v != Verdict::AC)
        .unwrap_or(Verdict::AC);
    JudgeReport {
        verdict,
        compile_output: None,
        tests,
    }
}

fn not_run(name: String) -> TestResult {
    TestResult::new(name, Verdict::IE, format!("not run: {CANCELLED_MESSAGE}"))
}

/// The report of a judge cancelled before any test ran (during a compile): every test not run.
fn not_run_report(tests: &dyn TestSource) -> JudgeReport {
    JudgeReport {
        verdict: Verdict::IE,
        compile_output: None,
        tests: (0..tests.count()).map(|i| not_run(tests.name(i))).collect(),
    }
}

/// An advisory `flock` on a file, released on drop (best effort: no lock if the file cannot
/// be opened).
struct FileLock(Option<std::fs::File>);

impl FileLock {
    fn acquire(path: &Path) -> FileLock {
        use std::os::fd::AsRawFd;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ok();
        if let Some(f) = &f {
            // SAFETY: flock on a file descriptor we own.
            unsafe {
                libc::flock(f.as_raw_fd(), libc::LOCK_EX);
            }
        }
        FileLock(f)
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        if let Some(f) = &self.0 {
            // SAFETY: unlocking our own descriptor.
            unsafe {
                libc::flock(f.as_raw_fd(), libc::LOCK_UN);
            }
        }
    }
}

// The contract: a `Sandbox` is shared behind an `Arc` across threads (the server, the agent).
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sandbox>();
};
