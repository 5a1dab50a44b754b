//! Compiling C and C++ to wasm32-wasi with clang, safely.
//!
//! The compiler is a host process fed hostile source. Each layer holds on its own:
//! - [`scan::prescan`] rejects, before clang runs, `#include` of absolute paths, `..`, `/dev/*`
//!   and computed (macro) names, `#embed`, `#include_next`, `#import`, `#line`, line markers and
//!   file-reading pragmas — in the source and in every header it brings along
//!   ([`includes`]: testlib.h and friends are copied into the compile directory, so clang never
//!   reads the user's folders);
//! - clang runs with `-nostdinc`, trigraphs and digraphs off, and only the sysroot, our bundled
//!   headers (`include/`: `<bits/stdc++.h>`, a `<fstream>` that works, the libstdc++ shims for
//!   [`pbds`]), libstdc++'s pb_ds headers when installed and the compile directory on its
//!   include path, with an empty environment, a wall-clock limit
//!   ([`COMPILE_TIMEOUT_MS`]), an address-space limit ([`COMPILE_MEMORY_BYTES`]) and capped
//!   output;
//! - preprocessing is a separate step whose output [`scan::check_preprocessed`] lexes before
//!   anything is compiled or shown: every line marker names a file under an allowed root, no
//!   directive is left but markers and harmless pragmas, no inline assembly. With trigraphs and
//!   digraphs off, no macro can build a directive that the second clang run would execute;
//! - [`confine`]: the kernel (Landlock) lets clang and wasm-ld read only the toolchain, the
//!   sysroot and our headers and write only their own temporary directory — whatever the text
//!   checks miss, `/etc/passwd` stays unreadable.
//!
//! C++ exceptions: with the toolchain of `tools/setup-eh.sh` (clang 22 and a libc++/libc++abi/
//! libunwind built with `-fwasm-exceptions`, found by [`default_toolchain`]), programs are compiled
//! with WebAssembly exception handling (the standard exnref encoding that wasmtime runs), so
//! `try`/`catch` work. Only programs whose own text has a `try` or `catch` token get those flags;
//! the others (most contest code) are compiled without wasm exception handling and stay as fast
//! as before, while their throws still end the program with the exception's type and `what()`
//! (see [`NO_HANDLER_COMPILE_FLAGS`]). Without it (Debian's clang-19 and libc++, built without exceptions) every
//! `throw` ends the program through the stubs in `runtime/vcrt_exceptions.cpp`.
//!
//! Compiled modules are cached on disk under `SandboxConfig::cache_dir/modules` ([`cache`]:
//! LRU by bytes), keyed by a SHA-256 of (toolchain identity, language, flags, source, headers
//! taken along).

pub mod cache;
mod confine;
pub mod includes;
pub mod pbds;
mod scan;

pub use confine::{abi_version as landlock_abi, UNCONFINED_ENV};
use scan::check_preprocessed;
pub use scan::prescan;

use crate::{Cancel, Cancelled, CppStd, Lang, SandboxConfig};
use anyhow::{bail, Context, Result};
use cache::{DiskCache, MODULE_DISK_CACHE_BYTES};
use includes::Companion;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
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
/// Bumped whenever the compile policy changes what a source may produce, so modules cached
/// under an older policy (perhaps built from a since-closed hole) are never served again.
const COMPILE_POLICY_VERSION: u32 = 2;

