//! The SMT-LIB 2 lexer and command allowlist in front of Z3.
//!
//! Owns: tokenizing untrusted SMT-LIB text the way Z3's own scanner (`smt2scanner.cpp`) does,
//! building s-expressions with a depth limit, checking every top-level command against
//! [`Command`]'s allowlist, and *re-emitting* the accepted commands as canonical text. Z3 only
//! ever reads that re-emitted text, never the author's, so what Z3 parses is exactly what was
//! checked here: a quoted symbol or string that two lexers would end at different places cannot
//! smuggle a command past the allowlist.
//!
//! # Lexing rules (Z3's, with the version-dependent corners rejected)
//! * whitespace is space, tab, CR, LF; `;` starts a comment to the end of the line;
//! * `(` `)`; `:name` keywords; simple symbols of letters, digits and `~!@$%^&*_-+=<>.?/`;
//!   numerals `123`, decimals `1.5`, `-7` (Z3's default non-strict mode reads a signed
//!   number), `#x1F`, `#b101`;
//! * `"…"` strings, where `""` is an escaped quote;
//! * `|…|` quoted symbols. Z3 ends one at the first `|` *not preceded by a backslash*
//!   (`escape = (c == '\\')`), so `|a\|b|` is one symbol. That rule is reproduced here to find
//!   the end, and then any backslash in a quoted symbol is **rejected**, as is a backslash in a
//!   string (Z3 4.8 reads `\"` and `\\` as escapes inside strings, newer versions do not), `#|`
//!   (block comments in newer versions only), `,` (a symbol character in newer versions only),
//!   any other character outside strings and quoted symbols, and NUL anywhere.
//!
//! # Commands
//! Passed to Z3 (re-emitted): `declare-const`, `declare-fun`, `declare-sort`, `define-fun`,
//! `define-const`, `define-sort`, `define-fun-rec`, `define-funs-rec`, `declare-datatype`,
//! `declare-datatypes`, `assert`. Read here and never passed: `set-info` (only `:status` has
//! a meaning), `set-logic`, `check-sat` (the checker runs one check itself), `exit` (ends the
//! block), and the output commands `get-model`, `get-value`, `get-info`, `get-assertions`,
//! `get-proof`, `get-unsat-core`, `get-option` (ignored: the verdict carries the model).
//! Everything else — `set-option` (it can redirect Z3's output to a file), `echo`, `include`,
//! `eval`, `push`/`pop` (a block has one check, so scopes add nothing, and `(push 100000000)`
//! exhausts memory), `reset`, `check-sat-assuming`, unknown commands — rejects the whole block
//! without running Z3.

use std::fmt::Write as _;

/// Deepest s-expression nesting accepted in an SMT-LIB block (Z3's parser recurses).
pub const MAX_SMT2_DEPTH: usize = 1_000;

/// One token of SMT-LIB text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Open,
    Close,
    /// A simple symbol (`x`, `bvadd`, `=>`).
    Symbol(String),
    /// The content of a `|quoted symbol|` (no `|`, no backslash).
    Quoted(String),
    /// `:name`, including the colon.
    Keyword(String),
    /// The value of a string literal (`""` already unescaped).
    Str(String),
    /// A numeral, decimal, or `#x…` / `#b…` literal, as written (with a leading `-` if any).
    Number(String),
}

/// Why a block was not accepted; the message names the byte offset or command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

fn reject<T>(msg: impl Into<String>) -> Result<T, Rejected> {
    Err(Rejected(msg.into()))
}

/// Characters of a simple symbol besides ASCII letters and digits (Z3's `m_normalized` table;
/// `,` is left out because only newer Z3 versions accept it).
const SYMBOL_PUNCT: &[u8] = b"~!@$%^&*_-+=<>.?/";

fn is_symbol_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || SYMBOL_PUNCT.contains(&c)
}

