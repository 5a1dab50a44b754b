//! Interactive problems: the solution talks to an interactor instead of reading a fixed input.
//!
//! Both are guests. Per test, each runs on its own thread with its own `Store`, connected by two
//! [`pipe`]s: the interactor's stdout is the solution's stdin and the solution's stdout is the
//! interactor's stdin. The interactor is called as testlib's `registerInteraction` expects:
//! `interactor input.txt output.txt [answer.txt]`, in a fresh read-write folder holding the test's
//! input (and answer, when the test has a non-blank one) and an empty `output.txt` for its own output; its
//! exit code is its verdict ([`verdict::from_exit_code`]).
//!
//! Limits: the solution has the test's CPU time, memory and output limits; the interactor has
//! [`INTERACTOR_MEMORY_MB`], [`INTERACTOR_OUTPUT_BYTES`] and CPU time up to the interaction's
//! wall-clock limit (`run::WALL_FACTOR` × time limit + `run::WALL_SLACK_MS`), which bounds the
//! whole test: a side blocked in a read wakes at that deadline (idleness), a running side is
//! stopped by its epoch callback. The interactor's files may grow by at most
//! [`MAX_INTERACTOR_FILE_BYTES`] (checked every epoch tick by the coordinating thread). When one
//! side ends with a decision the other is stopped at once; [`verdict::decide`] says which
//! decision counts.

mod pipe;
mod verdict;

pub(crate) use pipe::{PipeReader, PipeWriter};

use crate::judge::{attach_excerpts, excerpt, run_verdict, Prepared, Runnable};
use crate::run::{PipedIo, RunOutcome, RunSpec, Status, EPOCH_TICK_MS, WALL_FACTOR, WALL_SLACK_MS};
use crate::{
    JudgeReport, Lang, Limits, Program, Sandbox, TestCase, TestResult, TestSource, Verdict,
};
use anyhow::{bail, Result};
use pipe::Pipe;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use verdict::{InteractorEnd, SolutionEnd};

/// Memory of the interactor: generous (it is the problem's code, not the contestant's), as for
/// custom checkers.
pub const INTERACTOR_MEMORY_MB: u64 = 512;
/// Most bytes the interactor may send the solution in one test (as a solution's stdout cap).
pub const INTERACTOR_OUTPUT_BYTES: u64 = 64 << 20;
/// How much the interactor's folder may grow (its `output.txt`, anything it creates): an
/// output file is a few lines; this stops a runaway writer from filling the disk. Checked every
/// epoch tick, so the overshoot is at most what one tick of writes adds.
pub const MAX_INTERACTOR_FILE_BYTES: u64 = 64 << 20;
/// Most entries the interactor's folder may hold (the three files plus a few it creates).
pub const MAX_INTERACTOR_DIR_ENTRIES: usize = 64;
/// How much of what the interactor sent is quoted in a failing test's message.
const INTERACTOR_QUOTE_BYTES: usize = 512;

/// An interactor that does not compile: the problem's fault, not the solution's (the CLI
/// prints the diagnostics as an error and exits 2; the server answers 422 with them).
#[derive(Debug, thiserror::Error)]
#[error("the interactor {} does not compile:\n{diagnostics}", path.display())]
pub struct InteractorCompileError {
    pub path: PathBuf,
    pub diagnostics: String,
}

/// What to judge: a solution against an interactor on tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractiveRequest {
    pub source: String,
    pub lang: Lang,
    /// The interactor's source (testlib-style C++, or C / Python), compiled with its folder (and
    /// the one above, for testlib.h) searched for headers.
    pub interactor: PathBuf,
    /// The solution's limits per test.
    pub limits: Limits,
    /// Tests run in parallel (at least 1).
    pub jobs: usize,
    /// Stops the work early (see [`crate::Cancel`]); not part of the JSON form.
    #[serde(skip)]
    pub cancel: crate::Cancel,
}

/// How one side's run ended, with what the coordinator saw.
struct SideEnd {
    out: Result<RunOutcome>,
    /// Position in which the runs ended (0 first).
    seq: usize,
    /// We stopped it (the other side had decided).
    stopped: bool,
    /// Its read gave up at the deadline.
    idle: bool,
}

/// How both runs of one test ended, with the start of what each side wrote.
struct Pair {
    sol: SideEnd,
    int: SideEnd,
    sol_wrote: Vec<u8>,
    int_wrote: Vec<u8>,
}

