//! Step verification: routes each [`Item`](crate::chain::Item) of a chain to its checker and
//! collects [`Check`]s into a [`VerifyReport`].
//!
//! Owns the verdict vocabulary. A verdict is data: `Refuted`, `Unknown`, `Timeout` are values
//! with evidence; `Err` is reserved for infrastructure failures (a worker could not start, …).
//! Verifiers never call the model.

pub mod answer;
pub mod claim;
pub mod confine;
pub mod logic;
pub mod numeric;
pub mod rational;
pub mod substitution;
pub mod worker;
pub mod z3pool;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The verdict on one checked item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemVerdict {
    /// Proved / computed to hold.
    Verified,
    /// Shown false, with evidence (computed value, counterexample).
    Refuted,
    /// The checker could not decide (solver unknown, unsupported construct, guard rail hit).
    Unknown,
    /// The checker ran out of its time budget.
    Timeout,
    /// A bounded search found no counterexample; *not* a proof.
    CheckedBounded,
}

/// The verdict on a step: the worst of its items' verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepVerdict {
    Verified,
    Refuted,
    Unknown,
    Unchecked,
}

/// The verdict on a whole chain (or solve).
///
/// Invariants (enforced by [`overall`] for `verify` and `agent::settle_verdict` for `solve`):
/// `verified` needs at least one passed check **and** answer-level evidence
/// ([`AnswerEvidence`]); a chain whose checks all hold without such evidence is
/// `no_errors_found`, never `verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// The final answer itself is established by evidence independent of the chain's own
    /// say-so ([`AnswerEvidence`]), and nothing was refuted.
    Verified,
    /// Something was checked, nothing was refuted, but the final answer is not established:
    /// "no errors found" is not "correct".
    NoErrorsFound,
    /// A step was refuted or the answer was refuted (reference, substitution, program).
    Flagged,
    /// Nothing checkable was found (or nothing concluded).
    Unverified,
}

impl Overall {
    /// Every overall verdict (the OpenAPI document lists them).
    pub const ALL: [Overall; 4] = [
        Overall::Verified,
        Overall::NoErrorsFound,
        Overall::Flagged,
        Overall::Unverified,
    ];

    /// The wire name (`verified`, `no_errors_found`, …), as in the JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Overall::Verified => "verified",
            Overall::NoErrorsFound => "no_errors_found",
            Overall::Flagged => "flagged",
            Overall::Unverified => "unverified",
        }
    }
}

impl std::fmt::Display for Overall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What established the final answer (the only ways to `verified`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerEvidence {
    /// The answer is equivalent to the given reference answer.
    Reference,
    /// The answer, substituted back into the equation / system / condition the problem
    /// states, satisfies it ([`substitution`]).
    Substitution,
    /// A separately generated program computing the answer, run in the wasm sandbox, printed
    /// an equivalent value (`solve` only).
    Program,
    /// A claim proven by Z3 entails the answer (`solve` only; see `agent::evidence`).
    Claim,
    /// The program (the answer of a code problem) passed its tests / stress test.
    Tests,
}

impl AnswerEvidence {
    /// Every kind of answer evidence (the OpenAPI document lists them).
    pub const ALL: [AnswerEvidence; 5] = [
        AnswerEvidence::Reference,
        AnswerEvidence::Substitution,
        AnswerEvidence::Program,
        AnswerEvidence::Claim,
        AnswerEvidence::Tests,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerEvidence::Reference => "reference",
            AnswerEvidence::Substitution => "substitution",
            AnswerEvidence::Program => "program",
            AnswerEvidence::Claim => "claim",
            AnswerEvidence::Tests => "tests",
        }
    }

    /// The answer-level evidence a passed check of this checker gives, if any. Step checks
    /// (numeric, logic, smt2) give none: they check the chain, not its conclusion.
    pub fn of_checker(c: Checker) -> Option<AnswerEvidence> {
        match c {
            Checker::Answer => Some(AnswerEvidence::Reference),
            Checker::Substitution => Some(AnswerEvidence::Substitution),
            Checker::Program => Some(AnswerEvidence::Program),
            Checker::Sandbox | Checker::Stress => Some(AnswerEvidence::Tests),
            Checker::Numeric | Checker::Logic | Checker::Smt2 | Checker::Limits => None,
        }
    }
}

