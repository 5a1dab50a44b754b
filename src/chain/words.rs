//! Claims about numbers that grade-school solutions state in words, read into math items:
//!
//! - divisibility: "54 is not divisible by 9" → `54 mod 9 ≠ 0` (refuted: both are 0), "27 is
//!   divisible by 9", "98 is a multiple of 7" → `… mod … = 0`;
//! - a value restated in parentheses with the same unit: "0.0056 kb/s (or 5.6 kb/s)" →
//!   `0.0056 = 5.6` (`≈` after "about");
//! - day counts between calendar dates ([`super::dates`]);
//! - differences in words, "7.5 pounds is half a pound more than 15 pounds"
//!   ([`super::differences`]).
//!
//! Only whole statements between literal numbers are read, and only when the sentence asserts
//! them: a statement after "if", "whether", "check", … (see [`TRIAL_WORDS`]), in a question, in
//! a sentence that calls something false ([`DENIAL_WORDS`]), or next to an operator or a list
//! ("12 + 54 is …", "divisible by 3 and 5") makes no item. The step's own LaTeX and prose
//! arithmetic is read by [`super::items`]; this pass only adds items.

use super::expr::Expr;
use super::{MathItem, Rel};

/// Words before a statement, in its sentence, that make it a question or a trial rather than a
/// claim ("check if 98730 is divisible by 7", "whether 54 is divisible by 4").
const TRIAL_WORDS: &[&str] = &[
    "if",
    "whether",
    "check",
    "checking",
    "verify",
    "test",
    "testing",
    "determine",
    "need",
    "needs",
    "must",
    "should",
    "suppose",
    "assume",
    "assuming",
    "unless",
    "until",
    "when",
    "would",
    "could",
    "might",
    "ensure",
    "sure",
    "want",
    "try",
    "trying",
    "ask",
    "asks",
    "asked",
    "question",
    "is it",
];

/// Words in a statement's sentence that say something in it is false.
const DENIAL_WORDS: &[&str] = &[
    "not true",
    "false",
    "incorrect",
    "wrong",
    "mistake",
    "error",
    "contradict",
];

/// Words right before a statement's first number that make the number part of a longer
/// subject ("both 12 and 18 are …", "neither 5 nor 54 is …", "the sum of 4 and 54 is …").
const SUBJECT_JOINERS: &[&str] = &[
    "and", "or", "nor", "both", "either", "neither", "of", "than", "by", "times", "plus", "minus",
    "from", "to",
];

/// Words right after a statement's last number that make it part of a longer expression or
/// list ("divisible by 3 and 5", "by 3 squared").
const TAIL_JOINERS: &[&str] = &[
    "and", "or", "nor", "times", "squared", "cubed", "of", "plus", "minus", "x", "percent",
];

/// Longest sentence prefix read before a statement, in bytes: the words that make it a trial
/// are close to it, and the bound keeps the scan linear.
const MAX_CLAUSE_BYTES: usize = 300;

/// Most digits in a number read here: longer runs are left to the other passes.
const MAX_DIGITS: usize = 30;

/// The word-statement items of one step, in order of kind.
pub fn word_items(text: &str) -> Vec<MathItem> {
    // ASCII lower-casing keeps byte offsets, so slices of `lower` index `text` too.
    let lower = text.to_ascii_lowercase();
    let mut out = divisibility(text, &lower);
    out.extend(restatements(text, &lower));
    out.extend(super::dates::date_items(text, &lower));
    out.extend(super::differences::difference_items(text, &lower));
    out
}

/// "N is (not) (evenly) divisible (evenly) by M", "N isn't divisible by M", "N is (not) a
/// multiple of M".
fn divisibility(text: &str, lower: &str) -> Vec<MathItem> {
    let mut out = Vec::new();
    for (cue, tail) in [("divisible", true), ("a multiple of", false)] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(cue).map(|p| p + from) {
            from = p + cue.len();
            if let Some(m) = divisibility_at(text, lower, p, p + cue.len(), tail) {
                out.push(m);
            }
        }
    }
    out
}

