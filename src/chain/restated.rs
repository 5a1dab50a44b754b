//! A quantity named in words, given as a calculation at the end of one step and stated with its
//! value at the start of the next: `\[ \text{Total Score} = 50 + 80 + 60 \]`, then "Adding these
//! together: `\[ \text{Total Score} = 190 \]`" claims `50 + 80 + 60 = 190`.
//!
//! Grade-school solutions often leave a sum or product unevaluated at the end of a step and
//! give its value in the next one under the same name; [`super::items`] compares such a pair
//! inside one step (`Ctx::named_value`), this module across one step boundary. The rule is
//! narrow so that the two statements are surely the same quantity:
//! - the calculation is the last math of its step (nothing but punctuation after it), written
//!   `name = calculation` with a name in words (no digits, no lone letter) and a calculation in
//!   plain arithmetic (numbers, `+ − × ÷`, fractions, powers; no variables);
//! - the value is the first math of the next step, `name = value` with the same name (compared
//!   whole, case and spacing aside) and a number (a unit in `\text{…}` and `\$` are dropped);
//! - the prose before the value is short, has no digits and none of [`CHANGE_WORDS`]
//!   ("now", "new", "remaining", … say the quantity changed in between).

use super::expr::{parse_math, Expr};
use super::items::MAX_ITEMS_PER_STEP;
use super::systems::math_segments;
use super::text::{has_cue_word, MIN_STEM_BYTES};
use super::{Item, MathItem, Rel};

/// Longest prose read before the value in the next step, in characters: a linking phrase
/// ("Adding these together:", "Simplifying the equation, we get:") is short; longer prose may
/// change the quantity.
const MAX_LINK_CHARS: usize = 80;

/// Longest name read, in bytes (`\text{Number of students who like to play video games}`).
const MAX_NAME_BYTES: usize = 120;

/// Words in the prose before the value that say the quantity is not the one calculated
/// (it changed, or it is a different one with the same name).
const CHANGE_WORDS: &[&str] = &[
    "new",
    "now",
    "next",
    "after",
    "before",
    "instead",
    "suppose",
    "assume",
    "update",
    "remain",
    "left",
    "more",
    "less",
    "also",
    "another",
    "extra",
    "additional",
    "plus",
    "minus",
    "if",
    "case",
    "each",
    "per",
    "correct",
    "mistake",
    "error",
    "wrong",
    "recalculat",
    "actual",
];

/// Adds the cross-step restatement items to `items` (one list per step of `texts`).
pub fn add_chain_items<S: AsRef<str>>(texts: &[S], items: &mut [Vec<Item>]) {
    for k in 1..texts.len().min(items.len()) {
        let Some((name, calc, calc_src)) = trailing_calculation(texts[k - 1].as_ref()) else {
            continue;
        };
        let Some((value, rel, value_src)) = leading_value(texts[k].as_ref(), &name) else {
            continue;
        };
        if items[k].len() >= MAX_ITEMS_PER_STEP {
            continue;
        }
        items[k].push(Item::Math(MathItem {
            source: format!("{calc_src} … {value_src}"),
            terms: vec![calc, value],
            rels: vec![rel],
            modulus: None,
        }));
    }
}

/// The step's last math when it is `name = calculation` and nothing but punctuation follows
/// it: (the name's key, the calculation, the source).
fn trailing_calculation(text: &str) -> Option<(String, Expr, String)> {
    let segs = math_segments(text);
    let (_, body) = *segs.last()?;
    let end = body.as_ptr() as usize - text.as_ptr() as usize + body.len();
    let after = text[end..].trim_start_matches(['\\', ']', ')', '$']);
    if after
        .chars()
        .any(|c| c.is_alphanumeric() || c == '$' || c == '\\')
    {
        return None;
    }
    let (name, rhs, approx) = split_named(body)?;
    if approx {
        return None;
    }
    let calc = parse_math(rhs.trim())?;
    if !calc.vars().is_empty() || !plain_calculation(&calc) {
        return None;
    }
    Some((name, calc, body.trim().to_string()))
}

/// The step's first math when it is `name = value` for the given name key and the prose
/// before it only links the two: (the value, `Eq` or `Approx`, the source).
fn leading_value(text: &str, name: &str) -> Option<(Expr, Rel, String)> {
    let segs = math_segments(text);
    let &(before, body) = segs.first()?;
    if !links(before) {
        return None;
    }
    let (key, rhs, approx) = split_named(body)?;
    if key != name {
        return None;
    }
    let value = parse_math(&strip_unit(rhs))?;
    if !is_value(&value) {
        return None;
    }
    let rel = if approx { Rel::Approx } else { Rel::Eq };
    Some((value, rel, body.trim().to_string()))
}