/// How much of a chain had something checkable, and of what kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Steps in the chain.
    pub steps_total: usize,
    /// Steps with at least one checked item (a `limits` note does not count).
    pub steps_checked: usize,
    /// Steps with a checked item of each checker (`numeric`, `logic`, `smt2`), by wire name.
    pub by_checker: BTreeMap<String, usize>,
}

impl Coverage {
    /// Coverage of per-step checks.
    pub fn of(steps: &[StepReport]) -> Coverage {
        let mut by_checker: BTreeMap<String, usize> = BTreeMap::new();
        let mut steps_checked = 0;
        for s in steps {
            let mut kinds: Vec<Checker> = s
                .checks
                .iter()
                .map(|c| c.checker)
                .filter(|c| *c != Checker::Limits)
                .collect();
            kinds.sort_by_key(|c| c.as_str());
            kinds.dedup();
            steps_checked += usize::from(!kinds.is_empty());
            for k in kinds {
                *by_checker.entry(k.as_str().to_string()).or_default() += 1;
            }
        }
        Coverage {
            steps_total: steps.len(),
            steps_checked,
            by_checker,
        }
    }
}

/// What a checker saw: enough for a teacher (or the retry prompt) to check the verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// One human sentence, e.g. "3 × 4 = 12, not 13" or "counterexample: x = 3".
    pub summary: String,
    /// Values computed for each side, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed: Vec<String>,
    /// A counterexample in the claim's own variable names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<BTreeMap<String, String>>,
    /// The solver's raw status (`sat`, `unsat`, `unknown`, …) when a solver was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver_status: Option<String>,
}

/// Which checker produced a [`Check`]. Serialised in lowercase (`"numeric"`, …): the wire
/// strings of the JSON reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Checker {
    /// Arithmetic and algebra, checked by sympy in the numeric workers.
    Numeric,
    /// A natural-language or ```` ```claim ```` claim, checked by Z3.
    Logic,
    /// An SMT-LIB block, run by Z3.
    Smt2,
    /// The final answer compared with the reference.
    Answer,
    /// The final answer substituted back into the problem's stated equations / conditions.
    Substitution,
    /// A model-written program computing the answer, run in the wasm sandbox (`solve`).
    Program,
    /// A program run on a test in the wasm sandbox.
    Sandbox,
    /// A stress test against a brute force.
    Stress,
    /// A note that a verification limit (steps, items) was reached; not a check of an item.
    Limits,
}

impl Checker {
    /// Every checker (the OpenAPI document lists them).
    pub const ALL: [Checker; 9] = [
        Checker::Numeric,
        Checker::Logic,
        Checker::Smt2,
        Checker::Answer,
        Checker::Substitution,
        Checker::Program,
        Checker::Sandbox,
        Checker::Stress,
        Checker::Limits,
    ];

    /// The wire name (`numeric`, `logic`, …), as in the JSON reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Checker::Numeric => "numeric",
            Checker::Logic => "logic",
            Checker::Smt2 => "smt2",
            Checker::Answer => "answer",
            Checker::Substitution => "substitution",
            Checker::Program => "program",
            Checker::Sandbox => "sandbox",
            Checker::Stress => "stress",
            Checker::Limits => "limits",
        }
    }
}

impl std::fmt::Display for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One checked item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Which checker produced this.
    pub checker: Checker,
    /// The item as written.
    pub item: String,
    pub verdict: ItemVerdict,
    pub evidence: Evidence,
    /// Wall-clock time spent on the check.
    pub time_ms: f64,
}

/// The per-step part of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub index: usize,
    pub text: String,
    pub verdict: StepVerdict,
    pub checks: Vec<Check>,
}