/// The divisibility statement whose cue spans `start..end`; `by`: the divisor follows "by".
fn divisibility_at(
    text: &str,
    lower: &str,
    start: usize,
    end: usize,
    by: bool,
) -> Option<MathItem> {
    // Before the cue: "N is [not] [evenly]" or "N isn't [evenly]".
    let mut pre = lower[..start].trim_end();
    for adv in ["evenly", "exactly"] {
        pre = pre.strip_suffix(adv).unwrap_or(pre).trim_end();
    }
    let (pre, negated) = if let Some(p) = pre.strip_suffix("isn't") {
        (p, true)
    } else if let Some(p) = pre.strip_suffix("is not") {
        (p, true)
    } else {
        (pre.strip_suffix("is")?, false)
    };
    if !pre.ends_with(' ') {
        return None;
    }
    let (n_start, n) = number_before(lower, pre.trim_end().len())?;
    // After the cue: "[evenly] by M" (or M right after "a multiple of").
    let mut post = &lower[end..];
    if by {
        post = post.trim_start();
        for adv in ["evenly", "exactly"] {
            post = post.strip_prefix(adv).unwrap_or(post).trim_start();
        }
        post = post.strip_prefix("by")?;
    }
    if !post.starts_with(' ') {
        return None;
    }
    let m_at = lower.len() - post.trim_start().len();
    let (m_end, m) = number_after(lower, m_at)?;
    if n.contains('.') || m.contains('.') || m.trim_start_matches('0').is_empty() {
        return None;
    }
    if !asserted(lower, n_start, m_end)
        || !subject_alone(lower, n_start)
        || !tail_alone(lower, m_end)
    {
        return None;
    }
    let rel = if negated { Rel::Ne } else { Rel::Eq };
    Some(MathItem {
        source: text[n_start..m_end].to_string(),
        terms: vec![
            Expr::Mod(Box::new(Expr::Int(n)), Box::new(Expr::Int(m))),
            Expr::Int("0".into()),
        ],
        rels: vec![rel],
        modulus: None,
    })
}

/// "A unit (or B unit)" with the same unit: the two numbers are the same value.
fn restatements(text: &str, lower: &str) -> Vec<MathItem> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = lower[from..].find("(or ").map(|p| p + from) {
        from = p + 4;
        let mut inner = &lower[p + 4..];
        let mut approx = false;
        for w in ["about ", "approximately ", "roughly ", "around "] {
            if let Some(r) = inner.strip_prefix(w) {
                inner = r;
                approx = true;
            }
        }
        let b_at = lower.len() - inner.len();
        let Some((b_end, b)) = number_after(lower, b_at) else {
            continue;
        };
        let Some((unit_b, close)) = unit_at(lower, b_end) else {
            continue;
        };
        if !lower[close..].starts_with(')') {
            continue;
        }
        // Before the parenthesis: "A unit ".
        let before = lower[..p].trim_end();
        let Some(unit_a_start) = before.rfind(' ').map(|s| s + 1) else {
            continue;
        };
        let unit_a = &before[unit_a_start..];
        if unit_a != unit_b {
            continue;
        }
        let Some((a_start, a)) = number_before(lower, lower[..unit_a_start].trim_end().len())
        else {
            continue;
        };
        if !operand_alone(lower, a_start) || !asserted(lower, a_start, close) {
            continue;
        }
        out.push(MathItem {
            source: text[a_start..=close].to_string(),
            terms: vec![literal(&a), literal(&b)],
            rels: vec![if approx { Rel::Approx } else { Rel::Eq }],
            modulus: None,
        });
    }
    out
}

/// A unit word right after a number (one space, then letters and `/`): (the unit, where it
/// ends).
fn unit_at(lower: &str, at: usize) -> Option<(&str, usize)> {
    let rest = lower[at..].strip_prefix(' ')?;
    let start = lower.len() - rest.len();
    let len = rest
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '/'))
        .unwrap_or(rest.len());
    let unit = &rest[..len];
    (unit.chars().filter(char::is_ascii_alphabetic).count() >= 1 && !unit.starts_with('/'))
        .then_some((unit, start + len))
}

