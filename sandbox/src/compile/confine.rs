//! File-system confinement of the compiler processes with Landlock (Linux ≥ 5.13).
//!
//! The text checks in [`super::scan`] decide what clang may be asked to read; this layer makes
//! the kernel enforce it regardless of what the text checks miss. Every clang and wasm-ld
//! process runs in a Landlock domain (applied between fork and exec, inherited by the `-cc1`
//! and linker children) that allows:
//! - read and execute: the toolchain's install prefix (e.g. `/usr/lib/llvm-19`, holding clang,
//!   wasm-ld and the resource dir);
//! - read and execute: exactly the shared libraries (and the ELF interpreter) the dynamic loader
//!   resolves for clang and wasm-ld; read: `/etc/ld.so.cache`;
//! - read: the wasm32-wasi sysroot (`include/wasm32-wasi`, `lib/wasm32-wasi`), our bundled
//!   headers and runtime objects;
//! - read and write: the compile's own fresh temporary directory and `/dev/null`.
//!
//! Everything else — `/etc/passwd`, `/proc/self/environ`, the user's home, the module cache —
//! is refused by the kernel (EACCES), writes outside the temp dir too; TCP bind/connect (ABI ≥ 4)
//! and signals or abstract sockets outside the domain (ABI ≥ 6) are denied as well.
//!
//! Why Landlock rather than user + mount namespaces: it needs no privileges and no
//! `/proc/sys/user` setting, cannot be undone by the confined process, composes with the
//! existing rlimits and process group, costs a few syscalls per compile, and says exactly which
//! paths are readable. Namespaces would need a private root built from bind mounts and are
//! disabled for unprivileged users on several distributions.
//!
//! Fail closed: when the kernel has no Landlock (older than 5.13, or not in the LSM list), the
//! compiler refuses to run untrusted code and says why, unless the operator sets
//! `VIBECHECK_UNCONFINED_COMPILER=1` (then only the text checks protect the host; a warning is
//! printed once).

use anyhow::{bail, Context, Result};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Env var that lets the compiler run without Landlock (an explicit operator decision).
pub const UNCONFINED_ENV: &str = "VIBECHECK_UNCONFINED_COMPILER";

const ACCESS_FS_EXECUTE: u64 = 1 << 0;
const ACCESS_FS_WRITE_FILE: u64 = 1 << 1;
const ACCESS_FS_READ_FILE: u64 = 1 << 2;
const ACCESS_FS_READ_DIR: u64 = 1 << 3;
const ACCESS_FS_TRUNCATE: u64 = 1 << 14;
const ACCESS_FS_IOCTL_DEV: u64 = 1 << 15;
/// Rights that may be granted on a file (not a directory).
const FILE_RIGHTS: u64 = ACCESS_FS_EXECUTE
    | ACCESS_FS_WRITE_FILE
    | ACCESS_FS_READ_FILE
    | ACCESS_FS_TRUNCATE
    | ACCESS_FS_IOCTL_DEV;
const READ: u64 = ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR;
const READ_EXEC: u64 = READ | ACCESS_FS_EXECUTE;
const ACCESS_NET_BIND_TCP: u64 = 1 << 0;
const ACCESS_NET_CONNECT_TCP: u64 = 1 << 1;
const SCOPE_ABSTRACT_UNIX_SOCKET: u64 = 1 << 0;
const SCOPE_SIGNAL: u64 = 1 << 1;
const CREATE_RULESET_VERSION: u32 = 1 << 0;
const RULE_PATH_BENEATH: libc::c_int = 1;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// Every file-system right the kernel's Landlock ABI `abi` knows (all are handled, so anything
/// not granted by a rule is denied).
fn fs_rights(abi: i64) -> u64 {
    let mut r = (1u64 << 13) - 1; // ABI 1: EXECUTE ..= MAKE_SYM
    if abi >= 2 {
        r |= 1 << 13; // REFER
    }
    if abi >= 3 {
        r |= ACCESS_FS_TRUNCATE;
    }
    if abi >= 5 {
        r |= ACCESS_FS_IOCTL_DEV;
    }
    r
}

/// The kernel's Landlock ABI version, or `None` when Landlock is unavailable.
pub fn abi_version() -> Option<i64> {
    // SAFETY: the documented probe: NULL attr, size 0, VERSION flag.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    (v >= 1).then_some(v)
}

/// What the compiler processes may touch, fixed when the [`super::Compiler`] is created.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `None`: run unconfined (the operator set [`UNCONFINED_ENV`] on a kernel without Landlock).
    abi: Option<i64>,
    read_exec: Vec<PathBuf>,
    read: Vec<PathBuf>,
}

