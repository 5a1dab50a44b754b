//! Chains of coordinates and tuples (`G = \left(\frac{20+20}{2}, \frac{0+20}{2}\right) =
//! (20, 10)`, `(1, 0) - (1, 0) = (0, 0)`), read component by component: each component is an
//! ordinary relation the existing checks apply to (issue 9, 2f).
//!
//! Text-level and conservative: the chain is split at top-level `=` / `\approx` / `≈`; leading
//! terms that are not tuples (a point's name, `\mathbf{v}`, `A_8 - A_1`) are dropped, since a
//! name has no components; every later term must be a tuple or a sum/difference of tuples, all
//! of one arity (2 to [`MAX_ARITY`]), with at least two such terms. Component `k` of a term is
//! the `k`-th entries joined by the same signs. Anything else (a dot product, a scalar times a
//! tuple, an interval, a tuple whose comma may be a thousands separator like `(1,000)`) gives
//! `None`: no item, never a refutation. A component relation is kept only when it parses and
//! claims a computation (not only literals and lone names: `(x, y) = (1, 2)` defines, it does
//! not compute).

use super::ast::Relation;
use super::parse::parse_relation;

/// Most entries a tuple read here may have. Coordinates have 2 or 3; longer lists are
/// sequences or sets, whose commas are not components of one point.
pub const MAX_ARITY: usize = 4;

/// Most terms of a tuple chain read here (each becomes one term per component relation).
const MAX_CHAIN_TERMS: usize = 16;

/// The relations a tuple chain may use between its terms (componentwise equality).
const TUPLE_RELS: &[&str] = &["=", "\\approx", "≈"];

/// Relation commands that end the reading: a tuple chain compares componentwise by `=` only.
const OTHER_RELS: &[&str] = &[
    "le",
    "leq",
    "ge",
    "geq",
    "ne",
    "neq",
    "lt",
    "gt",
    "equiv",
    "in",
    "sim",
    "subset",
    "cong",
    "leqslant",
    "geqslant",
    "mid",
    "nmid",
    "to",
    "implies",
    "iff",
    "Rightarrow",
];

/// A term read as tuples joined by signs: each tuple's sign (`+`/`-`) and entries (as text).
type TupleSum = Vec<(char, Vec<String>)>;

/// A chain of tuples split into one relation per component (see the module docs). `None` when
/// the text is not such a chain; otherwise the component relations that claim a computation
/// (possibly none).
pub fn tuple_components(text: &str) -> Option<Vec<Relation>> {
    if text.len() > super::ast::MAX_MATH_BYTES {
        return None;
    }
    let (terms, rels) = split_chain(text)?;
    if terms.len() > MAX_CHAIN_TERMS {
        return None;
    }
    let parsed: Vec<Option<TupleSum>> = terms.iter().map(|t| tuple_sum(t)).collect();
    let first = parsed.iter().position(Option::is_some)?;
    // Leading names are dropped only across `=` (`G = (…)`), and nothing after the first
    // tuple may be a non-tuple.
    if rels[..first].iter().any(|r| *r != "=") || parsed[first..].iter().any(Option::is_none) {
        return None;
    }
    let tuples: Vec<TupleSum> = parsed[first..].iter().flatten().cloned().collect();
    if tuples.len() < 2 {
        return None;
    }
    let arity = tuples[0][0].1.len();
    if !(2..=MAX_ARITY).contains(&arity) || tuples.iter().flatten().any(|(_, c)| c.len() != arity) {
        return None;
    }
    let rels = &rels[first..];
    let mut out = Vec::new();
    for k in 0..arity {
        let mut text = String::new();
        for (j, sum) in tuples.iter().enumerate() {
            if j > 0 {
                text.push_str(&format!(" {} ", rels[j - 1]));
            }
            for (n, (sign, comps)) in sum.iter().enumerate() {
                if n > 0 || *sign == '-' {
                    text.push_str(&format!(" {sign} "));
                }
                text.push_str(&format!("({})", comps[k]));
            }
        }
        let Some(r) = parse_relation(&text) else {
            continue;
        };
        let computes = r.terms.iter().any(|t| !t.is_literal() && !t.is_lone_var());
        if computes {
            out.push(r);
        }
    }
    Some(out)
}

