//! Systems of equations across neighbouring steps (issue 9, 2c): an equation stated after a
//! system of linear equations claims to follow from it.
//!
//! `12a - 2b = 20`, `9a + b = 14` (one step) then `-6a = -8` (the next): the system fixes
//! `a = 8/5`, where `-6a = -48/5`, not `-8`. Each equation of a step is paired with the linear
//! equations in several variables before it (earlier in the same step and in the
//! [`WINDOW_STEPS`] steps before) that share variables with it, as a [`Rel::System`] item. The
//! numeric checker decides the item only when those equations have one common solution that
//! fixes every variable of the new equation; so a new fact (a system that does not fix its
//! variables yet), cases (equations with no common solution) and formulas stay `unknown`.
//!
//! Not a system, because cases are written the same way: values (`k = 1`, `2m = 76`) as
//! premises; equations posited by the prose before them ("if \( a = 7 \)", "for \( x = -1
//! \) and \( y = 1 \)", see [`POSIT_WORDS`]); a value of a variable the step lists several
//! values for (`T = 1, U = 9; T = 2, U = 8`); a premise that keeps a side of the new equation
//! as written (`m - n = 1` then `m - n = 3`: the next case of a list).
//!
//! Only LaTeX math is read (`\[ \]`, `$$ $$`, `\( \)`, `$ $`, `\begin{…}`), split into
//! equations at line breaks, commas, `\quad`, arrows and `\text{…}`; `(a, b) = (1, 4)` gives
//! `a = 1` and `b = 4`; `a = \frac{48}{30} = \frac{8}{5}` gives `a = \frac{8}{5}`. Segments with
//! alternatives (`or`, `\pm`) and letters that may be names (see [`letters_are_names`]) are not
//! read.

use super::algebra::letters_are_names;
use super::expr::{parse_relation, Expr};
use super::items::MAX_ITEMS_PER_STEP;
use super::text::{normalize_width, unbox};
use super::{Item, MathItem, Rel};

/// How many steps before an equation its system may come from (with the equations earlier in
/// its own step): a system is stated, then solved in the next step or the one after (a third
/// step back found nothing more on ProcessBench).
const WINDOW_STEPS: usize = 2;

/// Most equations of one step read for systems; a step with more is a table or a list of
/// cases, not one system, and the pairing below is quadratic in this number.
const MAX_STEP_EQUATIONS: usize = 40;

/// Most earlier equations given as the system of one item (the latest ones): a hand-solved
/// system has a handful.
const MAX_PREMISES: usize = 8;

/// Most variables of a system: more is a formula, not a system solved by hand (the worker
/// solves at most 8).
const MAX_SYSTEM_VARS: usize = 6;

/// Most system items per step (each costs one linear solve in the worker).
const MAX_SYSTEM_ITEMS: usize = 12;

/// Most distinct unclosed delimiters (`\begin{name}` without its end) remembered in one step;
/// at the next one the step's remaining text is not read (hostile text stays linear).
const MAX_UNCLOSED: usize = 16;

/// Longest math segment read, in bytes: a display of a system is short.
const MAX_SEGMENT_BYTES: usize = 4_000;

/// An equation `lhs = rhs` as written in a step.
#[derive(Debug, Clone)]
struct Equation {
    lhs: Expr,
    rhs: Expr,
    source: String,
    /// Its variables, sorted.
    vars: Vec<String>,
    /// Both sides linear in the variables with rational coefficients.
    linear: bool,
    /// The prose before it posits it (see [`POSIT_WORDS`]): neither a premise nor a claim.
    posited: bool,
    /// A value of a variable its step gives several values (see [`Equation::one_of_listed`]).
    listed: bool,
}

impl Equation {
    /// `x = 3`, `\frac{1}{2} = t`: the variable and the value of an equation that states one.
    fn value(&self) -> Option<(&str, &Expr)> {
        match (&self.lhs, &self.rhs) {
            (Expr::Var(v), c) | (c, Expr::Var(v)) if rational(c) => Some((v, c)),
            _ => None,
        }
    }

    /// `T = 1` in a step that also says `T = 2`: values listed, none of them derived.
    fn one_of_listed(&self, step: &[Equation]) -> bool {
        let Some((v, c)) = self.value() else {
            return false;
        };
        step.iter()
            .filter_map(Equation::value)
            .any(|(w, d)| w == v && d != c)
    }

