//! Numeric checks of math items (`3 × 4 = 12`, `\frac34 ≈ 0.75`, `49 ≡ 1 (mod 8)`,
//! `(x+1)^2 = x^2+2x+1`) through a pool of `vibecheck worker` processes that embed CPython and
//! sympy (see [`crate::verify::worker`]).
//!
//! Owns: the guard rails applied in Rust *before* anything reaches Python ([`guard`]), the
//! flattened wire form of an item ([`FlatItem`]), the JSON-lines protocol types, and
//! [`NumericPool`], which keeps warm workers, enforces the wall-clock deadline by killing the
//! worker (→ [`ItemVerdict::Timeout`]), restarts crashed or killed workers and counts restarts.
//!
//! Untrusted text never reaches Python as code: the item is an [`Expr`] AST parsed in Rust; the
//! worker builds sympy objects from it node by node through a fixed allowlist of sympy
//! constructors.
//!
//! # Rounding rule
//! A decimal the author wrote with *k* digits after the point (`0.33`, `2.50`) is accepted as
//! equal to an exact value when that value rounds to it at *k* digits (ties either way) or
//! truncates to it at *k* digits: `1/3 = 0.33`, `2/3 = 0.67`, `2/3 = 0.66`, `π = 3.14` are
//! accepted, `2/3 = 0.65` is not. When both sides are decimal literals the one with fewer digits
//! is taken as the rounded one. Integers are exact under `=` (`10/3 = 3` is refuted). Under `≈`
//! the same rule applies, integers count as rounded to their last non-zero digit (`1000/7 ≈ 140`),
//! and anything within the relative tolerance [`NumericOptions::approx_rel_tol`] is accepted.

use crate::chain::expr::{Expr, Func};
use crate::chain::{MathItem, Rel};
use crate::verify::{Check, Evidence, ItemVerdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Deepest expression tree accepted. Hand-written math is rarely deeper than ~20; a long sum
/// `a + b + c + …` is as deep as it has terms, so this leaves room for 200-term sums while
/// keeping every recursive walk (here and in sympy) far from any stack limit.
pub const MAX_DEPTH: usize = 200;
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
/// interpreter with sympy maps ~300 MiB; the rest is headroom for big exact values.
pub const DEFAULT_WORKER_MEMORY_MB: u64 = 2048;
/// How long a fresh worker may take to import sympy and report ready. Not charged to an item's
/// deadline (cold start is ~0.5 s; this is generous for a loaded 2-core machine).
pub const WORKER_START_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest response line read from a worker; a longer one is treated as a crash.
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;
/// Most items per batched request ([`NumericPool::check_batch`]).
pub const MAX_BATCH: usize = 256;
/// Longest rendering of a term kept in evidence text.
pub const MAX_TEXT_CHARS: usize = 80;

/// Options for the numeric checker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumericOptions {
    /// Relative tolerance accepted by `≈` (in addition to the rounding rule). Default 1%.
    pub approx_rel_tol: f64,
    /// Treat an equation with variables that is not an identity as refuted (with a counterexample)
    /// instead of unknown. Off by default: `2x + 3 = 13` in a solution is an equation to solve.
    pub identities: bool,
    /// Address-space cap of each worker in MiB.
    pub worker_memory_mb: u64,
}

impl Default for NumericOptions {
    fn default() -> Self {
        NumericOptions {
            approx_rel_tol: 0.01,
            identities: false,
            worker_memory_mb: DEFAULT_WORKER_MEMORY_MB,
        }
    }
}

// ───────────────────────────── wire form ─────────────────────────────

/// One node of a flattened expression; children are indices of earlier nodes. The flat form has
/// no nesting, so JSON depth limits and recursion never depend on the expression's depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "a", rename_all = "snake_case")]
pub enum Node {
    Int(String),
    /// Digits before and after the point.
    Dec(String, String),
    Var(String),
    Pi,
    E,
    I,
    Neg(u32),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    Pow(u32, u32),
    Mod(u32, u32),
    Percent(u32),
    Factorial(u32),
    Func(Func, Vec<u32>),
}

