//! One direction of an interaction: a blocking in-memory pipe from one guest's stdout to the
//! other guest's stdin.
//!
//! Writes never block (the bytes are queued; the total a side may write is capped, a write past
//! the cap traps as an output limit). A read blocks until bytes arrive, the writer has ended (then
//! end of file), the reading side is stopped from outside, or the interaction's wall-clock
//! deadline passes: a guest blocked in a read is inside a host call and never reaches its epoch
//! callback, so the read itself must wake at the deadline (it then traps and records that the
//! reader was idle).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi_io::bytes::Bytes;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError};

/// The trap message of a read that reached the deadline with nothing to read.
pub(crate) const IDLE_TRAP: &str = "idleness limit: waiting for input until the wall-clock limit";
/// The trap message of a read ended because the reading side was stopped.
pub(crate) const STOPPED_TRAP: &str = "stopped: the interaction ended";
/// How much of what crossed the pipe is kept for the report (the start of the dialogue).
pub(crate) const TRANSCRIPT_BYTES: usize = crate::judge::EXCERPT_BYTES;
/// Most bytes one `write` accepts at once (what `check_write` grants).
const WRITE_CHUNK: usize = 1 << 20;

#[derive(Default)]
struct State {
    /// Written, not yet read.
    queue: VecDeque<u8>,
    /// Bytes written so far (capped).
    written: u64,
    /// The first [`TRANSCRIPT_BYTES`] written.
    transcript: Vec<u8>,
    /// The writer ended: reads drain the queue, then see end of file.
    writer_closed: bool,
    /// The reader ended: writes are accepted and dropped.
    reader_closed: bool,
    /// A write went past the cap.
    overflow: bool,
    /// A read gave up at the deadline.
    idle: bool,
}

/// The shared pipe. Cloned handles ([`PipeReader`], [`PipeWriter`]) point at one `Pipe`.
pub(crate) struct Pipe {
    state: Mutex<State>,
    readable: Condvar,
    /// Most bytes the writer may write in all.
    cap: u64,
    /// When a blocked read gives up.
    deadline: Instant,
    /// The reading side was stopped: a blocked read returns at once (with a trap).
    reader_stop: Arc<AtomicBool>,
}