/// The final-answer part of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerReport {
    /// The final answer extracted from the chain.
    pub extracted: Option<String>,
    /// The reference answer it was compared with, if any.
    pub reference: Option<String>,
    /// `Some(true/false)` when both were present and compared: `true` for `equal` and
    /// `probably_equal` (see `equivalence`).
    pub equivalent: Option<bool>,
    /// How firmly they compare (`equal`, `probably_equal`, `different`, `unknown`) when both
    /// were present. Only `equal` establishes the answer; `probably_equal` (a rounded decimal
    /// matching in the digits shown, expressions agreeing at sample points) neither
    /// establishes nor refutes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalence: Option<answer::Equivalence>,
    /// Answer-level checks: the answer substituted back into the problem's stated conditions
    /// (checker `substitution`), one per condition and value.
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// The result of `vibecheck verify` and `POST /v1/verify` (one schema for both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub verdict: Overall,
    /// What established the final answer; set exactly when `verdict` is `verified`.
    pub answer_evidence: Option<AnswerEvidence>,
    /// 0-based index of the earliest refuted step.
    pub first_error: Option<usize>,
    pub steps: Vec<StepReport>,
    pub answer: AnswerReport,
    /// How many steps had something checkable, and of what kind.
    pub coverage: Coverage,
}

// ───────────────────────────── orchestration ─────────────────────────────

use crate::chain::expr::Expr;
use crate::chain::{Chain, Item, MathItem};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Default wall-clock limit for one item (a numeric check, a claim, an SMT-LIB block). Hand
/// arithmetic takes milliseconds; the limit only stops hostile or runaway items.
pub const DEFAULT_ITEM_TIMEOUT: Duration = Duration::from_secs(5);
/// Default wall-clock budget for a whole chain; items left when it runs out get `timeout`.
/// Keeps a chain with thousands of hostile items from holding a worker for hours.
pub const DEFAULT_CHAIN_BUDGET: Duration = Duration::from_secs(60);
/// Default most steps checked per chain; later steps are reported unchecked. A long model chain
/// has a few hundred steps.
pub const DEFAULT_MAX_STEPS: usize = 2_000;
/// Default most items checked per chain; later items are not checked (one `limits` note says so).
pub const DEFAULT_MAX_ITEMS: usize = 5_000;
/// Default largest input accepted, in bytes (16 MiB): far above any real solution, small enough
/// that parsing stays well under a second per megabyte and memory stays bounded.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 16 << 20;

/// Settings of a [`Verifier`]. Every limit has a default above; see README `## Verify`.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// Numeric worker processes (each an embedded CPython with sympy, ~60 MB); also the number
    /// of items checked in parallel.
    pub workers: usize,
    /// The `vibecheck` binary that serves `vibecheck worker`; `None`: `$VIBECHECK_WORKER_EXE`,
    /// else the running executable.
    pub worker_exe: Option<PathBuf>,
    /// Wall-clock limit per item.
    pub item_timeout: Duration,
    /// Wall-clock budget per chain.
    pub chain_budget: Duration,
    /// Most steps checked per chain.
    pub max_steps: usize,
    /// Most items checked per chain.
    pub max_items: usize,
    /// Largest input in bytes ([`VerifyConfig::check_input_size`]; also applied to the chain).
    pub max_input_bytes: usize,
    /// Relative tolerance of `≈` (the rounding rule applies on top; see `numeric`).
    pub approx_rel_tol: f64,
    /// Report an equation with variables that is not an identity as refuted (with a
    /// counterexample) instead of unknown. Off by default: `2x + 3 = 13` in a solution is an
    /// equation to solve, not a claim that it holds for every x.
    pub identities: bool,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            workers: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(1),
            worker_exe: None,
            item_timeout: DEFAULT_ITEM_TIMEOUT,
            chain_budget: DEFAULT_CHAIN_BUDGET,
            max_steps: DEFAULT_MAX_STEPS,
            max_items: DEFAULT_MAX_ITEMS,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            approx_rel_tol: numeric::NumericOptions::default().approx_rel_tol,
            identities: false,
        }
    }
}

