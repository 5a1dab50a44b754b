//! Resource limits of the HTTP API: body size, per-key rate limits, per-route concurrency with a
//! bounded queue, and per-request deadlines. Every default is a named constant saying why.

use super::auth::KeyId;
use super::error::ApiError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default largest request body (`--max-body`), 2 MiB: a long solution or a judge request with a
/// few hundred KiB of test input fits; anything larger is better sent as several requests.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Default sustained request rate per API key (`--rate`, requests/second): generous for a tutoring
/// platform's backend, small enough that one runaway client cannot monopolise the workers.
pub const DEFAULT_RATE_PER_SEC: f64 = 20.0;

/// Default burst per key (`--burst`): a page of steps checked at once must not be throttled.
pub const DEFAULT_BURST: u32 = 40;

/// Default waiting requests per route beyond the running ones (`--queue`). A queued request
/// holds only a few KiB; past this the server answers 503 quickly instead of letting latency grow
/// without bound.
pub const DEFAULT_QUEUE: usize = 64;

/// Default per-request deadline (`--deadline`), seconds, counted from arrival and including time
/// spent queued. Verification of a typical solution takes well under a second; judge requests are
/// validated up front to fit (see [`judge_budget_ms`]).
pub const DEFAULT_DEADLINE_SECS: u64 = 60;

/// Default deadline of a `/v1/solve` stream (`--solve-deadline`), seconds: a 1.5B model writing
/// long chains, with retries, takes minutes even on a GPU; the agent stops at this budget and
/// reports what it has.
pub const DEFAULT_SOLVE_DEADLINE_SECS: u64 = 900;

/// Default time a client has to send a request's head (request line and headers) once a
/// connection is open or idle (`--header-timeout`), seconds. Browsers and API clients send their
/// headers in one write; a slowloris client that trickles them would otherwise hold a connection
/// (and a slot of [`DEFAULT_MAX_CONNECTIONS`]) forever.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;

/// Default time a client has to send a request body once the handler starts reading it
/// (`--body-timeout`), seconds (408 past it). 2 MiB at a slow 1 Mbit/s takes 17 s; a client that
/// stalls mid-body must not hold a connection and a buffer until the request deadline.
pub const DEFAULT_BODY_READ_TIMEOUT_SECS: u64 = 30;

/// Default most open client connections (`--max-connections`). Each open connection costs a
/// task, socket buffers and up to [`MAX_HEADER_BYTES`] of head buffer; past the cap, new
/// connections get a short 503 and are closed. Well above what `--workers` plus `--queue`
/// can use, so it only bites on connection floods.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Largest request head (request line + headers), bytes. Real clients send a few hundred bytes
/// (an API key, a content type); hyper answers 431 past this, so a huge header costs at most this
/// much per connection.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Largest `--deadline` / `--solve-deadline`, seconds (one day): the values are added to
/// `Instant`s, and a week-long request is a misconfiguration.
pub const MAX_DEADLINE_SECS: u64 = 86_400;

/// Most rate-limit buckets kept at once. Keys come from a finite file, but with `--no-auth` the
/// bucket is per client IP; idle (full) buckets are dropped past this to bound memory.
pub const MAX_RATE_BUCKETS: usize = 10_000;

/// Allowance for compiling one program (preprocess + compile + link; clang to wasm takes 2–3 s
/// here) in a judge request's budget. A custom checker or an interactor is a second program.
pub const JUDGE_COMPILE_ALLOWANCE_MS: u64 = 20_000;

/// What a judge request runs besides the solution, for [`judge_budget_ms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgeShape {
    /// A built-in checker: only the solution is compiled and run.
    Plain,
    /// A custom checker: a second compile, and one checker run per test.
    CustomChecker,
    /// An interactor: a second compile, and per test an interaction bounded by its wall-clock
    /// limit (`WALL_FACTOR` × time limit + `WALL_SLACK_MS`), which both sides reach when they
    /// wait on each other (a missing flush), so that is the worst case, not the CPU limit.
    Interactive,
}

