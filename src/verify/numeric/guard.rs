//! Guard rails applied in Rust to a math item *before* anything reaches Python: nesting depth,
//! node count, literal size, exponent / factorial / binomial size and an estimate of the digits
//! of every exact intermediate value. A tripped rail is a [`Tripped`] reason, turned into an
//! `unknown` verdict by the pool.

use crate::chain::expr::{Expr, Func};
use crate::chain::{MathItem, Rel};

/// Deepest expression tree accepted: the chain parser's own recursion limit
/// ([`crate::chain::expr::MAX_DEPTH`]), so the one limit is defined once. Every tree the parser
/// builds is within it; the check here guards trees built by other callers (the API, tests).
/// Walks here are iterative and sympy recurses a few frames per level, far below the worker's
/// Python recursion limit.
pub const MAX_DEPTH: usize = crate::chain::expr::MAX_DEPTH;
/// Most AST nodes in one item: bounds the request size and sympy's work per item.
pub const MAX_NODES: usize = 5_000;
/// Most digits in one number literal. Longer literals are not hand arithmetic.
pub const MAX_LITERAL_DIGITS: usize = 5_000;
/// Largest |exponent| of a numeric power (`2^100000` passes, `9^(9^9)` does not): exact powers
/// beyond this cost seconds and megabytes for no checkable step.
pub const MAX_EXPONENT: f64 = 100_000.0;
/// Largest |exponent| of a power whose base has variables: `expand((x+y)^n)` has n+1 terms.
pub const MAX_SYMBOLIC_EXPONENT: f64 = 200.0;
/// Largest argument of `n!` (10000! has 35,660 digits; 100000! has 456,574).
pub const MAX_FACTORIAL_ARG: f64 = 10_000.0;
/// Largest estimated number of digits of any exact intermediate value.
pub const MAX_RESULT_DIGITS: f64 = 250_000.0;
/// Longest variable name passed to sympy's `Symbol`.
pub const MAX_NAME_LEN: usize = 32;
/// Default address-space cap of one worker process (setrlimit RLIMIT_AS), in MiB. The embedded

/// Why an item was not evaluated: which guard rail tripped.
#[derive(Debug, Clone, PartialEq)]
pub struct Tripped(pub String);

#[derive(Clone, Copy)]
struct Est {
    /// Estimated digits of the exact value (numerator + denominator).
    digits: f64,
    /// The value as f64 when the expression is constant and real (saturates to ±inf).
    value: Option<f64>,
    /// Contains variables.
    symbolic: bool,
}

/// Depth of an expression, computed without recursion; stops counting past `limit`.
fn depth_exceeds(e: &Expr, limit: usize) -> Option<usize> {
    let mut stack = vec![(e, 1usize)];
    let mut nodes = 0usize;
    while let Some((e, d)) = stack.pop() {
        if d > limit {
            return Some(d);
        }
        nodes += 1;
        if nodes > MAX_NODES {
            return None; // reported by the node count check
        }
        stack.extend(e.children().map(|c| (c, d + 1)));
    }
    None
}

fn count_nodes(e: &Expr) -> usize {
    let mut stack = vec![e];
    let mut n = 0usize;
    while let Some(e) = stack.pop() {
        n += 1;
        if n > MAX_NODES {
            return n;
        }
        stack.extend(e.children());
    }
    n
}

fn arity_ok(f: Func, n: usize) -> bool {
    match f {
        Func::Root | Func::Binom => n == 2,
        Func::Log => n == 1 || n == 2,
        Func::Gcd | Func::Lcm => n >= 2,
        Func::Min | Func::Max => n >= 1,
        _ => n == 1,
    }
}

fn func_f64(f: Func, a: &[f64]) -> Option<f64> {
    let x = *a.last()?;
    Some(match f {
        Func::Sqrt => x.sqrt(),
        Func::Root => x.powf(1.0 / a[0]),
        Func::Abs => x.abs(),
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Ln => x.ln(),
        Func::Log if a.len() == 2 => x.ln() / a[0].ln(),
        Func::Log => x.ln(),
        Func::Exp => x.exp(),
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Min => a.iter().cloned().fold(f64::INFINITY, f64::min),
        Func::Max => a.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        Func::Binom | Func::Gcd | Func::Lcm => return None,
    })
}

