//! Text checks on untrusted C/C++ before and after preprocessing (see the parent module).

use std::collections::HashSet;
use std::path::PathBuf;
use std::result::Result;

/// Source-level checks before clang sees the text. Returns the CE message on rejection.
pub fn prescan(source: &str) -> std::result::Result<(), String> {
    if source.contains('\0') {
        return Err("source contains a NUL byte".into());
    }
    // Trigraphs are live in strict ISO C modes: `??=` is `#`, `??/` is a backslash.
    let source = source.replace("??=", "#").replace("??/", "\\");
    let text = strip_comments(&join_continuations(&source));
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let lineno = i + 1;
        // Directive lines: `#` then a name.
        if let Some(rest) = t.strip_prefix('#').or_else(|| t.strip_prefix("%:")) {
            let rest = rest.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let arg = rest[name.len()..].trim();
            match name.as_str() {
                "include_next" | "import" | "embed" => {
                    return Err(format!(
                        "line {lineno}: #{name} is not allowed in the sandbox"
                    ));
                }
                "include" => {
                    check_header_name(arg)
                        .map_err(|e| format!("line {lineno}: #{name} {arg}: {e}"))?;
                }
                "line" => {
                    return Err(format!(
                        "line {lineno}: #line is not allowed in the sandbox"
                    ));
                }
                n if n.starts_with(|c: char| c.is_ascii_digit()) => {
                    return Err(format!(
                        "line {lineno}: line markers are not allowed in the sandbox"
                    ));
                }
                "pragma" => {
                    let lower = arg.to_ascii_lowercase();
                    if lower.contains("dependency")
                        || lower.contains("include")
                        || lower.contains("embed")
                    {
                        return Err(format!(
                            "line {lineno}: #pragma {arg}: not allowed in the sandbox"
                        ));
                    }
                }
                _ => {}
            }
        }
        for needle in ["__has_embed", "__has_include_next"] {
            if line.contains(needle) {
                return Err(format!(
                    "line {lineno}: {needle} is not allowed in the sandbox"
                ));
            }
        }
        for needle in ["__has_include"] {
            let mut from = 0;
            while let Some(pos) = line[from..].find(needle) {
                let after = line[from + pos + needle.len()..].trim_start();
                if let Some(inner) = after.strip_prefix('(') {
                    let end = inner.find(')').unwrap_or(inner.len());
                    check_header_name(inner[..end].trim())
                        .map_err(|e| format!("line {lineno}: {needle}: {e}"))?;
                }
                from += pos + needle.len();
            }
        }
    }
    Ok(())
}

/// Accepts `<name>` or `"name"` whose name is relative, without `..` or backslashes.
fn check_header_name(arg: &str) -> std::result::Result<(), String> {
    let name = if let Some(r) = arg.strip_prefix('<') {
        r.split('>').next().unwrap_or("")
    } else if let Some(r) = arg.strip_prefix('"') {
        r.split('"').next().unwrap_or("")
    } else {
        return Err("computed include names are not allowed in the sandbox".into());
    };
    if name.starts_with('/') || name.contains("..") || name.contains('\\') || name.starts_with('~')
    {
        return Err(format!(
            "only the standard library and the submission's own files may be included, not `{name}`"
        ));
    }
    if name.starts_with("dev/") || name.starts_with("proc/") || name.starts_with("sys/fs") {
        return Err(format!("`{name}` may not be included"));
    }
    Ok(())
}

fn join_continuations(s: &str) -> String {
    s.replace("\\\r\n", "").replace("\\\n", "")
}

