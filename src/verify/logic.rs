//! Z3-backed checks: claims in the claim language ([`check_claim`], syntax in
//! [`crate::verify::claim`]) and SMT-LIB 2 blocks ([`check_smt2`]).
//!
//! Owns: the claim → Z3 encoding (Int/Real/Bool and a bit-vector encoding for bounded integer
//! claims), the bounded fallback for claims Z3 cannot settle, the SMT-LIB pre-scan, and
//! cancellation. Z3 runs in-process; each query gets a fresh Z3 context with Z3's own
//! `timeout` *and* a watchdog thread that calls `Z3_interrupt` on that context when the
//! deadline passes (Z3's own timer overshoots). An interrupted query is a `Timeout` verdict.
//!
//! # Verdicts of a claim
//! * `verified` — Z3 showed the negation unsatisfiable (`solver_status: unsat`); for a claim
//!   that starts with `exists`, Z3 found a witness (`sat`); or a claim whose variables all have
//!   finite ranges was proved over exactly those ranges (bit-vector encoding without overflow,
//!   or an exhaustive check of every case — the evidence says which).
//! * `refuted` — a counterexample, in the claim's own variable names.
//! * `checked_bounded` — Z3 could not decide, and no counterexample exists with every unranged
//!   integer variable in `[-N, N]` ("checked up to N"). Not a proof.
//! * `unknown` / `timeout` — otherwise (parse errors are `unknown` with the position).
//!
//! # SMT-LIB blocks
//! By default a block follows the proof convention: it asserts the *negation* of what is
//! claimed, so `unsat` → verified and `sat` → refuted (the model is the counterexample). A block
//! that declares `(set-info :status sat)` or `(set-info :status unsat)` is instead verified when
//! Z3's answer matches the declared status. Only declarations, definitions, `assert`,
//! `set-logic`, `set-info` and `check-sat` are taken; `(exit)` ends the block; output commands
//! (`get-model`, `echo`, …) are ignored; `set-option`, `push`/`pop` and anything else make the
//! verdict `unknown` without running Z3.

use crate::verify::claim::{
    self, ArithOp, Binder, CmpOp, EvalError, LogicOp, Quant, Rat, Sort, Term, Val,
};
use crate::verify::{Check, Evidence, ItemVerdict};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use z3::ast::{Ast, Bool, Int, Real, BV};
use z3::{Context, SatResult, Solver};

/// Longest SMT-LIB block accepted, in bytes.
pub const MAX_SMT2_BYTES: usize = 1 << 20;
/// Deepest s-expression nesting accepted in an SMT-LIB block (Z3's parser recurses).
pub const MAX_SMT2_DEPTH: usize = 1_000;
/// Most cases the bounded checker enumerates for one claim.
pub const BOUNDED_MAX_CASES: u64 = 200_000;
/// Largest radius N of the bounded check of an unranged integer variable (`[-N, N]`); smaller
/// when several variables share [`BOUNDED_MAX_CASES`].
pub const BOUNDED_MAX_RADIUS: i128 = 1_000;
/// Widest bit-vector encoding of bounded integer claims (narrower when interval arithmetic allows).
pub const BV_WIDTH: u32 = 64;
/// Z3's global memory cap in MiB (`memory_max_size`): a hostile query fails instead of
/// exhausting the host.
pub const Z3_MEMORY_MAX_MB: u32 = 4096;
/// Share of a claim's timeout given to the first (Int/Real) Z3 query; the rest goes to the
/// fallbacks.
const FIRST_QUERY_SHARE: f64 = 0.6;
/// Share of a claim's timeout given to the bit-vector attempt on a fully ranged integer claim,
/// which runs first.
const BV_FIRST_SHARE: f64 = 0.3;

fn init_z3() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| z3::set_global_param("memory_max_size", &Z3_MEMORY_MAX_MB.to_string()));
}

/// Runs `f` against this thread's Z3 context with a watchdog that interrupts the context at
/// `timeout`. Returns `f`'s result and whether the watchdog fired (read after the watchdog
/// thread has been joined, so a late interrupt is never missed).
fn with_watchdog<R: Send + Sync>(
    timeout: Duration,
    f: impl FnOnce() -> R + Send + Sync,
) -> (R, bool) {
    let ctx = Context::thread_local();
    let handle = ctx.handle();
    let fired = AtomicBool::new(false);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let r = std::thread::scope(|s| {
        let fired = &fired;
        let handle = &handle;
        s.spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                fired.store(true, Ordering::SeqCst);
                handle.interrupt();
            }
        });
        let r = f();
        drop(done_tx);
        r
    });
    (r, fired.load(Ordering::SeqCst))
}

/// A solver on this thread's context with Z3's own `timeout` set (our watchdog is the real
/// limit; Z3's timer overshoots).
fn new_solver(timeout: Duration) -> Solver {
    let solver = Solver::new();
    let mut p = z3::Params::new();
    p.set_u32(
        "timeout",
        timeout.as_millis().clamp(1, u32::MAX as u128) as u32,
    );
    solver.set_params(&p);
    solver
}

/// How long past a query's timeout the caller keeps waiting for an interrupted Z3 to return.
/// Z3 checks its interrupt flag only now and then (nonlinear arithmetic can take seconds), so
/// after this the caller stops waiting and the query finishes in the background.
pub const Z3_GRACE: Duration = Duration::from_millis(300);
/// Most overshooting Z3 queries allowed to keep running in the background; beyond this, new
/// queries are refused (verdict `unknown`) until they finish, so runaways cannot pile up.
pub const MAX_DETACHED_Z3: usize = 4;
/// Stack of a Z3 query thread: Z3 recurses over terms (SMT-LIB nesting up to MAX_SMT2_DEPTH).
const Z3_STACK_BYTES: usize = 256 << 20;

static DETACHED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Why a Z3 call gave no result.
enum Z3Fail {
    /// Past the timeout plus [`Z3_GRACE`]; the query was interrupted and left to finish.
    Overshot,
    /// Too many earlier queries are still finishing.
    Busy,
}

/// Most idle Z3 query threads kept for reuse. Each keeps its Z3 context between queries, which
/// saves the context set-up (the larger part of a small claim's latency); a thread whose query
/// was interrupted is retired, so an interrupted context is never reused.
pub const MAX_IDLE_Z3_THREADS: usize = 8;

type Z3Job = Box<dyn FnOnce() -> bool + Send>;

static IDLE_Z3: std::sync::Mutex<Vec<mpsc::Sender<Z3Job>>> = std::sync::Mutex::new(Vec::new());

/// Hands `job` to an idle Z3 query thread, or starts one.
fn dispatch(mut job: Z3Job) -> bool {
    loop {
        let idle = IDLE_Z3.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(tx) => match tx.send(job) {
                Ok(()) => return true,
                Err(mpsc::SendError(j)) => job = j, // that thread is gone; try another
            },
            None => {
                let (tx, rx) = mpsc::channel::<Z3Job>();
                let own_tx = tx.clone();
                let spawned = std::thread::Builder::new()
                    .name("z3-query".into())
                    .stack_size(Z3_STACK_BYTES)
                    .spawn(move || {
                        init_z3();
                        while let Ok(job) = rx.recv() {
                            let interrupted = job();
                            let mut idle = IDLE_Z3.lock().unwrap_or_else(|p| p.into_inner());
                            if interrupted || idle.len() >= MAX_IDLE_Z3_THREADS {
                                return;
                            }
                            idle.push(own_tx.clone());
                        }
                    });
                return spawned.is_ok() && tx.send(job).is_ok();
            }
        }
    }
}