impl Policy {
    /// Builds the policy for a toolchain; fails (closed) when Landlock is missing and the
    /// operator has not opted out.
    pub fn new(clang: &Path, sysroot: &Path, read: Vec<PathBuf>) -> Result<Policy> {
        let abi = abi_version();
        if abi.is_none() {
            if std::env::var(UNCONFINED_ENV).as_deref() == Ok("1") {
                static WARN: std::sync::Once = std::sync::Once::new();
                WARN.call_once(|| {
                    eprintln!(
                        "sandbox: WARNING: the kernel has no Landlock; clang runs unconfined \
                         ({UNCONFINED_ENV}=1), only the text checks protect host files"
                    )
                });
            } else {
                bail!(
                    "this kernel has no Landlock (Linux >= 5.13 with `landlock` in the LSM list), \
                     so the compiler cannot be confined; refusing to compile untrusted code. Set \
                     {UNCONFINED_ENV}=1 to accept running clang with only the text checks"
                );
            }
        }
        let clang = which(clang).with_context(|| format!("{} not found", clang.display()))?;
        let clang = std::fs::canonicalize(&clang)?;
        // <prefix>/bin/clang → <prefix>: clang, -cc1, wasm-ld and the resource dir live there.
        let prefix = clang
            .parent()
            .and_then(Path::parent)
            .context("clang's install prefix")?
            .to_path_buf();
        // Shared libraries need EXECUTE too: the kernel opens the ELF interpreter for exec.
        let mut read_exec = vec![prefix.clone()];
        for exe in [
            clang.clone(),
            prefix.join("bin/wasm-ld"),
            prefix.join("bin/lld"),
        ] {
            if let Ok(exe) = std::fs::canonicalize(&exe) {
                if !exe.starts_with(&prefix) {
                    read_exec.push(exe.clone());
                }
                read_exec.extend(shared_libraries(&exe));
            }
        }
        let mut read = read;
        read.push(PathBuf::from("/etc/ld.so.cache"));
        read.push(sysroot.join("include/wasm32-wasi"));
        read.push(sysroot.join("lib/wasm32-wasi"));
        read_exec.retain(|p| p.exists());
        read.retain(|p| p.exists());
        Ok(Policy {
            abi,
            read_exec,
            read,
        })
    }

    /// Whether the kernel enforces the policy.
    pub fn enforced(&self) -> bool {
        self.abi.is_some()
    }

    /// A Landlock ruleset for one compiler run with `work` writable, ready for
    /// [`restrict_self`] in the child; `None` when running unconfined.
    pub fn ruleset(&self, work: &Path, extra_read: &[PathBuf]) -> Result<Option<OwnedFd>> {
        let Some(abi) = self.abi else {
            return Ok(None);
        };
        let all = fs_rights(abi);
        let attr = RulesetAttr {
            handled_access_fs: all,
            handled_access_net: ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP,
            scoped: SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL,
        };
        let size = match abi {
            1..=3 => 8,
            4 | 5 => 16,
            _ => std::mem::size_of::<RulesetAttr>(),
        };
        // SAFETY: attr outlives the call; size matches the fields the ABI knows.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                size,
                0u32,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error()).context("landlock_create_ruleset");
        }
        // SAFETY: a fresh fd we own.
        let ruleset = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
        for p in &self.read_exec {
            add_rule(&ruleset, p, READ_EXEC)?;
        }
        for p in self.read.iter().chain(extra_read) {
            add_rule(&ruleset, p, READ)?;
        }
        add_rule(&ruleset, work, all)?;
        add_rule(
            &ruleset,
            Path::new("/dev/null"),
            ACCESS_FS_READ_FILE | ACCESS_FS_WRITE_FILE,
        )?;
        Ok(Some(ruleset))
    }
}

/// Grants `access` beneath `path` (masked to file rights when it is a file).
fn add_rule(ruleset: &OwnedFd, path: &Path, access: u64) -> Result<()> {
    let c = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: plain open(2) of a path for O_PATH.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("opening {} for a Landlock rule", path.display()));
    }
    // SAFETY: fresh fd.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let access = if path.is_dir() {
        access
    } else {
        access & FILE_RIGHTS
    };
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: fd.as_raw_fd(),
    };
    // SAFETY: attr is a valid path-beneath rule; both fds are open.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset.as_raw_fd(),
            RULE_PATH_BENEATH,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("landlock_add_rule for {}", path.display()));
    }
    Ok(())
}

/// In the forked child, before exec: no new privileges, then enter the Landlock domain.
/// Only async-signal-safe syscalls.
pub fn restrict_self(ruleset: RawFd) -> std::io::Result<()> {
    // SAFETY: prctl and landlock_restrict_self are plain syscalls.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// `prog` resolved through `PATH` (or as given when it contains a slash).
fn which(prog: &Path) -> Option<PathBuf> {
    if prog.components().count() > 1 {
        return Some(prog.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

/// The shared libraries the dynamic loader resolves for `exe` (glibc's
/// `LD_TRACE_LOADED_OBJECTS`, which lists them without running the program), canonicalized.
fn shared_libraries(exe: &Path) -> Vec<PathBuf> {
    let Ok(out) = std::process::Command::new(exe)
        .env_clear()
        .env("LD_TRACE_LOADED_OBJECTS", "1")
        .stdin(std::process::Stdio::null())
        .output()
    else {
        return vec![];
    };
    let mut libs = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // `libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x…)` or `/lib64/ld-linux… (0x…)`
        let path = match line.split_once("=>") {
            Some((_, rhs)) => rhs.trim(),
            None => line.trim(),
        };
        let path = path.split(" (").next().unwrap_or("").trim();
        if path.starts_with('/') {
            if let Ok(p) = std::fs::canonicalize(path) {
                libs.push(p);
            }
            // The loader opens the name it was given (a symlink) too.
            libs.push(PathBuf::from(path));
        }
    }
    libs
}
