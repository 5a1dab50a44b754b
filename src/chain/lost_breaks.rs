//! Two prose equations whose line break was lost (issue 9, olympiad recall): "Simplify the
//! equation: 40(1 + r + r^2) = 76(1 + r) 40 + 40r + 40r^2 = 76 + 76r Rearrange …". The run
//! reads as one `=`-chain whose middle term `76(1 + r) 40 + 40r + 40r^2` does not parse; cut at
//! the one space where both halves are relations, it is the two equations the author wrote on
//! two lines, the second a rewrite of the first.
//!
//! Only for a run that does not parse whole, only at a space between the end of a term (a
//! digit, a letter, `)`) and the start of one (a digit, a letter, `(`) that is not a number
//! written in groups of digits (`1 000`), and only when exactly one such space works.

use super::expr::parse_relation;

/// Most spaces tried in one run: each try parses both halves.
const MAX_TRIES: usize = 24;

/// Where to cut `run` (byte offset of a space) into two relations, or `None` when the run parses
/// whole, has fewer than two `=`, or no single cut gives two relations.
pub fn split_at(run: &str) -> Option<usize> {
    if run.matches('=').count() < 2 || parse_relation(&normalize(run)).is_some() {
        return None;
    }
    let first = run.find('=')?;
    let last = run.rfind('=')?;
    let mut found = None;
    let mut tries = 0;
    for (k, c) in run.char_indices().filter(|&(k, _)| k > first && k < last) {
        if !c.is_whitespace() {
            continue;
        }
        let (left, right) = (run[..k].trim_end(), run[k..].trim_start());
        let (Some(a), Some(b)) = (left.chars().last(), right.chars().next()) else {
            continue;
        };
        let ends_term = a.is_ascii_alphanumeric() || a == ')';
        let starts_term = b.is_ascii_alphanumeric() || b == '(';
        // `1 000`: digits in groups are one number.
        if !ends_term || !starts_term || (a.is_ascii_digit() && b.is_ascii_digit()) {
            continue;
        }
        if !left.contains('=') || !right.contains('=') {
            continue;
        }
        tries += 1;
        if tries > MAX_TRIES {
            return None;
        }
        if parse_relation(&normalize(left)).is_some() && parse_relation(&normalize(right)).is_some()
        {
            if found.is_some() {
                return None;
            }
            found = Some(k);
        }
    }
    found
}

fn normalize(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_line_break_is_found() {
        let run = "40(1 + r + r^2) = 76(1 + r) 40 + 40r + 40r^2 = 76 + 76r";
        let k = split_at(run).expect("cut");
        assert_eq!(run[..k].trim(), "40(1 + r + r^2) = 76(1 + r)");
        assert_eq!(run[k..].trim(), "40 + 40r + 40r^2 = 76 + 76r");
    }

    #[test]
    fn whole_runs_and_grouped_digits_are_kept() {
        assert_eq!(split_at("2x + 1 = 7 = 3 + 4"), None);
        assert_eq!(split_at("x = 1 000 = 10^3"), None);
        assert_eq!(split_at("x = 5"), None);
    }
}