impl VerifyConfig {
    /// `Err` with a clear message when an input of `len` bytes is over the limit.
    pub fn check_input_size(&self, len: usize) -> anyhow::Result<()> {
        if len > self.max_input_bytes {
            anyhow::bail!(
                "input is {len} bytes; the limit is {} bytes (VerifyConfig::max_input_bytes)",
                self.max_input_bytes
            );
        }
        Ok(())
    }

    fn exe(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.worker_exe {
            return Ok(p.clone());
        }
        if let Some(p) = std::env::var_os("VIBECHECK_WORKER_EXE") {
            return Ok(PathBuf::from(p));
        }
        let exe = std::env::current_exe()?;
        // A binary replaced on disk while running (a rebuild) is still reachable through
        // /proc/self/exe on Linux; its old path no longer exists.
        let proc_exe = std::path::Path::new("/proc/self/exe");
        if !exe.exists() && proc_exe.exists() {
            return Ok(proc_exe.to_path_buf());
        }
        Ok(exe)
    }
}

/// Checks chains: math items through the numeric worker pool, claims and SMT-LIB through Z3,
/// the final answer through [`answer::equivalent`]. `Send + Sync`.
pub struct Verifier {
    config: VerifyConfig,
    pool: numeric::NumericPool,
    /// Claims and SMT-LIB blocks run in confined Z3 worker processes.
    z3: z3pool::Z3Pool,
}

/// One unit of work: (step index, item).
struct Job<'a> {
    step: usize,
    item: &'a Item,
}

impl Verifier {
    /// Starts the numeric worker pool. `Err` when the worker executable is missing or cannot
    /// be started.
    pub fn new(config: VerifyConfig) -> anyhow::Result<Verifier> {
        let exe = config.exe()?;
        let opts = numeric::NumericOptions {
            approx_rel_tol: config.approx_rel_tol,
            identities: config.identities,
            ..Default::default()
        };
        let pool = numeric::NumericPool::with_options(config.workers.max(1), exe.clone(), opts)?;
        let z3 = z3pool::Z3Pool::new(
            config.workers.max(1),
            exe,
            z3pool::DEFAULT_Z3_WORKER_MEMORY_MB,
        )?;
        Ok(Verifier { config, pool, z3 })
    }

    /// The configuration in use.
    pub fn config(&self) -> &VerifyConfig {
        &self.config
    }

    /// The numeric worker pool (restart counts and worker pids, for `/metrics` and tests).
    pub fn pool(&self) -> &numeric::NumericPool {
        &self.pool
    }

    /// The Z3 worker pool (restart counts, for `/metrics` and tests).
    pub fn z3_pool(&self) -> &z3pool::Z3Pool {
        &self.z3
    }

    /// Checks every item of `chain` and compares its answer with `reference` (or the chain's own
    /// `reference`). `Err` only for infrastructure failures or an input over
    /// [`VerifyConfig::max_input_bytes`].
    pub fn verify(&self, chain: &Chain, reference: Option<&str>) -> anyhow::Result<VerifyReport> {
        self.verify_until(chain, reference, &|| false)
    }

