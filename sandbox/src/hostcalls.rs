//! Our own versions of the few WASI preview-1 calls whose stock behaviour a judge cannot use.
//!
//! Owns:
//! - `poll_oneoff` (every `sleep`, `nanosleep`, `usleep`, Python `time.sleep`): a blocking host
//!   call never reaches the epoch callback, so the stock version lets a guest sleep for hours.
//!   Ours sleeps at most the time the run has left, charges the sleep to the run's time budget,
//!   and ends the run as TLE when the guest asked for more; the sleep wakes within one epoch
//!   tick when the run's `Cancel` fires, and the run ends as `Cancelled`. File-descriptor
//!   subscriptions never block here (stdin is in memory, stdout/stderr are in-memory pipes),
//!   so they are answered at once.
//! - stdin as a real, seekable regular file of the test's size: `fd_read`, `fd_pread`,
//!   `fd_seek`, `fd_tell`, `fd_filestat_get` and `fd_fdstat_get` on fd 0 are served from the
//!   test's bytes (PyRival's `os.read(0, os.fstat(0).st_size)` works; `os.read(0, 0)` returns).
//!   These calls answer for the standard streams only: they are used for runs with no
//!   preopened directory (solutions, generators), whose only descriptors are 0, 1 and 2; for
//!   stdout/stderr they answer as the stock implementation does, anything else is `EBADF`.
//!   Runs that get a directory (custom checkers) use the stock linker instead.

use crate::run::{Ctx, StopReason};
use std::time::{Duration, Instant};
use wasmtime::{Caller, Extern, Linker, Memory};
use wasmtime_wasi_io::bytes::Bytes;

const MODULE: &str = "wasi_snapshot_preview1";

/// Most subscriptions one `poll_oneoff` call may pass (wasi-libc passes 1 or 2; a larger count
/// is an `EINVAL`, not a large host allocation).
pub const MAX_POLL_SUBSCRIPTIONS: u32 = 4096;

// WASI errno values.
const E_SUCCESS: i32 = 0;
const E_BADF: i32 = 8;
const E_FAULT: i32 = 21;
const E_INVAL: i32 = 28;
const E_NOTSUP: i32 = 58;
const E_SPIPE: i32 = 70;
/// fd_write: what the stock implementation grants stdout and stderr.
const STDOUT_RIGHTS: u64 = 1 << 6;

// Layouts from wasi_snapshot_preview1.witx.
const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const FILETYPE_REGULAR_FILE: u8 = 4;
/// fd_read | fd_seek | fd_tell | fd_advise | fd_filestat_get | poll_fd_readwrite.
const STDIN_RIGHTS: u64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 7) | (1 << 21) | (1 << 27);

/// The test's input, served as fd 0.
pub(crate) struct StdinFile {
    data: Bytes,
    pos: u64,
    /// False once the guest closed fd 0.
    active: bool,
    /// stdout, stderr closed by the guest.
    closed_out: [bool; 2],
}

impl StdinFile {
    pub(crate) fn new(data: Bytes) -> Self {
        StdinFile {
            data,
            pos: 0,
            active: true,
            closed_out: [false; 2],
        }
    }
}

/// What an overridden call does with a descriptor that is not the active stdin.
enum Other {
    /// stdout / stderr.
    Stream,
    /// Closed or never open.
    Bad,
}

fn other(c: &Caller<'_, Ctx>, fd: i32) -> Option<Other> {
    match fd {
        0 if c.data().stdin.active => None,
        1 | 2 if !c.data().stdin.closed_out[fd as usize - 1] => Some(Other::Stream),
        _ => Some(Other::Bad),
    }
}

