//! Which relations with variables are claims, decided by context (issue 9, 2c–2e):
//! - an `=` is read as an identity ([`Rel::Identical`]) between the terms of an `=`-chain of
//!   three or more terms, and when the step says "expand" or "factor" and one side is a product
//!   or power of a sum while the other is not (`(x+1)^2 = x^2+x+1`); an equation posed to be
//!   solved (`91n+98 = 92(n+1)`, "simplifying, 3a^2+6a+5 = 2a^2+14a+25") stays an `=`. The
//!   numeric checker refutes an `Identical` link only when both sides are polynomials with the
//!   same monomials (the same expression rewritten, with a slip); other differences are read as
//!   substitutions or equations and stay unknown;
//! - an `=`-chain whose terms change variables (`2a+b-c = 38k+8+19m+2-19n-18 = 38k+19m-19n+2`)
//!   keeps its adjacent links between terms in the same variables;
//! - one equation rewritten into the next (`-2+4a+8=0 \Rightarrow 4a=-10`, consecutive display
//!   lines) is a [`Rel::Rewrite`] item: both must have the same real solutions. With several
//!   variables (up to [`MAX_REWRITE_VARS`], the same ones on both) the checker decides only a
//!   slip in the constants (`10b-40-2a = 20+8a-2 ⇒ 10b-38 = 10a+19`: no common solution).
//!
//! Text where letters are not variables is never read this way: function calls `f(3)`, point
//! and segment names `AB`, the imaginary unit `i` and Euler's `e`.

use super::expr::Expr;
use super::{MathItem, Rel};

/// Words in a step that say its `=` between a factored and an expanded expression is an
/// identity. ("Simplify" and "combine" are said of equations as often as of expressions.)
const IDENTITY_CUES: &[&str] = &["expand", "factor", "identity"];

/// Words in a step that say an equation is posed to be solved (overrides the cues above).
/// ("Root" is not one: "x = 1 is a root, so we factor …" states an identity.)
const SOLVE_CUES: &[&str] = &["solve", "solving", "equation"];

/// Whether the step's words make its `=` between expressions identities.
pub fn identity_cue(step: &str) -> bool {
    let lower = step.to_lowercase();
    IDENTITY_CUES.iter().any(|w| lower.contains(w)) && !SOLVE_CUES.iter().any(|w| lower.contains(w))
}