/// Removes `//` and `/* */` comments (keeping string and character literals intact).
fn strip_comments(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                out.push(b' ');
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        out.push(b'\n');
                    }
                    i += 1;
                }
                i += 2;
            }
            q @ (b'"' | b'\'') => {
                out.push(q);
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        out.push(b[i]);
                        i += 1;
                    }
                    out.push(b[i]);
                    i += 1;
                }
                if i < b.len() && b[i] == q {
                    out.push(q);
                    i += 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Identifiers that make a C++ translation unit need WebAssembly exception handling: the
/// handler keywords (without them no frame of the user's code can catch anything, so a throw
/// can only pass through it to `std::terminate`).
const EXCEPTION_HANDLER_WORDS: &[&str] = &["try", "catch"];

/// Whether the user's own text (the source and the headers taken along with it, not the
/// toolchain's headers) may contain an exception handler: a `try` or `catch` token outside
/// comments and string/character literals, or a `##` token paste (a macro could paste one
/// together). Conservative: `#if 0` blocks and raw strings count too, since a false `true` only
/// costs speed while a false `false` would compile a `catch` that never catches.
pub(crate) fn may_catch_exceptions(text: &str) -> bool {
    let text = join_continuations(text);
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if text[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
        } else if text[i..].starts_with("##") {
            return true;
        } else if c == b'"' || c == b'\'' {
            i = skip_literal_in_line(b, i);
        } else if c.is_ascii_digit() {
            i = skip_pp_number(b, i);
        } else if is_ident_byte(c) {
            let start = i;
            while i < b.len() && is_ident_byte(b[i]) {
                i += 1;
            }
            let ident = &text[start..i];
            if EXCEPTION_HANDLER_WORDS.contains(&ident) {
                return true;
            }
            if b.get(i) == Some(&b'"') && matches!(ident, "R" | "u8R" | "uR" | "UR" | "LR") {
                // A raw string: skip to its `)delim"`; a malformed one is skipped as a literal.
                let rest = &text[i + 1..];
                match rest.find('(').filter(|p| *p <= 16) {
                    Some(open) => {
                        let close = format!("){}\"", &rest[..open]);
                        i = rest[open..]
                            .find(&close)
                            .map_or(b.len(), |p| i + 1 + open + p + close.len());
                    }
                    None => i = skip_literal_in_line(b, i),
                }
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Like [`skip_literal`], but an unterminated literal ends at the end of its line.
fn skip_literal_in_line(b: &[u8], i: usize) -> usize {
    let end = b[i + 1..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + 1 + p);
    skip_literal(&b[..end], i)
}

/// Pragmas that may not reach the compiler: they read files (`GCC dependency`, MS
/// `include_alias`), load modules, embed data or poke at clang's internals (`__debug`).
const FORBIDDEN_PRAGMA_WORDS: &[&str] = &["dependency", "include", "embed", "module", "__debug"];

/// Checks clang's preprocessed output before it is compiled. The compile step runs with
/// trigraphs and digraphs off, so only a literal `#` that is the first token of a line can begin
/// a directive there; this lexer finds every such `#` (lines split at `\n` and `\r`, as clang
/// does; comments and whitespace skipped; string, character and raw string literals skipped) and
/// allows only line markers whose file lies under an allowed root, pragmas outside
/// [`FORBIDDEN_PRAGMA_WORDS`] and the null directive. It also rejects what could make clang see
/// lines differently from this lexer (a backslash at the end of a line, NUL bytes, invalid
/// UTF-8) and inline assembly (`.incbin` reads host files). Conservative: a raw string literal
/// holding a `#` line at its start is rejected too (clang never prints such text otherwise).
pub(crate) fn check_preprocessed(text: &[u8], roots: &[PathBuf]) -> Result<(), String> {
    let text = std::str::from_utf8(text)
        .map_err(|_| "the preprocessed source is not valid UTF-8".to_string())?;
    if text.contains('\0') {
        return Err("the preprocessed source contains a NUL byte".into());
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut lexer = PpLexer::default();
    for line in text.split(['\n', '\r']) {
        if line
            .trim_end_matches([' ', '\t', '\x0b', '\x0c'])
            .ends_with('\\')
        {
            return Err(
                "a backslash at the end of a line (a line splice) is not allowed after \
                 preprocessing"
                    .into(),
            );
        }
        match lexer.line(line)? {
            Some(directive) => check_directive(directive, roots, &mut seen)?,
            None => continue,
        }
    }
    Ok(())
}

/// The state of [`check_preprocessed`]'s lexer between physical lines.
#[derive(Default)]
struct PpLexer {
    /// Inside a block comment.
    block: bool,
    /// Inside a raw string literal: its closing `)delim"`.
    raw: Option<String>,
}

impl PpLexer {
    /// Lexes one physical line. Returns the text from a directive-introducing `#` (the first
    /// token of the line, after whitespace and comments) to the end of the line, if there is
    /// one; rejects inline assembly.
    fn line<'a>(&mut self, line: &'a str) -> Result<Option<&'a str>, String> {
        let b = line.as_bytes();
        let mut at_start = self.raw.is_none();
        let mut i = 0;
        while i < b.len() {
            if let Some(close) = &self.raw {
                match line[i..].find(close.as_str()) {
                    Some(p) => {
                        i += p + close.len();
                        self.raw = None;
                        continue;
                    }
                    None => return Ok(None),
                }
            }
            if self.block {
                match line[i..].find("*/") {
                    Some(p) => {
                        i += p + 2;
                        self.block = false;
                        continue;
                    }
                    None => return Ok(None),
                }
            }
            let c = b[i];
            if matches!(c, b' ' | b'\t' | b'\x0b' | b'\x0c') {
                i += 1;
                continue;
            }
            if line[i..].starts_with("/*") {
                self.block = true;
                i += 2;
                continue;
            }
            if line[i..].starts_with("//") {
                return Ok(None);
            }
            if at_start && c == b'#' {
                return Ok(Some(&line[i..]));
            }
            at_start = false;
            if c == b'"' || c == b'\'' {
                i = skip_literal(b, i);
            } else if c.is_ascii_digit()
                || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                i = skip_pp_number(b, i);
            } else if is_ident_byte(c) {
                let start = i;
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
                let ident = &line[start..i];
                if matches!(ident, "asm" | "__asm" | "__asm__") {
                    return Err("inline assembly is not allowed in the sandbox".into());
                }
                match b.get(i) {
                    Some(b'"') if matches!(ident, "R" | "u8R" | "uR" | "UR" | "LR") => {
                        let rest = &line[i + 1..];
                        let Some(open) = rest.find('(').filter(|p| *p <= 16) else {
                            return Err("malformed raw string literal after preprocessing".into());
                        };
                        self.raw = Some(format!("){}\"", &rest[..open]));
                        i += 1 + open + 1;
                    }
                    Some(b'"' | b'\'') if matches!(ident, "u8" | "u" | "U" | "L") => {
                        i = skip_literal(b, i);
                    }
                    _ => {}
                }
            } else {
                i += 1;
            }
        }
        Ok(None)
    }
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Skips a string or character literal starting at `b[i]`; an unterminated one ends the line.
fn skip_literal(b: &[u8], mut i: usize) -> usize {
    let q = b[i];
    i += 1;
    while i < b.len() && b[i] != q {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    (i + 1).min(b.len())
}

/// Skips a preprocessing number (with C++14 digit separators and exponent signs).
fn skip_pp_number(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        let c = b[i];
        if matches!(c, b'+' | b'-') && matches!(b[i - 1], b'e' | b'E' | b'p' | b'P') {
            i += 1;
        } else if c == b'\'' && b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()) {
            i += 2;
        } else if is_ident_byte(c) || c == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Checks one directive line of the preprocessed output (`text` starts at its `#`).
fn check_directive(
    text: &str,
    roots: &[PathBuf],
    seen: &mut HashSet<String>,
) -> Result<(), String> {
    let rest = text[1..].trim_start_matches([' ', '\t', '\x0b', '\x0c']);
    if rest.is_empty() {
        return Ok(());
    }
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let file = marker_file(rest).ok_or_else(|| {
            format!(
                "malformed line marker after preprocessing: `{}`",
                text.chars().take(80).collect::<String>()
            )
        })?;
        if (file.starts_with('<') && file.ends_with('>')) || !seen.insert(file.clone()) {
            return Ok(()); // <built-in>, <command line>, or already checked
        }
        let p = std::fs::canonicalize(&file).map_err(|_| {
            format!("the preprocessor read `{file}`, which the sandbox does not allow")
        })?;
        if !roots.iter().any(|r| p.starts_with(r)) {
            return Err(format!(
                "only the standard library and the submission's own files may be included, not `{file}`"
            ));
        }
        return Ok(());
    }
    if let Some(args) = rest.strip_prefix("pragma") {
        if args.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "unknown directive `#{}`",
                rest.chars().take(40).collect::<String>()
            ));
        }
        let lower = args.to_ascii_lowercase();
        if FORBIDDEN_PRAGMA_WORDS.iter().any(|w| lower.contains(w)) {
            return Err(format!(
                "`#pragma{}` is not allowed in the sandbox",
                args.chars().take(60).collect::<String>()
            ));
        }
        return Ok(());
    }
    Err(format!(
        "a preprocessor directive was produced by macro expansion: `{}`",
        text.chars().take(80).collect::<String>()
    ))
}

