//! Cancellation of sandbox work: [`Cancel`], a cheap handle (a shared flag plus an optional
//! deadline) that a caller hands to the judge, a stress run, a compile or a single run, so work
//! that nobody waits for any more (a server request past its deadline, a client that hung up)
//! stops instead of holding a judge slot until its own limits end it.
//!
//! Where it is checked: before each compile (and every few milliseconds while clang runs, which
//! is then killed), before each test and each checker run, on every epoch tick of a running
//! guest, and while a guest sleeps in `poll_oneoff` (sleeps are cut into slices of at most
//! [`CANCEL_POLL_MS`]). Work it stops is reported as not run, never as accepted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a cancelled guest keeps sleeping in `poll_oneoff` (and longest between two checks
/// of a running compiler): one epoch tick, so a sleeping guest stops as fast as a busy one.
pub const CANCEL_POLL_MS: u64 = crate::run::EPOCH_TICK_MS;

/// A cancellation handle: a flag shared by every clone, and an optional deadline after which
/// the handle counts as cancelled too. Cheap to clone; [`Cancel::default`] never fires unless
/// [`Cancel::cancel`] is called on it (or a clone).
///
/// It is not part of a request's data: it is skipped by serde, and two handles always compare
/// equal (so requests compare by what they ask for).
#[derive(Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl Cancel {
    /// A handle that fires when `flag` is set or at `deadline` (if any). Servers pass the
    /// flag they set when a request is abandoned.
    pub fn new(flag: Arc<AtomicBool>, deadline: Option<Instant>) -> Cancel {
        Cancel { flag, deadline }
    }

    /// A fresh handle that fires at `deadline` (or when cancelled).
    pub fn at(deadline: Instant) -> Cancel {
        Cancel::new(Arc::default(), Some(deadline))
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Fires the handle: every clone reports cancelled from now on.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// True once cancelled or past the deadline.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `Err(Cancelled)` once cancelled, for `?` between stages.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps for `d`, waking early (within [`CANCEL_POLL_MS`]) when the handle fires; true
    /// when the whole sleep was done, false when it was cut short by cancellation.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            let mut slice = (end - now).min(Duration::from_millis(CANCEL_POLL_MS));
            if let Some(dl) = self.deadline {
                slice = slice.min(dl.saturating_duration_since(now));
            }
            std::thread::sleep(slice);
        }
    }
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.is_cancelled())
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Handles are not data: any two compare equal (see [`Cancel`]).
impl PartialEq for Cancel {
    fn eq(&self, _: &Cancel) -> bool {
        true
    }
}

/// The error of work stopped by a [`Cancel`] (a compile, a stress run): the caller abandoned
/// it, so nothing about the program is known. Downcast it from an `anyhow::Error` to tell it
/// from a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{CANCELLED_MESSAGE}")]
pub struct Cancelled;

/// What a report says about work that a [`Cancel`] stopped or that never started.
pub const CANCELLED_MESSAGE: &str =
    "cancelled at the request deadline (or the request was abandoned)";

/// Whether `e` is (or wraps) [`Cancelled`].
pub fn is_cancelled_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<Cancelled>().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_never_fires_and_clones_share_the_flag() {
        let c = Cancel::default();
        assert!(!c.is_cancelled());
        assert!(c.sleep(Duration::from_millis(1)));
        let d = c.clone();
        d.cancel();
        assert!(c.is_cancelled());
        assert_eq!(c.check(), Err(Cancelled));
        // A cancelled handle does not sleep at all.
        assert!(!c.sleep(Duration::from_secs(3600)));
    }

    #[test]
    fn a_past_deadline_is_cancelled() {
        let c = Cancel::at(Instant::now());
        assert!(c.is_cancelled());
        assert!(!c.sleep(Duration::from_secs(3600)));
        let far = Cancel::at(Instant::now() + Duration::from_secs(3600));
        assert!(!far.is_cancelled());
        assert_eq!(far, c, "handles are not data");
    }

    #[test]
    fn a_sleep_is_cut_short_by_a_cancel_from_another_thread() {
        let c = Cancel::default();
        let c2 = c.clone();
        let t = std::thread::spawn(move || c2.sleep(Duration::from_secs(3600)));
        c.cancel();
        assert!(!t.join().unwrap(), "the hour-long sleep was not woken");
    }

    #[test]
    fn cancelled_is_found_through_context() {
        let e = anyhow::Error::new(Cancelled).context("compiling the checker");
        assert!(is_cancelled_error(&e));
        assert!(!is_cancelled_error(&anyhow::anyhow!("other")));
    }
}