/// Tokenizes `src` as Z3 would, rejecting the corners where Z3 versions disagree.
pub fn lex(src: &str) -> Result<Vec<Tok>, Rejected> {
    if let Some(i) = src.find('\0') {
        return reject(format!("a NUL byte at byte {i}"));
    }
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'"' => i = lex_string(src, i, &mut toks)?,
            b'|' => i = lex_quoted(src, i, &mut toks)?,
            b'#' => i = lex_hash(src, i, &mut toks)?,
            b':' => {
                let end = symbol_end(b, i + 1);
                toks.push(Tok::Keyword(src[i..end].to_string()));
                i = end;
            }
            b'0'..=b'9' => {
                let end = number_end(b, i);
                toks.push(Tok::Number(src[i..end].to_string()));
                i = end;
            }
            b'-' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = number_end(b, i + 1);
                toks.push(Tok::Number(src[i..end].to_string()));
                i = end;
            }
            c if is_symbol_byte(c) => {
                let end = symbol_end(b, i);
                toks.push(Tok::Symbol(src[i..end].to_string()));
                i = end;
            }
            0 => return reject(format!("a NUL byte at byte {i}")),
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return reject(format!("unexpected character {ch:?} at byte {i}"));
            }
        }
    }
    Ok(toks)
}

fn symbol_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_symbol_byte(b[i]) {
        i += 1;
    }
    i
}

/// Digits, then at most one `.` and more digits (Z3's `read_number`).
fn number_end(b: &[u8], mut i: usize) -> usize {
    let mut dot = false;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => i += 1,
            b'.' if !dot => {
                dot = true;
                i += 1;
            }
            _ => break,
        }
    }
    i
}

/// A string literal starting at `start` (the opening quote); returns the index after it.
fn lex_string(src: &str, start: usize, toks: &mut Vec<Tok>) -> Result<usize, Rejected> {
    let b = src.as_bytes();
    let mut i = start + 1;
    let mut value = String::new();
    loop {
        match b.get(i) {
            None => return reject(format!("unterminated string starting at byte {start}")),
            Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                value.push('"');
                i += 2;
            }
            Some(b'"') => break,
            Some(b'\\') => {
                return reject(format!(
                "a backslash in the string at byte {start} (Z3 versions disagree on its meaning)"
            ))
            }
            Some(0) => return reject(format!("a NUL byte at byte {i}")),
            Some(_) => {
                let ch = src[i..].chars().next().unwrap_or('?');
                value.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    toks.push(Tok::Str(value));
    Ok(i + 1)
}

/// Index of the `|` that ends the quoted symbol opening at `start`, by Z3's rule: a `|` right
/// after a backslash does not end it (`escape = (c == '\\')` in `read_quoted_symbol`).
fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let mut escape = false;
    for (i, &c) in b.iter().enumerate().skip(start + 1) {
        if c == b'|' && !escape {
            return Some(i);
        }
        escape = c == b'\\';
    }
    None
}

/// A `|quoted symbol|` starting at `start`, ended by [`quoted_end`]; a backslash or NUL inside
/// is then rejected.
fn lex_quoted(src: &str, start: usize, toks: &mut Vec<Tok>) -> Result<usize, Rejected> {
    let Some(end) = quoted_end(src.as_bytes(), start) else {
        return reject(format!("unterminated quoted symbol at byte {start}"));
    };
    let body = &src[start + 1..end];
    if body.contains('\\') {
        return reject(format!(
            "a backslash in the quoted symbol at byte {start} (Z3 reads `\\|` as an escaped bar, \
             so the symbol would not end where it seems to)"
        ));
    }
    if body.contains('\0') {
        return reject(format!("a NUL byte in the quoted symbol at byte {start}"));
    }
    toks.push(Tok::Quoted(body.to_string()));
    Ok(end + 1)
}

/// `#x…` / `#b…` literals; `#|` block comments (newer Z3 only) and anything else are rejected.
fn lex_hash(src: &str, start: usize, toks: &mut Vec<Tok>) -> Result<usize, Rejected> {
    let b = src.as_bytes();
    let digit: fn(&u8) -> bool = match b.get(start + 1) {
        Some(b'x') => u8::is_ascii_hexdigit,
        Some(b'b') => |c| *c == b'0' || *c == b'1',
        _ => return reject(format!("`#` not followed by x or b at byte {start}")),
    };
    let mut i = start + 2;
    while b.get(i).is_some_and(digit) {
        i += 1;
    }
    if i == start + 2 {
        return reject(format!("an empty bit-vector literal at byte {start}"));
    }
    toks.push(Tok::Number(src[start..i].to_string()));
    Ok(i)
}

/// An s-expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sexp {
    Atom(Tok),
    List(Vec<Sexp>),
}