    fn zero_form(&self) -> Expr {
        Expr::Sub(Box::new(self.lhs.clone()), Box::new(self.rhs.clone()))
    }

    fn same(&self, o: &Equation) -> bool {
        (self.lhs == o.lhs && self.rhs == o.rhs) || (self.lhs == o.rhs && self.rhs == o.lhs)
    }

    /// `m - n = 1` and `m - n = 3`: one side as written in both, the next case of a list
    /// (`m - n = 1, m + n = 75`, then `m - n = 3, m + n = 25`), not a consequence.
    fn shares_side(&self, o: &Equation) -> bool {
        [&self.lhs, &self.rhs]
            .iter()
            .any(|a| **a == o.lhs || **a == o.rhs)
    }
}

/// The premises connected to `vars` through shared variables (transitively), in order: the
/// equations of the system that can fix those variables.
fn connected<'a>(premises: &[&'a Equation], vars: &[String]) -> Vec<&'a Equation> {
    let mut reach: Vec<String> = vars.to_vec();
    let mut taken = vec![false; premises.len()];
    loop {
        let mut grew = false;
        for (k, p) in premises.iter().enumerate() {
            if !taken[k] && p.vars.iter().any(|v| reach.contains(v)) {
                taken[k] = true;
                grew = true;
                reach.extend(p.vars.iter().cloned());
            }
        }
        if !grew {
            break;
        }
    }
    premises
        .iter()
        .zip(taken)
        .filter_map(|(p, t)| t.then_some(*p))
        .collect()
}

/// Appends each step's system items to `items` (one list per step, as
/// [`super::items::extract_chain_items`] returns them).
pub fn add_chain_items<S: AsRef<str>>(texts: &[S], items: &mut [Vec<Item>]) {
    let mut back: Vec<Vec<Equation>> = Vec::new();
    for (t, step_items) in texts.iter().zip(items.iter_mut()) {
        let cur = step_equations(t.as_ref());
        let prev: Vec<Equation> = back[back.len().saturating_sub(WINDOW_STEPS)..].concat();
        for m in step_items_for(&prev, &cur) {
            if step_items.len() >= MAX_ITEMS_PER_STEP {
                break;
            }
            step_items.push(Item::Math(m));
        }
        back.push(cur);
    }
}

/// The system items of a step whose equations are `cur`, after the equations `prev` of the
/// [`WINDOW_STEPS`] steps before it.
fn step_items_for(prev: &[Equation], cur: &[Equation]) -> Vec<MathItem> {
    let mut out = Vec::new();
    for (j, e) in cur.iter().enumerate() {
        if out.len() >= MAX_SYSTEM_ITEMS {
            break;
        }
        if e.posited || e.listed {
            continue;
        }
        // Only equations between variables make the system: a value (`k = 1`, `2m = 76`) is
        // as often a case tried as a result, and the next case gives the variable another.
        let before = prev.iter().chain(&cur[..j]);
        let mut premises: Vec<&Equation> = Vec::new();
        for p in before {
            let fits =
                p.linear && !p.posited && p.vars.len() >= 2 && !p.same(e) && !p.shares_side(e);
            if fits && !premises.iter().any(|q| q.same(p)) {
                premises.push(p);
            }
        }
        let premises = &premises[premises.len().saturating_sub(MAX_PREMISES)..];
        if let Some(m) = implied(&connected(premises, &e.vars), e) {
            out.push(m);
        }
    }
    out
}

/// `premises` (linear, each in several variables, connected to `e`) then `e`: the item claiming
/// `e` follows from them, when they are two or more in at most [`MAX_SYSTEM_VARS`] variables
/// that include all of `e`'s.
fn implied(premises: &[&Equation], e: &Equation) -> Option<MathItem> {
    if premises.len() < 2 {
        return None;
    }
    let mut vars: Vec<String> = premises.iter().flat_map(|p| p.vars.clone()).collect();
    vars.sort();
    vars.dedup();
    if vars.len() > MAX_SYSTEM_VARS || !e.vars.iter().all(|v| vars.contains(v)) {
        return None;
    }
    Some(item(premises, e))
}