/// Whether letters in `source` may be names rather than variables: a single letter directly
/// followed by `(` (`f(3)`, `P(A)`), or two capital letters side by side (`AB`, `\angle ABC`).
pub fn letters_are_names(source: &str) -> bool {
    let cs: Vec<char> = source.chars().collect();
    // `i` and `e` written as variables are usually the imaginary unit and Euler's number.
    let lone = |k: usize| {
        (k == 0 || !cs[k - 1].is_ascii_alphabetic() && cs[k - 1] != '\\')
            && cs.get(k + 1).is_none_or(|c| !c.is_ascii_alphabetic())
    };
    if cs
        .iter()
        .enumerate()
        .any(|(k, c)| matches!(c, 'i' | 'e') && lone(k))
    {
        return true;
    }
    cs.windows(2).enumerate().any(|(k, w)| {
        let single = k == 0 || !(cs[k - 1].is_ascii_alphabetic() || cs[k - 1] == '\\');
        (w[0].is_ascii_alphabetic() && w[1] == '(' && single)
            || (w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
    })
}

/// The items of a relation with variables: the whole relation when every term has the same
/// variables (its `=` links [`Rel::Identical`] in a chain or an identity context); else, for an
/// `=`-chain, each maximal run of adjacent terms in the same variables, as identities.
pub fn variable_items(
    terms: Vec<Expr>,
    rels: Vec<Rel>,
    source: &str,
    identity_context: bool,
) -> Vec<MathItem> {
    if letters_are_names(source) {
        // `f(x) = 1 - 3y + … = 0.3 + 0.4y + 1.6y^2`: a function's value on the left names the
        // chain; the links after it are read when their own letters are variables.
        if let Some(rest) = after_function_value(source) {
            if terms.len() >= 3 && rels[0] == Rel::Eq && !letters_are_names(rest) {
                return variable_items(
                    terms[1..].to_vec(),
                    rels[1..].to_vec(),
                    rest,
                    identity_context,
                );
            }
        }
        // `f(f(m) + n) + f(m) = f(2m + n) + 2m = 2(2m + n) + 2m = …`: the terms after the
        // last one with names are read as a chain of their own.
        if rels.iter().all(|r| *r == Rel::Eq) {
            if let Some((k, rest)) = super::named_chain::after_named_terms(source, terms.len()) {
                return variable_items(
                    terms[k..].to_vec(),
                    rels[k..].to_vec(),
                    rest,
                    identity_context,
                );
            }
        }
        // `f(m+n) \neq f(m)+f(n)`: letters that are names make no claim we can read.
        return Vec::new();
    }
    let var_sets: Vec<Vec<String>> = terms.iter().map(Expr::vars).collect();
    let all_eq = rels.iter().all(|r| *r == Rel::Eq);
    let same = var_sets.iter().all(|v| *v == var_sets[0]);
    if same && !var_sets[0].is_empty() && !terms.iter().any(Expr::is_lone_var) {
        let cue =
            identity_context && terms.len() == 2 && factored(&terms[0]) != factored(&terms[1]);
        let identity = all_eq && (terms.len() >= 3 || cue);
        let rels = if identity {
            vec![Rel::Identical; rels.len()]
        } else {
            rels
        };
        return vec![MathItem {
            source: source.to_string(),
            terms,
            rels,
            modulus: None,
        }];
    }
    if !all_eq || terms.len() < 3 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=terms.len() {
        let breaks = end == terms.len() || var_sets[end] != var_sets[start];
        if !breaks {
            continue;
        }
        let run = &terms[start..end];
        if run.len() >= 2 && !var_sets[start].is_empty() && !run.iter().any(Expr::is_lone_var) {
            out.push(MathItem {
                source: source.to_string(),
                terms: run.to_vec(),
                rels: vec![Rel::Identical; run.len() - 1],
                modulus: None,
            });
        }
        start = end;
    }
    out
}

/// `f(x) = …`, `g_1(t) = …`: the text after the first `=` when all before it is one function
/// value (a letter, an optional subscript, one parenthesised argument without brackets).
fn after_function_value(source: &str) -> Option<&str> {
    let (left, rest) = source.split_once('=')?;
    let left = left.trim();
    let mut cs = left.chars();
    if !cs.next()?.is_ascii_alphabetic() {
        return None;
    }
    let tail = cs.as_str();
    let tail = match tail.strip_prefix('_') {
        Some(t) => {
            let t = t
                .strip_prefix('{')
                .map_or_else(|| t.get(1..), |t| t.split_once('}').map(|(_, r)| r))?;
            t
        }
        None => tail,
    };
    let arg = tail.strip_prefix('(')?.strip_suffix(')')?;
    let plain = !arg.is_empty() && !arg.contains(['(', ')', '[', ']', '{', '}', '<', '>', '=']);
    plain.then_some(rest)
}

/// Whether `e` has a product or power of a sum with variables (`(x-1)(x+2)`, `(a+b)^2`): the
/// factored side of an expand/factor identity.
fn factored(e: &Expr) -> bool {
    fn sum_with_vars(e: &Expr) -> bool {
        matches!(e, Expr::Add(..) | Expr::Sub(..)) && !e.vars().is_empty()
    }
    match e {
        Expr::Mul(a, b) => sum_with_vars(a) || sum_with_vars(b) || factored(a) || factored(b),
        Expr::Pow(a, _) => sum_with_vars(a) || factored(a),
        _ => e.children().any(factored),
    }
}

/// An equation `lhs = rhs` in one variable, kept to compare with the next.
#[derive(Debug, Clone)]
struct Equation {
    /// `lhs − rhs` (or `lhs` when `rhs` is 0).
    zero_form: Expr,
    /// Its variables, sorted: one, or up to [`MAX_REWRITE_VARS`] for an `=`.
    vars: Vec<String>,
    source: String,
    /// `x = 3`: a lone variable on one side, a number on the other.
    solved: bool,
    /// How `zero_form` relates to 0: [`Rel::Rewrite`] (`= 0`), [`Rel::RewriteGt`] (`> 0`) or
    /// [`Rel::RewriteGe`] (`≥ 0`); the rewrite item's relation.
    kind: Rel,
}

/// Follows one step's equations in order and pairs each with the one before it when the text
/// between them rewrites the first into the second.
#[derive(Debug, Default)]
pub struct Rewrites {
    last: Option<Equation>,
    /// The previous relation when it was one `=` between two terms (any number of variables):
    /// (sides, source), for [`shared_side`].
    last_pair: Option<([Expr; 2], String)>,
    /// The previous relation when it was one relation between two terms: (sides, relation,
    /// source), for [`numeric_subterms`].
    last_rel: Option<([Expr; 2], Rel, String)>,
}

impl Rewrites {
    /// Offers the next relation; `linked` says whether the text before it continues the previous
    /// one (an arrow, a line break in a display, "so", "simplifies to"). Returns the rewrite item
    /// when this equation follows a previous one in the same single variable, or the
    /// [`shared_side`] identity when an equation in several variables keeps one side.
    pub fn offer(
        &mut self,
        terms: &[Expr],
        rels: &[Rel],
        source: &str,
        linked: bool,
    ) -> Option<MathItem> {
        self.offer_all(terms, rels, source, linked)
            .into_iter()
            .next()
    }

    /// As [`Rewrites::offer`], plus the [`numeric_subterms`] items: every item the link from
    /// the previous relation to this one claims.
    pub fn offer_all(
        &mut self,
        terms: &[Expr],
        rels: &[Rel],
        source: &str,
        linked: bool,
    ) -> Vec<MathItem> {
        let rel = (rels.len() == 1 && terms.len() == 2).then(|| {
            (
                [terms[0].clone(), terms[1].clone()],
                rels[0],
                source.trim().to_string(),
            )
        });
        let prev_rel = std::mem::replace(&mut self.last_rel, rel.clone());
        let mut out: Vec<MathItem> = self
            .offer_one(terms, rels, source, linked)
            .into_iter()
            .collect();
        if let (Some(p), Some(c), true) = (&prev_rel, &rel, linked) {
            out.extend(numeric_subterms(p, c));
        }
        out
    }

    fn offer_one(
        &mut self,
        terms: &[Expr],
        rels: &[Rel],
        source: &str,
        linked: bool,
    ) -> Option<MathItem> {
        let pair = (rels == [Rel::Eq] && terms.len() == 2).then(|| {
            (
                [terms[0].clone(), terms[1].clone()],
                source.trim().to_string(),
            )
        });
        let prev_pair = std::mem::replace(&mut self.last_pair, pair.clone());
        let cur = equation(terms, rels, source);
        let prev = std::mem::replace(&mut self.last, cur.clone());
        let shared = match (&prev_pair, &pair) {
            (Some(p), Some(c)) if linked => shared_side(p, c),
            _ => None,
        };
        let (Some(prev), Some(cur)) = (prev, cur) else {
            return shared;
        };
        // A kept side claims an identity, which says more than the rewrite of the equation.
        if shared.is_some() && cur.vars.len() > 1 {
            return shared;
        }
        // `x = 3 ⇒ x = -1`, `x = 9 ⇒ x + 2 = 0`: after a solved equation the text lists
        // solutions or cases, it does not rewrite. (`n > 1103/7 ⇒ n > 157.57` does rewrite.)
        // A solved inequality followed by an unsolved one (`x > 0`, `x^2 > 4`) states a
        // condition, then a new fact.
        let solved_eq = prev.solved && (prev.kind == Rel::Rewrite || !cur.solved);
        if !linked
            || solved_eq
            || prev.kind != cur.kind
            || prev.vars != cur.vars
            || prev.zero_form == cur.zero_form
        {
            return None;
        }
        Some(MathItem {
            source: format!("{} ⇒ {}", prev.source, cur.source),
            terms: vec![prev.zero_form, cur.zero_form],
            rels: vec![cur.kind],
            modulus: None,
        })
    }

    /// Forgets the previous equation (a piece that is not an equation came between).
    pub fn reset(&mut self) {
        self.last = None;
        self.last_pair = None;
        self.last_rel = None;
    }
}

/// Most sub-expressions one link may evaluate in place; more differences are a different
/// relation, not one evaluated.
const MAX_EVALUATED_SUBTERMS: usize = 4;

/// `3^x(3^2 - 9) = 2^x(2^5 - 5) ⇒ 3^x(-6) = 2^x(27)`: a linked relation that is the previous
/// one with variable-free sub-expressions replaced by their values claims each of those
/// values (`3^2 - 9 = -6`, refuted: it is 0). Read only when the two relations are the same
/// relation between trees of the same shape that differ nowhere else, every differing
/// sub-expression on the old side is a computation (not a bare number: `x + 3 = 5` then
/// `x + 4 = 5` lists cases; nor a value such as `-\frac{3}{2}` in `z = -\frac{3}{2}` then
/// `z = 2`), and on the new side is a value ([`is_value`]) written smaller than the computation. Exact and local: the
/// claim does not depend on what the relation means, so names around the numbers
/// (`BE \times BN = 221 \times 120 ⇒ BE \times BN = 26532`, `f(3)`) do not stop it.
fn numeric_subterms(
    prev: &([Expr; 2], Rel, String),
    cur: &([Expr; 2], Rel, String),
) -> Vec<MathItem> {
    let ([pl, pr], prel, psrc) = prev;
    let ([cl, cr], crel, csrc) = cur;
    // `z = -\frac{3}{2}` then `z = 2`: after a solved equation the text lists solutions.
    let solved = |a: &Expr, b: &Expr| a.is_lone_var() && b.vars().is_empty();
    if prel != crel || (*prel == Rel::Eq && (solved(pl, pr) || solved(pr, pl))) {
        return Vec::new();
    }
    let mut diffs = Vec::new();
    if !(subterm_diffs(pl, cl, &mut diffs) && subterm_diffs(pr, cr, &mut diffs))
        || diffs.is_empty()
        || diffs.len() > MAX_EVALUATED_SUBTERMS
    {
        return Vec::new();
    }
    // `x \geq 2\sqrt{2} ⇒ x \geq 2` weakens a bound, it does not evaluate it: under an
    // inequality only rational arithmetic (`S \geq 2 \times 2 ⇒ S \geq 8`) is read.
    let inequality = !matches!(prel, Rel::Eq | Rel::Approx);
    if inequality && !diffs.iter().all(|(old, _)| rational_arithmetic(old)) {
        return Vec::new();
    }
    // Evaluating makes a sub-expression smaller; two computations of the same size side by side
    // are cases listed, not one evaluated (`S = 2 + 3 \\ S = 4 \cdot 5`).
    let size = |e: &Expr| e.fold(&mut |_, kids: Vec<usize>| 1 + kids.iter().sum::<usize>());
    // `n > \frac{1103}{7} ⇒ n > 157.29`: a fraction written as a decimal is evaluated too.
    let to_decimal = |old: &Expr, new: &Expr| {
        let unneg = |e: &Expr| match e {
            Expr::Neg(a) => (**a).clone(),
            e => e.clone(),
        };
        matches!(unneg(old), Expr::Div(..)) && matches!(unneg(new), Expr::Decimal(_))
    };
    let evaluated = |(old, new): &(&Expr, &Expr)| {
        (!is_value(old) || to_decimal(old, new)) && is_value(new) && size(new) < size(old)
    };
    if !diffs.iter().all(evaluated) {
        return Vec::new();
    }
    diffs
        .into_iter()
        .map(|(old, new)| MathItem {
            source: format!("{psrc} ⇒ {csrc}"),
            terms: vec![old.clone(), new.clone()],
            // `\log x \approx \log 0.9542 ⇒ \log x \approx -0.0219`: rounded as `≈` says.
            rels: vec![if *prel == Rel::Approx {
                Rel::Approx
            } else {
                Rel::Eq
            }],
            modulus: None,
        })
        .collect()
}

/// Whether `e` is arithmetic on numbers with an exact rational value (`+ − × ÷`, whole-number
/// powers): no roots, logarithms, π or functions.
fn rational_arithmetic(e: &Expr) -> bool {
    match e {
        Expr::Int(_) | Expr::Decimal(_) => true,
        Expr::Neg(a) => rational_arithmetic(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            rational_arithmetic(a) && rational_arithmetic(b)
        }
        Expr::Pow(a, b) => rational_arithmetic(a) && matches!(&**b, Expr::Int(_)),
        _ => false,
    }
}

/// A value as an author writes a computed result: a number, a negated one, or a fraction of
/// whole numbers (`-6`, `27`, `75.185`, `\frac{3}{2}`).
fn is_value(e: &Expr) -> bool {
    match e {
        Expr::Int(_) | Expr::Decimal(_) => true,
        Expr::Neg(a) => is_value(a),
        Expr::Div(a, b) => matches!((&**a, &**b), (Expr::Int(_), Expr::Int(_))),
        _ => false,
    }
}

/// Collects the largest variable-free sub-expressions where `a` and `b` differ into `out`;
/// false when they differ in shape around a variable.
fn subterm_diffs<'a>(a: &'a Expr, b: &'a Expr, out: &mut Vec<(&'a Expr, &'a Expr)>) -> bool {
    if a == b {
        return true;
    }
    if a.vars().is_empty() && b.vars().is_empty() {
        out.push((a, b));
        return true;
    }
    same_node(a, b)
        && a.children()
            .zip(b.children())
            .all(|(x, y)| subterm_diffs(x, y, out))
}