/// Where `tools/setup-eh.sh` installs the exception-handling toolchain, under the data directory
/// (`$VIBECHECK_DATA_DIR`, else `$XDG_DATA_HOME/vibecheck`, else `~/.local/share/vibecheck`).
pub const EH_TOOLCHAIN_DIR: &str = "wasm-eh";
/// Written by `tools/setup-eh.sh` into the sysroot it builds: this sysroot's C++ runtime
/// supports exceptions, so programs are compiled with [`EH_COMPILE_FLAGS`] and [`EH_LINK_LIBS`].
pub const EH_SYSROOT_MARKER: &str = "vibecheck-wasm-eh";
/// Env var: `0` turns the exception-handling toolchain off even when installed.
pub const EH_ENV: &str = "VIBECHECK_CXX_EXCEPTIONS";
/// Compile flags (both clang runs) with an exception-handling sysroot: wasm exceptions in the
/// standard encoding (exnref, `try_table`); clang 22 still emits the legacy one by default, which
/// wasmtime does not run.
const EH_COMPILE_FLAGS: &[&str] = &["-fwasm-exceptions", "-mllvm", "-wasm-use-legacy-eh=false"];
/// Compile flags (both clang runs) with an exception-handling sysroot for a C++ program whose own
/// text cannot catch (no `try`/`catch`, see [`scan::may_catch_exceptions`]): none, i.e. C++
/// exceptions on but no wasm exception handling, so clang lowers every potentially-throwing call
/// to a plain call (no `try_table` regions). `throw`, `.at()` and `std::stoi` still throw real
/// wasm exceptions (`__cxa_throw` is in the EH-built libc++abi); they pass through the program's
/// frames to `vcrt_eh_main.cpp` and end as RE with the type and `what()`, like g++ (which does not
/// unwind either when nothing catches). Measured (notes/ehpick.md): `-fwasm-exceptions` alone
/// made a 10^8-step DP loop 1.76x slower; `-fno-exceptions` is as fast but turns `throw` into a
/// compile error and `.at()` into an abort without the exception's type.
const NO_HANDLER_COMPILE_FLAGS: &[&str] = &[];
/// Extra libraries with an exception-handling sysroot (`_Unwind_RaiseException` and the
/// `__cpp_exception` tag; clang links libc++ and libc++abi itself).
const EH_LINK_LIBS: &[&str] = &["-lunwind"];

/// The default `(clang, sysroot)`: the exception-handling toolchain of `tools/setup-eh.sh` when it
/// is installed (and not turned off with [`EH_ENV`]`=0`), else Debian's `clang-19` and `/usr`
/// (programs build, but a `throw` cannot be caught). `VIBECHECK_CLANG` names another clang for
/// Debian's sysroot.
pub fn default_toolchain() -> (PathBuf, PathBuf) {
    if let Some(clang) = std::env::var_os("VIBECHECK_CLANG") {
        return (PathBuf::from(clang), PathBuf::from("/usr"));
    }
    if std::env::var(EH_ENV).as_deref() != Ok("0") {
        if let Some(eh) = eh_toolchain_dir() {
            if eh.join("sysroot").join(EH_SYSROOT_MARKER).is_file() {
                return (eh.join("bin/clang"), eh.join("sysroot"));
            }
        }
    }
    (PathBuf::from("clang-19"), PathBuf::from("/usr"))
}

/// The directory `tools/setup-eh.sh` installs into (it may not exist).
pub fn eh_toolchain_dir() -> Option<PathBuf> {
    let data = match std::env::var_os("VIBECHECK_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("XDG_DATA_HOME") {
            Some(x) => PathBuf::from(x).join("vibecheck"),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".local/share/vibecheck"),
        },
    };
    Some(data.join(EH_TOOLCHAIN_DIR))
}

/// Headers we ship (installed under the cache dir, first on the system include path):
/// `<bits/stdc++.h>` (libc++ has none; with libstdc++'s GNU helpers `__gcd`, `__lg`) and
/// `<fstream>` (Debian builds wasm32 libc++ without its filesystem part, which hides
/// `std::fstream`; the wrapper turns the header-only file streams back on).
const BUNDLED_HEADERS: &[(&str, &str)] = &[
    ("bits/stdc++.h", include_str!("../../include/bits/stdc++.h")),
    // `<bits/stdc++.h>` plus the pb_ds headers (KACTL's HashMap includes it).
    ("bits/extc++.h", include_str!("../../include/bits/extc++.h")),
    ("fstream", include_str!("../../include/fstream")),
    // `std::thread` that runs its function at once (the "bigger stack in a thread" idiom).
    ("thread", include_str!("../../include/thread")),
    // The libstdc++ internals that the GNU pb_ds headers need (see [`pbds`]).
    (
        "bits/c++config.h",
        include_str!("../../include/bits/c++config.h"),
    ),
    (
        "bits/cpp_type_traits.h",
        include_str!("../../include/bits/cpp_type_traits.h"),
    ),
    ("debug/debug.h", include_str!("../../include/debug/debug.h")),
    (
        "tr1/type_traits",
        include_str!("../../include/tr1/type_traits"),
    ),
    (
        "tr1/functional",
        include_str!("../../include/tr1/functional"),
    ),
];