/// Runs `f` (which uses Z3) on a Z3 query thread under [`with_watchdog`], waiting at most
/// `timeout + Z3_GRACE` for it.
fn z3_call<R: Send + Sync + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> R + Send + Sync + 'static,
) -> Result<(R, bool), Z3Fail> {
    use std::sync::{Arc, Mutex};
    if DETACHED.load(Ordering::SeqCst) >= MAX_DETACHED_Z3 {
        return Err(Z3Fail::Busy);
    }
    // (finished, abandoned)
    let state = Arc::new(Mutex::new((false, false)));
    let state2 = state.clone();
    let (tx, rx) = mpsc::channel();
    let job: Z3Job = Box::new(move || {
        let (r, fired) = with_watchdog(timeout, f);
        let mut st = state2.lock().unwrap_or_else(|p| p.into_inner());
        if st.1 {
            DETACHED.fetch_sub(1, Ordering::SeqCst);
        } else {
            st.0 = true;
            let _ = tx.send((r, fired));
        }
        fired
    });
    if !dispatch(job) {
        return Err(Z3Fail::Busy);
    }
    match rx.recv_timeout(timeout + Z3_GRACE) {
        Ok(r) => Ok(r),
        Err(_) => {
            let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
            if st.0 {
                drop(st);
                return rx.recv().map_err(|_| Z3Fail::Overshot);
            }
            st.1 = true;
            DETACHED.fetch_add(1, Ordering::SeqCst);
            Err(Z3Fail::Overshot)
        }
    }
}

fn check_value(
    checker: super::Checker,
    source: &str,
    verdict: ItemVerdict,
    evidence: Evidence,
    start: Instant,
) -> Check {
    Check {
        checker,
        item: source.into(),
        verdict,
        evidence,
        time_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

fn ev(summary: impl Into<String>, status: Option<&str>) -> Evidence {
    Evidence {
        summary: summary.into(),
        solver_status: status.map(str::to_string),
        ..Default::default()
    }
}

// ───────────────────────────── claim encoding ─────────────────────────────

#[derive(Clone)]
enum Z {
    I(Int),
    R(Real),
    B(Bool),
}

impl Z {
    fn sort(&self) -> &'static str {
        match self {
            Z::I(_) => "Int",
            Z::R(_) => "Real",
            Z::B(_) => "Bool",
        }
    }
}

struct Enc {
    scopes: Vec<(String, Z)>,
}

type EncResult<T> = Result<T, String>;

fn real_of(z: Z) -> EncResult<Real> {
    match z {
        Z::I(i) => Ok(i.to_real()),
        Z::R(r) => Ok(r),
        Z::B(_) => Err("a Bool where a number is needed".into()),
    }
}

fn bool_of(z: Z) -> EncResult<Bool> {
    match z {
        Z::B(b) => Ok(b),
        other => Err(format!("a {} where a Bool is needed", other.sort())),
    }
}

fn int_of(z: Z, what: &str) -> EncResult<Int> {
    match z {
        Z::I(i) => Ok(i),
        other => Err(format!("{what} needs Int operands, got {}", other.sort())),
    }
}

fn numeral(s: &str) -> EncResult<Z> {
    match s.split_once('.') {
        None => s
            .parse::<Int>()
            .map(Z::I)
            .map_err(|_| format!("bad number {s}")),
        Some((a, b)) => {
            let num = format!("{a}{b}").trim_start_matches('0').to_string();
            let num = if num.is_empty() { "0".to_string() } else { num };
            let den = format!("1{}", "0".repeat(b.len()));
            Real::from_rational_str(&num, &den)
                .map(Z::R)
                .ok_or_else(|| format!("bad number {s}"))
        }
    }
}

impl Enc {
    fn lookup(&self, name: &str) -> EncResult<Z> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, z)| z.clone())
            .ok_or_else(|| format!("variable `{name}` is not bound by a quantifier"))
    }

    fn arith(&mut self, op: ArithOp, a: &Term, b: &Term) -> EncResult<Z> {
        let (x, y) = (self.enc(a)?, self.enc(b)?);
        match op {
            ArithOp::IntDiv => Ok(Z::I(int_of(x, "div")?.div(&int_of(y, "div")?))),
            ArithOp::Mod => Ok(Z::I(int_of(x, "mod")?.modulo(&int_of(y, "mod")?))),
            ArithOp::Div => Ok(Z::R(real_of(x)?.div(&real_of(y)?))),
            _ => match (x, y) {
                (Z::I(x), Z::I(y)) => Ok(Z::I(match op {
                    ArithOp::Add => Int::add(&[&x, &y]),
                    ArithOp::Sub => Int::sub(&[&x, &y]),
                    _ => Int::mul(&[&x, &y]),
                })),
                (x, y) => {
                    let (x, y) = (real_of(x)?, real_of(y)?);
                    Ok(Z::R(match op {
                        ArithOp::Add => Real::add(&[&x, &y]),
                        ArithOp::Sub => Real::sub(&[&x, &y]),
                        _ => Real::mul(&[&x, &y]),
                    }))
                }
            },
        }
    }

    fn compare(&self, op: CmpOp, x: Z, y: Z) -> EncResult<Bool> {
        if op == CmpOp::Divides {
            let (a, b) = (int_of(x, "divides")?, int_of(y, "divides")?);
            let zero = Int::from_i64(0);
            let a0 = a.eq(&zero);
            return Ok(Bool::or(&[
                Bool::and(&[a0.clone(), b.eq(&zero)]),
                Bool::and(&[a0.not(), b.modulo(&a).eq(&zero)]),
            ]));
        }
        match (x, y) {
            (Z::B(p), Z::B(q)) => match op {
                CmpOp::Eq => Ok(p.eq(&q)),
                CmpOp::Ne => Ok(p.eq(&q).not()),
                _ => Err("Bools can only be compared with = and !=".into()),
            },
            (Z::I(p), Z::I(q)) => Ok(match op {
                CmpOp::Eq => p.eq(&q),
                CmpOp::Ne => p.eq(&q).not(),
                CmpOp::Lt => p.lt(&q),
                CmpOp::Le => p.le(&q),
                CmpOp::Gt => p.gt(&q),
                _ => p.ge(&q),
            }),
            (x, y) => {
                let (p, q) = (real_of(x)?, real_of(y)?);
                Ok(match op {
                    CmpOp::Eq => p.eq(&q),
                    CmpOp::Ne => p.eq(&q).not(),
                    CmpOp::Lt => p.lt(&q),
                    CmpOp::Le => p.le(&q),
                    CmpOp::Gt => p.gt(&q),
                    _ => p.ge(&q),
                })
            }
        }
    }

    fn minmax(&mut self, args: &[Term], min: bool) -> EncResult<Z> {
        let vals = args
            .iter()
            .map(|a| self.enc(a))
            .collect::<EncResult<Vec<_>>>()?;
        let all_int = vals.iter().all(|v| matches!(v, Z::I(_)));
        let mut it = vals.into_iter();
        let first = it.next().ok_or("min/max of nothing")?;
        if all_int {
            let mut acc = int_of(first, "min/max")?;
            for v in it {
                let v = int_of(v, "min/max")?;
                let pick = if min { v.lt(&acc) } else { v.gt(&acc) };
                acc = pick.ite(&v, &acc);
            }
            Ok(Z::I(acc))
        } else {
            let mut acc = real_of(first)?;
            for v in it {
                let v = real_of(v)?;
                let pick = if min { v.lt(&acc) } else { v.gt(&acc) };
                acc = pick.ite(&v, &acc);
            }
            Ok(Z::R(acc))
        }
    }

    /// The range constraint `lo <= x <= hi` of a binder, or `true`.
    fn range_of(&mut self, b: &Binder, var: &Z) -> EncResult<Bool> {
        match &b.range {
            None => Ok(Bool::from_bool(true)),
            Some((lo, hi)) => {
                let (lo, hi) = (self.enc(lo)?, self.enc(hi)?);
                Ok(Bool::and(&[
                    self.compare(CmpOp::Le, lo, var.clone())?,
                    self.compare(CmpOp::Le, var.clone(), hi)?,
                ]))
            }
        }
    }

    fn fresh(b: &Binder) -> Z {
        match b.sort {
            Sort::Int => Z::I(Int::new_const(b.name.as_str())),
            Sort::Real => Z::R(Real::new_const(b.name.as_str())),
            Sort::Bool => Z::B(Bool::new_const(b.name.as_str())),
        }
    }

    /// Binds `binders` (ranges may mention earlier binders); returns the constants and the
    /// conjunction of their ranges.
    fn bind(&mut self, binders: &[Binder]) -> EncResult<(Vec<Z>, Bool)> {
        let mut vars = Vec::new();
        let mut ranges = Vec::new();
        for b in binders {
            let v = Self::fresh(b);
            ranges.push(self.range_of(b, &v)?);
            self.scopes.push((b.name.clone(), v.clone()));
            vars.push(v);
        }
        Ok((vars, Bool::and(&ranges)))
    }

    fn enc(&mut self, t: &Term) -> EncResult<Z> {
        Ok(match t {
            Term::Num(s) => numeral(s)?,
            Term::Var(v) => self.lookup(v)?,
            Term::Bool(b) => Z::B(Bool::from_bool(*b)),
            Term::Neg(a) => match self.enc(a)? {
                Z::I(i) => Z::I(i.unary_minus()),
                Z::R(r) => Z::R(r.unary_minus()),
                Z::B(_) => return Err("`-` applied to a Bool".into()),
            },
            Term::Arith(op, a, b) => self.arith(*op, a, b)?,
            Term::Pow(a, n) => match self.enc(a)? {
                Z::I(i) => Z::I(if *n == 0 {
                    Int::from_i64(1)
                } else {
                    Int::mul(&vec![i; *n as usize])
                }),
                Z::R(r) => Z::R(if *n == 0 {
                    Int::from_i64(1).to_real()
                } else {
                    Real::mul(&vec![r; *n as usize])
                }),
                Z::B(_) => return Err("`^` applied to a Bool".into()),
            },
            Term::Abs(a) => match self.enc(a)? {
                Z::I(i) => Z::I(i.lt(Int::from_i64(0)).ite(&i.unary_minus(), &i)),
                Z::R(r) => Z::R(r.lt(Int::from_i64(0).to_real()).ite(&r.unary_minus(), &r)),
                Z::B(_) => return Err("abs of a Bool".into()),
            },
            Term::Min(args) => self.minmax(args, true)?,
            Term::Max(args) => self.minmax(args, false)?,
            Term::Cmp(terms, ops) => {
                let vals = terms
                    .iter()
                    .map(|a| self.enc(a))
                    .collect::<EncResult<Vec<_>>>()?;
                let mut parts = Vec::new();
                for (i, op) in ops.iter().enumerate() {
                    parts.push(self.compare(*op, vals[i].clone(), vals[i + 1].clone())?);
                }
                Z::B(Bool::and(&parts))
            }
            Term::Not(a) => Z::B(bool_of(self.enc(a)?)?.not()),
            Term::Logic(op, a, b) => {
                let (x, y) = (bool_of(self.enc(a)?)?, bool_of(self.enc(b)?)?);
                Z::B(match op {
                    LogicOp::And => Bool::and(&[x, y]),
                    LogicOp::Or => Bool::or(&[x, y]),
                    LogicOp::Implies => x.implies(&y),
                    LogicOp::Iff => x.iff(&y),
                })
            }
            Term::Quant(q, binders, body) => {
                let mark = self.scopes.len();
                let r = (|| -> EncResult<Z> {
                    let (vars, range) = self.bind(binders)?;
                    let body = bool_of(self.enc(body)?)?;
                    let bounds: Vec<&dyn Ast> = vars
                        .iter()
                        .map(|v| match v {
                            Z::I(i) => i as &dyn Ast,
                            Z::R(r) => r as &dyn Ast,
                            Z::B(b) => b as &dyn Ast,
                        })
                        .collect();
                    Ok(Z::B(match q {
                        Quant::Forall => z3::ast::forall_const(&bounds, &[], &range.implies(&body)),
                        Quant::Exists => {
                            z3::ast::exists_const(&bounds, &[], &Bool::and(&[range, body]))
                        }
                    }))
                })();
                self.scopes.truncate(mark);
                r?
            }
        })
    }
}