fn item(premises: &[&Equation], e: &Equation) -> MathItem {
    let mut terms: Vec<Expr> = premises.iter().map(|p| p.zero_form()).collect();
    terms.push(e.lhs.clone());
    terms.push(e.rhs.clone());
    let before: Vec<&str> = premises.iter().map(|p| p.source.as_str()).collect();
    MathItem {
        source: format!("{} ⇒ {}", before.join("; "), e.source),
        rels: vec![Rel::System; terms.len() - 1],
        terms,
        modulus: None,
    }
}

/// The equations of a step's LaTeX math, in order (at most [`MAX_STEP_EQUATIONS`]).
fn step_equations(text: &str) -> Vec<Equation> {
    let text = unbox(&normalize_width(text));
    let mut out = Vec::new();
    let mut posited = false;
    let mut conditional = false;
    'segments: for (prose, seg) in math_segments(&text) {
        if seg.len() > MAX_SEGMENT_BYTES {
            continue;
        }
        // `for \( x = -1 \) and \( y = 1 \)`, `if \( a = 1 \), then \( b = 5 \)`: what
        // follows a posited equation in the same sentence is posited too, and so is every
        // equation of a sentence that opens a case ("If we consider the pair (2, 25), we have").
        // ("Solving for \( x \), we get \( x = 3 \)": only a posited equation carries.)
        let (carried, fresh) = match prose.rfind(['.', '?', '!']) {
            Some(end) => (false, &prose[end + 1..]),
            None => (conditional || posited, prose),
        };
        conditional = carried || has_word(fresh, CONDITION_WORDS);
        posited = (posits(prose) && seg.contains('=')) || conditional;
        // `x = 2 \text{ or } x = 3`, `x = 1 \pm \sqrt{2}`: cases, not one system.
        let alternatives = [
            "\\text{ or }",
            "\\text{or}",
            "\\pm",
            "\\mp",
            " or ",
            "\\lor",
            "\\vee",
        ]
        .iter()
        .any(|a| seg.contains(a));
        if alternatives {
            continue;
        }
        for piece in pieces(seg) {
            for mut e in piece_equations(&piece) {
                e.posited = posited;
                if out.len() >= MAX_STEP_EQUATIONS {
                    break 'segments;
                }
                out.push(e);
            }
        }
    }
    let listed: Vec<bool> = out.iter().map(|e| e.one_of_listed(&out)).collect();
    for (e, l) in out.iter_mut().zip(listed) {
        e.listed = l;
    }
    out
}

/// Words that, in the prose right before an equation, posit it rather than claim it: a case
/// tried or assumed ("if \\( a = 7 \\)", "for \\( x = -1 \\)", "suppose", "try").
const POSIT_WORDS: &[&str] = &[
    "if",
    "for",
    "when",
    "case",
    "suppose",
    "assume",
    "assuming",
    "try",
    "trying",
    "test",
    "testing",
    "whether",
    "say",
    "consider",
    "considering",
    // A line or curve named by its equation ("the vertical line \\( x = 27 \\)", "the
    // intersection of \\( x = 27 \\) with …"): an object, not a consequence of the lines
    // before it.
    "line",
    "lines",
    "intersection",
    "intersect",
    "intersects",
];

/// How many words of the prose before an equation are looked at for [`POSIT_WORDS`].
const POSIT_WINDOW_WORDS: usize = 4;

