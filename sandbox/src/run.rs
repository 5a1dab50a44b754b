//! The wasmtime host: runs one WASI preview-1 command module with hard limits.
//!
//! One [`Runner`] owns one `Engine` (epoch interruption on, a large wasm stack for deep
//! recursion) and one `Linker` with WASI preview 1, a few calls replaced by ours
//! (`hostcalls`: bounded sleeps, stdin as a seekable file). Each run gets a fresh `Store`
//! with: stdin served from memory as a regular file; stdout in a capped in-memory pipe (a
//! write past the cap traps, so a flood ends at once as OLE); stderr keeping its first
//! [`MAX_STDERR_BYTES`] and dropping the rest; no environment; fixed args; no preopened
//! directories unless the caller grants one (a custom checker's files, read-only).
//! [`Runner::run_piped`] instead connects stdin and stdout to another guest (interactive
//! problems, see `interact`): blocking pipes read through the stock WASI calls, a stop flag
//! checked on every epoch tick, the interaction's wall-clock deadline.
//!
//! Limits: time is the guest thread's CPU time plus the time it sleeps, checked on epoch ticks
//! and inside `poll_oneoff` (a guest blocked in a sleep never reaches an epoch check), with a
//! wall-clock backstop. The run's [`Cancel`] is checked at the same places (and before the
//! guest starts): a cancelled run ends at once as [`Status::Cancelled`]. Memory is what the
//! guest touches: resident pages of its linear memory (`mincore`), checked on every tick and at
//! the end; address space it only reserves (the 256 MiB shadow stack, untouched arrays) is
//! free, and growth past `initial + limit` traps.
//! Guests run on a dedicated thread whose native stack holds [`MAX_WASM_STACK`] (and never on
//! a tokio worker: `add_to_linker_sync` would panic there).

use crate::hostcalls::StdinFile;
use crate::{Cancel, Limits};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::{
    AsContextMut, Config, Engine, InstancePre, Linker, Memory, Module, ResourceLimiter, Store,
    Trap, UpdateDeadline,
};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{Deterministic, FsPerms, HostMonotonicClock, I32Exit, WasiCtxBuilder};
use wasmtime_wasi_io::bytes::Bytes;
use wasmtime_wasi_io::streams::{OutputStream, StreamError};

/// Epoch tick: how often running guests are checked against their limits. 5 ms keeps the
/// TLE overshoot small and costs nothing measurable.
pub const EPOCH_TICK_MS: u64 = 5;
/// Native stack for wasm frames. Deep DFS recursion (10^6 frames) needs far more than
/// wasmtime's 512 KiB default; the thread reservation is virtual, so this costs no memory
/// until used. Note: this native stack is host memory outside the guest's memory limit; a
/// runaway recursion touches at most this much before it traps as "stack overflow".
pub const MAX_WASM_STACK: usize = 512 << 20;
/// Native stack of a guest thread: the wasm stack plus room for the host side.
pub const GUEST_THREAD_STACK: usize = MAX_WASM_STACK + (64 << 20);
/// A guest that is not burning CPU (e.g. descheduled on a loaded machine) is still stopped
/// after this many times its time limit plus [`WALL_SLACK_MS`] of wall-clock time.
pub const WALL_FACTOR: u64 = 3;
/// See [`WALL_FACTOR`].
pub const WALL_SLACK_MS: u64 = 1_000;
/// Seed of the guest's deterministic randomness (see `guest_random_bytes`).
pub const GUEST_RANDOM_SEED: u64 = 0x5eed_c0de_d00d_f00d;
/// Stderr kept for the report; the rest is accepted and dropped (judges ignore stderr, so a
/// chatty debug print is never a verdict).
pub const MAX_STDERR_BYTES: usize = 64 << 10;

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Exit code (0 = normal end).
    Exited(i32),
    /// A wasm trap, by name.
    Trap(String),
    TimeLimit,
    MemoryLimit,
    OutputLimit,
    /// Stopped (or never started) because the run's [`Cancel`] fired: nothing is known about
    /// the program.
    Cancelled,
}