    /// [`Verifier::verify`] that stops early once `stop()` is true (the server's request was
    /// abandoned or ran past its deadline): items not started by then get `timeout` with a
    /// note saying so, and the answer's substitution check is skipped. An item already running
    /// ends at its own timeout.
    pub fn verify_until(
        &self,
        chain: &Chain,
        reference: Option<&str>,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> anyhow::Result<VerifyReport> {
        let size: usize = chain.steps.iter().map(|s| s.text.len()).sum();
        self.config.check_input_size(size)?;
        let start = Instant::now();
        let mut notes: Vec<(usize, Check)> = Vec::new();
        let mut jobs: Vec<Job> = Vec::new();
        'steps: for (si, step) in chain.steps.iter().enumerate() {
            if si >= self.config.max_steps {
                notes.push((
                    si,
                    limit_note(format!(
                        "not checked: steps after the first {} are not checked (max_steps)",
                        self.config.max_steps
                    )),
                ));
                break;
            }
            for item in &step.items {
                if matches!(item, Item::Code { .. }) {
                    continue;
                }
                if jobs.len() >= self.config.max_items {
                    notes.push((
                        si,
                        limit_note(format!(
                            "not checked: items after the first {} are not checked (max_items)",
                            self.config.max_items
                        )),
                    ));
                    break 'steps;
                }
                jobs.push(Job { step: si, item });
            }
        }

        let results: Vec<std::sync::Mutex<Option<anyhow::Result<Check>>>> =
            jobs.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let threads = self.config.workers.max(1).min(jobs.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(k) else { break };
                    let r = if stop() {
                        Ok(stopped_check(job.item))
                    } else {
                        self.check_item(job.item, start)
                    };
                    *results[k].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                });
            }
        });

        let mut per_step: Vec<Vec<Check>> = vec![Vec::new(); chain.steps.len()];
        for (job, r) in jobs.iter().zip(results) {
            let r = r
                .into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every job ran");
            per_step[job.step].push(r?);
        }
        for (si, c) in notes {
            per_step[si].push(c);
        }

        let steps: Vec<StepReport> = chain
            .steps
            .iter()
            .zip(per_step)
            .enumerate()
            .map(|(index, (step, checks))| StepReport {
                index,
                text: step.text.clone(),
                verdict: step_verdict(&checks),
                checks,
            })
            .collect();

        let reference = reference
            .map(str::to_string)
            .or_else(|| chain.reference.clone())
            .filter(|r| !r.trim().is_empty());
        let equivalence = reference.as_ref().map(|r| match &chain.answer {
            Some(a) => answer::compare(a, r),
            None => answer::Equivalence::Different,
        });
        let equivalent = equivalence.map(answer::Equivalence::is_match);
        let checks = match (&chain.problem, &chain.answer) {
            (Some(problem), Some(ans)) if !stop() => {
                let left = self.config.chain_budget.saturating_sub(start.elapsed());
                substitution::check_answer(problem, ans, |m| {
                    self.pool
                        .check(m, self.config.item_timeout.min(left))
                        .map_err(anyhow::Error::from)
                })?
            }
            _ => Vec::new(),
        };
        let answer = AnswerReport {
            extracted: chain.answer.clone(),
            reference,
            equivalent,
            equivalence,
            checks,
        };
        Ok(overall(steps, answer))
    }

    /// Checks one item within its timeout and what is left of the chain budget.
    fn check_item(&self, item: &Item, chain_start: Instant) -> anyhow::Result<Check> {
        let left = self
            .config
            .chain_budget
            .saturating_sub(chain_start.elapsed());
        let source = match item {
            Item::Math(m) => m.source.clone(),
            Item::Claim { source } | Item::Smt2 { source } | Item::Code { source, .. } => {
                source.clone()
            }
        };
        let checker = match item {
            Item::Math(_) => Checker::Numeric,
            Item::Claim { .. } => Checker::Logic,
            Item::Smt2 { .. } => Checker::Smt2,
            Item::Code { .. } => Checker::Sandbox,
        };
        if left.is_zero() {
            return Ok(Check {
                checker,
                item: source,
                verdict: ItemVerdict::Timeout,
                evidence: Evidence {
                    summary: format!(
                        "not checked: the chain's time budget of {:.0} s ran out",
                        self.config.chain_budget.as_secs_f64()
                    ),
                    ..Default::default()
                },
                time_ms: 0.0,
            });
        }
        let timeout = self.config.item_timeout.min(left);
        match item {
            Item::Math(m) => self.check_math(m, timeout),
            Item::Claim { source } => Ok(self.z3.check_claim(source, timeout)?),
            Item::Smt2 { source } => Ok(self.z3.check_smt2(source, timeout)?),
            Item::Code { .. } => unreachable!("code items are not queued"),
        }
    }

    /// A numeric check, with second readings when refuted: a running calculation
    /// ([`Verifier::running_calculation`]), and a `%` written on a bare result whose other side
    /// has no `%` at all (`0.25 × 100 = 25%`) read as a unit.
    fn check_math(&self, m: &MathItem, timeout: Duration) -> anyhow::Result<Check> {
        let t0 = Instant::now();
        let c = self.pool.check(m, timeout)?;
        if c.verdict != ItemVerdict::Refuted {
            return Ok(c);
        }
        let c = self.running_calculation(m, c, timeout)?;
        if c.verdict != ItemVerdict::Refuted {
            return Ok(c);
        }
        let Some(alt) = percent_as_unit(m) else {
            return Ok(c);
        };
        let left = timeout.saturating_sub(t0.elapsed());
        if left.is_zero() {
            return Ok(c);
        }
        let c2 = self.pool.check(&alt, left)?;
        if c2.verdict == ItemVerdict::Verified {
            let mut c2 = c2;
            c2.evidence.summary = format!("{} (reading % as a unit)", c2.evidence.summary);
            c2.time_ms = t0.elapsed().as_secs_f64() * 1e3;
            return Ok(c2);
        }
        Ok(c)
    }

    /// A refuted chain `a = b ∘ c = d` whose first link fails may be a running calculation
    /// ("20 - 4 - 8 = 8 * 1/4 = 2": 20 − 4 − 8 = 8, then 8 × 1/4 = 2). It is accepted when `a`
    /// equals the leftmost operand of `b ∘ c` and the rest of the chain holds; the evidence says
    /// it was read that way.
    fn running_calculation(
        &self,
        m: &MathItem,
        refuted: Check,
        timeout: Duration,
    ) -> anyhow::Result<Check> {
        let t0 = Instant::now();
        if m.terms.len() < 3 || m.rels.iter().any(|r| *r != crate::chain::Rel::Eq) {
            return Ok(refuted);
        }
        let Some(lead) = leftmost_operand(&m.terms[1]) else {
            return Ok(refuted);
        };
        let head = MathItem {
            source: m.source.clone(),
            terms: vec![m.terms[0].clone(), lead.clone()],
            rels: vec![crate::chain::Rel::Eq],
            modulus: None,
        };
        let tail = MathItem {
            source: m.source.clone(),
            terms: m.terms[1..].to_vec(),
            rels: m.rels[1..].to_vec(),
            modulus: None,
        };
        let c1 = self.pool.check(&head, timeout)?;
        if c1.verdict != ItemVerdict::Verified {
            return Ok(refuted);
        }
        let left = timeout.saturating_sub(t0.elapsed());
        if left.is_zero() {
            return Ok(refuted);
        }
        let c2 = self.pool.check(&tail, left)?;
        if c2.verdict != ItemVerdict::Verified {
            return Ok(refuted);
        }
        Ok(Check {
            evidence: Evidence {
                summary: format!(
                    "read as a running calculation: {}; then {}",
                    c1.evidence.summary, c2.evidence.summary
                ),
                ..c2.evidence
            },
            time_ms: refuted.time_ms + t0.elapsed().as_secs_f64() * 1e3,
            ..c2
        })
    }
}

