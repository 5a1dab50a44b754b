//! The bit-vector encoding of an integer claim whose variables all have constant ranges: fast
//! when it applies, and exact because every operation carries a no-overflow condition and every
//! range fits the chosen width (see [`bv_claim`]).

use super::encode::EncResult;
use super::runtime::{new_solver, outcome_of, z3_call, Outcome};
use crate::verify::claim::{self, ArithOp, Binder, CmpOp, LogicOp, Sort, Term};
use std::collections::BTreeMap;
use std::time::Duration;
use z3::ast::{Bool, BV};
use z3::SatResult;

/// Widest bit-vector encoding of bounded integer claims (narrower when interval arithmetic allows).
pub const BV_WIDTH: u32 = 64;

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
    /// Over 100 lines on purpose: one arm per `Term` constructor, each pushing its no-overflow
    /// condition next to the operation it guards, where a reviewer checks them together.
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
pub(super) fn const_ranges(binders: &[Binder]) -> Option<Vec<(i128, i128)>> {
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
        Term::Num(s) => s.parse::<i128>().ok()?.checked_abs()?,
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
/// arithmetic *and for every range bound of every variable* (occurring in the body or not), plus
/// sign and headroom; at least 8. `None` when that is wider than [`BV_WIDTH`] (or beyond i128):
/// the claim then goes to the Int/Real encoding. Overflow guards stay in place either way.
pub(super) fn bv_width(binders: &[Binder], body: &Term, ranges: &[(i128, i128)]) -> Option<u32> {
    let mut env: BTreeMap<&str, i128> = BTreeMap::new();
    let mut seen = 1i128;
    for (b, (lo, hi)) in binders.iter().zip(ranges) {
        let m = i128::try_from(lo.unsigned_abs().max(hi.unsigned_abs())).ok()?;
        seen = seen.max(m);
        env.insert(b.name.as_str(), m);
    }
    let bits = match magnitude(body, &env, &mut seen) {
        Some(_) => 128 - seen.leading_zeros() + 2,
        // Unbounded intermediate values: the widest encoding, guarded against overflow.
        None => BV_WIDTH,
    };
    let width = bits.div_ceil(8).max(1).saturating_mul(8);
    (width <= BV_WIDTH).then_some(width)
}

/// Does `v` fit a signed bit-vector of `width` bits?
pub(super) fn fits(v: i128, width: u32) -> bool {
    let half = 1i128 << (width - 1);
    -half <= v && v < half
}

/// The bit-vector proof attempt for a `forall` claim whose variables all have constant ranges.
pub(super) fn bv_claim(
    binders: &[Binder],
    body: &Term,
    ranges: &[(i128, i128)],
    timeout: Duration,
) -> Outcome {
    // Every range bound must be representable, or the range constraint itself would wrap
    // (`n in [0, 1000]` at 8 bits is `0 <= n <= -24`, which no n meets: a vacuous "proof").
    let Some(width) = bv_width(binders, body, ranges) else {
        return Outcome::Error("the ranges are too wide for the bit-vector encoding".into());
    };
    if !ranges
        .iter()
        .all(|(lo, hi)| fits(*lo, width) && fits(*hi, width))
    {
        return Outcome::Error("a range does not fit the bit-vector width".into());
    }
    let (binders, body, ranges) = (binders.to_vec(), body.clone(), ranges.to_vec());
    let call = z3_call(timeout, move || -> Result<Outcome, String> {
        let (binders, body, ranges) = (&binders, &body, &ranges);
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