/// Replaces the stock `poll_oneoff` in `linker` (which already holds stock WASI) with ours.
pub(crate) fn add_poll_override(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    linker.func_wrap(MODULE, "poll_oneoff", poll_oneoff)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// Replaces the stock descriptor calls with ours serving stdin as a file (for runs whose only
/// descriptors are the standard streams).
pub(crate) fn add_stdin_overrides(linker: &mut Linker<Ctx>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    {
        linker.func_wrap(
            MODULE,
            "fd_read",
            move |mut c: Caller<'_, Ctx>, fd: i32, iovs: i32, n: i32, out: i32| {
                if other(&c, fd).is_some() {
                    return Ok(E_BADF);
                }
                let pos = c.data().stdin.pos;
                let read = read_into_iovs(&mut c, iovs, n, pos);
                Ok(match read {
                    Ok(k) => {
                        c.data_mut().stdin.pos += k as u64;
                        write_u32(&mut c, out, k as u32)
                    }
                    Err(e) => e,
                })
            },
        )?;
    }
    {
        linker.func_wrap(
            MODULE,
            "fd_pread",
            move |mut c: Caller<'_, Ctx>, fd: i32, iovs: i32, n: i32, off: i64, out: i32| {
                match other(&c, fd) {
                    Some(Other::Stream) => return Ok(E_SPIPE),
                    Some(Other::Bad) => return Ok(E_BADF),
                    None => {}
                }
                Ok(match read_into_iovs(&mut c, iovs, n, off as u64) {
                    Ok(k) => write_u32(&mut c, out, k as u32),
                    Err(e) => e,
                })
            },
        )?;
    }
    {
        linker.func_wrap(
            MODULE,
            "fd_seek",
            move |mut c: Caller<'_, Ctx>, fd: i32, off: i64, whence: i32, out: i32| {
                match other(&c, fd) {
                    Some(Other::Stream) => return Ok(E_SPIPE),
                    Some(Other::Bad) => return Ok(E_BADF),
                    None => {}
                }
                let st = &c.data().stdin;
                let base = match whence {
                    0 => 0i128,
                    1 => st.pos as i128,
                    2 => st.data.len() as i128,
                    _ => return Ok(E_INVAL),
                };
                let new = base + off as i128;
                if !(0..=i64::MAX as i128).contains(&new) {
                    return Ok(E_INVAL);
                }
                c.data_mut().stdin.pos = new as u64;
                Ok(write_bytes(&mut c, out, &(new as u64).to_le_bytes()))
            },
        )?;
    }
    {
        linker.func_wrap(
            MODULE,
            "fd_tell",
            move |mut c: Caller<'_, Ctx>, fd: i32, out: i32| {
                match other(&c, fd) {
                    Some(Other::Stream) => return Ok(E_SPIPE),
                    Some(Other::Bad) => return Ok(E_BADF),
                    None => {}
                }
                let pos = c.data().stdin.pos;
                Ok(write_bytes(&mut c, out, &pos.to_le_bytes()))
            },
        )?;
    }
    {
        linker.func_wrap(
            MODULE,
            "fd_filestat_get",
            move |mut c: Caller<'_, Ctx>, fd: i32, out: i32| {
                let mut st = [0u8; 64];
                match other(&c, fd) {
                    // The stock answer for a non-terminal stream: filetype unknown, zeros.
                    Some(Other::Stream) => return Ok(write_bytes(&mut c, out, &st)),
                    Some(Other::Bad) => return Ok(E_BADF),
                    None => {}
                }
                st[16] = FILETYPE_REGULAR_FILE;
                st[24..32].copy_from_slice(&1u64.to_le_bytes()); // nlink
                st[32..40].copy_from_slice(&(c.data().stdin.data.len() as u64).to_le_bytes());
                Ok(write_bytes(&mut c, out, &st))
            },
        )?;
    }
    {
        linker.func_wrap(
            MODULE,
            "fd_fdstat_get",
            move |mut c: Caller<'_, Ctx>, fd: i32, out: i32| {
                let mut st = [0u8; 24];
                match other(&c, fd) {
                    // As stock: filetype unknown (not a terminal), rights fd_write.
                    Some(Other::Stream) => {
                        st[8..16].copy_from_slice(&STDOUT_RIGHTS.to_le_bytes());
                        st[16..24].copy_from_slice(&STDOUT_RIGHTS.to_le_bytes());
                        return Ok(write_bytes(&mut c, out, &st));
                    }
                    Some(Other::Bad) => return Ok(E_BADF),
                    None => {}
                }
                st[0] = FILETYPE_REGULAR_FILE;
                st[8..16].copy_from_slice(&STDIN_RIGHTS.to_le_bytes());
                Ok(write_bytes(&mut c, out, &st))
            },
        )?;
    }
    linker.func_wrap(MODULE, "fd_close", |mut c: Caller<'_, Ctx>, fd: i32| {
        Ok(match other(&c, fd) {
            None => {
                c.data_mut().stdin.active = false;
                E_SUCCESS
            }
            Some(Other::Stream) => {
                c.data_mut().stdin.closed_out[fd as usize - 1] = true;
                E_SUCCESS
            }
            Some(Other::Bad) => E_BADF,
        })
    })?;
    // Renumbering among the standard streams is not supported (no contest program does it).
    linker.func_wrap(
        MODULE,
        "fd_renumber",
        |c: Caller<'_, Ctx>, from: i32, to: i32| {
            Ok(match (other(&c, from), other(&c, to)) {
                (Some(Other::Bad), _) | (_, Some(Other::Bad)) => E_BADF,
                _ => E_NOTSUP,
            })
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

fn memory(c: &mut Caller<'_, Ctx>) -> Option<Memory> {
    c.get_export("memory").and_then(Extern::into_memory)
}

fn write_bytes(c: &mut Caller<'_, Ctx>, ptr: i32, bytes: &[u8]) -> i32 {
    let Some(mem) = memory(c) else {
        return E_FAULT;
    };
    match mem.write(&mut *c, ptr as u32 as usize, bytes) {
        Ok(()) => E_SUCCESS,
        Err(_) => E_FAULT,
    }
}

fn write_u32(c: &mut Caller<'_, Ctx>, ptr: i32, v: u32) -> i32 {
    write_bytes(c, ptr, &v.to_le_bytes())
}

/// Copies stdin from `pos` into the guest's iovecs; the number of bytes, or an errno.
fn read_into_iovs(c: &mut Caller<'_, Ctx>, iovs: i32, n: i32, pos: u64) -> Result<usize, i32> {
    let mem = memory(c).ok_or(E_FAULT)?;
    let data = c.data().stdin.data.clone();
    let (iovs, n) = (iovs as u32 as usize, n as u32 as usize);
    let mem_bytes = mem.data_mut(&mut *c);
    let list = iovs
        .checked_add(n.checked_mul(8).ok_or(E_FAULT)?)
        .and_then(|end| mem_bytes.get(iovs..end))
        .ok_or(E_FAULT)?
        .to_vec();
    let mut pos = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
    let mut total = 0usize;
    for iov in list.chunks_exact(8) {
        let buf = u32::from_le_bytes(iov[0..4].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(iov[4..8].try_into().unwrap()) as usize;
        let k = len.min(data.len() - pos);
        let dst = buf
            .checked_add(k)
            .and_then(|end| mem_bytes.get_mut(buf..end))
            .ok_or(E_FAULT)?;
        dst.copy_from_slice(&data[pos..pos + k]);
        pos += k;
        total += k;
        if k < len {
            break;
        }
    }
    Ok(total)
}

/// One parsed subscription.
enum Sub {
    /// A clock: nanoseconds from now until it fires.
    Clock { userdata: u64, after_ns: u64 },
    /// fd_read / fd_write readiness (event type 1 / 2).
    Fd { userdata: u64, kind: u8 },
}

/// `poll_oneoff(in, out, nsubscriptions, nevents_ptr) -> errno`, with sleeps bounded by the
/// time the run has left (see the module doc).
fn poll_oneoff(
    mut c: Caller<'_, Ctx>,
    subs_ptr: i32,
    events_ptr: i32,
    nsubs: i32,
    nevents_ptr: i32,
) -> wasmtime::Result<i32> {
    let nsubs = nsubs as u32;
    if nsubs == 0 || nsubs > MAX_POLL_SUBSCRIPTIONS {
        return Ok(E_INVAL);
    }
    let Some(mem) = memory(&mut c) else {
        return Ok(E_FAULT);
    };
    let mut raw = vec![0u8; nsubs as usize * SUBSCRIPTION_SIZE];
    if mem.read(&c, subs_ptr as u32 as usize, &mut raw).is_err() {
        return Ok(E_FAULT);
    }
    let mut subs = Vec::with_capacity(nsubs as usize);
    for s in raw.chunks_exact(SUBSCRIPTION_SIZE) {
        let u64_at = |o: usize| u64::from_le_bytes(s[o..o + 8].try_into().unwrap());
        let userdata = u64_at(0);
        match s[8] {
            0 => {
                let id = u32::from_le_bytes(s[16..20].try_into().unwrap());
                let timeout = u64_at(24);
                let absolute = s[40] & 1 != 0;
                let after_ns = match (id, absolute) {
                    (0 | 1, false) => timeout,
                    (1, true) => timeout.saturating_sub(c.data().clock.now_ns()),
                    (0, true) => timeout.saturating_sub(realtime_ns()),
                    _ => return Ok(E_NOTSUP),
                };
                subs.push(Sub::Clock { userdata, after_ns });
            }
            kind @ (1 | 2) => {
                // Every descriptor a guest can hold is ready at once: stdin is in memory,
                // stdout/stderr are in-memory pipes, a checker's files are regular files.
                subs.push(Sub::Fd { userdata, kind });
            }
            _ => return Ok(E_INVAL),
        }
    }
    let any_fd = subs.iter().any(|s| matches!(s, Sub::Fd { .. }));
    let wait_ns = if any_fd {
        0
    } else {
        subs.iter()
            .filter_map(|s| match s {
                Sub::Clock { after_ns, .. } => Some(*after_ns),
                Sub::Fd { .. } => None,
            })
            .min()
            .unwrap_or(0)
    };
    if wait_ns > 0 {
        let left = c.data().budget.left_ns();
        let sleep = wait_ns.min(left);
        let t = Instant::now();
        // Cut short (within one epoch tick) when the run is cancelled, as a busy guest is.
        let whole = c.data().budget.cancel.sleep(Duration::from_nanos(sleep));
        let slept = t.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        let budget = &mut c.data_mut().budget;
        if !whole {
            budget.slept_ns = budget.slept_ns.saturating_add(slept);
            budget.stop = StopReason::Cancelled;
            return Err(wasmtime::format_err!("cancelled while sleeping"));
        }
        budget.slept_ns = budget.slept_ns.saturating_add(slept.max(sleep));
        if wait_ns > left {
            budget.stop = StopReason::Time;
            return Err(wasmtime::format_err!("time limit exceeded while sleeping"));
        }
    }
    let mut events = Vec::new();
    for s in &subs {
        let (userdata, kind, nbytes) = match *s {
            Sub::Clock { userdata, after_ns } if after_ns <= wait_ns => (userdata, 0u8, 0u64),
            Sub::Clock { .. } => continue,
            Sub::Fd { userdata, kind } => (userdata, kind, 1),
        };
        let mut e = [0u8; EVENT_SIZE];
        e[0..8].copy_from_slice(&userdata.to_le_bytes());
        e[10] = kind;
        e[16..24].copy_from_slice(&nbytes.to_le_bytes());
        events.extend_from_slice(&e);
    }
    let n = (events.len() / EVENT_SIZE) as u32;
    if mem
        .write(&mut c, events_ptr as u32 as usize, &events)
        .is_err()
    {
        return Ok(E_FAULT);
    }
    Ok(write_u32(&mut c, nevents_ptr, n))
}

fn realtime_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos().min(u64::MAX as u128) as u64)
        .unwrap_or(0)
}
