//! Bounded enumeration: evaluates a claim exactly (with [`crate::verify::claim::eval`]) at every
//! point of its variables' stated ranges, and unranged integers within `[-N, N]` for growing N.
//! A complete enumeration of stated ranges is a proof; with unranged variables it is only
//! `checked_bounded`.

use crate::verify::claim::{self, Binder, CmpOp, EvalError, Sort, Term, Val};
use crate::verify::rational::Rat;
use std::collections::BTreeMap;
use std::time::Instant;

/// Most cases the bounded checker enumerates for one claim.
pub const BOUNDED_MAX_CASES: u64 = 200_000;
/// Largest radius N of the bounded check of an unranged integer variable (`[-N, N]`); smaller
/// when several variables share [`BOUNDED_MAX_CASES`].
pub const BOUNDED_MAX_RADIUS: i128 = 1_000;

// ───────────────────────────── bounded enumeration ─────────────────────────────

pub(super) enum Bounded {
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
pub(super) fn enumerate(
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
        loop {
            let fresh = !has_free
                || point
                    .iter()
                    .zip(domains)
                    .any(|(v, d)| d.is_none() && v.abs() > prev);
            if fresh {
                if let Some(end) = check_point(binders, body, &range_checks, &mut env, &point) {
                    return end;
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
            if !next_point(&mut point, &dom) {
                break;
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

/// Advances `point` through `dom` like an odometer; `false` after the last point.
fn next_point(point: &mut [i128], dom: &[(i128, i128)]) -> bool {
    for (p, (lo, hi)) in point.iter_mut().zip(dom) {
        if *p < *hi {
            *p += 1;
            return true;
        }
        *p = *lo;
    }
    false
}

/// Evaluates the claim at `point` (skipped when a dependent range excludes it). `Some` ends
/// the enumeration: a counterexample, or why it gave up.
fn check_point(
    binders: &[Binder],
    body: &Term,
    range_checks: &[Term],
    env: &mut BTreeMap<String, Val>,
    point: &[i128],
) -> Option<Bounded> {
    for (b, v) in binders.iter().zip(point) {
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
        .all(|t| claim::eval(t, env) == Ok(Val::Bool(true)));
    if !in_range {
        return None;
    }
    let why = match claim::eval(body, env) {
        Ok(Val::Bool(true)) => return None,
        Ok(Val::Bool(false)) => {
            let cex = binders
                .iter()
                .map(|b| {
                    let s = match env[&b.name] {
                        Val::Bool(x) => x.to_string(),
                        Val::Num(q) => q.to_string(),
                    };
                    (b.name.clone(), s)
                })
                .collect();
            return Some(Bounded::Counterexample(cex));
        }
        Ok(Val::Num(_)) => "the claim is not a Bool".to_string(),
        Err(EvalError::Overflow) => "values overflow 128-bit integers".to_string(),
        Err(EvalError::DivByZero) => "division by zero inside the checked range".to_string(),
        Err(EvalError::Type(t)) => t,
        Err(EvalError::Quantifier) => "nested quantifiers".to_string(),
    };
    Some(Bounded::GaveUp(why))
}