/// Whether `a` and `b` are the same operation with children (their children may differ).
fn same_node(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::Func(f, xs), Expr::Func(g, ys)) => f == g && xs.len() == ys.len(),
        _ => {
            std::mem::discriminant(a) == std::mem::discriminant(b) && a.children().next().is_some()
        }
    }
}

/// `24 - 9A = \frac{(9 - 3A) + B + (6A - 10)}{3}` linked to `24 - 9A = \frac{8 + 3A + B}{3}`:
/// one side kept as written while the other changes claims that the changed side was
/// simplified, i.e. the two versions are identical ([`Rel::Identical`]; the numeric checker
/// refutes only a slip between polynomials with the same monomials). Only when the changed
/// sides have the same variables (`x = 2x - 3 ⇒ x = 3` solves, it does not simplify), none is
/// a lone variable, and the letters are variables. One-variable equations are left to the
/// rewrite check ([`Rel::Rewrite`]) except when that cannot apply (it needs one variable).
fn shared_side(prev: &([Expr; 2], String), cur: &([Expr; 2], String)) -> Option<MathItem> {
    let ([pl, pr], psrc) = prev;
    let ([cl, cr], csrc) = cur;
    let (old, new) = if pl == cl && pr != cr {
        (pr, cr)
    } else if pr == cr && pl != cl {
        (pl, cl)
    } else {
        return None;
    };
    // `0 = \frac{x + 1}{3} ⇒ 0 = x + 1`: beside a kept 0 the other side may be scaled.
    let kept = if pl == cl { pl } else { pr };
    if matches!(kept, Expr::Int(z) if z.trim_start_matches('0').is_empty()) {
        return None;
    }
    let vars = old.vars();
    let mut all = pl.vars();
    all.extend(pr.vars());
    all.sort();
    all.dedup();
    if vars.is_empty()
        || vars != new.vars()
        || all.len() < 2
        || old.is_lone_var()
        || new.is_lone_var()
        || letters_are_names(psrc)
        || letters_are_names(csrc)
    {
        return None;
    }
    Some(MathItem {
        source: format!("{psrc} ⇒ {csrc}"),
        terms: vec![old.clone(), new.clone()],
        rels: vec![Rel::Identical],
        modulus: None,
    })
}