/// Builds the top-level s-expressions of a token stream (iteratively; depth ≤ [`MAX_SMT2_DEPTH`]).
pub fn parse(toks: Vec<Tok>) -> Result<Vec<Sexp>, Rejected> {
    let mut stack: Vec<Vec<Sexp>> = vec![Vec::new()];
    for t in toks {
        match t {
            Tok::Open => {
                if stack.len() > MAX_SMT2_DEPTH {
                    return reject(format!(
                        "nesting deeper than MAX_SMT2_DEPTH = {MAX_SMT2_DEPTH}"
                    ));
                }
                stack.push(Vec::new());
            }
            Tok::Close => {
                if stack.len() == 1 {
                    return reject("unbalanced `)`");
                }
                let list = stack.pop().unwrap_or_default();
                if let Some(top) = stack.last_mut() {
                    top.push(Sexp::List(list));
                }
            }
            atom => {
                if stack.len() == 1 {
                    return reject("text outside a command");
                }
                if let Some(top) = stack.last_mut() {
                    top.push(Sexp::Atom(atom));
                }
            }
        }
    }
    if stack.len() != 1 {
        return reject("unbalanced `(`");
    }
    Ok(stack.pop().unwrap_or_default())
}

/// What an accepted top-level command is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A declaration, definition or `assert`: re-emitted for Z3.
    Pass { assert: bool },
    /// `(set-info :status sat|unsat)`: the block declares its expected answer.
    Status(bool),
    /// `(exit)`: nothing after it is read.
    Exit,
    /// Read and dropped (`set-logic`, `check-sat`, other `set-info`, output commands).
    Ignored,
}

/// Classifies one top-level command; `Err` for anything not on the allowlist.
pub fn classify(cmd: &Sexp) -> Result<Command, Rejected> {
    let Sexp::List(items) = cmd else {
        return reject("text outside a command");
    };
    let head = match items.first() {
        Some(Sexp::Atom(Tok::Symbol(s))) => s.as_str(),
        _ => return reject("a command must start with its name"),
    };
    Ok(match head {
        "declare-const" | "declare-fun" | "declare-sort" | "define-fun" | "define-sort"
        | "define-const" | "define-fun-rec" | "define-funs-rec" | "declare-datatype"
        | "declare-datatypes" => Command::Pass { assert: false },
        "assert" => Command::Pass { assert: true },
        "set-info" => match &items[1..] {
            [Sexp::Atom(Tok::Keyword(k)), Sexp::Atom(Tok::Symbol(v))] if k == ":status" => {
                match v.as_str() {
                    "sat" => Command::Status(true),
                    "unsat" => Command::Status(false),
                    _ => Command::Ignored,
                }
            }
            _ => Command::Ignored,
        },
        "exit" => Command::Exit,
        "set-logic" | "check-sat" | "get-model" | "get-value" | "get-info" | "get-assertions"
        | "get-proof" | "get-unsat-core" | "get-option" => Command::Ignored,
        other => {
            return reject(format!(
                "SMT-LIB command `({other} …)` is not allowed; the block was not run"
            ))
        }
    })
}

/// Writes `e` as canonical SMT-LIB text (single spaces, no comments), which Z3 lexes into
/// exactly the tokens of `e`: quoted symbols hold no `|` or backslash, strings no backslash.
pub fn emit(e: &Sexp, out: &mut String) {
    // Iterative: the depth was bounded by `parse`, but a walk need not recurse at all.
    enum Step<'a> {
        Node(&'a Sexp),
        Close,
    }
    let mut stack = vec![Step::Node(e)];
    let mut first = true;
    while let Some(step) = stack.pop() {
        match step {
            Step::Close => out.push(')'),
            Step::Node(node) => {
                if !first && !out.ends_with('(') {
                    out.push(' ');
                }
                first = false;
                match node {
                    Sexp::List(items) => {
                        out.push('(');
                        stack.push(Step::Close);
                        stack.extend(items.iter().rev().map(Step::Node));
                    }
                    Sexp::Atom(t) => emit_atom(t, out),
                }
            }
        }
    }
}

fn emit_atom(t: &Tok, out: &mut String) {
    match t {
        Tok::Open => out.push('('),
        Tok::Close => out.push(')'),
        Tok::Symbol(s) | Tok::Keyword(s) | Tok::Number(s) => out.push_str(s),
        Tok::Quoted(s) => {
            let _ = write!(out, "|{s}|");
        }
        Tok::Str(s) => {
            let _ = write!(out, "\"{}\"", s.replace('"', "\"\""));
        }
    }
}

