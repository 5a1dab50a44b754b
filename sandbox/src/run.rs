//! The wasmtime host: runs one WASI preview-1 command module with hard limits.
//!
//! One [`Runner`] owns one `Engine` (epoch interruption on, a large wasm stack for deep
//! recursion) and one `Linker` with WASI preview 1. Each run gets a fresh `Store` with:
//! stdin from memory; stdout/stderr in capped in-memory pipes (a write past the cap traps, so a
//! flood ends at once as OLE); no environment; fixed args; no preopened directories unless the
//! caller grants one (a custom checker's files, read-only); a CPU-time limit checked on epoch
//! ticks (with a wall-clock backstop); and a memory limit through a `ResourceLimiter` that also
//! records the peak. Guests run on a dedicated thread whose native stack holds
//! [`MAX_WASM_STACK`] (and never on a tokio worker: `add_to_linker_sync` would panic there).

use crate::Limits;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::{
    Config, Engine, InstancePre, Linker, Module, ResourceLimiter, Store, Trap, UpdateDeadline,
};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{Deterministic, FsPerms, I32Exit, WasiCtxBuilder};
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
/// Cap on captured stderr (only shown in messages).
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
    pre: InstancePre<Ctx>,
}

/// What one run gets.
pub struct RunSpec<'a> {
    /// argv, including argv[0].
    pub args: Vec<String>,
    pub stdin: Bytes,
    pub limits: Limits,
    /// A host directory to preopen read-only as `.` (checker files only).
    pub preopen: Option<&'a Path>,
}

pub(crate) struct Ctx {
    wasi: WasiP1Ctx,
    limiter: MemLimiter,
}

struct MemLimiter {
    limit: usize,
    peak: usize,
    exceeded: bool,
}

impl ResourceLimiter for MemLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.exceeded = true;
            return Err(wasmtime::format_err!("memory limit exceeded"));
        }
        self.peak = self.peak.max(desired);
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

/// Why the epoch callback stopped a guest.
const STOP_NONE: u8 = 0;
const STOP_TIME: u8 = 1;

/// The wasmtime host shared by all runs.
pub struct Runner {
    engine: Engine,
    linker: Linker<Ctx>,
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
        let engine = Engine::new(&config).map_err(to_anyhow)?;
        let mut linker: Linker<Ctx> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |c: &mut Ctx| &mut c.wasi)
            .map_err(to_anyhow)?;
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
        Ok(Guest { pre })
    }

    /// Runs a guest on a fresh thread with a large native stack.
    pub fn run(&self, guest: &Guest, spec: RunSpec<'_>) -> Result<RunOutcome> {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("vibecheck-guest".into())
                .stack_size(GUEST_THREAD_STACK)
                .spawn_scoped(s, || self.run_here(guest, spec))
                .context("starting a guest thread")?
                .join()
                .map_err(|_| anyhow::anyhow!("the guest thread panicked"))?
        })
    }

    /// Runs a guest on the current thread (which must have a large enough stack).
    fn run_here(&self, guest: &Guest, spec: RunSpec<'_>) -> Result<RunOutcome> {
        let limits = spec.limits;
        let stdout = CappedPipe::new(limits.output_bytes as usize);
        let stderr = CappedPipe::new(MAX_STDERR_BYTES);
        let mut b = WasiCtxBuilder::new();
        b.args(&spec.args)
            .stdin(MemoryInputPipe::new(spec.stdin))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .secure_random(Deterministic::new(guest_random_bytes()))
            .insecure_random(Deterministic::new(guest_random_bytes()))
            .insecure_random_seed(GUEST_RANDOM_SEED as u128);
        if let Some(dir) = spec.preopen {
            b.preopened_dir(dir, ".", FsPerms::ReadOnly)
                .map_err(to_anyhow)
                .with_context(|| format!("granting {}", dir.display()))?;
        }
        let ctx = Ctx {
            wasi: b.build_p1(),
            limiter: MemLimiter {
                limit: (limits.memory_mb as usize).saturating_mul(1 << 20),
                peak: 0,
                exceeded: false,
            },
        };
        let mut store = Store::new(&self.engine, ctx);
        store.limiter(|c| &mut c.limiter);
        let stop_reason = Arc::new(AtomicU8::new(STOP_NONE));
        let cpu_start = thread_cpu_ns();
        let wall_start = Instant::now();
        let cpu_limit_ns = limits.time_ms.saturating_mul(1_000_000);
        let wall_limit = Duration::from_millis(
            limits
                .time_ms
                .saturating_mul(WALL_FACTOR)
                .saturating_add(WALL_SLACK_MS),
        );
        {
            let stop_reason = stop_reason.clone();
            store.epoch_deadline_callback(move |_| {
                // Runs on the guest thread, so the thread CPU clock measures the guest.
                let cpu = thread_cpu_ns().saturating_sub(cpu_start);
                if cpu >= cpu_limit_ns || wall_start.elapsed() >= wall_limit {
                    stop_reason.store(STOP_TIME, Ordering::Relaxed);
                    return Err(wasmtime::format_err!("time limit exceeded"));
                }
                Ok(UpdateDeadline::Continue(1))
            });
        }
        store.set_epoch_deadline(1);
        let result = guest.pre.instantiate(&mut store).and_then(|inst| {
            let start = inst.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call(&mut store, ())
        });
        let cpu_ns = thread_cpu_ns().saturating_sub(cpu_start);
        let wall_ms = wall_start.elapsed().as_millis() as u64;
        let limiter = &store.data().limiter;
        let (peak, mle) = (limiter.peak, limiter.exceeded);
        drop(store);
        let status = match result {
            Ok(()) => Status::Exited(0),
            Err(e) => {
                if stdout.overflowed() {
                    Status::OutputLimit
                } else if stop_reason.load(Ordering::Relaxed) == STOP_TIME {
                    Status::TimeLimit
                } else if mle {
                    Status::MemoryLimit
                } else if let Some(exit) = e.downcast_ref::<I32Exit>() {
                    Status::Exited(exit.0)
                } else if let Some(trap) = e.downcast_ref::<Trap>() {
                    Status::Trap(trap_name(*trap))
                } else if stderr.overflowed() {
                    Status::Trap("stderr exceeded its limit".into())
                } else {
                    Status::Trap(format!("{e:#}"))
                }
            }
        };
        let cpu_ms = cpu_ns / 1_000_000;
        let status = if status != Status::TimeLimit && cpu_ns > cpu_limit_ns {
            // Finished between two ticks but over the limit.
            Status::TimeLimit
        } else {
            status
        };
        Ok(RunOutcome {
            status,
            stdout: stdout.take(),
            stderr: stderr.take(),
            cpu_ms,
            wall_ms,
            memory_kib: (peak / 1024) as u64,
        })
    }
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
    overflow: Arc<AtomicBool>,
}

impl CappedPipe {
    fn new(cap: usize) -> Self {
        CappedPipe {
            buf: Arc::new(Mutex::new(Vec::new())),
            cap,
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
            return false;
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