/// How a term was written when it is a plain number literal (the rounding rule needs it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lit {
    /// Digits after the decimal point (0 for integers).
    pub places: u32,
    /// Trailing zeros of an integer literal (`140` → 1).
    pub trailing_zeros: u32,
}

/// A math item in wire form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatItem {
    pub nodes: Vec<Node>,
    /// Root node of each term.
    pub terms: Vec<u32>,
    pub rels: Vec<Rel>,
    pub modulus: Option<u32>,
    /// Per term: the literal's shape when the term is a plain number.
    pub lits: Vec<Option<Lit>>,
    /// Per term: a rendering for evidence text.
    pub texts: Vec<String>,
}

/// A request line to a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub id: u64,
    pub items: Vec<FlatItem>,
    pub approx_rel_tol: f64,
    pub identities: bool,
}

/// The worker's result for one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    /// `verified`, `refuted` or `unknown`.
    pub verdict: String,
    pub summary: String,
    #[serde(default)]
    pub computed: Vec<String>,
    #[serde(default)]
    pub counterexample: Option<BTreeMap<String, String>>,
}

/// A response line from a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerResponse {
    pub id: u64,
    #[serde(default)]
    pub results: Vec<ItemResult>,
    /// Set when the whole request failed (malformed request).
    #[serde(default)]
    pub error: Option<String>,
}

/// The first line a worker prints once sympy is imported.
pub const READY_LINE: &str = "{\"ready\":true}";

// ───────────────────────────── guard rails ─────────────────────────────

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
    let combine = |a: Est, b: Est, v: Option<f64>| Est {
        digits: a.digits + b.digits + 1.0,
        value: v,
        symbolic: a.symbolic || b.symbolic,
    };
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
            if exp.symbolic {
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
            }
        }
        Expr::Factorial(a) => {
            let a = estimate(a)?;
            if a.symbolic {
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
            }
        }
        Expr::Func(f, args) => {
            if !arity_ok(*f, args.len()) {
                return Err(Tripped(format!(
                    "function {f:?} applied to {} arguments",
                    args.len()
                )));
            }
            let ests = args.iter().map(estimate).collect::<Result<Vec<_>, _>>()?;
            let symbolic = ests.iter().any(|e| e.symbolic);
            let digits: f64 = ests.iter().map(|e| e.digits).sum();
            let values: Option<Vec<f64>> = ests.iter().map(|e| e.value).collect();
            let value = values.as_deref().and_then(|v| func_f64(*f, v));
            let digits = match f {
                Func::Binom => {
                    let n = ests[0].value.unwrap_or(0.0).abs();
                    if !symbolic
                        && (!n.is_finite() || n * std::f64::consts::LOG10_2 > MAX_RESULT_DIGITS)
                    {
                        return Err(Tripped(format!(
                            "a binomial coefficient has n about {} (result over MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS})",
                            fmt_big(n)
                        )));
                    }
                    digits + n * std::f64::consts::LOG10_2
                }
                _ => digits,
            };
            Est {
                digits,
                value,
                symbolic,
            }
        }
    };
    if est.digits > MAX_RESULT_DIGITS {
        return Err(Tripped(format!(
            "an intermediate value would have about {} digits (MAX_RESULT_DIGITS = {MAX_RESULT_DIGITS})",
            fmt_big(est.digits)
        )));
    }
    Ok(est)
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

// ───────────────────────────── flattening ─────────────────────────────

