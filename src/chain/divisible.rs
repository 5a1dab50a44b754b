//! "The smallest 3-digit number divisible by 33 is 102": an extreme number with a divisor,
//! stated in words. Whether it is the smallest is a search; that it is divisible is a
//! computation, claimed by the sentence: the item `102 \bmod 33 = 0` (refuted with the
//! remainder).
//!
//! Read only in the one shape: an extreme word ([`EXTREME_WORDS`]) and a noun ([`NOUNS`]) in a
//! short phrase right before "divisible by M is N", with M and N whole numbers (bare or alone in
//! inline math) and N not followed by more arithmetic. "The number of integers divisible by 3
//! is 33" (a count) and "the sum of …" are not this shape.

use super::expr::Expr;
use super::words::claims_at_cues;
use super::{MathItem, Rel};

/// Words that make the phrase name one number.
const EXTREME_WORDS: &[&str] = &["smallest", "largest", "least", "greatest", "biggest"];

/// Nouns of the phrase: what is named is a number.
const NOUNS: &[&str] = &["number", "integer", "multiple", "numeral"];

/// Words that make the phrase something else than the number itself (a count, a sum).
const NOT_THE_NUMBER: &[&str] = &[
    "number of",
    "numbers of",
    "sum",
    "count",
    "how many",
    "amount",
    "product",
    "difference",
];

/// The phrase's key words.
const CUE: &str = "divisible by ";

/// Most bytes of the phrase before [`CUE`] searched for its extreme word and noun.
const MAX_PHRASE_BYTES: usize = 60;

/// Most digits of M or N (a longer digit string is not read).
const MAX_DIGITS: usize = 30;

/// Most claims read from one step.
const MAX_CLAIMS: usize = 8;

/// The divisibility claims of one step's text, in order.
pub fn divisible_items(text: &str) -> Vec<MathItem> {
    let lower = text.to_ascii_lowercase();
    claims_at_cues(&lower, CUE, MAX_CLAIMS, |at| claim_at(&lower, at))
}

/// The claim whose [`CUE`] starts at byte `at` of the lower-cased text.
fn claim_at(lower: &str, at: usize) -> Option<MathItem> {
    let start = (at.saturating_sub(MAX_PHRASE_BYTES)..=at).find(|&k| lower.is_char_boundary(k))?;
    let before = &lower[start..at];
    // The phrase starts after the last sentence or clause break.
    let phrase = before
        .rsplit(['.', ';', ':', ',', '\n', '(', ')'])
        .next()
        .unwrap_or(before);
    let words: Vec<&str> = phrase.split(|c: char| !c.is_ascii_alphabetic()).collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    if !has(EXTREME_WORDS) || !has(NOUNS) || NOT_THE_NUMBER.iter().any(|w| phrase.contains(w)) {
        return None;
    }
    let (m, rest) = whole_number(&lower[at + CUE.len()..])?;
    let rest = rest.trim_start().strip_prefix("is ")?;
    let (n, after) = whole_number(rest)?;
    // `… is 102 + 3`, `… is 10^2`: N is only the start of an expression.
    let next = after.trim_start().chars().next();
    if next.is_some_and(|c| {
        !matches!(c, '.' | ',' | ';' | ':' | ')' | '!' | '\n') && !c.is_alphabetic()
    }) {
        return None;
    }
    if m.trim_start_matches('0').is_empty() {
        return None;
    }
    Some(MathItem {
        source: format!("{n} \\bmod {m} = 0"),
        terms: vec![
            Expr::Mod(Box::new(Expr::Int(n.clone())), Box::new(Expr::Int(m))),
            Expr::Int("0".into()),
        ],
        rels: vec![Rel::Eq],
        modulus: None,
    })
}

/// A whole number at the start of `s` (bare, `\( 102 \)` or `$102$`, thousands commas
/// allowed): its digits and the text after it.
fn whole_number(s: &str) -> Option<(String, &str)> {
    let (inner, rest) = if let Some(r) = s.strip_prefix("\\(") {
        // Only a short piece is looked for (linear on unclosed openers).
        let window = (0..=(2 * MAX_DIGITS).min(r.len()))
            .rev()
            .find(|&k| r.is_char_boundary(k))?;
        let end = r[..window].find("\\)")?;
        (&r[..end], &r[end + 2..])
    } else if let Some(r) = s.strip_prefix('$') {
        let end = r
            .char_indices()
            .take(MAX_DIGITS * 2)
            .find(|(_, c)| *c == '$')?
            .0;
        (&r[..end], &r[end + 1..])
    } else {
        let end = s
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == ','))
            .map_or(s.len(), |(k, _)| k);
        let digits = s[..end].trim_end_matches(',');
        (digits, &s[digits.len()..])
    };
    // A written number as every statement in words reads it (`words::number`: thousands
    // groups of three), and a whole one.
    let digits = super::words::number(inner.trim())
        .filter(|d| d.len() <= MAX_DIGITS && d.bytes().all(|c| c.is_ascii_digit()))?;
    Some((digits, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<String> {
        divisible_items(text)
            .into_iter()
            .map(|m| m.source)
            .collect()
    }

    #[test]
    fn an_extreme_number_with_a_divisor() {
        assert_eq!(
            sources("We find that the smallest 3-digit number divisible by 33 is 102."),
            vec!["102 \\bmod 33 = 0"]
        );
        assert_eq!(
            sources("The largest integer less than 1000 divisible by \\(7\\) is \\(994\\)."),
            vec!["994 \\bmod 7 = 0"]
        );
        assert_eq!(
            sources("So the least multiple divisible by 12 is 1,200, as claimed."),
            vec!["1200 \\bmod 12 = 0"]
        );
    }

    #[test]
    fn other_shapes_make_no_item() {
        for t in [
            "The number of integers divisible by 3 is 33.",
            "The sum of the smallest numbers divisible by 3 is 18.",
            "102 is divisible by 33.",
            "The smallest number divisible by both 4 and 6 is 12.",
            "The smallest number divisible by 3 is 3 + 0.",
            "The smallest number divisible by \\( n \\) is \\( n \\).",
            "Check whether the largest number is divisible by 5 or not.",
            "The smallest number divisible by 0 is 0.",
            // Not thousands groups: a list or a typo, not one number.
            "The smallest number divisible by 7 is 1234,567.",
        ] {
            assert!(sources(t).is_empty(), "{t}");
        }
    }
}