fn limit_note(summary: String) -> Check {
    Check {
        checker: Checker::Limits,
        item: String::new(),
        verdict: ItemVerdict::Unknown,
        evidence: Evidence {
            summary,
            ..Default::default()
        },
        time_ms: 0.0,
    }
}

/// The leftmost operand of a binary operation (`8` in `8 * 1/4`, `1.50` in `1.50 + 3.00`);
/// `None` for anything else. Only numeric leaves count.
fn leftmost_operand(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Add(a, _) | Expr::Sub(a, _) | Expr::Mul(a, _) | Expr::Div(a, _) => {
            let mut cur: &Expr = a;
            while let Expr::Add(x, _) | Expr::Sub(x, _) | Expr::Mul(x, _) | Expr::Div(x, _) = cur {
                cur = x;
            }
            cur.is_literal().then_some(cur)
        }
        _ => None,
    }
}

/// The variant of an item with `%` read as a unit, when some terms are `p%` and the others have
/// no percentage anywhere; `None` otherwise.
fn percent_as_unit(m: &MathItem) -> Option<MathItem> {
    let is_bare_percent = |e: &Expr| matches!(e, Expr::Percent(_));
    let with = m.terms.iter().filter(|t| is_bare_percent(t)).count();
    let others_clean = m
        .terms
        .iter()
        .filter(|t| !is_bare_percent(t))
        .all(|t| !t.has_percent());
    if with == 0 || with == m.terms.len() || !others_clean {
        return None;
    }
    let terms = m
        .terms
        .iter()
        .map(|t| match t {
            Expr::Percent(inner) => (**inner).clone(),
            t => t.clone(),
        })
        .collect();
    Some(MathItem {
        source: m.source.clone(),
        terms,
        rels: m.rels.clone(),
        modulus: m.modulus.clone(),
    })
}