fn flatten_into(e: &Expr, nodes: &mut Vec<Node>) -> u32 {
    let node = match e {
        Expr::Int(s) => Node::Int(s.clone()),
        Expr::Decimal(s) => {
            let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
            Node::Dec(a.to_string(), b.to_string())
        }
        Expr::Var(v) => Node::Var(v.clone()),
        Expr::Pi => Node::Pi,
        Expr::E => Node::E,
        Expr::I => Node::I,
        Expr::Neg(a) => Node::Neg(flatten_into(a, nodes)),
        Expr::Percent(a) => Node::Percent(flatten_into(a, nodes)),
        Expr::Factorial(a) => Node::Factorial(flatten_into(a, nodes)),
        Expr::Add(a, b) => Node::Add(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Sub(a, b) => Node::Sub(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Mul(a, b) => Node::Mul(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Div(a, b) => Node::Div(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Pow(a, b) => Node::Pow(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Mod(a, b) => Node::Mod(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Func(f, args) => {
            Node::Func(*f, args.iter().map(|a| flatten_into(a, nodes)).collect())
        }
    };
    nodes.push(node);
    (nodes.len() - 1) as u32
}

fn literal_shape(e: &Expr) -> Option<Lit> {
    match e {
        Expr::Neg(a) => literal_shape(a),
        Expr::Int(s) => Some(Lit {
            places: 0,
            trailing_zeros: if s.trim_start_matches('0').is_empty() {
                0
            } else {
                (s.len() - s.trim_end_matches('0').len()) as u32
            },
        }),
        Expr::Decimal(s) => Some(Lit {
            places: s.split_once('.').map_or(0, |(_, f)| f.len() as u32),
            trailing_zeros: 0,
        }),
        _ => None,
    }
}

/// Flattens an item that passed [`guard`].
pub fn flatten(item: &MathItem) -> FlatItem {
    let mut nodes = Vec::new();
    let terms = item
        .terms
        .iter()
        .map(|t| flatten_into(t, &mut nodes))
        .collect();
    let modulus = item.modulus.as_ref().map(|m| flatten_into(m, &mut nodes));
    FlatItem {
        nodes,
        terms,
        rels: item.rels.clone(),
        modulus,
        lits: item.terms.iter().map(literal_shape).collect(),
        texts: item.terms.iter().map(render).collect(),
    }
}

/// Renders an expression for evidence text (`3 × 4`, `x^2`, `√(2)`), cut at [`MAX_TEXT_CHARS`].
pub fn render(e: &Expr) -> String {
    let mut s = String::new();
    render_into(e, 0, &mut s);
    if s.chars().count() > MAX_TEXT_CHARS {
        s = s.chars().take(MAX_TEXT_CHARS - 1).collect::<String>() + "…";
    }
    s
}

fn render_into(e: &Expr, parent: u8, out: &mut String) {
    if out.len() > MAX_TEXT_CHARS * 4 {
        return;
    }
    let atom: Option<&str> = match e {
        Expr::Int(s) | Expr::Decimal(s) | Expr::Var(s) => Some(s),
        Expr::Pi => Some("π"),
        Expr::E => Some("e"),
        Expr::I => Some("i"),
        _ => None,
    };
    if let Some(t) = atom {
        out.push_str(t);
        return;
    }
    let bin = |a: &Expr, op: &str, b: &Expr, p: u8, right_assoc: bool, out: &mut String| {
        let paren = p < parent;
        if paren {
            out.push('(');
        }
        render_into(a, if right_assoc { p + 1 } else { p }, out);
        out.push_str(op);
        render_into(b, if right_assoc { p } else { p + 1 }, out);
        if paren {
            out.push(')');
        }
    };
    match e {
        Expr::Add(a, b) => bin(a, " + ", b, 1, false, out),
        Expr::Sub(a, b) => bin(a, " − ", b, 1, false, out),
        Expr::Mul(a, b) => bin(a, " × ", b, 2, false, out),
        Expr::Div(a, b) => bin(a, "/", b, 2, false, out),
        Expr::Mod(a, b) => bin(a, " mod ", b, 2, false, out),
        Expr::Pow(a, b) => bin(a, "^", b, 4, true, out),
        Expr::Neg(a) => {
            let paren = 3 < parent;
            if paren {
                out.push('(');
            }
            out.push('−');
            render_into(a, 3, out);
            if paren {
                out.push(')');
            }
        }
        Expr::Percent(a) => {
            render_into(a, 5, out);
            out.push('%');
        }
        Expr::Factorial(a) => {
            render_into(a, 5, out);
            out.push('!');
        }
        Expr::Func(f, args) => {
            let name = match f {
                Func::Sqrt => "√",
                Func::Root => "root",
                Func::Abs => "abs",
                Func::Floor => "floor",
                Func::Ceil => "ceil",
                Func::Binom => "binom",
                Func::Gcd => "gcd",
                Func::Lcm => "lcm",
                Func::Min => "min",
                Func::Max => "max",
                Func::Ln => "ln",
                Func::Log => "log",
                Func::Exp => "exp",
                Func::Sin => "sin",
                Func::Cos => "cos",
                Func::Tan => "tan",
            };
            out.push_str(name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(a, 0, out);
            }
            out.push(')');
        }
        _ => {}
    }
}

// ───────────────────────────── the pool ─────────────────────────────

struct Worker {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr_tail: Arc<Mutex<String>>,
    ready: bool,
}

impl Worker {
    fn spawn(exe: &PathBuf, opts: &NumericOptions) -> anyhow::Result<Worker> {
        let mut cmd = Command::new(exe);
        cmd.arg("worker")
            .arg("--memory-mb")
            .arg(opts.worker_memory_mb.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if std::env::var_os("PYTHONHOME").is_none() {
            if let Some(home) = crate::verify::worker::python_home() {
                cmd.env("PYTHONHOME", home);
            }
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start worker {}: {e}", exe.display()))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("numeric-worker-out".into())
            .spawn(move || {
                let mut r = BufReader::new(stdout);
                loop {
                    let mut buf = Vec::new();
                    match (&mut r)
                        .take(MAX_RESPONSE_BYTES as u64)
                        .read_until(b'\n', &mut buf)
                    {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if buf.last() != Some(&b'\n') {
                                break; // over-long line: treated as a crash
                            }
                            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                            if tx.send(line).is_err() {
                                break;
                            }
                        }
                    }
                }
            })?;
        let tail = Arc::new(Mutex::new(String::new()));
        let tail2 = tail.clone();
        std::thread::Builder::new()
            .name("numeric-worker-err".into())
            .spawn(move || {
                let r = BufReader::new(stderr);
                for line in r.lines().map_while(Result::ok) {
                    let mut t = tail2.lock().unwrap_or_else(|p| p.into_inner());
                    t.push_str(&line);
                    t.push('\n');
                    if t.len() > 2000 {
                        let cut = t.len() - 1000;
                        let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                        *t = t[cut..].to_string();
                    }
                }
            })?;
        Ok(Worker {
            child,
            stdin,
            lines: rx,
            stderr_tail: tail,
            ready: false,
        })
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        if self.ready {
            return Ok(());
        }
        match self.lines.recv_timeout(WORKER_START_TIMEOUT) {
            Ok(l) if l == READY_LINE => {
                self.ready = true;
                Ok(())
            }
            Ok(l) => anyhow::bail!("worker sent {l:?} instead of its ready line"),
            Err(_) => {
                let _ = self.child.kill();
                let status = self.child.wait().ok();
                anyhow::bail!(
                    "numeric worker did not start (status {status:?}); stderr: {}",
                    self.stderr_tail().trim()
                )
            }
        }
    }

    fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }

    fn kill(&mut self) -> Option<std::process::ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A pool of warm `vibecheck worker` processes. `Send + Sync`: share it behind an `Arc`.
pub struct NumericPool {
    exe: PathBuf,
    opts: NumericOptions,
    state: Mutex<PoolState>,
    available: Condvar,
    restarts: AtomicU64,
    next_id: AtomicU64,
}

struct PoolState {
    idle: Vec<Worker>,
    /// Slots whose worker died and could not be replaced yet; the next checkout respawns.
    missing: usize,
}

enum Outcome {
    Done(WorkerResponse),
    TimedOut,
    Crashed(String),
}

impl NumericPool {
    /// Starts `workers` worker processes of the binary `exe` (the `vibecheck` executable) with
    /// default [`NumericOptions`]. Workers import sympy in the background; the first check
    /// waits for its worker to be ready (up to [`WORKER_START_TIMEOUT`], not charged to the item).
    pub fn new(workers: usize, exe: PathBuf) -> anyhow::Result<Self> {
        Self::with_options(workers, exe, NumericOptions::default())
    }

    /// Like [`NumericPool::new`] with explicit options.
    pub fn with_options(
        workers: usize,
        exe: PathBuf,
        opts: NumericOptions,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(workers >= 1, "the numeric pool needs at least one worker");
        anyhow::ensure!(
            exe.exists(),
            "worker executable {} does not exist",
            exe.display()
        );
        let mut idle = Vec::with_capacity(workers);
        for _ in 0..workers {
            idle.push(Worker::spawn(&exe, &opts)?);
        }
        Ok(NumericPool {
            exe,
            opts,
            state: Mutex::new(PoolState { idle, missing: 0 }),
            available: Condvar::new(),
            restarts: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
        })
    }

    /// How many workers were killed (deadline) or found dead (crash) and replaced so far.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Relaxed)
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub fn worker_pids(&self) -> Vec<u32> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.idle.iter().map(|w| w.child.id()).collect()
    }

    /// Waits until every worker has imported sympy (useful before timing anything).
    pub fn warm_up(&self) -> anyhow::Result<()> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for w in st.idle.iter_mut() {
            w.wait_ready()?;
        }
        Ok(())
    }

    fn checkout(&self) -> anyhow::Result<Worker> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(w) = st.idle.pop() {
                return Ok(w);
            }
            if st.missing > 0 {
                st.missing -= 1;
                drop(st);
                return Worker::spawn(&self.exe, &self.opts).inspect_err(|_| {
                    self.state.lock().unwrap_or_else(|p| p.into_inner()).missing += 1;
                });
            }
            st = self.available.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn checkin(&self, w: Worker) {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .idle
            .push(w);
        self.available.notify_one();
    }

    /// Replaces a dead or killed worker. The pool keeps its size even when the spawn fails:
    /// the slot is marked missing and the next checkout tries again (and reports `Err`).
    fn replace(&self, mut old: Worker) {
        old.kill();
        drop(old);
        self.restarts.fetch_add(1, Ordering::Relaxed);
        match Worker::spawn(&self.exe, &self.opts) {
            Ok(w) => self.checkin(w),
            Err(_) => {
                self.state.lock().unwrap_or_else(|p| p.into_inner()).missing += 1;
                self.available.notify_one();
            }
        }
    }

    fn round_trip(&self, req: &WorkerRequest, deadline: Duration) -> anyhow::Result<Outcome> {
        let mut line = serde_json::to_string(req)?;
        line.push('\n');
        for attempt in 0..2 {
            let mut w = self.checkout()?;
            if let Err(e) = w.wait_ready() {
                self.replace(w);
                if attempt == 0 {
                    continue;
                }
                return Err(e);
            }
            // Drop any stale line (there should be none).
            while w.lines.try_recv().is_ok() {}
            let start = Instant::now();
            if w.stdin
                .write_all(line.as_bytes())
                .and_then(|_| w.stdin.flush())
                .is_err()
            {
                // The worker died while idle: not this item's fault; retry on a fresh one.
                self.replace(w);
                continue;
            }
            let left = deadline.saturating_sub(start.elapsed());
            return match w.lines.recv_timeout(left) {
                Ok(l) => match serde_json::from_str::<WorkerResponse>(&l) {
                    Ok(resp) if resp.id == req.id => {
                        self.checkin(w);
                        Ok(Outcome::Done(resp))
                    }
                    _ => {
                        let msg = format!("worker answered with an unexpected line: {:.200}", l);
                        self.replace(w);
                        Ok(Outcome::Crashed(msg))
                    }
                },
                Err(RecvTimeoutError::Timeout) => {
                    self.replace(w);
                    Ok(Outcome::TimedOut)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = w.kill();
                    let tail = w.stderr_tail();
                    let last = tail.lines().last().unwrap_or("").to_string();
                    self.replace(w);
                    Ok(Outcome::Crashed(format!(
                        "the worker died while checking this item ({}){}",
                        status
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "unknown status".into()),
                        if last.is_empty() {
                            String::new()
                        } else {
                            format!(": {last}")
                        }
                    )))
                }
            };
        }
        anyhow::bail!("numeric workers keep dying before they can take a request")
    }

    /// Checks one math item within `deadline` of wall-clock time. A tripped guard rail, a
    /// worker crash and an evaluation error are verdicts (`Unknown`, with evidence); running
    /// past the deadline kills the worker and gives `Timeout`. `Err` only when no worker can be
    /// started.
    pub fn check(&self, item: &MathItem, deadline: Duration) -> anyhow::Result<Check> {
        Ok(self
            .check_batch(std::slice::from_ref(item), deadline)?
            .remove(0))
    }

    /// Checks several items in one worker round trip (up to [`MAX_BATCH`] per request) within
    /// `deadline` for the whole batch. If the batch times out or crashes its worker, each item
    /// of it is re-checked alone with the full deadline, so one hostile item only fails itself.
    pub fn check_batch(
        &self,
        items: &[MathItem],
        deadline: Duration,
    ) -> anyhow::Result<Vec<Check>> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH) {
            out.extend(self.check_chunk(chunk, deadline, chunk.len() > 1)?);
        }
        Ok(out)
    }

    fn check_chunk(
        &self,
        items: &[MathItem],
        deadline: Duration,
        retry_alone: bool,
    ) -> anyhow::Result<Vec<Check>> {
        let start = Instant::now();
        let mut checks: Vec<Option<Check>> = vec![None; items.len()];
        let mut flat = Vec::new();
        let mut slots = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match guard(item) {
                Ok(()) => {
                    flat.push(flatten(item));
                    slots.push(i);
                }
                Err(Tripped(why)) => {
                    checks[i] = Some(make_check(
                        item,
                        ItemVerdict::Unknown,
                        Evidence {
                            summary: format!("not evaluated: guard rail: {why}"),
                            ..Default::default()
                        },
                        start,
                    ));
                }
            }
        }
        if !flat.is_empty() {
            let req = WorkerRequest {
                id: self.next_id.fetch_add(1, Ordering::Relaxed),
                items: flat,
                approx_rel_tol: self.opts.approx_rel_tol,
                identities: self.opts.identities,
            };
            match self.round_trip(&req, deadline)? {
                Outcome::Done(resp)
                    if resp.error.is_none() && resp.results.len() == slots.len() =>
                {
                    let n = slots.len() as f64;
                    for (slot, r) in slots.iter().zip(resp.results) {
                        let verdict = match r.verdict.as_str() {
                            "verified" => ItemVerdict::Verified,
                            "refuted" => ItemVerdict::Refuted,
                            _ => ItemVerdict::Unknown,
                        };
                        let mut c = make_check(
                            &items[*slot],
                            verdict,
                            Evidence {
                                summary: r.summary,
                                computed: r.computed,
                                counterexample: r.counterexample,
                                solver_status: None,
                            },
                            start,
                        );
                        c.time_ms /= n;
                        checks[*slot] = Some(c);
                    }
                }
                Outcome::Done(resp) => {
                    let why = resp
                        .error
                        .unwrap_or_else(|| "wrong number of results".into());
                    for slot in &slots {
                        checks[*slot] = Some(make_check(
                            &items[*slot],
                            ItemVerdict::Unknown,
                            Evidence {
                                summary: format!("worker rejected the request: {why}"),
                                ..Default::default()
                            },
                            start,
                        ));
                    }
                }
                Outcome::TimedOut | Outcome::Crashed(_) if retry_alone && slots.len() > 1 => {
                    for slot in &slots {
                        checks[*slot] = Some(
                            self.check_chunk(std::slice::from_ref(&items[*slot]), deadline, false)?
                                .remove(0),
                        );
                    }
                }
                Outcome::TimedOut => {
                    for slot in &slots {
                        checks[*slot] = Some(make_check(
                            &items[*slot],
                            ItemVerdict::Timeout,
                            Evidence {
                                summary: format!(
                                    "no result within {:.1} s; the worker was killed and replaced",
                                    deadline.as_secs_f64()
                                ),
                                ..Default::default()
                            },
                            start,
                        ));
                    }
                }
                Outcome::Crashed(msg) => {
                    for slot in &slots {
                        checks[*slot] = Some(make_check(
                            &items[*slot],
                            ItemVerdict::Unknown,
                            Evidence {
                                summary: format!("{msg}; the worker was replaced"),
                                ..Default::default()
                            },
                            start,
                        ));
                    }
                }
            }
        }
        Ok(checks
            .into_iter()
            .map(|c| c.expect("every slot filled"))
            .collect())
    }
}

fn make_check(item: &MathItem, verdict: ItemVerdict, evidence: Evidence, start: Instant) -> Check {
    Check {
        checker: super::Checker::Numeric,
        item: item.source.clone(),
        verdict,
        evidence,
        time_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> Box<Expr> {
        Box::new(Expr::Int(s.into()))
    }

    fn item(a: Expr, rel: Rel, b: Expr) -> MathItem {
        MathItem {
            source: "t".into(),
            terms: vec![a, b],
            rels: vec![rel],
            modulus: None,
        }
    }

    #[test]
    fn tower_of_nines_trips_the_exponent_guard() {
        let e = Expr::Pow(
            int("9"),
            Box::new(Expr::Pow(int("9"), Box::new(Expr::Pow(int("9"), int("9"))))),
        );
        let err = guard(&item(e, Rel::Eq, Expr::Int("1".into()))).unwrap_err();
        assert!(err.0.contains("MAX_EXPONENT"), "{err:?}");
    }

    #[test]
    fn big_factorial_trips_and_small_passes() {
        let err = guard(&item(
            Expr::Factorial(int("100000")),
            Rel::Eq,
            Expr::Int("1".into()),
        ))
        .unwrap_err();
        assert!(err.0.contains("MAX_FACTORIAL_ARG"), "{err:?}");
        assert!(guard(&item(
            Expr::Factorial(int("5")),
            Rel::Eq,
            Expr::Int("120".into())
        ))
        .is_ok());
    }

    #[test]
    fn deep_nesting_trips_without_recursion() {
        let mut e = Expr::Int("1".into());
        for _ in 0..10_000 {
            e = Expr::Neg(Box::new(e));
        }
        let it = item(e, Rel::Eq, Expr::Int("1".into()));
        let err = guard(&it).unwrap_err();
        assert!(err.0.contains("MAX_DEPTH"), "{err:?}");
        // Drop iteratively-built deep trees without blowing the test thread's stack.
        let MathItem { mut terms, .. } = it;
        let mut e = terms.remove(0);
        while let Expr::Neg(inner) = e {
            e = *inner;
        }
    }

    #[test]
    fn literal_digits_and_names_are_checked() {
        let long = "9".repeat(MAX_LITERAL_DIGITS + 1);
        assert!(
            guard(&item(Expr::Int(long), Rel::Eq, Expr::Int("1".into())))
                .unwrap_err()
                .0
                .contains("MAX_LITERAL_DIGITS")
        );
        assert!(guard(&item(
            Expr::Var("__import__".into()),
            Rel::Eq,
            Expr::Int("1".into())
        ))
        .is_err());
        assert!(guard(&item(
            Expr::Int("1e5".into()),
            Rel::Eq,
            Expr::Int("1".into())
        ))
        .is_err());
    }

    #[test]
    fn render_and_literal_shapes() {
        let e = Expr::Mul(
            int("3"),
            Box::new(Expr::Add(int("4"), Box::new(Expr::Var("x".into())))),
        );
        assert_eq!(render(&e), "3 × (4 + x)");
        assert_eq!(
            literal_shape(&Expr::Decimal("0.330".into())),
            Some(Lit {
                places: 3,
                trailing_zeros: 0
            })
        );
        assert_eq!(
            literal_shape(&Expr::Int("1400".into())),
            Some(Lit {
                places: 0,
                trailing_zeros: 2
            })
        );
        assert_eq!(literal_shape(&e), None);
    }
}