/// Everything observed about one run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// CPU time of the guest thread.
    pub cpu_ms: u64,
    pub wall_ms: u64,
    /// Peak linear memory.
    pub memory_kib: u64,
    /// The CPU time limit this run had (its `Limits::time_ms`; for Python the test's limit
    /// times the Python time factor).
    pub time_limit_ms: u64,
}

impl RunOutcome {
    /// The last lines of stderr, for messages.
    pub fn stderr_tail(&self) -> String {
        let s = String::from_utf8_lossy(&self.stderr);
        let s = s.trim_end();
        let start = s.len().saturating_sub(400);
        let start = (start..=s.len())
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(s.len());
        s[start..].to_string()
    }
}

/// A compiled guest, ready to instantiate cheaply.
#[derive(Clone)]
pub struct Guest {
    /// Linked with stdin served as a file (runs without a directory).
    pre: InstancePre<Ctx>,
    /// Linked with stock descriptor calls (runs that get a directory: custom checkers).
    pre_dir: InstancePre<Ctx>,
}

/// A run connected to another guest instead of served from memory (interactive problems, see
/// `interact`): stdin and stdout are blocking pipes, the run may be stopped from outside, and its
/// wall-clock deadline is the interaction's.
pub(crate) struct PipedIo {
    pub stdin: crate::interact::PipeReader,
    pub stdout: crate::interact::PipeWriter,
    /// Set by the other side's thread: the run ends at its next epoch tick (a blocked read
    /// ends at once, see `PipeReader`).
    pub abort: Arc<AtomicBool>,
    /// The interaction's wall-clock deadline (replaces the run's own backstop when earlier).
    pub deadline: Instant,
    /// Preopen `RunSpec::preopen` read-write (an interactor writes its output file there).
    pub writable_dir: bool,
}

/// What one run gets.
pub struct RunSpec<'a> {
    /// argv, including argv[0].
    pub args: Vec<String>,
    pub stdin: Bytes,
    pub limits: Limits,
    /// A host directory to preopen read-only as `.` (checker files only).
    pub preopen: Option<&'a Path>,
    /// Ends the run early when it fires (see [`Status::Cancelled`]).
    pub cancel: Cancel,
}

/// No args, empty stdin, default limits, no directory, never cancelled.
impl Default for RunSpec<'_> {
    fn default() -> Self {
        RunSpec {
            args: Vec::new(),
            stdin: Bytes::new(),
            limits: Limits::DEFAULT,
            preopen: None,
            cancel: Cancel::default(),
        }
    }
}

pub(crate) struct Ctx {
    wasi: WasiP1Ctx,
    limiter: MemLimiter,
    pub(crate) budget: Budget,
    pub(crate) clock: GuestClock,
    pub(crate) stdin: StdinFile,
    /// The guest's linear memory (set after instantiation), measured on every epoch tick.
    memory: Option<Memory>,
}

/// Why the host stopped a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
    None,
    Time,
    Memory,
    /// The run's [`Cancel`] fired.
    Cancelled,
}

/// A run's time budget: guest CPU time plus time spent sleeping (sleeps are charged, so a
/// sleeping guest reaches its limit like a busy one), and a wall-clock backstop.
pub(crate) struct Budget {
    cpu_start: u64,
    limit_ns: u64,
    pub(crate) slept_ns: u64,
    wall_deadline: Instant,
    pub(crate) stop: StopReason,
    /// The request's cancellation: its deadline caps the run's wall time (the effective wall
    /// deadline is the earlier of the two), and its flag stops the run.
    pub(crate) cancel: Cancel,
}

