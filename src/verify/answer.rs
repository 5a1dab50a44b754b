//! Final-answer equivalence: is the extracted answer the same as the reference?
//!
//! Owns [`compare`] (how firmly two answers match: [`Equivalence`]) and [`equivalent`] (match or
//! not). Modelled on the cases huggingface/Math-Verify handles (its docs and tests were read; no
//! code was taken): integers, fractions (`\dfrac`, `\frac12`), decimals, repeating decimals,
//! percentages, scientific notation, mixed numbers, LaTeX expressions, radicals, π, complex
//! numbers, intervals and unions, inequalities on one variable, sets and tuples, matrices,
//! solution lists (`x=2, x=3`, `a \pm b`), multiple-choice letters, text answers, `x = 3` vs `3`,
//! equations, degrees, units and `$` stripped, `1,000` vs `1000`.
//!
//! Everything runs in Rust on the parsed [`Expr`] AST (nothing is `eval`'ed): exact rational
//! arithmetic in `i128` where it fits, `f64` otherwise. Rules:
//! - exact rationals equal → `Equal`;
//! - otherwise constant values within [`REL_TOLERANCE`] (π, radicals, complex) → `Equal`;
//! - a decimal written with `d ≥ 2` digits after the point matches a value that rounds to it at
//!   `d` digits (`0.33` ~ `1/3`, `3.14` ~ `π`): the same "digits shown" rule as the step checker,
//!   but only `ProbablyEqual` (the numbers differ);
//! - a percentage `p%` matches `p/100` and `p`;
//! - polynomials with rational coefficients equal on an exact grid of `(degree+1)^n` points are
//!   the same polynomial → `Equal`; other expressions with variables (and equations, up to a
//!   constant factor) match when they agree at several fixed sample points: `ProbablyEqual`;
//! - a numeral in a base (`1011_2`, `(1011)_2`) matches only the same digits (in that base or
//!   written bare), never its value written otherwise; known units that differ (`5\text{ cm}` vs
//!   `5\text{ m}`) make answers different; a comma between digits is never a decimal comma;
//! - brackets: `{…}` is a set (order-free), `(…)`/`[…]` tuples or intervals (ends must match),
//!   a bare comma list is a set of solutions; `\cup` unions compare as sets of intervals.

use crate::chain::expr::{parse_math, Expr, Func as Fun};
use crate::verify::rational::{gcd_i128, Rat};

/// Relative tolerance for values that are not exact rationals (π, radicals, logs).
pub const REL_TOLERANCE: f64 = 1e-9;

/// Longest answer (bytes) compared structurally; longer ones are compared as text only. A final
/// answer is short; this bounds the work on hostile input.
pub const MAX_ANSWER_BYTES: usize = 2000;

/// How two final answers compare ([`compare`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Equivalence {
    /// Established: equal as text after normalisation, equal exact rationals (element by
    /// element for sets, tuples, intervals, matrices), the same choice letter, or constant
    /// expressions (π, radicals, complex numbers) equal within [`REL_TOLERANCE`], or
    /// polynomials equal on an exact grid (a proof of identity).
    Equal,
    /// Expressions with variables that agree at every one of several sample points (they are
    /// very likely the same function, but this is not a proof), or a decimal that matches a
    /// value only in the digits it shows (`0.33` vs `\frac13`).
    ProbablyEqual,
    /// Both answers were read and they differ.
    Different,
    /// One side is empty or too long to read structurally; nothing can be said.
    Unknown,
}

impl Equivalence {
    /// `Equal` or `ProbablyEqual`.
    pub fn is_match(self) -> bool {
        matches!(self, Equivalence::Equal | Equivalence::ProbablyEqual)
    }
}

/// Whether two final answers mean the same thing ([`compare`] is `Equal` or `ProbablyEqual`):
/// the answer is not refuted by the other. Answer-level evidence needs [`established`].
pub fn equivalent(a: &str, b: &str) -> bool {
    compare(a, b).is_match()
}

/// Whether `a` is established equal to `b` ([`compare`] is `Equal`, never `ProbablyEqual`): the
/// test every kind of answer-level evidence (reference, program, claim) passes.
pub fn established(a: &str, b: &str) -> bool {
    compare(a, b) == Equivalence::Equal
}

/// Compares two final answers and says how firmly (see [`Equivalence`]).
pub fn compare(a: &str, b: &str) -> Equivalence {
    if a.len() > MAX_ANSWER_BYTES || b.len() > MAX_ANSWER_BYTES {
        let (x, y) = (text_norm(a), text_norm(b));
        return if x.is_empty() || y.is_empty() {
            Equivalence::Unknown
        } else if x == y {
            Equivalence::Equal
        } else {
            Equivalence::Unknown
        };
    }
    let na = normalize(a);
    let nb = normalize(b);
    if na.is_empty() || nb.is_empty() {
        return Equivalence::Unknown;
    }
    if na == nb || squeeze_spaces(&na) == squeeze_spaces(&nb) {
        return Equivalence::Equal;
    }
    // `x = 3` → `3`, `18 apples` → `18`; `5\text{ cm}` vs `5\text{ m}` differ by their units.
    let va = strip_lhs_and_units(&na);
    let vb = strip_lhs_and_units(&nb);
    if !units_compatible(&na, &va, &nb, &vb) {
        return Equivalence::Different;
    }
    // `(f(n), g(n)) = (n, 1)` vs `(f(n) = n, g(n) = 1)`: values compared name by name; against
    // an answer without names, the values in the order written.
    match (assignments(&na), assignments(&nb)) {
        (Some(x), Some(y)) => return assignments_equal(&x, &y).into(),
        (Some(x), None) => return compare(&values_tuple(&x), &nb),
        (None, Some(y)) => return compare(&na, &values_tuple(&y)),
        (None, None) => {}
    }
    // `1011_2` vs `(1011)_2`, `1011`: a numeral in a base is compared by its digits.
    if let Some(m) = base_numerals_equal(&na, &nb) {
        return m.into();
    }
    match (choice(&na), choice(&nb)) {
        (Some(x), Some(y)) => {
            return if x == y {
                Equivalence::Equal
            } else {
                Equivalence::Different
            };
        }
        // `(C) 12` vs `12`: the option's value stated with it, compared with the value.
        (Some(_), None) => {
            if let Some(v) = choice_value(&na) {
                return compare(v, &nb);
            }
        }
        (None, Some(_)) => {
            if let Some(v) = choice_value(&nb) {
                return compare(&na, v);
            }
        }
        (None, None) => {}
    }
    let m = forms_equal(&form(&na), &form(&nb));
    if m != M::No {
        return m.into();
    }
    // `x = 3` vs `3`, `18 apples` vs `18`: compare the value-only forms too (but `y = 5` is not
    // `x = 5`).
    if (va != na || vb != nb) && lhs_compatible(&na, &nb) {
        let m = forms_equal(&form(&va), &form(&vb));
        if m != M::No {
            return m.into();
        }
    }
    if let Some(m) = equations_equal(&na, &nb) {
        return m.into();
    }
    if let (Some(x), Some(y)) = (families(&na), families(&nb)) {
        return families_equal(&x, &y).into();
    }
    Equivalence::Different
}

/// Largest base read from a numeral's subscript (`Z_{36}`: digits and capital letters).
const MAX_NUMERAL_BASE: u32 = 36;

/// Most digits of a numeral in a base read by [`base_numeral`].
const MAX_NUMERAL_DIGITS: usize = 64;

/// `1011_2`, `(1011)_2`, `1011_{2}`, `A3_{16}`, `n = 1011_2` → (`1011`, 2): the digits (leading
/// zeros dropped, letters upper-case) and the base of a whole answer that is one numeral in a
/// base (2 to [`MAX_NUMERAL_BASE`]). `None` when any digit is not below the base (`a_2`, `x_1`).
fn base_numeral(s: &str) -> Option<(String, u32)> {
    let t = s.trim();
    let t = match t.split_once('=') {
        Some((l, r)) if lhs_is_name(l) && !r.contains('=') => r.trim(),
        _ => t,
    };
    let (digits, base) = t.rsplit_once('_')?;
    let base: u32 = base
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .parse()
        .ok()?;
    let digits = digits.trim();
    let digits = digits
        .strip_prefix('(')
        .and_then(|d| d.strip_suffix(')'))
        .or_else(|| digits.strip_prefix('{').and_then(|d| d.strip_suffix('}')))
        .unwrap_or(digits)
        .trim();
    if !(2..=MAX_NUMERAL_BASE).contains(&base)
        || digits.is_empty()
        || digits.len() > MAX_NUMERAL_DIGITS
    {
        return None;
    }
    // Letters are digits only past base 10, and only as capitals (`b_{12}` is a name).
    let valid = digits.chars().all(|c| {
        c.to_digit(MAX_NUMERAL_BASE)
            .is_some_and(|v| v < base && (c.is_ascii_digit() || c.is_ascii_uppercase()))
    });
    if !valid {
        return None;
    }
    let d = digits.trim_start_matches('0');
    Some((if d.is_empty() { "0" } else { d }.to_string(), base))
}

/// When either answer is a numeral in a base ([`base_numeral`]): equal only to the same digits
/// in the same base, or to the same digits written without a base (`1011_2` = `1011`). The
/// value in another base is a different answer (`1011_2` ≠ `11`: the problem asked for base 2).
/// `None` when neither side is such a numeral.
fn base_numerals_equal(a: &str, b: &str) -> Option<M> {
    let bare = |s: &str| {
        let t = s.trim();
        let t = match t.split_once('=') {
            Some((l, r)) if lhs_is_name(l) && !r.contains('=') => r.trim(),
            _ => t,
        };
        let t = t.trim_start_matches('0');
        let t = if t.is_empty() && !s.trim().is_empty() {
            "0"
        } else {
            t
        };
        (!t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()))
        .then(|| t.to_string())
    };
    match (base_numeral(a), base_numeral(b)) {
        (Some(x), Some(y)) => Some(M::of(x == y)),
        (Some((d, _)), None) => Some(M::of(bare(b).is_some_and(|e| e == d))),
        (None, Some((d, _))) => Some(M::of(bare(a).is_some_and(|e| e == d))),
        (None, None) => None,
    }
}