/// One side's pipes and stop flag.
struct Side {
    stop: Arc<AtomicBool>,
    /// What it reads.
    input: Arc<Pipe>,
    /// What it writes.
    output: Arc<Pipe>,
}

impl Side {
    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.input.wake_reader();
    }

    fn io(&self, deadline: Instant, writable_dir: bool) -> PipedIo {
        PipedIo {
            stdin: PipeReader(self.input.clone()),
            stdout: PipeWriter(self.output.clone()),
            abort: self.stop.clone(),
            deadline,
            writable_dir,
        }
    }

    /// After its run: the other side reads end of file, writes to it are dropped.
    fn close(&self) {
        self.output.close_writer();
        self.input.close_reader();
    }
}

impl Sandbox {
    /// Judges a solution against an interactor on every test (see the module doc). `Err` only
    /// for infrastructure failures and an interactor that does not compile; the solution's
    /// failures and the interactor's verdicts are data.
    pub fn judge_interactive(
        &self,
        req: &InteractiveRequest,
        tests: &dyn TestSource,
    ) -> Result<JudgeReport> {
        let count = tests.count();
        if count == 0 {
            bail!("no tests to judge");
        }
        let interactor = self
            .prepare_checker(&req.interactor, &req.cancel)
            .map_err(|e| match e.downcast::<crate::CheckerCompileError>() {
                Ok(c) => InteractorCompileError {
                    path: c.path,
                    diagnostics: c.diagnostics,
                }
                .into(),
                Err(e) => e,
            })?;
        let program = Program {
            source: req.source.clone(),
            lang: req.lang,
        };
        let solution = match self.prepare_cancellable(&program, None, &req.cancel)? {
            Prepared::Ready(r) => r,
            Prepared::CompileError(d) => {
                return Ok(JudgeReport {
                    verdict: Verdict::CE,
                    compile_output: Some(d),
                    tests: vec![],
                })
            }
        };
        Ok(crate::judge::run_tests(
            tests,
            req.jobs,
            &req.cancel,
            |test| self.interact_one(&solution, &interactor, test, req.limits, &req.cancel),
        ))
    }