impl Budget {
    /// CPU time of the guest thread since the start plus charged sleeps. Only meaningful on
    /// the guest thread (the epoch callback and host calls run there).
    fn used_ns(&self) -> u64 {
        thread_cpu_ns()
            .saturating_sub(self.cpu_start)
            .saturating_add(self.slept_ns)
    }

    /// Nanoseconds the guest may still use: the smaller of the time budget and the wall-clock
    /// backstop.
    pub(crate) fn left_ns(&self) -> u64 {
        let wall = self
            .wall_deadline
            .saturating_duration_since(Instant::now())
            .as_nanos()
            .min(u64::MAX as u128) as u64;
        self.limit_ns.saturating_sub(self.used_ns()).min(wall)
    }

    /// Why the guest must stop now, if it must: its time limit first (the guest's own fault,
    /// real evidence), then cancellation, then the wall-clock backstop.
    pub(crate) fn check(&self) -> StopReason {
        if self.used_ns() >= self.limit_ns {
            StopReason::Time
        } else if self.cancel.is_cancelled() {
            StopReason::Cancelled
        } else if Instant::now() >= self.wall_deadline {
            StopReason::Time
        } else {
            StopReason::None
        }
    }
}

/// The guest's monotonic clock: nanoseconds since the run started (shared by
/// `clock_time_get` and absolute `poll_oneoff` timeouts, so both agree).
#[derive(Clone, Copy)]
pub(crate) struct GuestClock {
    origin: Instant,
}

impl GuestClock {
    pub(crate) fn now_ns(&self) -> u64 {
        self.origin.elapsed().as_nanos().min(u64::MAX as u128) as u64
    }
}

impl HostMonotonicClock for GuestClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        self.now_ns()
    }
}

/// Caps linear memory growth: the initial memory (data, the reserved shadow stack) is always
/// granted; growth beyond `initial + limit` traps (the program could never touch that much
/// within its limit anyway). What counts for the verdict is touched memory, measured apart.
struct MemLimiter {
    limit: usize,
    initial: Option<usize>,
    exceeded: bool,
}

