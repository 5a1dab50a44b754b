//! Names as olympiad solutions write them, read as opaque variables so that the arithmetic
//! around them is checked (issue 9, 2f): subscripts of any shape (`t_{n-2}`, `x_{2i+1}`),
//! primes (`n'`, `m''`), point and segment names (`AB`, `\overline{AB}`, `\angle ABC`),
//! products of letters written side by side in math (`2ab`, `xyz`, `229kx`), and numerals in a
//! base (`1121_3`, `10_{2}`), as methods of the parser in [`super::parse`].
//!
//! A name is only ever a variable: it never gets a value, so an item that needs one is
//! unchecked, never refuted. Distinct texts give distinct names (the encoding below is
//! injective), so two different quantities are never equated; every name fits the numeric
//! checker's variable rule (ASCII letters, digits, `_`; at most [`MAX_NAME_BYTES`]).

use super::ast::Expr;
use super::latex::func_by_name;
use super::parse::{b, Parser};

/// Longest variable name built here, in bytes: the numeric checker's limit on names
/// (`verify::numeric::guard::MAX_NAME_LEN`). A longer subscript is not a name we read.
pub(super) const MAX_NAME_BYTES: usize = 32;

/// Most digits of a numeral in a base (`1121_3`); a longer digit string is not read as one.
pub(super) const MAX_BASE_DIGITS: usize = 40;

/// Most letters of a lower-case run read as a product (`ab`, `xyz`); longer runs are
/// words (`cost`, `area`), and so are the short ones in [`NOT_PRODUCTS`].
pub(super) const MAX_PRODUCT_LETTERS: usize = 3;

/// Most letters of an upper-case run read as one point or segment name (`AB`, `ABCD`, `ARML`).
pub(super) const MAX_NAME_LETTERS: usize = 5;

/// Short lower-case words that are never a product of letters: English words, units and
/// operator names that a solution may leave in math mode without `\text`.
const NOT_PRODUCTS: &[&str] = &[
    "a", "am", "an", "and", "any", "are", "as", "at", "be", "but", "by", "can", "cm", "cot", "csc",
    "day", "deg", "det", "dim", "do", "each", "eg", "etc", "even", "for", "ft", "gal", "gcf",
    "get", "gt", "has", "hcf", "hom", "hr", "hrs", "id", "ie", "if", "iff", "im", "in", "inf",
    "is", "it", "kg", "km", "lb", "lbs", "lhs", "lim", "le", "ge", "let", "lt", "mg", "mi", "mid",
    "ml", "mm", "mod", "mph", "ms", "ne", "nd", "no", "not", "odd", "of", "oz", "on", "one", "or",
    "per", "pm", "pt", "qt", "rad", "rd", "re", "rem", "rhs", "sec", "sgn", "so", "st", "sum",
    "sup", "ten", "th", "the", "then", "thus", "to", "two", "vs", "we", "when", "with", "yd", "yr",
    "yrs", "arc", "cis", "sinh", "cosh", "tanh", "arg", "ker", "tr", "lcd", "avg", "max", "min",
    "all", "off", "out", "run", "set", "sin", "cos", "tan", "new", "old", "net", "tax", "box",
    "bag", "cup", "pen", "car", "dog", "cat", "men", "age", "has", "had", "was", "its", "may",
    "use", "how", "why", "who", "our", "you", "yes", "see",
];

/// How a run of letters (two or more) is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Run {
    /// `AB`, `ABC`: one point or segment name.
    Name,
    /// `ab`, `xyz`: a product of one-letter variables.
    Product,
}

/// How the letter run `word` (two or more letters, not a function name) is read, if at all.
pub(super) fn run_kind(word: &str) -> Option<Run> {
    let n = word.chars().count();
    if n < 2 || func_by_name(&word.to_ascii_lowercase()).is_some() || word == "pi" {
        return None;
    }
    if n <= MAX_NAME_LETTERS && word.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(Run::Name);
    }
    if n <= MAX_PRODUCT_LETTERS
        && word.chars().all(|c| c.is_ascii_lowercase())
        && !NOT_PRODUCTS.contains(&word)
    {
        return Some(Run::Product);
    }
    None
}