/// The time a judge request is budgeted before it starts: every compile (the solution, and the
/// checker or interactor) plus every test's worst case: its time limit, with a custom checker one
/// more time limit for the checker's run on that test's output, and for an interactive problem
/// the interaction's wall-clock limit. Requests whose budget exceeds the deadline are refused
/// with 422 before any work starts; the deadline itself is enforced by [`WorkBudget`] on
/// whatever runs longer.
pub fn judge_budget_ms(tests: usize, time_ms: u64, shape: JudgeShape) -> u64 {
    use crate::sandbox::run::{WALL_FACTOR, WALL_SLACK_MS};
    let (programs, per_test) = match shape {
        JudgeShape::Plain => (1, time_ms),
        JudgeShape::CustomChecker => (2, time_ms.saturating_mul(2)),
        JudgeShape::Interactive => (
            2,
            time_ms
                .saturating_mul(WALL_FACTOR)
                .saturating_add(WALL_SLACK_MS),
        ),
    };
    (tests as u64)
        .saturating_mul(per_test)
        .saturating_add(programs * JUDGE_COMPILE_ALLOWANCE_MS)
}

/// What is left of one request's time: its deadline, and a flag set when the deadline passed
/// (or the client is gone) so the work stops instead of only being answered with 504. Handed to
/// the blocking work by [`RouteGate::run_blocking`]; engines check it between stages and pass
/// it to the components that can stop early (the sandbox gets [`WorkBudget::sandbox_cancel`]).
#[derive(Debug, Clone)]
pub struct WorkBudget {
    pub deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

impl WorkBudget {
    pub fn new(deadline: Instant) -> Self {
        Self {
            deadline,
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }
    /// Time left before the deadline (zero once cancelled).
    pub fn remaining(&self) -> Duration {
        if self.is_cancelled() {
            return Duration::ZERO;
        }
        self.deadline.saturating_duration_since(Instant::now())
    }
    /// True once the deadline has passed or [`WorkBudget::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }
    /// Stops the work: every later [`WorkBudget::is_cancelled`] is true.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
    /// The shared flag, for components that poll an `AtomicBool`.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }
    /// The sandbox's cancellation handle for this request: the same flag and deadline, so
    /// compiles, tests and checker runs stop when the deadline fires or the client goes away.
    pub fn sandbox_cancel(&self) -> crate::sandbox::Cancel {
        crate::sandbox::Cancel::new(self.flag(), Some(self.deadline))
    }
}

/// Rate limit: a token bucket per key.
#[derive(Debug)]
pub struct RateLimiter {
    /// Tokens per second; `<= 0` disables limiting.
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<KeyId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: u32) -> Self {
        Self {
            rate,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how many whole seconds until one is available.
    pub fn check(&self, key: &KeyId) -> Result<(), ApiError> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &KeyId, now: Instant) -> Result<(), ApiError> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_RATE_BUCKETS && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * rate < burst);
        }
        let b = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.rate;
            Err(ApiError::rate_limited(wait.ceil().max(1.0) as u64))
        }
    }
}

/// Per-route concurrency: `workers` requests run at once, up to `queue` more wait, the rest get
/// 503 at once. A permit lives as long as the blocking work it guards, even past the deadline,
/// so abandoned work still counts against the route's concurrency.
#[derive(Debug)]
pub struct RouteGate {
    pub route: &'static str,
    sem: Arc<Semaphore>,
    workers: usize,
    queue: usize,
    queued: AtomicUsize,
    /// Requests whose client went away while their work ran ([`CancelOnDrop`]).
    abandoned: Arc<AtomicU64>,
}

/// A running slot on a route.
pub type Permit = OwnedSemaphorePermit;

