//! The math expression AST: [`Expr`], the allowlisted functions [`Func`], a parsed relation chain
//! [`Relation`], the size limits every consumer shares ([`MAX_MATH_BYTES`], [`MAX_DEPTH`]), and
//! the one traversal ([`Expr::children`]) and one bottom-up fold ([`Expr::fold`]) that evaluators
//! build on.
//!
//! Numbers are kept as decimal strings so no precision is lost before sympy sees them.

use serde::{Deserialize, Serialize};

use crate::chain::Rel;

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

/// Longest text [`parse_math`] / [`parse_relation`] accept, in bytes. One written calculation
/// is far shorter; the bound keeps a hostile multi-megabyte "expression" from being walked.
pub const MAX_MATH_BYTES: usize = 4096;

/// Deepest expression tree accepted anywhere: the one depth limit. The parser bounds its own
/// recursion by it (each bracket level costs about four calls, so about 50 bracket levels parse,
/// more than anyone writes) and rejects any tree deeper than it; the numeric guard rails use it
/// for trees built elsewhere. Keeps 10,000 nested parentheses from overflowing a stack, here or
/// in sympy.
pub const MAX_DEPTH: usize = 200;

impl Expr {
    /// The free variables of the expression, sorted and deduplicated.
    pub fn vars(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out.sort();
        out.dedup();
        out
    }

    /// The direct sub-expressions, in order (none for literals and variables). Every traversal
    /// goes through this, so a new variant is handled in one place.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        let (a, b, rest): (Option<&Expr>, Option<&Expr>, &[Expr]) = match self {
            Expr::Int(_) | Expr::Decimal(_) | Expr::Var(_) | Expr::Pi | Expr::E | Expr::I => {
                (None, None, &[])
            }
            Expr::Neg(a) | Expr::Percent(a) | Expr::Factorial(a) => (Some(a), None, &[]),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b)
            | Expr::Mod(a, b) => (Some(a), Some(b), &[]),
            Expr::Func(_, args) => (None, None, args),
        };
        a.into_iter().chain(b).chain(rest)
    }

    fn collect_vars(&self, out: &mut Vec<String>) {
        if let Expr::Var(v) = self {
            out.push(v.clone());
        }
        self.children().for_each(|c| c.collect_vars(out));
    }

    /// True for a bare literal (`12`, `3.5`), possibly negated: a term that claims no computation.
    pub fn is_literal(&self) -> bool {
        match self {
            Expr::Int(_) | Expr::Decimal(_) => true,
            Expr::Neg(a) => a.is_literal(),
            _ => false,
        }
    }

    /// True for a lone variable, possibly negated (`x`, `-y`).
    pub fn is_lone_var(&self) -> bool {
        match self {
            Expr::Var(_) => true,
            Expr::Neg(a) => a.is_lone_var(),
            _ => false,
        }
    }

    /// True when the expression contains a `%` value anywhere.
    pub fn has_percent(&self) -> bool {
        matches!(self, Expr::Percent(_)) || self.children().any(Expr::has_percent)
    }

    /// Bottom-up fold: `f(node, results of its children in [`Expr::children`] order)`. The one
    /// recursion scheme evaluators share, so a new variant is handled where `children` is.
    /// Recursive: call it only on trees within [`MAX_DEPTH`] ([`Expr::depth_exceeds`]).
    pub fn fold<T>(&self, f: &mut impl FnMut(&Expr, Vec<T>) -> T) -> T {
        let kids: Vec<T> = self.children().map(|c| c.fold(f)).collect();
        f(self, kids)
    }

    /// Whether the tree is deeper than `limit` levels, computed without recursion (safe on any
    /// tree, however deep).
    pub fn depth_exceeds(&self, limit: usize) -> bool {
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            if d > limit {
                return true;
            }
            stack.extend(e.children().map(|c| (c, d + 1)));
        }
        false
    }

    /// True when the expression contains a call of `f` anywhere.
    pub fn has_func(&self, f: Func) -> bool {
        matches!(self, Expr::Func(g, _) if *g == f) || self.children().any(|c| c.has_func(f))
    }

    /// True when the expression contains π anywhere.
    pub fn has_pi(&self) -> bool {
        matches!(self, Expr::Pi) || self.children().any(Expr::has_pi)
    }
}

/// A parsed relation chain: `terms[0] rels[0] terms[1] …`, and the modulus of a congruence.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub terms: Vec<Expr>,
    pub rels: Vec<Rel>,
    pub modulus: Option<Expr>,
}