/// A runtime support source linked into programs (compiled once per toolchain).
struct RuntimeSource {
    name: &'static str,
    lang: Lang,
    text: &'static str,
}

/// Runtime support for every C and C++ program: the stack-protector symbols that Debian's
/// compiler-rt builtins reference (`__int128` division).
const VCRT_C: RuntimeSource = RuntimeSource {
    name: "c",
    lang: Lang::C,
    text: include_str!("../../runtime/vcrt_c.c"),
};
/// Runtime support for every C++ program: exception stubs.
const VCRT_EXCEPTIONS: RuntimeSource = RuntimeSource {
    name: "exceptions",
    lang: Lang::Cpp,
    text: include_str!("../../runtime/vcrt_exceptions.cpp"),
};
/// Runtime support for C++ programs built with exceptions: an exception escaping `main` reaches
/// `std::terminate` (type and `what()` on stderr) instead of leaving `_start` as a bare wasm
/// exception.
const VCRT_EH_MAIN: RuntimeSource = RuntimeSource {
    name: "eh-main",
    lang: Lang::Cpp,
    text: include_str!("../../runtime/vcrt_eh_main.cpp"),
};
/// Linker flags that route wasi-libc's call of `main` through [`VCRT_EH_MAIN`].
const VCRT_EH_MAIN_LINK_FLAGS: &[&str] = &["-Wl,--wrap=__original_main"];
/// Runtime support linked into C++ programs when `fast_iostreams` is on: fast `cin`/`cout`.
const VCRT_IOSTREAM: RuntimeSource = RuntimeSource {
    name: "iostream",
    lang: Lang::Cpp,
    text: include_str!("../../runtime/vcrt_iostream.cpp"),
};
/// Flags for both clang runs: no trigraphs and no digraphs, so a `#` spelled `??=` or `%:` (which
/// a macro can produce) never starts a directive, and only a literal `#` does (see
/// [`scan::check_preprocessed`]). Contest code does not use either spelling.
const NO_ALTERNATIVE_SPELLINGS: &[&str] = &["-fno-trigraphs", "-fno-digraphs"];
/// Libraries linked into every program: wasi-libc's `printf`/`scanf` with `long double`
/// (`%Lf`; without it wasi-libc prints nothing for it) and libm.
const LINK_LIBS: &[&str] = &[
    "-lc-printscan-long-double",
    "-lm",
    "-lwasi-emulated-process-clocks",
    "-lwasi-emulated-getpid",
    "-lwasi-emulated-signal",
];
/// wasi-libc's emulations of calls contest code makes that WASI lacks (linked by
/// [`LINK_LIBS`]): `clock()` and `times()` from the monotonic clock (time-bounded heuristics
/// loop on `clock() < 1.9 * CLOCKS_PER_SEC`), `getpid()` (seeds), `signal()`/`raise()`
/// (`<csignal>`). Without them such programs were a CE.
const WASI_EMULATION_DEFINES: &[&str] = &[
    "-D_WASI_EMULATED_PROCESS_CLOCKS",
    "-D_WASI_EMULATED_GETPID",
    "-D_WASI_EMULATED_SIGNAL",
];
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
    /// libstdc++'s pb_ds headers (`None`: not installed; see [`pbds`]).
    pbds: Option<pbds::Pbds>,
    runtime_c: RuntimeObject,
    runtime_exceptions: RuntimeObject,
    runtime_iostream: RuntimeObject,
    runtime_eh_main: RuntimeObject,
    /// The sysroot's C++ runtime supports exceptions ([`EH_SYSROOT_MARKER`]).
    exceptions: bool,
    /// Target triple: clang 22 (the exception-handling toolchain) calls WASI preview 1
    /// `wasm32-wasip1`; Debian's layout only finds its headers as `wasm32-wasi`.
    target: &'static str,
    /// What the clang and wasm-ld processes may read and write (Landlock).
    policy: confine::Policy,
    /// Compiled `.wasm` modules on disk.
    disk: DiskCache,
}

type RuntimeObject = std::sync::OnceLock<std::result::Result<PathBuf, String>>;