/// Size/value estimate; only called on trees already known to be within [`MAX_DEPTH`].
fn estimate(e: &Expr) -> Result<Est, Tripped> {
    let lit = |s: &str| -> Result<Est, Tripped> {
        if s.len() > MAX_LITERAL_DIGITS {
            return Err(Tripped(format!(
                "a number literal has {} digits (MAX_LITERAL_DIGITS = {MAX_LITERAL_DIGITS})",
                s.len()
            )));
        }
        Ok(Est {
            digits: s.len() as f64,
            value: s.parse::<f64>().ok(),
            symbolic: false,
        })
    };
    let two =
        |a: &Expr, b: &Expr| -> Result<(Est, Est), Tripped> { Ok((estimate(a)?, estimate(b)?)) };
    let est = match e {
        Expr::Int(s) => {
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(Tripped(format!("malformed integer literal {s:?}")));
            }
            lit(s)?
        }
        Expr::Decimal(s) => {
            let ok = s.bytes().filter(|&c| c == b'.').count() <= 1
                && s.bytes().all(|c| c.is_ascii_digit() || c == b'.')
                && s.bytes().any(|c| c.is_ascii_digit());
            if !ok {
                return Err(Tripped(format!("malformed decimal literal {s:?}")));
            }
            let mut est = lit(s)?;
            est.digits *= 2.0;
            est
        }
        Expr::Var(name) => {
            let ok = !name.is_empty()
                && name.len() <= MAX_NAME_LEN
                && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(Tripped(format!("unsupported variable name {name:?}")));
            }
            Est {
                digits: 1.0,
                value: None,
                symbolic: true,
            }
        }
        Expr::Pi => Est {
            digits: 1.0,
            value: Some(std::f64::consts::PI),
            symbolic: false,
        },
        Expr::E => Est {
            digits: 1.0,
            value: Some(std::f64::consts::E),
            symbolic: false,
        },
        Expr::I => Est {
            digits: 1.0,
            value: None,
            symbolic: false,
        },
        Expr::Neg(a) => {
            let a = estimate(a)?;
            Est {
                value: a.value.map(|v| -v),
                ..a
            }
        }
        Expr::Percent(a) => {
            let a = estimate(a)?;
            Est {
                digits: a.digits + 3.0,
                value: a.value.map(|v| v / 100.0),
                ..a
            }
        }
        Expr::Add(a, b) => {
            let (a, b) = two(a, b)?;
            combine(a, b, a.value.zip(b.value).map(|(x, y)| x + y))
        }
        Expr::Sub(a, b) => {
            let (a, b) = two(a, b)?;
            combine(a, b, a.value.zip(b.value).map(|(x, y)| x - y))
        }
        Expr::Mul(a, b) => {
            let (a, b) = two(a, b)?;
            combine(a, b, a.value.zip(b.value).map(|(x, y)| x * y))
        }
        Expr::Div(a, b) => {
            let (a, b) = two(a, b)?;
            combine(a, b, a.value.zip(b.value).map(|(x, y)| x / y))
        }
        Expr::Mod(a, b) => {
            let (a, b) = two(a, b)?;
            combine(a, b, a.value.zip(b.value).map(|(x, y)| x.rem_euclid(y)))
        }
        Expr::Pow(a, b) => {
            let (base, exp) = two(a, b)?;
            estimate_pow(base, exp)?
        }
        Expr::Factorial(a) => estimate_factorial(estimate(a)?)?,
        Expr::Func(f, args) => estimate_func(*f, args)?,
    };
    if est.digits > MAX_RESULT_DIGITS {
        return Err(Tripped(format!(
            "an intermediate value would have about {} digits (MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS})",
            fmt_big(est.digits)
        )));
    }
    Ok(est)
}

/// Estimate of a binary operation's result from its operands'.
fn combine(a: Est, b: Est, v: Option<f64>) -> Est {
    Est {
        digits: a.digits + b.digits + 1.0,
        value: v,
        symbolic: a.symbolic || b.symbolic,
    }
}