/// An integer or decimal literal from digits as written (commas removed).
fn literal(n: &str) -> Expr {
    if n.contains('.') {
        Expr::Decimal(n.to_string())
    } else {
        Expr::Int(n.to_string())
    }
}

/// The number ending at byte `end` (`1,000`, `0.25`), with `$` signs before it skipped:
/// (where it starts, its digits without separators). `None` when the run is not one number or
/// is glued to other text.
pub(super) fn number_before(lower: &str, end: usize) -> Option<(usize, String)> {
    let b = lower.as_bytes();
    let mut s = end;
    while s > 0 && (b[s - 1].is_ascii_digit() || b[s - 1] == b',' || b[s - 1] == b'.') {
        s -= 1;
    }
    let start = s;
    number(&lower[start..end]).map(|n| (start, n))
}

/// The number starting at byte `at` (after `$` signs): (where it ends, its digits).
pub(super) fn number_after(lower: &str, at: usize) -> Option<(usize, String)> {
    let b = lower.as_bytes();
    let at = at + lower[at..].len() - lower[at..].trim_start_matches('$').len();
    let mut e = at;
    while e < b.len() && (b[e].is_ascii_digit() || b[e] == b',' || b[e] == b'.') {
        e += 1;
    }
    // A sentence's full stop or a list's comma after the number is no part of it.
    while e > at && (b[e - 1] == b'.' || b[e - 1] == b',') {
        e -= 1;
    }
    number(&lower[at..e]).map(|n| (e, n))
}