    /// One test: both runs, then the verdict and the report's excerpts.
    fn interact_one(
        &self,
        sol: &Runnable,
        int: &Runnable,
        test: &TestCase,
        limits: Limits,
        cancel: &crate::Cancel,
    ) -> TestResult {
        let mut result = TestResult::new(test.name.clone(), Verdict::IE, String::new());
        // A Python solution runs with the Python time factor, as in a plain judge; its verdict
        // message names both the test's limit and the factor.
        let run_limits = self.limits_for(sol.lang, limits);
        let Pair {
            sol: sol_end,
            int: int_end,
            sol_wrote,
            int_wrote,
        } = match self.run_pair(sol, int, test, run_limits, cancel) {
            Ok(x) => x,
            Err(e) => {
                tracing::error!("sandbox failure on test {}: {e:#}", test.name);
                result.message = format!("sandbox failure: {e:#}");
                return result;
            }
        };
        let (sol_out, int_out) = match (&sol_end.out, &int_end.out) {
            (Ok(s), Ok(i)) => (s, i),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!("sandbox failure on test {}: {e:#}", test.name);
                result.message = format!("sandbox failure: {e:#}");
                return result;
            }
        };
        if cancel.is_cancelled() {
            // Both sides may have been stopped mid-dialogue: no verdict is established.
            result.message = format!("stopped: {}", crate::cancel::CANCELLED_MESSAGE);
            return result;
        }
        let sol_state = solution_end(sol_out, limits, &sol_end);
        let int_state = interactor_end(int_out, &int_end);
        let (v, m) = verdict::decide(&sol_state, &int_state, int_end.seq < sol_end.seq);
        result.verdict = v;
        result.time_ms = sol_out.cpu_ms;
        result.memory_kib = sol_out.memory_kib;
        result.message = if v == Verdict::AC {
            m
        } else {
            format!(
                "{m}\ninteractor wrote: {}",
                excerpt(&int_wrote, INTERACTOR_QUOTE_BYTES)
            )
        };
        attach_excerpts(&mut result, test, &sol_wrote, &sol_out.stderr);
        result
    }

    /// Runs the solution and the interactor against each other.
    fn run_pair(
        &self,
        sol: &Runnable,
        int: &Runnable,
        test: &TestCase,
        limits: Limits,
        cancel: &crate::Cancel,
    ) -> Result<Pair> {
        let (dir, int_args) = interactor_folder(test)?;
        let baseline = folder_size(dir.path()).0;
        let wall_ms = limits
            .time_ms
            .saturating_mul(WALL_FACTOR)
            .saturating_add(WALL_SLACK_MS);
        let deadline = Instant::now() + Duration::from_millis(wall_ms);
        let sol_stop = Arc::new(AtomicBool::new(false));
        let int_stop = Arc::new(AtomicBool::new(false));
        let to_int = Pipe::new(limits.output_bytes, deadline, int_stop.clone());
        let to_sol = Pipe::new(INTERACTOR_OUTPUT_BYTES, deadline, sol_stop.clone());
        let sol_side = Side {
            stop: sol_stop,
            input: to_sol.clone(),
            output: to_int.clone(),
        };
        let int_side = Side {
            stop: int_stop,
            input: to_int.clone(),
            output: to_sol.clone(),
        };
        let int_limits = Limits {
            time_ms: wall_ms,
            memory_mb: INTERACTOR_MEMORY_MB,
            output_bytes: INTERACTOR_OUTPUT_BYTES,
        };
        let order = AtomicUsize::new(0);
        let (int_done, int_done_rx) = std::sync::mpsc::channel::<()>();
        let (sol_end, int_end, files_overflow) = std::thread::scope(|s| {
            let sol_thread = s.spawn(|| {
                let spec = RunSpec {
                    args: sol.argv(&[]),
                    stdin: Default::default(),
                    limits,
                    preopen: None,
                    cancel: cancel.clone(),
                };
                let out = self
                    .runner
                    .run_piped(&sol.guest, spec, sol_side.io(deadline, false));
                let end = finish(out, &order, &sol_side);
                let failed = match &end.out {
                    Ok(o) => run_verdict(o, limits).is_some(),
                    Err(_) => true,
                };
                if failed && !end.stopped {
                    int_side.stop();
                }
                end
            });
            let int_thread = s.spawn(|| {
                let spec = RunSpec {
                    args: int.argv(&int_args),
                    stdin: Default::default(),
                    limits: int_limits,
                    preopen: Some(dir.path()),
                    cancel: cancel.clone(),
                };
                let out = self
                    .runner
                    .run_piped(&int.guest, spec, int_side.io(deadline, true));
                let end = finish(out, &order, &int_side);
                let accepted = matches!(&end.out, Ok(o) if o.status == Status::Exited(0));
                if !accepted && !end.stopped {
                    sol_side.stop();
                }
                let _ = int_done.send(());
                end
            });
            let overflow = watch_folder(dir.path(), baseline, &int_done_rx, || {
                int_thread.is_finished() || cancel.is_cancelled()
            });
            // A side blocked in a read never reaches its epoch callback, where cancellation is
            // seen; stopping both wakes it, so a cancelled test ends within a tick instead of
            // at the interaction's wall-clock limit.
            if overflow || cancel.is_cancelled() {
                int_side.stop();
                sol_side.stop();
            }
            (sol_thread.join(), int_thread.join(), overflow)
        });
        let sol_end = sol_end.map_err(|_| anyhow::anyhow!("the solution's thread panicked"))?;
        let mut int_end =
            int_end.map_err(|_| anyhow::anyhow!("the interactor's thread panicked"))?;
        if files_overflow {
            int_end.stopped = false;
            if let Ok(o) = &mut int_end.out {
                o.status = Status::Trap(format!(
                    "the interactor's files grew by more than {MAX_INTERACTOR_FILE_BYTES} bytes \
                     or {MAX_INTERACTOR_DIR_ENTRIES} entries"
                ));
            }
        }
        Ok(Pair {
            sol: sol_end,
            int: int_end,
            sol_wrote: to_int.transcript(),
            int_wrote: to_sol.transcript(),
        })
    }
}