impl ResourceLimiter for MemLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A memory being created: the linear memory, or (first, for modules with exception
        // tags) wasmtime's GC heap that holds exception references.
        if current == 0 {
            self.initial = Some(self.initial.unwrap_or(0).max(desired));
            return Ok(true);
        }
        let initial = self.initial.unwrap_or(0);
        if desired > initial.saturating_add(self.limit) {
            self.exceeded = true;
            return Err(wasmtime::format_err!("memory limit exceeded"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// Host pages asked of `mincore` per call: the answer goes to a fixed buffer on the guest
/// thread's stack (2 KiB words = 16 KiB), so measuring allocates and zeroes nothing; 64 MiB
/// of linear memory per call, five calls for the 256 MiB judge stack plus a small heap.
const MINCORE_CHUNK_PAGES: usize = 16 * 1024;

/// Bytes of the guest's linear memory that are resident (touched): `mincore` over the
/// memory's host mapping. Wasm memory never shrinks and the guest cannot release pages, so
/// the value at any moment is the peak so far.
fn resident_bytes(store: &mut wasmtime::StoreContextMut<'_, Ctx>) -> u64 {
    let Some(mem) = store.data().memory else {
        return 0;
    };
    let (ptr, len) = (mem.data_ptr(&*store), mem.data_size(&*store));
    // SAFETY: `ptr..ptr+len` is the live mapping of this store's linear memory (page-aligned:
    // wasmtime maps memories at page boundaries), and nothing runs the guest meanwhile.
    unsafe { resident_in(ptr, len) }
}

/// Resident bytes of the mapping `ptr..ptr+len`, counted eight pages per word (bit 0 of each
/// `mincore` byte).
///
/// # Safety
/// `ptr` must be page-aligned and `ptr..ptr+len` mapped.
unsafe fn resident_in(ptr: *mut u8, len: usize) -> u64 {
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    let page = host_page_size();
    let mut words = [0u64; MINCORE_CHUNK_PAGES / 8];
    let mut pages = 0u64;
    let mut off = 0usize;
    while off < len {
        let n = (len - off).min(MINCORE_CHUNK_PAGES * page);
        let np = n.div_ceil(page);
        // SAFETY: the range is inside the caller's mapping; `words` holds
        // MINCORE_CHUNK_PAGES >= np bytes.
        let rc = unsafe { libc::mincore(ptr.add(off).cast(), n, words.as_mut_ptr().cast()) };
        if rc != 0 {
            return len as u64; // cannot measure: count all of it
        }
        for w in &words[..np / 8] {
            pages += u64::from((w & LOW_BITS).count_ones());
        }
        if !np.is_multiple_of(8) {
            let tail = words[np / 8].to_ne_bytes();
            pages += tail[..np % 8].iter().filter(|b| **b & 1 != 0).count() as u64;
        }
        off += n;
    }
    pages * page as u64
}

fn host_page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

/// The wasmtime host shared by all runs.
pub struct Runner {
    engine: Engine,
    linker: Linker<Ctx>,
    /// Stock WASI descriptor calls (only `poll_oneoff` replaced), for runs with a directory.
    dir_linker: Linker<Ctx>,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl Runner {
    pub fn new() -> Result<Runner> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.max_wasm_stack(MAX_WASM_STACK);
        // Only consulted for async calls (we call synchronously) but must not be smaller.
        config.async_stack_size(MAX_WASM_STACK + (1 << 20));
        config.cranelift_opt_level(wasmtime::OptLevel::Speed);
        // C++ `try`/`catch` (WebAssembly exception handling, exnref; see compile::EH_COMPILE_FLAGS).
        // The GC proposal itself stays off: exceptions only need the GC heap for exnref objects.
        config.wasm_exceptions(true);
        config.wasm_gc(false);
        let engine = Engine::new(&config).map_err(to_anyhow)?;
        let mut linker: Linker<Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c: &mut Ctx| &mut c.wasi)
            .map_err(to_anyhow)?;
        crate::hostcalls::add_poll_override(&mut linker).map_err(to_anyhow)?;
        let dir_linker = linker.clone();
        crate::hostcalls::add_stdin_overrides(&mut linker).map_err(to_anyhow)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (e, stop) = (engine.clone(), ticker_stop.clone());
        std::thread::Builder::new()
            .name("vibecheck-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(EPOCH_TICK_MS));
                    e.increment_epoch();
                }
            })
            .context("starting the epoch thread")?;
        Ok(Runner {
            engine,
            linker,
            dir_linker,
            ticker_stop,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles (cranelift) a wasm module. Slow: callers cache.
    pub fn compile_module(&self, wasm: &[u8]) -> Result<Module> {
        Module::new(&self.engine, wasm).map_err(to_anyhow)
    }

    /// Serializes a compiled module for the on-disk cache.
    pub fn serialize(&self, module: &Module) -> Result<Vec<u8>> {
        module.serialize().map_err(to_anyhow)
    }

    /// Loads a module serialized by [`Runner::serialize`] with this engine.
    ///
    /// # Safety
    /// `bytes` must come from `Module::serialize` of a compatible engine: the sandbox only reads
    /// its own cache directory, whose entries it wrote atomically.
    pub unsafe fn deserialize(&self, bytes: &[u8]) -> Result<Module> {
        unsafe { Module::deserialize(&self.engine, bytes) }.map_err(to_anyhow)
    }

    /// Links a module against WASI once, so each run only instantiates.
    pub fn prepare(&self, module: &Module) -> Result<Guest> {
        let pre = self.linker.instantiate_pre(module).map_err(to_anyhow)?;
        let pre_dir = self.dir_linker.instantiate_pre(module).map_err(to_anyhow)?;
        Ok(Guest { pre, pre_dir })
    }

    /// Runs a guest on a fresh thread with a large native stack.
    pub fn run(&self, guest: &Guest, spec: RunSpec<'_>) -> Result<RunOutcome> {
        on_guest_thread(|| self.run_here(guest, spec, None))
    }

    /// Runs a guest connected to pipes (see [`PipedIo`]) on a fresh thread with a large native
    /// stack. `RunOutcome::stdout` stays empty: what the guest wrote went into the pipe.
    pub(crate) fn run_piped(
        &self,
        guest: &Guest,
        spec: RunSpec<'_>,
        io: PipedIo,
    ) -> Result<RunOutcome> {
        on_guest_thread(|| self.run_here(guest, spec, Some(io)))
    }

    /// Runs a guest on the current thread (which must have a large enough stack).
    fn run_here(
        &self,
        guest: &Guest,
        spec: RunSpec<'_>,
        io: Option<PipedIo>,
    ) -> Result<RunOutcome> {
        if spec.cancel.is_cancelled() {
            return Ok(RunOutcome {
                status: Status::Cancelled,
                stdout: Vec::new(),
                stderr: Vec::new(),
                cpu_ms: 0,
                wall_ms: 0,
                memory_kib: 0,
                time_limit_ms: spec.limits.time_ms,
            });
        }
        let limits = spec.limits;
        let stdout = CappedPipe::new(limits.output_bytes as usize, false);
        let stderr = CappedPipe::new(MAX_STDERR_BYTES, true);
        let clock = GuestClock {
            origin: Instant::now(),
        };
        let mut b = WasiCtxBuilder::new();
        b.args(&spec.args);
        match &io {
            Some(io) => b.stdin(io.stdin.clone()).stdout(io.stdout.clone()),
            None => b
                .stdin(MemoryInputPipe::new(if spec.preopen.is_some() {
                    spec.stdin.clone()
                } else {
                    Bytes::new()
                }))
                .stdout(stdout.clone()),
        };
        b.stderr(stderr.clone())
            .monotonic_clock(clock)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .secure_random(Deterministic::new(guest_random_bytes()))
            .insecure_random(Deterministic::new(guest_random_bytes()))
            .insecure_random_seed(GUEST_RANDOM_SEED as u128);
        if let Some(dir) = spec.preopen {
            let perms = match &io {
                Some(io) if io.writable_dir => FsPerms::ReadWrite,
                _ => FsPerms::ReadOnly,
            };
            b.preopened_dir(dir, ".", perms)
                .map_err(to_anyhow)
                .with_context(|| format!("granting {}", dir.display()))?;
        }
        let wall_start = Instant::now();
        let limit_ns = limits.time_ms.saturating_mul(1_000_000);
        let wall_limit = Duration::from_millis(
            limits
                .time_ms
                .saturating_mul(WALL_FACTOR)
                .saturating_add(WALL_SLACK_MS),
        );
        let ctx = Ctx {
            wasi: b.build_p1(),
            limiter: MemLimiter {
                limit: (limits.memory_mb as usize).saturating_mul(1 << 20),
                initial: None,
                exceeded: false,
            },
            budget: Budget {
                cpu_start: thread_cpu_ns(),
                limit_ns,
                slept_ns: 0,
                wall_deadline: match &io {
                    Some(io) => io.deadline.min(wall_start + wall_limit),
                    None => wall_start + wall_limit,
                },
                stop: StopReason::None,
                cancel: spec.cancel.clone(),
            },
            clock,
            stdin: StdinFile::new(spec.stdin),
            memory: None,
        };
        let mem_limit = limits.memory_mb.saturating_mul(1 << 20);
        let mut store = Store::new(&self.engine, ctx);
        store.limiter(|c| &mut c.limiter);
        let abort = io.as_ref().map(|io| io.abort.clone());
        store.epoch_deadline_callback(move |mut store| {
            // Runs on the guest thread, so the thread CPU clock measures the guest.
            match store.data().budget.check() {
                StopReason::None => {}
                why => {
                    store.data_mut().budget.stop = why;
                    return Err(wasmtime::format_err!("stopped: {why:?}"));
                }
            }
            if abort.as_ref().is_some_and(|a| a.load(Ordering::Relaxed)) {
                return Err(wasmtime::format_err!("stopped: the interaction ended"));
            }
            // A run younger than one tick is measured once at its end instead (the ticker is
            // shared, so a run's first tick may come at once); saves a `mincore` per short test.
            let young = store.data().clock.now_ns() < EPOCH_TICK_MS * 1_000_000;
            if !young && resident_bytes(&mut store) > mem_limit {
                store.data_mut().budget.stop = StopReason::Memory;
                return Err(wasmtime::format_err!("memory limit exceeded"));
            }
            Ok(UpdateDeadline::Continue(1))
        });
        store.set_epoch_deadline(1);
        // Piped runs read stdin through the stock calls (a pipe is not a file).
        let pre = if spec.preopen.is_some() || io.is_some() {
            &guest.pre_dir
        } else {
            &guest.pre
        };
        let result = pre.instantiate(&mut store).and_then(|inst| {
            let memory = inst.get_memory(&mut store, "memory");
            store.data_mut().memory = memory;
            let start = inst.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call(&mut store, ())
        });
        let resident = resident_bytes(&mut store.as_context_mut());
        let wall_ms = wall_start.elapsed().as_millis() as u64;
        let data = store.data();
        let used_ns = data.budget.used_ns();
        let stop = data.budget.stop;
        let mle = data.limiter.exceeded || stop == StopReason::Memory || resident > mem_limit;
        drop(store);
        let status = match result {
            Ok(()) => Status::Exited(0),
            Err(e) => {
                let overflowed = match &io {
                    Some(io) => io.stdout.overflowed(),
                    None => stdout.overflowed(),
                };
                if overflowed {
                    Status::OutputLimit
                } else if stop == StopReason::Time {
                    Status::TimeLimit
                } else if stop == StopReason::Cancelled {
                    Status::Cancelled
                } else if mle {
                    Status::MemoryLimit
                } else if let Some(exit) = e.downcast_ref::<I32Exit>() {
                    Status::Exited(exit.0)
                } else if let Some(trap) = e.downcast_ref::<Trap>() {
                    Status::Trap(trap_name(*trap))
                } else {
                    Status::Trap(format!("{e:#}"))
                }
            }
        };
        let status = if status == Status::TimeLimit || status == Status::OutputLimit {
            status
        } else if used_ns > limit_ns {
            // Finished between two ticks but over the limit.
            Status::TimeLimit
        } else if mle {
            // Touched more than the limit and ended before the next tick.
            Status::MemoryLimit
        } else {
            status
        };
        Ok(RunOutcome {
            status,
            stdout: stdout.take(),
            stderr: stderr.take(),
            cpu_ms: used_ns / 1_000_000,
            wall_ms,
            memory_kib: resident / 1024,
            time_limit_ms: limits.time_ms,
        })
    }
}

/// Runs `f` on a fresh thread whose native stack holds [`GUEST_THREAD_STACK`].
fn on_guest_thread<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("vibecheck-guest".into())
            .stack_size(GUEST_THREAD_STACK)
            .spawn_scoped(s, f)
            .context("starting a guest thread")?
            .join()
            .map_err(|_| anyhow::anyhow!("the guest thread panicked"))?
    })
}

/// Bytes served to the guest's `random_get` (cycled): fixed, so every run of a program sees
/// the same "random" numbers and verdicts are reproducible.
fn guest_random_bytes() -> Vec<u8> {
    let mut x: u64 = GUEST_RANDOM_SEED;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn trap_name(t: Trap) -> String {
    match t {
        Trap::StackOverflow => "stack overflow".into(),
        Trap::MemoryOutOfBounds => "out of bounds memory access".into(),
        Trap::IntegerDivisionByZero => "integer divide by zero".into(),
        Trap::IntegerOverflow => "integer overflow".into(),
        Trap::UnreachableCodeReached => "unreachable executed (abort)".into(),
        Trap::IndirectCallToNull | Trap::BadSignature | Trap::TableOutOfBounds => {
            format!("bad indirect call ({t})")
        }
        other => other.to_string(),
    }
}

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

pub(crate) fn to_anyhow(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:#}")
}

/// An in-memory output pipe with a hard cap: a write past the cap traps the guest and sets a
/// flag (the host reports OLE), instead of failing silently.
#[derive(Clone)]
struct CappedPipe {
    buf: Arc<Mutex<Vec<u8>>>,
    cap: usize,
    /// Keep the first `cap` bytes and accept (drop) the rest instead of trapping: stderr,
    /// which judges ignore.
    discard_overflow: bool,
    overflow: Arc<AtomicBool>,
}

impl CappedPipe {
    fn new(cap: usize, discard_overflow: bool) -> Self {
        CappedPipe {
            buf: Arc::new(Mutex::new(Vec::new())),
            cap,
            discard_overflow,
            overflow: Arc::new(AtomicBool::new(false)),
        }
    }
    fn overflowed(&self) -> bool {
        self.overflow.load(Ordering::Relaxed)
    }
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock().unwrap())
    }
    fn push(&self, bytes: &[u8]) -> bool {
        let mut b = self.buf.lock().unwrap();
        if b.len() + bytes.len() > self.cap {
            let room = self.cap - b.len();
            b.extend_from_slice(&bytes[..room]);
            self.overflow.store(true, Ordering::Relaxed);
            return self.discard_overflow;
        }
        b.extend_from_slice(bytes);
        true
    }
}

