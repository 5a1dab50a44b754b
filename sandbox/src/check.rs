//! Built-in output checkers (custom checkers run in the sandbox, see `judge`).
//!
//! Each compares a solution's output with the expected answer and returns a verdict (AC, WA or
//! PE) with a message naming the first difference.

use crate::{Checker, Verdict};

/// Parses a `--checker` value: `tokens`, `lines`, `exact`, `float:EPS`, `yesno`, or a path to
/// a C++ checker source.
pub fn parse_checker(s: &str) -> Result<Checker, String> {
    match s {
        "tokens" => Ok(Checker::Tokens),
        "lines" => Ok(Checker::Lines),
        "exact" => Ok(Checker::Exact),
        "yesno" => Ok(Checker::YesNo),
        _ => {
            if let Some(eps) = s.strip_prefix("float:") {
                let e: f64 = eps
                    .parse()
                    .map_err(|_| format!("bad epsilon in `{s}` (expected e.g. float:1e-6)"))?;
                if !(e.is_finite() && e >= 0.0) {
                    return Err(format!("epsilon must be a finite number >= 0, got {eps}"));
                }
                Ok(Checker::Float(e))
            } else if s == "float" {
                Ok(Checker::Float(1e-6))
            } else if s.ends_with(".cpp") || s.ends_with(".cc") || s.ends_with(".cxx") {
                Ok(Checker::Custom(s.into()))
            } else {
                Err(format!(
                    "unknown checker `{s}` (tokens, lines, exact, float:EPS, yesno, or a .cpp checker)"
                ))
            }
        }
    }
}

/// Compares `output` with `answer` with a built-in checker. Custom checkers are not handled
/// here (the judge runs them in the sandbox).
pub fn check_builtin(checker: &Checker, output: &str, answer: &str) -> (Verdict, String) {
    match checker {
        Checker::Tokens => tokens(output, answer, |a, b| a == b),
        Checker::YesNo => tokens(output, answer, |a, b| a.eq_ignore_ascii_case(b)),
        Checker::Float(eps) => tokens(output, answer, |a, b| float_eq(a, b, *eps)),
        Checker::Lines => lines(output, answer),
        Checker::Exact => exact(output, answer),
        Checker::Custom(_) => (Verdict::IE, "custom checker passed to check_builtin".into()),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

fn tokens(output: &str, answer: &str, eq: impl Fn(&str, &str) -> bool) -> (Verdict, String) {
    let mut out = output.split_ascii_whitespace();
    let mut ans = answer.split_ascii_whitespace();
    let mut i = 0usize;
    loop {
        i += 1;
        match (out.next(), ans.next()) {
            (None, None) => return (Verdict::AC, format!("{} tokens", i - 1)),
            (Some(o), Some(a)) => {
                if !eq(o, a) {
                    return (
                        Verdict::WA,
                        format!(
                            "token {i}: expected `{}`, found `{}`",
                            shorten(a),
                            shorten(o)
                        ),
                    );
                }
            }
            (None, Some(a)) => {
                return (
                    Verdict::WA,
                    format!("output ends at token {i}; expected `{}`", shorten(a)),
                )
            }
            (Some(o), None) => {
                return (
                    Verdict::WA,
                    format!("extra output at token {i}: `{}`", shorten(o)),
                )
            }
        }
    }
}

/// Absolute-or-relative comparison (like testlib's rcmp): numbers match when
/// `|o - a| <= eps` or `|o - a| <= eps * |a|`; non-numbers must be equal.
fn float_eq(o: &str, a: &str, eps: f64) -> bool {
    match (o.parse::<f64>(), a.parse::<f64>()) {
        (Ok(x), Ok(y)) => {
            if x.is_nan() || y.is_nan() {
                return x.is_nan() && y.is_nan();
            }
            if x.is_infinite() || y.is_infinite() {
                return x == y;
            }
            let d = (x - y).abs();
            d <= eps || d <= eps * y.abs()
        }
        _ => o == a,
    }
}

fn normalized_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().map(|l| l.trim_end()).collect();
    while v.last() == Some(&"") {
        v.pop();
    }
    v
}

fn lines(output: &str, answer: &str) -> (Verdict, String) {
    let o = normalized_lines(output);
    let a = normalized_lines(answer);
    for i in 0..o.len().max(a.len()) {
        match (o.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                let msg = format!(
                    "line {}: expected `{}`, found `{}`",
                    i + 1,
                    shorten(y.copied().unwrap_or("<end of answer>")),
                    shorten(x.copied().unwrap_or("<end of output>"))
                );
                return (presentation_or_wrong(output, answer), msg);
            }
        }
    }
    (Verdict::AC, format!("{} lines", a.len()))
}

