//! Compiling C and C++ to wasm32-wasi with clang, safely.
//!
//! The compiler is a host process fed hostile source, so:
//! - a textual pre-scan rejects `#include`/`#embed`/`__has_include` of absolute paths, `..`,
//!   `/dev/*` and computed (macro) include names, before clang runs;
//! - clang runs with `-nostdinc` and only the sysroot, our own `include/` (for
//!   `<bits/stdc++.h>`), the submission's own directory and (checkers) the checker's directory on
//!   its include path, with an empty environment, a fresh temporary working directory, a wall-clock
//!   limit ([`COMPILE_TIMEOUT_MS`]), an address-space limit ([`COMPILE_MEMORY_BYTES`]) and
//!   capped output;
//! - preprocessing is a separate step whose output is checked: every file named in its line
//!   markers must lie under an allowed root, no directive may survive except line markers and
//!   pragmas, and the submission may not use inline assembly (`.incbin` could read host files).
//!   Only then is the preprocessed text compiled and linked.
//!
//! Compiled modules are cached on disk under `SandboxConfig::cache_dir`, keyed by a SHA-256 of
//! (language, flags, toolchain identity, source, headers next to a checker).

use crate::{CppStd, Lang, SandboxConfig};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall-clock limit for one compiler invocation: a real contest solution including
/// `<bits/stdc++.h>` compiles in 2–3 s on this hardware; template-recursion bombs are cut off here.
pub const COMPILE_TIMEOUT_MS: u64 = 20_000;
/// Address-space limit (RLIMIT_AS) of the compiler process: ample for clang on contest code,
/// and stops a compile bomb from exhausting host memory.
pub const COMPILE_MEMORY_BYTES: u64 = 3 << 30;
/// Largest file the compiler may write (RLIMIT_FSIZE); object files hold static arrays in full.
pub const COMPILE_FILE_BYTES: u64 = 512 << 20;
/// Largest accepted source file (Codeforces allows 64 KiB; generated code may be larger).
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// Cap on preprocessed output (a macro explosion is a compile error, not a host OOM).
pub const MAX_PREPROCESSED_BYTES: usize = 64 << 20;
/// Cap on compiler diagnostics kept for the CE report.
pub const MAX_DIAGNOSTICS_BYTES: usize = 32 << 10;
/// Shadow stack (in linear memory) of compiled programs: 256 MiB, the usual judge stack, so
/// large locals in deep recursion work. Reserved address space only: the memory verdict counts
/// touched pages (see `run`), so an unused stack costs nothing against the limit.
pub const SHADOW_STACK_BYTES: u64 = 256 << 20;

/// Our `<bits/stdc++.h>` (libc++ has none).
const BITS_STDCXX_H: &str = include_str!("../include/bits/stdc++.h");
/// Runtime support linked into every C++ program: exception stubs.
const VCRT_EXCEPTIONS_CPP: &str = include_str!("../runtime/vcrt_exceptions.cpp");
/// Runtime support linked into C++ programs when `fast_iostreams` is on: fast `cin`/`cout`.
const VCRT_IOSTREAM_CPP: &str = include_str!("../runtime/vcrt_iostream.cpp");
/// Linker flags that route `std::ios_base::sync_with_stdio` through the fast iostreams.
const VCRT_IOSTREAM_LINK_FLAGS: &[&str] = &["-Wl,--wrap=_ZNSt3__28ios_base15sync_with_stdioEb"];

/// The result of compiling: a wasm module or the compiler's diagnostics (CE).
#[derive(Debug, Clone)]
pub enum CompileOutcome {
    Ok {
        wasm: Vec<u8>,
        key: String,
        cached: bool,
    },
    Error(String),
}

/// Compiles C and C++ sources to wasm with the host's clang.
pub struct Compiler {
    config: SandboxConfig,
    /// Hash of clang's version, sysroot, our headers and runtime: part of every cache key.
    toolchain_id: String,
    resource_include: PathBuf,
    include_dir: PathBuf,
    runtime_exceptions: RuntimeObject,
    runtime_iostream: RuntimeObject,
}

type RuntimeObject = std::sync::OnceLock<std::result::Result<PathBuf, String>>;