/// `1,000` → `1000`, `0.25` → `0.25`; `None` unless digits with well-placed thousands commas
/// and at most one point, within [`MAX_DIGITS`].
pub(super) fn number(run: &str) -> Option<String> {
    if run.is_empty() || run.len() > MAX_DIGITS || !run.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !run.ends_with(|c: char| c.is_ascii_digit()) || run.matches('.').count() > 1 {
        return None;
    }
    let (whole, frac) = run.split_once('.').unwrap_or((run, ""));
    if frac.contains(',') {
        return None;
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped {
        return None;
    }
    Some(run.replace(',', ""))
}

/// The claims a statement-in-words reader finds at each occurrence of `cue` in `lower` (the
/// step's ASCII-lower-cased text), in order, at most `max`: `claim(at)` reads the statement
/// whose cue starts at byte `at`, and it counts only when its sentence asserts it
/// ([`asserted`] over the cue).
pub(super) fn claims_at_cues<T>(
    lower: &str,
    cue: &str,
    max: usize,
    mut claim: impl FnMut(usize) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = lower[from..].find(cue) {
        let at = from + p;
        from = at + cue.len();
        if let Some(c) = claim(at).filter(|_| asserted(lower, at, from)) {
            out.push(c);
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

/// The sentence around `start..end` asserts it: no [`TRIAL_WORDS`] before it in its sentence,
/// no `?` after it in its sentence, no [`DENIAL_WORDS`] in it.
pub(super) fn asserted(lower: &str, start: usize, end: usize) -> bool {
    let mut from = start.saturating_sub(MAX_CLAUSE_BYTES);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    let head = &lower[from..start];
    let head = head
        .rfind([';', '?', '!', '\n'])
        .into_iter()
        .chain(head.rfind(". "))
        .max()
        .map_or(head, |k| &head[k + 1..]);
    let mut to = (end + MAX_CLAUSE_BYTES).min(lower.len());
    while !lower.is_char_boundary(to) {
        to -= 1;
    }
    let tail = &lower[end..to];
    let tail = [tail.find(". "), tail.find(".\n"), tail.find('\n')]
        .into_iter()
        .flatten()
        .min()
        .map_or(tail, |k| &tail[..k]);
    let words: Vec<&str> = head
        .split(|c: char| !(c.is_alphabetic() || c == '\''))
        .collect();
    let trial = TRIAL_WORDS.iter().any(|w| {
        if w.contains(' ') {
            head.contains(w)
        } else {
            words.contains(w)
        }
    });
    let sentence = format!("{head} {tail}");
    !trial && !tail.contains('?') && !DENIAL_WORDS.iter().any(|w| sentence.contains(w))
}

/// The statement's first number stands alone: not after an operator, a digit or markup, nor
/// after a word that joins it to more ([`SUBJECT_JOINERS`]); "and"/"or" after a comma start a
/// new clause (", and 7.5 pounds is …").
pub(super) fn subject_alone(lower: &str, start: usize) -> bool {
    operand_alone(lower, start) && {
        let before = lower[..start].trim_end();
        let k = before
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |k| k + 1);
        let w = &before[k..];
        let clause = matches!(w, "and" | "or") && before[..k].trim_end().ends_with(',');
        clause || !SUBJECT_JOINERS.contains(&w)
    }
}

/// The number at `start` is not an operand of an operator or markup before it.
pub(super) fn operand_alone(lower: &str, start: usize) -> bool {
    let before = lower[..start].trim_end_matches('$').trim_end();
    !before.ends_with(|c: char| c.is_ascii_digit() || "+-*/×÷^·)}{\\%<>".contains(c))
}

/// The statement's last number ends it: not followed by an operator, a digit, a `%`, or a word
/// that continues it ([`TAIL_JOINERS`]).
pub(super) fn tail_alone(lower: &str, end: usize) -> bool {
    let after = lower[end..].trim_start();
    if after.starts_with(|c: char| c.is_ascii_digit() || "+-*/×÷^·%(\\{".contains(c)) {
        return false;
    }
    if after.starts_with(',')
        && after[1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return false;
    }
    let w = &after[..after
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(after.len())];
    !TAIL_JOINERS.contains(&w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<(String, Rel)> {
        word_items(text)
            .into_iter()
            .map(|m| (m.source, m.rels[0]))
            .collect()
    }

    #[test]
    fn divisibility_statements() {
        assert_eq!(
            sources("So 54 is not divisible evenly by 9 here."),
            vec![("54 is not divisible evenly by 9".into(), Rel::Ne)]
        );
        assert_eq!(
            sources("Since 1,024 is divisible by 4, we stop."),
            vec![("1,024 is divisible by 4".into(), Rel::Eq)]
        );
        assert_eq!(
            sources("Also 98 is a multiple of 7."),
            vec![("98 is a multiple of 7".into(), Rel::Eq)]
        );
    }

    #[test]
    fn trials_questions_and_compounds_are_not_claims() {
        for t in [
            "Now we need to check if 98730 is divisible by 7.",
            "Is 54 divisible by 9?",
            "We test whether 54 is divisible by 4.",
            "Both 12 and 18 is divisible by 6.",
            "Then 2 + 54 is divisible by 8.",
            "So 54 is divisible by 3 and 5.",
            "It is false that 54 is divisible by 4.",
            "So 54 is divisible by 3^2.",
            "5.4 is divisible by 2.",
        ] {
            assert!(sources(t).is_empty(), "{t}: {:?}", sources(t));
        }
    }

    #[test]
    fn restated_values() {
        assert_eq!(
            sources("That is 0.0056 kb/s (or 5.6 kb/s) per second."),
            vec![("0.0056 kb/s (or 5.6 kb/s)".into(), Rel::Eq)]
        );
        assert_eq!(
            sources("It costs $2.50 dollars (or about 2.5 dollars)."),
            vec![("2.50 dollars (or about 2.5 dollars)".into(), Rel::Approx)]
        );
        // Other units, other shapes: nothing.
        for t in [
            "It takes 2 hours (or 120 minutes).",
            "He needs 3 boxes (or 4 boxes if one breaks).",
            "That is 2 + 3 hours (or 5 hours).",
        ] {
            assert!(sources(t).is_empty(), "{t}: {:?}", sources(t));
        }
    }
}
