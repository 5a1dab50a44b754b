//! Division with remainder: `9 ÷ 7 = 1 remainder 2`, `355 \div 6 = 58\;\mathrm{R}\;5`,
//! `17 / 5 = 3 R 2`. Such a line claims `a = b·q + r` with `0 ≤ r < b`, not `a / b = q`; it
//! becomes those two items, so a wrong quotient or remainder is refuted with the computed value
//! and a correct one is not flagged as inexact division.

use super::expr::{parse_math, parse_relation, Expr};
use super::{MathItem, Rel};

/// The words and LaTeX forms that separate a quotient from its remainder, tried in order.
const REMAINDER_MARKS: &[&str] = &[
    "\\;\\mathrm{R}\\;",
    "\\,\\mathrm{R}\\,",
    "\\ \\mathrm{R}\\ ",
    "\\mathrm{R}",
    "\\text{ R }",
    "\\text{R}",
    "\\text{ remainder }",
    "\\text{remainder}",
    "\\text{ rem }",
    " remainder ",
    " rem ",
    " R ",
];

/// The two items of a division with remainder, or `None` when `text` is not one: the part
/// before the mark must be a relation ending `… = q` whose term before `q` is a division
/// `a ÷ b`, and the part after it a whole number `r`.
pub fn remainder_items(text: &str) -> Option<Vec<MathItem>> {
    let (k, mark) = REMAINDER_MARKS
        .iter()
        .find_map(|m| text.find(m).map(|k| (k, *m)))?;
    let (left, right) = (&text[..k], &text[k + mark.len()..]);
    let r = parse_math(right.trim().trim_end_matches(['.', ',']))?;
    let rel = parse_relation(left)?;
    let n = rel.terms.len();
    if rel.modulus.is_some() || rel.rels.last() != Some(&Rel::Eq) || n < 2 {
        return None;
    }
    let q = &rel.terms[n - 1];
    let Expr::Div(a, b) = &rel.terms[n - 2] else {
        return None;
    };
    let whole = |e: &Expr| matches!(e, Expr::Int(_));
    if !(whole(q) && whole(&r) && a.vars().is_empty() && b.vars().is_empty()) {
        return None;
    }
    let bq_r = Expr::Add(
        Box::new(Expr::Mul(b.clone(), Box::new(q.clone()))),
        Box::new(r.clone()),
    );
    let source = text.trim().to_string();
    Some(vec![
        MathItem {
            source: source.clone(),
            terms: vec![(**a).clone(), bq_r],
            rels: vec![Rel::Eq],
            modulus: None,
        },
        MathItem {
            source,
            terms: vec![Expr::Int("0".into()), r, (**b).clone()],
            rels: vec![Rel::Le, Rel::Lt],
            modulus: None,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let items = remainder_items("355\\div 6=58\\;\\mathrm{R}\\;5").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].rels, vec![Rel::Le, Rel::Lt]);
        assert!(remainder_items("9 ÷ 7 = 1 remainder 2").is_some());
        assert!(remainder_items("9 + 7 = 16 remainder 2").is_none());
        assert!(remainder_items("x ÷ 7 = 1 R 2").is_none());
    }
}