/// The file named by a line marker `N "file" flags…` (clang escapes `\` and `"` in it); `None`
/// when the marker is malformed or has anything but flags after the name.
fn marker_file(rest: &str) -> Option<String> {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after = rest[digits..].trim_start().strip_prefix('"')?;
    let mut file = String::new();
    let mut chars = after.char_indices();
    let tail = loop {
        match chars.next()? {
            (_, '\\') => file.push(chars.next()?.1),
            (j, '"') => break &after[j + 1..],
            (_, c) => file.push(c),
        }
    };
    tail.bytes()
        .all(|c| c.is_ascii_digit() || c == b' ')
        .then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prescan_rejects_host_paths() {
        assert!(prescan("#include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#  include </dev/zero>\n").is_err());
        assert!(prescan("#include \"../secret.h\"\n").is_err());
        assert!(prescan("#/**/include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#inc\\\nlude \"/etc/passwd\"\n").is_err());
        assert!(prescan("#define F \"/etc/passwd\"\n#include F\n").is_err());
        assert!(prescan("#if __has_include(\"/etc/shadow\")\n#endif\n").is_err());
        assert!(prescan("#embed \"/etc/passwd\"\n").is_err());
        assert!(prescan("??=include \"/etc/passwd\"\n").is_err());
        assert!(prescan("#line 1 \"/usr/include/stdio.h\"\n").is_err());
        assert!(prescan("#pragma GCC dependency \"/etc/passwd\"\n").is_err());
    }

    #[test]
    fn prescan_accepts_contest_code() {
        let src = "#include <bits/stdc++.h>\n#include \"mine.h\"\n#pragma GCC optimize(\"O3\")\n// #include \"/etc/passwd\"\nint main(){ const char* s = \"#include </etc/x>\"; }\n";
        assert_eq!(prescan(src), Ok(()));
    }

    fn pp(text: &str) -> Result<(), String> {
        check_preprocessed(
            text.as_bytes(),
            &[PathBuf::from("/usr/include/wasm32-wasi")],
        )
    }

    #[test]
    fn preprocessed_output_rejects_directives_and_asm() {
        assert!(
            pp(" %: include \"/etc/passwd\"\n").is_ok(),
            "digraphs are off in step 2"
        );
        assert!(pp(" # include \"/etc/passwd\"\n").is_err());
        assert!(pp("int a; /*\n*/ #include \"/etc/passwd\"\n").is_err());
        assert!(pp("/* x */ # embed \"/etc/passwd\"\n").is_err());
        assert!(pp("int a;\r#include \"/etc/passwd\"\n").is_err());
        assert!(pp("int a; \\\n#include \"/etc/passwd\"\n").is_err());
        assert!(pp("int a; \\ \n").is_err());
        assert!(pp("# 1 \"/etc/passwd\" 1\n").is_err());
        assert!(pp("#pragma GCC dependency \"/etc/passwd\"\n").is_err());
        assert!(pp("int x = 1'0; asm(\".incbin\");\n").is_err());
        assert!(pp("  __asm__ volatile(\"\")\n").is_err());
        assert!(pp("int a\0;\n").is_err());
    }

    #[test]
    fn preprocessed_output_accepts_literals_and_markers() {
        let ok = "# 1 \"<built-in>\" 3\n#pragma GCC optimize(\"O3\")\n#\n\
                  int plasma = 1; const char* s = \"asm # x\"; char c = '#';\n\
                  const char* r = R\"x(\n)x\" \"#include\";\nint y = 1'000'000;\n";
        assert_eq!(pp(ok), Ok(()));
    }

    #[test]
    fn handler_tokens_are_found_in_code_only() {
        assert!(may_catch_exceptions(
            "int main(){ try { f(); } catch (...) {} }"
        ));
        assert!(may_catch_exceptions("#define T tr\\\ny\nint main(){}"));
        assert!(may_catch_exceptions("#define CAT(a, b) a##b\n"));
        assert!(may_catch_exceptions("void f() try {} catch (int) {}"));
        assert!(may_catch_exceptions(
            "auto s = R\"x( )\" )x\"; int t; try {} catch (...) {}"
        ));
        assert!(!may_catch_exceptions(
            "#include <bits/stdc++.h>\n// try { } catch\n/* catch */ int main(){ \
             const char* s = \"try \\\" catch\"; char c = '\\''; int x = 1'000; \
             int retry = 0, catcher = 1; throw std::runtime_error(\"x\"); }"
        ));
        assert!(!may_catch_exceptions(
            "auto s = R\"d(try { } catch)d\"; int t;"
        ));
        assert!(!may_catch_exceptions(
            "const char* s = \"unterminated\nint t;"
        ));
    }
}