/// Checks the interactor's folder every epoch tick until it is `done` (a message, or
/// `finished()` should its thread have ended without one); true when the folder grew by more
/// than [`MAX_INTERACTOR_FILE_BYTES`] or holds more than [`MAX_INTERACTOR_DIR_ENTRIES`] entries.
fn watch_folder(
    dir: &Path,
    baseline: u64,
    done: &std::sync::mpsc::Receiver<()>,
    finished: impl Fn() -> bool,
) -> bool {
    let tick = Duration::from_millis(EPOCH_TICK_MS);
    while !matches!(
        done.recv_timeout(tick),
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
    ) && !finished()
    {
        let (bytes, entries) = folder_size(dir);
        if bytes > baseline.saturating_add(MAX_INTERACTOR_FILE_BYTES)
            || entries > MAX_INTERACTOR_DIR_ENTRIES
        {
            return true;
        }
    }
    false
}

/// The interactor's folder (`input.txt`, an empty `output.txt`, `answer.txt` when the test has
/// a non-blank answer) and its arguments.
fn interactor_folder(test: &TestCase) -> Result<(tempfile::TempDir, Vec<String>)> {
    let dir = tempfile::Builder::new()
        .prefix("vibecheck-interact-")
        .tempdir()?;
    std::fs::write(dir.path().join("input.txt"), &test.input)?;
    std::fs::write(dir.path().join("output.txt"), "")?;
    let mut args = vec!["input.txt".to_string(), "output.txt".to_string()];
    // An empty answer (Competitive Companion's interactive tests) is no answer.
    if let Some(answer) = test.answer.as_ref().filter(|a| !a.trim().is_empty()) {
        std::fs::write(dir.path().join("answer.txt"), answer)?;
        args.push("answer.txt".into());
    }
    Ok((dir, args))
}

/// Records a side's end: its place in the order, whether we had stopped it, whether its read
/// gave up at the deadline; then closes its pipe ends.
fn finish(out: Result<RunOutcome>, order: &AtomicUsize, side: &Side) -> SideEnd {
    let seq = order.fetch_add(1, Ordering::SeqCst);
    let end = SideEnd {
        out,
        seq,
        stopped: side.stop.load(Ordering::Relaxed),
        idle: side.input.reader_was_idle(),
    };
    side.close();
    end
}

fn solution_end(out: &RunOutcome, limits: Limits, end: &SideEnd) -> SolutionEnd {
    if end.idle {
        return SolutionEnd::Idle;
    }
    match run_verdict(out, limits) {
        None => SolutionEnd::Clean,
        Some(_) if end.stopped && matches!(out.status, Status::Trap(_)) => SolutionEnd::Stopped,
        Some((v, m)) => SolutionEnd::Failed(v, m),
    }
}

fn interactor_end(out: &RunOutcome, end: &SideEnd) -> InteractorEnd {
    if end.idle {
        return InteractorEnd::Idle;
    }
    let msg = out.stderr_tail();
    match &out.status {
        Status::Exited(c) => verdict::from_exit_code(*c, msg),
        Status::Trap(_) if end.stopped => InteractorEnd::Stopped,
        Status::Trap(t) => {
            InteractorEnd::Broken(with_stderr(format!("the interactor failed: {t}"), &msg))
        }
        Status::TimeLimit => InteractorEnd::Broken(format!(
            "the interactor used more than {} ms of CPU time",
            out.cpu_ms
        )),
        Status::MemoryLimit => InteractorEnd::Broken(format!(
            "the interactor used more than {INTERACTOR_MEMORY_MB} MB of memory"
        )),
        Status::OutputLimit => InteractorEnd::Broken(format!(
            "the interactor wrote more than {INTERACTOR_OUTPUT_BYTES} bytes"
        )),
        Status::Cancelled => {
            InteractorEnd::Broken(format!("stopped: {}", crate::cancel::CANCELLED_MESSAGE))
        }
    }
}

fn with_stderr(m: String, stderr: &str) -> String {
    if stderr.is_empty() {
        m
    } else {
        format!("{m}; stderr: {stderr}")
    }
}

/// Total bytes of the regular files under `dir` and the number of entries, counting at most
/// [`MAX_INTERACTOR_DIR_ENTRIES`] + 1 entries (beyond that the folder is over budget anyway).
fn folder_size(dir: &Path) -> (u64, usize) {
    let (mut bytes, mut entries) = (0u64, 0usize);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(list) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in list.flatten() {
            entries += 1;
            if entries > MAX_INTERACTOR_DIR_ENTRIES {
                return (bytes, entries);
            }
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => bytes = bytes.saturating_add(m.len()),
                Err(_) => {}
            }
        }
    }
    (bytes, entries)
}