impl Compiler {
    /// Checks the toolchain and prepares the cache directory.
    pub fn new(config: &SandboxConfig) -> Result<Compiler> {
        let version = Command::new(&config.clang)
            .arg("--version")
            .env_clear()
            .output()
            .with_context(|| {
                format!(
                    "cannot run {} (install the wasm toolchain with tools/setup.sh)",
                    config.clang.display()
                )
            })?;
        let version = String::from_utf8_lossy(&version.stdout).into_owned();
        let resource = Command::new(&config.clang)
            .arg("-print-resource-dir")
            .env_clear()
            .output()
            .context("clang -print-resource-dir")?;
        let resource_dir = PathBuf::from(String::from_utf8_lossy(&resource.stdout).trim());
        let libcxx = config.sysroot.join("include/wasm32-wasi/c++/v1/iostream");
        if !libcxx.exists() {
            bail!(
                "libc++ for wasm32-wasi not found at {} (run tools/setup.sh)",
                libcxx.display()
            );
        }
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update(config.sysroot.as_os_str().as_encoded_bytes());
        h.update(BITS_STDCXX_H.as_bytes());
        h.update(VCRT_EXCEPTIONS_CPP.as_bytes());
        h.update(VCRT_IOSTREAM_CPP.as_bytes());
        h.update(VCRT_IOSTREAM_LINK_FLAGS.join(" ").as_bytes());
        h.update(SHADOW_STACK_BYTES.to_le_bytes());
        let toolchain_id = hex(&h.finalize())[..16].to_string();
        let include_dir = config.cache_dir.join(format!("include-{toolchain_id}"));
        let header = include_dir.join("bits/stdc++.h");
        if std::fs::read_to_string(&header).ok().as_deref() != Some(BITS_STDCXX_H) {
            std::fs::create_dir_all(header.parent().unwrap())
                .with_context(|| format!("creating {}", include_dir.display()))?;
            write_atomic(&header, BITS_STDCXX_H.as_bytes())?;
        }
        Ok(Compiler {
            config: config.clone(),
            toolchain_id,
            resource_include: resource_dir.join("include"),
            include_dir,
            runtime_exceptions: RuntimeObject::new(),
            runtime_iostream: RuntimeObject::new(),
        })
    }

    /// Identity of the toolchain (goes into cache keys).
    pub fn toolchain_id(&self) -> &str {
        &self.toolchain_id
    }