/// Splits off the leading quantifiers of one kind: `forall x. forall y. P` → ([x, y], P).
fn peel(t: &Term, kind: Quant) -> (Vec<Binder>, &Term) {
    let mut binders = Vec::new();
    let mut t = t;
    while let Term::Quant(q, bs, body) = t {
        if *q != kind {
            break;
        }
        binders.extend(bs.iter().cloned());
        t = body;
    }
    (binders, t)
}

/// Renders a model value of a constant.
fn model_value(m: &z3::Model, z: &Z) -> String {
    match z {
        Z::I(i) => m
            .eval(i, true)
            .map(|v| {
                v.as_i64()
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| clean(&v.to_string()))
            })
            .unwrap_or_else(|| "?".into()),
        Z::R(r) => m
            .eval(r, true)
            .map(|v| match v.as_rational() {
                Some((n, 1)) => n.to_string(),
                Some((n, d)) => format!("{n}/{d}"),
                None => clean(&v.to_string()),
            })
            .unwrap_or_else(|| "?".into()),
        Z::B(b) => m
            .eval(b, true)
            .and_then(|v| v.as_bool())
            .map(|v| v.to_string())
            .unwrap_or_else(|| "?".into()),
    }
}

/// `(- 3)` → `-3`, `(/ 1.0 2.0)` stays readable.
fn clean(s: &str) -> String {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("(- ").and_then(|r| r.strip_suffix(')')) {
        return format!("-{}", inner.trim());
    }
    s.to_string()
}

enum Outcome {
    Proved,
    /// Counterexample (or witness for an `exists` claim) in the claim's names.
    Model(BTreeMap<String, String>),
    /// The negation / the body is unsat for an exists claim.
    NoWitness,
    Unknown(String),
    Interrupted,
    Error(String),
}

