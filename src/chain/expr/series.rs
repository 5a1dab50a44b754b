//! `\sum` and `\prod` with small whole-number bounds (`\sum_{k=1}^{10} k^2`,
//! `\prod_{i=2}^{5} \frac{i}{i-1}`, `\sum\limits^{4}_{j=0}`), expanded at parse time into the
//! sum or product of their terms, so every checker sees ordinary arithmetic and evaluates it
//! exactly. Nothing is evaluated here.
//!
//! Bounded: at most [`MAX_SERIES_TERMS`] terms per operator and [`MAX_SERIES_NODES`] expanded
//! nodes per parse; beyond either, or with a bound that is not a whole-number literal
//! (`\sum_{k=1}^{n}`), the parse fails (`None`), so the relation makes no item and its step stays
//! unchecked — never refuted, never verified. The expansion is a balanced tree, so its depth
//! grows with the logarithm of the number of terms.
//!
//! The summand is one term (a product, as in `\sum_{k=1}^{3} 2k \cdot 5`). When a bare summand
//! is followed by `+`/`-` (`\sum_{k=1}^{3} k + 1`: Σk + 1 or Σ(k+1)?) the text is ambiguous
//! and does not parse, unless another `\sum`/`\prod` follows the sign. A summand with a
//! sequence indexed by the summation index (`\sum_{k=1}^{3} a_k`) is not read either, nor one
//! taking `sin`/`cos`/`tan` of the index without a degree mark (`\sum_{x=1}^{89} \cos 2x`: in
//! contest problems usually degrees, but the text does not say).

use super::ast::{Expr, Func};
use super::parse::{b, Parser};

/// Most terms one `\sum`/`\prod` is expanded into. Hand-written sums with numeric bounds are
/// short (`\sum_{k=1}^{100} k` is the long end); a longer one is left unchecked rather than
/// costing the checker thousands of terms.
pub const MAX_SERIES_TERMS: usize = 200;

/// Most expression nodes all expansions of one parse may create together (nested sums
/// multiply). Equal to the numeric guard's node limit, beyond which no check would run anyway;
/// keeps `\sum\sum\sum…` in a hostile 4 KiB expression from allocating millions of nodes.
pub const MAX_SERIES_NODES: usize = 5_000;

/// Largest absolute value of a bound. Bounds are small in practice; the limit keeps the bound
/// arithmetic far from overflow.
const MAX_BOUND: i64 = 1_000_000;

impl Parser {
    /// After `\sum` (or `\prod` when `product`): the bounds and the summand, expanded.
    pub(super) fn series(&mut self, product: bool) -> Option<Expr> {
        let mut lower: Option<(String, i64)> = None;
        let mut upper: Option<i64> = None;
        for _ in 0..2 {
            self.ws();
            match self.peek() {
                Some('_') if lower.is_none() => {
                    self.i += 1;
                    lower = Some(self.series_lower()?);
                }
                Some('^') if upper.is_none() => {
                    self.i += 1;
                    upper = Some(self.series_upper()?);
                }
                _ => return None,
            }
        }
        let ((index, lo), hi) = (lower?, upper?);
        // Where a lone `i` is the imaginary unit, an index `i` is ambiguous: not read.
        if self.imaginary && index == "i" {
            return None;
        }
        if hi < lo || (hi - lo) as usize >= MAX_SERIES_TERMS {
            return None;
        }
        self.ws();
        let body_start = self.i;
        let body = self.term()?;
        if !self.one_group(body_start, self.i) && self.sign_follows_without_series() {
            return None;
        }
        // `\sum_{k=1}^{3} a_k` sums a sequence, not one variable three times: not read.
        if body.vars().iter().any(|v| {
            v.split_once('_')
                .is_some_and(|(_, sub)| sub.contains(index.as_str()))
        }) {
            return None;
        }
        if trig_of_bare_index(&body, &index) {
            return None;
        }
        let body_nodes = count_nodes(&body);
        let terms = (hi - lo + 1) as usize;
        self.series_nodes = self
            .series_nodes
            .checked_add(body_nodes.checked_mul(terms)?)?;
        if self.series_nodes > MAX_SERIES_NODES {
            return None;
        }
        let parts: Vec<Expr> = (lo..=hi).map(|v| substitute(&body, &index, v)).collect();
        Some(balanced(parts, product))
    }

    /// `{k=1}` after `_`: the index (one letter) and the lower bound.
    fn series_lower(&mut self) -> Option<(String, i64)> {
        if !self.eat('{') {
            return None;
        }
        self.ws();
        let c = self.peek().filter(char::is_ascii_alphabetic)?;
        self.i += 1;
        self.ws();
        if self.peek().is_some_and(|c| c.is_ascii_alphabetic()) || !self.eat('=') {
            return None;
        }
        let lo = self.series_integer()?;
        self.eat('}').then_some((c.to_string(), lo))
    }