    fn std_flag(&self, lang: Lang) -> &'static str {
        match (lang, self.config.cpp_std) {
            (Lang::C, _) => "-std=c17",
            (_, CppStd::Cpp17) => "-std=c++17",
            (_, CppStd::Cpp20) => "-std=c++20",
        }
    }

    /// Compiles `source`; `extra_dir` (a custom checker's directory) is added to the quote
    /// include path. `Err` only for infrastructure failures.
    pub fn compile(
        &self,
        source: &str,
        lang: Lang,
        extra_dir: Option<&Path>,
    ) -> Result<CompileOutcome> {
        assert!(lang != Lang::Python, "Python is not compiled");
        if source.len() > MAX_SOURCE_BYTES {
            return Ok(CompileOutcome::Error(format!(
                "source is {} bytes; the sandbox accepts at most {MAX_SOURCE_BYTES}",
                source.len()
            )));
        }
        let key = self.cache_key(source, lang, extra_dir);
        let cached = self
            .config
            .cache_dir
            .join("modules")
            .join(format!("{key}.wasm"));
        if let Ok(wasm) = std::fs::read(&cached) {
            return Ok(CompileOutcome::Ok {
                wasm,
                key,
                cached: true,
            });
        }
        if let Err(msg) = prescan(source) {
            return Ok(CompileOutcome::Error(msg));
        }
        let work = tempfile::Builder::new()
            .prefix("vibecheck-cc-")
            .tempdir()
            .context("creating a compile directory")?;
        let src_name = if lang == Lang::C {
            "solution.c"
        } else {
            "solution.cpp"
        };
        let src_path = work.path().join(src_name);
        std::fs::write(&src_path, source)?;

        // Step 1: preprocess with a locked-down include path.
        let mut roots: Vec<PathBuf> = vec![
            self.include_dir.clone(),
            self.resource_include.clone(),
            self.config.sysroot.join("include/wasm32-wasi"),
            work.path().to_path_buf(),
        ];
        let mut pp = self.clang_cmd(work.path());
        pp.args([
            "--target=wasm32-wasi",
            "-E",
            "-nostdinc",
            self.std_flag(lang),
        ]);
        pp.arg("-isystem").arg(&self.include_dir);
        if lang == Lang::Cpp {
            pp.arg("-isystem")
                .arg(self.config.sysroot.join("include/wasm32-wasi/c++/v1"));
            roots.push(self.config.sysroot.join("include/wasm32-wasi/c++/v1"));
        }
        pp.arg("-isystem").arg(&self.resource_include);
        pp.arg("-isystem")
            .arg(self.config.sysroot.join("include/wasm32-wasi"));
        pp.arg("-iquote").arg(work.path());
        if let Some(d) = extra_dir {
            pp.arg("-iquote").arg(d);
            roots.push(d.to_path_buf());
        }
        pp.args(["-DONLINE_JUDGE", "-D__VIBECHECK__"]);
        pp.arg(&src_path);
        let out = run_bounded(pp, self.config.compile_timeout_ms, MAX_PREPROCESSED_BYTES)?;
        let roots: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .collect();
        // Check what was read before showing anything (even diagnostics) to the user.
        if let Err(msg) = check_preprocessed(&out.stdout, &roots) {
            return Ok(CompileOutcome::Error(msg));
        }
        if out.timed_out {
            return Ok(CompileOutcome::Error(format!(
                "preprocessing exceeded the compile time limit of {} ms",
                self.config.compile_timeout_ms
            )));
        }
        if out.truncated {
            return Ok(CompileOutcome::Error(format!(
                "preprocessed source exceeds {} MiB",
                MAX_PREPROCESSED_BYTES >> 20
            )));
        }
        if !out.success {
            return Ok(CompileOutcome::Error(clean_diagnostics(
                &out.stderr,
                work.path(),
            )));
        }
        let pp_name = if lang == Lang::C {
            "solution.i"
        } else {
            "solution.ii"
        };
        let pp_path = work.path().join(pp_name);
        std::fs::write(&pp_path, &out.stdout)?;

        // Step 2: compile the checked preprocessed text and link.
        let wasm_path = work.path().join("solution.wasm");
        let mut cc = self.clang_cmd(work.path());
        if lang == Lang::Cpp {
            cc.arg("--driver-mode=g++");
        }
        cc.args([
            "--target=wasm32-wasi",
            "-nostdinc",
            "-O2",
            self.std_flag(lang),
        ]);
        cc.args(["-fno-color-diagnostics", "-ferror-limit=20", "-s"]);
        cc.arg(format!("--sysroot={}", self.config.sysroot.display()));
        cc.arg(format!(
            "-L{}",
            self.config.sysroot.join("lib/wasm32-wasi").display()
        ));
        cc.arg(format!("-Wl,-z,stack-size={SHADOW_STACK_BYTES}"));
        cc.arg("-Wl,--stack-first");
        cc.arg(&pp_path);
        if lang == Lang::Cpp {
            cc.arg(self.runtime_object(
                &self.runtime_exceptions,
                "exceptions",
                VCRT_EXCEPTIONS_CPP,
            )?);
            if self.config.fast_iostreams {
                cc.arg(self.runtime_object(
                    &self.runtime_iostream,
                    "iostream",
                    VCRT_IOSTREAM_CPP,
                )?);
                cc.args(VCRT_IOSTREAM_LINK_FLAGS);
            }
        } else {
            cc.arg("-lm");
        }
        cc.arg("-o").arg(&wasm_path);
        let out = run_bounded(cc, self.config.compile_timeout_ms, MAX_DIAGNOSTICS_BYTES)?;
        if out.timed_out {
            return Ok(CompileOutcome::Error(format!(
                "compilation exceeded the time limit of {} ms",
                self.config.compile_timeout_ms
            )));
        }
        if !out.success {
            let d = clean_diagnostics(&out.stderr, work.path());
            let crashed = d.contains("Stack dump") || out.status.contains("signal");
            if crashed || d.trim().is_empty() {
                // Resource limits hit (clang writes static arrays out in full for wasm).
                return Ok(CompileOutcome::Error(format!(
                    "the compiler exceeded its limits ({} MiB of address space, {} MiB per output \
                     file; {}); very large static arrays are written out in full for wasm",
                    COMPILE_MEMORY_BYTES >> 20,
                    COMPILE_FILE_BYTES >> 20,
                    out.status
                )));
            }
            return Ok(CompileOutcome::Error(d));
        }
        let wasm = std::fs::read(&wasm_path).context("reading the compiled module")?;
        std::fs::create_dir_all(cached.parent().unwrap())?;
        write_atomic(&cached, &wasm)?;
        Ok(CompileOutcome::Ok {
            wasm,
            key,
            cached: false,
        })
    }

    fn cache_key(&self, source: &str, lang: Lang, extra_dir: Option<&Path>) -> String {
        let mut h = Sha256::new();
        h.update(self.toolchain_id.as_bytes());
        h.update(
            format!(
                "{lang:?} {} {}",
                self.std_flag(lang),
                self.config.fast_iostreams
            )
            .as_bytes(),
        );
        h.update((source.len() as u64).to_le_bytes());
        h.update(source.as_bytes());
        if let Some(d) = extra_dir {
            // Headers beside a checker (testlib.h) change the result too.
            let mut files: Vec<PathBuf> = std::fs::read_dir(d)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.sort();
            for f in files {
                let is_header = matches!(
                    f.extension().and_then(|e| e.to_str()),
                    Some("h" | "hpp" | "hh" | "hxx" | "inc")
                );
                if is_header {
                    if let Ok(bytes) = std::fs::read(&f) {
                        h.update(f.as_os_str().as_encoded_bytes());
                        h.update(&bytes);
                    }
                }
            }
        }
        hex(&h.finalize())[..32].to_string()
    }

    fn clang_cmd(&self, cwd: &Path) -> Command {
        let mut c = Command::new(&self.config.clang);
        c.current_dir(cwd)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TMPDIR", cwd)
            .env("LC_ALL", "C");
        c
    }

    /// A compiled runtime support object (built once per toolchain, cached on disk).
    fn runtime_object(&self, slot: &RuntimeObject, name: &str, source: &str) -> Result<PathBuf> {
        let r = slot.get_or_init(|| {
            let path = self
                .config
                .cache_dir
                .join(format!("vcrt-{name}-{}.o", self.toolchain_id));
            if path.exists() {
                return Ok(path);
            }
            let build = || -> Result<PathBuf> {
                let work = tempfile::Builder::new().prefix("vibecheck-rt-").tempdir()?;
                let src = work.path().join("vcrt.cpp");
                std::fs::write(&src, source)?;
                let obj = work.path().join("vcrt.o");
                let mut c = self.clang_cmd(work.path());
                c.args([
                    "--driver-mode=g++",
                    "--target=wasm32-wasi",
                    "-O2",
                    "-std=c++17",
                    "-c",
                ]);
                c.arg(format!("--sysroot={}", self.config.sysroot.display()));
                c.arg(&src).arg("-o").arg(&obj);
                let out = run_bounded(c, COMPILE_TIMEOUT_MS, MAX_DIAGNOSTICS_BYTES)?;
                if !out.success {
                    bail!(
                        "building the sandbox runtime failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                std::fs::create_dir_all(&self.config.cache_dir)?;
                write_atomic(&path, &std::fs::read(&obj)?)?;
                Ok(path.clone())
            };
            build().map_err(|e| format!("{e:#}"))
        });
        r.clone().map_err(|e| anyhow::anyhow!(e))
    }
}

/// Output of a bounded child process.
struct Bounded {
    success: bool,
    status: String,
    timed_out: bool,
    truncated: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `cmd` in its own process group with resource limits, a wall-clock deadline and capped
/// stdout (stderr is capped at [`MAX_DIAGNOSTICS_BYTES`]).
fn run_bounded(mut cmd: Command, timeout_ms: u64, stdout_cap: usize) -> Result<Bounded> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_secs = timeout_ms / 1000 + 2;
    // SAFETY: only async-signal-safe libc calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::setsid();
            let lim = |res, v: u64| {
                let r = libc::rlimit {
                    rlim_cur: v as libc::rlim_t,
                    rlim_max: v as libc::rlim_t,
                };
                libc::setrlimit(res, &r);
            };
            lim(libc::RLIMIT_AS, COMPILE_MEMORY_BYTES);
            lim(libc::RLIMIT_CPU, cpu_secs);
            lim(libc::RLIMIT_FSIZE, COMPILE_FILE_BYTES);
            lim(libc::RLIMIT_CORE, 0);
            Ok(())
        });
    }
    let mut child = cmd.spawn().context("starting clang")?;
    let pid = child.id() as i32;
    let reader = |mut r: Box<dyn Read + Send>, cap: usize| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            let mut truncated = false;
            loop {
                match r.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if buf.len() + n > cap {
                            truncated = true;
                            let room = cap.saturating_sub(buf.len());
                            buf.extend_from_slice(&chunk[..room]);
                        } else {
                            buf.extend_from_slice(&chunk[..n]);
                        }
                    }
                }
            }
            (buf, truncated)
        })
    };
    let out_t = reader(Box::new(child.stdout.take().unwrap()), stdout_cap);
    let err_t = reader(
        Box::new(child.stderr.take().unwrap()),
        MAX_DIAGNOSTICS_BYTES,
    );
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            // SAFETY: signalling the process group we created with setsid.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Kill stragglers of the group (e.g. a linker) so the pipes close.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let (stdout, truncated) = out_t.join().unwrap_or_default();
    let (stderr, _) = err_t.join().unwrap_or_default();
    Ok(Bounded {
        success: status.success() && !timed_out,
        status: status.to_string(),
        timed_out,
        truncated,
        stdout,
        stderr,
    })
}