impl RouteGate {
    pub fn new(route: &'static str, workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            route,
            sem: Arc::new(Semaphore::new(workers)),
            workers,
            queue,
            queued: AtomicUsize::new(0),
            abandoned: Arc::default(),
        }
    }

    /// Worker slots.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Requests waiting for a slot.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Requests holding a slot (running, or abandoned after a deadline but still working).
    pub fn running(&self) -> usize {
        self.workers - self.sem.available_permits()
    }

    /// Waits for a slot until `deadline`; 503 when the queue is full, 504 past the deadline.
    pub async fn acquire(&self, deadline: Instant, deadline_secs: f64) -> Result<Permit, ApiError> {
        if let Ok(p) = self.sem.clone().try_acquire_owned() {
            return Ok(p);
        }
        // Reserve a queue place, or refuse.
        let mut cur = self.queued.load(Ordering::Relaxed);
        loop {
            if cur >= self.queue {
                return Err(ApiError::queue_full(self.route, self.queue));
            }
            match self.queued.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        struct Unqueue<'a>(&'a AtomicUsize);
        impl Drop for Unqueue<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _unqueue = Unqueue(&self.queued);
        let wait = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(wait, self.sem.clone().acquire_owned()).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(_)) => Err(ApiError::new(
                super::error::ErrorCode::ShuttingDown,
                "the server is shutting down",
            )),
            Err(_) => Err(ApiError::deadline(
                self.route,
                deadline_secs,
                "while queued",
            )),
        }
    }

    /// Runs `work` on the blocking pool under a slot, bounded by `deadline`. `work` gets the
    /// request's [`WorkBudget`], which is cancelled when the deadline fires or the client goes
    /// away (this future is dropped). The slot is released when `work` returns, not when the
    /// deadline fires. `work` returns `Ok(Err(api_error))` for a client error found while
    /// working (e.g. 422 from parsing on this thread) and `Err` for an infrastructure failure.
    pub async fn run_blocking<T, F>(
        &self,
        deadline: Instant,
        deadline_secs: f64,
        work: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&WorkBudget) -> anyhow::Result<Result<T, ApiError>> + Send + 'static,
    {
        let permit = self.acquire(deadline, deadline_secs).await?;
        let budget = WorkBudget::new(deadline);
        // Cancels the work when this future ends early: the client hung up (the future is
        // dropped) or the deadline fired (answered below).
        let guard = self.cancel_on_drop(budget.clone());
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&budget)
        });
        let wait = deadline.saturating_duration_since(Instant::now());
        let out = match tokio::time::timeout(wait, handle).await {
            Ok(Ok(Ok(v))) => v,
            Ok(Ok(Err(e))) => Err(ApiError::internal(&e)),
            Ok(Err(join)) => Err(join.into()),
            Err(_) => Err(ApiError::deadline(
                self.route,
                deadline_secs,
                "while running",
            )),
        };
        guard.answered();
        out
    }

    /// A guard that cancels `budget` when dropped, counting the request as abandoned on this
    /// route unless [`CancelOnDrop::answered`] was called first.
    pub fn cancel_on_drop(&self, budget: WorkBudget) -> CancelOnDrop {
        CancelOnDrop {
            budget,
            abandoned: Some(self.abandoned.clone()),
        }
    }

    /// Requests on this route whose client went away while their work ran (the work was
    /// cancelled).
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }
}

/// Cancels a request's [`WorkBudget`] when dropped. The request's future owns it (for
/// `/v1/solve`, the event stream does), and hyper drops that future when the client's
/// connection closes: so a client that hangs up stops its work (the sandbox at its next
/// cancellation check, generation at its next token) instead of leaving it to run for nobody.
/// A guard dropped without [`CancelOnDrop::answered`] counts one abandoned request on its route.
#[derive(Debug)]
pub struct CancelOnDrop {
    budget: WorkBudget,
    /// The route's abandoned-request counter; `None` once answered.
    abandoned: Option<Arc<AtomicU64>>,
}