fn exact(output: &str, answer: &str) -> (Verdict, String) {
    if output == answer {
        return (Verdict::AC, format!("{} bytes", answer.len()));
    }
    let pos = output
        .bytes()
        .zip(answer.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(output.len().min(answer.len()));
    (
        presentation_or_wrong(output, answer),
        format!(
            "outputs differ at byte {pos} (output {} bytes, answer {} bytes)",
            output.len(),
            answer.len()
        ),
    )
}

/// When the tokens agree, a mismatch is only about whitespace: PE.
fn presentation_or_wrong(output: &str, answer: &str) -> Verdict {
    if output
        .split_ascii_whitespace()
        .eq(answer.split_ascii_whitespace())
    {
        Verdict::PE
    } else {
        Verdict::WA
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_ignore_whitespace() {
        assert_eq!(
            check_builtin(&Checker::Tokens, "1  2\n3\n", "1 2 3").0,
            Verdict::AC
        );
        let (v, m) = check_builtin(&Checker::Tokens, "1 2 4", "1 2 3");
        assert_eq!(v, Verdict::WA);
        assert!(m.contains("token 3"), "{m}");
        assert_eq!(
            check_builtin(&Checker::Tokens, "1 2", "1 2 3").0,
            Verdict::WA
        );
    }

    #[test]
    fn lines_and_exact_give_pe_on_whitespace() {
        assert_eq!(
            check_builtin(&Checker::Lines, "a b  \nc\n\n", "a b\nc").0,
            Verdict::AC
        );
        assert_eq!(
            check_builtin(&Checker::Lines, "a\nb\n", "a b\n").0,
            Verdict::PE
        );
        assert_eq!(
            check_builtin(&Checker::Lines, "a\nc\n", "a b\n").0,
            Verdict::WA
        );
        assert_eq!(check_builtin(&Checker::Exact, "1\n", "1\n").0, Verdict::AC);
        assert_eq!(check_builtin(&Checker::Exact, "1 \n", "1\n").0, Verdict::PE);
    }

    #[test]
    fn float_abs_or_rel() {
        let c = Checker::Float(1e-6);
        assert_eq!(check_builtin(&c, "0.3333334", "0.333333333").0, Verdict::AC);
        assert_eq!(check_builtin(&c, "1000000.5", "1000000.0").0, Verdict::AC);
        assert_eq!(check_builtin(&c, "0.3334", "0.3333").0, Verdict::WA);
        assert_eq!(check_builtin(&c, "abc", "abc").0, Verdict::AC);
    }

    #[test]
    fn yesno_case_insensitive() {
        assert_eq!(
            check_builtin(&Checker::YesNo, "YES\nno", "yes NO").0,
            Verdict::AC
        );
        assert_eq!(check_builtin(&Checker::YesNo, "YES", "NO").0, Verdict::WA);
    }

    #[test]
    fn parse_checker_values() {
        assert_eq!(parse_checker("float:1e-9"), Ok(Checker::Float(1e-9)));
        assert!(parse_checker("float:x").is_err());
        assert!(parse_checker("nope").is_err());
        assert!(matches!(parse_checker("chk.cpp"), Ok(Checker::Custom(_))));
    }
}
