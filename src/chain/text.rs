//! Text normalization shared by item and answer extraction: full-width forms (Chinese-language
//! solutions write `３＋４＝７`, `（１）`, `－`), so that the ASCII rules see ASCII. Step texts
//! themselves are kept as written. Also the cue-word test the prose readers share
//! ([`has_cue_word`]).

/// Shortest cue word that also matches as a stem (`simplif` → "simplifying"); shorter cue
/// words (`so`, `then`) match whole words only.
pub const MIN_STEM_BYTES: usize = 5;

/// Whether a word of `text` (split at anything that is not a letter) is one of `cues`, or
/// starts with a cue of at least `min_stem` bytes (a stem). Callers lower-case `text` first.
pub fn has_cue_word(text: &str, cues: &[&str], min_stem: usize) -> bool {
    text.split(|c: char| !c.is_alphabetic()).any(|w| {
        cues.iter()
            .any(|c| w == *c || (c.len() >= min_stem && w.starts_with(c)))
    })
}

/// Maps full-width digits, letters and math operators (`０-９`, `Ａ-ｚ`, `＋－＊／＝＜＞％（）．`)
/// to ASCII and the ideographic space to a space; full-width punctuation that separates words
/// (`：，；！？`) stays, and [`is_cjk`] treats it like a space. Never changes the number of
/// characters.
pub fn normalize_width(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '０'..='９'
            | 'Ａ'..='Ｚ'
            | 'ａ'..='ｚ'
            | '＋'
            | '－'
            | '＊'
            | '／'
            | '＝'
            | '＜'
            | '＞'
            | '％'
            | '（'
            | '）'
            | '．'
            | '＾' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// Whether `c` is a CJK ideograph or CJK punctuation: Chinese text puts no spaces between words
/// and numbers, so such a character next to a number separates like a space does.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F   // CJK punctuation (。、「」)
        | 0x3400..=0x4DBF // extension A
        | 0x4E00..=0x9FFF // unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20) // full-width punctuation (：，！？)
}

/// The byte offset of the `}` matching each `{` in `bytes` (`None` for unclosed braces and for
/// every other byte), found in one pass so that many unclosed `{` keep scans linear. The vector
/// has one extra `None` entry at `bytes.len()`, so an offset just past the text can be looked up.
pub fn matching_braces(bytes: &[u8]) -> Vec<Option<usize>> {
    let mut closing: Vec<Option<usize>> = vec![None; bytes.len() + 1];
    let mut stack = Vec::new();
    for (k, &c) in bytes.iter().enumerate() {
        match c {
            b'{' => stack.push(k),
            b'}' => {
                if let Some(open) = stack.pop() {
                    closing[open] = Some(k);
                }
            }
            _ => {}
        }
    }
    closing
}

/// Replaces `\boxed{…}` / `\fbox{…}` by `(…)`: a boxed result is still part of the calculation
/// that produced it (`5000 + 10000 + 30000 = \boxed{43000}`). A box around a whole relation
/// (`\boxed{150 \div 3 = 50}`) is replaced by spaces instead: parenthesised, the relation would
/// not read. One pass over the braces, so many unclosed boxes stay linear.
pub fn unbox(text: &str) -> String {
    if !text.contains("\\boxed") && !text.contains("\\fbox") {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let closing = matching_braces(bytes);
    let mut out = String::with_capacity(text.len());
    // Where each open box closes, and whether it holds a relation.
    let mut close_at: Vec<(usize, bool)> = Vec::new();
    let mut k = 0;
    while k < text.len() {
        let rest = &text[k..];
        let cmd = ["\\boxed{", "\\fbox{"]
            .into_iter()
            .find(|c| rest.starts_with(c));
        if let Some(cmd) = cmd {
            let open = k + cmd.len() - 1;
            if let Some(end) = closing[open] {
                let relation = boxes_relation(text, open + 1, end, &closing);
                out.push(if relation { ' ' } else { '(' });
                close_at.push((end, relation));
                k = open + 1;
                continue;
            }
        }
        if let Some(&(_, relation)) = close_at.last().filter(|(end, _)| *end == k) {
            close_at.pop();
            out.push(if relation { ' ' } else { ')' });
            k += 1;
            continue;
        }
        let c = rest.chars().next().expect("non-empty");
        out.push(c);
        k += c.len_utf8();
    }
    out
}

/// Whether a box's content `text[from..to]` is a relation (`=`, `<`, `>`, `\le`, …) outside
/// brackets: the box is around a whole statement, not around a value. Braced groups inside are
/// skipped with `closing` (see [`matching_braces`]), so nested boxes keep the scans linear.
fn boxes_relation(text: &str, from: usize, to: usize, closing: &[Option<usize>]) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut k = from;
    while k < to {
        match bytes[k] {
            b'{' => match closing[k] {
                Some(end) if end < to => {
                    k = end + 1;
                    continue;
                }
                _ => return false,
            },
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'=' | b'<' | b'>' if depth == 0 => return true,
            b'\\' if depth == 0 => {
                let rest = &text[k + 1..to];
                let relation = ["le", "ge", "ne", "approx", "leq", "geq", "neq"]
                    .iter()
                    .any(|r| {
                        rest.starts_with(r) && !rest[r.len()..].starts_with(char::is_alphabetic)
                    });
                if relation {
                    return true;
                }
            }
            _ => {}
        }
        k += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_words_match_whole_or_as_long_stems() {
        let cues = ["simplif", "so", "plug"];
        assert!(has_cue_word(
            "after simplifying, x = 2",
            &cues,
            MIN_STEM_BYTES
        ));
        assert!(has_cue_word("so x = 2", &cues, MIN_STEM_BYTES));
        assert!(!has_cue_word("solve for x", &cues, MIN_STEM_BYTES));
        assert!(!has_cue_word("plugging in", &cues, MIN_STEM_BYTES));
        assert!(has_cue_word("plugging in", &cues, 4));
    }

    #[test]
    fn widths() {
        assert_eq!(normalize_width("３＋４＝７个"), "3+4=7个");
        assert_eq!(normalize_width("12－5：（1）"), "12-5：(1)");
        assert!(is_cjk('个') && is_cjk('。') && !is_cjk('a') && !is_cjk('3'));
        assert_eq!(unbox("= \\boxed{4{,}300}."), "= (4{,}300).");
        assert_eq!(unbox("\\boxed{1"), "\\boxed{1");
        assert_eq!(unbox(": \\boxed{150 \\div 3 = 50}"), ":  150 \\div 3 = 50 ");
        assert_eq!(unbox("\\boxed{\\frac{1}{2}}"), "(\\frac{1}{2})");
        assert_eq!(unbox("\\boxed{\\boxed{x} \\le 2}"), " (x) \\le 2 ");
        assert_eq!(unbox("\\boxed{f(x=1)}"), "(f(x=1))");
    }
}