/// The note on an item that [`Verifier::verify_until`] did not start because its caller
/// stopped it: a `limits` note (not a check, so it counts in no coverage), verdict `timeout`.
fn stopped_check(item: &Item) -> Check {
    let source = match item {
        Item::Math(m) => m.source.clone(),
        Item::Claim { source } | Item::Smt2 { source } | Item::Code { source, .. } => {
            source.clone()
        }
    };
    Check {
        checker: Checker::Limits,
        item: source,
        verdict: ItemVerdict::Timeout,
        evidence: Evidence {
            summary: "not checked: the request was stopped (its deadline passed or the client \
                      went away)"
                .into(),
            ..Default::default()
        },
        time_ms: 0.0,
    }
}

/// The worst verdict among a step's checks: refuted > unknown (unknown, timeout, checked up to
/// a bound) > verified; no checks: unchecked.
pub fn step_verdict(checks: &[Check]) -> StepVerdict {
    if checks.is_empty() {
        return StepVerdict::Unchecked;
    }
    if checks.iter().any(|c| c.verdict == ItemVerdict::Refuted) {
        return StepVerdict::Refuted;
    }
    if checks.iter().all(|c| c.verdict == ItemVerdict::Verified) {
        return StepVerdict::Verified;
    }
    StepVerdict::Unknown
}

/// What the answer-level part of a report found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFinding {
    /// The answer does not match the reference, or a substitution check failed.
    Refuted,
    /// Evidence established the answer.
    Established(AnswerEvidence),
    /// Nothing refuted it, nothing established it.
    NotEstablished,
}

/// The answer-level finding of a report's answer part: a reference match first, else a
/// substitution that established the answer.
pub fn answer_finding(answer: &AnswerReport) -> AnswerFinding {
    if answer.equivalent == Some(false)
        || answer
            .checks
            .iter()
            .any(|c| c.verdict == ItemVerdict::Refuted)
    {
        AnswerFinding::Refuted
    } else if answer.equivalent == Some(true)
        && answer.equivalence != Some(answer::Equivalence::ProbablyEqual)
    {
        AnswerFinding::Established(AnswerEvidence::Reference)
    } else if substitution::established(&answer.checks) {
        AnswerFinding::Established(AnswerEvidence::Substitution)
    } else {
        AnswerFinding::NotEstablished
    }
}