impl Pipe {
    /// A pipe whose writer may write `cap` bytes, whose reads give up at `deadline`, and whose
    /// reader is stopped by `reader_stop` (with [`Pipe::wake_reader`]).
    pub(crate) fn new(cap: u64, deadline: Instant, reader_stop: Arc<AtomicBool>) -> Arc<Pipe> {
        Arc::new(Pipe {
            state: Mutex::new(State::default()),
            readable: Condvar::new(),
            cap,
            deadline,
            reader_stop,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The writer ended (its guest exited): the reader sees end of file after the queue.
    pub(crate) fn close_writer(&self) {
        self.lock().writer_closed = true;
        self.readable.notify_all();
    }

    /// The reader ended: later writes are dropped.
    pub(crate) fn close_reader(&self) {
        let mut st = self.lock();
        st.reader_closed = true;
        st.queue.clear();
    }

    /// Wakes a blocked reader so it sees its stop flag.
    pub(crate) fn wake_reader(&self) {
        let _st = self.lock();
        self.readable.notify_all();
    }

    /// Whether a read gave up at the deadline.
    pub(crate) fn reader_was_idle(&self) -> bool {
        self.lock().idle
    }

    /// Whether a write went past the cap.
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().overflow
    }

    /// The start of what was written.
    pub(crate) fn transcript(&self) -> Vec<u8> {
        self.lock().transcript.clone()
    }

    /// Reads up to `max` bytes, blocking as the module doc says.
    fn read_blocking(&self, max: usize) -> Result<Bytes, StreamError> {
        let mut st = self.lock();
        loop {
            let now = Instant::now();
            // Idleness first: when both sides give up at the deadline, the one that ends second
            // sees the first one's end (its pipe closed, its stop flag set) and must still count
            // as idle. Past the deadline the interaction is over anyway.
            if now >= self.deadline && st.queue.is_empty() {
                st.idle = true;
                return Err(StreamError::trap(IDLE_TRAP));
            }
            if self.reader_stop.load(Ordering::Relaxed) {
                return Err(StreamError::trap(STOPPED_TRAP));
            }
            if !st.queue.is_empty() || max == 0 {
                let n = max.min(st.queue.len());
                let bytes: Vec<u8> = st.queue.drain(..n).collect();
                return Ok(bytes.into());
            }
            if st.writer_closed {
                return Err(StreamError::Closed);
            }
            st = self
                .readable
                .wait_timeout(st, self.deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Queues `bytes` for the reader: false (and the overflow flag) past the cap.
    fn push(&self, bytes: &[u8]) -> bool {
        let mut st = self.lock();
        if st.reader_closed {
            return true;
        }
        let len = bytes.len() as u64;
        if st.written.saturating_add(len) > self.cap {
            st.overflow = true;
            return false;
        }
        st.written += len;
        let room = TRANSCRIPT_BYTES.saturating_sub(st.transcript.len());
        st.transcript
            .extend_from_slice(&bytes[..room.min(bytes.len())]);
        st.queue.extend(bytes);
        drop(st);
        self.readable.notify_all();
        true
    }
}

/// The reading end, given to a guest as stdin.
#[derive(Clone)]
pub(crate) struct PipeReader(pub(crate) Arc<Pipe>);

/// The writing end, given to a guest as stdout.
#[derive(Clone)]
pub(crate) struct PipeWriter(pub(crate) Arc<Pipe>);

impl PipeWriter {
    pub(crate) fn overflowed(&self) -> bool {
        self.0.overflowed()
    }
}

impl IsTerminal for PipeReader {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl IsTerminal for PipeWriter {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for PipeReader {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl wasmtime_wasi_io::poll::Pollable for PipeReader {
    // Readiness is decided in `blocking_read`, which waits itself.
    async fn ready(&mut self) {}
}

#[async_trait::async_trait]
impl InputStream for PipeReader {
    fn read(&mut self, size: usize) -> Result<Bytes, StreamError> {
        // Non-blocking: what is queued now (possibly nothing), or end of file.
        let mut st = self.0.lock();
        if st.queue.is_empty() && st.writer_closed {
            return Err(StreamError::Closed);
        }
        let n = size.min(st.queue.len());
        Ok(st.queue.drain(..n).collect::<Vec<u8>>().into())
    }

    async fn blocking_read(&mut self, size: usize) -> Result<Bytes, StreamError> {
        // Blocks this (dedicated guest) thread: the future is driven by `block_on` there.
        self.0.read_blocking(size)
    }
}

/// Only reached through WASI preview 2's async paths, which a preview-1 guest never takes;
/// reads block the calling thread like [`InputStream::blocking_read`].
impl tokio::io::AsyncRead for PipeReader {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let r = match self.0.read_blocking(buf.remaining()) {
            Ok(bytes) => {
                buf.put_slice(&bytes);
                Ok(())
            }
            Err(StreamError::Closed) => Ok(()),
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        std::task::Poll::Ready(r)
    }
}

impl StdoutStream for PipeWriter {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl wasmtime_wasi_io::poll::Pollable for PipeWriter {
    async fn ready(&mut self) {}
}

#[async_trait::async_trait]
impl OutputStream for PipeWriter {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.0.push(&bytes) {
            Ok(())
        } else {
            Err(StreamError::trap("output limit exceeded"))
        }
    }
    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }
    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(WRITE_CHUNK)
    }
}

impl tokio::io::AsyncWrite for PipeWriter {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(if self.0.push(buf) {
            Ok(buf.len())
        } else {
            Err(std::io::Error::other("output limit exceeded"))
        })
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
    use std::time::Duration;

    fn pipe(cap: u64, deadline: Instant) -> (Arc<Pipe>, Arc<AtomicBool>) {
        let stop = Arc::new(AtomicBool::new(false));
        (Pipe::new(cap, deadline, stop.clone()), stop)
    }

    fn later() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    /// Bytes come out in order, in pieces no larger than asked; after the writer closes, the
    /// rest is read and then end of file.
    #[test]
    fn reads_in_order_then_end_of_file() {
        let (p, _) = pipe(100, later());
        assert!(p.push(b"12 34\n"));
        assert_eq!(&p.read_blocking(3).unwrap()[..], b"12 ");
        p.close_writer();
        assert_eq!(&p.read_blocking(100).unwrap()[..], b"34\n");
        assert!(matches!(p.read_blocking(100), Err(StreamError::Closed)));
    }

    /// A reader blocked on an empty pipe is woken by a write from another thread.
    #[test]
    fn blocked_reader_wakes_on_write() {
        let (p, _) = pipe(100, later());
        let q = p.clone();
        let t = std::thread::spawn(move || q.read_blocking(10));
        assert!(p.push(b"hi"));
        assert_eq!(&t.join().unwrap().unwrap()[..], b"hi");
    }

    /// A reader blocked on an empty pipe is woken by its stop flag and traps.
    #[test]
    fn stop_wakes_a_blocked_reader() {
        let (p, stop) = pipe(100, later());
        let q = p.clone();
        let t = std::thread::spawn(move || q.read_blocking(10));
        stop.store(true, Ordering::Relaxed);
        p.wake_reader();
        let e = t.join().unwrap().unwrap_err();
        assert!(e.to_string().contains(STOPPED_TRAP), "{e}");
        assert!(!p.reader_was_idle());
    }

    /// At the deadline a read with nothing to read gives up and records idleness, even when the
    /// reader was stopped and its writer closed at the same time (the other side gave up first).
    #[test]
    fn deadline_ends_a_read_as_idle() {
        let (p, _) = pipe(100, Instant::now());
        let e = p.read_blocking(10).unwrap_err();
        assert!(e.to_string().contains(IDLE_TRAP), "{e}");
        assert!(p.reader_was_idle());
        let (p, stop) = pipe(100, Instant::now());
        stop.store(true, Ordering::Relaxed);
        p.close_writer();
        assert!(p.read_blocking(10).is_err());
        assert!(p.reader_was_idle());
    }

    /// The cap counts every byte written; the transcript keeps the start; writes after the
    /// reader ended are dropped.
    #[test]
    fn cap_transcript_and_closed_reader() {
        let (p, _) = pipe(5, later());
        assert!(p.push(b"abc"));
        assert!(!p.push(b"def"));
        assert!(p.overflowed());
        assert_eq!(p.transcript(), b"abc");
        let (p, _) = pipe(5, later());
        p.close_reader();
        assert!(p.push(b"0123456789"));
        assert!(!p.overflowed());
    }
}