    /// `{10}` or a single digit after `^`: the upper bound.
    fn series_upper(&mut self) -> Option<i64> {
        self.ws();
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            let d = self.peek()?.to_digit(10)?;
            self.i += 1;
            return Some(i64::from(d));
        }
        if !self.eat('{') {
            return None;
        }
        let hi = self.series_integer()?;
        self.eat('}').then_some(hi)
    }

    /// A whole-number literal, possibly negative, within [`MAX_BOUND`].
    fn series_integer(&mut self) -> Option<i64> {
        self.ws();
        let negative = matches!(self.peek(), Some('-' | '−'));
        if negative {
            self.i += 1;
            self.ws();
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let digits: String = self.s[start..self.i].iter().collect();
        if digits.is_empty() || digits.len() > 7 {
            return None;
        }
        let v: i64 = digits.parse().ok()?;
        if v > MAX_BOUND {
            return None;
        }
        Some(if negative { -v } else { v })
    }

    /// Whether `self.s[start..end]` (a parsed summand) is one bracketed group: `(k+1)`,
    /// `\left[ … \right]`, `{…}` — then a sign after it is not ambiguous. `(k+1)^2` and
    /// `(k+1)(k+2)` are not one group.
    fn one_group(&self, start: usize, end: usize) -> bool {
        let mut last = end;
        while last > start && self.s[last - 1].is_whitespace() {
            last -= 1;
        }
        let (open, close) = match self.s.get(start) {
            Some('(') => ('(', ')'),
            Some('[') => ('[', ']'),
            Some('{') => ('{', '}'),
            _ => return false,
        };
        if last <= start + 1 || self.s[last - 1] != close {
            return false;
        }
        // The opening bracket's match must be the last character.
        let mut depth = 0usize;
        for j in start..last {
            if self.s[j] == open {
                depth += 1;
            } else if self.s[j] == close {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j == last - 1;
                }
            }
        }
        false
    }

    /// Whether a `+`/`-` comes next that is not followed by another `\sum`/`\prod`.
    fn sign_follows_without_series(&mut self) -> bool {
        let save = self.i;
        self.ws();
        let sign =
            matches!(self.peek(), Some('+' | '-' | '−' | '–')) && self.peek_at(1) != Some('>');
        let r = sign && {
            self.i += 1;
            self.ws();
            !(self.peek() == Some('\\')
                && matches!(self.command_at(self.i).0.as_str(), "sum" | "prod"))
        };
        self.i = save;
        r
    }
}

/// Whether `e` takes `sin`/`cos`/`tan` of the index without a degree mark or π
/// (`\sum_{x=1}^{89} \cos 2x`): contest sums over whole numbers mean degrees there far more
/// often than radians, and the text does not say which.
fn trig_of_bare_index(e: &Expr, index: &str) -> bool {
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        if let Expr::Func(Func::Sin | Func::Cos | Func::Tan, args) = x {
            if args
                .iter()
                .any(|a| a.vars().iter().any(|v| v == index) && !a.has_pi())
            {
                return true;
            }
        }
        stack.extend(x.children());
    }
    false
}

/// Nodes in `e`, counted without recursion.
fn count_nodes(e: &Expr) -> usize {
    let mut n = 0;
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        n += 1;
        stack.extend(x.children());
    }
    n
}

/// `body` with every `Var(index)` replaced by the whole number `v`.
fn substitute(body: &Expr, index: &str, v: i64) -> Expr {
    let value = || {
        let n = Expr::Int(v.unsigned_abs().to_string());
        if v < 0 {
            Expr::Neg(b(n))
        } else {
            n
        }
    };
    let sub = |e: &Expr| b(substitute(e, index, v));
    match body {
        Expr::Var(name) if name == index => value(),
        Expr::Int(_) | Expr::Decimal(_) | Expr::Var(_) | Expr::Pi | Expr::E | Expr::I => {
            body.clone()
        }
        Expr::Neg(a) => Expr::Neg(sub(a)),
        Expr::Percent(a) => Expr::Percent(sub(a)),
        Expr::Factorial(a) => Expr::Factorial(sub(a)),
        Expr::Add(x, y) => Expr::Add(sub(x), sub(y)),
        Expr::Sub(x, y) => Expr::Sub(sub(x), sub(y)),
        Expr::Mul(x, y) => Expr::Mul(sub(x), sub(y)),
        Expr::Div(x, y) => Expr::Div(sub(x), sub(y)),
        Expr::Pow(x, y) => Expr::Pow(sub(x), sub(y)),
        Expr::Mod(x, y) => Expr::Mod(sub(x), sub(y)),
        Expr::Func(f, args) => {
            Expr::Func(*f, args.iter().map(|a| substitute(a, index, v)).collect())
        }
    }
}

