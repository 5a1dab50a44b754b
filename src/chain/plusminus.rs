//! `\pm` expressions worked out over a chain or over restated displays, as the quadratic
//! formula is: `k = \frac{43 \pm \sqrt{1849 + 113664}}{96}`, then `k = \frac{43 \pm
//! \sqrt{115513}}{96}`, then `k = \frac{43 \pm 143}{96}`.
//!
//! A term with one `\pm` stands for two values, its upper (`+`) and lower (`-`) branch. Two
//! such terms written as equal claim the same pair of values; the pairing may be swapped
//! (`\frac{-30 \pm \sqrt{768}}{-66} = \frac{15 \pm 8\sqrt{3}}{33}` pairs `+` with `-`), so the
//! claim is read as the pair's sum and product being equal (`{a, b} = {c, d}` exactly when
//! `a + b = c + d` and `ab = cd`): two items, each exact, and a refutation carries the two
//! values that differ.
//!
//! Read only when the parse is unambiguous: one `\pm` per term, no `\mp`, every `\pm` term
//! without variables and without decimals (a rounded decimal makes the sum or product differ
//! by rounding alone); a leading lone variable names the pair (`k = …`), any other term
//! without `\pm` makes no item.

use super::expr::{parse_math, Expr};
use super::{MathItem, Rel};

/// One term of a `\pm` chain: its two branches and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct PmTerm {
    /// The term with `\pm` read as `+`.
    pub upper: Expr,
    /// The term with `\pm` read as `-`.
    pub lower: Expr,
    /// The term as written.
    pub source: String,
}

/// A relation of `\pm` terms: `name = t_1 = t_2 = …`.
#[derive(Debug, Clone, PartialEq)]
pub struct PmChain {
    /// The lone variable on the left, when the chain starts with one (`k = …`).
    pub name: Option<String>,
    /// The `\pm` terms, in order.
    pub terms: Vec<PmTerm>,
}

/// Splits `source` at its top-level `=` signs (outside brackets and braces). `None` when a
/// `=` is part of another relation symbol (`<=`, `>=`, `!=`, `==`, `:=`) or the brackets do
/// not balance.
pub fn split_top_level_eq(source: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    let bytes = source.as_bytes();
    for (k, c) in source.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '=' if depth == 0 => {
                let prev = k.checked_sub(1).map(|p| bytes[p]);
                let next = bytes.get(k + 1).copied();
                if matches!(prev, Some(b'<' | b'>' | b'!' | b'=' | b':')) || next == Some(b'=') {
                    return None;
                }
                parts.push(&source[from..k]);
                from = k + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    parts.push(&source[from..]);
    (depth == 0).then_some(parts)
}

/// Reads `text` as a `\pm` chain ([`PmChain`]); `None` when it is not exactly one.
pub fn pm_chain(text: &str) -> Option<PmChain> {
    if !text.contains("\\pm") || text.contains("\\mp") {
        return None;
    }
    let parts = split_top_level_eq(text)?;
    if parts.len() < 2 {
        return None;
    }
    let mut name = None;
    let mut terms = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let part = part.trim();
        match part.matches("\\pm").count() {
            0 if k == 0 => match parse_math(part)? {
                Expr::Var(v) => name = Some(v),
                _ => return None,
            },
            1 => {
                let upper = parse_math(&part.replace("\\pm", "+"))?;
                let lower = parse_math(&part.replace("\\pm", "-"))?;
                let exact = |e: &Expr| e.vars().is_empty() && !has_decimal(e);
                if !exact(&upper) || !exact(&lower) {
                    return None;
                }
                terms.push(PmTerm {
                    upper,
                    lower,
                    source: part.to_string(),
                });
            }
            _ => return None,
        }
    }
    (!terms.is_empty()).then_some(PmChain { name, terms })
}

/// Whether `e` holds a decimal literal.
fn has_decimal(e: &Expr) -> bool {
    matches!(e, Expr::Decimal(_)) || e.children().any(has_decimal)
}

/// The items claimed by `a = b` between two `\pm` terms: equal sums and equal products of
/// their branches.
pub fn pm_link_items(a: &PmTerm, b: &PmTerm) -> Vec<MathItem> {
    let sum = |t: &PmTerm| Expr::Add(Box::new(t.upper.clone()), Box::new(t.lower.clone()));
    let product = |t: &PmTerm| Expr::Mul(Box::new(t.upper.clone()), Box::new(t.lower.clone()));
    let item = |what: &str, x: Expr, y: Expr| MathItem {
        source: format!("{} = {} ({what} of the two values)", a.source, b.source),
        terms: vec![x, y],
        rels: vec![Rel::Eq],
        modulus: None,
    };
    vec![
        item("sum", sum(a), sum(b)),
        item("product", product(a), product(b)),
    ]
}

/// The items of one `\pm` chain's own links.
pub fn pm_chain_items(c: &PmChain) -> Vec<MathItem> {
    c.terms
        .windows(2)
        .flat_map(|w| pm_link_items(&w[0], &w[1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_of_pm_terms() {
        let c = pm_chain("k = \\frac{43 \\pm \\sqrt{1849 + 113664}}{96}").unwrap();
        assert_eq!(c.name.as_deref(), Some("k"));
        assert_eq!(c.terms.len(), 1);
        let c =
            pm_chain("\\frac{8 \\pm \\sqrt{64 - 40}}{2} = \\frac{8 \\pm \\sqrt{24}}{2}").unwrap();
        assert_eq!(c.name, None);
        let items = pm_chain_items(&c);
        assert_eq!(items.len(), 2);
        assert!(items[0].source.contains("(sum of the two values)"));
    }

    #[test]
    fn ambiguous_pm_text_is_not_read() {
        for t in [
            // A template with variables.
            "x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}",
            // A term without `\pm` after the name: which branch it is is not said.
            "x = \\frac{4 \\pm 2}{2} = 3",
            "(x - 4) = \\pm 1",
            "y = \\frac{30 \\mp \\sqrt{768}}{66}",
            "x = \\pm 1 \\pm 2",
            "x = \\frac{3 \\pm 4.58}{2}",
            "x = 2",
        ] {
            assert!(pm_chain(t).is_none(), "{t}");
        }
        assert_eq!(
            split_top_level_eq("f(x=1) = 2 = 3").map(|p| p.len()),
            Some(3)
        );
        assert!(split_top_level_eq("a <= b").is_none());
    }
}
