//! Extracting checkable items from one step's text.
//!
//! Order: fenced blocks (```` ```claim ````, ```` ```smt2 ````, other code) → GSM8K calculator
//! annotations `<<48/2=24>>` → LaTeX math (`$$…$$`, `\[…\]`, `\(…\)`, `$…$`, `\begin{align}`)
//! → bare math in the remaining prose ("so 3 * 4 = 12 apples"). Each piece found is removed
//! from the text before the next pass, so nothing is read twice.
//!
//! Which relations become items (the *checkable rule*):
//! - every term is numeric (no variables) and at least one term is not a bare literal (`5 = 10`
//!   claims no computation and is usually a sentence cut in half, so it is skipped; inside
//!   explicit math such as `$1 < 2$` a comparison of literals is kept);
//! - or every term has variables, all terms have the same variables, and no term is a lone
//!   variable (`(x+1)^2 = x^2+2x+1`; `x = 5` and `y = 2x + 1` are definitions, not claims);
//! - a chain of equalities that starts with variables and ends in numbers keeps its numeric tail
//!   when that has two terms or more: `x = 3 + 4 = 7` → `3 + 4 = 7`,
//!   `A = \pi r^2 = \pi (3)^2 = 9\pi` → `\pi (3)^2 = 9\pi`.
//!
//! Bare math in prose is cut conservatively: a run of math characters is broken by any word; a
//! run next to an operator word ("twice", "half of", "times", …) or glued to prose (`3:30`) loses
//! its outer term, since that term is probably only part of what the author meant.

use super::algebra::{identity_cue, variable_items, Rewrites};
use super::divisible::divisible_items;
use super::expr::{
    complex_cue, parse_math, parse_relation, parse_relation_complex, tuple_components, Expr, Func,
    Relation,
};
use super::factorization::factorization_items;
use super::plusminus::{pm_chain, pm_chain_items, pm_link_items, PmChain, PmTerm};
use super::primes::prime_claims;
use super::remainder::remainder_items;
use super::text::{has_cue_word, is_cjk, normalize_width, unbox, MIN_STEM_BYTES};
use super::{Item, MathItem, Rel};

/// Most items extracted from one step; later ones are not extracted. A hand-written step has a
/// handful; the bound keeps a hostile 10 MB step from producing millions of items.
pub const MAX_ITEMS_PER_STEP: usize = 500;

/// Longest GSM8K annotation `<<…>>` looked at, in bytes.
const MAX_ANNOTATION_BYTES: usize = 400;

/// Words that, right before a run of bare math, mean the run's first number is only part of an
/// expression ("twice 3 + 4", "half of 10 = 5").
const WORDS_BEFORE: &[&str] = &[
    "of",
    "times",
    "twice",
    "double",
    "triple",
    "half",
    "halved",
    "per",
    "by",
    "multiplied",
    "divided",
    "plus",
    "minus",
    "less",
    "more",
    "than",
    "over",
    "squared",
    "cubed",
    "x",
    "from",
    "sum",
    "product",
    "difference",
    "quotient",
    "thrice",
    "quarter",
    "third",
    "fifth",
    "fourth",
    "tenth",
    "each",
    "every",
    "another",
    "extra",
    "additional",
    "other",
];

/// Words that, right after a run, mean its last number is only part of an expression
/// ("= 10 times 2", "3 = 1/4 of 12").
const WORDS_AFTER: &[&str] = &[
    "times",
    "less",
    "more",
    "minus",
    "plus",
    "divided",
    "multiplied",
    "x",
    "squared",
    "cubed",
    "of",
    "per",
    "over",
    "fewer",
    "as",
    "out",
];

/// Function names allowed in bare prose math when directly followed by `(`.
const PROSE_FUNCS: &[&str] = &[
    "sqrt", "gcd", "lcm", "min", "max", "abs", "ln", "log", "exp", "sin", "cos", "tan", "floor",
    "ceil",
];

/// Extracts the items of one step.
pub fn extract_items(text: &str) -> Vec<Item> {
    extract_items_after(text, None, complex_cue(text)).0
}

/// The last relation of a step's LaTeX math (terms, relations, source): what the next step may
/// rewrite (see [`extract_items_after`]).
pub type Carried = (Vec<Expr>, Vec<Rel>, String);

/// The items of every step of a chain, in order: each step as [`extract_items`], plus the
/// rewrite of the previous step's last equation into this step's first one when this step
/// opens with a phrase that says so ([`opening_links`]: "Simplifying the left side, we get:").
pub fn extract_chain_items<S: AsRef<str>>(texts: &[S]) -> Vec<Vec<Item>> {
    let mut carried = None;
    let complex = texts.iter().any(|t| complex_cue(t.as_ref()));
    let mut out: Vec<Vec<Item>> = texts
        .iter()
        .map(|t| {
            let (items, last) = extract_items_after(t.as_ref(), carried.take(), complex);
            carried = last;
            items
        })
        .collect();
    super::systems::add_chain_items(texts, &mut out);
    super::restated::add_chain_items(texts, &mut out);
    add_per_step(texts, &mut out, super::words::word_items);
    add_per_step(texts, &mut out, super::squares::square_items);
    out
}

/// Appends the items a one-step pass (`pass`: statements in words, perfect powers) finds in
/// each step of `texts`, up to [`MAX_ITEMS_PER_STEP`] per step.
fn add_per_step<S: AsRef<str>>(
    texts: &[S],
    items: &mut [Vec<Item>],
    pass: impl Fn(&str) -> Vec<MathItem>,
) {
    for (t, step) in texts.iter().zip(items.iter_mut()) {
        for m in pass(t.as_ref()) {
            if step.len() >= MAX_ITEMS_PER_STEP {
                break;
            }
            step.push(Item::Math(m));
        }
    }
}

/// Words (or stems) that, opening a step before its first math, say the step rewrites the
/// equation the previous step ended with ("Simplifying the left side, we get:", "Expanding
/// both sides of the equation:", "which simplifies to:"). Narrower than [`LINK_WORDS`]: a step
/// is a new statement unless it says it simplifies.
const STEP_LINK_WORDS: &[&str] = &["simplif", "expand", "rearrang", "becomes", "reduces"];

/// Whether a step's opening prose (before its first LaTeX math) links it to the previous
/// step's last equation: short, a [`STEP_LINK_WORDS`] word, none of [`UNLINK_WORDS`], and no
/// mention of several equations ("simplifying these equations": a system, whose equations are
/// not matched one to one).
fn opening_links(text: &str) -> bool {
    let first = ["$", "\\[", "\\(", "\\begin{"]
        .iter()
        .filter_map(|d| text.find(d))
        .min();
    let Some(first) = first else {
        return false;
    };
    let b = text[..first].trim().to_lowercase();
    if b.is_empty() || b.chars().count() > MAX_LINK_CHARS || b.contains("equations") {
        return false;
    }
    let has = |list: &[&str]| has_cue_word(&b, list, MIN_STEM_BYTES);
    has(STEP_LINK_WORDS) && !has(UNLINK_WORDS) && !has(&["these", "each", "system"])
}

/// [`extract_items`] for a step that follows another: `carried` is the previous step's last
/// relation; `complex`: the chain works with complex numbers ([`complex_cue`]). Returns the
/// items and this step's last relation.
pub fn extract_items_after(
    text: &str,
    carried: Option<Carried>,
    complex: bool,
) -> (Vec<Item>, Option<Carried>) {
    let mut items = Vec::new();
    let text = unbox(&normalize_width(text));
    let lower = text.to_lowercase();
    let mut ctx = Ctx {
        identity: identity_cue(&text),
        rewrites: Rewrites::default(),
        remainder: REMAINDER_CUES.iter().any(|w| lower.contains(w)),
        cut_next: false,
        named: None,
        link_first: false,
        last_rel: None,
        listing: false,
        complex,
        pm_last: None,
    };
    if let Some((terms, rels, source)) = carried.filter(|_| opening_links(&text)) {
        ctx.rewrites.offer_all(&terms, &rels, &source, false);
        ctx.link_first = true;
    }
    // Every pass below reads the step without its fenced blocks (code, claims), which
    // `take_fences` has turned into their own items.
    let unfenced = take_fences(&text, &mut items);
    for m in factorization_items(&unfenced)
        .into_iter()
        .chain(divisible_items(&unfenced))
    {
        push_math(&mut items, m);
    }
    for claim in prime_claims(&unfenced) {
        if items.len() < MAX_ITEMS_PER_STEP {
            items.push(claim);
        }
    }
    let rest = inline_variables(&unfenced);
    let rest = take_annotations(&rest, &mut items, &mut ctx);
    // Only LaTeX math is carried to the next step (annotations and prose are read apart).
    ctx.last_rel = None;
    let rest = take_latex(&join_continued_displays(&rest), &mut items, &mut ctx);
    let last = ctx.last_rel.take();
    take_prose(&rest, &mut items, &mut ctx);
    super::parallel::items(&unfenced)
        .into_iter()
        .chain(super::expressions::items(&unfenced))
        .for_each(|m| push_math(&mut items, m));
    super::tentative::drop_targets(&text, &mut items);
    // "2 + 1 = 1 (False)", "check whether …": the step shows equations that do not hold.
    if DISCLAIM_CUES.iter().any(|w| lower.contains(w)) {
        items.retain(|i| !matches!(i, Item::Math(m) if m.rels.iter().all(|r| *r == Rel::Eq)));
    }
    // "\( 1/8 = 1 \). This is not correct", "\( 6 \le 41 < 6^2 \) does not hold": what
    // comes before the verdict (or in its sentence) is tried, not asserted.
    if let Some(cut) = denied_up_to(&lower) {
        items.retain(|i| match i {
            Item::Math(m) => {
                let tried = m.rels.iter().all(|r| {
                    matches!(
                        r,
                        Rel::Eq | Rel::Lt | Rel::Le | Rel::Gt | Rel::Ge | Rel::Approx
                    )
                });
                !(tried && denied_window(&lower, cut).contains(&m.source.to_lowercase()))
            }
            _ => true,
        });
    }
    asserted_identities(&lower, &mut items);
    (items, last)
}

/// Words right after an `=` between expressions with variables that say it holds for every
/// value ("\\( x + xy + y = xy + 1 \\), which is true for all x, y > 0", "2ab = ab, which is
/// true"): the equation is asserted as an identity ([`Rel::Asserted`]).
const ASSERT_CUES: &[&str] = &[
    "which is true",
    "is always true",
    "which holds for all",
    "holds true for all",
    "is an identity",
];

/// Words soon after an [`ASSERT_CUES`] cue that make the truth conditional ("which is true
/// when x = 2", "only if"): no assertion of an identity.
const CONDITION_AFTER_CUE: &[&str] = &["when", "if ", "only", "provided", "some", "="];

/// Most [`ASSERT_CUES`] occurrences read in one step (each is compared with every item: bounded
/// work on text that repeats a cue).
const MAX_ASSERT_CUES: usize = 32;

/// How far after a cue (bytes, at most to the end of its sentence) [`CONDITION_AFTER_CUE`]
/// words are looked for.
const CUE_CONDITION_BYTES: usize = 40;

/// Marks the two-term `=` items with variables on both sides that an [`ASSERT_CUES`] cue
/// directly follows (only punctuation and the closing of the math between) as
/// [`Rel::Asserted`].
fn asserted_identities(lower: &str, items: &mut [Item]) {
    // The items a cue can assert, with their text as it appears in `lower`.
    let eligible: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(k, item)| match item {
            Item::Math(m)
                if matches!(m.rels.as_slice(), [Rel::Eq | Rel::Identical])
                    && m.terms.iter().all(|t| !t.vars().is_empty()) =>
            {
                Some((k, m.source.trim().to_lowercase()))
            }
            _ => None,
        })
        .collect();
    if eligible.is_empty() {
        return;
    }
    let cues = ASSERT_CUES
        .iter()
        .flat_map(|cue| lower.match_indices(cue).map(move |(at, _)| (at, cue.len())))
        .take(MAX_ASSERT_CUES);
    for (at, len) in cues {
        let after = &lower[at + len..];
        let window = after
            .char_indices()
            .map(|(k, _)| k)
            .find(|&k| k >= CUE_CONDITION_BYTES)
            .unwrap_or(after.len());
        let sentence = after[..window].find(['.', '\n']).unwrap_or(window);
        if CONDITION_AFTER_CUE
            .iter()
            .any(|w| after[..sentence].contains(w))
        {
            continue;
        }
        let before = strip_subject(lower[..at].trim_end())
            .trim_end_matches([' ', ',', '.', '\n', '\\', ']', ')', '$']);
        for (k, source) in &eligible {
            if before.ends_with(source.as_str()) {
                if let Item::Math(m) = &mut items[*k] {
                    m.rels = vec![Rel::Asserted];
                }
            }
        }
    }
}

