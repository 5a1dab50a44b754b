//! Perfect squares and cubes stated in words (issue 9, olympiad recall): "\( d(24) = 8 \),
//! which is a perfect square", "49 is a perfect square", "50 is not a perfect square" →
//! `⌊√8⌋^2 = 8` (refuted: it is 4), `⌊√49⌋^2 = 49`, `⌊√50⌋^2 ≠ 50`; cubes with `⌊∛N⌋^3`.
//!
//! Only a whole-number literal standing alone before the cue is read: at the start of the
//! sentence or its math, or the value after an `=` (`d(24) = 8`), never an operand (`6^2 is a
//! perfect square`, `9 \cdot 1 + 7`) or a name. A statement in a trial or a question ("check if
//! 16 is a perfect square", "if …", "?"), or in a sentence that calls something false, makes no
//! item.

use super::expr::{Expr, Func};
use super::{MathItem, Rel};

/// The cues and the power each one claims.
const CUES: &[(&str, u32)] = &[("a perfect square", 2), ("a perfect cube", 3)];

/// Words before the statement in its clause that make it a condition, beyond those every
/// statement in words has ([`super::words::asserted`]): "for 8 to be a perfect square".
const CONDITION_WORDS: &[&str] = &["for"];

/// Words right before the number that make it part of a longer subject ("the sum of 4 and
/// 27 is …", "both 9 and 16 …").
const SUBJECT_JOINERS: &[&str] = &[
    "and", "or", "nor", "both", "either", "neither", "of", "than", "by", "times", "plus", "minus",
    "from", "to", "with", "over",
];

/// Most digits of a number read: a square of a bigger one is not written in words.
const MAX_DIGITS: usize = 18;

/// Longest part of a sentence looked at before and after a statement, in bytes (keeps the scan
/// linear: the words that make it a trial are close to it).
const MAX_CLAUSE_BYTES: usize = 300;

/// The perfect-power statements of one step.
pub fn square_items(text: &str) -> Vec<MathItem> {
    // ASCII lower-casing keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for &(cue, power) in CUES {
        let mut from = 0;
        while let Some(p) = lower[from..].find(cue).map(|p| p + from) {
            from = p + cue.len();
            if let Some(m) = statement_at(text, &lower, p, power) {
                out.push(m);
            }
        }
    }
    out
}

/// The statement whose cue starts at byte `cue`.
fn statement_at(text: &str, lower: &str, cue: usize, power: u32) -> Option<MathItem> {
    // "N is [not]", "N, which is [not]", "N \), which is [not]".
    let pre = lower[..cue].trim_end();
    let (pre, negated) = match pre.strip_suffix(" not") {
        Some(p) => (p, true),
        None => (pre, false),
    };
    let pre = pre.strip_suffix(" is")?.trim_end();
    let pre = pre
        .strip_suffix(", which")
        .or_else(|| pre.strip_suffix(" which"))
        .map_or(pre, |p| p.trim_end_matches(',').trim_end());
    // Closing math delimiters and spaces between the number and the words.
    let pre = pre
        .trim_end_matches([' ', '$'])
        .trim_end_matches("\\)")
        .trim_end_matches([' ', ',']);
    let digits = pre.len() - pre.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > MAX_DIGITS {
        return None;
    }
    let n_start = pre.len() - digits;
    let n = &pre[n_start..];
    if !stands_alone(&pre[..n_start]) || !asserted(lower, n_start, cue) {
        return None;
    }
    let n_expr = Expr::Int(n.to_string());
    let root = match power {
        2 => Expr::Func(Func::Sqrt, vec![n_expr.clone()]),
        p => Expr::Func(Func::Root, vec![Expr::Int(p.to_string()), n_expr.clone()]),
    };
    let floor = Expr::Func(Func::Floor, vec![root]);
    let end = cue + CUES.iter().find(|c| c.1 == power).map_or(0, |c| c.0.len());
    Some(MathItem {
        source: text[n_start..end].to_string(),
        terms: vec![
            Expr::Pow(Box::new(floor), Box::new(Expr::Int(power.to_string()))),
            n_expr,
        ],
        rels: vec![if negated { Rel::Ne } else { Rel::Eq }],
        modulus: None,
    })
}

/// Whether the text before a number leaves it standing alone: the start of the text, of a
/// sentence or of inline math, a space after a word, or an `=` (the number is a value).
fn stands_alone(before: &str) -> bool {
    let b = before.trim_end_matches(' ');
    if b.is_empty() || b.ends_with(['=', ':', '.', '\n']) {
        return true;
    }
    if b.ends_with("\\(") || b.ends_with('$') {
        return true;
    }
    // A word: letters only, not `\cdot`, a one-letter name or a joiner of a longer subject.
    let word = b
        .rsplit(|c: char| !(c.is_ascii_alphabetic() || c == '\\'))
        .next()
        .unwrap_or("");
    before.ends_with(' ')
        && b.ends_with(|c: char| c.is_ascii_alphabetic())
        && !word.starts_with('\\')
        && word.len() > 1
        && !SUBJECT_JOINERS.contains(&word)
}

/// The sentence around `start..end` asserts the statement ([`super::words::asserted`]: no
/// trial or question or denial), and its clause has no [`CONDITION_WORDS`] before it.
fn asserted(lower: &str, start: usize, end: usize) -> bool {
    let mut window = start.saturating_sub(MAX_CLAUSE_BYTES);
    while !lower.is_char_boundary(window) {
        window += 1;
    }
    let clause = lower[window..start]
        .rsplit(['.', '\n', '?', '!', ';', ':'])
        .next()
        .unwrap_or("");
    super::words::asserted(lower, start, end)
        && !clause
            .split(|c: char| !c.is_ascii_alphabetic())
            .any(|w| CONDITION_WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<String> {
        square_items(text).into_iter().map(|m| m.source).collect()
    }

    #[test]
    fn values_stated_as_squares_are_read() {
        assert_eq!(
            sources("- \\( d(24) = 8 \\), which is a perfect square."),
            vec!["8 \\), which is a perfect square"]
        );
        assert_eq!(
            sources("Since 49 is a perfect square, we stop."),
            vec!["49 is a perfect square"]
        );
        let m = square_items("So 50 is not a perfect square.");
        assert_eq!(m[0].rels, vec![Rel::Ne]);
        assert_eq!(
            sources("So 27 is a perfect cube"),
            vec!["27 is a perfect cube"]
        );
        assert!(sources("the sum of 9 and 27 is a perfect square").is_empty());
    }

    #[test]
    fn operands_trials_and_names_are_not() {
        assert!(sources("Check if 16 is a perfect square.").is_empty());
        assert!(sources("\\( 6^2 \\) is a perfect square").is_empty());
        assert!(sources("\\( 9 \\cdot 1 + 7 \\) is a perfect square").is_empty());
        assert!(sources("the term a_2 is a perfect square").is_empty());
        assert!(sources("Is 36 a perfect square?").is_empty());
        assert!(sources("For 36 is a perfect square").is_empty());
    }
}