/// Estimate of `base^exp`: a numeric exponent is bounded by [`MAX_EXPONENT`] (and by
/// [`MAX_SYMBOLIC_EXPONENT`] when the base has variables).
fn estimate_pow(base: Est, exp: Est) -> Result<Est, Tripped> {
    Ok(if exp.symbolic {
        // x^n with a variable exponent stays symbolic in sympy.
        combine(base, exp, None)
    } else {
        let n = exp.value.unwrap_or(0.0);
        if !n.is_finite() || n.abs() > MAX_EXPONENT {
            return Err(Tripped(format!(
                "an exponent is about {} (MAX_EXPONENT = {MAX_EXPONENT})",
                fmt_big(n)
            )));
        }
        if base.symbolic && n.abs() > MAX_SYMBOLIC_EXPONENT {
            return Err(Tripped(format!(
                "a power of an expression with variables has exponent {n} \
                 (MAX_SYMBOLIC_EXPONENT = {MAX_SYMBOLIC_EXPONENT})"
            )));
        }
        Est {
            digits: base.digits * n.abs().max(1.0) + exp.digits,
            value: base.value.map(|v| v.powf(n)),
            symbolic: base.symbolic,
        }
    })
}

/// Estimate of `a!`: a numeric argument is bounded by [`MAX_FACTORIAL_ARG`].
fn estimate_factorial(a: Est) -> Result<Est, Tripped> {
    Ok(if a.symbolic {
        a
    } else {
        let n = a.value.unwrap_or(0.0);
        if !n.is_finite() || n > MAX_FACTORIAL_ARG {
            return Err(Tripped(format!(
                "a factorial argument is about {} (MAX_FACTORIAL_ARG = {MAX_FACTORIAL_ARG})",
                fmt_big(n)
            )));
        }
        let n = n.max(1.0);
        Est {
            digits: n * n.log10() + 1.0,
            value: Some(factorial_f64(n)),
            symbolic: false,
        }
    })
}

/// Estimate of a function application: arity, and the size of a binomial coefficient.
fn estimate_func(f: Func, args: &[Expr]) -> Result<Est, Tripped> {
    if !arity_ok(f, args.len()) {
        return Err(Tripped(format!(
            "function {f:?} applied to {} arguments",
            args.len()
        )));
    }
    let ests = args.iter().map(estimate).collect::<Result<Vec<_>, _>>()?;
    let symbolic = ests.iter().any(|e| e.symbolic);
    let digits: f64 = ests.iter().map(|e| e.digits).sum();
    let values: Option<Vec<f64>> = ests.iter().map(|e| e.value).collect();
    let value = values.as_deref().and_then(|v| func_f64(f, v));
    let digits = match f {
        Func::Binom => {
            let n = ests[0].value.unwrap_or(0.0).abs();
            if !symbolic && (!n.is_finite() || n * std::f64::consts::LOG10_2 > MAX_RESULT_DIGITS) {
                return Err(Tripped(format!(
                    "a binomial coefficient has n about {} (result over MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS})",
                    fmt_big(n)
                )));
            }
            digits + n * std::f64::consts::LOG10_2
        }
        _ => digits,
    };
    Ok(Est {
        digits,
        value,
        symbolic,
    })
}

/// n! as f64 for the estimate only (∞ past 170!, where f64 overflows anyway).
fn factorial_f64(n: f64) -> f64 {
    if n > 170.0 {
        return f64::INFINITY;
    }
    (1..=n as u64).fold(1.0f64, |acc, k| acc * k as f64)
}

fn fmt_big(x: f64) -> String {
    if !x.is_finite() {
        "infinite (overflows f64)".into()
    } else if x.abs() >= 1e9 {
        format!("{x:.3e}")
    } else {
        format!("{}", x.round())
    }
}

/// Checks every guard rail on one item; `Err` says which tripped.
pub fn guard(item: &MathItem) -> Result<(), Tripped> {
    if item.terms.len() != item.rels.len() + 1 || item.terms.len() < 2 {
        return Err(Tripped(format!(
            "malformed item: {} terms for {} relations",
            item.terms.len(),
            item.rels.len()
        )));
    }
    if item.rels.contains(&Rel::Congruent) && item.modulus.is_none() {
        return Err(Tripped("a congruence without a modulus".into()));
    }
    let mut total = 0usize;
    for e in item.terms.iter().chain(item.modulus.iter()) {
        if let Some(d) = depth_exceeds(e, MAX_DEPTH) {
            return Err(Tripped(format!(
                "nesting depth over {} (MAX_DEPTH = {MAX_DEPTH})",
                d - 1
            )));
        }
        total += count_nodes(e);
        if total > MAX_NODES {
            return Err(Tripped(format!(
                "more than MAX_NODES = {MAX_NODES} AST nodes"
            )));
        }
        estimate(e)?;
    }
    Ok(())
}