/// Named values of an answer that names two or more: `(a, b) = (1, 2)`, `(a = 1, b = 2)`,
/// `a = 1, b = 2` → `[(a, 1), (b, 2)]` (names without spaces or braces). `None` unless every
/// part is `name = value` ([`lhs_is_name`]) and the names differ (`x = 2, x = 3` lists
/// solutions).
fn assignments(s: &str) -> Option<Vec<(String, String)>> {
    let inner = |t: &str| -> Option<String> {
        let t = t.trim();
        (t.starts_with('(') && t.ends_with(')') && outer_pair_encloses(t))
            .then(|| t[1..t.len() - 1].to_string())
    };
    let key = |n: &str| n.replace(['{', '}', ' '], "");
    let mut out: Vec<(String, String)> = Vec::new();
    let parts_eq = s.matches('=').count();
    if parts_eq == 1 {
        // `(a, b) = (1, 2)`.
        let (l, r) = s.split_once('=')?;
        let (names, values) = (split_commas(&inner(l)?), split_commas(&inner(r)?));
        if names.len() < 2 || names.len() != values.len() {
            return None;
        }
        for (n, v) in names.iter().zip(&values) {
            if !lhs_is_name(n) || n.contains(',') || v.trim().is_empty() {
                return None;
            }
            out.push((key(n), v.trim().to_string()));
        }
    } else {
        // `(a = 1, b = 2)` or `a = 1, b = 2`.
        let body = inner(s).unwrap_or_else(|| s.to_string());
        let parts = split_commas(&body);
        if parts.len() < 2 {
            return None;
        }
        for p in &parts {
            let (n, v) = p.split_once('=')?;
            if v.contains('=') || !lhs_is_name(n) || v.trim().is_empty() {
                return None;
            }
            out.push((key(n), v.trim().to_string()));
        }
    }
    let mut names: Vec<&String> = out.iter().map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    (names.len() == out.len()).then_some(out)
}

/// The same names on both sides, each with an equal value.
fn assignments_equal(x: &[(String, String)], y: &[(String, String)]) -> M {
    if x.len() != y.len() {
        return M::No;
    }
    let mut acc = M::Exact;
    for (n, v) in x {
        let Some((_, w)) = y.iter().find(|(m, _)| m == n) else {
            return M::No;
        };
        acc = acc.and(match compare(v, w) {
            Equivalence::Equal => M::Exact,
            Equivalence::ProbablyEqual => M::Probable,
            Equivalence::Different | Equivalence::Unknown => M::No,
        });
    }
    acc
}

/// `(1, 2)`: the values of [`assignments`] in the order written.
fn values_tuple(x: &[(String, String)]) -> String {
    let vals: Vec<&str> = x.iter().map(|(_, v)| v.as_str()).collect();
    format!("({})", vals.join(","))
}

