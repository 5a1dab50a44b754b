//! Text normalization shared by item and answer extraction: full-width forms (Chinese-language
//! solutions write `３＋４＝７`, `（１）`, `－`), so that the ASCII rules see ASCII. Step texts
//! themselves are kept as written.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(normalize_width("３＋４＝７个"), "3+4=7个");
        assert_eq!(normalize_width("12－5：（1）"), "12-5：(1)");
        assert!(is_cjk('个') && is_cjk('。') && !is_cjk('a') && !is_cjk('3'));
    }
}