/// Splits at top-level (outside brackets) [`TUPLE_RELS`]; `None` when another relation symbol
/// appears at top level or a bracket is unbalanced.
fn split_chain(text: &str) -> Option<(Vec<String>, Vec<&'static str>)> {
    let mut terms = Vec::new();
    let mut rels = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if depth == 0 {
            if let Some(r) = TUPLE_RELS.iter().find(|r| {
                rest.starts_with(**r)
                    && !(r.starts_with('\\')
                        && rest[r.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
            }) {
                terms.push(std::mem::take(&mut cur));
                rels.push(*r);
                rest = &rest[r.len()..];
                continue;
            }
            let command: String = rest
                .strip_prefix('\\')
                .map(|r| r.chars().take_while(char::is_ascii_alphabetic).collect())
                .unwrap_or_default();
            if matches!(c, '<' | '>' | '≤' | '≥' | '≠' | '≡')
                || OTHER_RELS.contains(&command.as_str())
            {
                return None;
            }
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        cur.push(c);
        rest = &rest[c.len_utf8()..];
    }
    terms.push(cur);
    (depth == 0 && !rels.is_empty()).then_some((terms, rels))
}

/// A term that is a tuple or a sum/difference of tuples: each tuple's sign and entries.
/// `None` for anything else (a scalar, a product, a function call, one entry in brackets).
fn tuple_sum(term: &str) -> Option<TupleSum> {
    let mut t = term.trim().trim_end_matches(['.', ',']).trim();
    let mut out = Vec::new();
    let mut sign = '+';
    while !t.is_empty() {
        let (inner, after) = group(t)?;
        let comps = entries(inner)?;
        out.push((sign, comps));
        t = after.trim_start();
        if t.is_empty() {
            break;
        }
        sign = match t.chars().next()? {
            '+' => '+',
            '-' | '−' => '-',
            _ => return None,
        };
        t = t[t.chars().next()?.len_utf8()..].trim_start();
    }
    (!out.is_empty()).then_some(out)
}

/// At `(` or `\left(`: the text inside the matching `)` / `\right)` and the text after it.
fn group(t: &str) -> Option<(&str, &str)> {
    let (open_len, left) = if t.starts_with("\\left(") {
        (6, true)
    } else if t.starts_with('(') {
        (1, false)
    } else {
        return None;
    };
    let body = &t[open_len..];
    let mut depth = 0i32;
    for (i, c) in body.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ')' if depth == 0 => {
                let inner = &body[..i];
                let inner = if left {
                    inner.trim_end().strip_suffix("\\right")?
                } else {
                    inner
                };
                return Some((inner, &body[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

/// The entries of a tuple: split at top-level commas; `None` with fewer than two entries, an
/// empty entry, an ellipsis, or a comma that may be a thousands separator (`1,000`).
fn entries(inner: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let cs: Vec<char> = inner.chars().collect();
    for (i, &c) in cs.iter().enumerate() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            let digit_before = i > 0 && cs[i - 1].is_ascii_digit();
            let three_after = cs.len() > i + 3
                && cs[i + 1..i + 4].iter().all(char::is_ascii_digit)
                && !cs.get(i + 4).is_some_and(char::is_ascii_digit);
            let three_at_end = cs.len() == i + 4 && cs[i + 1..].iter().all(char::is_ascii_digit);
            if digit_before && (three_after || three_at_end) {
                return None;
            }
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    let out: Vec<String> = out.into_iter().map(|e| e.trim().to_string()).collect();
    if out.len() < 2
        || out
            .iter()
            .any(|e| e.is_empty() || e.contains("dots") || e.contains("..."))
    {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(s: &str) -> Option<Vec<String>> {
        tuple_components(s).map(|rs| {
            rs.iter()
                .map(|r| format!("{:?} {:?}", r.terms.len(), r.rels))
                .collect()
        })
    }

    #[test]
    fn coordinates_split_into_components() {
        let r = tuple_components(
            "G = \\left( \\frac{20 + 20}{2}, \\frac{0 + 20}{2} \\right) = (20, 10)",
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].terms.len(), 2);
        assert!(r[0].terms[0].vars().is_empty());
        let r = tuple_components("(1, 0) - (1, 0) = (-1, 0)").unwrap();
        assert_eq!(r.len(), 2);
        // Definitions compute nothing.
        assert_eq!(comps("(x, y) = (1, 2)"), Some(vec![]));
    }

    #[test]
    fn other_shapes_are_not_tuples() {
        assert_eq!(comps("(1,000) = (2, 3)"), None);
        assert_eq!(comps("A = (0, 0)"), None);
        assert_eq!(
            comps("\\left(\\frac35, \\frac45\\right) \\cdot (0, 0) = 0"),
            None
        );
        assert_eq!(comps("(1, 2) = (1, 2, 3)"), None);
        assert_eq!(comps("(1, 2) < (3, 4)"), None);
        assert_eq!(comps("2(1, 2) = (2, 4)"), None);
        assert_eq!(comps("(1, 2, \\ldots, 5) = (1, 2, 3)"), None);
        assert_eq!(comps("f(2, 5) = 2.9"), None);
    }
}