/// Rewrites temporary paths in diagnostics to the file's plain name.
fn clean_diagnostics(stderr: &[u8], work: &Path) -> String {
    let s = String::from_utf8_lossy(stderr);
    let w = work.display().to_string();
    let mut s = s.replace(&format!("{w}/"), "").replace(&w, ".");
    if stderr.len() >= MAX_DIAGNOSTICS_BYTES {
        s.push_str("\n[diagnostics truncated]");
    }
    s
}

/// Source-level checks before clang sees the text. Returns the CE message on rejection.
pub fn prescan(source: &str) -> std::result::Result<(), String> {
    if source.contains('\0') {
        return Err("source contains a NUL byte".into());
    }
    // Trigraphs are live in strict ISO C modes: `??=` is `#`, `??/` is a backslash.
    let source = source.replace("??=", "#").replace("??/", "\\");
    let text = strip_comments(&join_continuations(&source));
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let lineno = i + 1;
        // Directive lines: `#` then a name.
        if let Some(rest) = t.strip_prefix('#').or_else(|| t.strip_prefix("%:")) {
            let rest = rest.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let arg = rest[name.len()..].trim();
            match name.as_str() {
                "include" | "include_next" | "import" | "embed" => {
                    check_header_name(arg)
                        .map_err(|e| format!("line {lineno}: #{name} {arg}: {e}"))?;
                }
                "line" => {
                    return Err(format!(
                        "line {lineno}: #line is not allowed in the sandbox"
                    ));
                }
                n if n.starts_with(|c: char| c.is_ascii_digit()) => {
                    return Err(format!(
                        "line {lineno}: line markers are not allowed in the sandbox"
                    ));
                }
                "pragma" => {
                    let lower = arg.to_ascii_lowercase();
                    if lower.contains("dependency")
                        || lower.contains("include")
                        || lower.contains("embed")
                    {
                        return Err(format!(
                            "line {lineno}: #pragma {arg}: not allowed in the sandbox"
                        ));
                    }
                }
                _ => {}
            }
        }
        for needle in ["__has_include", "__has_embed", "__has_include_next"] {
            let mut from = 0;
            while let Some(pos) = line[from..].find(needle) {
                let after = line[from + pos + needle.len()..].trim_start();
                if let Some(inner) = after.strip_prefix('(') {
                    let end = inner.find(')').unwrap_or(inner.len());
                    check_header_name(inner[..end].trim())
                        .map_err(|e| format!("line {lineno}: {needle}: {e}"))?;
                }
                from += pos + needle.len();
            }
        }
    }
    Ok(())
}