/// Whether the last words of `prose` posit the equation after it (see [`POSIT_WORDS`]).
fn posits(prose: &str) -> bool {
    prose
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .rev()
        .take(POSIT_WINDOW_WORDS)
        .any(|w| POSIT_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Words that anywhere in a sentence make its equations a case: "If we consider the pair
/// (2, 25), we have …", "Suppose that …", "Case 2: …".
const CONDITION_WORDS: &[&str] = &[
    "if",
    "suppose",
    "assume",
    "assuming",
    "consider",
    "considering",
    "try",
    "trying",
    "case",
];

/// Whether `prose` has one of `words`.
fn has_word(prose: &str, words: &[&str]) -> bool {
    prose
        .split(|c: char| !c.is_alphabetic())
        .any(|w| words.contains(&w.to_lowercase().as_str()))
}

/// The LaTeX math segments of `text`: (the prose since the previous segment, the contents).
/// Linear: a closing delimiter not found once is not looked for again.
pub(super) fn math_segments(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut unclosed: Vec<String> = Vec::new();
    let mut i = 0;
    let mut last_end = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(p) = rest.find(['$', '\\']) else {
            break;
        };
        let at = &rest[p..];
        let (open, close): (usize, String) = if at.starts_with("$$") {
            (2, "$$".into())
        } else if at.starts_with("\\[") {
            (2, "\\]".into())
        } else if at.starts_with("\\(") {
            (2, "\\)".into())
        } else if let Some(name) = at
            .strip_prefix("\\begin{")
            .and_then(|r| r.get(..r.bytes().take(64).position(|c| c == b'}')?))
        {
            (0, format!("\\end{{{name}}}"))
        } else if at.starts_with('$') && !(p > 0 && rest.as_bytes()[p - 1] == b'\\') {
            (1, "$".into())
        } else {
            i += p + 1;
            continue;
        };
        let body = &at[open..];
        let end = if unclosed.contains(&close) {
            None
        } else if close == "$" {
            // Inline `$…$` closes on the same line.
            body.find(['$', '\n'])
                .filter(|&e| body.as_bytes()[e] == b'$')
        } else {
            body.find(close.as_str())
        };
        match end {
            Some(e) => {
                out.push((&text[last_end..i + p], &body[..e]));
                i += p + open + e + close.len();
                last_end = i;
            }
            None => {
                if unclosed.len() >= MAX_UNCLOSED {
                    // Each new unclosed name costs one scan to the end: stop reading instead.
                    break;
                }
                if close != "$" {
                    unclosed.push(close);
                }
                i += p + open.max(1);
            }
        }
    }
    out
}

/// LaTeX commands after which the next piece is a separate equation: the line break and
/// arrows of [`crate::chain::items::LINE_BREAK_AND_ARROWS`], plus these spacings and tags.
const MORE_SEPARATORS: &[&str] = &["\\qquad", "\\quad", "\\to", "\\nonumber", "\\notag"];

/// Splits a math segment into the pieces that may be one equation each: environment tags,
/// braces of a `cases` system and `&` removed; split at the separators ([`MORE_SEPARATORS`]), `\text{…}`, `;`, and
/// `,` followed by a space or a letter, outside brackets. A piece that starts with `=`
/// continues the one before (`x &= 2 + 3 \\ &= 5`).
fn pieces(seg: &str) -> Vec<String> {
    let mut s = strip_environments(seg)
        .replace("\\left\\{", " ")
        .replace("\\right.", " ")
        .replace("\\left.", " ")
        .replace("\\right\\}", " ")
        .replace('&', " ")
        .replace("\\;", " ")
        .replace("\\,", " ")
        .replace("\\!", "");
    for cmd in crate::chain::items::LINE_BREAK_AND_ARROWS
        .iter()
        .chain(MORE_SEPARATORS)
    {
        s = s.replace(cmd, " ; ");
    }
    let s = drop_text_groups(&s);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut chars = s.chars().peekable();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        let piece = cur.trim().trim_end_matches(['.', ',']).trim().to_string();
        cur.clear();
        if piece.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(prev) if piece.starts_with('=') => {
                prev.push(' ');
                prev.push_str(&piece);
            }
            _ => out.push(piece),
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        let comma_split = c == ','
            && chars
                .peek()
                .is_some_and(|n| n.is_whitespace() || n.is_alphabetic());
        if depth <= 0 && (c == ';' || comma_split) {
            flush(&mut cur, &mut out);
        } else {
            cur.push(c);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The first of `tags` in `s`: its byte offset and length.
fn earliest(s: &str, tags: &[&str]) -> Option<(usize, usize)> {
    tags.iter()
        .filter_map(|t| s.find(t).map(|p| (p, t.len())))
        .min()
}

/// Removes `\begin{name}` (with an `array` column spec) and `\end{name}` tags.
fn strip_environments(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    let mut rest = seg;
    while let Some((p, tag)) = earliest(rest, &["\\begin{", "\\end{"]) {
        out.push_str(&rest[..p]);
        out.push_str(" ; ");
        let after = &rest[p + tag..];
        let Some(close) = after.find('}') else {
            rest = after;
            continue;
        };
        let mut after = &after[close + 1..];
        // `\begin{array}{ll}`: the column spec goes too.
        if rest[p..].starts_with("\\begin{array}") {
            if let Some(spec) = after.strip_prefix('{').and_then(|a| a.split_once('}')) {
                after = spec.1;
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Replaces every `\text{…}`, `\mathrm{…}` and `\textbf{…}` group by a separator (words in
/// math join or name equations; units cut the piece, which then does not parse).
fn drop_text_groups(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((p, tag)) = earliest(rest, &["\\text{", "\\mathrm{", "\\textbf{"]) {
        out.push_str(&rest[..p]);
        out.push_str(" ; ");
        let after = &rest[p + tag..];
        rest = after.find('}').map_or("", |e| &after[e + 1..]);
    }
    out.push_str(rest);
    out
}

/// The equations of one piece: one `lhs = rhs` with variables, or the components of
/// `(a, b) = (1, 4)`.
fn piece_equations(piece: &str) -> Vec<Equation> {
    if letters_are_names(piece) {
        return tuple_equations(piece).unwrap_or_default();
    }
    let Some(r) = parse_relation(piece) else {
        return tuple_equations(piece).unwrap_or_default();
    };
    if r.rels.iter().any(|r| *r != Rel::Eq) || r.modulus.is_some() {
        return Vec::new();
    }
    // `a = \frac{48}{30} = \frac{8}{5}`: a chain whose terms after the first are numbers
    // states the first equal to the last (the numeric links are checked elsewhere).
    if r.terms[1..].iter().any(|t| !t.vars().is_empty()) && r.terms.len() > 2 {
        return Vec::new();
    }
    let mut terms = r.terms;
    let (Some(rhs), Some(lhs)) = (terms.pop(), terms.into_iter().next()) else {
        return Vec::new();
    };
    equation(lhs, rhs, piece).into_iter().collect()
}

/// `(a, b) = (1, 4)`: `a = 1`, `b = 4` (names on the left, as many values on the right).
fn tuple_equations(piece: &str) -> Option<Vec<Equation>> {
    let (l, r) = piece.split_once('=')?;
    let inner = |s: &str| -> Option<Vec<String>> {
        let s = s.trim().strip_prefix('(')?.strip_suffix(')')?;
        if s.contains(['(', ')', '=']) {
            return None;
        }
        Some(s.split(',').map(|p| p.trim().to_string()).collect())
    };
    let (names, values) = (inner(l)?, inner(r)?);
    if names.len() < 2 || names.len() != values.len() {
        return None;
    }
    names
        .iter()
        .zip(&values)
        .map(|(n, v)| {
            let single = n.len() == 1 && n.chars().all(|c| c.is_ascii_alphabetic());
            let value = super::expr::parse_math(v)?;
            let text = format!("{n} = {v}");
            (single && !matches!(n.as_str(), "i" | "e") && value.vars().is_empty())
                .then(|| equation(Expr::Var(n.clone()), value, &text))
                .flatten()
        })
        .collect()
}

fn equation(lhs: Expr, rhs: Expr, source: &str) -> Option<Equation> {
    let mut vars = lhs.vars();
    vars.extend(rhs.vars());
    vars.sort();
    vars.dedup();
    if vars.is_empty() || vars.len() > MAX_SYSTEM_VARS {
        return None;
    }
    Some(Equation {
        linear: linear(&lhs) && linear(&rhs),
        posited: false,
        listed: false,
        vars,
        lhs,
        rhs,
        source: source.trim().to_string(),
    })
}

/// Whether `e` is rational arithmetic on numbers (no variables, roots, π or functions).
fn rational(e: &Expr) -> bool {
    match e {
        Expr::Int(_) | Expr::Decimal(_) => true,
        Expr::Neg(a) | Expr::Percent(a) => rational(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            rational(a) && rational(b)
        }
        Expr::Pow(a, b) => rational(a) && matches!(&**b, Expr::Int(_)),
        _ => false,
    }
}

/// Whether `e` is linear in its variables with rational coefficients.
fn linear(e: &Expr) -> bool {
    match e {
        Expr::Var(_) => true,
        Expr::Neg(a) => linear(a),
        Expr::Add(a, b) | Expr::Sub(a, b) => linear(a) && linear(b),
        Expr::Mul(a, b) => (rational(a) && linear(b)) || (linear(a) && rational(b)),
        Expr::Div(a, b) => linear(a) && rational(b),
        e => rational(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(prev: &str, cur: &str) -> Vec<String> {
        step_items_for(&step_equations(prev), &step_equations(cur))
            .into_iter()
            .map(|m| m.source)
            .collect()
    }

    #[test]
    fn a_listed_system_is_split_into_equations() {
        let eqs = step_equations(
            "we have \\[ \\begin{cases} 12a - 2b = 20 \\\\ 9a + b = 14 \\end{cases} \\] and \
             $x = 2, y = 3$, so $(p, q) = (1, -4)$.",
        );
        let srcs: Vec<&str> = eqs.iter().map(|e| e.source.as_str()).collect();
        assert_eq!(
            srcs,
            [
                "12a - 2b = 20",
                "9a + b = 14",
                "x = 2",
                "y = 3",
                "p = 1",
                "q = -4"
            ]
        );
        assert!(eqs.iter().all(|e| e.linear));
        // Alternatives, names and non-equations are not read.
        assert!(step_equations("$x = 2 \\text{ or } x = 3$ and $f(x) = 2y$, $x < y$").is_empty());
    }

    #[test]
    fn an_equation_after_a_system_is_paired_with_it() {
        let s = sources(
            "\\[ 12a - 2b = 20 \\] \\[ 9a + b = 14 \\]",
            "\\[ -6a = -8 \\]",
        );
        assert_eq!(s, ["12a - 2b = 20; 9a + b = 14 ⇒ -6a = -8"]);
        // One equation before, or none in several variables: not a system.
        assert!(sources("\\[ 12a - 2b = 20 \\]", "\\[ -6a = -8 \\]").is_empty());
        assert!(sources("\\[ a = 2 \\] \\[ b = 3 \\]", "\\[ a + b = 4 \\]").is_empty());
        // Variables the system does not have.
        assert!(sources("\\[ a + b = 2 \\] \\[ a - b = 3 \\]", "\\[ c = 4a \\]").is_empty());
    }

    #[test]
    fn hostile_delimiters_are_read_once() {
        let mut t = String::new();
        for k in 0..20_000 {
            t.push_str(&format!("\\begin{{n{k}}} $ \\[ x = {k} "));
        }
        // Unclosed names stop the scan after MAX_UNCLOSED; nothing is read, nothing hangs.
        assert!(step_equations(&t).is_empty());
        let t = "$a + b = 1$ ".repeat(10_000);
        assert_eq!(step_equations(&t).len(), MAX_STEP_EQUATIONS);
    }

    #[test]
    fn posited_equations_are_marked() {
        let eqs = step_equations(
            "If \\( a = 1 \\), then \\( b = 5 \\) and \\( c = 2 \\). So \\( d = 3 \\); for \\( g = 4 \\)",
        );
        let posited: Vec<bool> = eqs.iter().map(|e| e.posited).collect();
        assert_eq!(posited, [true, true, true, false, true]);
        assert!(posits("Let's try ") && posits("Case 2: ") && !posits("Therefore, "));
        let eqs = step_equations("Solving for \\( x \\) in the first, we get \\( x = 3 - y \\).");
        assert!(!eqs[0].posited);
        // A sentence that opens a case: all its equations; the next sentence is not.
        let eqs = step_equations(
            "If we consider the pair (2, 25), we have $u + v = 2$ and $u - v = 25$. So $x + y = 3$.",
        );
        let posited: Vec<bool> = eqs.iter().map(|e| e.posited).collect();
        assert_eq!(posited, [true, true, false]);
    }

    #[test]
    fn values_and_cases_are_not_a_system() {
        // `k = 1` then `k = 2`: cases tried, not a system (values are never premises).
        assert!(sources("\\[ k = 1 \\] \\[ x + y = 2 \\]", "\\[ k = 2 \\]").is_empty());
        // `m - n = 1, m + n = 75` then `m - n = 3`: the next case keeps a side as written.
        let s = sources(
            "$m - n = 1$ and $m + n = 75$",
            "$m - n = 3$ and $m + n = 25$",
        );
        assert!(!s.iter().any(|s| s.ends_with("⇒ m - n = 3")), "{s:?}");
        // Several values of one variable in a step are listed, not derived.
        assert!(sources(
            "$T - U = 0$, $T + U = 10$",
            "$T = 1, U = 9$; $T = 2, U = 8$"
        )
        .is_empty());
        // A chain ending in numbers states its first term equal to the last.
        assert_eq!(
            sources("$a + b = 3$, $a - b = 1$", "$a = \\frac{4}{2} = 2$"),
            ["a + b = 3; a - b = 1 ⇒ a = \\frac{4}{2} = 2"]
        );
    }
}