impl Compiler {
    /// Checks the toolchain, installs our headers under the cache directory and fixes the
    /// Landlock policy (an error when the kernel cannot confine clang; see [`confine`]).
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
        let exceptions = config.sysroot.join(EH_SYSROOT_MARKER).is_file();
        if !exceptions {
            static WARN: std::sync::Once = std::sync::Once::new();
            WARN.call_once(|| {
                tracing::warn!(
                    "C++ exceptions cannot be caught with {} (a throw ends the program): run \
                     tools/setup-eh.sh to install the exception-handling toolchain",
                    config.clang.display()
                )
            });
        }
        let target = if exceptions {
            "--target=wasm32-wasip1"
        } else {
            "--target=wasm32-wasi"
        };
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update(target.as_bytes());
        if exceptions {
            // The marker holds setup-eh's recipe stamp: a rebuilt runtime invalidates the cache.
            h.update(std::fs::read(config.sysroot.join(EH_SYSROOT_MARKER)).unwrap_or_default());
            h.update(EH_COMPILE_FLAGS.join(" ").as_bytes());
            h.update(EH_LINK_LIBS.join(" ").as_bytes());
            h.update(VCRT_EH_MAIN.text.as_bytes());
            h.update(VCRT_EH_MAIN_LINK_FLAGS.join(" ").as_bytes());
        }
        h.update(config.sysroot.as_os_str().as_encoded_bytes());
        for (name, text) in BUNDLED_HEADERS {
            h.update(name.as_bytes());
            h.update(text.as_bytes());
        }
        for rt in [&VCRT_C, &VCRT_EXCEPTIONS, &VCRT_IOSTREAM] {
            h.update(rt.text.as_bytes());
        }
        h.update(VCRT_IOSTREAM_LINK_FLAGS.join(" ").as_bytes());
        h.update(NO_ALTERNATIVE_SPELLINGS.join(" ").as_bytes());
        h.update(LINK_LIBS.join(" ").as_bytes());
        h.update(SHADOW_STACK_BYTES.to_le_bytes());
        h.update(COMPILE_POLICY_VERSION.to_le_bytes());
        let pbds = pbds::find(&config.pbds_dir)?;
        if let Some(p) = &pbds {
            h.update(p.dir.as_os_str().as_encoded_bytes());
            h.update(p.digest);
        }
        let toolchain_id = hex(&h.finalize())[..16].to_string();
        let include_dir = config.cache_dir.join(format!("include-{toolchain_id}"));
        for (name, text) in BUNDLED_HEADERS {
            let path = include_dir.join(name);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
                write_atomic(&path, text.as_bytes())
                    .with_context(|| format!("installing {}", path.display()))?;
            }
        }
        let mut readable = vec![include_dir.clone()];
        readable.extend(pbds.iter().map(|p| p.dir.clone()));
        let policy = confine::Policy::new(&config.clang, &config.sysroot, readable)?;
        Ok(Compiler {
            config: config.clone(),
            toolchain_id,
            resource_include: resource_dir.join("include"),
            include_dir,
            pbds,
            runtime_c: RuntimeObject::new(),
            runtime_exceptions: RuntimeObject::new(),
            runtime_iostream: RuntimeObject::new(),
            runtime_eh_main: RuntimeObject::new(),
            exceptions,
            target,
            policy,
            disk: DiskCache::new(config.cache_dir.join("modules"), MODULE_DISK_CACHE_BYTES),
        })
    }

    /// Identity of the toolchain (goes into cache keys).
    pub fn toolchain_id(&self) -> &str {
        &self.toolchain_id
    }

    /// Whether C++ programs can catch exceptions (the exception-handling toolchain is in use).
    pub fn exceptions(&self) -> bool {
        self.exceptions
    }

    /// The exception flags for compiling `source` (both clang runs): [`EH_COMPILE_FLAGS`] with an
    /// exception-handling sysroot when the program's own text (source and headers taken along)
    /// may catch ([`scan::may_catch_exceptions`]) or is C, [`NO_HANDLER_COMPILE_FLAGS`] for C++
    /// that cannot catch (the fast path), none without exception support.
    fn exception_flags(
        &self,
        source: &str,
        lang: Lang,
        companions: &[Companion],
    ) -> &'static [&'static str] {
        if !self.exceptions {
            return &[];
        }
        let may_catch = scan::may_catch_exceptions(source)
            || companions
                .iter()
                .any(|c| scan::may_catch_exceptions(&c.text));
        if lang == Lang::Cpp && !may_catch {
            NO_HANDLER_COMPILE_FLAGS
        } else {
            EH_COMPILE_FLAGS
        }
    }

    /// Flags that depend on the toolchain (runtime objects): the target, and wasm exceptions
    /// where supported.
    fn target_flags(&self) -> impl Iterator<Item = &'static str> {
        let eh: &[&str] = if self.exceptions {
            EH_COMPILE_FLAGS
        } else {
            &[]
        };
        std::iter::once(self.target).chain(eh.iter().copied())
    }

    /// Whether the kernel confines the compiler processes (Landlock); `false` only when the
    /// operator opted out with [`UNCONFINED_ENV`] on a kernel without Landlock.
    pub fn confined(&self) -> bool {
        self.policy.enforced()
    }

    fn std_flag(&self, lang: Lang) -> &'static str {
        match (lang, self.config.cpp_std) {
            // GNU C17, gcc's default and what judges compile C with: POSIX and GNU extras
            // (`getchar_unlocked`, `strdup`) are declared, as in glibc's default mode.
            (Lang::C, _) => "-std=gnu17",
            (_, CppStd::Cpp17) => "-std=c++17",
            (_, CppStd::Cpp20) => "-std=c++20",
        }
    }

    /// Compiles `source`. `source_dir`: the folder a checker, generator or interactor came
    /// from; its headers (and `testlib.h` one folder up) are copied in beside it (see
    /// [`includes`]). `Err` only for infrastructure failures; the program's faults are
    /// [`CompileOutcome::Error`].
    pub fn compile(
        &self,
        source: &str,
        lang: Lang,
        source_dir: Option<&Path>,
    ) -> Result<CompileOutcome> {
        self.compile_with_cancel(source, lang, source_dir, &Cancel::default())
    }

    /// Like [`Compiler::compile`], stopped by `cancel`: checked before each clang run and
    /// every few milliseconds while one runs (the compiler's process group is then killed, not
    /// waited for). A cancelled compile is `Err(`[`Cancelled`]`)` (nothing is cached).
    pub fn compile_with_cancel(
        &self,
        source: &str,
        lang: Lang,
        source_dir: Option<&Path>,
        cancel: &Cancel,
    ) -> Result<CompileOutcome> {
        assert!(lang != Lang::Python, "Python is not compiled");
        if source.len() > MAX_SOURCE_BYTES {
            return Ok(CompileOutcome::Error(format!(
                "source is {} bytes; the sandbox accepts at most {MAX_SOURCE_BYTES}",
                source.len()
            )));
        }
        let companions = match source_dir.map(includes::gather).transpose() {
            Ok(c) => c.unwrap_or_default(),
            Err(msg) => return Ok(CompileOutcome::Error(msg)),
        };
        let eh = self.exception_flags(source, lang, &companions);
        let key = self.cache_key(source, lang, &companions, eh);
        let file = format!("{key}.wasm");
        if let Some(wasm) = self.disk.get(&file) {
            return Ok(CompileOutcome::Ok {
                wasm,
                key,
                cached: true,
            });
        }
        if let Err(msg) = prescan(source) {
            return Ok(CompileOutcome::Error(msg));
        }
        cancel.check()?;
        let work = tempfile::Builder::new()
            .prefix("vibecheck-cc-")
            .tempdir()
            .context("creating a compile directory")?;
        let src_name = if lang == Lang::C {
            "solution.c"
        } else {
            "solution.cpp"
        };
        std::fs::write(work.path().join(src_name), source)?;
        for c in &companions {
            std::fs::write(work.path().join(&c.name), &c.text)?;
        }
        let preprocessed = match self.preprocess(work.path(), src_name, lang, eh, cancel)? {
            Ok(p) => p,
            Err(msg) => return Ok(CompileOutcome::Error(msg)),
        };
        cancel.check()?;
        let wasm = match self.compile_and_link(work.path(), &preprocessed, lang, eh, cancel)? {
            Ok(w) => w,
            Err(msg) => return Ok(CompileOutcome::Error(msg)),
        };
        self.disk.put(&file, &wasm)?;
        Ok(CompileOutcome::Ok {
            wasm,
            key,
            cached: false,
        })
    }

    /// Step 1: preprocess with a locked-down include path and check the output. Returns the
    /// path of the checked preprocessed file, or a CE message.
    fn preprocess(
        &self,
        work: &Path,
        src_name: &str,
        lang: Lang,
        eh: &'static [&'static str],
        cancel: &Cancel,
    ) -> Result<std::result::Result<PathBuf, String>> {
        let sysroot_include = self.config.sysroot.join("include/wasm32-wasi");
        let mut roots: Vec<PathBuf> = vec![
            self.include_dir.clone(),
            self.resource_include.clone(),
            sysroot_include.clone(),
            work.to_path_buf(),
        ];
        let mut pp = self.clang_cmd(work);
        pp.arg(self.target).args(eh);
        pp.args(["-E", "-nostdinc", self.std_flag(lang)]);
        pp.args(NO_ALTERNATIVE_SPELLINGS);
        pp.arg("-isystem").arg(&self.include_dir);
        if lang == Lang::Cpp {
            let libcxx = sysroot_include.join("c++/v1");
            pp.arg("-isystem").arg(&libcxx);
            roots.push(libcxx);
            // After libc++, whose own `ext/` headers (hash_map) stay first.
            if let Some(p) = &self.pbds {
                pp.arg("-isystem").arg(&p.dir);
                roots.push(p.dir.clone());
            }
        }
        pp.arg("-isystem").arg(&self.resource_include);
        pp.arg("-isystem").arg(&sysroot_include);
        pp.arg("-iquote").arg(work);
        pp.args(["-DONLINE_JUDGE", "-D__VIBECHECK__"]);
        pp.args(WASI_EMULATION_DEFINES);
        pp.arg(work.join(src_name));
        let out = run_bounded(
            pp,
            self.policy.ruleset(work, &[])?,
            self.config.compile_timeout_ms,
            MAX_PREPROCESSED_BYTES,
            cancel,
        )?;
        let roots: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .collect();
        // Check what was read before showing anything (even diagnostics) to the user.
        if let Err(msg) = check_preprocessed(&out.stdout, &roots) {
            return Ok(Err(msg));
        }
        if out.timed_out {
            return Ok(Err(format!(
                "preprocessing exceeded the compile time limit of {} ms",
                self.config.compile_timeout_ms
            )));
        }
        if out.truncated {
            return Ok(Err(format!(
                "preprocessed source exceeds {} MiB",
                MAX_PREPROCESSED_BYTES >> 20
            )));
        }
        if !out.success {
            let mut d = clean_diagnostics(&out.stderr, work);
            if self.pbds.is_none() {
                if let Some(hint) = pbds::missing_hint(&d, &self.config.pbds_dir) {
                    d = format!("{hint}\n{d}");
                }
            }
            return Ok(Err(d));
        }
        let pp_path = work.join(if lang == Lang::C {
            "solution.i"
        } else {
            "solution.ii"
        });
        std::fs::write(&pp_path, &out.stdout)?;
        Ok(Ok(pp_path))
    }

    /// Step 2: compile the checked preprocessed text and link. Returns the module's bytes or
    /// a CE message.
    fn compile_and_link(
        &self,
        work: &Path,
        preprocessed: &Path,
        lang: Lang,
        eh: &'static [&'static str],
        cancel: &Cancel,
    ) -> Result<std::result::Result<Vec<u8>, String>> {
        let wasm_path = work.join("solution.wasm");
        let mut cc = self.clang_cmd(work);
        if lang == Lang::Cpp {
            cc.arg("--driver-mode=g++");
        }
        cc.arg(self.target).args(eh);
        cc.args(["-nostdinc", "-O2", self.std_flag(lang)]);
        cc.args(NO_ALTERNATIVE_SPELLINGS);
        cc.args(["-fno-color-diagnostics", "-ferror-limit=20", "-s"]);
        cc.arg(format!("--sysroot={}", self.config.sysroot.display()));
        cc.arg(format!(
            "-L{}",
            self.config.sysroot.join("lib/wasm32-wasi").display()
        ));
        cc.arg(format!("-Wl,-z,stack-size={SHADOW_STACK_BYTES}"));
        cc.arg("-Wl,--stack-first");
        cc.arg(preprocessed);
        let mut runtime_objects = vec![self.runtime_object(&self.runtime_c, &VCRT_C)?];
        if lang == Lang::Cpp {
            if self.exceptions {
                runtime_objects.push(self.runtime_object(&self.runtime_eh_main, &VCRT_EH_MAIN)?);
                cc.args(VCRT_EH_MAIN_LINK_FLAGS);
            } else {
                runtime_objects
                    .push(self.runtime_object(&self.runtime_exceptions, &VCRT_EXCEPTIONS)?);
            }
            if self.config.fast_iostreams {
                runtime_objects.push(self.runtime_object(&self.runtime_iostream, &VCRT_IOSTREAM)?);
                cc.args(VCRT_IOSTREAM_LINK_FLAGS);
            }
        }
        cc.args(&runtime_objects);
        cc.args(LINK_LIBS);
        if self.exceptions && lang == Lang::Cpp {
            cc.args(EH_LINK_LIBS);
        }
        cc.arg("-o").arg(&wasm_path);
        let out = run_bounded(
            cc,
            self.policy.ruleset(work, &runtime_objects)?,
            self.config.compile_timeout_ms,
            MAX_DIAGNOSTICS_BYTES,
            cancel,
        )?;
        if out.timed_out {
            return Ok(Err(format!(
                "compilation exceeded the time limit of {} ms",
                self.config.compile_timeout_ms
            )));
        }
        if !out.success {
            let d = clean_diagnostics(&out.stderr, work);
            let crashed = d.contains("Stack dump") || out.status.contains("signal");
            if crashed || d.trim().is_empty() {
                // Resource limits hit (clang writes static arrays out in full for wasm).
                return Ok(Err(format!(
                    "the compiler exceeded its limits ({} MiB of address space, {} MiB per output \
                     file; {}); very large static arrays are written out in full for wasm",
                    COMPILE_MEMORY_BYTES >> 20,
                    COMPILE_FILE_BYTES >> 20,
                    out.status
                )));
            }
            return Ok(Err(d));
        }
        Ok(Ok(
            std::fs::read(&wasm_path).context("reading the compiled module")?
        ))
    }

    fn cache_key(&self, source: &str, lang: Lang, companions: &[Companion], eh: &[&str]) -> String {
        let mut h = Sha256::new();
        h.update(self.toolchain_id.as_bytes());
        h.update(format!("eh={eh:?}").as_bytes());
        h.update(
            format!(
                "{lang:?} {} {} {LINK_LIBS:?} {WASI_EMULATION_DEFINES:?}",
                self.std_flag(lang),
                self.config.fast_iostreams
            )
            .as_bytes(),
        );
        h.update((source.len() as u64).to_le_bytes());
        h.update(source.as_bytes());
        // Headers taken along (testlib.h) change the result too.
        for c in companions {
            h.update((c.name.len() as u64).to_le_bytes());
            h.update(c.name.as_bytes());
            h.update((c.text.len() as u64).to_le_bytes());
            h.update(c.text.as_bytes());
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

    /// A compiled runtime support object (built once per toolchain, cached on disk beside the
    /// module cache, not in it, so eviction never removes it).
    fn runtime_object(&self, slot: &RuntimeObject, rt: &RuntimeSource) -> Result<PathBuf> {
        let r = slot.get_or_init(|| {
            let path = self
                .config
                .cache_dir
                .join(format!("vcrt-{}-{}.o", rt.name, self.toolchain_id));
            if path.exists() {
                return Ok(path);
            }
            let build = || -> Result<PathBuf> {
                let work = tempfile::Builder::new().prefix("vibecheck-rt-").tempdir()?;
                let (src_name, std) = match rt.lang {
                    Lang::C => ("vcrt.c", "-std=gnu17"),
                    _ => ("vcrt.cpp", "-std=c++17"),
                };
                let src = work.path().join(src_name);
                std::fs::write(&src, rt.text)?;
                let obj = work.path().join("vcrt.o");
                let mut c = self.clang_cmd(work.path());
                if rt.lang == Lang::Cpp {
                    c.arg("--driver-mode=g++");
                }
                c.args(self.target_flags());
                c.args(["-O2", std, "-c"]);
                c.arg(format!("--sysroot={}", self.config.sysroot.display()));
                if rt.lang == Lang::Cpp {
                    c.arg("-isystem").arg(&self.include_dir);
                    // zig's clang driver does not add the sysroot's libc++ by itself.
                    c.arg("-isystem")
                        .arg(self.config.sysroot.join("include/wasm32-wasi/c++/v1"));
                }
                c.arg(&src).arg("-o").arg(&obj);
                let ruleset = self.policy.ruleset(work.path(), &[])?;
                let out = run_bounded(
                    c,
                    ruleset,
                    COMPILE_TIMEOUT_MS,
                    MAX_DIAGNOSTICS_BYTES,
                    // Built once and cached for the process: never cut short by one request.
                    &Cancel::default(),
                )?;
                if !out.success {
                    bail!(
                        "building the sandbox runtime failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                write_once(&path, &std::fs::read(&obj)?)?;
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
/// stdout (stderr is capped at [`MAX_DIAGNOSTICS_BYTES`]). When `cancel` fires, the group is
/// killed at once and the result is `Err(`[`Cancelled`]`)`.
/// With a Landlock `ruleset`, the child enters it before exec (see [`confine`]).
fn run_bounded(
    mut cmd: Command,
    ruleset: Option<OwnedFd>,
    timeout_ms: u64,
    stdout_cap: usize,
    cancel: &Cancel,
) -> Result<Bounded> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let cpu_secs = timeout_ms / 1000 + 2;
    let ruleset_fd = ruleset.as_ref().map(|fd| fd.as_raw_fd());
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
            if let Some(fd) = ruleset_fd {
                confine::restrict_self(fd)?;
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .context("starting clang (in its Landlock domain)")?;
    drop(ruleset);
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
    let mut cancelled = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        cancelled = cancel.is_cancelled();
        if cancelled || Instant::now() >= deadline {
            timed_out = !cancelled;
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
    if cancelled {
        return Err(Cancelled.into());
    }
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

/// Like [`write_atomic`], but a file already there (another process built the same runtime
/// object first) is kept, never replaced: the linker's Landlock ruleset grants read access to
/// the object's inode, and a rename over it would make a concurrent link fail with EACCES.
fn write_once(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!("writing {}: {}", path.display(), e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Layer 4 on its own: clang asked directly (no text checks in the way) to read host files
    /// or write outside its temp dir is stopped by the kernel.
    #[test]
    fn landlock_stops_clang_reading_and_writing_host_files() {
        let cache = tempfile::tempdir().unwrap();
        let config = SandboxConfig {
            cache_dir: cache.path().to_path_buf(),
            ..SandboxConfig::default()
        };
        let compiler = Compiler::new(&config).expect("toolchain (tools/setup.sh) and Landlock");
        assert!(
            compiler.confined(),
            "this kernel has Landlock: {:?}",
            landlock_abi()
        );
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.h");
        std::fs::write(&secret, "int VIBECHECK_LANDLOCK_SECRET;\n").unwrap();
        let work = tempfile::tempdir().unwrap();
        std::fs::write(work.path().join("ok.c"), "int ok;\n").unwrap();
        let run = |args: &[&std::ffi::OsStr]| {
            let mut c = compiler.clang_cmd(work.path());
            c.args(args);
            let ruleset = compiler.policy.ruleset(work.path(), &[]).unwrap();
            run_bounded(
                c,
                ruleset,
                COMPILE_TIMEOUT_MS,
                MAX_PREPROCESSED_BYTES,
                &Cancel::default(),
            )
            .unwrap()
        };
        for file in [secret.as_os_str(), "/etc/passwd".as_ref()] {
            let out = run(&["-E".as_ref(), "-x".as_ref(), "c".as_ref(), file]);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!out.success, "read {file:?}: {all}");
            assert!(!all.contains("VIBECHECK_LANDLOCK_SECRET") && !all.contains("root:"));
            assert!(all.contains("ermission denied"), "{all}");
        }
        // Its own temp dir works; writing outside it does not.
        let out = run(&["-E".as_ref(), "ok.c".as_ref()]);
        assert!(out.success, "{}", String::from_utf8_lossy(&out.stderr));
        let target = outside.path().join("written.i");
        let out = run(&[
            "-E".as_ref(),
            "ok.c".as_ref(),
            "-o".as_ref(),
            target.as_os_str(),
        ]);
        assert!(!out.success && !target.exists());
    }
}
