//! A difference stated in words: "7.5 pounds is half a pound more than 15 pounds" → `7.5 = 15 +
//! 1/2` (refuted: the right side is 15.5); "12 is 3 less than 15" → `12 = 15 − 3`.
//!
//! Read only in the shape "A [unit] is|was B [unit] more|less|fewer|greater|smaller than C
//! [unit]" with A and C literal numbers and B a number or a small number word ("two", "half
//! a"), the units (where written) the same word up to a plural `s`, and the sentence asserting
//! it ([`super::words`]' rules: no "if", "check", … before it, no question, no denial; A not
//! part of a longer subject, C not followed by an operator or "times").

use super::expr::Expr;
use super::words::{asserted, number, number_after, number_before, subject_alone, tail_alone};
use super::{MathItem, Rel};

/// The cue words after B and whether they add B to C (`more`) or take it away (`less`).
const CUES: &[(&str, bool)] = &[
    (" more than ", true),
    (" greater than ", true),
    (" less than ", false),
    (" fewer than ", false),
    (" smaller than ", false),
];

/// How far before the cue "A [unit] is B [unit]" is looked for, in bytes: the statement is
/// short, and the bound keeps the search per cue constant.
const MAX_BEFORE_BYTES: usize = 120;

/// Small numbers written as words, as B is often written ("two more than").
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
];

/// The difference items of one step (`lower`: its text ASCII-lower-cased, `text`: as written).
pub fn difference_items(text: &str, lower: &str) -> Vec<MathItem> {
    let mut out = Vec::new();
    for &(cue, more) in CUES {
        let mut from = 0;
        while let Some(p) = lower[from..].find(cue).map(|p| p + from) {
            from = p + cue.len();
            out.extend(difference_at(text, lower, p, p + cue.len(), more));
        }
    }
    out
}

/// The statement around the cue at `cue_start..cue_end`.
fn difference_at(
    text: &str,
    lower: &str,
    cue_start: usize,
    cue_end: usize,
    more: bool,
) -> Option<MathItem> {
    // C [unit] after the cue.
    let (c_end, c) = number_after(lower, cue_end)?;
    let (c_unit, _) = unit_after(lower, c_end);
    // "A [unit] is B [unit]" before the cue.
    let mut from = cue_start.saturating_sub(MAX_BEFORE_BYTES);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    let pre = &lower[from..cue_start];
    let is_at = [" is ", " was "]
        .iter()
        .filter_map(|w| pre.rfind(w).map(|k| (k, w.len())))
        .max()?;
    let mid: Vec<&str> = pre[is_at.0 + is_at.1..].split(' ').collect();
    let (b, b_unit) = amount(&mid)?;
    let head = &pre[..is_at.0];
    let (a_num_end, a_unit) = match head.rfind(' ') {
        Some(k) if head[k + 1..].chars().all(|c| c.is_ascii_alphabetic()) => {
            (k, Some(&head[k + 1..]))
        }
        _ => (head.len(), None),
    };
    let (a_start, a) = number_before(lower, from + a_num_end)?;
    let units: Vec<&str> = [a_unit, b_unit, c_unit].into_iter().flatten().collect();
    if units.iter().any(|u| stem(u) != stem(units[0])) || a_unit.is_some() != c_unit.is_some() {
        return None;
    }
    if !subject_alone(lower, a_start) || !tail_alone(lower, c_end) {
        return None;
    }
    if !asserted(lower, a_start, c_end) {
        return None;
    }
    let num = |n: &str| {
        if n.contains('.') {
            Expr::Decimal(n.to_string())
        } else {
            Expr::Int(n.to_string())
        }
    };
    let (c, b) = (Box::new(num(&c)), Box::new(b));
    let rhs = if more {
        Expr::Add(c, b)
    } else {
        Expr::Sub(c, b)
    };
    let end = c_end + c_unit.map_or(0, |u| 1 + u.len());
    Some(MathItem {
        source: text[a_start..end].to_string(),
        terms: vec![num(&a), rhs],
        rels: vec![Rel::Eq],
        modulus: None,
    })
}

/// B and its unit from the words between "is" and the cue: `["3"]`, `["3", "pounds"]`,
/// `["two"]`, `["half", "a", "pound"]`.
fn amount<'a>(words: &[&'a str]) -> Option<(Expr, Option<&'a str>)> {
    let unit = |w: Option<&&'a str>| -> Option<Option<&'a str>> {
        match w {
            None => Some(None),
            Some(u) if !u.is_empty() && u.chars().all(|c| c.is_ascii_alphabetic()) => {
                Some(Some(*u))
            }
            _ => None,
        }
    };
    match words {
        ["half", "a" | "an", rest @ ..] if rest.len() <= 1 => Some((
            Expr::Div(
                Box::new(Expr::Int("1".into())),
                Box::new(Expr::Int("2".into())),
            ),
            unit(rest.first())?,
        )),
        [n, rest @ ..] if rest.len() <= 1 => {
            let value = match NUMBER_WORDS.iter().find(|(w, _)| w == n) {
                Some((_, v)) => Expr::Int((*v).to_string()),
                None => {
                    let digits = number(n)?;
                    if digits.contains('.') {
                        Expr::Decimal(digits)
                    } else {
                        Expr::Int(digits)
                    }
                }
            };
            Some((value, unit(rest.first())?))
        }
        _ => None,
    }
}

/// The unit word right after a number, if any: (the word, where it ends).
fn unit_after(lower: &str, at: usize) -> (Option<&str>, usize) {
    let Some(rest) = lower[at..].strip_prefix(' ') else {
        return (None, at);
    };
    let len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let w = &rest[..len];
    // Only a unit: connectives and verbs after C end the statement.
    if len == 0 || NOT_UNITS.contains(&w) {
        return (None, at);
    }
    (Some(w), at + 1 + len)
}

/// Words after C that are not its unit.
const NOT_UNITS: &[&str] = &[
    "and", "or", "so", "but", "which", "that", "then", "thus", "hence", "because", "since", "is",
    "are", "was", "were", "in", "on", "at", "for", "to", "with", "by", "per", "we", "he", "she",
    "they", "it", "this", "the", "a", "an",
];

/// A unit word without a plural `s` (`pounds` → `pound`).
fn stem(u: &str) -> &str {
    u.strip_suffix('s').unwrap_or(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<(String, Vec<Expr>)> {
        difference_items(text, &text.to_ascii_lowercase())
            .into_iter()
            .map(|m| (m.source, m.terms))
            .collect()
    }

    #[test]
    fn differences_in_words() {
        let got = items(
            "Only whole toys, and 7.5 pounds is half a pound more than 15 pounds, so we stop.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "7.5 pounds is half a pound more than 15 pounds");
        let got = items("So 12 is two less than 14.");
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn other_shapes_make_no_item() {
        for t in [
            "So 12 is 2 less than 14 times 3.",
            "If 12 is 2 less than 14, we stop.",
            "The sum of 4 and 12 is 2 more than 14.",
            "So 12 pounds is 2 more than 10 ounces.",
            "Now 5 is less than 7.",
            "He has 5 more than 3 apples.",
        ] {
            assert!(items(t).is_empty(), "{t}: {:?}", items(t));
        }
    }
}