impl IsTerminal for CappedPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl wasmtime_wasi_io::poll::Pollable for CappedPipe {
    async fn ready(&mut self) {}
}

#[async_trait::async_trait]
impl OutputStream for CappedPipe {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.push(&bytes) {
            Ok(())
        } else {
            Err(StreamError::trap("output limit exceeded"))
        }
    }
    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always accept (up to 1 MiB per call); the cap is enforced in `write` with a trap.
        Ok(1 << 20)
    }
}

impl tokio::io::AsyncWrite for CappedPipe {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.push(buf) {
            std::task::Poll::Ready(Ok(buf.len()))
        } else {
            std::task::Poll::Ready(Err(std::io::Error::other("output limit exceeded")))
        }
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Touched pages are counted exactly, across a `mincore` chunk boundary and in a tail that
    /// is not a multiple of eight pages; untouched reserved pages cost nothing.
    #[test]
    fn resident_in_counts_touched_pages_only() {
        let page = host_page_size();
        let pages = MINCORE_CHUNK_PAGES + 13;
        let len = pages * page;
        // SAFETY: a fresh private anonymous mapping, unmapped below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert_ne!(ptr, libc::MAP_FAILED);
        // Exact page counts need 4 KiB faults, whatever the host's transparent huge pages say.
        unsafe { libc::madvise(ptr, len, libc::MADV_NOHUGEPAGE) };
        let base = ptr.cast::<u8>();
        assert_eq!(unsafe { resident_in(base, len) }, 0);
        let touched = [
            0,
            1,
            7,
            8,
            MINCORE_CHUNK_PAGES - 1,
            MINCORE_CHUNK_PAGES,
            pages - 1,
        ];
        for p in touched {
            // SAFETY: inside the mapping.
            unsafe { base.add(p * page).write_volatile(1) };
        }
        let got = unsafe { resident_in(base, len) };
        // SAFETY: the mapping made above.
        unsafe { libc::munmap(ptr, len) };
        assert_eq!(got, (touched.len() * page) as u64);
    }
}