/// Drops spaces except between two digits (`x^2 + 1` → `x^2+1`; `1 2` stays) and after a comma
/// between digits (`1, 234` is a list, `1,234` a number).
fn squeeze_spaces(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (k, &c) in cs.iter().enumerate() {
        if c.is_whitespace() {
            let mut last = out.chars().rev();
            let before = match last.next() {
                Some(',') => last.next().is_some_and(|p| p.is_ascii_digit()),
                p => p.is_some_and(|p| p.is_ascii_digit()),
            };
            let after = cs[k + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|n| n.is_ascii_digit());
            if before && after && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Two equations `l1 = r1`, `l2 = r2` (`2x + 3y = 6` vs `3y = 6 - 2x`) that are the same
/// relation: `l1 - r1` is a constant non-zero multiple of `l2 - r2` at every sample point.
/// `None` when either side is not one equation of parsed expressions with the same variables.
fn equations_equal(a: &str, b: &str) -> Option<M> {
    let diff = |s: &str| -> Option<Expr> {
        let (l, r) = s.split_once('=')?;
        if r.contains('=') {
            return None;
        }
        Some(Expr::Sub(
            Box::new(parse_math(l.trim())?),
            Box::new(parse_math(r.trim())?),
        ))
    };
    let (x, y) = (diff(a)?, diff(b)?);
    let vars = x.vars();
    if vars.is_empty() || vars != y.vars() {
        return None;
    }
    let mut ratio: Option<f64> = None;
    let mut agreed = 0;
    for k in 0..SAMPLES.len() {
        let point = sample_point(&vars, k);
        let (Some(p), Some(q)) = (eval(&x, &point), eval(&y, &point)) else {
            continue;
        };
        if q.approx == 0.0 || p.approx == 0.0 {
            if p.approx != q.approx {
                return Some(M::No);
            }
            continue;
        }
        let r = p.approx / q.approx;
        match ratio {
            Some(r0) if !close(r0, r) => return Some(M::No),
            _ => ratio = Some(r),
        }
        agreed += 1;
    }
    Some(if agreed >= MIN_AGREEING_SAMPLES {
        M::Probable
    } else {
        M::No
    })
}

/// The `k`-th sample point for `vars`.
fn sample_point(vars: &[String], k: usize) -> Vec<(String, f64)> {
    vars.iter()
        .enumerate()
        .map(|(j, v)| (v.clone(), SAMPLES[(k + j) % SAMPLES.len()] + j as f64 * 0.1))
        .collect()
}

/// How two forms matched: not, exactly, or at sample points only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum M {
    No,
    Exact,
    Probable,
}

impl M {
    fn of(b: bool) -> M {
        if b {
            M::Exact
        } else {
            M::No
        }
    }

    /// Both must match; the weaker strength wins.
    fn and(self, o: M) -> M {
        match (self, o) {
            (M::No, _) | (_, M::No) => M::No,
            (M::Probable, _) | (_, M::Probable) => M::Probable,
            _ => M::Exact,
        }
    }
}

impl From<M> for Equivalence {
    fn from(m: M) -> Self {
        match m {
            M::No => Equivalence::Different,
            M::Exact => Equivalence::Equal,
            M::Probable => Equivalence::ProbablyEqual,
        }
    }
}

/// Longest name accepted on the left of `=` (`x`, `a_1`, `\theta`, `f(2)` is not a name).
const MAX_LHS_NAME_BYTES: usize = 12;

/// Longest left side without digits (`x + y`, `|r-s|`, `\angle ABC`) read as a name.
const MAX_LHS_EXPR_BYTES: usize = 24;

/// Whether the left side of `lhs = value` names what the value is: a short name (`x`, `a_1`,
/// `\theta`), a tuple of names (`(b, c)`), a function value (`f(x)`, `g(n)`), or a short
/// expression without digits (`x + y`). `2x = 4` is not (its value is not 4).
fn lhs_is_name(lhs: &str) -> bool {
    let lhs = lhs.trim();
    let name = |n: &str| {
        let n = n.trim();
        !n.is_empty()
            && n.len() <= MAX_LHS_NAME_BYTES
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '\\' || c == '{' || c == '}')
    };
    if name(lhs) {
        return true;
    }
    // `f^{-1}(x)`, `f^{-1}`: an inverse function is named like the function.
    if let Some((head, tail)) = lhs.split_once("^{-1}") {
        if name(head) && (tail.trim().is_empty() || lhs_is_name(&format!("{head}{tail}"))) {
            return true;
        }
    }
    // `(b, c)` and `f(x)`, `f(x, y)`; a function's value at numbers `f(2)`, `I(6,3)` (but not
    // `x(2)`, `y(3)`: a product).
    if let Some(open) = lhs.find('(') {
        if let Some(inner) = lhs[open + 1..].strip_suffix(')') {
            let head = &lhs[..open];
            if (head.is_empty() || name(head)) && inner.split(',').all(name) {
                return true;
            }
            let function = name(head) && !matches!(head.trim(), "x" | "y" | "z");
            if function && inner.split(',').all(|a| name(a) || int_str(a.trim())) {
                return true;
            }
        }
    }
    !lhs.is_empty()
        && lhs.len() <= MAX_LHS_EXPR_BYTES
        && !lhs
            .chars()
            .any(|c| c.is_ascii_digit() || "<>≤≥,;:".contains(c))
}

/// The text before a single `=`, when it names the value ([`lhs_is_name`]).
fn lhs_name(s: &str) -> Option<String> {
    let (lhs, rhs) = s.split_once('=')?;
    if rhs.contains('=') || !lhs_is_name(lhs) {
        return None;
    }
    Some(lhs.replace(['{', '}', ' '], ""))
}

/// `x = 5` vs `5` may match; `y = 5` vs `x = 5` may not.
fn lhs_compatible(a: &str, b: &str) -> bool {
    match (lhs_name(a), lhs_name(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Rewrites applied in order by [`normalize`]: unicode operators, thousands separators,
/// connecting words of solution lists, spacing, `\left`/`\right`, degrees, `\$`, `\%`,
/// fraction variants, `\infty`, `\in`, the empty set. (`^\circ` before `\circ`; `,\! `
/// before `,\!` before `\!`.)
const REPLACEMENTS: &[(&str, &str)] = &[
    ("−", "-"),
    ("×", "\\times "),
    ("·", "\\cdot "),
    ("÷", "/"),
    ("π", "\\pi "),
    ("{,}", ","),
    (",\\! ", ","),
    (",\\!", ","),
    ("\\text{ or }", ", "),
    ("\\text{or}", ", "),
    ("\\text{ and }", ", "),
    ("\\quad", " "),
    ("\\ ", " "),
    ("\\qquad", " "),
    ("\\left", ""),
    ("\\right", ""),
    ("\\!", ""),
    ("\\,", ""),
    ("\\;", " "),
    ("\\:", " "),
    ("\\displaystyle", ""),
    ("^\\circ", ""),
    ("^{\\circ}", ""),
    ("°", ""),
    ("\\circ", ""),
    ("\\text{\\$}", ""),
    ("\\textdollar", ""),
    ("\\$", ""),
    ("\\text{\\%}", "%"),
    ("\\text{ percent}", "%"),
    ("\\text{percent}", "%"),
    ("\\%", "%"),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("\\cfrac", "\\frac"),
    ("~", " "),
    ("\\infty", "∞"),
    ("\\in", "∈"),
    ("\\emptyset", "∅"),
    ("\\varnothing", "∅"),
    ("\\langle", "("),
    ("\\rangle", ")"),
];

/// Trigonometric commands whose arguments read a degree mark as π/180.
const TRIG_COMMANDS: &[&str] = &["\\sin", "\\cos", "\\tan", "\\cot", "\\sec", "\\csc"];

/// The degree marks of [`REPLACEMENTS`], kept when the answer has a [`TRIG_COMMANDS`] call.
const DEGREE_MARKS: &[&str] = &["^\\circ", "^{\\circ}", "°", "\\circ"];

/// `x \neq 2` → `(-∞,2)\cup(2,∞)`: every real number but one.
fn not_equal_interval(s: &str) -> Option<String> {
    let t = s.trim();
    let (x, a) = ["\\neq", "\\ne", "≠", "!="]
        .iter()
        .find_map(|op| t.split_once(op))?;
    let (x, a) = (x.trim(), a.trim());
    let var =
        !x.is_empty() && x.len() <= MAX_LHS_NAME_BYTES && x.chars().all(|c| c.is_alphabetic());
    let value = parse_math(a).is_some_and(|e| eval(&e, &[]).is_some());
    (var && value).then(|| format!("(-∞,{a})\\cup ({a},∞)"))
}

/// Removes wrappers, spacing commands, `$`, degrees and a trailing period.
fn normalize(s: &str) -> String {
    let mut t = s.trim().to_string();
    for _ in 0..3 {
        let before = t.clone();
        t = t.trim().to_string();
        for (open, close) in [("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$")] {
            if t.starts_with(open) && t.ends_with(close) && t.len() >= open.len() + close.len() {
                t = t[open.len()..t.len() - close.len()].to_string();
            }
        }
        if t.starts_with('$') && t.ends_with('$') && t.len() >= 2 {
            t = t[1..t.len() - 1].to_string();
        }
        for w in [
            "\\boxed{",
            "\\fbox{",
            "\\text{",
            "\\textit{",
            "\\textbf{",
            "\\mathrm{",
            "\\mathbf{",
            "\\mbox{",
        ] {
            if t.starts_with(w) && t.ends_with('}') && balanced_wrapper(&t[w.len() - 1..]) {
                t = t[w.len()..t.len() - 1].to_string();
            }
        }
        t = t.trim_end_matches('.').trim().to_string();
        if t == before {
            break;
        }
    }
    let t = inequality_union(&t).unwrap_or(t);
    let t = choice_label_unwrapped(&t).unwrap_or(t);
    let t = not_equal_interval(&t).unwrap_or(t);
    let mut out = matrix_as_tuples(&t).unwrap_or(t);
    // `\cos 60^\circ`: inside a trigonometric argument a degree mark is π/180, which the
    // expression parser reads itself; elsewhere (`90^\circ`) it is a unit and goes.
    let trig = TRIG_COMMANDS.iter().any(|c| out.contains(c));
    for (from, to) in REPLACEMENTS {
        if trig && DEGREE_MARKS.contains(from) {
            continue;
        }
        out = out.replace(from, to);
    }
    // Currency: `$18`, `18 dollars`.
    out = out.replace('$', "");
    // `\15`: a currency sign whose `$` was lost (no LaTeX command starts with a digit).
    out = lost_dollar(&out);
    let out = out.trim().replace("\\text{ }", " ");
    // `28 percent`, `28 pct`, `28 %`.
    let out = {
        let mut o = out.clone();
        for w in [" percent", "percent", " pct", " %"] {
            if let Some(head) = o.strip_suffix(w) {
                o = format!("{}%", head.trim_end());
            }
        }
        o
    };
    let out = number_separators(&out);
    let out = e_notation(&out).unwrap_or(out);
    let out = mixed_number(&out).unwrap_or(out);
    let out = repeating_decimal(&out).unwrap_or(out);
    let out = approximately(&out).unwrap_or(out);
    let out = inequality_interval(&out).unwrap_or(out);
    let out = integer_family(&out).unwrap_or(out);
    solution_list(&out)
}

/// Sets a family's letter may range over: `k ∈ ℤ` and the like.
const FAMILY_SETS: &[&str] = &[
    "\\mathbb{Z}",
    "\\mathbbZ",
    "\\mathbb{N}",
    "\\mathbbN",
    "ℤ",
    "ℕ",
    "\\mathbb{Z}^+",
    "\\mathbb{Z}^{+}",
    "\\mathbb{Z}_{+}",
    "\\mathbb{Z}_+",
];

/// `k\pi, k ∈ \mathbb{Z}`, `2k\pi (k ∈ ℤ)`, `x = n\pi \text{ for } n ∈ \mathbb{Z}`: the closing
/// qualifier of a solution family is dropped (it restates that the letter ranges over the
/// integers, which a reference written `k\pi` means too). Only when the letter is a single
/// ASCII letter that occurs, on its own, in what is left.
fn integer_family(s: &str) -> Option<String> {
    let t = s.trim_end();
    let i = t.rfind('∈')?;
    let set: String = t[i + '∈'.len_utf8()..]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let closing = set.ends_with(')');
    let set = set.trim_end_matches(')');
    if !FAMILY_SETS.contains(&set) {
        return None;
    }
    let before = t[..i].trim_end();
    let var = before.chars().last().filter(|c| c.is_ascii_alphabetic())?;
    let rest = &before[..before.len() - 1];
    if rest
        .chars()
        .last()
        .is_some_and(|c| c.is_alphabetic() || c == '\\')
    {
        return None;
    }
    let mut head = rest.trim_end();
    for sep in [
        "\\text{ for }",
        "\\text{for }",
        "\\text{ for}",
        "\\text{for}",
        "\\text{ where }",
        "\\text{where}",
        " for",
        " where",
    ] {
        head = head.strip_suffix(sep).unwrap_or(head).trim_end();
    }
    if closing {
        head = head.strip_suffix('(')?.trim_end();
    }
    let head = head.trim_end_matches([',', ';']).trim_end();
    let b = head.as_bytes();
    let standalone = head.char_indices().any(|(j, c)| {
        c == var
            && (j == 0 || !(b[j - 1].is_ascii_alphabetic() || b[j - 1] == b'\\'))
            && b.get(j + 1).is_none_or(|n| !n.is_ascii_alphabetic())
    });
    (standalone && !head.is_empty()).then(|| head.to_string())
}

/// Drops a single `\` directly before a digit (`\15` → `15`); `\\` (a line break) stays.
fn lost_dollar(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (k, &c) in cs.iter().enumerate() {
        let lone = c == '\\'
            && cs.get(k + 1).is_some_and(char::is_ascii_digit)
            && (k == 0 || cs[k - 1] != '\\');
        if !lone {
            out.push(c);
        }
    }
    out
}

/// `\sqrt{2} \approx 1.41` → `\sqrt{2}` (the exact value), `x \approx 3.14` → `3.14` (a name
/// on the left).
fn approximately(s: &str) -> Option<String> {
    let (a, b) = s.split_once("\\approx")?;
    let (a, b) = (a.trim(), b.trim());
    if b.contains("\\approx") || a.is_empty() || b.is_empty() {
        return None;
    }
    Some(if lhs_is_name(a) { b } else { a }.to_string())
}

/// Longest repeating block or decimal part read by [`repeating_decimal`] (keeps `10^k` in
/// `i128`).
const MAX_REPEAT_DIGITS: usize = 12;

/// `0.\overline{3}` → `\frac{1}{3}`, `1.2\overline{45}` → its exact fraction: a repeating
/// decimal is the rational it denotes.
fn repeating_decimal(s: &str) -> Option<String> {
    let (head, rep) = s.split_once("\\overline{")?;
    let rep = rep.strip_suffix('}')?;
    let (neg, head) = match head.trim().strip_prefix('-') {
        Some(h) => (true, h),
        None => (false, head.trim()),
    };
    let (whole, frac) = head.split_once('.')?;
    let digits = |d: &str, empty_ok: bool| {
        (empty_ok || !d.is_empty())
            && d.len() <= MAX_REPEAT_DIGITS
            && d.chars().all(|c| c.is_ascii_digit())
    };
    if !digits(whole, true) || !digits(frac, true) || !digits(rep, false) {
        return None;
    }
    // x = whole + (frac·rep − frac) / (10^|frac| · (10^|rep| − 1)).
    let p = |n: usize| 10i128.checked_pow(u32::try_from(n).ok()?);
    let num_all: i128 = format!("{frac}{rep}").parse().ok()?;
    let num_frac: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let den = p(frac.len())?.checked_mul(p(rep.len())?.checked_sub(1)?)?;
    let w: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let num = w
        .checked_mul(den)?
        .checked_add(num_all.checked_sub(num_frac)?)?;
    let sign = if neg { "-" } else { "" };
    Some(format!("{sign}\\frac{{{num}}}{{{den}}}"))
}

/// A relation of an inequality: `<`/`≤` (and `>`/`≥`, read from the other side).
#[derive(Clone, Copy)]
enum Ineq {
    Lt,
    Le,
    Gt,
    Ge,
}

/// Words that join the inequalities of a union (`x < 1 \text{ or } x > 2`).
const UNION_JOINS: &[&str] = &[
    "\\text{ or }",
    "\\text{or}",
    "\\text{ or}",
    "\\text{or }",
    "\\lor",
    "\\vee",
    " or ",
];

/// `x < 1 \text{ or } x > 2` → `(-∞,1)\cup (2,∞)`: inequalities on the same one variable
/// joined by "or" ([`UNION_JOINS`]; read on the raw answer, before "and"/"or" become commas)
/// are the union of their intervals, when the pieces are disjoint and in increasing order.
fn inequality_union(s: &str) -> Option<String> {
    let mut t = s.to_string();
    if !UNION_JOINS.iter().any(|j| t.contains(j)) {
        return None;
    }
    for j in UNION_JOINS {
        t = t.replace(j, ",");
    }
    for w in ["\\quad", "\\qquad"] {
        t = t.replace(w, " ");
    }
    let parts = split_commas(&t);
    if parts.len() < 2 {
        return None;
    }
    let mut var: Option<String> = None;
    let mut intervals = Vec::new();
    for p in &parts {
        let (v, iv) = inequality_on(p.trim())?;
        if var.get_or_insert_with(|| v.clone()) != &v {
            return None;
        }
        intervals.push(iv);
    }
    // Disjoint pieces in increasing order only (ends that are plain numbers).
    let bounds: Vec<(Option<f64>, Option<f64>)> =
        intervals.iter().map(|iv| interval_ends(iv)).collect();
    for w in bounds.windows(2) {
        match (w[0].1, w[1].0) {
            (Some(hi), Some(lo)) if hi <= lo => {}
            _ => return None,
        }
    }
    Some(intervals.join("\\cup "))
}

/// The numeric ends of an interval `(a,b]` made by [`inequality_on`] (`None` for `∞` or an
/// end that is not a plain number).
fn interval_ends(iv: &str) -> (Option<f64>, Option<f64>) {
    let inner = &iv[1..iv.len() - 1];
    let Some((a, b)) = inner.split_once(',') else {
        return (None, None);
    };
    let num = |x: &str| {
        parse_math(x.trim())
            .and_then(|e| eval(&e, &[]))
            .map(|v| v.approx)
    };
    (num(a), num(b))
}

/// `x > 3` → `(3,∞)`, `\frac12 \le x \le 8` → `[\frac12,8]`, `x \ge -2` → `[-2,∞)`: an
/// inequality on one variable is the interval it describes.
fn inequality_interval(s: &str) -> Option<String> {
    inequality_on(s).map(|(_, iv)| iv)
}

/// [`inequality_interval`] with the variable's name.
fn inequality_on(s: &str) -> Option<(String, String)> {
    let mut t = s.to_string();
    for (from, to) in [
        ("\\leqslant", "≤"),
        ("\\geqslant", "≥"),
        ("\\leq", "≤"),
        ("\\geq", "≥"),
        ("\\le", "≤"),
        ("\\ge", "≥"),
        ("\\lt", "<"),
        ("\\gt", ">"),
        ("<=", "≤"),
        (">=", "≥"),
    ] {
        t = t.replace(from, to);
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut rels: Vec<Ineq> = Vec::new();
    let mut last = 0;
    for (k, c) in t.char_indices() {
        let r = match c {
            '<' => Ineq::Lt,
            '≤' => Ineq::Le,
            '>' => Ineq::Gt,
            '≥' => Ineq::Ge,
            _ => continue,
        };
        parts.push(t[last..k].trim());
        rels.push(r);
        last = k + c.len_utf8();
    }
    parts.push(t[last..].trim());
    let var = |v: &str| {
        !v.is_empty() && v.len() <= MAX_LHS_NAME_BYTES && v.chars().all(|c| c.is_alphabetic())
    };
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let open = |r: Ineq| matches!(r, Ineq::Lt | Ineq::Gt);
    let lower = |r: Ineq, v: &str| format!("{}{v}", if open(r) { '(' } else { '[' });
    let upper = |r: Ineq, v: &str| format!("{v}{}", if open(r) { ')' } else { ']' });
    let iv = match (parts.as_slice(), rels.as_slice()) {
        // `x < a`, `x ≥ a`.
        ([x, a], [r]) if var(x) && !var(a) => (
            x,
            match r {
                Ineq::Lt | Ineq::Le => format!("(-∞,{}", upper(*r, a)),
                Ineq::Gt | Ineq::Ge => format!("{},∞)", lower(*r, a)),
            },
        ),
        // `a < x`, `a ≥ x`.
        ([a, x], [r]) if var(x) && !var(a) => (
            x,
            match r {
                Ineq::Lt | Ineq::Le => format!("{},∞)", lower(*r, a)),
                Ineq::Gt | Ineq::Ge => format!("(-∞,{}", upper(*r, a)),
            },
        ),
        // `a < x ≤ b` and `b > x ≥ a`.
        ([a, x, b], [r1, r2]) if var(x) => match (r1, r2) {
            (Ineq::Lt | Ineq::Le, Ineq::Lt | Ineq::Le) => {
                (x, format!("{},{}", lower(*r1, a), upper(*r2, b)))
            }
            (Ineq::Gt | Ineq::Ge, Ineq::Gt | Ineq::Ge) => {
                (x, format!("{},{}", lower(*r2, b), upper(*r1, a)))
            }
            _ => return None,
        },
        _ => return None,
    };
    Some((iv.0.to_string(), iv.1))
}

/// `x=2 or x=3`, `2 and 3` → `x=2, x=3`, `2, 3` (a list of solutions).
fn solution_list(s: &str) -> String {
    let mut t = s.to_string();
    for w in [" or ", " and "] {
        if t.contains(w) && !t.starts_with(w.trim_start()) {
            t = t.replace(w, ", ");
        }
    }
    t
}

/// A whole number: optional `-`, digits.
fn int_str(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.len() <= 30 && d.chars().all(|c| c.is_ascii_digit())
}

/// `1.5e3`, `2E-4` → `1.5\times10^{3}` (a literal `e` between digits is an exponent, not
/// Euler's number).
fn e_notation(s: &str) -> Option<String> {
    let (m, e) = s.split_once(['e', 'E'])?;
    let mantissa_ok = {
        let d = m.strip_prefix('-').unwrap_or(m);
        !d.is_empty()
            && d.starts_with(|c: char| c.is_ascii_digit())
            && d.chars().all(|c| c.is_ascii_digit() || c == '.')
            && d.matches('.').count() <= 1
    };
    let e = e.strip_prefix('+').unwrap_or(e);
    (mantissa_ok && int_str(e)).then(|| format!("{m}\\times10^{{{e}}}"))
}

/// `2\frac{1}{2}`, `-3 \frac{3}{4}` → `(2+\frac{1}{2})`, `-(3+\frac{3}{4})`: a whole number
/// directly followed by a proper fraction of whole numbers is a mixed number.
fn mixed_number(s: &str) -> Option<String> {
    let p = s.find("\\frac{")?;
    let whole = s[..p].trim();
    let (neg, w) = match whole.strip_prefix('-') {
        Some(w) => (true, w.trim()),
        None => (false, whole),
    };
    if !int_str(w) || w.starts_with('-') {
        return None;
    }
    let rest = &s[p + "\\frac{".len()..];
    let (num, rest) = rest.split_once("}{")?;
    let den = rest.strip_suffix('}')?;
    if !int_str(num) || !int_str(den) || num.starts_with('-') || den.starts_with('-') {
        return None;
    }
    let (n, d) = (num.parse::<u128>().ok()?, den.parse::<u128>().ok()?);
    if n >= d {
        return None;
    }
    let sign = if neg { "-" } else { "" };
    Some(format!("{sign}({w}+\\frac{{{num}}}{{{den}}})"))
}

/// `\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}` (also `bmatrix`, `matrix`) → `((1,2),(3,4))`,
/// so matrices compare entry by entry as tuples of rows.
///
/// `\left( \begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array} \right)` (an `array` in round or
/// square brackets, its column spec dropped) is the same matrix.
fn matrix_as_tuples(s: &str) -> Option<String> {
    let t = s.trim();
    let t = [
        ("\\left(", "\\right)"),
        ("\\left[", "\\right]"),
        ("(", ")"),
        ("[", "]"),
    ]
    .iter()
    .find_map(|(o, c)| {
        let inner = t.strip_prefix(o)?.strip_suffix(c)?.trim();
        inner.starts_with("\\begin{array}").then_some(inner)
    })
    .unwrap_or(t);
    let env = ["pmatrix", "bmatrix", "matrix", "array"]
        .into_iter()
        .find(|e| t.starts_with(&format!("\\begin{{{e}}}")))?;
    let (open, close) = (format!("\\begin{{{env}}}"), format!("\\end{{{env}}}"));
    let mut inner = t.strip_prefix(&open)?.strip_suffix(&close)?;
    if env == "array" {
        // The column spec `{cc}`, `{rr|l}`: letters and bars only.
        let spec = inner.trim_start().strip_prefix('{')?;
        let end = spec.find('}')?;
        if !spec[..end]
            .chars()
            .all(|c| matches!(c, 'l' | 'c' | 'r' | '|' | ' '))
        {
            return None;
        }
        inner = &spec[end + 1..];
    }
    let rows: Vec<String> = inner
        .split("\\\\")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            format!(
                "({})",
                r.split('&').map(str::trim).collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    (!rows.is_empty()).then(|| format!("({})", rows.join(",")))
}

/// `1 000` → `1000` (space-grouped thousands). A comma between digits is never read as a
/// decimal comma: in competition answers `1,2` is the list of 1 and 2 (and `1,000` a thousands
/// separator, which the expression parser reads), so `1,22` is not `1.22`.
fn number_separators(s: &str) -> String {
    let t = s.trim();
    let is_digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    let groups: Vec<&str> = t.split(' ').collect();
    if groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && is_digits(groups[0])
        && groups[1..].iter().all(|g| g.len() == 3 && is_digits(g))
    {
        return groups.concat();
    }
    t.to_string()
}

/// True when `s` starts with `{` whose matching `}` is the last character.
fn balanced_wrapper(s: &str) -> bool {
    let mut depth = 0i32;
    for (k, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return k == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// A multiple-choice letter: `B`, `(B)`, `B)`, `\text{(B)}`, `Option B`, `(B) 12`.
fn choice(s: &str) -> Option<char> {
    let t = s.trim();
    let t = t
        .strip_prefix("Option ")
        .or_else(|| t.strip_prefix("option "))
        .or_else(|| t.strip_prefix("Choice "))
        .unwrap_or(t)
        .trim();
    let cs: Vec<char> = t.chars().collect();
    let letter = |c: char| c.is_ascii_uppercase() && c <= 'E';
    match cs.as_slice() {
        [c] if letter(*c) => Some(*c),
        ['(', c, ')'] if letter(*c) => Some(*c),
        [c, ')'] if letter(*c) => Some(*c),
        ['(', c, ')', ' ', ..] if letter(*c) => Some(*c),
        _ => None,
    }
}

/// The value stated after a choice label: `(C) 12` → `12` (`None` for a bare letter).
fn choice_value(s: &str) -> Option<&str> {
    let t = s.trim();
    let rest = t.strip_prefix('(')?;
    let mut cs = rest.chars();
    let (c, close) = (cs.next()?, cs.next()?);
    let v = cs.as_str().trim();
    // One label: a value that is itself labelled (`(A) (A) … 12`) is not an option's value,
    // which also keeps [`compare`]'s recursion through labels one level deep.
    let labelled = v.starts_with('(') && v.chars().nth(2) == Some(')');
    (c.is_ascii_uppercase() && close == ')' && !v.is_empty() && !labelled).then_some(v)
}

/// `\text{(C) } 12`, `\textbf{(B)}7` → `(C) 12`, `(B) 7`: a choice label in a text command
/// before the option's value (the whole answer in one command is unwrapped by [`normalize`]).
fn choice_label_unwrapped(s: &str) -> Option<String> {
    let t = s.trim();
    let rest = ["\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{"]
        .iter()
        .find_map(|w| t.strip_prefix(w))?;
    let (label, value) = rest.split_once('}')?;
    let label = label.trim();
    let cs: Vec<char> = label.chars().collect();
    let value = value.trim();
    match cs.as_slice() {
        ['(', c, ')'] if c.is_ascii_uppercase() && !value.is_empty() => {
            Some(format!("({c}) {value}"))
        }
        _ => None,
    }
}

/// `x = 3` → `3` (lhs a short name); `18 apples` → `18`.
fn strip_lhs_and_units(s: &str) -> String {
    // `x \in [2, 5)` reads like `x = [2, 5)`.
    let mut t = s.trim().replacen('∈', "=", 1);
    if let Some(p) = t.find('=') {
        if lhs_is_name(&t[..p]) && !t[p + 1..].contains('=') {
            t = t[p + 1..].trim().to_string();
        }
    }
    // Trailing unit groups: `5\text{ cm}`, `15\mbox{ cm}^2`, `\frac{1}{3} \textbf{meters}`.
    loop {
        let mut cut = None;
        for w in ["\\text{", "\\textbf{", "\\mbox{", "\\mathrm{"] {
            if let Some(p) = t.rfind(w) {
                let rest = &t[p + w.len()..];
                if let Some(close) = rest.find('}') {
                    let tail = rest[close + 1..].trim();
                    let unit = rest[..close].trim();
                    let exp_only = tail.is_empty()
                        || (tail.starts_with('^')
                            && tail[1..]
                                .trim_matches(['{', '}'])
                                .chars()
                                .all(|c| c.is_ascii_digit()));
                    if exp_only
                        && p > 0
                        && !unit.is_empty()
                        && unit
                            .chars()
                            .all(|c| c.is_alphabetic() || c == ' ' || c == '/')
                    {
                        cut = Some(p);
                    }
                }
            }
        }
        match cut {
            Some(p) => t = t[..p].trim().to_string(),
            None => break,
        }
    }
    // Trailing unit words after a number: `5 km`, `12 apples`.
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.len() >= 2 {
        let first = words[0];
        if parse_math(first).is_some()
            && words[1..].iter().all(|w| {
                w.chars().all(|c| {
                    c.is_alphabetic() || c == '/' || c == '^' || c.is_ascii_digit() || c == '.'
                }) && w.chars().next().is_some_and(|c| c.is_alphabetic())
                    // One letter is a variable (`2\pi k`) unless it is a unit symbol.
                    && (w.chars().count() > 1 || SINGLE_LETTER_UNITS.contains(w))
            })
        {
            return first.to_string();
        }
    }
    t
}

/// Units a final answer may carry, each with the spellings that name it (lower case, spaces
/// and braces dropped): two answers with different known units are different (`5\text{ cm}`
/// vs `5\text{ m}`); unknown unit words are not compared.
const UNIT_NAMES: &[(&str, &[&str])] = &[
    ("inch", &["in", "inch", "inches"]),
    ("foot", &["ft", "foot", "feet"]),
    ("yard", &["yd", "yds", "yard", "yards"]),
    ("mile", &["mi", "mile", "miles"]),
    (
        "mm",
        &[
            "mm",
            "millimeter",
            "millimeters",
            "millimetre",
            "millimetres",
        ],
    ),
    (
        "cm",
        &[
            "cm",
            "centimeter",
            "centimeters",
            "centimetre",
            "centimetres",
        ],
    ),
    ("m", &["m", "meter", "meters", "metre", "metres"]),
    (
        "km",
        &["km", "kilometer", "kilometers", "kilometre", "kilometres"],
    ),
    ("second", &["s", "sec", "secs", "second", "seconds"]),
    ("minute", &["min", "mins", "minute", "minutes"]),
    ("hour", &["h", "hr", "hrs", "hour", "hours"]),
    ("day", &["day", "days"]),
    ("week", &["week", "weeks"]),
    ("year", &["yr", "yrs", "year", "years"]),
    ("gram", &["g", "gram", "grams"]),
    ("kg", &["kg", "kilogram", "kilograms"]),
    ("pound", &["lb", "lbs", "pound", "pounds"]),
    ("ounce", &["oz", "ounce", "ounces"]),
    ("cent", &["cent", "cents"]),
    ("dollar", &["dollar", "dollars"]),
];

/// The known unit ([`UNIT_NAMES`]) that [`strip_lhs_and_units`] cut from `full` to leave
/// `value`, with its exponent (`ft^2` → `foot^2`). `None` when nothing was cut or the unit is
/// not known.
fn known_unit(full: &str, value: &str) -> Option<String> {
    let p = full.rfind(value)?;
    let tail = &full[p + value.len()..];
    let mut t = tail.to_lowercase();
    for w in ["\\text{", "\\mbox{", "\\mathrm{", "\\textbf{"] {
        t = t.replace(w, "");
    }
    let t: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '{' | '}'))
        .collect();
    let (word, exp) = t.split_once('^').unwrap_or((&t, ""));
    if word.is_empty() || !exp.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let name = UNIT_NAMES
        .iter()
        .find(|(_, spellings)| spellings.contains(&word))?
        .0;
    Some(format!("{name}^{}", if exp.is_empty() { "1" } else { exp }))
}

/// False when both answers carry a known unit and the units differ (`3\text{ ft}` vs
/// `3\text{ in}`): their numbers are then not to be compared without the units.
fn units_compatible(a: &str, va: &str, b: &str, vb: &str) -> bool {
    match (known_unit(a, va), known_unit(b, vb)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Largest ratio between the longest and a shorter period of two family lists that are
/// expanded to the longest (`\frac{\pi}{2} + k\pi` → two residues modulo `2\pi`).
const MAX_FAMILY_EXPANSION: f64 = 24.0;

/// Letters that index a solution family (`\frac{\pi}{6} + k\pi`).
const FAMILY_LETTERS: &[&str] = &["k", "n", "m", "j", "l"];

/// Largest denominator of a family's period as a multiple of `\pi` (`\frac{k\pi}{12}`).
const MAX_PERIOD_DENOMINATOR: f64 = 12.0;

/// A list of trigonometric solution families `c_i + k·p_i` (`\frac{\pi}{6} + k\pi, \frac{5\pi}{6}
/// + 2k\pi`): `(c_i, p_i)`. `None` unless every element is linear in one family letter
/// ([`FAMILY_LETTERS`], checked at four integers) with a period that is a rational multiple of
/// `\pi` ([`MAX_PERIOD_DENOMINATOR`]): `n + 1` is a formula in `n`, not a family.
fn families(s: &str) -> Option<Vec<(f64, f64)>> {
    let body = s
        .trim()
        .strip_prefix("\\{")
        .and_then(|b| b.strip_suffix("\\}"))
        .unwrap_or(s);
    let mut letter: Option<String> = None;
    let mut fams: Vec<(f64, f64)> = Vec::new();
    for part in split_commas(body) {
        let e = parse_math(part.trim())?;
        let vars = e.vars();
        let [v] = vars.as_slice() else {
            return None;
        };
        if !FAMILY_LETTERS.contains(&v.as_str()) || letter.get_or_insert_with(|| v.clone()) != v {
            return None;
        }
        let at = |k: f64| eval(&e, &[(v.clone(), k)]).map(|x| x.approx);
        let (m, a, b, c) = (at(-1.0)?, at(0.0)?, at(1.0)?, at(2.0)?);
        let p = (b - a).abs();
        let q = p / std::f64::consts::PI;
        let rational = (1..=MAX_PERIOD_DENOMINATOR as i32)
            .any(|d| (q * f64::from(d) - (q * f64::from(d)).round()).abs() < 1e-9);
        if !(p.is_finite() && p > 1e-9 && rational && close(c - b, b - a) && close(a - m, b - a)) {
            return None;
        }
        fams.push((a, p));
    }
    Some(fams)
}

/// The residues of families modulo `long` (sorted, deduplicated), or `None` when a period
/// does not divide `long` within [`MAX_FAMILY_EXPANSION`].
fn residues(fams: &[(f64, f64)], long: f64) -> Option<Vec<f64>> {
    let mut out = Vec::new();
    for &(a, p) in fams {
        let r = long / p;
        if (r - r.round()).abs() > 1e-9 || r.round() > MAX_FAMILY_EXPANSION {
            return None;
        }
        for j in 0..r.round() as usize {
            let x = (a + j as f64 * p).rem_euclid(long);
            out.push(if close(x, long) { 0.0 } else { x });
        }
    }
    out.sort_by(f64::total_cmp);
    out.dedup_by(|x, y| close(*x, *y));
    Some(out)
}

/// Two family lists ([`families`]) describe the same set: the same residues modulo the longest
/// period of both.
fn families_equal(x: &[(f64, f64)], y: &[(f64, f64)]) -> M {
    let long = x.iter().chain(y).map(|f| f.1).fold(0f64, f64::max);
    match (residues(x, long), residues(y, long)) {
        (Some(a), Some(b))
            if a.len() == b.len() && a.iter().zip(&b).all(|(p, q)| close(*p, *q)) =>
        {
            M::Probable
        }
        _ => M::No,
    }
}

/// One-letter words read as units after a number (`5 m`, `3 h`); any other letter is a
/// variable (`2\pi k`).
const SINGLE_LETTER_UNITS: &str = "mgshlLKVWAJNC";

/// A structured answer.
#[derive(Debug, Clone)]
enum Form {
    Expr(Expr),
    /// `(`/`[` … `)`/`]` with its ends and elements: a tuple or an interval.
    Bracket(char, char, Vec<Form>),
    /// `{…}` or a bare comma list: order does not matter.
    Set(Vec<Form>),
    /// `A \cup B`.
    Union(Vec<Form>),
    Infinity(bool),
    Text(String),
}

/// Splits at top-level commas (outside brackets).
fn split_commas(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// Whether the brackets at both ends of `s` enclose the whole string.
fn outer_pair_encloses(s: &str) -> bool {
    let mut depth = 0i32;
    let n = s.chars().count();
    for (k, c) in s.chars().enumerate() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 && k != n - 1 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `a \pm b`, `\frac{-1 \pm \sqrt{5}}{2}` (one `\pm` or `\mp`) → the set of the two values, the
/// `\pm` read once as `+` and once as `-`.
fn plus_minus(t: &str) -> Option<Form> {
    let t = t.replace("\\mp", "\\pm");
    let (a, b) = t.split_once("\\pm")?;
    if b.contains("\\pm") {
        return None;
    }
    let plus = if a.trim().is_empty() {
        b.trim().to_string()
    } else {
        format!("{a}+{b}")
    };
    let minus = format!("{a}-{b}");
    Some(Form::Set(vec![form(&plus), form(&minus)]))
}

fn form(s: &str) -> Form {
    let t = s.trim();
    if let Some(f) = plus_minus(t) {
        return f;
    }
    if t.contains("\\cup") || t.contains('∪') {
        let parts: Vec<Form> = t
            .split("\\cup")
            .flat_map(|p| p.split('∪'))
            .map(form)
            .collect();
        return Form::Union(parts);
    }
    match t {
        // The real line.
        "\\mathbb{R}" | "\\mathbb R" | "ℝ" | "(-∞,∞)" | "(-∞, ∞)" => {
            return Form::Bracket('(', ')', vec![Form::Infinity(false), Form::Infinity(true)])
        }
        "∞" | "+∞" | "inf" | "oo" => return Form::Infinity(true),
        "-∞" | "−∞" | "-inf" => return Form::Infinity(false),
        _ => {}
    }
    if let Some(e) = parse_math(t) {
        return Form::Expr(e);
    }
    // `\{1, 2\}` and `{1, 2}`.
    let set_inner = t
        .strip_prefix("\\{")
        .and_then(|r| r.strip_suffix("\\}"))
        .or_else(|| {
            (t.starts_with('{') && t.ends_with('}') && outer_pair_encloses(t))
                .then(|| &t[1..t.len() - 1])
        });
    if let Some(inner) = set_inner {
        if inner.trim().is_empty() {
            return Form::Set(vec![]);
        }
        return Form::Set(split_commas(inner).iter().map(|p| form(p)).collect());
    }
    let first = t.chars().next();
    let last = t.chars().last();
    if let (Some(o @ ('(' | '[')), Some(c @ (')' | ']'))) = (first, last) {
        // `(1,2), (3,4)` starts and ends with brackets but is a list of two tuples.
        if outer_pair_encloses(t) {
            let inner = &t[1..t.len() - 1];
            let parts = split_commas(inner);
            if parts.len() >= 2 {
                return Form::Bracket(o, c, parts.iter().map(|p| form(p)).collect());
            }
        }
    }
    let parts = split_commas(t);
    if parts.len() >= 2 && parts.iter().all(|p| !p.trim().is_empty()) {
        // A list of solutions: `x=2, x=3` is `2, 3`.
        return Form::Set(
            parts
                .iter()
                .map(|p| form(&strip_lhs_and_units(p.trim())))
                .collect(),
        );
    }
    if t == "∅" {
        return Form::Set(vec![]);
    }
    let words = text_norm(t);
    if REAL_LINE_WORDS.contains(&words.as_str()) {
        return form("(-∞,∞)");
    }
    if EMPTY_SET_WORDS.contains(&words.as_str()) {
        return Form::Set(vec![]);
    }
    Form::Text(words)
}

/// Answers in words that mean the real line (after [`text_norm`]: letters and digits only).
const REAL_LINE_WORDS: &[&str] = &[
    "allrealnumbers",
    "allreals",
    "allrealx",
    "allrealvaluesofx",
    "allx",
];

/// Answers in words that mean the empty set (after [`text_norm`]).
const EMPTY_SET_WORDS: &[&str] = &[
    "nosolution",
    "nosolutions",
    "norealsolution",
    "norealsolutions",
    "thereisnosolution",
    "therearenosolutions",
];

/// An answer compared as text: `\text{`/`\mathrm{` dropped, letters lower-cased, only letters,
/// digits and the characters that change a written expression's meaning (`.-/+^_*=<>|!'`)
/// kept, so that unparsed maths that differ in an operator stay different
/// (`\vec{a}+\vec{b}` vs `\vec{a}\vec{b}`).
fn text_norm(s: &str) -> String {
    s.replace("\\text{", "")
        .replace("\\mathrm{", "")
        .chars()
        .filter(|c| c.is_alphanumeric() || ".-/+^_*=<>|!'".contains(*c))
        .collect::<String>()
        .to_lowercase()
}

fn forms_equal(a: &Form, b: &Form) -> M {
    match (a, b) {
        (Form::Expr(x), Form::Expr(y)) => exprs_equal(x, y),
        (Form::Infinity(x), Form::Infinity(y)) => M::of(x == y),
        (Form::Bracket(o1, c1, xs), Form::Bracket(o2, c2, ys)) => {
            if o1 != o2 || c1 != c2 || xs.len() != ys.len() {
                return M::No;
            }
            all_pairs(xs, ys)
        }
        (Form::Set(xs), Form::Set(ys)) | (Form::Union(xs), Form::Union(ys)) => sets_equal(xs, ys),
        // `(1, 2)` tuple vs bare `1, 2`: the bare list is read in order.
        (Form::Set(xs), Form::Bracket(_, _, ys)) | (Form::Bracket(_, _, ys), Form::Set(xs)) => {
            if xs.len() != ys.len() {
                return M::No;
            }
            all_pairs(xs, ys)
        }
        (Form::Text(x), Form::Text(y)) => M::of(!x.is_empty() && x == y),
        _ => M::No,
    }
}

/// Element by element, in order.
fn all_pairs(xs: &[Form], ys: &[Form]) -> M {
    xs.iter()
        .zip(ys)
        .fold(M::Exact, |acc, (x, y)| acc.and(forms_equal(x, y)))
}

/// Order-free: every element of each side matches one of the other, and the sizes agree.
fn sets_equal(xs: &[Form], ys: &[Form]) -> M {
    if xs.len() != ys.len() {
        return M::No;
    }
    let best = |x: &Form, zs: &[Form]| {
        zs.iter()
            .map(|z| forms_equal(x, z))
            .fold(M::No, |acc, m| match (acc, m) {
                (M::Exact, _) | (_, M::Exact) => M::Exact,
                (M::Probable, _) | (_, M::Probable) => M::Probable,
                _ => M::No,
            })
    };
    let mut acc = M::Exact;
    for x in xs {
        acc = acc.and(best(x, ys));
    }
    for y in ys {
        acc = acc.and(best(y, xs));
    }
    acc
}

/// A value: an exact rational when one is known, and a float approximation.
#[derive(Debug, Clone, Copy)]
struct Val {
    exact: Option<Rat>,
    approx: f64,
}

fn val_f(x: f64) -> Option<Val> {
    x.is_finite().then_some(Val {
        exact: None,
        approx: x,
    })
}

fn val_r(r: Rat) -> Option<Val> {
    Some(Val {
        exact: Some(r),
        approx: r.to_f64(),
    })
}

fn exact_sqrt(n: i128) -> Option<i128> {
    if n < 0 {
        return None;
    }
    let r = (n as f64).sqrt().round() as i128;
    (r - 1..=r + 1).find(|k| *k >= 0 && k.checked_mul(*k) == Some(n))
}

/// Evaluates an expression; `vars` gives values to variables. `None` when undefined, too
/// large, or unsupported.
fn eval(e: &Expr, vars: &[(String, f64)]) -> Option<Val> {
    use Expr::*;
    Some(match e {
        Int(s) => match s.parse::<i128>() {
            Ok(n) => return val_r(Rat::int(n)),
            Err(_) => return val_f(s.parse::<f64>().ok()?),
        },
        Decimal(s) => {
            let (w, f) = s.split_once('.').unwrap_or((s, ""));
            let digits = format!("{w}{f}");
            if f.len() <= 30 {
                if let (Ok(n), Some(d)) =
                    (digits.parse::<i128>(), 10i128.checked_pow(f.len() as u32))
                {
                    return val_r(Rat::new(n, d)?);
                }
            }
            return val_f(s.parse::<f64>().ok()?);
        }
        Var(v) => {
            let x = vars.iter().find(|(n, _)| n == v)?.1;
            // A whole-number sample (the grid of `polynomials_identical`) stays exact.
            if x.fract() == 0.0 && x.abs() < F64_EXACT_INTEGERS {
                return val_r(Rat::int(x as i128));
            }
            return val_f(x);
        }
        Pi => return val_f(std::f64::consts::PI),
        E => return val_f(std::f64::consts::E),
        I => return None,
        Neg(a) => {
            let a = eval(a, vars)?;
            Val {
                exact: a.exact.and_then(Rat::checked_neg),
                approx: -a.approx,
            }
        }
        Add(a, b) | Sub(a, b) => {
            let a = eval(a, vars)?;
            let mut b = eval(b, vars)?;
            if matches!(e, Sub(..)) {
                b = Val {
                    exact: b.exact.and_then(Rat::checked_neg),
                    approx: -b.approx,
                };
            }
            Val {
                exact: a.exact.zip(b.exact).and_then(|(x, y)| x.checked_add(y)),
                approx: a.approx + b.approx,
            }
        }
        Mul(a, b) => {
            let a = eval(a, vars)?;
            let b = eval(b, vars)?;
            Val {
                exact: a.exact.zip(b.exact).and_then(|(x, y)| x.checked_mul(y)),
                approx: a.approx * b.approx,
            }
        }
        Div(a, b) => {
            let a = eval(a, vars)?;
            let b = eval(b, vars)?;
            if b.approx == 0.0 && b.exact.is_none_or(|r| r.num == 0) {
                return None;
            }
            Val {
                exact: a.exact.zip(b.exact).and_then(|(x, y)| x.checked_div(y)),
                approx: a.approx / b.approx,
            }
        }
        Pow(a, b) => {
            let a = eval(a, vars)?;
            let b = eval(b, vars)?;
            if b.approx.abs() > 1e4 {
                return None;
            }
            let exact = match (a.exact, b.exact) {
                (Some(x), Some(y)) if y.is_int() && y.num.unsigned_abs() <= 128 => {
                    let mut r = Some(Rat::int(1));
                    for _ in 0..y.num.unsigned_abs() {
                        r = r.and_then(|r| r.checked_mul(x));
                    }
                    if y.num < 0 {
                        r.and_then(|r| Rat::int(1).checked_div(r))
                    } else {
                        r
                    }
                }
                _ => None,
            };
            Val {
                exact,
                approx: a.approx.powf(b.approx),
            }
        }
        Mod(a, b) => {
            let a = eval(a, vars)?.exact?;
            let b = eval(b, vars)?.exact?;
            if !a.is_int() || !b.is_int() || b.num == 0 {
                return None;
            }
            return val_r(Rat::int(a.num.checked_rem_euclid(b.num)?));
        }
        Percent(a) => {
            let a = eval(a, vars)?;
            Val {
                exact: a.exact.and_then(|r| r.checked_div(Rat::int(100))),
                approx: a.approx / 100.0,
            }
        }
        Factorial(a) => {
            let a = eval(a, vars)?.exact?;
            if !a.is_int() || a.num < 0 || a.num > 170 {
                return None;
            }
            let mut r: Option<i128> = Some(1);
            let mut f = 1f64;
            for k in 1..=a.num {
                r = r.and_then(|r| r.checked_mul(k));
                f *= k as f64;
            }
            Val {
                exact: r.map(Rat::int),
                approx: f,
            }
        }
        Func(f, args) => {
            let vs: Vec<Val> = args.iter().map(|a| eval(a, vars)).collect::<Option<_>>()?;
            eval_func(*f, &vs)?
        }
    })
    .filter(|v| v.approx.is_finite() || v.exact.is_some())
}

/// A function applied to evaluated arguments (`√`, `|x|`, floor, binomials, gcd, logs, …).
fn eval_func(f: Fun, vs: &[Val]) -> Option<Val> {
    let x = vs.first()?;
    Some(match f {
        Fun::Sqrt => {
            let exact = x
                .exact
                .and_then(|r| Rat::new(exact_sqrt(r.num)?, exact_sqrt(r.den)?));
            if x.approx < 0.0 {
                return None;
            }
            Val {
                exact,
                approx: x.approx.sqrt(),
            }
        }
        Fun::Root => {
            let y = vs.get(1)?;
            if x.approx == 0.0 {
                return None;
            }
            let v = y.approx.powf(1.0 / x.approx);
            let exact = (v.round() - v).abs() < 1e-9 && y.exact.is_some_and(|r| r.is_int());
            Val {
                exact: exact.then(|| Rat::int(v.round() as i128)).filter(|r| {
                    x.exact
                        .is_some_and(|n| n.is_int() && n.num > 0 && n.num < 64)
                        && r.num
                            .checked_pow(x.exact.map(|n| n.num as u32).unwrap_or(1))
                            == y.exact.map(|q| q.num)
                }),
                approx: v,
            }
        }
        Fun::Abs => Val {
            exact: x.exact.and_then(Rat::checked_abs),
            approx: x.approx.abs(),
        },
        Fun::Floor | Fun::Ceil => {
            let v = if f == Fun::Floor {
                x.approx.floor()
            } else {
                x.approx.ceil()
            };
            let exact = x.exact.and_then(|r| {
                let q = r.num.checked_div_euclid(r.den)?;
                if f == Fun::Floor || r.num.checked_rem_euclid(r.den)? == 0 {
                    Some(Rat::int(q))
                } else {
                    Some(Rat::int(q.checked_add(1)?))
                }
            });
            Val { exact, approx: v }
        }
        Fun::Binom => {
            let n = x.exact?;
            let k = vs.get(1)?.exact?;
            if !n.is_int() || !k.is_int() || k.num < 0 || n.num < 0 || k.num > n.num || n.num > 1000
            {
                return None;
            }
            let k = k.num.min(n.num - k.num);
            let mut r: Option<i128> = Some(1);
            let mut fl = 1f64;
            for i in 0..k {
                r = r
                    .and_then(|r| r.checked_mul(n.num - i))
                    .map(|r| r / (i + 1));
                fl = fl * (n.num - i) as f64 / (i + 1) as f64;
            }
            Val {
                exact: r.map(Rat::int),
                approx: fl,
            }
        }
        Fun::Gcd | Fun::Lcm => {
            let mut acc = x.exact.filter(|r| r.is_int())?.num;
            for v in &vs[1..] {
                let n = v.exact.filter(|r| r.is_int())?.num;
                let g = gcd_i128(acc, n)?;
                acc = if f == Fun::Gcd {
                    g
                } else if g == 0 {
                    0
                } else {
                    (acc / g).checked_mul(n)?.checked_abs()?
                };
            }
            return val_r(Rat::int(acc));
        }
        Fun::Min | Fun::Max => {
            let mut best = *x;
            for v in &vs[1..] {
                let better = if f == Fun::Min {
                    v.approx < best.approx
                } else {
                    v.approx > best.approx
                };
                if better {
                    best = *v;
                }
            }
            best
        }
        Fun::Ln => return val_f(x.approx.ln()),
        Fun::Log => {
            let y = vs.get(1)?;
            return val_f(y.approx.ln() / x.approx.ln());
        }
        Fun::Exp => return val_f(x.approx.exp()),
        Fun::Sin => return val_f(x.approx.sin()),
        Fun::Cos => return val_f(x.approx.cos()),
        Fun::Tan => return val_f(x.approx.tan()),
    })
}

/// Digits after the decimal point when `e` is a plain decimal literal (possibly negated).
fn decimal_digits(e: &Expr) -> Option<usize> {
    match e {
        Expr::Decimal(s) => s.split_once('.').map(|(_, f)| f.len()),
        Expr::Neg(a) => decimal_digits(a),
        _ => None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL_TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// 2^53: beyond it `f64` skips integers, so two whole-number expressions this large that are
/// not both exact `i128` rationals are compared by [`big_integers_equal`], never by
/// [`REL_TOLERANCE`].
const F64_EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Distinct primes below 2^62 (sympy's `prevprime` from 2^62 down; each above 2^61), the
/// moduli of [`big_integers_equal`]: together they exceed 2^1220, more than any finite `f64`.
const BIG_MODULI: [u64; 20] = [
    4_611_686_018_427_387_847,
    4_611_686_018_427_387_817,
    4_611_686_018_427_387_787,
    4_611_686_018_427_387_761,
    4_611_686_018_427_387_751,
    4_611_686_018_427_387_737,
    4_611_686_018_427_387_733,
    4_611_686_018_427_387_709,
    4_611_686_018_427_387_701,
    4_611_686_018_427_387_631,
    4_611_686_018_427_387_617,
    4_611_686_018_427_387_587,
    4_611_686_018_427_387_461,
    4_611_686_018_427_387_421,
    4_611_686_018_427_387_409,
    4_611_686_018_427_387_329,
    4_611_686_018_427_387_323,
    4_611_686_018_427_387_301,
    4_611_686_018_427_387_271,
    4_611_686_018_427_387_241,
];

/// Largest exponent / factorial argument [`residue`] computes (a bound on the work per
/// modulus; anything larger overflows `f64` long before, so [`big_integers_equal`] never needs
/// it).
const MAX_RESIDUE_EXPONENT: u64 = 4096;

/// A whole number the exact evaluator knows (`Rat` with denominator 1), as `u64`.
fn small_whole(e: &Expr) -> Option<u64> {
    let r = eval(e, &[])?.exact?;
    let (n, d) = (r.num, r.den);
    (d == 1 && (0..=i128::from(MAX_RESIDUE_EXPONENT)).contains(&n)).then_some(n as u64)
}

/// `e mod p` for integer expressions built from whole-number literals with `+`, `-`, `·`,
/// powers with a whole exponent and factorials; `None` for anything else (a fraction, a
/// decimal, a variable, a function).
fn residue(e: &Expr, p: u64) -> Option<u64> {
    use Expr::*;
    let m = |a: u64, b: u64| ((u128::from(a) * u128::from(b)) % u128::from(p)) as u64;
    Some(match e {
        Int(s) => s.bytes().try_fold(0u64, |r, b| {
            b.is_ascii_digit()
                .then(|| ((u128::from(r) * 10 + u128::from(b - b'0')) % u128::from(p)) as u64)
        })?,
        Neg(a) => (p - residue(a, p)?) % p,
        Add(a, b) => {
            ((u128::from(residue(a, p)?) + u128::from(residue(b, p)?)) % u128::from(p)) as u64
        }
        Sub(a, b) => {
            ((u128::from(residue(a, p)?) + u128::from(p - residue(b, p)?)) % u128::from(p)) as u64
        }
        Mul(a, b) => m(residue(a, p)?, residue(b, p)?),
        Pow(a, b) => {
            let (mut base, mut k, mut acc) = (residue(a, p)?, small_whole(b)?, 1u64);
            while k > 0 {
                if k & 1 == 1 {
                    acc = m(acc, base);
                }
                base = m(base, base);
                k >>= 1;
            }
            acc
        }
        Factorial(a) => (1..=small_whole(a)?).fold(1u64, |acc, k| m(acc, k % p)),
        _ => return None,
    })
}

/// Exact equality of two whole numbers too large for `f64` to separate: `|a − b| ≤ |a| + |b|`
/// (bounded from the float values with a margin), so equal residues modulo primes whose
/// product exceeds that bound prove `a = b` (Chinese remainder theorem). `None` when either side
/// is not an integer expression [`residue`] reads, or a value is not finite.
fn big_integers_equal(x: &Expr, y: &Expr, vx: Val, vy: Val) -> Option<bool> {
    let bound = 4.0 * (vx.approx.abs() + vy.approx.abs()) + 1.0;
    if !bound.is_finite() {
        return None;
    }
    let bits_needed = bound.log2().ceil() + 1.0;
    let mut bits = 0.0;
    for &p in &BIG_MODULI {
        if residue(x, p)? != residue(y, p)? {
            return Some(false);
        }
        bits += 61.0;
        if bits > bits_needed {
            return Some(true);
        }
    }
    None
}

/// How two constant values compare: `Exact` when equal (exact rationals, exact residues past
/// 2^53, or within [`REL_TOLERANCE`]); `Probable` when only a decimal's shown digits agree with
/// the other value rounded (`0.33` vs `\frac13`, `3.14` vs `\pi`: not the same number, so never
/// `Equal`); else `No`.
fn values_equal(x: &Expr, y: &Expr, vx: Val, vy: Val) -> M {
    if let (Some(a), Some(b)) = (vx.exact, vy.exact) {
        if a == b {
            return M::Exact;
        }
        // Both exact and different: only the rounding rule can still accept.
    } else if let Some(same) = (vx.approx.abs().max(vy.approx.abs()) >= F64_EXACT_INTEGERS)
        .then(|| big_integers_equal(x, y, vx, vy))
        .flatten()
    {
        // `3^{100}` vs its digits with the last one changed: past 2^53 a float no longer
        // tells neighbouring integers apart, so two whole-number expressions are compared
        // exactly by their residues instead (other values keep the tolerance).
        return M::of(same);
    } else if close(vx.approx, vy.approx) {
        return M::Exact;
    }
    for (lit, lv, other) in [(x, vx, vy), (y, vy, vx)] {
        if let Some(d) = decimal_digits(lit) {
            if d >= 2 {
                let scale = 10f64.powi(d as i32);
                if ((other.approx * scale).round() - lv.approx * scale).abs() < 1e-6 {
                    // `0.33` for `\frac13`: the digits shown agree, the values do not.
                    return M::Probable;
                }
            }
        }
    }
    M::No
}

/// Replaces a top-level percentage `p%` by `p`.
fn strip_percent(e: &Expr) -> Option<Expr> {
    match e {
        Expr::Percent(a) => Some((**a).clone()),
        Expr::Neg(a) => strip_percent(a).map(|x| Expr::Neg(Box::new(x))),
        _ => None,
    }
}

/// Sample points for comparing expressions with variables (irregular, so that simple
/// functions that differ rarely agree at all of them by chance).
const SAMPLES: [f64; 6] = [0.731, 1.618, 2.377, -0.412, 3.259, -1.733];

/// Sample points at which both sides must be defined and agree before expressions with
/// variables count as [`Equivalence::ProbablyEqual`].
const MIN_AGREEING_SAMPLES: usize = 3;

/// `x` with the variable `name` replaced by `with` (`i` read as the imaginary unit, `e` as
/// Euler's number).
fn replace_var(e: &Expr, name: &str, with: &Expr) -> Expr {
    use Expr::*;
    let b = |a: &Expr| Box::new(replace_var(a, name, with));
    match e {
        Var(v) if v == name => with.clone(),
        Neg(a) => Neg(b(a)),
        Percent(a) => Percent(b(a)),
        Factorial(a) => Factorial(b(a)),
        Add(l, r) => Add(b(l), b(r)),
        Sub(l, r) => Sub(b(l), b(r)),
        Mul(l, r) => Mul(b(l), b(r)),
        Div(l, r) => Div(b(l), b(r)),
        Pow(l, r) => Pow(b(l), b(r)),
        Mod(l, r) => Mod(b(l), b(r)),
        Func(f, args) => Func(
            *f,
            args.iter().map(|a| replace_var(a, name, with)).collect(),
        ),
        other => other.clone(),
    }
}

fn exprs_equal(x: &Expr, y: &Expr) -> M {
    // The same expression tree (`A, C` vs `(C), (A)`: the letters themselves).
    if x == y {
        return M::Exact;
    }
    let xv = x.vars();
    let yv = y.vars();
    // `e^{i\pi}` vs `-1`: against a constant, an answer whose only letters are `e` and `i` is a
    // constant too, `e` Euler's number.
    let only_e_i = |v: &[String]| v.iter().all(|n| n == "e" || n == "i");
    let has_e = |v: &[String]| v.iter().any(|n| n == "e");
    if (has_e(&xv) && yv.is_empty() && only_e_i(&xv))
        || (has_e(&yv) && xv.is_empty() && only_e_i(&yv))
    {
        return exprs_equal(
            &replace_var(x, "e", &Expr::E),
            &replace_var(y, "e", &Expr::E),
        );
    }
    // `3+2i`: an answer whose only letter is `i` is a complex number.
    let only_i = |v: &[String]| v.iter().all(|n| n == "i");
    if (!xv.is_empty() || !yv.is_empty()) && only_i(&xv) && only_i(&yv) {
        let (x, y) = (replace_var(x, "i", &Expr::I), replace_var(y, "i", &Expr::I));
        return match (eval_c(&x, 0), eval_c(&y, 0)) {
            (Some(a), Some(b)) => M::of(close(a.0, b.0) && close(a.1, b.1)),
            _ => M::No,
        };
    }
    if xv.is_empty() && yv.is_empty() {
        let (Some(a), Some(b)) = (eval(x, &[]), eval(y, &[])) else {
            if x == y {
                return M::Exact;
            }
            // Complex numbers (`3+2i`): compared as complex values.
            return match (eval_c(x, 0), eval_c(y, 0)) {
                (Some(a), Some(b)) => M::of(close(a.0, b.0) && close(a.1, b.1)),
                _ => M::No,
            };
        };
        let m = values_equal(x, y, a, b);
        if m != M::No {
            return m;
        }
        // `50%` also matches `50`.
        for (p, q) in [(x, y), (y, x)] {
            if let Some(stripped) = strip_percent(p) {
                if let (Some(a), Some(b)) = (eval(&stripped, &[]), eval(q, &[])) {
                    let m = values_equal(&stripped, q, a, b);
                    if m != M::No {
                        return m;
                    }
                }
            }
        }
        return M::No;
    }
    if xv != yv {
        return M::No;
    }
    if polynomials_identical(x, y, &xv) {
        return M::Exact;
    }
    let mut agreed = 0;
    for k in 0..SAMPLES.len() {
        let point = sample_point(&xv, k);
        match (eval(x, &point), eval(y, &point)) {
            (Some(a), Some(b)) => {
                if !close(a.approx, b.approx) {
                    return M::No;
                }
                agreed += 1;
            }
            (None, None) => {}
            _ => return M::No,
        }
    }
    if agreed >= MIN_AGREEING_SAMPLES {
        M::Probable
    } else {
        M::No
    }
}

/// Highest total degree [`polynomials_identical`] proves identities for.
const MAX_IDENTITY_DEGREE: u32 = 12;

/// Most grid points [`polynomials_identical`] evaluates (`(degree + 1)^variables`).
const MAX_IDENTITY_POINTS: usize = 400;

/// Total degree of a polynomial with rational coefficients (`(x+1)^2` → 2), `None` when `e` is
/// not one (a variable in a denominator or exponent, a root, a function).
fn poly_degree(e: &Expr) -> Option<u32> {
    use Expr::*;
    match e {
        Int(_) | Decimal(_) => Some(0),
        Var(_) => Some(1),
        Neg(a) => poly_degree(a),
        Add(a, b) | Sub(a, b) => Some(poly_degree(a)?.max(poly_degree(b)?)),
        Mul(a, b) => poly_degree(a)?.checked_add(poly_degree(b)?),
        Div(a, b) => (poly_degree(b)? == 0 && b.vars().is_empty())
            .then(|| poly_degree(a))
            .flatten(),
        Pow(a, b) => {
            let k: u32 = match &**b {
                Int(k) => k.parse().ok()?,
                _ => return None,
            };
            poly_degree(a)?.checked_mul(k)
        }
        _ => None,
    }
}

/// `(x+1)^2` vs `x^2+2x+1`: two polynomials with rational coefficients are the same polynomial
/// when they agree exactly (rational arithmetic, no tolerance) on the grid `{0..=d}^n` (`d` the
/// higher total degree, `n` the variables): a non-zero polynomial of degree at most `d` in each
/// variable cannot vanish on such a grid. That is a proof, so the match is `Equal`. False when
/// either is not such a polynomial, the grid exceeds [`MAX_IDENTITY_POINTS`], or any value is
/// not exact (overflow).
fn polynomials_identical(x: &Expr, y: &Expr, vars: &[String]) -> bool {
    let (Some(dx), Some(dy)) = (poly_degree(x), poly_degree(y)) else {
        return false;
    };
    let d = dx.max(dy);
    if d > MAX_IDENTITY_DEGREE || vars.is_empty() {
        return false;
    }
    let side = d as usize + 1;
    let Some(points) = u32::try_from(vars.len())
        .ok()
        .and_then(|n| side.checked_pow(n))
        .filter(|p| *p <= MAX_IDENTITY_POINTS)
    else {
        return false;
    };
    (0..points).all(|k| {
        let mut rest = k;
        let point: Vec<(String, f64)> = vars
            .iter()
            .map(|v| {
                let c = rest % side;
                rest /= side;
                (v.clone(), c as f64)
            })
            .collect();
        match (eval(x, &point), eval(y, &point)) {
            (Some(a), Some(b)) => matches!((a.exact, b.exact), (Some(p), Some(q)) if p == q),
            _ => false,
        }
    })
}

/// Deepest expression [`eval_c`] descends into (the parser bounds depth too; this keeps the
/// recursion bounded on its own).
const MAX_EVAL_DEPTH: usize = 64;

/// Approximate complex value `(re, im)` of a constant expression (`3+2i`, `\frac{1+i\sqrt3}{2}`):
/// arithmetic, whole powers, square roots of non-negative reals, π, e. `None` otherwise.
fn eval_c(e: &Expr, depth: usize) -> Option<(f64, f64)> {
    use Expr::*;
    if depth > MAX_EVAL_DEPTH {
        return None;
    }
    let d = depth + 1;
    let r = match e {
        I => (0.0, 1.0),
        Int(_) | Decimal(_) | Pi | E => (eval(e, &[])?.approx, 0.0),
        Neg(a) => {
            let a = eval_c(a, d)?;
            (-a.0, -a.1)
        }
        Add(a, b) | Sub(a, b) => {
            let (a, b) = (eval_c(a, d)?, eval_c(b, d)?);
            if matches!(e, Add(..)) {
                (a.0 + b.0, a.1 + b.1)
            } else {
                (a.0 - b.0, a.1 - b.1)
            }
        }
        Mul(a, b) => c_mul(eval_c(a, d)?, eval_c(b, d)?),
        Div(a, b) => {
            let (a, b) = (eval_c(a, d)?, eval_c(b, d)?);
            let n = b.0 * b.0 + b.1 * b.1;
            if n == 0.0 {
                return None;
            }
            ((a.0 * b.0 + a.1 * b.1) / n, (a.1 * b.0 - a.0 * b.1) / n)
        }
        // `e^{i\pi}`: Euler's formula, `e^{x+iy} = e^x (\cos y + i \sin y)`.
        Pow(a, b) if matches!(**a, E) => c_exp(eval_c(b, d)?),
        Func(Fun::Exp, args) if args.len() == 1 => c_exp(eval_c(&args[0], d)?),
        Pow(a, b) => {
            let a = eval_c(a, d)?;
            let k = eval(b, &[])?.exact.filter(|r| r.is_int())?.num;
            if k.unsigned_abs() > 64 {
                return None;
            }
            let mut acc = (1.0, 0.0);
            for _ in 0..k.unsigned_abs() {
                acc = c_mul(acc, a);
            }
            if k < 0 {
                let n = acc.0 * acc.0 + acc.1 * acc.1;
                if n == 0.0 {
                    return None;
                }
                acc = (acc.0 / n, -acc.1 / n);
            }
            acc
        }
        Func(Fun::Sqrt, args) => {
            let x = eval_c(args.first()?, d)?;
            if x.1 != 0.0 {
                return None;
            }
            if x.0 >= 0.0 {
                (x.0.sqrt(), 0.0)
            } else {
                (0.0, (-x.0).sqrt())
            }
        }
        _ => (eval(e, &[])?.approx, 0.0),
    };
    (r.0.is_finite() && r.1.is_finite()).then_some(r)
}

/// `e^z` for a complex `z`.
fn c_exp(z: (f64, f64)) -> (f64, f64) {
    let m = z.0.exp();
    (m * z.1.cos(), m * z.1.sin())
}

fn c_mul(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small() {
        assert!(equivalent("1/2", "0.5"));
        assert!(equivalent("\\frac{1}{2}", "0.5"));
        assert!(!equivalent("1/3", "0.3"));
        assert!(equivalent("x=3", "3"));
        assert!(equivalent("(B)", "B"));
    }

    #[test]
    fn rewrites() {
        assert_eq!(
            repeating_decimal("0.\\overline{3}").as_deref(),
            Some("\\frac{3}{9}")
        );
        assert_eq!(repeating_decimal("0.\\overline{}"), None);
        assert_eq!(inequality_interval("x > 3").as_deref(), Some("(3,∞)"));
        assert_eq!(inequality_interval("3 < x < 4 < 5"), None);
        assert_eq!(
            mixed_number("2\\frac{1}{2}").as_deref(),
            Some("(2+\\frac{1}{2})")
        );
        assert_eq!(mixed_number("2\\frac{3}{2}"), None);
        assert_eq!(e_notation("1.5e3").as_deref(), Some("1.5\\times10^{3}"));
        assert!(lhs_is_name("f(x)") && lhs_is_name("x + y") && !lhs_is_name("2x"));
    }
}