/// Accepts `<name>` or `"name"` whose name is relative, without `..` or backslashes.
fn check_header_name(arg: &str) -> std::result::Result<(), String> {
    let name = if let Some(r) = arg.strip_prefix('<') {
        r.split('>').next().unwrap_or("")
    } else if let Some(r) = arg.strip_prefix('"') {
        r.split('"').next().unwrap_or("")
    } else {
        return Err("computed include names are not allowed in the sandbox".into());
    };
    if name.starts_with('/') || name.contains("..") || name.contains('\\') || name.starts_with('~')
    {
        return Err(format!(
            "only the standard library and the submission's own files may be included, not `{name}`"
        ));
    }
    if name.starts_with("dev/") || name.starts_with("proc/") || name.starts_with("sys/fs") {
        return Err(format!("`{name}` may not be included"));
    }
    Ok(())
}

fn join_continuations(s: &str) -> String {
    s.replace("\\\r\n", "").replace("\\\n", "")
}

/// Removes `//` and `/* */` comments (keeping string and character literals intact).
fn strip_comments(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                out.push(b' ');
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        out.push(b'\n');
                    }
                    i += 1;
                }
                i += 2;
            }
            q @ (b'"' | b'\'') => {
                out.push(q);
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        out.push(b[i]);
                        i += 1;
                    }
                    out.push(b[i]);
                    i += 1;
                }
                if i < b.len() && b[i] == q {
                    out.push(q);
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks clang's preprocessed output: every file in a line marker lies under an allowed root,
/// only line markers and pragmas remain as directives, and there is no inline assembly (the
/// sysroot headers have none; `#line` is rejected by [`prescan`], so markers are genuine).
fn check_preprocessed(text: &[u8], roots: &[PathBuf]) -> std::result::Result<(), String> {
    let text = String::from_utf8_lossy(text);
    let mut seen: HashSet<String> = HashSet::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            if rest.starts_with(|c: char| c.is_ascii_digit()) || rest.starts_with("line ") {
                let Some(q1) = rest.find('"') else { continue };
                let Some(q2) = rest[q1 + 1..].rfind('"') else {
                    continue;
                };
                let file = rest[q1 + 1..q1 + 1 + q2].replace("\\\\", "\\");
                if file.starts_with('<') && file.ends_with('>') {
                    continue; // <built-in>, <command line>
                }
                if seen.insert(file.clone()) {
                    let p = std::fs::canonicalize(&file).map_err(|_| {
                        format!("the preprocessor read `{file}`, which the sandbox does not allow")
                    })?;
                    if !roots.iter().any(|r| p.starts_with(r)) {
                        return Err(format!(
                            "only the standard library and the submission's own files may be included, not `{file}`"
                        ));
                    }
                }
                continue;
            }
            if rest.starts_with("pragma") {
                let lower = rest.to_ascii_lowercase();
                if lower.contains("dependency") || lower.contains("include") {
                    return Err("this #pragma is not allowed in the sandbox".into());
                }
                continue;
            }
            if rest.is_empty() {
                continue;
            }
            return Err(format!(
                "a preprocessor directive was produced by macro expansion: `{}`",
                t.chars().take(80).collect::<String>()
            ));
        }
        if has_asm_keyword(line) {
            return Err("inline assembly is not allowed in the sandbox".into());
        }
    }
    Ok(())
}