/// The sum (or product) of `parts` as a balanced tree. `parts` is non-empty.
fn balanced(mut parts: Vec<Expr>, product: bool) -> Expr {
    while parts.len() > 1 {
        let mut next = Vec::with_capacity(parts.len().div_ceil(2));
        let mut it = parts.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(c) if product => next.push(Expr::Mul(b(a), b(c))),
                Some(c) => next.push(Expr::Add(b(a), b(c))),
                None => next.push(a),
            }
        }
        parts = next;
    }
    parts.pop().expect("a series has at least one term")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::expr::{parse_math, parse_relation};
    use crate::chain::Rel;
    use crate::verify::rational::Rat;

    /// Exact value of a parsed expression with `+ - × ÷`, whole powers and `\binom` (test only;
    /// the checkers evaluate with sympy).
    fn value(e: &Expr) -> Rat {
        let int = |s: &str| Rat::int(s.parse().expect("integer literal"));
        match e {
            Expr::Int(s) => int(s),
            Expr::Neg(a) => value(a).checked_neg().unwrap(),
            Expr::Add(a, c) => value(a).checked_add(value(c)).unwrap(),
            Expr::Sub(a, c) => value(a).checked_sub(value(c)).unwrap(),
            Expr::Mul(a, c) => value(a).checked_mul(value(c)).unwrap(),
            Expr::Div(a, c) => value(a).checked_div(value(c)).unwrap(),
            Expr::Pow(a, c) => {
                let (base, n) = (value(a), value(c));
                assert!(n.is_int(), "whole exponents only");
                let mut r = Rat::int(1);
                for _ in 0..(n.to_f64() as u32) {
                    r = r.checked_mul(base).unwrap();
                }
                r
            }
            Expr::Func(Func::Binom, args) => {
                let (n, k) = (
                    value(&args[0]).to_f64() as i128,
                    value(&args[1]).to_f64() as i128,
                );
                let mut r = Rat::int(1);
                for i in 0..k {
                    r = r
                        .checked_mul(Rat::int(n - i))
                        .unwrap()
                        .checked_div(Rat::int(i + 1))
                        .unwrap();
                }
                r
            }
            other => panic!("no test value for {other:?}"),
        }
    }

    fn eval(text: &str) -> Rat {
        value(&parse_math(text).unwrap_or_else(|| panic!("{text:?} does not parse")))
    }

    #[test]
    fn sums_and_products_expand_exactly() {
        assert_eq!(eval("\\sum_{k=1}^{10} k^2"), Rat::int(385));
        assert_eq!(eval("\\sum_{k=1}^{100} k"), Rat::int(5050));
        assert_eq!(eval("\\prod_{i=1}^{5} i"), Rat::int(120));
        assert_eq!(eval("\\prod_{i=2}^{5} \\frac{i}{i-1}"), Rat::int(5));
        assert_eq!(
            eval("\\prod_{x=81}^{99} \\left(1 + \\frac{1}{x}\\right)"),
            Rat::new(100, 81).unwrap()
        );
        assert_eq!(eval("\\sum\\limits_{j=0}^{4} 2^j"), Rat::int(31));
        assert_eq!(eval("\\sum^{4}_{j=0} 2^j"), Rat::int(31));
        assert_eq!(eval("\\sum_{k=1}^9 k"), Rat::int(45));
        assert_eq!(eval("\\sum_{k=-2}^{2} k^2"), Rat::int(10));
        assert_eq!(eval("\\sum_{i=1}^{3} 2i \\cdot 5"), Rat::int(60));
        assert_eq!(
            eval("\\sum_{i=1}^{3}\\sum_{j=1}^{3} i \\cdot j"),
            Rat::int(36)
        );
        assert_eq!(eval("2\\sum_{k=1}^{3} k"), Rat::int(12));
        assert_eq!(eval("\\sum_{k=0}^{4} \\binom{4}{k}"), Rat::int(16));
        // One term: the summand at the single index.
        assert_eq!(eval("\\sum_{k=3}^{3} k^2"), Rat::int(9));
    }

    #[test]
    fn signs_after_a_bare_summand_are_ambiguous() {
        // Σk + 1 or Σ(k+1)? Not read.
        assert!(parse_math("\\sum_{k=1}^{3} k + 1").is_none());
        assert!(parse_math("\\sum_{k=1}^{3} k - 1").is_none());
        assert!(parse_math("\\sum_{k=1}^{3} (k+1)^2 + 1").is_none());
        // A bracketed summand, or another series after the sign, is not ambiguous.
        assert_eq!(eval("\\sum_{k=1}^{3} (k+1) + 1"), Rat::int(10));
        assert_eq!(eval("\\sum_{k=1}^{3} \\left(k+1\\right) - 1"), Rat::int(8));
        assert_eq!(
            eval("\\sum_{k=1}^{3} k + \\sum_{k=1}^{3} k^2"),
            Rat::int(20)
        );
        assert_eq!(eval("1 + \\sum_{k=1}^{3} k"), Rat::int(7));
    }

    #[test]
    fn unreadable_or_too_long_series_do_not_parse() {
        // Symbolic bounds, a missing bound, a reversed range, a word index.
        assert!(parse_math("\\sum_{k=1}^{n} k").is_none());
        assert!(parse_math("\\sum_{k=1} k").is_none());
        assert!(parse_math("\\sum_{k=5}^{1} k").is_none());
        assert!(parse_math("\\sum_{kk=1}^{3} k").is_none());
        assert!(parse_math("\\sum k^2").is_none());
        // A sequence indexed by the summation index is not one variable.
        assert!(parse_math("\\sum_{k=1}^{3} a_k").is_none());
        assert!(parse_math("\\sum_{k=1}^{3} x_{k}^2").is_none());
        // Trigonometry of the index without a degree mark: degrees or radians? Not read.
        assert!(parse_math("\\sum_{x=1}^{89} \\cos 2x").is_none());
        assert!(parse_math("\\sum_{x=1}^{44} \\sin^2 2x").is_none());
        assert!(parse_math("\\sum_{k=1}^{44} \\cos (8k^\\circ)").is_some());
        // More terms than MAX_SERIES_TERMS: left unchecked.
        let at_limit = format!("\\sum_{{k=1}}^{{{MAX_SERIES_TERMS}}} k");
        let past_limit = format!("\\sum_{{k=1}}^{{{}}} k", MAX_SERIES_TERMS + 1);
        assert!(parse_math(&at_limit).is_some());
        assert!(parse_math(&past_limit).is_none());
        assert!(parse_math("\\sum_{k=1}^{1000000000} k").is_none());
        // Nested series multiply: bounded by MAX_SERIES_NODES in total.
        assert!(parse_math("\\sum_{a=1}^{200}\\sum_{b=1}^{200} a \\cdot b").is_none());
        let many = "\\sum_{k=1}^{200} k + ".repeat(40) + "1";
        assert!(parse_math(&many).is_none());
    }

    #[test]
    fn expansion_is_balanced() {
        let e = parse_math(&format!("\\sum_{{k=1}}^{{{MAX_SERIES_TERMS}}} k^2")).unwrap();
        assert!(!e.depth_exceeds(12), "depth grows with log2 of the terms");
        assert!(e.vars().is_empty());
    }

    #[test]
    fn relations_with_series_and_binomials() {
        let r = parse_relation("\\sum_{k=1}^{10} k = 55").unwrap();
        assert_eq!(r.rels, vec![Rel::Eq]);
        assert_eq!(value(&r.terms[0]), Rat::int(55));
        // Other variables stay: `\sum_{k=1}^{3} x^k` is x + x^2 + x^3.
        let r = parse_relation("\\sum_{k=1}^{3} x^k = x + x^2 + x^3").unwrap();
        assert_eq!(r.terms[0].vars(), vec!["x".to_string()]);
        for text in [
            "\\binom{9}{3}",
            "9 choose 3",
            "{9 \\choose 3}",
            "\\dbinom{9}{3}",
        ] {
            let e = parse_math(text).unwrap_or_else(|| panic!("{text:?}"));
            assert!(e.has_func(Func::Binom), "{text:?}: {e:?}");
            assert_eq!(value(&e), Rat::int(84), "{text:?}");
        }
    }

    /// Random token soups around series syntax (fixed seed): parsing never panics, and
    /// whatever parses is within the depth limit.
    #[test]
    fn series_token_soup_never_panics() {
        const TOKENS: &[&str] = &[
            "\\sum",
            "\\prod",
            "_{k=1}",
            "_{k=-2}",
            "^{3}",
            "^9",
            "^{200}",
            "^{n}",
            "k",
            "a_k",
            "(",
            ")",
            "+",
            "-",
            "{",
            "}",
            "2",
            "\\cdot",
            "\\cos",
            "^\\circ",
            "\\limits",
            " ",
            "=",
            "\\binom{k}{2}",
            "\\frac{1}{k}",
            "\\left(",
            "\\right)",
            "’",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = 1 + (next() % 12) as usize;
            let text: String = (0..len)
                .map(|_| TOKENS[(next() % TOKENS.len() as u64) as usize])
                .collect();
            if let Some(e) = parse_math(&text) {
                assert!(!e.depth_exceeds(crate::chain::expr::MAX_DEPTH), "{text:?}");
            }
            let _ = parse_relation(&text);
        }
    }
}
