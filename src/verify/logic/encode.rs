//! The Int/Real/Bool encoding of a claim (syntax in [`crate::verify::claim`]) and its one Z3
//! query ([`z3_claim`]): a `forall` claim is proved when its negation is unsatisfiable, an
//! `exists` claim when Z3 finds a witness.

use super::runtime::{new_solver, outcome_of, z3_call, Outcome};
use crate::verify::claim::{ArithOp, Binder, CmpOp, LogicOp, Quant, Sort, Term};
use std::time::Duration;
use z3::ast::{Ast, Bool, Int, Real};
use z3::SatResult;

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

pub(super) type EncResult<T> = Result<T, String>;

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
pub(super) fn peel(t: &Term, kind: Quant) -> (Vec<Binder>, &Term) {
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
pub(super) fn clean(s: &str) -> String {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("(- ").and_then(|r| r.strip_suffix(')')) {
        return format!("-{}", inner.trim());
    }
    s.to_string()
}

/// One Z3 query for a claim in the Int/Real encoding.
pub(super) fn z3_claim(term: &Term, timeout: Duration) -> Outcome {
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