/// The overall verdict, THE place `verify`'s invariants are enforced: `flagged` when a step or
/// the answer is refuted; `verified` only with a passed check and answer-level evidence
/// ([`answer_finding`]); `no_errors_found` when step checks passed but the answer is not
/// established; `unverified` when nothing passed.
pub fn overall(steps: Vec<StepReport>, answer: AnswerReport) -> VerifyReport {
    let first_error = steps.iter().position(|s| s.verdict == StepVerdict::Refuted);
    let any_passed = steps
        .iter()
        .flat_map(|s| &s.checks)
        .chain(&answer.checks)
        .any(|c| c.verdict == ItemVerdict::Verified)
        || answer.equivalent == Some(true);
    let (verdict, answer_evidence) = match answer_finding(&answer) {
        _ if first_error.is_some() => (Overall::Flagged, None),
        AnswerFinding::Refuted => (Overall::Flagged, None),
        AnswerFinding::Established(e) if any_passed => (Overall::Verified, Some(e)),
        _ if any_passed => (Overall::NoErrorsFound, None),
        _ => (Overall::Unverified, None),
    };
    let coverage = Coverage::of(&steps);
    VerifyReport {
        verdict,
        answer_evidence,
        first_error,
        steps,
        answer,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(checker: Checker, verdict: ItemVerdict) -> Check {
        Check {
            checker,
            item: "x".into(),
            verdict,
            evidence: Evidence::default(),
            time_ms: 0.0,
        }
    }

    fn step(index: usize, checks: Vec<Check>) -> StepReport {
        StepReport {
            index,
            text: String::new(),
            verdict: step_verdict(&checks),
            checks,
        }
    }

    #[test]
    fn passing_steps_without_answer_evidence_are_no_errors_found() {
        let steps = vec![
            step(0, vec![check(Checker::Numeric, ItemVerdict::Verified)]),
            step(1, vec![]),
            step(2, vec![check(Checker::Logic, ItemVerdict::Unknown)]),
        ];
        let r = overall(steps.clone(), AnswerReport::default());
        assert_eq!(r.verdict, Overall::NoErrorsFound);
        assert_eq!(r.answer_evidence, None);
        assert_eq!(r.coverage.steps_total, 3);
        assert_eq!(r.coverage.steps_checked, 2);
        assert_eq!(r.coverage.by_checker["numeric"], 1);
        assert_eq!(r.coverage.by_checker["logic"], 1);
        let with_ref = AnswerReport {
            equivalent: Some(true),
            ..Default::default()
        };
        let r = overall(steps.clone(), with_ref);
        assert_eq!(r.verdict, Overall::Verified);
        assert_eq!(r.answer_evidence, Some(AnswerEvidence::Reference));
        // A probable match (`0.33` for `\frac13`) neither establishes nor refutes the answer.
        let probable = AnswerReport {
            equivalent: Some(true),
            equivalence: Some(answer::Equivalence::ProbablyEqual),
            ..Default::default()
        };
        let r = overall(steps, probable);
        assert_eq!(r.verdict, Overall::NoErrorsFound);
        assert_eq!(r.answer_evidence, None);
    }

    proptest::proptest! {
        /// Whatever the steps and answer checks, `verified` comes with a passed check and
        /// answer-level evidence, and `answer_evidence` is set exactly when it is `verified`.
        #[test]
        fn verified_needs_a_passed_check_and_answer_evidence(
            steps in proptest::collection::vec(proptest::collection::vec((0u8..4, 0u8..4), 0..3), 0..4),
            answer in proptest::collection::vec(0u8..4, 0..3),
            equivalent in proptest::option::of(proptest::bool::ANY),
            probable in proptest::bool::ANY,
        ) {
            let verdicts = [ItemVerdict::Verified, ItemVerdict::Refuted, ItemVerdict::Unknown, ItemVerdict::Timeout];
            let kinds = [Checker::Numeric, Checker::Logic, Checker::Smt2, Checker::Limits];
            let steps: Vec<StepReport> = steps.iter().enumerate().map(|(i, cs)| {
                step(i, cs.iter().map(|&(k, v)| check(kinds[k as usize], verdicts[v as usize])).collect())
            }).collect();
            let answer = AnswerReport {
                equivalent,
                equivalence: equivalent.map(|e| match (e, probable) {
                    (true, true) => answer::Equivalence::ProbablyEqual,
                    (true, false) => answer::Equivalence::Equal,
                    (false, _) => answer::Equivalence::Different,
                }),
                checks: answer.iter().map(|&v| check(Checker::Substitution, verdicts[v as usize])).collect(),
                ..Default::default()
            };
            let r = overall(steps, answer);
            proptest::prop_assert_eq!(r.verdict == Overall::Verified, r.answer_evidence.is_some());
            if r.verdict == Overall::Verified {
                let passed = r.steps.iter().flat_map(|s| &s.checks).chain(&r.answer.checks)
                    .any(|c| c.verdict == ItemVerdict::Verified) || r.answer.equivalent == Some(true);
                proptest::prop_assert!(passed);
                proptest::prop_assert!(r.answer.equivalence == Some(answer::Equivalence::Equal)
                    || substitution::established(&r.answer.checks));
                proptest::prop_assert!(r.first_error.is_none());
            }
        }
    }
}
