//! The math expression AST shared by the parser (which builds it from plain text or LaTeX) and
//! the numeric verifier (which builds sympy objects from it through an allowlist).
//!
//! Numbers are kept as decimal strings so no precision is lost before sympy sees them.

use serde::{Deserialize, Serialize};

/// A math expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Expr {
    /// A non-negative integer literal, digits only (separators removed).
    Int(String),
    /// A non-negative decimal literal as written, e.g. `"3.14"`; the number of digits shown
    /// matters to the rounding rule.
    Decimal(String),
    /// A variable name (`x`, `a_1`, `\alpha` → `alpha`).
    Var(String),
    /// π.
    Pi,
    /// Euler's number.
    E,
    /// The imaginary unit.
    I,
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    /// `a mod b` / `a % b` between operands.
    Mod(Box<Expr>, Box<Expr>),
    /// `x%` as a value: x/100.
    Percent(Box<Expr>),
    /// `n!`.
    Factorial(Box<Expr>),
    /// An allowlisted function applied to arguments.
    Func(Func, Vec<Expr>),
}

/// The functions a math item may use. Anything else is not parsed (the item is unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Sqrt,
    /// `\sqrt[n]{x}`: args `[n, x]`.
    Root,
    Abs,
    Floor,
    Ceil,
    /// `\binom{n}{k}`.
    Binom,
    Gcd,
    Lcm,
    Min,
    Max,
    Ln,
    /// `\log_b(x)`: args `[b, x]`; plain `\log x` is base 10 in contest usage: args `[10, x]`.
    Log,
    Exp,
    Sin,
    Cos,
    Tan,
}
