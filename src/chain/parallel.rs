//! Two relations rewritten side by side (issue 9, olympiad recall): "…: \(5a + 75 < 9a\) and
//! \(7a < 4a + 60\). Subtract \(5a\) from both sides of the first inequality, and subtract
//! \(4a\) from both sides of the second: \(75 < 4a\) and \(3a < 60\). Divide …: \(18.75 < a\)
//! and \(20 < a\)." Each group lists relations joined by "and"; the next group, after prose
//! that says it rewrites them, holds as many, and the i-th of one is rewritten into the i-th of
//! the next. The pairs go to [`Rewrites`] one at a time, so they are read by the same rules as
//! any linked pair (one variable for inequalities, never after a solved form, kept sides).
//!
//! The step's own reading links neighbouring segments only; between groups it sees "and" and
//! links nothing, so these pairs are new items, never a second reading of one.

use super::algebra::Rewrites;
use super::expr::parse_relation;
use super::text::has_cue_word;
use super::MathItem;

/// Longest prose (in characters) between two groups that can still say "rewrite both": the
/// operations on each relation are spelled out ("subtract 5a from both sides of the first
/// inequality, and subtract 4a from both sides of the second inequality:").
const MAX_BETWEEN_CHARS: usize = 240;

/// Most relations in one group: a pair or a few side by side; more is a list of facts.
const MAX_GROUP: usize = 4;

/// Most inline math segments of one step looked at: bounds the work on hostile text.
const MAX_SEGMENTS: usize = 200;

/// Word stems in the prose between two groups that say the second rewrites the first.
const REWRITE_WORDS: &[&str] = &[
    "simplif", "expand", "subtract", "divid", "multipl", "rearrang", "add", "adding", "gives",
    "get", "obtain", "yield", "becom", "reduc", "isolat",
];

/// Words that make the next group new facts, not the rewritten ones.
const NEW_FACT_WORDS: &[&str] = &[
    "substitut",
    "plug",
    "if",
    "or",
    "where",
    "when",
    "let",
    "case",
    "cases",
    "check",
    "try",
    "suppose",
    "assume",
    "also",
    "other",
    "another",
    "solutions",
    "roots",
];

/// An inline math segment: its byte span in the step (delimiters included) and its content.
struct Segment<'a> {
    start: usize,
    end: usize,
    math: &'a str,
}

/// The items the side-by-side rewrites of `text` (one step) claim.
pub fn items(text: &str) -> Vec<MathItem> {
    let segs = inline_segments(text);
    let groups = groups(text, &segs);
    let mut out = Vec::new();
    for w in groups.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if a.len() != b.len()
            || !rewrite_between(&text[segs[*a.last().unwrap_or(&0)].end..segs[b[0]].start])
        {
            continue;
        }
        for (&i, &j) in a.iter().zip(b.iter()) {
            let (Some(p), Some(c)) = (parse_relation(segs[i].math), parse_relation(segs[j].math))
            else {
                continue;
            };
            let mut rw = Rewrites::default();
            rw.offer_all(&p.terms, &p.rels, segs[i].math.trim(), false);
            out.extend(rw.offer_all(&c.terms, &c.rels, segs[j].math.trim(), true));
        }
    }
    out
}

/// Inline segments `$…$` and `\(…\)` in order (displays are not side-by-side lists).
fn inline_segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() && out.len() < MAX_SEGMENTS {
        let rest = &text[i..];
        let (open, close) = if let Some(display) = rest.strip_prefix("$$") {
            // A display: skip it whole.
            match display.find("$$") {
                Some(e) => {
                    i += 2 + e + 2;
                    continue;
                }
                None => break,
            }
        } else if rest.starts_with('$') && !(i > 0 && text.as_bytes()[i - 1] == b'\\') {
            ("$", "$")
        } else if rest.starts_with("\\(") {
            ("\\(", "\\)")
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let Some(e) = rest[open.len()..].find(close) else {
            break;
        };
        let math = &rest[open.len()..open.len() + e];
        let end = i + open.len() + e + close.len();
        out.push(Segment {
            start: i,
            end,
            math,
        });
        i = end;
    }
    out
}

/// Whether a segment states a relation (segments without one, `\(5a\)`, are read as prose).
fn is_relation(math: &str) -> bool {
    math.contains(['=', '<', '>'])
        || ["\\le", "\\ge", "\\ne", "\\lt", "\\gt"]
            .iter()
            .any(|c| math.contains(c))
}

/// Groups of two or more relation segments joined by "and" (indices into `segs`).
fn groups(text: &str, segs: &[Segment]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut last: Option<usize> = None;
    for (k, s) in segs.iter().enumerate() {
        if !is_relation(s.math) {
            continue;
        }
        let joined = last.is_some_and(|l| {
            let between = text[segs[l].end..s.start].trim().trim_start_matches(',');
            between.trim() == "and" && segs[l + 1..k].is_empty()
        });
        if !joined {
            if (2..=MAX_GROUP).contains(&cur.len()) {
                out.push(std::mem::take(&mut cur));
            }
            cur.clear();
        }
        cur.push(k);
        last = Some(k);
    }
    if (2..=MAX_GROUP).contains(&cur.len()) {
        out.push(cur);
    }
    out
}

/// Whether the prose between two groups (inline math without relations included) says the
/// second group rewrites the first: short, one sentence, a [`REWRITE_WORDS`] word, none of
/// [`NEW_FACT_WORDS`].
fn rewrite_between(between: &str) -> bool {
    // The sentence before ends where the prose starts: ". Expand and simplify: ".
    let between = between.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ','));
    if between.chars().count() > MAX_BETWEEN_CHARS || between.contains(['.', '\n', ';', '?']) {
        return false;
    }
    let lower = between.to_lowercase();
    // Stems from four letters: `plug` must match "plugging".
    let has = |list: &[&str]| has_cue_word(&lower, list, 4);
    has(REWRITE_WORDS) && !has(NEW_FACT_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: &str = "Expand: $5(a + 15) < 9a$ and $7a < 4(a + 15)$. Expand and simplify the \
        inequalities: $5a + 75 < 9a$ and $7a < 4a + 60$. Subtract $5a$ from both sides of the \
        first inequality, and subtract $4a$ from both sides of the second inequality: $75 < 4a$ \
        and $3a < 60$";

    #[test]
    fn groups_pair_one_to_one() {
        let items = items(STEP);
        let sources: Vec<&str> = items.iter().map(|m| m.source.as_str()).collect();
        assert!(
            sources.contains(&"5(a + 15) < 9a ⇒ 5a + 75 < 9a"),
            "{sources:?}"
        );
        assert!(sources.contains(&"7a < 4a + 60 ⇒ 3a < 60"), "{sources:?}");
        assert!(
            !sources.iter().any(|s| s.contains("9a ⇒ 7a")),
            "{sources:?}"
        );
    }

    #[test]
    fn prose_that_brings_new_facts_pairs_nothing() {
        let step = "$x + 1 = 3$ and $x - 1 = 5$. If we substitute, $x = 2$ and $x = 6$";
        assert!(items(step).is_empty());
        // Groups of different sizes are not matched.
        let step = "$x + 1 = 3$ and $2x = 4$. Simplifying: $x = 2$";
        assert!(items(step).is_empty());
    }
}