/// Whether `line` contains the identifier `asm`, `__asm` or `__asm__` outside literals.
fn has_asm_keyword(line: &str) -> bool {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            if matches!(&line[start..i], "asm" | "__asm" | "__asm__") {
                return true;
            }
            continue;
        }
        i += 1;
    }
    false
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file through a temporary name and a rename, so readers never see half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prescan_rejects_host_paths() {
        assert!(prescan("#include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#  include </dev/zero>\n").is_err());
        assert!(prescan("#include \"../secret.h\"\n").is_err());
        assert!(prescan("#/**/include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#inc\\\nlude \"/etc/passwd\"\n").is_err());
        assert!(prescan("#define F \"/etc/passwd\"\n#include F\n").is_err());
        assert!(prescan("#if __has_include(\"/etc/shadow\")\n#endif\n").is_err());
        assert!(prescan("#embed \"/etc/passwd\"\n").is_err());
        assert!(prescan("??=include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#line 1 \"/usr/include/stdio.h\"\n").is_err());
        assert!(prescan("#pragma GCC dependency \"/etc/passwd\"\n").is_err());
    }

    #[test]
    fn prescan_accepts_contest_code() {
        let src = "#include <bits/stdc++.h>\n#include \"mine.h\"\n#pragma GCC optimize(\"O3\")\n// #include \"/etc/passwd\"\nint main(){ const char* s = \"#include </etc/x>\"; }\n";
        assert_eq!(prescan(src), Ok(()));
    }

    #[test]
    fn asm_keyword_detection() {
        assert!(has_asm_keyword("asm(\".incbin\");"));
        assert!(has_asm_keyword("  __asm__ volatile(\"\")"));
        assert!(!has_asm_keyword("int plasma = 1; const char* s = \"asm\";"));
    }
}