/// Words that open the subject of a verdict sentence about the relation before it ("This
/// factorization is always true").
const SUBJECT_WORDS: &[&str] = &["this", "that", "the"];

/// Most words in such a subject.
const MAX_SUBJECT_WORDS: usize = 3;

/// `… \] this factorization` → `… \]`: the subject of a verdict ([`SUBJECT_WORDS`] and at most
/// [`MAX_SUBJECT_WORDS`] words in all) taken off the end of the text before the cue.
fn strip_subject(before: &str) -> &str {
    let mut rest = before;
    for _ in 0..MAX_SUBJECT_WORDS {
        let start = word_start(rest, |c| c.is_alphabetic());
        let word = &rest[start..];
        if word.is_empty() {
            return before;
        }
        rest = rest[..start].trim_end();
        if SUBJECT_WORDS.contains(&word) {
            return rest;
        }
    }
    before
}

/// Operators next to which an inline `\( x \)` is a variable of a prose equation (`-` is not one:
/// "the \( k \)-th term").
const PROSE_OPERATORS: &[char] = &['=', '+', '*', '/', '×', '÷'];

/// `150 + \( x \) = 500`: an inline math segment holding one letter, next to an operator of a
/// prose equation, is that letter written in the prose (so the equation is read whole).
fn inline_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("\\(") {
        let after = &rest[p + 2..];
        // Only a short look ahead (`\( x \)`), so hostile runs of `\(` stay linear.
        let letter = {
            let t = after.trim_start_matches(' ');
            let mut cs = t.chars();
            match cs.next() {
                Some(c) if c.is_ascii_alphabetic() => {
                    let tail = cs.as_str().trim_start_matches(' ');
                    tail.strip_prefix("\\)").map(|r| (c, after.len() - r.len()))
                }
                _ => None,
            }
        };
        let operator_next = |c: Option<char>| c.is_some_and(|c| PROSE_OPERATORS.contains(&c));
        match letter {
            Some((c, end))
                if operator_next(rest[..p].trim_end().chars().next_back())
                    || operator_next(after[end..].trim_start().chars().next()) =>
            {
                out.push_str(&rest[..p]);
                out.push(c);
                rest = &after[end..];
            }
            _ => {
                out.push_str(&rest[..p + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Words in a step that say its quotients are whole-number quotients (`49 \div 9 = 5` complete
/// cycles and a remainder of 4): there `a ÷ b = q` claims `floor(a/b) = q`.
const REMAINDER_CUES: &[&str] = &["remainder", "left over", "leftover", "complete", "whole"];

/// Words in a step that say the equalities it shows are false on purpose ("2 + 1 = 1 (False)",
/// an extraneous root substituted back): its `=` items are not claims and are not checked
/// (its `≠`, `<`, … items still are).
const DISCLAIM_CUES: &[&str] = &[
    "(false)",
    "is false",
    "not true",
    "contradiction",
    "extraneous",
];

/// Words in a step that say the relations right before them (or in their sentence) were
/// tried and found false, not asserted: "\( \frac{\pi}{2} - \frac{3}{2} = -1 \) This is not
/// correct", "\( \frac{5}{9} < \frac{8}{13} < \frac{4}{7} \). This inequality does not hold",
/// "\( 6 \le 41 < 6^2 \) does not satisfy". Relations after the verdict's sentence are
/// claims again ("this calculation is incorrect. Instead, … \( 1 - \sqrt{3} + 2 = … \)").
const DENIAL_CUES: &[&str] = &[
    "not correct",
    "incorrect",
    "check the condition",
    "does not hold",
    "do not hold",
    "doesn't hold",
    "not satisfied",
    "does not satisfy",
];

/// Longest a verdict's sentence is read after the cue, in bytes (the sentence ends earlier at
/// `. `, `.\n` or a line break).
const MAX_DENIAL_SENTENCE: usize = 300;

/// How far before the end of a verdict's sentence its relations are looked for, in bytes: a
/// verdict speaks of the relations right before it, and the bound keeps the per-item search
/// linear in the step's length.
const MAX_DENIED_BYTES: usize = 2_000;

/// The text a verdict ending at `cut` speaks of: at most [`MAX_DENIED_BYTES`] before `cut`.
fn denied_window(lower: &str, cut: usize) -> &str {
    let mut start = cut.saturating_sub(MAX_DENIED_BYTES);
    while !lower.is_char_boundary(start) {
        start += 1;
    }
    &lower[start..cut]
}

/// Where the relations denied by a [`DENIAL_CUES`] verdict end (a byte offset in `lower`): the
/// end of the sentence of the step's last verdict; `None` without a verdict.
fn denied_up_to(lower: &str) -> Option<usize> {
    let cue_end = DENIAL_CUES
        .iter()
        .filter_map(|c| lower.rfind(c).map(|p| p + c.len()))
        .max()?;
    let rest = &lower[cue_end..];
    let limit = rest
        .char_indices()
        .map(|(k, _)| k)
        .find(|&k| k >= MAX_DENIAL_SENTENCE)
        .unwrap_or(rest.len());
    let end = [". ", ".\n", "\n\n"]
        .iter()
        .filter_map(|d| rest[..limit].find(d))
        .min()
        .unwrap_or(limit);
    Some(cue_end + end)
}

/// What one step's text says about its math (see [`super::algebra`]).
struct Ctx {
    /// The step's words make `=` between expressions identities.
    identity: bool,
    /// The step's equations so far, to check each rewrite of one into the next.
    rewrites: Rewrites,
    /// The step speaks of remainders or whole quotients (see [`REMAINDER_CUES`]).
    remainder: bool,
    /// The next relation's first term is only part of what the prose before it says
    /// ("10% of $\$1.50 = 0.10 \times \$1.50$"): drop it.
    cut_next: bool,
    /// The last quantity named in words (or a lone variable) and given as a calculation
    /// without its value (`Total earnings = $3 + $3 + $1.50`); see [`Ctx::named_value`].
    named: Option<Named>,
    /// The step's first LaTeX segment rewrites the previous step's last equation (already
    /// offered to `rewrites`); consumed by the first segment.
    link_first: bool,
    /// The last relation read (see [`Carried`]); `None` after a piece that is not one.
    last_rel: Option<Carried>,
    /// The prose before the current LaTeX segments announces several equations ("the first
    /// pair of equations:", see [`LIST_WORDS`]): the displays after it, up to the next prose,
    /// are a list, not rewrites of one another.
    listing: bool,
    /// The chain works with complex numbers: a lone `i` is the imaginary unit.
    complex: bool,
    /// The last `\pm` value named by a lone variable (`k = \frac{43 \pm \sqrt{115513}}{96}`)
    /// when nothing else was read since: a restatement of the same variable right after it
    /// claims the same pair of values (see [`super::plusminus`]).
    pm_last: Option<(String, PmTerm)>,
}

/// A quantity given as a calculation under a name (see [`Ctx::named_value`]).
struct Named {
    /// The name's key: its last word lower-cased (`fruits`), or `$` and the variable (`$S`).
    name: String,
    /// The calculation, as parsed.
    calc: Expr,
    /// The calculation as written.
    source: String,
    /// No other relation was read since the calculation: a restatement that follows it is
    /// next to it.
    fresh: bool,
}

/// How a restatement of a named quantity follows the last one (see [`Ctx::named_value`]).
#[derive(Clone, Copy)]
struct Restated {
    /// Written with `≈` (`Area ≈ 113.2 / 2`).
    approx: bool,
    /// The prose between the two says they are the same quantity ([`same_quantity_link`]).
    linked: bool,
    /// The name is a lone variable (`S = 165 \times \frac{6}{11}`, then `S = 9 \times 6`): a
    /// value is compared only when it is linked to the calculation, as for two calculations.
    variable: bool,
}

impl Ctx {
    /// A quantity named in words (or a lone variable), given as a calculation and restated:
    /// `Total earnings = 3 + 3 + 1.50. … Total earnings = 8.00` claims `calculation = value`;
    /// `Area = (40 × 5.63) / 2. This simplifies to Area ≈ 113.2 / 2` claims the two
    /// calculations agree (`≈` when either says so), and `Total = ¾A + ¾A + 60 + A`, then
    /// `Total = 1A + 60 + 7/4 A` that the two are the same expression ([`Rel::Identical`]).
    /// Two calculations are compared only when the second follows the first with no other
    /// relation between them and linking prose ([`Restated::linked`]); a value after a
    /// calculation named in words is compared whatever lies between (the calculation's value).
    /// `name` is the name's key; `e` what follows its `=`. Returns the item claimed, if any.
    fn named_value(
        &mut self,
        name: &str,
        e: Expr,
        source: &str,
        how: Restated,
    ) -> Option<MathItem> {
        let source = source.trim().to_string();
        let prev = self.named.take().filter(|n| n.name == name);
        let vars = e.vars();
        let next = |e: Expr| Named {
            name: name.to_string(),
            calc: e,
            source: source.clone(),
            fresh: true,
        };
        // A lone variable restated is a claim only between plain calculations: `x = 1 + √2`
        // and `x = 1 - √2`, `θ = π/6` and `θ = 5π/6`, `r = 3/2` and `r = -1` list roots.
        let restatable =
            plain_calculation(&e) || names_one_quantity(name) || (e.is_literal() && prev.is_some());
        if how.variable && !restatable {
            self.named = None;
            return None;
        }
        if e.is_literal() {
            let p = prev?;
            if (how.variable && !(p.fresh && how.linked)) || !p.calc.vars().is_empty() {
                return None;
            }
            let rel = if how.approx { Rel::Approx } else { Rel::Eq };
            return Some(named_item(p, e, rel, name, &source, how.approx));
        }
        let item = prev.filter(|p| p.fresh && how.linked).and_then(|p| {
            let pvars = p.calc.vars();
            let rel = match (vars.is_empty(), pvars.is_empty()) {
                (true, true) if how.approx => Rel::Approx,
                (true, true) => Rel::Eq,
                (false, false) if !how.approx && same_set(&vars, &pvars) => Rel::Identical,
                _ => return None,
            };
            Some(named_item(p, e.clone(), rel, name, &source, how.approx))
        });
        self.named = Some(next(e));
        item
    }

    /// A relation other than a restatement of the named quantity was read: a later
    /// restatement is no longer next to the calculation.
    fn other_relation(&mut self) {
        if let Some(n) = &mut self.named {
            n.fresh = false;
        }
    }
}

/// Whether a lone variable's key (`$` and the variable) is a point or segment name (`AB`,
/// `SA_{\text{cube}}`): two or more capital letters before any subscript. Such a name is one
/// quantity (a length, an area), not an unknown whose roots are listed one by one, so its
/// restatements are compared whatever their values (roots, powers, π).
fn names_one_quantity(key: &str) -> bool {
    let var = key.trim_start_matches('$');
    let base = var.split('_').next().unwrap_or("");
    base.len() >= 2 && base.chars().all(|c| c.is_ascii_uppercase())
}

/// Most digits in an exponent of a [`plain_calculation`].
const MAX_PLAIN_EXPONENT: u32 = 3;

/// A calculation in plain arithmetic (`165 \times \frac{6}{11}`, `(40 - 0) / 1.5`): whole
/// numbers and decimals under `+ - × ÷`, percentages and small whole powers, with at least one
/// operation that is not a fraction or a sign (`\frac{3}{2}`, `-1` are values). No roots,
/// π, or other functions: those are how roots and angles are listed.
fn plain_calculation(e: &Expr) -> bool {
    fn value(e: &Expr) -> bool {
        match e {
            Expr::Int(_) | Expr::Decimal(_) => true,
            Expr::Neg(a) => value(a),
            Expr::Div(a, b) => a.is_literal() && b.is_literal(),
            _ => false,
        }
    }
    plain_arithmetic(e, MAX_PLAIN_EXPONENT as usize) && !value(e)
}

/// Whether `e` is plain arithmetic: whole numbers and decimals under `+ - × ÷`, signs,
/// percentages, and powers with a whole exponent of at most `max_exponent_digits` digits.
pub(super) fn plain_arithmetic(e: &Expr, max_exponent_digits: usize) -> bool {
    match e {
        Expr::Int(_) | Expr::Decimal(_) => true,
        Expr::Neg(a) | Expr::Percent(a) => plain_arithmetic(a, max_exponent_digits),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            plain_arithmetic(a, max_exponent_digits) && plain_arithmetic(b, max_exponent_digits)
        }
        Expr::Pow(a, b) => {
            plain_arithmetic(a, max_exponent_digits)
                && matches!(&**b, Expr::Int(k) if k.len() <= max_exponent_digits)
        }
        _ => false,
    }
}

/// Whether two variable lists hold the same names.
fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|v| b.contains(v)) && b.iter().all(|v| a.contains(v))
}

/// The item `previous calculation rel e` of a restated named quantity.
fn named_item(p: Named, e: Expr, rel: Rel, name: &str, source: &str, approx: bool) -> MathItem {
    let shown = super::expr::display_name(name.trim_start_matches('$'));
    let sign = if approx { "≈" } else { "=" };
    MathItem {
        source: format!("{} … {shown} {sign} {source}", p.source),
        terms: vec![p.calc, e],
        rels: vec![rel],
        modulus: None,
    }
}

/// Words between two statements of a named quantity that say the second restates the first
/// ("This simplifies to Area ≈ …", "which gives"). Narrower than [`LINK_WORDS`]: "add",
/// "subtract", … change a quantity, they do not restate it.
const SAME_QUANTITY_WORDS: &[&str] = &[
    "so",
    "thus",
    "therefore",
    "hence",
    "gives",
    "giving",
    "simplif",
    "which",
    "means",
    "becomes",
    "get",
    "obtain",
    "combin",
    "is",
    "equal",
    "rewrit",
    "write",
    "yield",
];

/// Words between two statements of a named quantity that make them different quantities or
/// say the quantity changed.
const CHANGED_QUANTITY_WORDS: &[&str] = &[
    "new", "now", "next", "after", "before", "instead", "case", "suppose", "try", "update", "add",
    "subtract", "increas", "decreas", "remain", "left", "total", "more", "less",
];

/// The byte offset where the run of characters satisfying `in_word` that ends `b` starts.
fn word_start(b: &str, in_word: impl Fn(char) -> bool) -> usize {
    b.char_indices()
        .rev()
        .find(|&(_, c)| !in_word(c))
        .map_or(0, |(k, c)| k + c.len_utf8())
}

/// Longest name (in words) stripped from the end of the prose before a restatement.
const MAX_NAME_WORDS: usize = 4;

/// Whether the prose between two statements of a named quantity (ending with the name of the
/// second: `. This simplifies to Area`) says they are the same quantity: with the name taken
/// off, nothing but punctuation, or a short phrase without digits that has a
/// [`SAME_QUANTITY_WORDS`] word and none of [`UNLINK_WORDS`] and [`CHANGED_QUANTITY_WORDS`].
///
/// `name_at_end`: the prose ends with the second statement's name (a name in words before its
/// `=`), taken off first; else it is all prose between the two.
fn same_quantity_link(between: &str, name_at_end: bool) -> bool {
    // Prose longer than a link and a name is no link (and is not lower-cased: bounded work).
    if between.len() > 4 * (MAX_LINK_CHARS + MAX_LABEL_CHARS) {
        return false;
    }
    let lower = between.to_lowercase();
    let mut b = lower
        .trim_end()
        .trim_end_matches(['=', '≈', ' ', '\\', '{', '}']);
    for _ in 0..if name_at_end { MAX_NAME_WORDS } else { 0 } {
        let word_start = word_start(b, |c| c.is_alphabetic() || c == '\'' || c == '_');
        let word = &b[word_start..];
        let stem = |l: &&str| word == *l || (l.len() >= MIN_STEM_BYTES && word.starts_with(l));
        // A connective is no part of a name.
        let connective = UNLINK_WORDS.contains(&word) || NOT_UNIT_WORDS.contains(&word);
        if word.is_empty() || connective || SAME_QUANTITY_WORDS.iter().any(stem) {
            break;
        }
        b = b[..word_start].trim_end_matches([' ', '{', '\\']);
        b = b
            .strip_suffix("text")
            .unwrap_or(b)
            .trim_end_matches([' ', '\\']);
    }
    if b.chars().all(|c| !c.is_alphanumeric()) {
        return true;
    }
    if b.chars().count() > MAX_LINK_CHARS || b.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let has = |list: &[&str]| has_cue_word(b, list, MIN_STEM_BYTES);
    has(SAME_QUANTITY_WORDS) && !has(UNLINK_WORDS) && !has(CHANGED_QUANTITY_WORDS)
}

/// The last word of a name written in words (`\text{Total fruits}` → `fruits`), lower-cased.
fn name_key(name: &str) -> Option<String> {
    let name = name.replace("\\text", " ").replace("\\mathrm", " ");
    name.split(|c: char| !c.is_alphabetic())
        .rfind(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Separator that links two pieces of math: the second rewrites the first (an arrow, a line
/// break in a display, "so").
const LINK: char = '\u{1}';

/// A line break and the arrows and words that lead from one equation to the next in LaTeX
/// (`\\implies`, `\\therefore`, …): rewrite links here, equation separators in `systems`.
pub(crate) const LINE_BREAK_AND_ARROWS: &[&str] = &[
    "\\\\",
    "\\implies",
    "\\Longrightarrow",
    "\\Rightarrow",
    "\\rightarrow",
    "\\Leftrightarrow",
    "\\iff",
    "\\therefore",
];

/// Words (or word stems) between two math segments of a step that link them: the second
/// rewrites the first (`\[2x+3=7\] so \[2x=4\]`, "subtracting 3 gives").
const LINK_WORDS: &[&str] = &[
    "so",
    "thus",
    "then",
    "gives",
    "giving",
    "simplif",
    "therefore",
    "hence",
    "get",
    "becomes",
    "rearrang",
    "subtract",
    "add",
    "divid",
    "multipl",
    "which",
    "means",
    "implies",
    "obtain",
    "combin",
    "equivalent",
];

/// Words between two segments that make them separate statements, not a rewrite.
const UNLINK_WORDS: &[&str] = &[
    "and",
    "or",
    "where",
    "if",
    "let",
    "when",
    "also",
    "other",
    "second",
    "another",
    "root",
    "roots",
    "solutions",
    "check",
    "substitut",
    "plug",
];

/// Words in the prose before displayed math that announce several equations at once ("the
/// first pair of equations:", "the system"): the lines after it are listed, each its own
/// statement, so none is read as a rewrite of the line before it.
const LIST_WORDS: &[&str] = &["equations", "system", "pair", "pairs"];

/// Whether the prose before a math segment announces a list of equations (see [`LIST_WORDS`]).
fn lists_equations(before: &str) -> bool {
    before
        .split(|c: char| !c.is_alphabetic())
        .any(|w| LIST_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Longest prose (in characters) between two math segments that can still link them.
const MAX_LINK_CHARS: usize = 80;

/// Whether the prose between two math segments links them (see [`LINK_WORDS`]): nothing but
/// space and punctuation, or a short phrase with a link word and no [`UNLINK_WORDS`]; in Chinese
/// 所以 / 因此 / 即.
fn links(between: &str) -> bool {
    // `- \( x^2 - 11 > 0 \)\n- \( x + 1 < 0 \)`: items of a list are separate facts.
    let bullet = between.split('\n').skip(1).any(|line| {
        let l = line.trim_start();
        l.starts_with(['-', '*', '•']) || l.starts_with(|c: char| c.is_ascii_digit())
    });
    if bullet {
        return false;
    }
    let b = between.trim().to_lowercase();
    if b.chars().all(|c| !c.is_alphanumeric()) {
        return true;
    }
    if b.chars().count() > MAX_LINK_CHARS {
        return false;
    }
    if ["所以", "因此", "即", "→", "⇒"]
        .iter()
        .any(|w| b.contains(w))
    {
        return true;
    }
    // "or equivalently" restates; its "or" offers no alternative.
    let b = b.replace("or equivalent", "equivalent");
    let has = |list: &[&str]| has_cue_word(&b, list, MIN_STEM_BYTES);
    has(LINK_WORDS) && !has(UNLINK_WORDS)
}

fn push_math(items: &mut Vec<Item>, m: MathItem) {
    if items.len() >= MAX_ITEMS_PER_STEP || congruence_written_as_mod(&m) {
        return;
    }
    let dup = items.iter().any(|it| match it {
        Item::Math(o) => o.terms == m.terms && o.rels == m.rels && o.modulus == m.modulus,
        _ => false,
    });
    if !dup {
        items.push(Item::Math(m));
    }
}

/// `3 \times 123 + 360 = 3 \times 123 \mod 360`: an `=` whose right side ends in a top-level
/// `mod` (and whose left side does not) is how a congruence is often written, not the remainder
/// operation (`17 \mod 5 = 2` is one and stays checked); which one is meant is ambiguous, so no
/// item.
fn congruence_written_as_mod(m: &MathItem) -> bool {
    m.modulus.is_none()
        && m.rels.iter().all(|r| *r == Rel::Eq)
        && m.terms.len() >= 2
        && matches!(m.terms.last(), Some(Expr::Mod(..)))
        && !matches!(m.terms.first(), Some(Expr::Mod(..)))
}

fn take_fences(text: &str, items: &mut Vec<Item>) -> String {
    let mut out = String::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if let Some(info) = t.strip_prefix("```") {
            let lang = info.split_whitespace().next().map(str::to_lowercase);
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            let item = match lang.as_deref() {
                Some("claim") => Item::Claim { source: body },
                Some("smt2" | "smt" | "smtlib" | "smt-lib") => Item::Smt2 { source: body },
                _ => Item::Code {
                    lang: lang.filter(|l| !l.is_empty()),
                    source: body,
                },
            };
            items.push(item);
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn take_annotations(text: &str, items: &mut Vec<Item>, ctx: &mut Ctx) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    // The next `>>` at or after a position, found once and reused (keeps `<<<<…` linear).
    // `usize::MAX`: no `>>` anywhere after the last search.
    let mut next_close: Option<usize> = None;
    while let Some(rel) = text[pos..].find("<<") {
        let start = pos + rel;
        out.push_str(&text[pos..start]);
        let inner_start = start + 2;
        if next_close.is_none_or(|c| c < inner_start) {
            next_close = Some(
                text[inner_start..]
                    .find(">>")
                    .map_or(usize::MAX, |k| inner_start + k),
            );
        }
        match next_close.filter(|c| *c != usize::MAX) {
            Some(end)
                if end - inner_start <= MAX_ANNOTATION_BYTES
                    && !text[inner_start..end].contains('\n') =>
            {
                let inner = &text[inner_start..end];
                for m in relation_items(inner, inner, ctx, false, false) {
                    push_math(items, m);
                }
                pos = end + 2;
            }
            _ => {
                out.push_str("<<");
                pos = inner_start;
            }
        }
    }
    out.push_str(&text[pos..]);
    out
}

/// Digits after the point from which a decimal result is taken to be a binary floating-point
/// rendering (`14.999999999999998`, `5.2727272727272725`) rather than a value the author chose.
pub const FLOAT_RENDERING_PLACES: usize = 10;

/// An item that shows a binary floating-point rendering anywhere (a decimal with at least
/// [`FLOAT_RENDERING_PLACES`] places, as calculators print them) claims `≈`, not `=`:
/// `<<4.20+9.45+1.35=14.999999999999998>>` and `80 / 26.666666666666668 = 3` are correct
/// calculations whose last digits are the float's, not the author's.
fn float_rendering_is_approx(m: &mut MathItem) {
    fn has_float(e: &Expr) -> bool {
        match e {
            Expr::Decimal(d) => d
                .split_once('.')
                .is_some_and(|(_, f)| f.len() >= FLOAT_RENDERING_PLACES),
            _ => e.children().any(has_float),
        }
    }
    if m.terms.iter().any(has_float) {
        for r in m.rels.iter_mut() {
            if *r == Rel::Eq {
                *r = Rel::Approx;
            }
        }
    }
}

/// Finds LaTeX math segments, extracts their items and replaces them by a separator.
fn take_latex(text: &str, items: &mut Vec<Item>, ctx: &mut Ctx) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Where the previous math segment ended (the prose since then may link the next one).
    let mut last_end: Option<usize> = None;
    let bytes = text.as_bytes();
    // A closing delimiter not found once is not found later either: remembering that keeps
    // hostile input (a million unclosed `\[`) linear instead of quadratic.
    let mut unclosed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut find_close = |r: &str, close: &str| -> Option<usize> {
        if unclosed.contains(close) {
            return None;
        }
        let f = r.find(close);
        if f.is_none() {
            unclosed.insert(close.to_string());
        }
        f
    };
    while i < text.len() {
        let rest = &text[i..];
        let found: Option<(usize, usize, usize)> = if let Some(r) = rest.strip_prefix("$$") {
            find_close(r, "$$").map(|e| (2, 2 + e, 2 + e + 2))
        } else if let Some(r) = rest.strip_prefix("\\[") {
            find_close(r, "\\]").map(|e| (2, 2 + e, 2 + e + 2))
        } else if let Some(r) = rest.strip_prefix("\\(") {
            find_close(r, "\\)").map(|e| (2, 2 + e, 2 + e + 2))
        } else if rest.starts_with("\\begin{") {
            // Byte search: a multi-byte character straddling byte 64 must not be sliced.
            let name_end = rest.bytes().take(64).position(|c| c == b'}');
            name_end.and_then(|name_end| {
                let name = &rest[7..name_end];
                let end_tag = format!("\\end{{{name}}}");
                find_close(rest, &end_tag).map(|e| (name_end + 1, e, e + end_tag.len()))
            })
        } else if rest.starts_with('$') && !(i > 0 && bytes[i - 1] == b'\\') {
            inline_dollar(rest).map(|e| (1, e, e + 1))
        } else {
            None
        };
        match found {
            Some((cs, ce, total)) if cs <= ce => {
                let before = &text[last_end.unwrap_or(0)..i];
                if before.chars().any(char::is_alphanumeric) {
                    ctx.listing = lists_equations(before);
                }
                let linked = match last_end {
                    Some(e) => links(&text[e..i]),
                    None => std::mem::take(&mut ctx.link_first),
                } && !ctx.listing;
                ctx.cut_next = before
                    .split(|c: char| !c.is_alphanumeric())
                    .rfind(|w| !w.is_empty())
                    .is_some_and(|w| WORDS_BEFORE.contains(&w.to_lowercase().as_str()));
                let same = |named| last_end.is_some() && same_quantity_link(before, named);
                let seg = &rest[cs..ce];
                match prose_named_segment(before, seg, ctx, same(true)) {
                    Some(found) => {
                        ctx.cut_next = false;
                        ctx.pm_last = None;
                        found.into_iter().for_each(|m| push_math(items, m));
                    }
                    // "Dividing both sides by \(17\), we find \(h = 5\)": an operand named in
                    // the prose between two relations is part of that prose.
                    None if last_end.is_some() && super::operands::operand_in_link(before, seg) => {
                        out.push_str(" ; ");
                        i += total;
                        continue;
                    }
                    None => latex_items(seg, items, ctx, linked, same(false)),
                }
                out.push_str(" ; ");
                i += total;
                last_end = Some(i);
            }
            _ => {
                let c = rest.chars().next().expect("non-empty");
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// `Total = \(\frac{3}{4}A + 60 + A\)`: a segment without a relation right after a name in
/// words and `=` (or `≈`) in the prose is a named calculation (see [`Ctx::named_value`]).
/// `None` when the segment is not one; else the item it claims, if any.
fn prose_named_segment(
    before: &str,
    seg: &str,
    ctx: &mut Ctx,
    same_quantity: bool,
) -> Option<Option<MathItem>> {
    let b = before.trim_end();
    let (b, approx) = match b.strip_suffix('=') {
        Some(b) => (b, false),
        None => (b.strip_suffix('≈')?, true),
    };
    let b = b.trim_end();
    let word = &b[word_start(b, char::is_alphabetic)..];
    // A name, not a letter of the prose (`so x = \(…\)`) or a connective.
    if word.chars().count() < 2 || WORDS_BEFORE.contains(&word.to_lowercase().as_str()) {
        return None;
    }
    let seg = strip_nested_environments(seg);
    if seg.chars().any(is_rel_char)
        || ["\\le", "\\ge", "\\ne", "\\approx", "\\equiv"]
            .iter()
            .any(|r| seg.contains(r))
    {
        return None;
    }
    let e = parse_math(&seg)?;
    let how = Restated {
        approx,
        linked: same_quantity,
        variable: false,
    };
    ctx.rewrites.reset();
    Some(ctx.named_value(&word.to_lowercase(), e, &seg, how))
}

/// `\[ A = B \]` then `\[ = C \]`: a display that opens with `=` continues the chain of the
/// display right before it; the two become one display with a line break between (so `B = C` is
/// read as a link of the chain, as inside an `aligned` block).
fn join_continued_displays(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("\\]") {
        out.push_str(&rest[..p]);
        let after = &rest[p + 2..];
        let next = after.trim_start();
        let cont = next.strip_prefix("\\[").map(str::trim_start);
        match cont {
            Some(c) if c.starts_with('=') && !c.starts_with("==") => {
                out.push_str(" \\\\ ");
                rest = c;
            }
            _ => {
                out.push_str("\\]");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// For text starting with `$`: the byte offset of the closing `$` of an inline math segment,
/// or `None` when the `$` is a currency sign. A `$` followed by a digit opens math only if the
/// segment contains LaTeX (`\`, `^`, `{`, `_`) and closes on the same line.
fn inline_dollar(rest: &str) -> Option<usize> {
    let body = &rest[1..];
    // The next `$` on the same line that is not an escaped `\$` (searching stops at the first
    // such `$` or a newline).
    let bytes = body.as_bytes();
    let close = body
        .bytes()
        .enumerate()
        .find(|&(k, c)| c == b'\n' || (c == b'$' && (k == 0 || bytes[k - 1] != b'\\')))
        .and_then(|(k, c)| (c == b'$').then_some(k + 1))?;
    let content = &rest[1..close];
    if content.trim().is_empty() {
        return None;
    }
    let digit_first = content.starts_with(|c: char| c.is_ascii_digit());
    let latexy = content.contains(['\\', '^', '{', '_']);
    let relation = content.chars().any(is_rel_char);
    let wordy = content
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.chars().count() >= 2);
    if digit_first && !latexy && (!relation || wordy) {
        return None;
    }
    // `$5 and $6`: a closing `$` directly followed by a digit is another currency sign.
    if rest[close + 1..].starts_with(|c: char| c.is_ascii_digit()) && !latexy {
        return None;
    }
    Some(close)
}

/// Marks of alternatives in a LaTeX segment (`x = 2 \text{ or } x = 3`, `x = \pm 3`).
const ALTERNATIVE_MARKS: &[&str] = &["\\text{ or }", "\\text{or}", "\\pm", "\\mp", " or "];

/// The end of the part of `seg` before the last arrow or line break that comes before its
/// first alternative mark (at byte `at`), when that part holds a relation and no mark: the
/// rewrites there are read on their own. `None` when no arrow comes before the mark.
fn head_before_alternatives(seg: &str, at: usize) -> Option<usize> {
    let head = LINE_BREAK_AND_ARROWS
        .iter()
        .filter_map(|a| seg[..at].rfind(a))
        .max()?;
    let part = &seg[..head];
    (part.chars().any(is_rel_char) && !ALTERNATIVE_MARKS.iter().any(|a| part.contains(a)))
        .then_some(head)
}

/// Splits a LaTeX math segment into pieces at `\\`, `&`, `\quad`, arrows, `,`/`;` followed by a
/// space, and connective `\text{…}`; each piece that parses is an item.
///
/// `same_quantity_first`: the prose before the segment says its first piece restates the named
/// quantity before it (see [`Ctx::named_value`]); later pieces restate it after a line break or
/// an arrow.
fn latex_items(
    seg: &str,
    items: &mut Vec<Item>,
    ctx: &mut Ctx,
    linked_first: bool,
    same_quantity_first: bool,
) {
    // Alternatives (`x = 2 \text{ or } x = 3`, `\pm`) are cases, not rewrites of each other.
    let first_alternative = ALTERNATIVE_MARKS.iter().filter_map(|a| seg.find(a)).min();
    if let Some(head) = first_alternative.and_then(|at| head_before_alternatives(seg, at)) {
        // `n^2 - 5n + 2 = 0 \implies (n-1)(n-4) = 0 \implies n = 1 \text{ or } n = 4`: the
        // rewrites before the arrow that leads to the alternatives are read as rewrites.
        latex_items(&seg[..head], items, ctx, linked_first, same_quantity_first);
        latex_items(&seg[head..], items, ctx, false, false);
        return;
    }
    let alternatives = first_alternative.is_some();
    // `\;` is a space, not the `;` that separates pieces. Labels go first: their words are
    // no connectives (`8 \text{ pounds} \text{ (math and science)}`).
    let mut s = strip_nested_environments(&drop_latex_labels(seg))
        .replace('&', " ")
        .replace("\\;", " ");
    // `21 \div 14 = 1 \quad \text{remainder} \quad 7`: the spacing belongs to the remainder.
    if s.contains("remainder") || s.contains("\\mathrm{R}") {
        s = s.replace("\\qquad", " ").replace("\\quad", " ");
    }
    // Separators after which the next piece rewrites the one before.
    for cmd in LINE_BREAK_AND_ARROWS.iter().chain(&["\\text{ so }"]) {
        s = s.replace(cmd, &format!(" {LINK} "));
    }
    for cmd in [
        "\\qquad",
        "\\quad",
        "\\to",
        "\\because",
        "\\text{ and }",
        "\\text{and}",
        "\\text{ or }",
        "\\nonumber",
        "\\notag",
        "\\hline",
    ] {
        s = s.replace(cmd, " ; ");
    }
    // Remaining `\text{…}` holding words other than a unit: separators.
    let s = split_connective_text(&s);
    // `x &= 2 + 3 \\ &= 5`: a piece that starts with a relation continues the one before.
    let mut pieces: Vec<(String, bool, bool)> = Vec::new();
    for (k, (piece, link)) in split_top_level(&s).into_iter().enumerate() {
        let (linked, same) = if k == 0 {
            (linked_first, same_quantity_first)
        } else {
            (link && !ctx.listing, link)
        };
        let piece = piece.trim().trim_end_matches(['.', ',']).trim();
        if piece.is_empty() {
            continue;
        }
        let continues = piece.starts_with(is_rel_char)
            || [
                "\\le", "\\ge", "\\ne", "\\lt", "\\gt", "\\approx", "\\equiv",
            ]
            .iter()
            .any(|c| piece.starts_with(c));
        match pieces.last_mut() {
            Some((prev, _, _)) if continues => {
                prev.push(' ');
                prev.push_str(piece);
            }
            // `\[ = \frac{63}{24} = \frac{21}{8} \]` continues a chain from before the step: its
            // own links are read.
            _ if continues && piece.starts_with('=') && !piece.starts_with("==") => {
                pieces.push((piece[1..].trim().to_string(), linked, same))
            }
            _ => pieces.push((piece.to_string(), linked, same)),
        }
    }
    for (piece, linked, same) in &pieces {
        if let Some(c) = pm_chain(piece) {
            pm_items(&c, ctx, *linked || *same)
                .into_iter()
                .for_each(|m| push_math(items, m));
            continue;
        }
        for m in relation_items(
            piece,
            piece,
            ctx,
            *linked && !alternatives,
            *same && !alternatives,
        ) {
            push_math(items, m);
        }
    }
}

/// Display environments whose lines rewrite one another, as they appear nested inside `\[ … \]`
/// or `$$ … $$` (a top-level `\begin{…}` is unwrapped by [`take_latex`]). `cases` and `array`
/// are not among them: their lines are separate conditions.
const NESTED_ENVIRONMENTS: &[&str] = &[
    "aligned",
    "align",
    "align*",
    "gathered",
    "gather",
    "gather*",
    "split",
    "equation",
    "equation*",
];

/// `\[ \begin{aligned} 4r - 4 &= 4r^2 - 4r \\ … \end{aligned} \]`: removes the tags of a
/// [`NESTED_ENVIRONMENTS`] environment so that its first and last lines parse.
fn strip_nested_environments(seg: &str) -> String {
    let mut s = seg.to_string();
    for name in NESTED_ENVIRONMENTS {
        for tag in [format!("\\begin{{{name}}}"), format!("\\end{{{name}}}")] {
            if s.contains(&tag) {
                s = s.replace(&tag, " ");
            }
        }
    }
    s
}

/// Replaces `\text{…}` groups that contain a connective word (so, then, thus, hence, which, …)
/// by `;` so that the pieces around them are read separately; a group right before `=` is a
/// name, not a connective.
fn split_connective_text(s: &str) -> String {
    const CONNECTIVES: &[&str] = &[
        "so",
        "then",
        "thus",
        "hence",
        "which",
        "where",
        "since",
        "because",
        "gives",
        "therefore",
        "and",
        "or",
        "if",
        "for",
        "we",
        "get",
        "is",
        "are",
        "when",
    ];
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("\\text{") {
        out.push_str(&rest[..p]);
        let after = &rest[p + 6..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[p..]);
            return out;
        };
        let content = after[..end].to_lowercase();
        // `\text{Total revenue for Liam} = 63 \times 4`: a text right before `=` names the
        // left side, whatever words it holds.
        let names_left_side = after[end + 1..].trim_start().starts_with('=');
        let connective = !names_left_side
            && content
                .split(|c: char| !c.is_alphabetic())
                .any(|w| CONNECTIVES.contains(&w));
        if connective {
            out.push_str(" ; ");
        } else {
            out.push_str(&rest[p..p + 6 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Splits at `;`, [`LINK`], and at `,` followed by whitespace, outside brackets. Each piece
/// says whether a [`LINK`] came right before it.
fn split_top_level(s: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut linked = false;
    let mut depth = 0i32;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        let split = depth <= 0
            && (c == ';'
                || c == LINK
                || (c == ',' && chars.peek().is_some_and(|n| n.is_whitespace())));
        if split {
            out.push((std::mem::take(&mut cur), linked));
            linked = c == LINK;
        } else {
            cur.push(c);
        }
    }
    out.push((cur, linked));
    out
}

/// Parses a relation and applies the checkable rule. `source` is what the report shows.
/// In explicit math (LaTeX, annotations) a comparison of bare literals (`1 < 2`) is a claim.
/// A division with remainder (`355 \div 6 = 58\;\mathrm{R}\;5`) gives its two items instead.
/// `linked`: the text before this piece rewrites the previous equation into it.
/// `same_quantity`: the prose before this piece says it restates the named quantity before it
/// (see [`Ctx::named_value`]).
fn relation_items(
    text: &str,
    source: &str,
    ctx: &mut Ctx,
    linked: bool,
    same_quantity: bool,
) -> Vec<MathItem> {
    ctx.last_rel = None;
    ctx.pm_last = None;
    if let Some(items) = remainder_items(text) {
        ctx.rewrites.reset();
        ctx.other_relation();
        return items;
    }
    let cut_first = std::mem::take(&mut ctx.cut_next);
    let parsed = ctx
        .complex
        .then(|| parse_relation_complex(text))
        .flatten()
        .or_else(|| parse_relation(text));
    let Some(mut r) = parsed.or_else(|| named_left_side(text)) else {
        tracing::trace!(piece = text, "no relation parsed");
        ctx.rewrites.reset();
        // `G = (\frac{20+20}{2}, 10) = (20, 10)`: one relation per component.
        if let Some(parts) = tuple_components(text) {
            ctx.other_relation();
            return parts
                .into_iter()
                .flat_map(|r| checkable(r, source.trim(), true, ctx.identity))
                .collect();
        }
        return named_calculation(text, ctx, same_quantity)
            .into_iter()
            .collect();
    };
    if cut_first {
        r.terms.remove(0);
        r.rels.remove(0);
        if r.rels.is_empty() {
            return Vec::new();
        }
    }
    let mut restated = Vec::new();
    match variable_definition(&r) {
        Some((v, e)) => {
            let how = Restated {
                approx: false,
                linked: same_quantity,
                variable: true,
            };
            restated.extend(ctx.named_value(&format!("${v}"), e, &rhs_source(source), how));
        }
        None => ctx.other_relation(),
    }
    ctx.last_rel = Some((r.terms.clone(), r.rels.clone(), source.trim().to_string()));
    if ctx.remainder {
        whole_quotient(&mut r);
    }
    let mut out: Vec<MathItem> = ctx
        .rewrites
        .offer_all(&r.terms, &r.rels, source.trim(), linked);
    out.extend(restated);
    out.extend(checkable(r, source.trim(), true, ctx.identity));
    if out.is_empty() {
        tracing::trace!(piece = text, "relation parsed, no checkable item");
    }
    out
}

/// The items of a `\pm` chain ([`pm_chain`]): its own links, and the link from the last `\pm`
/// value of the same lone variable when this chain restates it (`restates`: the prose or line
/// break before it says so, and nothing else was read between).
fn pm_items(c: &PmChain, ctx: &mut Ctx, restates: bool) -> Vec<MathItem> {
    ctx.rewrites.reset();
    ctx.other_relation();
    ctx.last_rel = None;
    ctx.cut_next = false;
    let prev = ctx.pm_last.take();
    let mut out = Vec::new();
    if let (Some((name, last)), Some(cur), true) = (prev, &c.name, restates) {
        if name == *cur {
            out.extend(pm_link_items(&last, &c.terms[0]));
        }
    }
    out.extend(pm_chain_items(c));
    ctx.pm_last = c.name.clone().zip(c.terms.last().cloned());
    out
}

/// `S = 165 \times \frac{6}{11}`: a lone variable (not negated) defined by a calculation or a
/// value, one `=`: the variable's name and the right side.
fn variable_definition(r: &Relation) -> Option<(String, Expr)> {
    match (&r.terms[..], &r.rels[..]) {
        ([Expr::Var(v), e], [Rel::Eq]) if r.modulus.is_none() && e.vars().is_empty() => {
            Some((v.clone(), e.clone()))
        }
        _ => None,
    }
}

/// The text after the first `=` of a relation's source (what a restatement shows).
fn rhs_source(source: &str) -> String {
    source
        .split_once('=')
        .map_or(source, |(_, r)| r)
        .trim()
        .to_string()
}

/// `\text{Total earnings} = 52,500 + 11,250 = 63,750`, `\text{Area of } ABC = 6 \cdot 4 = 24`: a
/// left side in words (no digit) that does not parse is a name; the relation after its `=` is
/// read when it still has a relation of its own.
fn named_left_side(text: &str) -> Option<Relation> {
    let (name, rest) = text.split_once('=')?;
    if name.chars().any(|c| c.is_ascii_digit()) || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    parse_relation(rest)
}

/// `\text{Total fruits} = 52 + 24 + 44 + 48` … `\text{Total fruits} = 178`: see
/// [`Ctx::named_value`].
fn named_calculation(text: &str, ctx: &mut Ctx, same_quantity: bool) -> Option<MathItem> {
    let (name, rest) = text.split_once('=')?;
    // `\angle APQ + \angle AQP = …` names no one quantity; in `\operatorname{Arcsin}(\sin(t))`
    // the last word is an argument, not a name.
    let operator = name.contains(['+', '*', '^', '<', '>', '(', '[']) || name.contains("\\cdot");
    if name.chars().any(|c| c.is_ascii_digit()) || rest.contains('=') || operator {
        return None;
    }
    let key = name_key(name)?;
    let e = parse_math(rest)?;
    let how = Restated {
        approx: false,
        linked: same_quantity,
        variable: false,
    };
    ctx.named_value(&key, e, rest, how)
}

/// `a ÷ b = q` between whole numbers, in a step about remainders: `floor(a / b) = q`.
fn whole_quotient(r: &mut Relation) {
    let whole = |e: &Expr| matches!(e, Expr::Int(_));
    if r.rels != [Rel::Eq] || !whole(&r.terms[1]) {
        return;
    }
    if let Expr::Div(a, b) = &r.terms[0] {
        if whole(a) && whole(b) {
            r.terms[0] = Expr::Func(Func::Floor, vec![r.terms[0].clone()]);
        }
    }
}

/// Applies the checkable rule (see the module docs) to a parsed relation.
/// `literal_comparisons`: keep an all-literal item when it has a relation other than `=`.
/// `identity`: the step's words make `=` between expressions identities.
fn checkable(
    r: Relation,
    source: &str,
    literal_comparisons: bool,
    identity: bool,
) -> Vec<MathItem> {
    let Relation {
        mut terms,
        mut rels,
        modulus,
    } = r;
    if let Some(m) = &modulus {
        if !m.vars().is_empty() {
            return Vec::new();
        }
    }
    // `x = 3 + 4 = 7`, `A = \pi r^2 = \pi (3)^2 = 9\pi`: a chain of equalities that starts
    // with variables and ends in numbers keeps its numeric tail (when it has two terms or more).
    let first_numeric = terms
        .iter()
        .rposition(|t| !t.vars().is_empty())
        .map_or(0, |k| k + 1);
    if first_numeric > 0
        && terms.len() - first_numeric >= 2
        && rels[..first_numeric].iter().all(|r| *r == Rel::Eq)
    {
        terms.drain(..first_numeric);
        rels.drain(..first_numeric);
    }
    let var_sets: Vec<Vec<String>> = terms.iter().map(Expr::vars).collect();
    let numeric = var_sets.iter().all(Vec::is_empty);
    if numeric {
        let comparison = literal_comparisons && rels.iter().any(|r| *r != Rel::Eq);
        if terms.iter().all(Expr::is_literal) && modulus.is_none() && !comparison {
            return Vec::new();
        }
    } else if modulus.is_some() {
        return Vec::new();
    } else {
        let mut out = numeric_runs(&terms, &rels, &var_sets, source);
        out.extend(variable_items(terms, rels, source, identity));
        return out;
    }
    let mut m = MathItem {
        source: source.to_string(),
        terms,
        rels,
        modulus,
    };
    float_rendering_is_approx(&mut m);
    vec![m]
}

/// `n - 1 > \frac{-2.302585}{0.693147} \approx -3.321928`: a chain with variables that ends in a
/// run of two or more terms without variables (one of them not a bare literal) after any
/// relation keeps that run as a calculation of its own. Runs in the middle are not read:
/// `\frac{90}{123} < k < \frac{180}{123} \approx 0.732 < k < 1.463` pairs bounds by position.
fn numeric_runs(
    terms: &[Expr],
    rels: &[Rel],
    var_sets: &[Vec<String>],
    source: &str,
) -> Vec<MathItem> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=terms.len() {
        if end < terms.len() && var_sets[end].is_empty() && var_sets[start].is_empty() {
            continue;
        }
        let run = &terms[start..end];
        if run.len() >= 2
            && end == terms.len()
            && var_sets[start].is_empty()
            && !run.iter().all(Expr::is_literal)
        {
            let mut m = MathItem {
                source: source.to_string(),
                terms: run.to_vec(),
                rels: rels[start..end - 1].to_vec(),
                modulus: None,
            };
            float_rendering_is_approx(&mut m);
            out.push(m);
        }
        start = end;
    }
    out
}

fn is_rel_char(c: char) -> bool {
    matches!(c, '=' | '<' | '>' | '≤' | '≥' | '≠' | '≈' | '≡')
}

fn is_op_char(c: char) -> bool {
    matches!(
        c,
        '+' | '-'
            | '*'
            | '/'
            | '^'
            | '×'
            | '·'
            | '÷'
            | '−'
            | '–'
            | '%'
            | '!'
            | '('
            | ')'
            | '['
            | ']'
            | '√'
            | '²'
            | '³'
    ) || is_rel_char(c)
}

/// Prose preprocessing: drops currency `$` before digits, `\$`, markdown emphasis; `percent`
/// after a number becomes `%`; `\times`, `\cdot`, `\div` outside math mode become `×`, `·`, `÷`.
fn clean_prose(text: &str) -> String {
    let mut s = text
        .replace("\\$", "")
        .replace("**", " ")
        .replace('`', " ")
        .replace("\\times", "×")
        .replace("\\cdot", "·")
        .replace("\\div", "÷")
        .replace("^{\\circ}", "°")
        .replace("^\\circ", "°");
    s = s.replace(" percent", "%");
    let s = percent_of(&drop_quantity_labels(&s));
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_digit() || *n == '.' || *n == '<')
        {
            continue;
        }
        out.push(c);
    }
    out
}

/// Longest word-only parenthetical after a number that is read as a label, in characters.
const MAX_LABEL_CHARS: usize = 40;

/// Drops labels that name a quantity without changing its value: a parenthetical of words
/// right after a number (`7995 (total cookies) - 2595 (rainbow cookies) = 5400`) and a
/// per-unit `/word` after a number or its unit (`$15/student`, `2 pounds/book`), so that the
/// calculation around them reads as one run.
fn drop_quantity_labels(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let last_nonspace = |out: &str| out.trim_end().chars().last();
    while i < cs.len() {
        let c = cs[i];
        if c == '('
            && (last_nonspace(&out).is_some_and(|p| p.is_ascii_digit() || p == '%')
                || ends_with_unit_quantity(&out))
        {
            let close = cs[i + 1..]
                .iter()
                .take(MAX_LABEL_CHARS + 1)
                .position(|&d| d == ')');
            if let Some(k) = close {
                let inner = &cs[i + 1..i + 1 + k];
                let words = inner.iter().any(|d| d.is_alphabetic())
                    && inner
                        .iter()
                        .all(|d| d.is_alphabetic() || matches!(d, ' ' | '\'' | '-'))
                    && inner.iter().filter(|d| d.is_alphabetic()).count() >= 2;
                if words {
                    i += k + 2;
                    continue;
                }
            }
        }
        if c == '/' {
            let prev_ok = i > 0 && (cs[i - 1].is_ascii_digit() || cs[i - 1].is_alphabetic());
            let prev_word_after_number = {
                // `2 pounds/book`: the letters before `/` follow a number and a space.
                let mut j = i;
                while j > 0 && cs[j - 1].is_alphabetic() {
                    j -= 1;
                }
                j < i && j >= 2 && cs[j - 1] == ' ' && cs[j - 2].is_ascii_digit()
            };
            let mut k = i + 1;
            while k < cs.len() && cs[k].is_alphabetic() {
                k += 1;
            }
            let word_len = k - i - 1;
            let ends = k >= cs.len() || !(cs[k].is_alphanumeric() || cs[k] == '(');
            if prev_ok
                && (cs[i - 1].is_ascii_digit() || prev_word_after_number)
                && word_len >= 2
                && ends
            {
                // `9 eggs/person/day`: every further `/word` goes too.
                i = k;
                while i + 2 < cs.len() && cs[i] == '/' && cs[i + 1].is_alphabetic() {
                    let mut e = i + 1;
                    while e < cs.len() && cs[e].is_alphabetic() {
                        e += 1;
                    }
                    if e - i - 1 < 2 || (e < cs.len() && (cs[e].is_alphanumeric() || cs[e] == '('))
                    {
                        break;
                    }
                    i = e;
                }
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether `inner` is a label of words (`light blue`, `Alani`, `math and science`): letters,
/// spaces, `'` and `-` only, at least two letters, at most [`MAX_LABEL_CHARS`].
fn is_word_label(inner: &str) -> bool {
    inner.chars().count() <= MAX_LABEL_CHARS
        && inner.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && inner
            .chars()
            .all(|d| d.is_alphabetic() || matches!(d, ' ' | '\'' | '-'))
}

/// LaTeX quantity labels, the math-mode form of those [`drop_quantity_labels`] drops:
/// `15 (\text{light blue}) + 45 (\text{dark blue})`, `40 \text{ (Alani)}`,
/// `4 \text{ miles (running)}` → `4 \text{ miles}`. Only after a number, a `%` or a closing
/// brace (a unit in `\text{}`, a fraction), and only word labels.
fn drop_latex_labels(piece: &str) -> String {
    if !piece.contains("\\text") || !piece.contains('(') {
        return piece.to_string();
    }
    // Whether `out` followed by `tail` ends with a quantity (no copy: hostile input with many
    // `\text{` stays linear).
    let after_quantity = |out: &str, tail: &str| {
        let t = tail.trim_end();
        let t = if t.is_empty() { out.trim_end() } else { t };
        t.ends_with(|c: char| c.is_ascii_digit() || c == '%' || c == '}')
    };
    let mut out = String::with_capacity(piece.len());
    let mut rest = piece;
    while let Some(p) = rest.find("\\text{") {
        let body = &rest[p + 6..];
        // A label is short: look no further for its `}` (keeps many unclosed `\text{` linear).
        let Some(end) = body
            .bytes()
            .take(4 * MAX_LABEL_CHARS)
            .position(|c| c == b'}')
        else {
            out.push_str(&rest[..p + 6]);
            rest = body;
            continue;
        };
        let content = &body[..end];
        let before = &rest[..p];
        // `(\text{light blue})`
        if let (Some(open), Some(after)) = (
            before.trim_end().strip_suffix('('),
            body[end + 1..].trim_start().strip_prefix(')'),
        ) {
            if after_quantity(&out, open) && is_word_label(content.trim()) {
                out.push_str(open);
                rest = after;
                continue;
            }
        }
        let c = content.trim_end();
        let label = c
            .strip_suffix(')')
            .and_then(|c| c.rfind('(').map(|k| (&c[..k], &c[k + 1..])))
            .filter(|(_, inner)| is_word_label(inner));
        if let (Some((unit, _)), true) = (label, after_quantity(&out, before)) {
            // `\text{ (Alani)}` goes; `\text{ miles (running)}` keeps `\text{ miles}`.
            out.push_str(before);
            let unit = unit.trim_end();
            if !unit.trim().is_empty() {
                out.push_str("\\text{");
                out.push_str(unit);
                out.push('}');
            }
            rest = &body[end + 1..];
            continue;
        }
        out.push_str(&rest[..p + 6]);
        rest = body;
    }
    out.push_str(rest);
    out
}

/// Whether `out` ends with a number and one unit word (`180 minutes `): a word-only
/// parenthetical after it is a label (`180 minutes (before dinner) + 80 minutes (homework)`).
fn ends_with_unit_quantity(out: &str) -> bool {
    let t = out.trim_end();
    let word = t.len() - t.trim_end_matches(|c: char| c.is_alphabetic()).len();
    let rest = &t[..t.len() - word];
    (2..=24).contains(&word)
        && rest.ends_with(' ')
        && rest
            .trim_end()
            .ends_with(|c: char| c.is_ascii_digit() || c == '%')
}

/// `20% of 24 = 4.8`, `3/4 of 20 = 15`: "of" between a percentage or a fraction of whole
/// numbers and a number is a product (`20% × 24`), so the run reads as one calculation.
fn percent_of(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find(" of ") {
        let (before, after) = (&rest[..k], &rest[k + 4..]);
        let b = before.trim_end();
        let percent = b
            .strip_suffix('%')
            .is_some_and(|p| p.ends_with(|c: char| c.is_ascii_digit()));
        let fraction = {
            let tail: String = b
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '/')
                .collect();
            let parts: Vec<&str> = tail.split('/').collect();
            parts.len() == 2
                && parts.iter().all(|p| !p.is_empty())
                && !b[..b.len() - tail.len()].ends_with(|c: char| c.is_alphanumeric() || c == '.')
        };
        let number_next = after
            .trim_start_matches([' ', '$'])
            .starts_with(|c: char| c.is_ascii_digit());
        // `100 - 25 = 75% of 50 …`: a percentage that ends a calculation is its value; "of"
        // starts a new phrase.
        let pre = b
            .trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '%' | '/' | '.' | ','))
            .trim_end()
            .trim_end_matches('$')
            .trim_end();
        let starts_calculation = match pre.strip_suffix('=') {
            // `Increase = 20% of 24` (a name on the left) but not `100 - 25 = 75% of 50`.
            Some(left) => !left
                .trim_end()
                .ends_with(|c: char| c.is_ascii_digit() || c == ')'),
            None => !pre.ends_with(is_op_char),
        };
        out.push_str(before);
        out.push_str(
            if (percent || fraction) && number_next && starts_calculation {
                " × "
            } else {
                " of "
            },
        );
        rest = after;
    }
    out.push_str(rest);
    out
}

#[derive(Debug)]
struct Run {
    text: String,
    /// The word just before the run on the same line, lower-cased, if any.
    word_before: Option<String>,
    /// That word follows a number or an operator (`* 364 yards = …`): it ends a quantity, it
    /// is not the name of what the run computes.
    word_before_is_unit: bool,
    /// The word just after the run, lower-cased, if any.
    word_after: Option<String>,
    /// The run starts glued to a non-space prose character (`3:30`, `a-3`).
    glued_start: bool,
    /// The run ends glued to a non-space prose character.
    glued_end: bool,
    /// The word after the run is followed by a number: a compound quantity such as
    /// "2 hours 30 minutes" or "5 feet 3 inches", whose first part is not the whole value.
    compound_after: bool,
    /// "than" follows the word after the run closely (`= 10 more than …`): a comparative
    /// "more"/"less"/"fewer" is an operator then, and the value of a count otherwise
    /// (`10 x 1 = 10 more guests`).
    than_after: bool,
}

/// Scans prose for runs of math characters.
fn runs(text: &str) -> Vec<Run> {
    let cs: Vec<char> = text.chars().collect();
    let n = cs.len();
    let mut out: Vec<Run> = Vec::new();
    let mut cur = String::new();
    let mut cur_start_glued = false;
    let mut last_word: Option<String> = None;
    // Whether `last_word` follows a number or an operator; copied into the next run.
    let last_word_is_unit = std::cell::Cell::new(false);
    let cur_word_is_unit = std::cell::Cell::new(false);
    let mut cur_word_before: Option<String> = None;
    let mut i = 0;
    let prev_nonspace = |k: usize| -> Option<char> {
        let mut j = k;
        while j > 0 {
            j -= 1;
            if cs[j] != ' ' && cs[j] != '\t' {
                return Some(cs[j]);
            }
        }
        None
    };
    let next_nonspace = |k: usize| -> Option<char> {
        let mut j = k;
        while j < n {
            if cs[j] != ' ' && cs[j] != '\t' {
                return Some(cs[j]);
            }
            j += 1;
        }
        None
    };
    let flush = |cur: &mut String,
                 out: &mut Vec<Run>,
                 word_before: &Option<String>,
                 word_after: Option<String>,
                 glued_start: bool,
                 glued_end: bool,
                 compound_after: bool,
                 than_after: bool| {
        if cur.chars().any(is_rel_char)
            && cur.chars().any(|c| c.is_ascii_digit() || c.is_alphabetic())
        {
            out.push(Run {
                text: std::mem::take(cur),
                word_before: word_before.clone(),
                word_before_is_unit: cur_word_is_unit.get(),
                word_after,
                glued_start,
                glued_end,
                compound_after,
                than_after,
            });
        }
        cur.clear();
    };
    while i < n {
        let c = cs[i];
        let in_run_char = c.is_ascii_digit()
            || c == ' '
            || c == '\t'
            || is_op_char(c)
            || c == 'π'
            || c == '°'
            || (c == '.' && i + 1 < n && cs[i + 1].is_ascii_digit())
            || (c == ','
                && i + 1 < n
                && cs[i + 1].is_ascii_digit()
                && i > 0
                && cs[i - 1].is_ascii_digit())
            // `gcd(12, 18)`: a comma inside an open bracket of the run.
            || (c == ',' && cur.matches('(').count() > cur.matches(')').count());
        if in_run_char {
            if cur.trim().is_empty() && c != ' ' && c != '\t' {
                cur_start_glued = i > 0
                    && !cs[i - 1].is_whitespace()
                    && !is_cjk(cs[i - 1])
                    && !matches!(cs[i - 1], '(' | '"' | '\'' | '[' | ';' | ',');
                cur_word_is_unit.set(last_word_is_unit.get());
                cur_word_before = if i > 0
                    && (cs[i - 1] == ' ' || cs[i - 1] == '\t' || cs[i - 1].is_alphabetic())
                {
                    last_word.clone()
                } else {
                    None
                };
            }
            cur.push(c);
            i += 1;
            continue;
        }
        if c.is_alphabetic() {
            let s = i;
            while i < n && cs[i].is_alphabetic() {
                i += 1;
            }
            let word: String = cs[s..i].iter().collect();
            let lower = word.to_lowercase();
            let single = word.chars().count() == 1 && word.is_ascii();
            let func = PROSE_FUNCS.contains(&lower.as_str()) && i < n && cs[i] == '(';
            // `9 choose 3`: an infix word between numbers.
            let choose = lower == "choose"
                && prev_nonspace(s).is_some_and(|p| p.is_ascii_digit() || p == ')')
                && next_nonspace(i).is_some_and(|p| p.is_ascii_digit() || p == '(');
            let modw = lower == "mod"
                && prev_nonspace(s).is_some_and(|p| p.is_ascii_digit() || p == ')')
                && next_nonspace(i).is_some_and(|p| p.is_ascii_digit() || p == '(');
            let math_letter = single && {
                let p = prev_nonspace(s);
                let q = next_nonspace(i);
                let touching_digit =
                    (s > 0 && cs[s - 1].is_ascii_digit()) || (i < n && cs[i].is_ascii_digit());
                let near_op = p.is_some_and(|p| is_op_char(p) && p != ')')
                    || q.is_some_and(|q| is_op_char(q) && q != '(' || q == '^');
                // `2 x 3`, and `1 skirt x $8.00/skirt` once the unit word was skipped (the
                // run then ends with the number).
                let after_number = p.is_some_and(|p| p.is_ascii_digit() || p == ')')
                    || cur.trim_end().ends_with(|c: char| c.is_ascii_digit());
                let times_x = (lower == "x")
                    && after_number
                    && q.is_some_and(|q| q.is_ascii_digit() || q == '(');
                (touching_digit || near_op || times_x)
                    && (near_op || !matches!(word.as_str(), "a" | "A" | "I"))
            };
            // `9 ÷ 7 = 1 remainder 2`, `17 / 5 = 3 R 2`: read by `remainder_items`.
            let remainder = (lower == "remainder" || word == "R")
                && prev_nonspace(s).is_some_and(|p| p.is_ascii_digit())
                && next_nonspace(i).is_some_and(|p| p.is_ascii_digit())
                && cur.contains('=');
            if remainder {
                cur.push_str(&word);
                continue;
            }
            if func || modw || choose || math_letter {
                if cur.trim().is_empty() {
                    cur_start_glued = s > 0
                        && !cs[s - 1].is_whitespace()
                        && !is_cjk(cs[s - 1])
                        && !cs[s - 1].is_ascii_digit()
                        && !matches!(cs[s - 1], '(' | '"' | '\'' | '[' | ';' | ',');
                    cur_word_before = last_word.clone();
                    cur_word_is_unit.set(last_word_is_unit.get());
                }
                cur.push_str(&word);
                continue;
            }
            // A unit word or a short unit phrase between a number and an operator
            // (`5 km + 3 km = 8 km`, `2 hours * 60 = 120`, `36 book slots ÷ 2`,
            // `54 students / 9 students per group = 6`) is skipped: the run goes on.
            let unit_fits = |end: usize, last: &str| {
                let computes = cur
                    .chars()
                    .any(|c| matches!(c, '+' | '-' | '*' | '/' | '×' | '÷' | '−' | '·'))
                    || times_x_in(&cur);
                next_nonspace(end).is_some_and(|q| {
                    // Before a relation only when the run already computes something
                    // (`5 km + 3 km = 8 km`), not after a lone quantity (`1.5 quarts = …`).
                    (is_op_char(q) && !is_rel_char(q) && !matches!(q, '(' | ')' | '!'))
                        || (is_rel_char(q) && computes)
                        || times_x_at(&cs, end)
                }) && end < n
                    && cs[end] == ' '
                    && (same_unit_follows(&cs, end, last)
                        || value_follows(&cs, end)
                        || (!cur
                            .trim_start()
                            .trim_start_matches('=')
                            .contains(is_rel_char)
                            && product_follows(&cs, end)))
            };
            // `$5 per shirt = $20`: a rate phrase may start with "per".
            let unit_end = (((!WORDS_AFTER.contains(&lower.as_str())
                && !WORDS_BEFORE.contains(&lower.as_str()))
                || lower == "per")
                && word.chars().count() <= 12
                && prev_nonspace(s).is_some_and(|p| p.is_ascii_digit() || p == '%')
                && s > 0
                && cs[s - 1] == ' '
                && !cur.trim().is_empty()
                && cur.len() <= MAX_UNIT_RUN_BYTES)
                .then(|| unit_phrase_end(&cs, i, &lower, unit_fits))
                .flatten();
            if let Some(end) = unit_end {
                i = end;
                continue;
            }
            // A prose word ends the run.
            // Chinese puts no space before a word (`7个`, `所以3+4=7`): not glued.
            let glued_end = s > 0 && !cs[s - 1].is_whitespace() && !is_cjk(cs[s]);
            flush(
                &mut cur,
                &mut out,
                &cur_word_before,
                Some(lower.clone()),
                cur_start_glued,
                glued_end,
                compound_quantity(&cs, i, &lower),
                than_follows(&cs, i),
            );
            // A bullet (`- Total = …`) is no operator.
            let bullet = {
                let mut j = s;
                while j > 0 && matches!(cs[j - 1], ' ' | '\t') {
                    j -= 1;
                }
                j > 0 && matches!(cs[j - 1], '-' | '*' | '•') && starts_line(&cs, j - 1)
            };
            last_word_is_unit.set(
                !bullet && prev_nonspace(s).is_some_and(|p| p.is_ascii_digit() || is_op_char(p)),
            );
            last_word = Some(lower);
            continue;
        }
        // Any other character (newline, colon, quote, comma+space, …) ends the run. An
        // ellipsis (`= 33.333...%`) says the last number is cut short: glued.
        let ellipsis = c == '.' && i + 1 < n && cs[i + 1] == '.';
        let glued_end = ellipsis
            || (!c.is_whitespace()
                && !is_cjk(c)
                && !matches!(c, ',' | '.' | ';' | '?' | ')' | '"'));
        flush(
            &mut cur,
            &mut out,
            &cur_word_before,
            None,
            cur_start_glued,
            glued_end,
            false,
            false,
        );
        if c == '\n' {
            last_word = None;
        }
        if !c.is_whitespace() && c != ',' {
            last_word = None;
        }
        i += 1;
    }
    flush(
        &mut cur,
        &mut out,
        &cur_word_before,
        None,
        cur_start_glued,
        false,
        false,
        false,
    );
    out
}

/// Words looked at after a comparative for its "than".
const MAX_THAN_WORDS: usize = 4;

/// Whether "than" is among the next [`MAX_THAN_WORDS`] words after `i`, in the same clause.
fn than_follows(cs: &[char], mut i: usize) -> bool {
    let n = cs.len();
    for _ in 0..MAX_THAN_WORDS {
        while i < n && matches!(cs[i], ' ' | '\'' | '-') {
            i += 1;
        }
        let start = i;
        while i < n && cs[i].is_alphanumeric() {
            i += 1;
        }
        if start == i {
            return false;
        }
        let w: String = cs[start..i].iter().collect();
        if w.eq_ignore_ascii_case("than") {
            return true;
        }
    }
    false
}

/// Whether the word `word` ending at `i` is the first unit of a compound quantity: another number
/// with its own unit follows (`2 hours 30 minutes`, `5 feet 3 inches`), so the number before
/// `word` is only part of the value. Connectives (`= 1 and 3 apples`) never are.
fn compound_quantity(cs: &[char], mut i: usize, word: &str) -> bool {
    const CONNECTIVES: &[&str] = &[
        "and", "or", "so", "then", "but", "while", "because", "since", "which", "is", "are", "was",
        "were", "to", "for", "in", "on", "at", "with", "if", "when", "the", "a", "an",
    ];
    if CONNECTIVES.contains(&word) {
        return false;
    }
    let n = cs.len();
    while i < n && cs[i] == ' ' {
        i += 1;
    }
    let start = i;
    while i < n && cs[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return false;
    }
    while i < n && cs[i] == ' ' {
        i += 1;
    }
    i < n && cs[i].is_alphabetic()
}

/// Most spaces before a bullet that starts a line.
const MAX_BULLET_INDENT: usize = 16;

/// Whether only a short indentation lies between the start of its line and `cs[k]`.
fn starts_line(cs: &[char], k: usize) -> bool {
    let back = cs[..k].iter().rev().take(MAX_BULLET_INDENT + 1);
    match back.clone().position(|c| *c == '\n' || !c.is_whitespace()) {
        Some(p) => cs[k - 1 - p] == '\n',
        None => k <= MAX_BULLET_INDENT,
    }
}

/// Longest run (in bytes) inside which a unit word is skipped: a written calculation with units
/// is far shorter, and the look at the run that decides it stays bounded (hostile runs of
/// `1 km * 1 km * …` stay linear).
const MAX_UNIT_RUN_BYTES: usize = 512;

/// Most words in a unit phrase (`book slots`, `students per group`).
const MAX_UNIT_WORDS: usize = 3;

/// Words that end a unit phrase: connectives (`5 apples and 3 …`) and the operator words.
const NOT_UNIT_WORDS: &[&str] = &[
    "and", "or", "so", "then", "but", "while", "because", "since", "which", "is", "are", "was",
    "were", "to", "for", "in", "on", "at", "with", "if", "when", "the", "a", "an", "that",
];

/// The end of the unit phrase that starts with `word` (ending at `i`): the shortest run of at
/// most [`MAX_UNIT_WORDS`] words, one space apart, for which `fits(end, last word)` holds.
/// Words after the first may be `per` (not last) but no other operator word or connective.
fn unit_phrase_end(
    cs: &[char],
    i: usize,
    word: &str,
    fits: impl Fn(usize, &str) -> bool,
) -> Option<usize> {
    let mut end = i;
    let mut last = word.to_string();
    for _ in 0..MAX_UNIT_WORDS {
        if fits(end, &last) {
            return Some(end);
        }
        // The next word, one space on.
        if end + 1 >= cs.len() || cs[end] != ' ' || !cs[end + 1].is_alphabetic() {
            return None;
        }
        let mut k = end + 1;
        while k < cs.len() && cs[k].is_alphabetic() {
            k += 1;
        }
        let next: String = cs[end + 1..k].iter().collect::<String>().to_lowercase();
        let operator = (WORDS_BEFORE.contains(&next.as_str())
            || WORDS_AFTER.contains(&next.as_str()))
            && next != "per";
        if operator || NOT_UNIT_WORDS.contains(&next.as_str()) || next.chars().count() > 12 {
            return None;
        }
        end = k;
        last = next;
    }
    None
}

/// Whether the word at `j` (after spaces) is `x` used as "times": `x`, a space, then a number
/// (or `$` and a number).
fn times_x_at(cs: &[char], mut j: usize) -> bool {
    let n = cs.len();
    while j < n && cs[j] == ' ' {
        j += 1;
    }
    if j + 2 >= n || !matches!(cs[j], 'x' | 'X') || cs[j + 1] != ' ' {
        return false;
    }
    let mut k = j + 2;
    while k < n && matches!(cs[k], ' ' | '$') {
        k += 1;
    }
    k < n && cs[k].is_ascii_digit()
}

/// Whether a run so far holds `x` as "times" between two numbers (`3 x 4`).
fn times_x_in(cur: &str) -> bool {
    let tokens: Vec<&str> = cur.split_whitespace().collect();
    tokens.windows(3).any(|w| {
        matches!(w[1], "x" | "X")
            && w[0].ends_with(|c: char| c.is_ascii_digit() || c == ')')
            && w[2].starts_with(|c: char| c.is_ascii_digit() || c == '(')
    })
}

/// Whether `= number` follows position `i` (`× 490 meters = $94,860`): the unit word ends the
/// calculation's last factor, the value comes next (the run already computes something).
fn value_follows(cs: &[char], mut i: usize) -> bool {
    let n = cs.len();
    while i < n && cs[i] == ' ' {
        i += 1;
    }
    if i >= n || cs[i] != '=' {
        return false;
    }
    i += 1;
    while i < n && matches!(cs[i], ' ' | '$') {
        i += 1;
    }
    i < n && cs[i].is_ascii_digit()
}

/// Whether a product or quotient with a number follows position `i` (`495 students × 15`,
/// `3 days * 1`, `1 skirt x $8`, `36 book slots ÷ 2`, `18 hours / 3 kangaroos`): units multiply
/// and divide, so a unit word before `×`/`*`/`·`/`x`/`÷`/`/` does not cut the calculation. Only
/// left of the run's first relation: after `= 8 plants * 1/4 cup` a new quantity starts.
fn product_follows(cs: &[char], mut i: usize) -> bool {
    let n = cs.len();
    while i < n && cs[i] == ' ' {
        i += 1;
    }
    if times_x_at(cs, i) {
        return true;
    }
    if i >= n || !matches!(cs[i], '*' | '×' | '·' | '÷' | '/') {
        return false;
    }
    i += 1;
    while i < n && matches!(cs[i], ' ' | '$') {
        i += 1;
    }
    i < n && cs[i].is_ascii_digit()
}

/// Whether, after the operator following position `i`, the next number carries the same unit
/// word (`km` … `3 km`, `apple` … `4 apples`). Only then is a unit between numbers skipped:
/// "8 plants * 1/4 cup" mixes quantities and stays cut.
fn same_unit_follows(cs: &[char], mut i: usize, unit: &str) -> bool {
    let n = cs.len();
    while i < n && (cs[i] == ' ' || is_op_char(cs[i]) || cs[i] == '$') && !cs[i].is_ascii_digit() {
        i += 1;
    }
    let num_start = i;
    while i < n && (cs[i].is_ascii_digit() || matches!(cs[i], '.' | ',' | '/')) {
        i += 1;
    }
    if i == num_start {
        return false;
    }
    while i < n && cs[i] == ' ' {
        i += 1;
    }
    let w_start = i;
    while i < n && cs[i].is_alphabetic() {
        i += 1;
    }
    let w: String = cs[w_start..i].iter().collect::<String>().to_lowercase();
    let stem = |x: &str| x.trim_end_matches('s').to_string();
    !w.is_empty() && stem(&w) == stem(unit)
}

/// Reads the bare math runs of the prose left after the other passes: named left sides, named
/// calculations, remainders, cuts at operator words, rewrites between linked runs.
///
/// Over 100 lines on purpose: each run goes through one ordered sequence of cuts, and the order
/// is the rule; split up, the order would be spread over several functions.
fn take_prose(text: &str, items: &mut Vec<Item>, ctx: &mut Ctx) {
    let cleaned = clean_prose(text);
    // Equations in prose rewrite each other as in LaTeX ("0.99B + 1.01B + B = 4500. Combine
    // like terms: 3.01B = 4500"): the prose between two runs decides whether they link.
    ctx.rewrites.reset();
    // The LaTeX pass read its math first: a calculation named there is not next to prose.
    ctx.other_relation();
    let mut cursor = 0;
    let mut prev_end: Option<usize> = None;
    // Where the last statement of a named quantity ended (see [`Ctx::named_value`]).
    let mut named_end: Option<usize> = None;
    for run in runs(&cleaned).into_iter().flat_map(split_lost_break) {
        let pos = cleaned[cursor..]
            .find(run.text.as_str())
            .map(|k| cursor + k);
        let linked = match (prev_end.take(), pos) {
            (Some(e), Some(p)) if e <= p => links(&cleaned[e..p]),
            _ => false,
        };
        let end = pos.map(|p| p + run.text.len());
        if let Some(e) = end {
            cursor = e;
        }
        let mut t = run.text.trim().to_string();
        // A `!` ending a run is punctuation ("that makes 12!"), not a factorial.
        while t.ends_with('!') {
            t.pop();
        }
        if t.len() > super::expr::MAX_MATH_BYTES {
            continue;
        }
        let t = balance_edges(&t.split_whitespace().collect::<Vec<_>>().join(" "));
        // `- 2015 = 2002 + 13` on a line of its own: a bullet, not a minus sign.
        let line_start = pos.is_some_and(|p| {
            let before = cleaned[..p].trim_end_matches([' ', '\t']);
            before.is_empty() || before.ends_with('\n')
        });
        let t = match t.strip_prefix(['-', '*', '•']) {
            Some(r) if line_start && r.starts_with(' ') => r.trim_start().to_string(),
            _ => t,
        };
        // `LCM = 2^3 * 3^3 = 216`, `Total = 5 + 3 = 8`: a name in words before `=` is the left
        // side; the calculation after it is complete.
        let stated = t
            .strip_prefix('=')
            .map(|r| (r, false))
            .or_else(|| t.strip_prefix('≈').map(|r| (r, true)));
        let (t, named, approx) = match stated {
            Some((r, approx))
                if !r.starts_with('=') && run.word_before.is_some() && !run.word_before_is_unit =>
            {
                (r.trim().to_string(), true, approx)
            }
            _ => (t, false, false),
        };
        if t.is_empty() {
            continue;
        }
        // The prose since the last statement of a named quantity, up to this one (only looked
        // at for a restatement).
        let same_quantity = || match (named_end, pos) {
            (Some(e), Some(p)) if e <= p => same_quantity_link(&cleaned[e..p], named),
            _ => false,
        };
        if named && parse_relation(&t).is_none() {
            let whole = !(run.glued_end
                || run.compound_after
                || run
                    .word_after
                    .as_deref()
                    .is_some_and(|w| WORDS_AFTER.contains(&w)));
            let key = run.word_before.as_deref().and_then(name_key);
            if let (Some(e), Some(key), true) = (parse_math(&t), key, whole) {
                let how = Restated {
                    approx,
                    linked: same_quantity(),
                    variable: false,
                };
                if let Some(m) = ctx.named_value(&key, e, &t, how) {
                    push_math(items, m);
                }
                named_end = end;
            }
            continue;
        }
        if let Some(rem) = remainder_items(&t) {
            rem.into_iter().for_each(|m| push_math(items, m));
            continue;
        }
        let Some(mut r) = parse_relation(&t).or_else(|| retry_without_leading_letter(&t)) else {
            continue;
        };
        // A run that starts with an operator continues something the prose said before it
        // ("4 pillow cases + 8 towels …"): its first term is incomplete.
        let op_start = t.starts_with(['+', '*', '/', '×', '÷', '^', '·'])
            || (t.starts_with(['-', '−', '–']) && (run.word_before.is_some() || run.glued_start));
        // `24 eggs in 1 tray x 2 trays = 48`: "in 1 …" / "for 1 …" is the denominator of a
        // rate said before the run, not a factor of its own.
        let rate_of_one = matches!(run.word_before.as_deref(), Some("in" | "for"))
            && t.split_whitespace().next() == Some("1");
        let cut_first = !named
            && (op_start
                || run.glued_start
                || rate_of_one
                || run
                    .word_before
                    .as_deref()
                    .is_some_and(|w| WORDS_BEFORE.contains(&w)));
        let cut_last = run.glued_end
            || run.compound_after
            || run.word_after.as_deref().is_some_and(|w| {
                WORDS_AFTER.contains(&w)
                    && (run.than_after || !matches!(w, "more" | "less" | "fewer"))
            });
        if cut_first {
            r.terms.remove(0);
            r.rels.remove(0);
        }
        if cut_last && !r.rels.is_empty() {
            r.terms.pop();
            r.rels.pop();
        }
        // "48 = 100% + 20% = 120% (of the actual number)": a bare number set against
        // percentages is prose ("corresponds to"), not an equation.
        if r.terms.len() >= 2
            && r.terms[0].is_literal()
            && r.terms[1..].iter().all(Expr::has_percent)
        {
            r.terms.remove(0);
            r.rels.remove(0);
        }
        if r.rels.is_empty() {
            continue;
        }
        if r.rels.contains(&Rel::Congruent) != r.modulus.is_some() {
            continue;
        }
        // `x = ($40 - 0) / $1.5. x = 26.67`: a lone variable restated (whole runs only).
        match variable_definition(&r).filter(|_| !cut_first && !cut_last) {
            Some((v, e)) => {
                let how = Restated {
                    approx: false,
                    linked: same_quantity(),
                    variable: true,
                };
                if let Some(m) = ctx.named_value(&format!("${v}"), e, &rhs_source(&t), how) {
                    push_math(items, m);
                }
                named_end = end;
            }
            None => ctx.other_relation(),
        }
        for m in ctx.rewrites.offer_all(&r.terms, &r.rels, &t, linked) {
            push_math(items, m);
        }
        prev_end = end;
        for m in checkable(r, &t, false, ctx.identity) {
            push_math(items, m);
        }
    }
}

/// A run holding two equations whose line break was lost ([`super::lost_breaks`]) as two runs:
/// the first keeps what came before the run, the second what comes after it.
fn split_lost_break(run: Run) -> Vec<Run> {
    let Some(k) = super::lost_breaks::split_at(&run.text) else {
        return vec![run];
    };
    let second = Run {
        text: run.text[k..].to_string(),
        word_before: None,
        word_before_is_unit: false,
        word_after: run.word_after.clone(),
        glued_start: false,
        glued_end: run.glued_end,
        compound_after: run.compound_after,
        than_after: run.than_after,
    };
    let first = Run {
        text: run.text[..k].to_string(),
        word_after: None,
        glued_end: false,
        compound_after: false,
        than_after: false,
        ..run
    };
    vec![first, second]
}

/// `a 3 + 4 = 7`: drops one leading lone letter and retries.
fn retry_without_leading_letter(t: &str) -> Option<Relation> {
    let mut cs = t.chars();
    let first = cs.next()?;
    let second = cs.next()?;
    if first.is_alphabetic() && second == ' ' {
        parse_relation(cs.as_str().trim())
    } else {
        None
    }
}

/// Strips unmatched leading `(` / trailing `)` (a parenthetical remark around the math), and an
/// unclosed parenthetical number after a space at the end (`= $0.20 (20 cents)` leaves the run
/// as `… = 0.20 (20`: the remark continues in words).
fn balance_edges(t: &str) -> String {
    let mut s = t.to_string();
    loop {
        let open = s.matches('(').count();
        let close = s.matches(')').count();
        let remark = s.rfind('(').filter(|&k| {
            k > 0
                && s[..k].ends_with(' ')
                && s[k + 1..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' '))
        });
        if open > close && s.starts_with('(') {
            s.remove(0);
            s = s.trim().to_string();
        } else if close > open && s.ends_with(')') {
            s.pop();
            s = s.trim().to_string();
        } else if let (true, Some(k)) = (open > close, remark) {
            s.truncate(k);
            s = s.trim().to_string();
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latex_labels_after_quantities_go() {
        assert_eq!(
            drop_latex_labels("15 (\\text{light blue}) + 45 (\\text{dark}) = 60"),
            "15  + 45  = 60"
        );
        assert_eq!(
            drop_latex_labels("4 \\text{ miles (running)} + 1 \\text{ (x)} + 2 \\text{ (Al)}"),
            "4 \\text{ miles} + 1 \\text{ (x)} + 2 "
        );
        // Not after a quantity, or not words: kept.
        assert_eq!(
            drop_latex_labels("f(\\text{ab}) + 3 (\\text{a+b})"),
            "f(\\text{ab}) + 3 (\\text{a+b})"
        );
        let hostile = "1 \\text{".repeat(1000);
        assert_eq!(drop_latex_labels(&(hostile.clone() + "(")), hostile + "(");
    }

    #[test]
    fn a_restatement_is_linked_by_its_prose() {
        assert!(same_quantity_link(". This simplifies to Area", true));
        assert!(same_quantity_link(" Total cost = ", true));
        assert!(same_quantity_link(", so ∠ total", true));
        assert!(same_quantity_link(" ", false));
        assert!(!same_quantity_link(". He buys 3 more. Total", true));
        assert!(!same_quantity_link(". Then we add the tax: Total", true));
        assert!(!same_quantity_link(" and ", false));
        assert!(!same_quantity_link(" and Total = ", true));
        assert!(!same_quantity_link(" Total = ", false));
        assert!(plain_calculation(
            &parse_math("165 \\times \\frac{6}{11}").unwrap()
        ));
        assert!(!plain_calculation(&parse_math("\\frac{3}{2}").unwrap()));
        assert!(!plain_calculation(&parse_math("1 + \\sqrt{2}").unwrap()));
        assert!(!plain_calculation(&parse_math("5 \\pi / 6").unwrap()));
    }

    #[test]
    fn a_bullet_starts_its_line() {
        let cs: Vec<char> = "a\n  - b -c".chars().collect();
        assert!(starts_line(&cs, 4));
        assert!(!starts_line(&cs, 8));
        assert!(starts_line(&cs, 0));
    }

    #[test]
    fn a_step_opening_links_only_when_it_says_it_simplifies() {
        assert!(opening_links(
            "Simplifying the left side, we get: \\[x = 1\\]"
        ));
        assert!(opening_links("which simplifies to: $x = 1$"));
        assert!(opening_links(
            "Expanding both sides of the equation: \\( x = 1 \\)"
        ));
        assert!(!opening_links("The area is \\( x = 1 \\)"));
        assert!(!opening_links("Simplifying these equations: \\( x = 1 \\)"));
        assert!(!opening_links("Substituting and simplifying: $x = 1$"));
        assert!(!opening_links("Simplifying, we get x = 1"));
    }

    #[test]
    fn an_environment_nested_in_a_display_is_read() {
        let items = extract_items(
            "\\[ \\begin{aligned} 4r - 4 &= 4r^2 - 4r \\\\ 0 &= 4r^2 - 8r + 4 \\end{aligned} \\]",
        );
        assert!(
            items
                .iter()
                .any(|i| matches!(i, Item::Math(m) if m.rels == [Rel::Rewrite])),
            "{items:?}"
        );
    }

    #[test]
    fn a_letter_in_inline_math_inside_a_prose_equation() {
        assert_eq!(
            inline_variables("so 150 + \\( x \\) = 500."),
            "so 150 + x = 500."
        );
        assert_eq!(inline_variables("\\(x\\) = 350 - 150"), "x = 350 - 150");
        assert_eq!(
            inline_variables("the \\( k \\)-th term"),
            "the \\( k \\)-th term"
        );
        assert_eq!(inline_variables("let \\( xy \\) = 3"), "let \\( xy \\) = 3");
        assert_eq!(inline_variables("\\( x \\"), "\\( x \\");
    }

    #[test]
    fn the_previous_steps_last_equation_is_carried() {
        let items = extract_chain_items(&[
            "So $3x + 6 = 12 - x$.",
            "Simplifying, $4x = 6$.",
            "Then $x = 2$.",
        ]);
        let rewrites = |k: usize| {
            items[k]
                .iter()
                .filter(|i| matches!(i, Item::Math(m) if m.rels == [Rel::Rewrite]))
                .count()
        };
        assert_eq!((rewrites(0), rewrites(1), rewrites(2)), (0, 1, 0));
    }
}
