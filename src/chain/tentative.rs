//! A target written as an equation, then the value found (issue 9, olympiad misreads): "we
//! plug in the values: 0 + (15 - 1) * 71 = 999, which simplifies to 14 * 71 = 994. Since 994 is
//! less than 999, …". The first equation sets the calculation against the value it should
//! reach; "simplifies to" the same calculation with another value says the author computed it
//! and found it short. The first is a trial, not a claim: its item is dropped (the second, the
//! value found, is still checked).
//!
//! Only between two numeric equations `calculation = number` whose numbers differ, with nothing
//! but "(which) simplifies to" between them.

use super::expr::Expr;
use super::{Item, MathItem, Rel};

/// Phrases between the two equations that say the second is the first simplified.
const SIMPLIFIES: &[&str] = &[
    "which simplifies to",
    "simplifies to",
    "which simplifies into",
];

/// Drops from `items` (one step's, in order) each numeric equation that the next one
/// "simplifies" into a different value (see the module doc). `text`: the step's text.
pub fn drop_targets(text: &str, items: &mut Vec<Item>) {
    let math: Vec<(usize, &MathItem)> = items
        .iter()
        .enumerate()
        .filter_map(|(k, i)| match i {
            Item::Math(m) => Some((k, m)),
            _ => None,
        })
        .collect();
    let mut drop = Vec::new();
    for w in math.windows(2) {
        let ((k, a), (_, b)) = (w[0], w[1]);
        let (Some(va), Some(vb)) = (numeric_value(a), numeric_value(b)) else {
            continue;
        };
        if va == vb {
            continue;
        }
        let Some(a_at) = text.find(a.source.as_str()) else {
            continue;
        };
        let a_end = a_at + a.source.len();
        let Some(b_at) = text[a_end..].find(b.source.as_str()).map(|p| p + a_end) else {
            continue;
        };
        let between = text[a_end..b_at]
            .trim()
            .trim_matches(|c: char| c == ',' || c == ':' || c.is_whitespace())
            .to_lowercase();
        if SIMPLIFIES.contains(&between.as_str()) {
            drop.push(k);
        }
    }
    for k in drop.into_iter().rev() {
        items.remove(k);
    }
}

/// The number of `calculation = number` without variables (as written), or `None`.
fn numeric_value(m: &MathItem) -> Option<&Expr> {
    if m.rels != [Rel::Eq] || m.terms.len() != 2 || m.modulus.is_some() {
        return None;
    }
    let (calc, value) = (&m.terms[0], &m.terms[1]);
    let literal = |e: &Expr| match e {
        Expr::Neg(a) => matches!(**a, Expr::Int(_) | Expr::Decimal(_)),
        e => matches!(e, Expr::Int(_) | Expr::Decimal(_)),
    };
    (calc.vars().is_empty() && !literal(calc) && literal(value)).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::items::extract_items;

    fn sources(text: &str) -> Vec<String> {
        extract_items(text)
            .into_iter()
            .filter_map(|i| match i {
                Item::Math(m) => Some(m.source),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_target_then_the_value_found_keeps_only_the_value() {
        let s = sources("We get 0 + (15 - 1) * 71 = 999, which simplifies to 14 * 71 = 994.");
        assert!(s.iter().all(|s| !s.contains("999")), "{s:?}");
        assert!(s.iter().any(|s| s.contains("994")), "{s:?}");
    }

    #[test]
    fn equal_values_and_other_words_keep_both() {
        let s = sources("We get 2 + 3 * 4 = 14, which simplifies to 2 + 12 = 14.");
        assert!(s.iter().any(|s| s.contains("3 * 4")), "{s:?}");
        let s = sources("We get 2 + 3 = 5, which gives 5 * 2 = 10.");
        assert!(s.iter().any(|s| s.contains("2 + 3")), "{s:?}");
    }
}
