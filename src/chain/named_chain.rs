//! `=`-chains that open with names and go on in variables (issue 9, olympiad recall):
//! `f(f(m) + n) + f(m) = f(2014m + d + n) + (2014m + d) = 2014(2014m + d + n) + d + 2014m + d
//! = 2014^2m + 2015d + 2014n + 2014m`. The first terms apply a function (or name a segment,
//! an angle), so their letters are names; the terms after them are the author expanding an
//! expression in variables, and their links are read as any such chain's are.
//!
//! Only the text after the last term with names is read, and only when the chain's `=` signs at
//! the top level are exactly its links (no `=` hidden in a subscript or a `\sum_{k=1}`), so the
//! terms kept are the ones the text after the cut writes.

/// Most leading terms with names looked past: function values open a chain, they do not fill
/// it (bounds the suffixes tried on a long chain).
const MAX_NAMED_TERMS: usize = 4;

/// Where the terms without names start in an `=`-chain of `n_terms` terms written as `source`:
/// `(k, rest)` with `rest` the text of terms `k..` (at least two of them), the first suffix of the
/// chain in which [`super::algebra::letters_are_names`] finds no names. `None` when the chain's
/// top-level `=` signs are not `n_terms - 1`, or no such suffix of two or more terms exists.
pub fn after_named_terms(source: &str, n_terms: usize) -> Option<(usize, &str)> {
    let cuts = top_level_equals(source)?;
    if n_terms < 3 || cuts.len() + 1 != n_terms {
        return None;
    }
    (1..(n_terms - 1).min(MAX_NAMED_TERMS + 1)).find_map(|k| {
        let rest = &source[cuts[k - 1] + 1..];
        (!super::algebra::letters_are_names(rest)).then_some((k, rest))
    })
}

/// Byte offsets of the `=` signs outside brackets and braces (`None` on unbalanced brackets or
/// a doubled `==`, `<=`, `>=`, `:=`: not a plain chain).
fn top_level_equals(source: &str) -> Option<Vec<usize>> {
    let mut depth: i32 = 0;
    let mut out = Vec::new();
    let mut prev = ' ';
    for (k, c) in source.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            '=' if matches!(prev, '=' | '<' | '>' | ':' | '!') => return None,
            '=' if depth == 0 => out.push(k),
            _ => {}
        }
        prev = c;
    }
    (depth == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_before_an_expansion_are_cut() {
        let s = "f(f(m) + n) + f(m) = f(2m + n) + (2m) = 2(2m + n) + 2m = 6m + 2n";
        let (k, rest) = after_named_terms(s, 4).expect("suffix");
        assert_eq!(k, 2);
        assert_eq!(rest.trim(), "2(2m + n) + 2m = 6m + 2n");
    }

    #[test]
    fn hidden_equals_or_short_suffixes_are_not_read() {
        // The top-level `=` signs must be the chain's links.
        assert_eq!(after_named_terms("f(x) = x + 1 = 2x", 4), None);
        // One term after the names: nothing to link.
        assert_eq!(after_named_terms("f(x) = g(x) = x + 1", 3), None);
        // Names all the way.
        assert_eq!(after_named_terms("f(x) = g(x) = h(x)", 3), None);
        assert_eq!(after_named_terms("a <= b = c", 3), None);
    }
}
