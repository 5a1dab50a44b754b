//! "The prime factorization of \(K = 20812\) is \(2^2 \cdot 13 \cdot 401\)": a number and its
//! factorization in two math pieces joined by prose. The claim `20812 = 2^2 \cdot 13 \cdot 401`
//! is written in words, so neither piece alone makes an item; this module reads the phrase.
//!
//! Read only in the one shape: "factorization of" N "is" (optionally "given by", a colon) P,
//! where N is a number (bare, or the last side of an inline relation `K = 20812`) and P an
//! inline or display math piece without a relation; both without variables and P not a bare
//! number. Anything else makes no item.

use super::expr::{parse_math, Expr};
use super::words::claims_at_cues;
use super::{MathItem, Rel};

/// The phrase that opens the claim (compared in lower case).
const CUE: &str = "factorization of ";

/// Most bytes of prose between N and P ("is given by:" and spaces); more is another sentence.
const MAX_LINK_BYTES: usize = 24;

/// Most bytes of one math piece read here (a factorization is short); the closing delimiter is
/// looked for only this far, so the scan stays linear in the text.
const MAX_PIECE_BYTES: usize = 400;

/// Most factorization claims read from one step.
const MAX_CLAIMS: usize = 8;

/// The factorization claims of one step's text, in order.
pub fn factorization_items(text: &str) -> Vec<MathItem> {
    let lower = text.to_ascii_lowercase();
    claims_at_cues(&lower, CUE, MAX_CLAIMS, |at| claim_at(text, at + CUE.len()))
}

/// The claim whose N starts at byte `at` of `text`, if the text has the shape.
fn claim_at(text: &str, at: usize) -> Option<MathItem> {
    let (n_text, after_n) = number_piece(text, at)?;
    let rest = &text[after_n..];
    let link_len = rest
        .char_indices()
        .take(MAX_LINK_BYTES + 1)
        .find(|(_, c)| matches!(c, '\\' | '$'))
        .map(|(k, _)| k)?;
    let link = rest[..link_len].trim().to_ascii_lowercase();
    let link = link.trim_end_matches(':').trim_end();
    if link_len > MAX_LINK_BYTES || !(link == "is" || link == "is given by") {
        return None;
    }
    let (p_text, _) = math_piece(rest, link_len)?;
    if p_text.contains(['=', '<', '>']) || p_text.contains("\\approx") {
        return None;
    }
    let n = parse_math(n_text)?;
    let p = parse_math(p_text)?;
    let closed = |e: &Expr| e.vars().is_empty();
    if !closed(&n) || !closed(&p) || p.is_literal() {
        return None;
    }
    Some(MathItem {
        source: format!("{} = {}", n_text.trim(), p_text.trim()),
        terms: vec![n, p],
        rels: vec![Rel::Eq],
        modulus: None,
    })
}

/// N at byte `at`: a bare whole number (digits and thousands commas), or an inline math piece
/// whose text after its last `=` is the number (`K = 20812`). Returns N's text and the byte
/// offset after it.
fn number_piece(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = &text[at..];
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ','))
            .unwrap_or(rest.len());
        let n = rest[..len].trim_end_matches(',');
        return Some((n, at + n.len()));
    }
    let (inner, end) = math_piece(text, at)?;
    let n = inner.rsplit('=').next()?;
    Some((n, end))
}

/// An inline or display math piece starting at byte `at` of `text` (`\( … \)`, `\[ … \]`,
/// `$ … $`, `$$ … $$`): its inner text and the byte offset after it.
fn math_piece(text: &str, at: usize) -> Option<(&str, usize)> {
    let rest = text.get(at..)?;
    let (open, close) = if rest.starts_with("\\(") {
        ("\\(", "\\)")
    } else if rest.starts_with("\\[") {
        ("\\[", "\\]")
    } else if rest.starts_with("$$") {
        ("$$", "$$")
    } else if rest.starts_with('$') {
        ("$", "$")
    } else {
        return None;
    };
    let body = &rest[open.len()..];
    // Only a short piece is looked for (a hostile text of unclosed openers stays linear).
    let window = (0..=(MAX_PIECE_BYTES + close.len()).min(body.len()))
        .rev()
        .find(|&k| body.is_char_boundary(k))
        .unwrap_or(0);
    let end = body[..window].find(close)?;
    Some((&body[..end], at + open.len() + end + close.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<String> {
        factorization_items(text)
            .into_iter()
            .map(|m| m.source)
            .collect()
    }

    #[test]
    fn a_number_and_its_factorization_in_words() {
        assert_eq!(
            sources(
                "The prime factorization of \\(K = 20812\\) is \\(2^2 \\cdot 13 \\cdot 401\\)."
            ),
            vec!["20812 = 2^2 \\cdot 13 \\cdot 401"]
        );
        assert_eq!(
            sources("The prime factorization of 2,000 is $2^4 \\times 5^3$."),
            vec!["2,000 = 2^4 \\times 5^3"]
        );
        assert_eq!(
            sources("The prime factorization of 80 is given by: \\[ 2^4 \\cdot 5 \\]"),
            vec!["80 = 2^4 \\cdot 5"]
        );
    }

    #[test]
    fn other_shapes_make_no_item() {
        for t in [
            // Already a relation: the display is its own item.
            "The prime factorization of 11! is:\n\\[ 11! = 2^8 \\times 3^4 \\]",
            // Variables: a general form, not a claim about a number.
            "The prime factorization of \\( n \\) is \\( 2^a 3^b \\).",
            "The prime factorization of \\( k \\) is given by the highest power of each prime",
            // A bare number on the right claims nothing.
            "The factorization of 13 is \\( 13 \\).",
            // Too much prose between.
            "The factorization of 12 is what we need, namely \\( 2^2 \\cdot 3 \\).",
        ] {
            assert!(sources(t).is_empty(), "{t}");
        }
    }

    #[test]
    fn unclosed_pieces_stay_linear() {
        let hostile = "factorization of \\(".repeat(50_000);
        assert!(sources(&hostile).is_empty());
        let long = format!("factorization of 12 is \\( {} \\)", "2 \\cdot ".repeat(200));
        assert!(sources(&long).is_empty());
    }
}