/// Folds a finished or abandoned [`z3_call`] of an Outcome-producing query into an [`Outcome`]:
/// past the grace period → `Interrupted`; pool busy → `Unknown`; an `unknown` answer after the
/// watchdog fired → `Interrupted`; an encoding error → `Error`.
fn outcome_of(call: Result<(Result<Outcome, String>, bool), Z3Fail>) -> Outcome {
    let (out, fired) = match call {
        Ok(x) => x,
        Err(Z3Fail::Overshot) => return Outcome::Interrupted,
        Err(Z3Fail::Busy) => {
            return Outcome::Unknown("too many earlier Z3 queries still running".into())
        }
    };
    match out {
        Err(e) => Outcome::Error(e),
        Ok(Outcome::Unknown(_)) if fired => Outcome::Interrupted,
        Ok(o) => o,
    }
}

fn cex_text(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One Z3 query for a claim in the Int/Real encoding.
fn z3_claim(term: &Term, timeout: Duration) -> Outcome {
    let term = term.clone();
    let call = z3_call(timeout, move || -> Result<Outcome, String> {
        let term = &term;
        let mut enc = Enc { scopes: Vec::new() };
        let solver = new_solver(timeout);
        let (foralls, body) = peel(term, Quant::Forall);
        if foralls.is_empty() {
            if let Term::Quant(Quant::Exists, _, _) = term {
                // exists x. P: look for a witness.
                let (exists, body) = peel(term, Quant::Exists);
                let (vars, range) = enc.bind(&exists)?;
                let b = bool_of(enc.enc(body)?)?;
                solver.assert(&range);
                solver.assert(&b);
                return Ok(match solver.check() {
                    SatResult::Sat => {
                        let m = solver.get_model().ok_or("no model")?;
                        Outcome::Model(
                            exists
                                .iter()
                                .zip(&vars)
                                .map(|(b, v)| (b.name.clone(), model_value(&m, v)))
                                .collect(),
                        )
                    }
                    SatResult::Unsat => Outcome::NoWitness,
                    SatResult::Unknown => {
                        Outcome::Unknown(solver.get_reason_unknown().unwrap_or_default())
                    }
                });
            }
        }
        let (vars, range) = enc.bind(&foralls)?;
        let b = bool_of(enc.enc(body)?)?;
        solver.assert(&range);
        solver.assert(b.not());
        Ok(match solver.check() {
            SatResult::Unsat => Outcome::Proved,
            SatResult::Sat => {
                let m = solver.get_model().ok_or("no model")?;
                Outcome::Model(
                    foralls
                        .iter()
                        .zip(&vars)
                        .map(|(b, v)| (b.name.clone(), model_value(&m, v)))
                        .collect(),
                )
            }
            SatResult::Unknown => Outcome::Unknown(solver.get_reason_unknown().unwrap_or_default()),
        })
    });
    match outcome_of(call) {
        // Z3's own timer ran out (it names the reason): the same as our watchdog firing.
        Outcome::Unknown(r) if r.contains("canceled") || r.contains("timeout") => {
            Outcome::Interrupted
        }
        o => o,
    }
}

// ───────────────────────────── bit-vector encoding ─────────────────────────────

/// Bit-vector encoding of an integer claim. `ok` collects the conditions under which the
/// machine arithmetic equals integer arithmetic (no overflow, no division by zero).
struct BvEnc {
    scopes: Vec<(String, BvZ)>,
    ok: Vec<Bool>,
    width: u32,
}

#[derive(Clone)]
enum BvZ {
    N(BV),
    B(Bool),
}

impl BvEnc {
    fn n(&mut self, t: &Term) -> EncResult<BV> {
        match self.enc(t)? {
            BvZ::N(x) => Ok(x),
            BvZ::B(_) => Err("Bool where a number is needed".into()),
        }
    }
    fn b(&mut self, t: &Term) -> EncResult<Bool> {
        match self.enc(t)? {
            BvZ::B(x) => Ok(x),
            BvZ::N(_) => Err("number where a Bool is needed".into()),
        }
    }
    fn mul(&mut self, x: &BV, y: &BV) -> BV {
        self.ok.push(x.bvmul_no_overflow(y, true));
        self.ok.push(x.bvmul_no_underflow(y));
        x.bvmul(y)
    }
    /// Euclidean remainder and quotient.
    fn euclid(&mut self, x: &BV, y: &BV) -> (BV, BV) {
        let zero = BV::from_i64(0, self.width);
        self.ok.push(y.eq(&zero).not());
        self.ok.push(y.bvneg_no_overflow());
        let ay = y.bvslt(&zero).ite(&y.bvneg(), y);
        let r = x.bvsmod(&ay); // sign of the (positive) divisor: 0 <= r < |y|
        let diff = x.bvsub(&r);
        self.ok.push(x.bvsub_no_overflow(&r));
        self.ok.push(x.bvsub_no_underflow(&r, true));
        self.ok.push(diff.bvsdiv_no_overflow(y));
        (r, diff.bvsdiv(y))
    }
    fn enc(&mut self, t: &Term) -> EncResult<BvZ> {
        let w = self.width;
        let zero = || BV::from_i64(0, w);
        Ok(match t {
            Term::Num(s) => {
                if s.contains('.') {
                    return Err("decimals".into());
                }
                let v: i64 = s.parse().map_err(|_| "literal too large")?;
                if self.width < 64 && v.unsigned_abs() >= 1u64 << (self.width - 1) {
                    return Err("literal wider than the encoding".into());
                }
                BvZ::N(BV::from_i64(v, self.width))
            }
            Term::Var(v) => self
                .scopes
                .iter()
                .rev()
                .find(|(n, _)| n == v)
                .map(|(_, z)| z.clone())
                .ok_or_else(|| format!("unbound {v}"))?,
            Term::Bool(b) => BvZ::B(Bool::from_bool(*b)),
            Term::Neg(a) => {
                let x = self.n(a)?;
                self.ok.push(x.bvneg_no_overflow());
                BvZ::N(x.bvneg())
            }
            Term::Arith(op, a, b) => {
                let (x, y) = (self.n(a)?, self.n(b)?);
                BvZ::N(match op {
                    ArithOp::Add => {
                        self.ok.push(x.bvadd_no_overflow(&y, true));
                        self.ok.push(x.bvadd_no_underflow(&y));
                        x.bvadd(&y)
                    }
                    ArithOp::Sub => {
                        self.ok.push(x.bvsub_no_overflow(&y));
                        self.ok.push(x.bvsub_no_underflow(&y, true));
                        x.bvsub(&y)
                    }
                    ArithOp::Mul => self.mul(&x, &y),
                    ArithOp::Mod => self.euclid(&x, &y).0,
                    ArithOp::IntDiv => self.euclid(&x, &y).1,
                    ArithOp::Div => return Err("exact division".into()),
                })
            }
            Term::Pow(a, n) => {
                let x = self.n(a)?;
                let mut acc = BV::from_i64(1, self.width);
                for _ in 0..*n {
                    acc = self.mul(&acc, &x);
                }
                BvZ::N(acc)
            }
            Term::Abs(a) => {
                let x = self.n(a)?;
                self.ok.push(x.bvneg_no_overflow());
                BvZ::N(x.bvslt(zero()).ite(&x.bvneg(), &x))
            }
            Term::Min(args) | Term::Max(args) => {
                let min = matches!(t, Term::Min(_));
                let mut acc: Option<BV> = None;
                for a in args {
                    let v = self.n(a)?;
                    acc = Some(match acc {
                        None => v,
                        Some(acc) => {
                            let pick = if min { v.bvslt(&acc) } else { v.bvsgt(&acc) };
                            pick.ite(&v, &acc)
                        }
                    });
                }
                BvZ::N(acc.ok_or("min/max of nothing")?)
            }
            Term::Cmp(terms, ops) => {
                let vals = terms
                    .iter()
                    .map(|a| self.enc(a))
                    .collect::<EncResult<Vec<_>>>()?;
                let mut parts = Vec::new();
                for (i, op) in ops.iter().enumerate() {
                    parts.push(match (&vals[i], &vals[i + 1], op) {
                        (BvZ::B(p), BvZ::B(q), CmpOp::Eq) => p.eq(q),
                        (BvZ::B(p), BvZ::B(q), CmpOp::Ne) => p.eq(q).not(),
                        (BvZ::N(p), BvZ::N(q), op) => match op {
                            CmpOp::Eq => p.eq(q),
                            CmpOp::Ne => p.eq(q).not(),
                            CmpOp::Lt => p.bvslt(q),
                            CmpOp::Le => p.bvsle(q),
                            CmpOp::Gt => p.bvsgt(q),
                            CmpOp::Ge => p.bvsge(q),
                            CmpOp::Divides => {
                                let a0 = p.eq(zero());
                                // q mod p with p ≠ 0 only; p = 0 divides only 0.
                                let safe_p = a0.ite(&BV::from_i64(1, self.width), p);
                                let (r, _) = self.euclid(q, &safe_p);
                                Bool::or(&[
                                    Bool::and(&[a0.clone(), q.eq(zero())]),
                                    Bool::and(&[a0.not(), r.eq(zero())]),
                                ])
                            }
                        },
                        _ => return Err("sort mismatch".into()),
                    });
                }
                BvZ::B(Bool::and(&parts))
            }
            Term::Not(a) => BvZ::B(self.b(a)?.not()),
            Term::Logic(op, a, b) => {
                let (x, y) = (self.b(a)?, self.b(b)?);
                BvZ::B(match op {
                    LogicOp::And => Bool::and(&[x, y]),
                    LogicOp::Or => Bool::or(&[x, y]),
                    LogicOp::Implies => x.implies(&y),
                    LogicOp::Iff => x.iff(&y),
                })
            }
            Term::Quant(..) => return Err("nested quantifier".into()),
        })
    }
}

/// Constant integer bounds of every top-level variable, when all are Int/Bool with constant
/// ranges (Bools count as `[0, 1]`).
fn const_ranges(binders: &[Binder]) -> Option<Vec<(i128, i128)>> {
    binders
        .iter()
        .map(|b| match (&b.sort, &b.range) {
            (Sort::Bool, _) => Some((0, 1)),
            (Sort::Int, Some((lo, hi))) => Some((claim::const_int(lo)?, claim::const_int(hi)?)),
            _ => None,
        })
        .collect()
}

/// An upper bound on |value| of every numeric subterm of `t` given the variables' ranges
/// (interval arithmetic); `None` when unbounded or beyond i128.
fn magnitude(t: &Term, env: &BTreeMap<&str, i128>, seen: &mut i128) -> Option<i128> {
    let m = match t {
        Term::Num(s) => s.parse::<i128>().ok()?.abs(),
        Term::Var(v) => *env.get(v.as_str())?,
        Term::Bool(_) => 1,
        Term::Neg(a) | Term::Abs(a) | Term::Not(a) => magnitude(a, env, seen)?,
        Term::Arith(op, a, b) => {
            let (x, y) = (magnitude(a, env, seen)?, magnitude(b, env, seen)?);
            match op {
                ArithOp::Add | ArithOp::Sub => x.checked_add(y)?,
                ArithOp::Mul => x.checked_mul(y)?,
                ArithOp::Mod => y,
                ArithOp::IntDiv | ArithOp::Div => x,
            }
        }
        Term::Pow(a, n) => magnitude(a, env, seen)?.checked_pow(*n)?,
        Term::Min(v) | Term::Max(v) | Term::Cmp(v, _) => {
            let mut best = 1;
            for a in v {
                best = best.max(magnitude(a, env, seen)?);
            }
            best
        }
        Term::Logic(_, a, b) => magnitude(a, env, seen)?.max(magnitude(b, env, seen)?),
        Term::Quant(..) => return None,
    };
    *seen = (*seen).max(m);
    Some(m)
}

/// The bit width for the bit-vector encoding: enough for every intermediate value by interval
/// arithmetic (plus sign and headroom), at least 8, at most [`BV_WIDTH`]. Overflow guards stay
/// in place either way, so a too-small width can only make the attempt inconclusive.
fn bv_width(binders: &[Binder], body: &Term, ranges: &[(i128, i128)]) -> u32 {
    let env: BTreeMap<&str, i128> = binders
        .iter()
        .zip(ranges)
        .map(|(b, (lo, hi))| (b.name.as_str(), lo.abs().max(hi.abs())))
        .collect();
    let mut seen = 1i128;
    match magnitude(body, &env, &mut seen) {
        Some(_) => {
            let bits = 128 - seen.leading_zeros() + 2;
            bits.div_ceil(8).max(1).saturating_mul(8).min(BV_WIDTH)
        }
        None => BV_WIDTH,
    }
}

/// The bit-vector proof attempt for a `forall` claim whose variables all have constant ranges.
fn bv_claim(
    binders: &[Binder],
    body: &Term,
    ranges: &[(i128, i128)],
    timeout: Duration,
) -> Outcome {
    let limit = i64::MAX as i128 / 2;
    if ranges
        .iter()
        .any(|(lo, hi)| lo.abs() > limit || hi.abs() > limit)
    {
        return Outcome::Error("ranges too wide for the bit-vector encoding".into());
    }
    let (binders, body, ranges) = (binders.to_vec(), body.clone(), ranges.to_vec());
    let call = z3_call(timeout, move || -> Result<Outcome, String> {
        let (binders, body, ranges) = (&binders, &body, &ranges);
        let width = bv_width(binders, body, ranges);
        let mut enc = BvEnc {
            scopes: Vec::new(),
            ok: Vec::new(),
            width,
        };
        let mut vars = Vec::new();
        let mut cons = Vec::new();
        for (b, (lo, hi)) in binders.iter().zip(ranges) {
            let v = match b.sort {
                Sort::Bool => BvZ::B(Bool::new_const(b.name.as_str())),
                _ => {
                    let v = BV::new_const(b.name.as_str(), width);
                    cons.push(BV::from_i64(*lo as i64, width).bvsle(&v));
                    cons.push(v.bvsle(BV::from_i64(*hi as i64, width)));
                    BvZ::N(v)
                }
            };
            enc.scopes.push((b.name.clone(), v.clone()));
            vars.push(v);
        }
        let p = enc.b(body)?;
        let faithful = Bool::and(&enc.ok);
        let solver = new_solver(timeout);
        solver.assert(Bool::and(&cons));
        // A counterexample, or a point where the machine arithmetic is not integer arithmetic.
        solver.assert(Bool::or(&[p.not(), faithful.not()]));
        Ok(match solver.check() {
            SatResult::Unsat => Outcome::Proved,
            SatResult::Sat => {
                let m = solver.get_model().ok_or("no model")?;
                let faithful_here = m.eval(&faithful, true).and_then(|b| b.as_bool()) == Some(true);
                if !faithful_here {
                    return Ok(Outcome::Unknown(
                        "overflow possible in the bit-vector encoding".into(),
                    ));
                }
                Outcome::Model(
                    binders
                        .iter()
                        .zip(&vars)
                        .map(|(b, v)| {
                            let s = match v {
                                BvZ::N(x) => m
                                    .eval(&x.to_int(true), true)
                                    .and_then(|i| i.as_i64())
                                    .map(|i| i.to_string())
                                    .unwrap_or_else(|| "?".into()),
                                BvZ::B(x) => m
                                    .eval(x, true)
                                    .and_then(|v| v.as_bool())
                                    .map(|v| v.to_string())
                                    .unwrap_or_else(|| "?".into()),
                            };
                            (b.name.clone(), s)
                        })
                        .collect(),
                )
            }
            SatResult::Unknown => Outcome::Unknown(solver.get_reason_unknown().unwrap_or_default()),
        })
    });
    outcome_of(call)
}

// ───────────────────────────── bounded enumeration ─────────────────────────────

enum Bounded {
    /// Every case of the domain holds; `radius` is the largest radius of the unranged
    /// variables completely checked (equal to the requested one unless the deadline came first).
    AllHold {
        cases: u64,
        radius: i128,
        complete: bool,
    },
    Counterexample(BTreeMap<String, String>),
    /// Gave up: evaluator overflow, unsupported term, or the deadline before any radius.
    GaveUp(String),
}

/// Enumerates the claim's top-level variables and evaluates `body` exactly at each point.
/// `domains[i]` is `Some((lo, hi))` for a ranged variable (or a Bool as `[0, 1]`) and `None`
/// for an unranged integer, which takes the values `[-r, r]` for growing radii
/// r = 1, 2, 4, … up to `radius`, so that a deadline still leaves a fully checked radius.
fn enumerate(
    binders: &[Binder],
    body: &Term,
    domains: &[Option<(i128, i128)>],
    radius: i128,
    deadline: Instant,
) -> Bounded {
    if domains.iter().flatten().any(|(lo, hi)| lo > hi) {
        return Bounded::AllHold {
            cases: 0,
            radius,
            complete: true,
        };
    }
    // Range constraints that mention other variables are checked per point (vacuous outside).
    let range_checks: Vec<Term> = binders
        .iter()
        .filter_map(|b| {
            let (lo, hi) = b.range.as_ref()?;
            Some(Term::Cmp(
                vec![lo.clone(), Term::Var(b.name.clone()), hi.clone()],
                vec![CmpOp::Le, CmpOp::Le],
            ))
        })
        .collect();
    let mut env: BTreeMap<String, Val> = binders
        .iter()
        .map(|b| (b.name.clone(), Val::Num(Rat::int(0))))
        .collect();
    let has_free = domains.iter().any(|d| d.is_none());
    let mut cases = 0u64;
    let mut done_radius = 0i128;
    let mut r = if has_free { 1 } else { radius };
    let mut prev = -1i128; // points with every free |v| <= prev were checked at a smaller radius
    loop {
        let dom: Vec<(i128, i128)> = domains.iter().map(|d| d.unwrap_or((-r, r))).collect();
        let mut point: Vec<i128> = dom.iter().map(|d| d.0).collect();
        'points: loop {
            let fresh = !has_free
                || point
                    .iter()
                    .zip(domains)
                    .any(|(v, d)| d.is_none() && v.abs() > prev);
            if fresh {
                for (b, v) in binders.iter().zip(&point) {
                    let val = match b.sort {
                        Sort::Bool => Val::Bool(*v != 0),
                        _ => Val::Num(Rat::int(*v)),
                    };
                    if let Some(slot) = env.get_mut(&b.name) {
                        *slot = val;
                    }
                }
                let in_range = range_checks
                    .iter()
                    .all(|t| claim::eval(t, &env) == Ok(Val::Bool(true)));
                if in_range {
                    match claim::eval(body, &env) {
                        Ok(Val::Bool(true)) => {}
                        Ok(Val::Bool(false)) => {
                            return Bounded::Counterexample(
                                binders
                                    .iter()
                                    .map(|b| {
                                        let s = match env[&b.name] {
                                            Val::Bool(x) => x.to_string(),
                                            Val::Num(q) => q.to_string(),
                                        };
                                        (b.name.clone(), s)
                                    })
                                    .collect(),
                            )
                        }
                        Ok(Val::Num(_)) => {
                            return Bounded::GaveUp("the claim is not a Bool".into())
                        }
                        Err(EvalError::Overflow) => {
                            return Bounded::GaveUp("values overflow 128-bit integers".into())
                        }
                        Err(EvalError::DivByZero) => {
                            return Bounded::GaveUp(
                                "division by zero inside the checked range".into(),
                            )
                        }
                        Err(EvalError::Type(t)) => return Bounded::GaveUp(t),
                        Err(EvalError::Quantifier) => {
                            return Bounded::GaveUp("nested quantifiers".into())
                        }
                    }
                }
                cases += 1;
                if cases.is_multiple_of(256) && Instant::now() >= deadline {
                    return if done_radius >= 1 {
                        Bounded::AllHold {
                            cases,
                            radius: done_radius,
                            complete: false,
                        }
                    } else {
                        Bounded::GaveUp(format!("deadline reached after {cases} cases"))
                    };
                }
            }
            // Next point (odometer).
            let mut i = 0;
            loop {
                if i == point.len() {
                    break 'points;
                }
                if point[i] < dom[i].1 {
                    point[i] += 1;
                    break;
                }
                point[i] = dom[i].0;
                i += 1;
            }
        }
        done_radius = r;
        if r >= radius {
            return Bounded::AllHold {
                cases,
                radius: r,
                complete: true,
            };
        }
        prev = r;
        r = (r * 2).min(radius);
    }
}