/// `name = rhs` (or `name ≈ rhs`) with a name in words: (the name's key, `rhs`, written with
/// `≈`). The key is the name's words, lower-cased and joined by one space.
fn split_named(body: &str) -> Option<(String, &str, bool)> {
    let (pos, len, approx) = [("=", false), ("\\approx", true), ("≈", true)]
        .iter()
        .filter_map(|(s, a)| body.find(s).map(|p| (p, s.len(), *a)))
        .min_by_key(|t| t.0)?;
    let (lhs, rhs) = (&body[..pos], &body[pos + len..]);
    if lhs.len() > MAX_NAME_BYTES
        || rhs.contains(['=', '<', '>', '≈', '≤', '≥'])
        || rhs.contains("\\approx")
        || rhs.contains("\\le")
        || rhs.contains("\\ge")
    {
        return None;
    }
    Some((name_key(lhs)?, rhs, approx))
}

/// The words of a name (`\text{Total Score}`, `Total\ Score`, `Total cost`), lower-cased and
/// joined by one space; `None` when the left side is not only words (digits, operators, a lone
/// letter: a variable or an expression).
fn name_key(lhs: &str) -> Option<String> {
    let mut s = lhs.to_string();
    for cmd in ["\\text", "\\mathrm", "\\textbf", "\\textit", "\\mbox"] {
        s = s.replace(cmd, " ");
    }
    let s = s.replace("\\ ", " ").replace(['{', '}', '*'], " ");
    if !s
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '’')
    {
        return None;
    }
    let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
    let letters: usize = words.iter().map(|w| w.chars().count()).sum();
    (letters >= 3 && words.iter().any(|w| w.chars().count() >= 3)).then(|| words.join(" "))
}

/// Whether the prose before the value only links it to the calculation: short, no digits,
/// none of [`CHANGE_WORDS`].
fn links(before: &str) -> bool {
    let b = before.trim();
    if b.chars().count() > MAX_LINK_CHARS || b.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let lower = b.to_lowercase();
    !has_cue_word(&lower, CHANGE_WORDS, MIN_STEM_BYTES)
}

/// The value side without a trailing unit (`570 \text{ points}`) and dollar signs.
fn strip_unit(rhs: &str) -> String {
    let mut s = rhs.trim();
    for cmd in ["\\text{", "\\mathrm{", "\\mbox{"] {
        if let Some(p) = s.find(cmd) {
            if s[p..].ends_with('}') && !s[p + cmd.len()..s.len() - 1].contains(['{', '}']) {
                s = s[..p].trim_end();
            }
        }
    }
    s.replace("\\$", "")
        .replace('$', "")
        .trim()
        .trim_end_matches(['.', ','])
        .to_string()
}

/// A value as written: a number, possibly negative, or a fraction of two numbers.
fn is_value(e: &Expr) -> bool {
    match e {
        Expr::Div(a, b) => a.is_literal() && b.is_literal(),
        e => e.is_literal(),
    }
}

/// Most digits in an exponent of a named calculation (`5^{2}` is a calculation, `2^{100}` is
/// left to the other passes).
const MAX_EXPONENT_DIGITS: usize = 2;

/// A calculation in plain arithmetic with at least one operation (not a value).
fn plain_calculation(e: &Expr) -> bool {
    super::items::plain_arithmetic(e, MAX_EXPONENT_DIGITS) && !e.is_literal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items_of(steps: &[&str]) -> Vec<Vec<String>> {
        let mut items = vec![Vec::new(); steps.len()];
        add_chain_items(steps, &mut items);
        items
            .iter()
            .map(|s| {
                s.iter()
                    .map(|i| match i {
                        Item::Math(m) => m.source.clone(),
                        _ => String::new(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_calculation_then_its_value_in_the_next_step() {
        let got = items_of(&[
            "First add: \\[ \\text{Total Score} = 50 + 80 + 60 \\]",
            "Adding these together: \\[ \\text{Total Score} = 190 \\text{ points} \\]",
        ]);
        assert_eq!(got[1].len(), 1, "{got:?}");
        assert!(got[1][0].contains("50 + 80 + 60"), "{got:?}");
    }

    #[test]
    fn changed_or_different_quantities_make_no_item() {
        // The prose says the quantity changed.
        let got = items_of(&[
            "\\[ \\text{Total} = 5 + 3 \\]",
            "Now with the bonus: \\[ \\text{Total} = 20 \\]",
        ]);
        assert!(got[1].is_empty(), "{got:?}");
        // Another name; math after the calculation; a variable on the left.
        for (a, b) in [
            (
                "\\[ \\text{Cost} = 5 \\times 3 \\]",
                "So \\[ \\text{Total cost} = 15 \\]",
            ),
            (
                "\\[ \\text{Cost} = 5 \\times 3 \\] so \\(x = 2\\)",
                "\\[ \\text{Cost} = 16 \\]",
            ),
            ("\\[ x = 5 \\times 3 \\]", "So \\[ x = 16 \\]"),
            ("\\[ \\text{Cost} = 5x \\]", "So \\[ \\text{Cost} = 16 \\]"),
        ] {
            let got = items_of(&[a, b]);
            assert!(got[1].is_empty(), "{a} / {b}: {got:?}");
        }
    }
}