/// Appends `text` to a name, every character other than an ASCII letter or digit written as
/// `_` and two hex digits (so the result is injective and fits the checker's variable rule).
/// `None` for a character above U+00FF or a name over [`MAX_NAME_BYTES`].
fn encode_into(name: &mut String, text: &str) -> Option<()> {
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else {
            let code = u32::from(c);
            if code > 0xff {
                return None;
            }
            name.push_str(&format!("_{code:02x}"));
        }
    }
    (name.len() <= MAX_NAME_BYTES).then_some(())
}

/// A variable name as a reader would write it, for item texts: the escapes of
/// [`encode_into`] that stand for ASCII punctuation (`_5c` → `\`, `_7b` → `{`) and the primes
/// (`__p` → `'`) decoded; anything else is left as it is. Display only: a plain subscript that
/// looks like an escape (`x_{2d}`) is shown decoded, which no check depends on.
pub fn display_name(name: &str) -> String {
    let b = name.as_bytes();
    let hex = |c: u8| matches!(c, b'0'..=b'9' | b'a'..=b'f');
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"__p") {
            out.push('\'');
            i += 3;
            continue;
        }
        // Byte tests only: a name may hold letters of any script (`\text{Äpfel}`), and no
        // slice is taken inside one.
        if b[i] == b'_' && i + 3 <= b.len() && hex(b[i + 1]) && hex(b[i + 2]) {
            let code = (b[i + 1] as char).to_digit(16).unwrap_or(0) * 16
                + (b[i + 2] as char).to_digit(16).unwrap_or(0);
            if let Some(c) = u8::try_from(code).ok().filter(u8::is_ascii_punctuation) {
                out.push(char::from(c));
                i += 3;
                continue;
            }
        }
        // `i` is always at a character boundary: escapes are ASCII, and a character is copied
        // whole.
        let c = name[i..].chars().next().unwrap_or('?');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

impl Parser {
    /// A letter run of two or more letters (already consumed, starting at `start`) as a name
    /// or a product; `None` when it is neither ([`run_kind`]). A product gives back all but
    /// its first letter, which the caller then reads as implicit factors: so a power or
    /// subscript binds to the last letter only (`4nx^2` is `4·n·x²`, `xy_1` is `x·y_1`).
    pub(super) fn letter_run(&mut self, word: &str, start: usize) -> Option<Expr> {
        match run_kind(word)? {
            Run::Name => Some(Expr::Var(self.name_suffix(word.to_string())?)),
            Run::Product => {
                self.i = start + 1;
                Some(Expr::Var(word.chars().next()?.to_string()))
            }
        }
    }

    /// The subscript (`_1`, `_{n-1}`) and primes (`'`) after a name: the full variable name.
    /// A subscript of letters and digits keeps its plain form (`a_1`, `x_n`); any other
    /// subscript is encoded ([`encode_into`]); each prime adds `__p` (no other rule makes a
    /// double `_`). `None` when a subscript is malformed, holds a relation, or is too long.
    pub(super) fn name_suffix(&mut self, mut name: String) -> Option<String> {
        if self.peek() == Some('_') {
            self.i += 1;
            match self.peek()? {
                '{' => {
                    self.i += 1;
                    let s = self.i;
                    let mut depth = 0usize;
                    loop {
                        match self.peek()? {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            '=' | '<' | '>' | '$' | '&' => return None,
                            _ => {}
                        }
                        self.i += 1;
                    }
                    let sub: String = self.s[s..self.i].iter().collect();
                    self.i += 1;
                    let sub: String = sub.chars().filter(|c| !c.is_whitespace()).collect();
                    if sub.is_empty() {
                        return None;
                    }
                    name.push('_');
                    if sub.chars().all(|c| c.is_ascii_alphanumeric()) {
                        name.push_str(&sub);
                    } else {
                        encode_into(&mut name, &sub)?;
                    }
                }
                c if c.is_ascii_alphanumeric() => {
                    self.i += 1;
                    name.push('_');
                    name.push(c);
                }
                _ => return None,
            }
        }
        while self.peek() == Some('\'') {
            self.i += 1;
            name.push_str("__p");
        }
        (name.len() <= MAX_NAME_BYTES).then_some(name)
    }

