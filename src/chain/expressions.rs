//! An expression rewritten in words (issue 9, olympiad recall): "\[ a^2+b^2+c^2+2ab+2bc+2ca \]
//! This can be rewritten as: \[ (a^2+b^2)+(c^2)+(ab+bc)+(ac+ca) \]", "\( k + (k+1) \), it
//! simplifies to \( 2k-1 \)", "\( (r+1)(s+1) \), which expands to \( rs + r + s + 1 \)". Two
//! math segments without a relation, the prose between them ending in a rewrite phrase
//! ([`REWRITE_PHRASES`]), claim that the two expressions are the same: `old ≡ new`
//! ([`Rel::Identical`]; the numeric checker refutes only a slip between polynomials with the
//! same monomials) when both have the same variables, `old = new` when neither has one.
//!
//! Letters that may be names (`Q(x)`, `AB`) or different variables on the two sides (`\frac{n-3}
//! {n-1}` "simplifies to" `\frac{even}{even}`) make no item.

use super::algebra::letters_are_names;
use super::expr::parse_relation;
use super::{MathItem, Rel};

/// Phrases that end the prose between two expressions when the second rewrites the first.
const REWRITE_PHRASES: &[&str] = &[
    "can be rewritten as",
    "can be written as",
    "rewritten as",
    "rewrite it as",
    "simplifies to",
    "simplified to",
    "simplify to",
    "expands to",
    "expanded to",
    "factors as",
    "factored as",
    "factors to",
    "reduces to",
];

/// Longest prose between the two expressions, in characters: the phrase and a few words.
const MAX_BETWEEN_CHARS: usize = 60;

/// Most math segments of one step looked at: bounds the work on hostile text.
const MAX_SEGMENTS: usize = 200;

/// The items of one step's expressions rewritten in words.
pub fn items(text: &str) -> Vec<MathItem> {
    let segs = segments(text);
    let mut out = Vec::new();
    for w in segs.windows(2) {
        let ((_, a_end, a), (b_start, _, b)) = (w[0], w[1]);
        if !rewrite_between(&text[a_end..b_start]) {
            continue;
        }
        if let Some(m) = claim(a, b) {
            out.push(m);
        }
    }
    out
}

/// `old ≡ new` (or `old = new` without variables) for two expressions without relations.
fn claim(a: &str, b: &str) -> Option<MathItem> {
    let (a, b) = (clean(a), clean(b));
    let has_rel = |s: &str| {
        s.contains(['=', '<', '>'])
            || ["\\le", "\\ge", "\\ne", "\\approx", "\\equiv", "\\sim"]
                .iter()
                .any(|c| s.contains(c))
    };
    if has_rel(&a) || has_rel(&b) || letters_are_names(&a) || letters_are_names(&b) {
        return None;
    }
    // Parsed as one relation so that both sides are read the same way.
    let r = parse_relation(&format!("{a} = {b}"))?;
    if r.terms.len() != 2 || r.modulus.is_some() {
        return None;
    }
    let (va, vb) = (r.terms[0].vars(), r.terms[1].vars());
    // `r`, then "is written as" `1 + \frac{1}{1 + r}`: a lone letter is named, not rewritten.
    if va != vb || r.terms.iter().any(super::expr::Expr::is_lone_var) {
        return None;
    }
    let rel = if va.is_empty() {
        Rel::Eq
    } else {
        Rel::Identical
    };
    Some(MathItem {
        source: format!("{a} ⇒ {b}"),
        terms: r.terms,
        rels: vec![rel],
        modulus: None,
    })
}

/// A segment's math without trailing punctuation.
fn clean(s: &str) -> String {
    s.trim()
        .trim_end_matches(['.', ',', ';', ':'])
        .trim()
        .to_string()
}

/// Whether the prose between two segments ends in a rewrite phrase (a colon after it allowed)
/// and is short.
fn rewrite_between(between: &str) -> bool {
    if between.chars().count() > MAX_BETWEEN_CHARS {
        return false;
    }
    let b = between
        .trim()
        .trim_end_matches(':')
        .trim_end()
        .to_lowercase();
    REWRITE_PHRASES.iter().any(|p| b.ends_with(p))
}

/// Math segments `\[…\]`, `$$…$$`, `\(…\)`, `$…$` in order: (start, end, content).
fn segments(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() && out.len() < MAX_SEGMENTS {
        let rest = &text[i..];
        let delims = if rest.starts_with("$$") {
            Some(("$$", "$$"))
        } else if rest.starts_with("\\[") {
            Some(("\\[", "\\]"))
        } else if rest.starts_with("\\(") {
            Some(("\\(", "\\)"))
        } else if rest.starts_with('$') && !(i > 0 && text.as_bytes()[i - 1] == b'\\') {
            Some(("$", "$"))
        } else {
            None
        };
        let Some((open, close)) = delims else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let Some(e) = rest[open.len()..].find(close) else {
            break;
        };
        let end = i + open.len() + e + close.len();
        out.push((i, end, &rest[open.len()..open.len() + e]));
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewritten_expressions_are_claims() {
        let m = items("so \\( k + (k+1) \\), it simplifies to \\( 2k-1 \\).");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].rels, vec![Rel::Identical]);
        let m = items("\\[ 3 \\cdot 4 + 1 \\] This can be rewritten as: \\[ 13 \\]");
        assert_eq!(m[0].rels, vec![Rel::Eq]);
    }

    #[test]
    fn other_prose_names_and_new_letters_are_not() {
        assert!(items("\\( x + 1 \\) and then \\( 2x \\)").is_empty());
        assert!(items("\\( Q(x) \\) can be written as \\( x^2 \\)").is_empty());
        assert!(
            items("\\( \\frac{n-3}{n-1} \\) simplifies to \\( \\frac{even}{even} \\)").is_empty()
        );
        assert!(items("\\( x = 1 \\) simplifies to \\( x + 1 \\)").is_empty());
        assert!(items("\\( r \\) can be written as \\( 1 + \\frac{1}{1 + r} \\)").is_empty());
    }
}
