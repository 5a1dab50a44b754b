//! `judge --show`: for each failing test, its input, the expected and the received output
//! (truncated by the judge), with the first differing token marked: `>>token<<` in plain
//! text, red/green on a terminal.

use crate::sandbox::{JudgeReport, Verdict};
use anyhow::Result;
use std::io::Write;

/// Most lines of each block printed (the judge already truncates the text itself).
pub const MAX_SHOW_LINES: usize = 40;

/// Byte ranges of the first whitespace-separated token where `a` and `b` differ (`None` when
/// the token sequences are equal); a missing token is an empty range at the end.
fn first_difference(a: &str, b: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut ta = tokens(a);
    let mut tb = tokens(b);
    loop {
        match (ta.next(), tb.next()) {
            (None, None) => return None,
            (x, y) => {
                let rx = x.unwrap_or(a.len()..a.len());
                let ry = y.unwrap_or(b.len()..b.len());
                if a[rx.clone()] != b[ry.clone()] {
                    return Some((rx, ry));
                }
            }
        }
    }
}

fn tokens(s: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let bytes = s.as_bytes();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        Some(start..i)
    })
}

/// `text` with `mark` highlighted, indented, at most [`MAX_SHOW_LINES`] lines.
fn block(text: &str, mark: Option<std::ops::Range<usize>>, colour: &str) -> String {
    let marked = match mark {
        Some(r) if colour.is_empty() => {
            let tok = if r.is_empty() {
                "(nothing)"
            } else {
                &text[r.clone()]
            };
            format!("{}>>{}<<{}", &text[..r.start], tok, &text[r.end..])
        }
        Some(r) => {
            let tok = if r.is_empty() {
                "(nothing)"
            } else {
                &text[r.clone()]
            };
            format!(
                "{}\x1b[1;{colour}m{}\x1b[0m{}",
                &text[..r.start],
                tok,
                &text[r.end..]
            )
        }
        None => text.to_string(),
    };
    let mut out = String::new();
    let lines: Vec<&str> = marked.trim_end().lines().collect();
    for line in lines.iter().take(MAX_SHOW_LINES) {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > MAX_SHOW_LINES {
        out.push_str(&format!(
            "  [… {} more lines]\n",
            lines.len() - MAX_SHOW_LINES
        ));
    }
    if lines.is_empty() {
        out.push_str("  (empty)\n");
    }
    out
}

/// Prints the failing tests' details after the table.
pub fn print_failures(out: &mut dyn Write, report: &JudgeReport, colour: bool) -> Result<()> {
    for t in report.tests.iter().filter(|t| t.verdict != Verdict::AC) {
        writeln!(
            out,
            "\n=== {}: {} {}",
            t.name,
            t.verdict,
            t.message.trim_end()
        )?;
        let got = t.stdout.as_deref().unwrap_or("");
        let diff = match (&t.answer, t.verdict) {
            (Some(a), Verdict::WA | Verdict::PE) => first_difference(a, got),
            _ => None,
        };
        if let Some(input) = &t.input {
            write!(out, "--- input\n{}", block(input, None, ""))?;
        }
        let (red, green) = if colour { ("31", "32") } else { ("", "") };
        if let Some(a) = &t.answer {
            let mark = diff.as_ref().map(|d| d.0.clone());
            write!(out, "--- expected\n{}", block(a, mark, green))?;
        }
        let mark = diff.as_ref().map(|d| d.1.clone());
        write!(out, "--- received\n{}", block(got, mark, red))?;
        if let Some(e) = t.stderr.as_deref().filter(|e| !e.trim().is_empty()) {
            write!(out, "--- stderr\n{}", block(e, None, ""))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_first_differing_token() {
        let (a, b) = first_difference("1 2 3\n", "1 2\n4").unwrap();
        assert_eq!((a, b), (4..5, 4..5));
        assert_eq!(first_difference("1 2", "1  2\n"), None);
        let (a, b) = first_difference("1 2", "1").unwrap();
        assert_eq!((a, b), (2..3, 1..1));
        assert_eq!(block("1 2\n", Some(2..3), ""), "  1 >>2<<\n");
    }
}