    /// After `\angle`: the angle's vertex letters (`\angle ABC`, `\angle A`, `\angle BA_1C_1`)
    /// as one name `angle_A_B_C`.
    pub(super) fn angle_name(&mut self) -> Option<Expr> {
        self.ws();
        let mut name = String::from("angle");
        let mut letters = 0;
        while let Some(c) = self.peek().filter(char::is_ascii_uppercase) {
            self.i += 1;
            let part = self.name_suffix(c.to_string())?;
            name.push('_');
            name.push_str(&part);
            letters += 1;
        }
        (letters > 0 && name.len() <= MAX_NAME_BYTES).then_some(Expr::Var(name))
    }

    /// After `\overline` (a segment `\overline{AB}`): the same name as `AB`. Anything but
    /// capital letters (`\overline{123}`, a repeating decimal or a digit string) is not read.
    pub(super) fn overline_name(&mut self) -> Option<Expr> {
        self.ws();
        if !self.eat('{') {
            return None;
        }
        let s = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_uppercase()) {
            self.i += 1;
        }
        let word: String = self.s[s..self.i].iter().collect();
        if !self.eat('}') || !(2..=MAX_NAME_LETTERS).contains(&word.len()) {
            return None;
        }
        Some(Expr::Var(word))
    }

    /// Right after the digits of a whole number: a base subscript `_3`, `_{2}` makes it a
    /// numeral in that base (2 to 10), written out as digit × base^place. `Some(None)` when no
    /// subscript follows; `None` when one does but the numeral is not valid in that base (or
    /// longer than [`MAX_BASE_DIGITS`]): the expression is not read.
    pub(super) fn base_numeral(&mut self, digits: &str) -> Option<Option<Expr>> {
        if self.peek() != Some('_') {
            return Some(None);
        }
        self.i += 1;
        let base: u32 = if self.eat('{') {
            let s = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            let t: String = self.s[s..self.i].iter().collect();
            if !self.eat('}') {
                return None;
            }
            t.parse().ok()?
        } else {
            let c = self.peek()?.to_digit(10)?;
            self.i += 1;
            c
        };
        if !(2..=10).contains(&base) {
            return None;
        }
        let ds: Vec<u32> = digits
            .chars()
            .map(|c| c.to_digit(10))
            .collect::<Option<_>>()?;
        if ds.iter().any(|&d| d >= base) || ds.len() > MAX_BASE_DIGITS {
            return None;
        }
        // Written out as the sum of digit × base^place, so that `41 = 1121_3` is a computation
        // (and its refutation shows the value, 43), not a comparison of two literals.
        let int = |v: u32| Expr::Int(v.to_string());
        let mut sum: Option<Expr> = None;
        for (k, &d) in ds.iter().enumerate() {
            let place = ds.len() - 1 - k;
            let term = match place {
                0 => int(d),
                p => Expr::Mul(b(int(d)), b(Expr::Pow(b(int(base)), b(int(p as u32))))),
            };
            if d == 0 && place > 0 {
                continue;
            }
            sum = Some(match sum {
                Some(s) => Expr::Add(b(s), b(term)),
                None => term,
            });
        }
        Some(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_math;
    use super::*;

    fn var(s: &str) -> Expr {
        Expr::Var(s.into())
    }

    #[test]
    fn names_are_displayed_as_written() {
        let shown = |s: &str| match parse_math(s) {
            Some(Expr::Var(v)) => display_name(&v),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(shown("SA_{\\text{cube}}"), "SA_\\text{cube}");
        assert_eq!(shown("t_{n-2}"), "t_n-2");
        assert_eq!(shown("m''"), "m''");
        assert_eq!(shown("a_1"), "a_1");
        assert_eq!(shown("x_{ab}"), "x_ab");
        assert_eq!(display_name("Äpfel_5f总数__p"), "Äpfel_总数'");
        assert_eq!(display_name("_5"), "_5");
    }

    #[test]
    fn names_are_opaque_and_distinct() {
        assert_eq!(parse_math("t_{n-2}"), Some(var("t_n_2d2")));
        assert_eq!(parse_math("t_{n - 2}"), Some(var("t_n_2d2")));
        assert_ne!(parse_math("t_{n+2}"), parse_math("t_{n-2}"));
        assert_eq!(parse_math("a_1"), Some(var("a_1")));
        assert_eq!(parse_math("n'"), Some(var("n__p")));
        assert_eq!(parse_math("m''"), Some(var("m__p__p")));
        assert_ne!(parse_math("n'"), parse_math("n_{p}"));
        assert_eq!(parse_math("AB"), Some(var("AB")));
        assert_eq!(parse_math("\\overline{AB}"), Some(var("AB")));
        assert_eq!(parse_math("\\angle ABC"), Some(var("angle_A_B_C")));
        assert_eq!(
            parse_math("\\angle BA_{1}C_{1}"),
            Some(var("angle_B_A_1_C_1"))
        );
        assert!(parse_math("\\overline{12}").is_none());
        assert!(parse_math("a_{n=1}").is_none());
        assert!(parse_math("x_{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}").is_none());
        for s in ["t_{n-2}", "n'", "AB", "\\angle ABC", "x_{2i+1}"] {
            let e = parse_math(s).unwrap();
            let Expr::Var(v) = e else { panic!("{s}") };
            assert!(
                v.len() <= MAX_NAME_BYTES
                    && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            );
        }
    }

    #[test]
    fn letters_side_by_side_multiply() {
        let xy = Expr::Mul(b(var("x")), b(var("y")));
        assert_eq!(parse_math("xy"), Some(xy));
        assert_eq!(
            parse_math("2xyz"),
            parse_math("2 \\cdot x \\cdot y \\cdot z")
        );
        // A power binds to the last letter only.
        assert_eq!(parse_math("4nx^2"), parse_math("4 \\cdot n \\cdot x^2"));
        assert_eq!(
            parse_math("2AC").map(|e| e.vars()),
            Some(vec!["AC".to_string()])
        );
        assert_eq!(
            parse_math("xy_1").map(|e| e.vars()),
            Some(vec!["x".into(), "y_1".into()])
        );
        // Words stay words.
        for w in ["and", "the", "cost", "area", "mod", "sec"] {
            assert!(parse_math(w).is_none(), "{w}");
        }
        assert!(parse_math("5 cm").is_none());
    }

    #[test]
    fn factors_in_words_and_bars_after_left() {
        assert_eq!(
            parse_math("\\frac{1}{2} \\times \\text{base} \\times \\text{side length}")
                .map(|e| e.vars()),
            Some(vec!["text_base".to_string(), "text_sidelength".to_string()])
        );
        assert!(parse_math("\\text{base} \\times 2").is_none());
        assert!(parse_math("2 \\times \\text{base 2}").is_none());
        assert_eq!(
            parse_math("120 \\left| \\frac{-44}{120} \\right|"),
            parse_math("120 \\cdot |\\frac{-44}{120}|")
        );
        assert!(parse_math("120 |3|").is_none());
    }

    #[test]
    fn numerals_in_a_base() {
        let same = |a: &str, b: &str| assert_eq!(parse_math(a), parse_math(b), "{a}");
        same(
            "1121_3",
            "1 \\times 3^{3} + 1 \\times 3^{2} + 2 \\times 3^{1} + 1",
        );
        same("10_{2}", "1 \\times 2^{1} + 0");
        same("105_6", "1 \\times 6^{2} + 5");
        assert!(parse_math("1131_3").is_none());
        assert!(parse_math("12_{16}").is_none());
        assert!(parse_math("3_{1}").is_none());
    }
}
