//! Numeric checks of math items through a pool of `vibecheck worker` processes (embedded
//! CPython + sympy). Work in progress: the contract signatures come first.

use crate::chain::MathItem;
use crate::verify::Check;
use std::path::PathBuf;
use std::time::Duration;

/// A pool of warm `vibecheck worker` processes.
pub struct NumericPool {
    _exe: PathBuf,
}

impl NumericPool {
    /// Starts `workers` worker processes of the binary `exe`.
    pub fn new(workers: usize, exe: PathBuf) -> anyhow::Result<Self> {
        let _ = workers;
        Ok(NumericPool { _exe: exe })
    }

    /// Checks one math item within `deadline` of wall-clock time.
    pub fn check(&self, item: &MathItem, deadline: Duration) -> anyhow::Result<Check> {
        let _ = (item, deadline);
        anyhow::bail!("numeric checks are not implemented yet")
    }
}
