//! Waiting on another process's *state* (Linux `/proc`), so a test that must act at a precise
//! moment (kill a numeric worker while it holds a request) synchronises on an event instead of
//! sleeping for a guessed time or sampling CPU use.
//!
//! The events: a worker is idle when its main thread is blocked in `read(0, …)` on its request
//! pipe (after its ready line it reads nothing else); it has taken a request when its count of
//! bytes read (`rchar` in `/proc/PID/io`) has grown since it was idle.

use std::time::Duration;

/// Poll interval of [`wait_for`]. Only the latency of noticing a state; correctness never
/// depends on it.
const POLL: Duration = Duration::from_millis(10);

/// How many polls [`wait_for`] makes before failing (≈ 5 minutes: a hang guard for a debug build
/// on a loaded machine, not a speed assertion).
const MAX_POLLS: u32 = 30_000;

/// The `read` system call's number in `/proc/PID/syscall`.
#[cfg(target_arch = "x86_64")]
const SYS_READ: &str = "0";
#[cfg(target_arch = "aarch64")]
const SYS_READ: &str = "63";

/// Waits until `pred` holds; fails the test, naming `what`, if it never does.
pub fn wait_for(what: &str, mut pred: impl FnMut() -> bool) {
    for _ in 0..MAX_POLLS {
        if pred() {
            return;
        }
        std::thread::sleep(POLL);
    }
    panic!("never happened: {what}");
}

/// Direct children of `parent` whose command line contains `arg` (e.g. `"worker"`).
pub fn children_with_arg(parent: u32, arg: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the parenthesised command name: state, ppid, …
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if cmdline.split(|&b| b == 0).any(|a| a == arg.as_bytes()) {
            out.push(pid);
        }
    }
    out.sort();
    out
}

/// Whether `pid`'s main thread is blocked in `read(0, …)`: waiting for its next request.
pub fn blocked_reading_stdin(pid: u32) -> bool {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/syscall")) else {
        return false;
    };
    let mut f = s.split_whitespace();
    f.next() == Some(SYS_READ) && f.next() == Some("0x0")
}

/// Bytes `pid` has read so far through `read`-like calls (`rchar` in `/proc/PID/io`).
pub fn bytes_read(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/io: {e}"));
    io.lines()
        .find_map(|l| l.strip_prefix("rchar:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rchar in /proc/{pid}/io: {io}"))
}