// ───────────────────────────── check_claim ─────────────────────────────

/// Checks a claim written in the claim language (see [`crate::verify::claim`]) within
/// `timeout`. Never fails: parse errors and solver failures are `Unknown` verdicts.
pub fn check_claim(source: &str, timeout: Duration) -> Check {
    let start = Instant::now();
    let deadline = start + timeout;
    let done =
        |verdict, evidence| check_value(super::Checker::Logic, source, verdict, evidence, start);
    let term = match claim::parse(source) {
        Ok(t) => t,
        Err(e) => {
            return done(
                ItemVerdict::Unknown,
                ev(format!("claim does not parse: {e}"), None),
            )
        }
    };
    let (foralls, body) = peel(&term, Quant::Forall);
    let is_exists = foralls.is_empty() && matches!(term, Term::Quant(Quant::Exists, _, _));

    let fallback_ok = !is_exists
        && !claim::has_quantifier(body)
        && !foralls.is_empty()
        && foralls.iter().all(|b| b.sort != Sort::Real);
    // A claim whose variables all have constant ranges: the bit-vector encoding first (fast
    // when it applies; exact because overflow is ruled out, see `bv_claim`).
    if fallback_ok {
        if let Some(ranges) = const_ranges(&foralls) {
            match bv_claim(&foralls, body, &ranges, timeout.mul_f64(BV_FIRST_SHARE)) {
                Outcome::Proved => {
                    return done(
                        ItemVerdict::Verified,
                        ev(
                            "proved over the stated ranges by a bit-vector encoding in which no overflow is possible",
                            Some("unsat (bit-vector)"),
                        ),
                    )
                }
                Outcome::Model(m) => {
                    return done(
                        ItemVerdict::Refuted,
                        Evidence {
                            summary: format!(
                                "counterexample: {} (bit-vector encoding, no overflow)",
                                cex_text(&m)
                            ),
                            counterexample: Some(m),
                            solver_status: Some("sat (bit-vector)".into()),
                            ..Default::default()
                        },
                    )
                }
                _ => {}
            }
        }
    }

    // Without a fallback the Int/Real query gets all the time that is left.
    let left = deadline.saturating_duration_since(Instant::now());
    let first = if fallback_ok {
        left.mul_f64(FIRST_QUERY_SHARE)
    } else {
        left
    };
    let z3_outcome = z3_claim(&term, first);
    let z3_note = match z3_outcome {
        Outcome::Proved => {
            return done(
                ItemVerdict::Verified,
                ev(
                    "proved: the negation of the claim is unsatisfiable",
                    Some("unsat"),
                ),
            )
        }
        Outcome::Model(m) if is_exists => {
            return done(
                ItemVerdict::Verified,
                Evidence {
                    summary: format!("proved by a witness: {}", cex_text(&m)),
                    counterexample: None,
                    computed: vec![format!("witness: {}", cex_text(&m))],
                    solver_status: Some("sat".into()),
                },
            )
        }
        Outcome::Model(m) => {
            return done(
                ItemVerdict::Refuted,
                Evidence {
                    summary: format!("counterexample: {}", cex_text(&m)),
                    counterexample: Some(m),
                    solver_status: Some("sat".into()),
                    ..Default::default()
                },
            )
        }
        Outcome::NoWitness => {
            return done(
                ItemVerdict::Refuted,
                ev(
                    "no value satisfies the claim (unsatisfiable)",
                    Some("unsat"),
                ),
            )
        }
        Outcome::Error(e) => {
            return done(
                ItemVerdict::Unknown,
                ev(format!("claim is ill-typed: {e}"), None),
            )
        }
        Outcome::Unknown(r) => format!("Z3: unknown ({r})"),
        Outcome::Interrupted => format!("Z3: no answer within {:.1} s", first.as_secs_f64()),
    };

    if fallback_ok {
        // Enumerate: stated ranges as given, unranged integers within [-N, N].
        let fixed: Option<Vec<Option<(i128, i128)>>> = foralls
            .iter()
            .map(|b| match (&b.sort, &b.range) {
                (Sort::Bool, _) => Some(Some((0, 1))),
                (_, None) => Some(None),
                (_, Some((lo, hi))) => Some(Some((claim::const_int(lo)?, claim::const_int(hi)?))),
            })
            .collect();
        if let Some(fixed) = fixed {
            let fixed_cases: u128 = fixed
                .iter()
                .flatten()
                .map(|(lo, hi)| (hi - lo + 1).max(0) as u128)
                .try_fold(1u128, |a, n| a.checked_mul(n))
                .unwrap_or(u128::MAX);
            let free = fixed.iter().filter(|f| f.is_none()).count() as u32;
            if fixed_cases <= BOUNDED_MAX_CASES as u128 {
                let budget = BOUNDED_MAX_CASES as f64 / fixed_cases.max(1) as f64;
                let radius = if free == 0 {
                    0
                } else {
                    (((budget.powf(1.0 / free as f64) - 1.0) / 2.0).floor() as i128)
                        .min(BOUNDED_MAX_RADIUS)
                };
                if free == 0 || radius >= 1 {
                    match enumerate(&foralls, body, &fixed, radius, deadline) {
                        Bounded::Counterexample(m) => {
                            return done(
                                ItemVerdict::Refuted,
                                Evidence {
                                    summary: format!("counterexample: {} (found by bounded search; {z3_note})", cex_text(&m)),
                                    counterexample: Some(m),
                                    solver_status: Some("bounded search".into()),
                                    ..Default::default()
                                },
                            )
                        }
                        Bounded::AllHold { cases, complete: true, .. } if free == 0 => {
                            return done(
                                ItemVerdict::Verified,
                                ev(
                                    format!("proved by checking all {cases} cases of the stated ranges ({z3_note})"),
                                    Some("exhaustive"),
                                ),
                            )
                        }
                        Bounded::AllHold { cases, radius, complete } if free > 0 => {
                            let names: Vec<&str> = foralls
                                .iter()
                                .zip(&fixed)
                                .filter(|(_, f)| f.is_none())
                                .map(|(b, _)| b.name.as_str())
                                .collect();
                            return done(
                                ItemVerdict::CheckedBounded,
                                ev(
                                    format!(
                                        "checked up to {radius}: no counterexample with |{}| ≤ {radius} ({cases} cases{}); not a proof ({z3_note})",
                                        names.join("|, |"),
                                        if complete { "" } else { ", stopped at the deadline" }
                                    ),
                                    Some("bounded search"),
                                ),
                            );
                        }
                        Bounded::AllHold { cases, .. } => {
                            return done(
                                ItemVerdict::Timeout,
                                ev(format!("{z3_note}; stopped at the deadline after {cases} of the stated cases"), Some("timeout")),
                            )
                        }
                        Bounded::GaveUp(why) => {
                            return done(
                                if matches!(z3_outcome_kind(&z3_note), Kind::Timeout) {
                                    ItemVerdict::Timeout
                                } else {
                                    ItemVerdict::Unknown
                                },
                                ev(format!("{z3_note}; bounded search gave up: {why}"), Some("unknown")),
                            )
                        }
                    }
                }
            }
        }
    }
    let verdict = if matches!(z3_outcome_kind(&z3_note), Kind::Timeout) {
        ItemVerdict::Timeout
    } else {
        ItemVerdict::Unknown
    };
    let status = if verdict == ItemVerdict::Timeout {
        "timeout"
    } else {
        "unknown"
    };
    done(verdict, ev(z3_note, Some(status)))
}