/// Most variables of an equation followed into the next one: a rewrite of a small system's
/// equation has a handful; more is a formula, not a step of solving.
pub const MAX_REWRITE_VARS: usize = 6;

fn equation(terms: &[Expr], rels: &[Rel], source: &str) -> Option<Equation> {
    if rels.len() != 1 || terms.len() != 2 || letters_are_names(source) {
        return None;
    }
    // `a < b` is `b − a > 0`: sides swapped so that every inequality reads `> 0` or `≥ 0`.
    let (kind, terms) = match rels[0] {
        Rel::Eq => (Rel::Rewrite, [&terms[0], &terms[1]]),
        Rel::Gt => (Rel::RewriteGt, [&terms[0], &terms[1]]),
        Rel::Ge => (Rel::RewriteGe, [&terms[0], &terms[1]]),
        Rel::Lt => (Rel::RewriteGt, [&terms[1], &terms[0]]),
        Rel::Le => (Rel::RewriteGe, [&terms[1], &terms[0]]),
        _ => return None,
    };
    let mut vars = terms[0].vars();
    vars.extend(terms[1].vars());
    vars.sort();
    vars.dedup();
    // Several variables: only `=` (the checker decides a slip in the constants, see
    // `check_rewrite_multi` in numeric_glue.py).
    if vars.is_empty() || vars.len() > MAX_REWRITE_VARS || (vars.len() > 1 && kind != Rel::Rewrite)
    {
        return None;
    }
    let zero_form = match &terms[1] {
        Expr::Int(z) if z.trim_start_matches('0').is_empty() => (*terms[0]).clone(),
        rhs => Expr::Sub(Box::new(terms[0].clone()), Box::new((*rhs).clone())),
    };
    let solved = (terms[0].is_lone_var() && terms[1].vars().is_empty())
        || (terms[1].is_lone_var() && terms[0].vars().is_empty());
    Some(Equation {
        zero_form,
        vars,
        source: source.trim().to_string(),
        solved,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_not_variables() {
        assert!(letters_are_names("f(3) = 2f(0) + 3"));
        assert!(letters_are_names("AB + BC = AC"));
        assert!(!letters_are_names("2(x+1) = 2x + 2"));
        assert!(!letters_are_names("\\sqrt(x) = 3"));
        assert!(letters_are_names("i^3 = -i"));
        assert!(!letters_are_names("\\pi x = \\sin x"));
        assert!(identity_cue("Expanding, we get"));
        assert!(!identity_cue("Expand and solve the equation"));
        assert!(identity_cue("Since 2 is a root, we factor"));
    }

    #[test]
    fn a_function_value_names_the_chain_after_it() {
        assert_eq!(after_function_value("f(x) = 1 - y = 2"), Some(" 1 - y = 2"));
        assert_eq!(after_function_value("g_{1}(t) = t"), Some(" t"));
        assert_eq!(after_function_value("f(x+1) = 2"), Some(" 2"));
        assert_eq!(after_function_value("f(g(x)) = 2"), None);
        assert_eq!(after_function_value("2f(x) = 2"), None);
        assert_eq!(after_function_value("AB(x) = 2"), None);
        let rel = |t: &str| crate::chain::expr::parse_relation(t).expect(t);
        let src = "f(x) = 1 - 3y + 3y^2 = 1 + 0.4y + 3y^2";
        let r = rel(src);
        let items = variable_items(r.terms, r.rels, src, false);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].terms.len(), 2);
        // The rest has names of its own: nothing read.
        let src = "f(x) = f(y) + 1 = 3 + f(y) - 2";
        let r = rel(src);
        assert!(variable_items(r.terms, r.rels, src, false).is_empty());
    }

    fn offer(r: &mut Rewrites, text: &str, linked: bool) -> Option<MathItem> {
        let rel = crate::chain::expr::parse_relation(text).expect(text);
        r.offer(&rel.terms, &rel.rels, text, linked)
    }

    #[test]
    fn a_kept_side_makes_the_changed_side_an_identity() {
        let mut r = Rewrites::default();
        assert!(offer(&mut r, "a + b = 2(c - a) + 3b", false).is_none());
        let m = offer(&mut r, "a + b = 2c - 2a + 3b", true).expect("shared side");
        assert_eq!(m.rels, vec![Rel::Identical]);
        assert_eq!(m.terms[1].vars(), vec!["a", "b", "c"]);
        // The kept side may be the right one.
        let mut r = Rewrites::default();
        offer(&mut r, "2(x + y) = z", false);
        assert!(offer(&mut r, "2x + 2y = z", true).is_some());
        // Not linked, different variables, a lone variable or names: no item.
        let mut r = Rewrites::default();
        offer(&mut r, "a + b = 2c + 3", false);
        assert!(offer(&mut r, "a + b = 5c - 1", false).is_none());
        // (Equations in the same variables are still followed as rewrites, not identities.)
        let rewrite_only = |m: Option<MathItem>| m.is_none_or(|m| m.rels == [Rel::Rewrite]);
        offer(&mut r, "2y = 4x + 6y - 8", false);
        assert!(rewrite_only(offer(&mut r, "2y = 2 - x", true)));
        offer(&mut r, "x + y = 3z", false);
        assert!(rewrite_only(offer(&mut r, "x + y = z", true)));
        offer(&mut r, "0 = \\frac{a + b}{3}", false);
        assert!(rewrite_only(offer(&mut r, "0 = a + b", true)));
        offer(&mut r, "f(x) + y = 3x", false);
        assert!(offer(&mut r, "f(x) + y = 2x + x", true).is_none());
    }

    #[test]
    fn equations_in_several_variables_are_followed() {
        let mut r = Rewrites::default();
        assert!(offer(&mut r, "10b - 40 - 2a = 20 + 8a - 2", false).is_none());
        let m = offer(&mut r, "10b - 38 = 10a + 19", true).expect("rewrite");
        assert_eq!(m.rels, vec![Rel::Rewrite]);
        assert_eq!(m.terms[0].vars(), vec!["a", "b"]);
        // Different variables (a substitution), an inequality, not linked: no item.
        let mut r = Rewrites::default();
        offer(&mut r, "x + y = 10", false);
        assert!(offer(&mut r, "x + 2x = 10", true).is_none());
        offer(&mut r, "x + y > 10", false);
        assert!(offer(&mut r, "2x + 2y > 20", true).is_none());
        offer(&mut r, "x + y = 10", false);
        assert!(offer(&mut r, "2x + 2y = 20", false).is_none());
    }

    fn offer_all(r: &mut Rewrites, text: &str, linked: bool) -> Vec<MathItem> {
        let rel = crate::chain::expr::parse_relation(text).expect(text);
        r.offer_all(&rel.terms, &rel.rels, text, linked)
    }

    /// The (old, new) sub-expressions of the numeric items a link yields.
    fn evaluated(prev: &str, cur: &str) -> Vec<(Expr, Expr)> {
        let mut r = Rewrites::default();
        offer_all(&mut r, prev, false);
        offer_all(&mut r, cur, true)
            .into_iter()
            .filter(|m| m.terms.iter().all(|t| t.vars().is_empty()))
            .map(|m| (m.terms[0].clone(), m.terms[1].clone()))
            .collect()
    }

    #[test]
    fn sub_expressions_evaluated_in_place() {
        let e = |s: &str| crate::chain::expr::parse_math(s).expect(s);
        assert_eq!(
            evaluated("5^{y}(5^2 - 20) = 3^{y}(3^3 - 7)", "5^{y}(4) = 3^{y}(20)"),
            vec![(e("5^2 - 20"), e("4")), (e("3^3 - 7"), e("20"))]
        );
        assert_eq!(
            evaluated("q < \\frac{901}{9}", "q < 100.11"),
            vec![(e("\\frac{901}{9}"), e("100.11"))]
        );
        assert_eq!(
            evaluated("2w - v = 3 \\cdot 7", "2w - v = 21"),
            vec![(e("3 \\cdot 7"), e("21"))]
        );
        // Cases listed, solutions listed, other relations, variables changed: no claim.
        assert!(evaluated("w + 3 = 5", "w + 4 = 5").is_empty());
        assert!(evaluated("S = 2 + 3", "S = 4 \\cdot 5").is_empty());
        assert!(evaluated("z = -\\frac{3}{2}", "z = 2").is_empty());
        assert!(evaluated("t < 2 \\cdot 3", "t > 6").is_empty());
        // A bound weakened, not evaluated.
        assert!(evaluated("t \\geq 2\\sqrt{2}", "t \\geq 2").is_empty());
        assert_eq!(evaluated("t \\geq 2 \\times 2", "t \\geq 8").len(), 1);
        assert!(evaluated("2w = 3 \\cdot 7 + v", "w = 21 + v").is_empty());
        assert!(evaluated("r = \\frac{1}{2} \\sqrt{8}", "r = \\sqrt{2}").is_empty());
        // Not linked.
        let mut r = Rewrites::default();
        offer_all(&mut r, "2w - v = 3 \\cdot 7", false);
        assert!(offer_all(&mut r, "2w - v = 21", false).is_empty());
    }
}
