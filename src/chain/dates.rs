//! Day counts between two calendar dates stated in a sentence: "From January 1st to July 18th,
//! there are 203 days" → `198 ≤ 203 ≤ 200` (refuted: no reading gives 203).
//!
//! The year is not known and people count both ways, so the claim is the range every reading
//! allows: from the days between the dates (the end day not counted) to that plus one (both
//! counted), plus one more when the span may hold February 29. Read only when the sentence
//! has exactly one span "Month D (to|until|till|through|and) Month D" in one year (the second
//! date after the first, real days of the month) and exactly one "N days"; a sentence that
//! lists several spans or counts ("13 days before … and 17 days after …") makes no item.

use super::expr::Expr;
use super::words::{asserted, number_before, operand_alone};
use super::{MathItem, Rel};

/// Month names and their lengths in a common year (February 29 is allowed as a day).
const MONTHS: [(&str, u32); 12] = [
    ("january", 31),
    ("february", 28),
    ("march", 31),
    ("april", 30),
    ("may", 31),
    ("june", 30),
    ("july", 31),
    ("august", 31),
    ("september", 30),
    ("october", 31),
    ("november", 30),
    ("december", 31),
];

/// Words between two dates that make them a span.
const SPAN_WORDS: &[&str] = &["to", "until", "till", "through", "and"];

/// Longest sentence read, in bytes: a day count and its span are one short sentence; the bound
/// keeps the per-sentence scans linear in the step.
const MAX_SENTENCE_BYTES: usize = 600;

/// The day-count items of one step (`lower`: its text ASCII-lower-cased, `text`: as written).
pub fn date_items(text: &str, lower: &str) -> Vec<MathItem> {
    let mut out = Vec::new();
    let mut start = 0;
    for (k, c) in lower.char_indices() {
        let end_here = c == '\n'
            || (matches!(c, '.' | '?' | '!')
                && lower[k + 1..].starts_with(|c: char| c.is_whitespace()));
        if end_here || k + c.len_utf8() == lower.len() {
            let end = k + c.len_utf8();
            if end - start <= MAX_SENTENCE_BYTES {
                out.extend(sentence_item(text, lower, start, end));
            }
            start = end;
        }
    }
    out
}

/// A word of a sentence: its byte range in the step.
type Word = (usize, usize);

/// The item of one sentence `start..end`, if it states one day count over one span.
fn sentence_item(text: &str, lower: &str, start: usize, end: usize) -> Option<MathItem> {
    let s = &lower[start..end];
    if !MONTHS.iter().any(|(m, _)| s.contains(m)) {
        return None;
    }
    let words: Vec<Word> = {
        let mut w = Vec::new();
        let mut from = None;
        for (k, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            match (c.is_ascii_alphanumeric(), from) {
                (true, None) => from = Some(k),
                (false, Some(f)) => {
                    w.push((start + f, start + k));
                    from = None;
                }
                _ => {}
            }
        }
        w
    };
    let word = |i: usize| &lower[words[i].0..words[i].1];
    // Spans: month day connector month day, with only spaces and commas between the words.
    let mut spans = Vec::new();
    for i in 0..words.len().saturating_sub(4) {
        let gaps_ok = (i..i + 4).all(|j| {
            lower[words[j].1..words[j + 1].0]
                .chars()
                .all(|c| c == ' ' || c == ',')
        });
        if !gaps_ok || !SPAN_WORDS.contains(&word(i + 2)) {
            continue;
        }
        if let (Some(a), Some(b)) = (
            day_of_year(word(i), word(i + 1)),
            day_of_year(word(i + 3), word(i + 4)),
        ) {
            spans.push((a, b, words[i].0, words[i + 4].1));
        }
    }
    // A calculation in the sentence ("31 days + 19 days = 50 days") is read by the other
    // passes, not as a statement of a count.
    if s.contains(['+', '*', '/', '×', '÷', '=', '<', '>']) {
        return None;
    }
    // Counts: every "N days"; the one count must be a whole number standing alone.
    let mut counts = Vec::new();
    for i in 1..words.len() {
        if matches!(word(i), "days" | "day")
            && word(i - 1).starts_with(|c: char| c.is_ascii_digit())
        {
            counts.push((i - 1, i));
        }
    }
    let ([(a, b, s0, s1)], [(ni, di)]) = (spans.as_slice(), counts.as_slice()) else {
        return None;
    };
    if lower[words[*ni].1..words[*di].0] != *" " {
        return None;
    }
    let (c0, n) = number_before(lower, words[*ni].1)?;
    let c1 = words[*di].1;
    if c0 > words[*ni].0 || n.contains('.') || !operand_alone(lower, c0) {
        return None;
    }
    let (first, last) = ((*s0).min(c0), (*s1).max(c1));
    if b.0 <= a.0 || !asserted(lower, first, last) {
        return None;
    }
    let between = b.0 - a.0;
    let leap = u32::from(a.1 && b.2);
    let int = |v: u32| Expr::Int(v.to_string());
    Some(MathItem {
        source: text[start..end].trim().to_string(),
        terms: vec![int(between), Expr::Int(n.clone()), int(between + 1 + leap)],
        rels: vec![Rel::Le, Rel::Le],
        modulus: None,
    })
}

/// `("july", "18th")` → the day's number in a common year (1 to 365), whether it comes before
/// any February 29 (January, February) and whether it comes after one (March on).
fn day_of_year(month: &str, day: &str) -> Option<(u32, bool, bool)> {
    let m = MONTHS.iter().position(|(name, _)| *name == month)?;
    let digits = day.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &day[digits.len()..];
    if digits.is_empty() || digits.len() > 2 || !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    let len = MONTHS[m].1 + u32::from(m == 1);
    if d == 0 || d > len || (m == 1 && d == 29) {
        return None;
    }
    let before: u32 = MONTHS[..m].iter().map(|(_, l)| l).sum();
    Some((before + d, m <= 1, m >= 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Vec<Expr>> {
        date_items(text, &text.to_ascii_lowercase())
            .into_iter()
            .map(|m| m.terms)
            .collect()
    }

    #[test]
    fn one_span_one_count() {
        let int = |v: &str| Expr::Int(v.into());
        assert_eq!(
            items("From January 1st to July 18th, there are 203 days. Then we add."),
            vec![vec![int("198"), int("203"), int("200")]]
        );
        assert_eq!(
            items("There are 9 days from July 23 to July 31."),
            vec![vec![int("8"), int("9"), int("9")]]
        );
    }

    #[test]
    fn lists_and_other_shapes_make_no_item() {
        for t in [
            "There are 13 days (from July 1 to July 13) and 17 days (from July 15 to July 31).",
            "July has 31 days, and from July 1 to July 13 there are 13 days.",
            "From July 31 to July 1 there are 30 days.",
            "From February 30 to March 2 there are 2 days.",
            "If from July 1 to July 13 there are 13 days, we stop.",
            "The number of days from July 23 to July 31 is 9.",
            "Between March 1st and April 19th: 31 days + 19 days = 50 days.",
            "Between March 1st and April 19th there are 31 days, 19 days later.",
        ] {
            assert!(items(t).is_empty(), "{t}: {:?}", items(t));
        }
    }
}