enum Kind {
    Timeout,
    Unknown,
}

fn z3_outcome_kind(note: &str) -> Kind {
    if note.contains("no answer within") {
        Kind::Timeout
    } else {
        Kind::Unknown
    }
}

// ───────────────────────────── SMT-LIB ─────────────────────────────

/// The top-level commands of an SMT-LIB text: `(head …)` spans. Handles strings, quoted
/// symbols and `;` comments. `Err` for unbalanced or too deep input.
fn top_level_forms(src: &str) -> Result<Vec<(String, &str)>, String> {
    let b = src.as_bytes();
    let mut forms = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    let mut start = 0;
    while i < b.len() {
        match b[i] {
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'"' {
                        if i + 1 < b.len() && b[i + 1] == b'"' {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                if i >= b.len() {
                    return Err("unterminated string".into());
                }
            }
            b'|' => {
                i += 1;
                while i < b.len() && b[i] != b'|' {
                    i += 1;
                }
                if i >= b.len() {
                    return Err("unterminated quoted symbol".into());
                }
            }
            b'(' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
                if depth > MAX_SMT2_DEPTH {
                    return Err(format!(
                        "nesting deeper than MAX_SMT2_DEPTH = {MAX_SMT2_DEPTH}"
                    ));
                }
            }
            b')' => {
                if depth == 0 {
                    return Err(format!("unbalanced `)` at byte {i}"));
                }
                depth -= 1;
                if depth == 0 {
                    let form = &src[start..=i];
                    let head = form[1..]
                        .trim_start()
                        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    forms.push((head, form));
                }
            }
            c if depth == 0 && !c.is_ascii_whitespace() => {
                return Err(format!("unexpected text outside a command at byte {i}"));
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Err("unbalanced `(`".into());
    }
    Ok(forms)
}

/// Checks an SMT-LIB 2 block within `timeout` (conventions in the module docs).
pub fn check_smt2(source: &str, timeout: Duration) -> Check {
    let start = Instant::now();
    let done =
        |verdict, evidence| check_value(super::Checker::Smt2, source, verdict, evidence, start);
    if source.len() > MAX_SMT2_BYTES {
        return done(
            ItemVerdict::Unknown,
            ev(
                format!("block longer than MAX_SMT2_BYTES = {MAX_SMT2_BYTES}"),
                None,
            ),
        );
    }
    if source.contains('\0') {
        return done(ItemVerdict::Unknown, ev("block contains a NUL byte", None));
    }
    let forms = match top_level_forms(source) {
        Ok(f) => f,
        Err(e) => {
            return done(
                ItemVerdict::Unknown,
                ev(format!("block does not parse: {e}"), None),
            )
        }
    };
    let mut kept = String::new();
    let mut expected: Option<bool> = None; // Some(true) = declared sat
    let mut asserts = 0usize;
    let mut notes = Vec::new();
    for (head, form) in forms {
        match head.as_str() {
            "exit" => {
                notes.push("stopped at (exit)".to_string());
                break;
            }
            "declare-const" | "declare-fun" | "declare-sort" | "define-fun" | "define-sort"
            | "define-const" | "define-fun-rec" | "define-funs-rec" | "declare-datatype"
            | "declare-datatypes" => {
                kept.push_str(form);
                kept.push('\n');
            }
            "assert" => {
                asserts += 1;
                kept.push_str(form);
                kept.push('\n');
            }
            "set-info" => {
                let f = form.split_whitespace().collect::<Vec<_>>().join(" ");
                if f.contains(":status unsat") {
                    expected = Some(false);
                } else if f.contains(":status sat") {
                    expected = Some(true);
                }
            }
            "set-logic" | "check-sat" | "get-model" | "get-value" | "get-info" | "echo"
            | "get-assertions" | "get-proof" | "get-unsat-core" | "get-option" => {}
            other => {
                return done(
                    ItemVerdict::Unknown,
                    ev(
                        format!("unsupported SMT-LIB command `({other} …)`; not run"),
                        None,
                    ),
                )
            }
        }
    }
    if asserts == 0 {
        return done(ItemVerdict::Unknown, ev("the block asserts nothing", None));
    }
    let call = z3_call(
        timeout,
        move || -> Result<(SatResult, Option<String>, Option<String>), String> {
            let solver = new_solver(timeout);
            solver.from_string(kept.as_str());
            let ctx = Context::thread_local();
            // SAFETY: the context is alive for the whole closure; Z3_get_error_code only reads it.
            let code = unsafe { z3_sys::Z3_get_error_code(ctx.get_z3_context()) };
            if code != z3_sys::ErrorCode::Ok {
                // SAFETY: as above; the message is a static string owned by Z3.
                let msg = unsafe {
                    let p = z3_sys::Z3_get_error_msg(ctx.get_z3_context(), code);
                    if p.is_null() {
                        String::new()
                    } else {
                        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
                    }
                };
                return Err(format!("Z3 could not parse the block: {msg}"));
            }
            let r = solver.check();
            let model = match r {
                SatResult::Sat => solver.get_model().map(|m| m.to_string()),
                _ => None,
            };
            let reason = match r {
                SatResult::Unknown => solver.get_reason_unknown(),
                _ => None,
            };
            Ok((r, model, reason))
        },
    );
    let (out, fired) = match call {
        Ok(x) => x,
        Err(Z3Fail::Overshot) => {
            return done(
                ItemVerdict::Timeout,
                ev(
                    format!(
                        "no answer within {:.1} s (Z3 was interrupted)",
                        timeout.as_secs_f64()
                    ),
                    Some("timeout"),
                ),
            )
        }
        Err(Z3Fail::Busy) => {
            return done(
                ItemVerdict::Unknown,
                ev(
                    "not run: too many earlier Z3 queries are still finishing",
                    None,
                ),
            )
        }
    };
    let (r, model, reason) = match out {
        Ok(x) => x,
        Err(e) => return done(ItemVerdict::Unknown, ev(e, None)),
    };
    let note = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    let model_map = |m: Option<String>| -> Option<BTreeMap<String, String>> {
        let m = m?;
        // Z3 prints one `name -> value` per line for constants; anything else (functions,
        // multi-line values) falls back to the whole model text under `model`.
        let pairs: Option<BTreeMap<String, String>> = m
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (k, v) = l.split_once(" -> ")?;
                let (k, v) = (k.trim(), v.trim());
                (!k.is_empty() && !v.is_empty() && !v.contains('{'))
                    .then(|| (k.to_string(), clean(v)))
            })
            .collect();
        match pairs {
            Some(p) if !p.is_empty() && p.len() <= 64 => Some(p),
            _ => Some(BTreeMap::from([(
                "model".to_string(),
                m.chars().take(2_000).collect(),
            )])),
        }
    };
    match (r, expected) {
        (SatResult::Unknown, _) => {
            let reason = reason.unwrap_or_default();
            if fired || reason.contains("canceled") || reason.contains("timeout") {
                done(
                    ItemVerdict::Timeout,
                    ev(format!("no answer within {:.1} s{note}", timeout.as_secs_f64()), Some("timeout")),
                )
            } else {
                done(ItemVerdict::Unknown, ev(format!("Z3 answered unknown ({reason}){note}"), Some("unknown")))
            }
        }
        (SatResult::Unsat, None) => done(
            ItemVerdict::Verified,
            ev(format!("proved: the assertions (the negated claim) are unsatisfiable{note}"), Some("unsat")),
        ),
        (SatResult::Sat, None) => done(
            ItemVerdict::Refuted,
            Evidence {
                summary: format!("the assertions (the negated claim) are satisfiable: the model is a counterexample{note}"),
                counterexample: model_map(model),
                solver_status: Some("sat".into()),
                ..Default::default()
            },
        ),
        (r, Some(exp)) => {
            let got = r == SatResult::Sat;
            let word = |b: bool| if b { "sat" } else { "unsat" };
            let verdict = if got == exp { ItemVerdict::Verified } else { ItemVerdict::Refuted };
            done(
                verdict,
                Evidence {
                    summary: format!("Z3 answered {} and the block declares :status {}{note}", word(got), word(exp)),
                    counterexample: if got { model_map(model) } else { None },
                    solver_status: Some(word(got).into()),
                    ..Default::default()
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smt2_forms_are_split_and_validated() {
        let f =
            top_level_forms("; c\n(declare-const x Int) (assert (> x |a b)|)) (check-sat)\n(exit)")
                .unwrap();
        let heads: Vec<&str> = f.iter().map(|(h, _)| h.as_str()).collect();
        assert_eq!(heads, ["declare-const", "assert", "check-sat", "exit"]);
        assert!(top_level_forms("(assert (> x 1)").is_err());
        assert!(top_level_forms("(assert x))").is_err());
        assert!(top_level_forms(&"(".repeat(5000))
            .unwrap_err()
            .contains("MAX_SMT2_DEPTH"));
        assert!(top_level_forms("hello (assert true)").is_err());
    }

    #[test]
    fn model_values_are_cleaned() {
        assert_eq!(clean("(- 3)"), "-3");
        assert_eq!(clean("7"), "7");
    }
}
