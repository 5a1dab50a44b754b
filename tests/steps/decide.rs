//! Step checks that decide what used to come back `unknown` on olympiad solutions (issue 9,
//! helper olyunknown), end to end: step text → items → the real numeric workers (embedded
//! CPython + sympy) → verdict with evidence. Each kind has a true case that is verified, a slip
//! that is refuted with its counterexample or computed value, and an out-of-scope case that
//! stays `unknown` (or makes no claim).

use super::checks;
use vibecheck::verify::{Check, ItemVerdict};

/// The check whose item text contains `item`.
fn check_of(step: &str, item: &str) -> Check {
    let cs = checks(step);
    cs.iter()
        .find(|c| c.item.contains(item))
        .unwrap_or_else(|| panic!("no item {item:?} in {step:?}: {cs:#?}"))
        .clone()
}

/// The step has at least one check, and none is refuted.
fn assert_not_refuted(step: &str) {
    let cs = checks(step);
    assert!(!cs.is_empty(), "nothing checked in {step:?}");
    for c in &cs {
        assert_ne!(c.verdict, ItemVerdict::Refuted, "{step:?}: {c:#?}");
    }
}

/// The check of `item` is refuted; returns its evidence summary (and asserts a counterexample
/// came with it when `point` is set).
fn refuted(step: &str, item: &str, point: bool) -> String {
    let c = check_of(step, item);
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{step:?}: {c:#?}");
    if point {
        assert!(c.evidence.counterexample.is_some(), "{c:#?}");
    }
    c.evidence.summary
}

#[test]
fn rearranged_equations_in_several_variables() {
    // Both sides expanded correctly: the same equation.
    let ok = check_of(
        "Expanding both sides gives:\n\\[ 2(x-1)(y-2) = -(x-1)^2 \\]\n\\[ 2xy - 4x - 2y + 4 = -x^2 + 2x - 1 \\]",
        "⇒",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    // A coefficient slip (-3x for -4x): neither equation follows from the other, and the
    // evidence names a point on each.
    let why = refuted(
        "Expanding both sides gives:\n\\[ 2(x-1)(y-2) = -(x-1)^2 \\]\n\\[ 2xy - 3x - 2y + 4 = -x^2 + 2x - 1 \\]",
        "⇒",
        true,
    );
    assert!(
        why.contains("neither equation follows") && why.contains("the new one holds"),
        "{why}"
    );
    // A value substituted (xy = 6) changes the monomials: not a rearrangement, not refuted.
    assert_not_refuted("Using xy = 6:\n\\[ x^2 + y^2 + 2xy = 25 \\]\n\\[ x^2 + y^2 + 12 = 25 \\]");
}

#[test]
fn factorisation_steps_in_several_variables() {
    let ok = check_of(
        "Factoring, we get:\n\\[ bc(b - a) + (b - a) = 0 \\]\n\\[ (bc + 1)(b - a) = 0 \\]",
        "⇒",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "Factoring, we get:\n\\[ bc(b - a) + (a - c) = 0 \\]\n\\[ (bc + 1)(a - c) = 0 \\]",
        "⇒",
        true,
    );
    assert!(
        why.contains("at a = ") && why.contains("the old one holds"),
        "{why}"
    );
    // Dividing out a factor keeps one direction (every solution of the new one solves the
    // old one): unknown.
    let div = check_of(
        "Dividing by x + y:\n\\[ (x + y)(x - y)^2 = 0 \\]\n\\[ (x - y)^2 = 0 \\]",
        "⇒",
    );
    assert_eq!(div.verdict, ItemVerdict::Unknown, "{div:#?}");
}

#[test]
fn expansions_in_several_variables() {
    let ok = check_of(
        "Notice the expansion \\((a+b+c)^2 = a^2 + b^2 + c^2 + 2ab + 2bc + 2ca\\).",
        "(a+b+c)^2",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "Notice the expansion \\((a+b+c)^2 = a^2 + b^2 + c^2 + 2ab + 2bc + 2ca + 2abc\\).",
        "(a+b+c)^2",
        true,
    );
    assert!(why.contains("100") && why.contains("160"), "{why}");
    // A side without the product's monomials uses a relation from the context: no claim.
    let ctx = check_of(
        "Notice the expansion \\((a+b)^2 = a^2 + b^2 + 12\\).",
        "(a+b)^2",
    );
    assert_eq!(ctx.verdict, ItemVerdict::Unknown, "{ctx:#?}");
}

#[test]
fn rewrites_before_the_alternatives() {
    let ok = check_of(
        "\\[n^2 - 5n + 4 = 0 \\implies (n - 1)(n - 4) = 0 \\implies n = 1 \\text{ or } n = 4.\\]",
        "⇒",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "\\[n^2 - 5n + 2 = 0 \\implies (n - 1)(n - 4) = 0 \\implies n = 1 \\text{ or } n = 4.\\]",
        "⇒",
        true,
    );
    assert!(why.contains("n = 1 solves") && why.contains("-2"), "{why}");
    // The alternatives themselves are cases, never a rewrite of the line before.
    let cs = checks("\\[(n - 1)(n - 4) = 0 \\implies n = 1 \\text{ or } n = 5.\\]");
    assert!(
        cs.iter().all(|c| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
}

#[test]
fn equations_said_to_hold_for_every_value() {
    let ok = check_of(
        "This simplifies to: \\[ (x + y)^2 - 2xy = x^2 + y^2, \\] which is true for all \\( x, y \\).",
        "(x + y)^2",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "This simplifies to: \\[ x + xy + y = x y + 1, \\] which is true for all \\( x, y > 0 \\).",
        "x + xy + y",
        true,
    );
    assert!(why.contains("11") && why.contains("7"), "{why}");
    // The verdict in the next sentence, about "this factorization".
    let why = refuted(
        "We can factorize: \\[ (p+q) = pq + \\frac{(p-q)^2}{4} + \\frac{pq}{2}. \\] This factorization is always true because squares are non-negative.",
        "(p+q)",
        true,
    );
    assert!(why.contains("9.25"), "{why}");
    // True under a condition: an equation, not an identity.
    let cond = check_of(
        "This gives \\[ x + xy + y = x y + 1, \\] which is true only when \\( x = 1 \\).",
        "x + xy + y",
    );
    assert_eq!(cond.verdict, ItemVerdict::Unknown, "{cond:#?}");
}

#[test]
fn rewrites_through_nested_functions() {
    let ok = check_of(
        "We have: $\\log_{2}(\\log_{2} x) + \\frac{1}{2} = \\frac{1}{2}\\log_{2}(\\log_{2} x)$, or equivalently, $\\frac{1}{2}\\log_{2}(\\log_{2} x) = -\\frac{1}{2}$.",
        "⇒",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "We have: $\\log_{2}(\\log_{2} x) + \\frac{1}{2} = \\frac{1}{2}\\log_{2}(\\log_{2} x)$, or equivalently, $\\frac{3}{2}\\log_{2}(\\log_{2} x) = \\frac{1}{2}$.",
        "⇒",
        true,
    );
    assert!(why.contains("log(2)/3") && why.contains("2/3"), "{why}");
    // The variable also outside the outer function: not read.
    let out = check_of(
        "We have: $\\log_{2}(\\log_{2} x) = \\log_{2} x$, or equivalently, $\\log_{2}(\\log_{2} x) = 2\\log_{2} x - 1$.",
        "⇒",
    );
    assert_eq!(out.verdict, ItemVerdict::Unknown, "{out:#?}");
}

#[test]
fn equations_that_hold_on_a_whole_solution_set() {
    let step = "Then we have: \\[ 2a + 2b = 22 \\implies a + b = 11 \\] \\[ 2b + 2c = 22 \\implies b + c = 11 \\] From these equations, we can see that \\(a = c\\).";
    let ok = check_of(step, "⇒ a = c");
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    assert!(ok.evidence.summary.contains("every solution"), "{ok:#?}");
    // Not fixed by the equations before: a new condition (or another case), unknown.
    let step = "Then we have: \\[ 2a + 2b = 22 \\implies a + b = 11 \\] \\[ 2b + 2c = 22 \\implies b + c = 11 \\] From these equations, we can see that \\(a = c + 1\\).";
    let other = check_of(step, "⇒ a = c + 1");
    assert_eq!(other.verdict, ItemVerdict::Unknown, "{other:#?}");
}

#[test]
fn rewrites_mixing_sine_and_cosine_of_one_angle() {
    let step = "Then: \\[ \\sin x = \\frac{\\cos x}{\\sin x} \\implies \\sin^2 x = \\cos x \\implies \\sin^2 x = 1 - \\sin^2 x \\]";
    let ok = check_of(step, "\\sin x = \\frac{\\cos x}{\\sin x} ⇒");
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    // cos x written for cos² x = 1 − sin² x: a value of u = tan(x/2) solves the new equation
    // only, and the evidence gives sin x and cos x there.
    let why = refuted(step, "\\sin^2 x = \\cos x ⇒", true);
    assert!(
        why.contains("u = -sqrt(2) - 1") && why.contains("cos = "),
        "{why}"
    );
    // A value of one function derived from another (a sign chosen from the context): unknown.
    let derived = check_of(
        "Then: \\[ \\cos x = \\frac{3}{5} \\implies \\sin x = -\\frac{4}{5} \\]",
        "⇒",
    );
    assert_eq!(derived.verdict, ItemVerdict::Unknown, "{derived:#?}");
}

#[test]
fn chains_after_terms_with_function_names() {
    let ok = check_of(
        "Substituting, \\[ f(x) + f(y) = (x + 1) + (y + 1) = x + y + 2. \\]",
        "(x + 1) + (y + 1)",
    );
    assert_eq!(ok.verdict, ItemVerdict::Verified, "{ok:#?}");
    let why = refuted(
        "Substituting, \\[ f(f(m) + n) + f(m) = f(2m + d + n) + (2m + d) = 2(2m + d + n) + d + 2m + d = 4m + 2d + 2n + 2d + 2m = 6m + 3d + 2n. \\]",
        "2(2m + d + n)",
        true,
    );
    assert!(why.contains("not an identity"), "{why}");
    // The link that applies the function is not read (its letters may be names).
    let cs = checks("Substituting, \\[ f(x) + f(y) = 2x + y + 5. \\]");
    assert!(
        cs.iter().all(|c| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
}