impl CancelOnDrop {
    /// The request was answered (a response, a 504 or the end of an event stream): stops
    /// whatever is left of its work without counting it as abandoned.
    pub fn answered(mut self) {
        self.abandoned = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.budget.cancel();
        if let Some(counter) = self.abandoned.take() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A request's deadline, fixed when it arrives (saturating: never panics on a huge `secs`).
pub fn deadline_from(arrival: Instant, secs: u64) -> Instant {
    let secs = secs.min(MAX_DEADLINE_SECS);
    arrival
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(arrival)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refuses_with_retry_after() {
        let rl = RateLimiter::new(0.5, 3);
        let k = KeyId("k".into());
        let t0 = Instant::now();
        for _ in 0..3 {
            rl.check_at(&k, t0).unwrap();
        }
        let e = rl.check_at(&k, t0).unwrap_err();
        assert_eq!(e.status().as_u16(), 429);
        assert_eq!(e.retry_after_secs, Some(2));
        // Another key has its own bucket.
        rl.check_at(&KeyId("other".into()), t0).unwrap();
        // Two seconds later one token is back.
        rl.check_at(&k, t0 + Duration::from_secs(2)).unwrap();
        assert!(rl.check_at(&k, t0 + Duration::from_secs(2)).is_err());
    }

    #[test]
    fn zero_rate_disables() {
        let rl = RateLimiter::new(0.0, 1);
        for _ in 0..100 {
            rl.check(&KeyId("k".into())).unwrap();
        }
    }

    #[tokio::test]
    async fn gate_queues_then_refuses() {
        let gate = RouteGate::new("/t", 1, 1);
        let far = Instant::now() + Duration::from_secs(60);
        let p = gate.acquire(far, 60.0).await.unwrap();
        assert_eq!(gate.running(), 1);
        let gate = Arc::new(gate);
        let g2 = gate.clone();
        let waiter = tokio::spawn(async move { g2.acquire(far, 60.0).await.map(|_| ()) });
        while gate.queued() == 0 {
            tokio::task::yield_now().await;
        }
        let e = gate.acquire(far, 60.0).await.unwrap_err();
        assert_eq!((e.status().as_u16(), e.code.as_str()), (503, "queue_full"));
        drop(p);
        waiter.await.unwrap().unwrap();
        assert_eq!(gate.queued(), 0);
    }

    #[test]
    fn judge_budget_counts_checker_and_interactor_compiles_and_runs() {
        use JudgeShape::*;
        assert_eq!(judge_budget_ms(3, 1000, Plain), 20_000 + 3_000);
        assert_eq!(judge_budget_ms(3, 1000, CustomChecker), 40_000 + 6_000);
        // Interactive: the interactor's compile, and each test's wall-clock limit (3 × 1 s + 1 s).
        assert_eq!(judge_budget_ms(3, 1000, Interactive), 40_000 + 12_000);
        for shape in [Plain, CustomChecker, Interactive] {
            assert_eq!(judge_budget_ms(usize::MAX, u64::MAX, shape), u64::MAX);
        }
    }

    #[tokio::test]
    async fn deadline_cancels_the_work_budget() {
        let gate = RouteGate::new("/t", 1, 1);
        let (tx, rx) = std::sync::mpsc::channel();
        let e = gate
            .run_blocking(Instant::now() + Duration::from_millis(50), 0.05, move |b| {
                // Wait for the explicit cancel flag, which the gate sets when it answers 504
                // (bounded, so a broken cancel fails the test instead of hanging it).
                let flag = b.flag();
                for _ in 0..2_000 {
                    if flag.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                tx.send(flag.load(Ordering::Relaxed)).unwrap();
                Ok(Ok(()))
            })
            .await
            .unwrap_err();
        assert_eq!(e.status().as_u16(), 504);
        let flagged = tokio::task::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        assert!(flagged, "the work was not told to stop at the deadline");
        assert_eq!(
            gate.abandoned(),
            0,
            "a 504 is an answer, not an abandonment"
        );
    }

    /// A client that hangs up drops the handler's future: the sandbox's handle fires, the
    /// work (here an hour-long cancellable sleep, as a sleeping guest does) returns, and the
    /// slot is free for the next request long before the work's own end.
    #[tokio::test]
    async fn a_dropped_request_cancels_the_sandbox_and_frees_the_slot() {
        let gate = Arc::new(RouteGate::new("/t", 1, 1));
        let far = Instant::now() + Duration::from_secs(3600);
        let (tx, rx) = std::sync::mpsc::channel();
        let g = gate.clone();
        let task = tokio::spawn(async move {
            g.run_blocking(far, 3600.0, move |b| {
                let cancel = b.sandbox_cancel();
                assert_eq!(cancel.deadline(), Some(b.deadline));
                tx.send(cancel.clone()).unwrap();
                Ok(Ok(cancel.sleep(Duration::from_secs(3600))))
            })
            .await
        });
        let cancel = tokio::task::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        assert!(!cancel.is_cancelled());
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(
            cancel.is_cancelled(),
            "hanging up did not cancel the sandbox"
        );
        assert_eq!(gate.abandoned(), 1);
        // The slot comes back when the work returns; if it did not stop, this waits out its
        // own deadline and is a 504.
        let soon = Instant::now() + Duration::from_secs(30);
        let _permit = gate
            .acquire(soon, 30.0)
            .await
            .expect("the slot was not freed");
    }

    #[test]
    fn deadline_from_saturates() {
        let t = Instant::now();
        assert!(deadline_from(t, u64::MAX) > t);
    }

    #[tokio::test]
    async fn queued_past_deadline_is_504() {
        let gate = RouteGate::new("/t", 1, 4);
        let far = Instant::now() + Duration::from_secs(60);
        let _p = gate.acquire(far, 60.0).await.unwrap();
        let e = gate
            .acquire(Instant::now() + Duration::from_millis(20), 0.02)
            .await
            .unwrap_err();
        assert_eq!(
            (e.status().as_u16(), e.code.as_str()),
            (504, "deadline_exceeded")
        );
        assert_eq!(gate.queued(), 0);
    }
}