/// The accepted block: canonical text for Z3, the declared status, and notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Declarations, definitions and asserts, re-emitted one per line.
    pub text: String,
    /// How many `assert`s were kept.
    pub asserts: usize,
    /// `Some(true)` when the block declares `:status sat`, `Some(false)` for `unsat`.
    pub expected: Option<bool>,
    /// Things worth saying in the evidence ("stopped at (exit)").
    pub notes: Vec<String>,
}

/// Lexes, parses and filters an SMT-LIB block. `Err` says why it was not accepted.
pub fn accept(src: &str) -> Result<Accepted, Rejected> {
    let forms = parse(lex(src)?)?;
    let mut acc = Accepted::default();
    for form in &forms {
        match classify(form)? {
            Command::Pass { assert } => {
                acc.asserts += usize::from(assert);
                emit(form, &mut acc.text);
                acc.text.push('\n');
            }
            Command::Status(s) => acc.expected = Some(s),
            Command::Exit => {
                acc.notes.push("stopped at (exit)".into());
                break;
            }
            Command::Ignored => {}
        }
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_split_and_validated() {
        let a =
            accept("; c\n(declare-const x Int) (assert (> x |a b)|)) (check-sat)\n(exit)").unwrap();
        assert_eq!(a.asserts, 1);
        assert_eq!(a.text, "(declare-const x Int)\n(assert (> x |a b)|))\n");
        assert_eq!(a.notes, ["stopped at (exit)"]);
        assert!(accept("(assert (> x 1)").is_err());
        assert!(accept("(assert x))").is_err());
        assert!(accept(&"(".repeat(5000))
            .unwrap_err()
            .0
            .contains("MAX_SMT2_DEPTH"));
        assert!(accept("hello (assert true)").is_err());
    }

    #[test]
    fn escaped_bar_does_not_end_a_quoted_symbol() {
        // Z3 reads `|a\|` as the start of one long symbol: the rest is inside it.
        assert_eq!(quoted_end(b"|a\\| b|", 0), Some(6));
        assert_eq!(quoted_end(b"|a\\\\| b|", 0), Some(7));
        assert_eq!(quoted_end(b"|ab| c|", 0), Some(3));
        let err = accept("(assert |a\\|) (set-option :x 1) (assert |b|)").unwrap_err();
        assert!(err.0.contains("backslash"), "{err}");
    }

    #[test]
    fn strings_numbers_and_keywords() {
        let t = lex("(echo \"a \"\"b\"\" c\") -12 3.5 #x1F #b10 :status").unwrap();
        assert_eq!(t[2], Tok::Str("a \"b\" c".into()));
        assert_eq!(t[4], Tok::Number("-12".into()));
        assert_eq!(t[5], Tok::Number("3.5".into()));
        assert_eq!(t[6], Tok::Number("#x1F".into()));
        assert_eq!(t[8], Tok::Keyword(":status".into()));
        assert!(lex("\"a\\\"b\"").is_err());
        assert!(lex("#|c|#").is_err());
        assert!(lex("(a,b)").is_err());
        assert!(lex("(a {b})").is_err());
    }

    #[test]
    fn commands_outside_the_allowlist_are_rejected() {
        for bad in [
            "(set-option :regular-output-channel \"/tmp/x\")",
            "(echo \"hi\")",
            "(include \"/etc/passwd\")",
            "(eval 1)",
            "(push 100000000)",
            "(pop 1)",
            "(reset)",
            "(check-sat-assuming (a))",
            "(frobnicate)",
            "(|assert| true)",
        ] {
            assert!(accept(bad).is_err(), "{bad}");
        }
        let a = accept("(set-info :status sat) (assert true)").unwrap();
        assert_eq!(a.expected, Some(true));
    }

    #[test]
    fn emitted_text_lexes_back_to_the_same_tokens() {
        let src = "(assert (= |x y| (str.++ \"a\"\"b\" \"\")))";
        let forms = parse(lex(src).unwrap()).unwrap();
        let mut out = String::new();
        emit(&forms[0], &mut out);
        assert_eq!(parse(lex(&out).unwrap()).unwrap(), forms);
    }
}
