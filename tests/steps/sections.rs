//! The wider step checks of issue 9 (section 2), end to end: step text → items → the real
//! numeric workers (embedded CPython + sympy) → verdict with evidence. Each kind has an example
//! that must hold and one that must be refuted with the computed value or counterexample. `\sum` /
//! `\prod` with small whole-number bounds and binomials too: a series past the term limit is left
//! unchecked (never refuted).

use super::{assert_verified, chain_checks, checks, refuted, verifier};
use vibecheck::chain;
use vibecheck::chain::expr::MAX_SERIES_TERMS;
use vibecheck::verify::{Check, ItemVerdict};

fn verdicts(step: &str) -> Vec<ItemVerdict> {
    checks(step).iter().map(|c| c.verdict).collect()
}

#[test]
fn degrees_are_degrees() {
    assert_verified("So $\\sin 30^\\circ = \\frac{1}{2}$.");
    assert_verified("Then $\\cos(60^{\\circ}) = 0.5$ and $\\tan 45^\\circ = 1$.");
    assert_verified("We have $90^\\circ = \\frac{\\pi}{2}$.");
    assert_verified("The third angle is $180^\\circ - 50^\\circ - 60^\\circ = 70^\\circ$.");
    assert_verified("So 2 \\cdot 14^\\circ = 28^\\circ.");
    let why = refuted("Hence $\\sin 30^\\circ = \\frac{\\sqrt{3}}{2}$.");
    assert!(why.contains("1/2") || why.contains("0.5"), "{why}");
}

#[test]
fn division_with_remainder() {
    assert_verified("9 ÷ 7 = 1 remainder 2, so one full box.");
    assert_verified("$355\\div 6=59\\;\\mathrm{R}\\;1$");
    // 6 × 58 + 5 is 353: the quotient and remainder are wrong.
    assert!(refuted("$355\\div 6=58\\;\\mathrm{R}\\;5$").contains("353"));
    let why = refuted("So 17 / 5 = 3 R 3 left over.");
    assert!(why.contains("17") && why.contains("18"), "{why}");
    // The remainder must be smaller than the divisor.
    assert!(verdicts("$20 \\div 6 = 2 \\text{ R } 8$").contains(&ItemVerdict::Refuted));
}

#[test]
fn rewriting_one_equation_into_the_next() {
    assert_verified("$-2+4a+8=0 \\Rightarrow 4a=-6 \\Rightarrow a = -\\frac{3}{2}$");
    let why = refuted("$-2+4a+8=0 \\Rightarrow 4a=-10$");
    assert!(why.contains("a = -2.5") || why.contains("-5/2"), "{why}");
    // Consecutive display lines of one step, squaring both sides (adds a solution).
    assert_verified("\\[ \\frac{x}{2} + 3 = 7 \\]\n\\[ x + 6 = 14 \\]\n\\[ x = 8 \\]");
    let why = refuted("\\[ 3x - 5 = 10 \\]\nso\n\\[ 3x = 5 \\]");
    assert!(why.contains("x ="), "{why}");
    // Separate statements are not rewrites: the roots of one equation listed with "and".
    assert!(
        !verdicts("The roots of $x^2-5x+6=0$ are $x = 2$ and $x = 3$.")
            .contains(&ItemVerdict::Refuted)
    );
    // Solutions or cases listed after a solved form are not rewrites.
    assert!(!verdicts("$x = 3 \\Rightarrow x = -1$").contains(&ItemVerdict::Refuted));
    assert!(
        !verdicts("$x - 2 = 0 \\text{ or } x + 1 = 0 \\Rightarrow x = 2$")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn rewriting_an_equation_in_several_variables() {
    // Moving −2 across leaves 20, not 19: the parts with variables agree, the constants do not, so no (a, b)
    // satisfies both; the refutation names a point on the new equation.
    let why =
        refuted("Simplifying, \\[10b - 40 - 2a = 20 + 8a - 2 \\implies 10b - 38 = 8a + 19 + 2a\\]");
    assert!(
        why.contains("no common solution") && why.contains("= -1"),
        "{why}"
    );
    assert_verified("\\[10b - 40 - 2a = 20 + 8a - 2 \\implies 10b - 38 = 8a + 20 + 2a\\]");
    // Multiplying through by a number is the same equation.
    assert_verified("$\\frac{x}{2} + y = 3 \\Rightarrow x + 2y = 6$");
    // A quadratic in two variables scaled with a slip in the constant.
    let why = refuted("$x^2 + y^2 = 25 \\Rightarrow 2x^2 + 2y^2 = 49$");
    assert!(why.contains("x = ") || why.contains("y = "), "{why}");
    // Rounded decimals: 14/3 written 4.67 is not a slip.
    assert!(
        !verdicts("$30x + 3y = 14 \\Rightarrow 10x + y = 4.67$").contains(&ItemVerdict::Refuted)
    );
    // A system listed line by line, a substitution, a combination: not decided, never refuted.
    for step in [
        "\\[ a + b = 5 \\\\ a - b = 1 \\]",
        "$x + y = 10 \\Rightarrow x + 2x = 10$",
        "Adding, $x + y = 10 \\Rightarrow 2x + y = 13$",
    ] {
        assert!(!verdicts(step).contains(&ItemVerdict::Refuted), "{step}");
    }
}

#[test]
fn a_step_that_simplifies_the_previous_steps_equation() {
    let first = "Substituting, \\( x \\times (100 + 30) = (x + 1.5) \\times 100 \\).";
    // Expanding gives 130x = 100x + 150 (x = 5), not a quadratic with the root 75.
    let cs = chain_checks(&[
        first,
        "Expanding both sides of the equation: \\( x^2 + 30x = 100x + 150 \\).",
    ]);
    let (step, c) = cs
        .iter()
        .find(|(_, c)| c.verdict == ItemVerdict::Refuted)
        .unwrap_or_else(|| panic!("not refuted: {cs:#?}"));
    assert_eq!(*step, 1);
    assert!(c.evidence.summary.contains("x = "), "{c:#?}");
    let cs = chain_checks(&[
        first,
        "Expanding both sides of the equation: \\( 130x = 100x + 150 \\).",
    ]);
    assert!(cs
        .iter()
        .any(|(s, c)| *s == 1 && c.verdict == ItemVerdict::Verified));
    assert!(
        cs.iter().all(|(_, c)| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
    // Several variables: 2014 − 1900 is 114, not 14.
    let cs = chain_checks(&[
        "So \\[2014 - 1900 - 10x - y = 2(10x + y)\\]",
        "Simplifying the left side, we get: \\[14 - 10x - y = 20x + 2y\\]",
    ]);
    assert!(
        cs.iter().any(|(s, c)| *s == 1
            && c.verdict == ItemVerdict::Refuted
            && c.evidence.summary.contains("= 100")),
        "{cs:#?}"
    );
    // A step that does not say it simplifies states something new.
    let cs = chain_checks(&[first, "The area is \\( x^2 + 30x = 100x + 150 \\)."]);
    assert!(
        cs.iter().all(|(_, c)| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
}

#[test]
fn identities_decided_by_context() {
    let why = refuted("Factoring, $x^3-4x^2-7x+6=(x-1)(x^2-3x-6)$.");
    assert!(why.contains("not an identity"), "{why}");
    let why = refuted("Expanding gives $(x+1)^2 = x^2+x+1$.");
    assert!(why.contains("x = "), "{why}");
    assert_verified("Expanding gives $(x+1)^2 = x^2+2x+1$.");
    // An equation posed to be solved is not an identity.
    assert!(
        !verdicts("We need $91n+98=92(n+1)$, so we solve for n.").contains(&ItemVerdict::Refuted)
    );
    // An `=`-chain claims each link for every value: a slip in a coefficient is refuted.
    let why = refuted("$(x+1)^2 = x^2+2x+1 = x^2+x+1$");
    assert!(why.contains("not an identity"), "{why}");
    // A link that substitutes from context (ab = 2) is not an identity claim.
    assert!(
        !verdicts("$a^2 + b^2 = (a+b)^2 - 2 \\cdot 2 = (a+b)^2 - 4$")
            .contains(&ItemVerdict::Refuted)
    );
    // Simplifying an equation is not an identity.
    assert!(!verdicts("Simplifying, $3a^2 + 6a + 5 = 2a^2 + 14a + 25$.")
        .contains(&ItemVerdict::Refuted));
    // Function values and point names are not products of variables.
    assert!(!verdicts("$f(6) = f(2 \\cdot 3) = 2f(3)$").contains(&ItemVerdict::Refuted));
    assert!(!verdicts("$AB = BC = CA$").contains(&ItemVerdict::Refuted));
}

#[test]
fn a_function_value_on_the_left_of_an_identity_chain() {
    // −3y + 1.4y is −1.6y, not +0.4y: the chain after `f(x) =` is read as identities in y.
    let why = refuted("\\[ f(x) = 1 - 3y + 3y^2 - 0.7(1 - 2y + 2y^2) = 1 - 3y + 3y^2 - 0.7 + 1.4y - 1.4y^2 = 0.3 + 0.4y + 1.6y^2. \\]");
    assert!(
        why.contains("not an identity") && why.contains("y = "),
        "{why}"
    );
    assert_verified("\\[ f(x) = 1 - 3y + 3y^2 - 0.7(1 - 2y + 2y^2) = 0.3 - 1.6y + 1.6y^2 \\]");
    // Function values after the first `=` are names: nothing read.
    assert!(verdicts("$f(x) = f(y) + 1 = 1 + f(y)$").is_empty());
}

#[test]
fn a_variable_in_inline_math_inside_a_prose_equation() {
    // 500 − 150 is 350: "x = 350 − 150" does not follow from 150 + x = 500.
    let why = refuted(
        "Simplifying the equation, we get: 150 + \\( x \\) = 500. Subtracting 150 from both sides, we get: \\( x \\) = 350 - 150.",
    );
    assert!(why.contains("x = 200"), "{why}");
    assert_verified(
        "Simplifying the equation, we get: 150 + \\( x \\) = 500. Subtracting 150 from both sides, we get: \\( x \\) = 500 - 150.",
    );
}

#[test]
fn adjacent_links_of_mixed_chains() {
    // 8 + 2 − 18 is −8, not +2: the link in k, m, n is refuted; the substitution link is not
    // an identity claim and is not checked.
    let cs = checks("$2a+b-c = 38k+8+19m+2-19n-18 = 38k+19m-19n+2$");
    assert_eq!(cs.len(), 1, "{cs:#?}");
    assert_eq!(cs[0].verdict, ItemVerdict::Refuted);
    assert!(cs[0].evidence.summary.contains("-10"), "{cs:#?}");
    assert_verified("$2a+b-c = 38k+8+19m+2-19n-18 = 38k+19m-19n-8$");
}

#[test]
fn parser_drops_are_read() {
    assert_verified("LCM = 2^3 * 3^3 * 5^2 = 5400");
    let why = refuted("LCM = 2^3 * 3^3 * 5^2 = 10800");
    assert!(why.contains("5400"), "{why}");
    assert_verified("There are 9 choose 3 = 84 ways.");
    assert_verified("$12 \\text{ miles} + 3\\,\\text{miles} = 15 \\text{ miles}$");
    assert_verified("$(2.8284)^2 = 8$");
    assert!(refuted("$(2.8284)^2 = 9$").contains("7.9998"));
}

#[test]
fn chinese_language_solutions() {
    let text =
        "解：第一步，每个苹果3元，5个苹果是3×5＝15元。\n第二步，所以15－4＝11元。\n答：还剩11元。";
    let c = chain::parse(text);
    assert_eq!(c.steps.len(), 2, "{:#?}", c.steps);
    assert_eq!(c.answer.as_deref(), Some("11"));
    let rep = verifier().verify(&c, None).unwrap();
    let all: Vec<_> = rep.steps.iter().flat_map(|s| &s.checks).collect();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(
        all.iter().all(|c| c.verdict == ItemVerdict::Verified),
        "{all:#?}"
    );
    let why = refuted("因此3×5＝16个");
    assert!(why.contains("15"), "{why}");
}

#[test]
fn degree_mark_after_a_power() {
    // `2^4^\circ` (a double superscript) is (2^4)° = 16°: sin 16° = 2 sin 8° cos 8°.
    assert_verified(
        "$\\frac{1}{\\sin 2^4^\\circ} = \\frac{1}{2 \\sin 2^3^\\circ \\cos 2^3^\\circ}$",
    );
}

#[test]
fn quantities_with_unit_words_and_labels() {
    // A unit word before a product, a per-unit `/word`, a word-only label after a number.
    let why = refuted("So the total is 495 students * $15/student = $7455.");
    assert!(why.contains("7425"), "{why}");
    let why = refuted("First, 7995 (total cookies) - 2595 (rainbow cookies) = 4500.");
    assert!(why.contains("5400"), "{why}");
    assert_verified("So 3 days * 1 hour/day = 3 hours.");
    assert_verified("That leaves 7995 (total cookies) - 2595 (rainbow cookies) = 5400.");
    // After a relation a new quantity starts: `8 plants * 1/4 cup` is not cut into `= 8 * 1/4`.
    assert!(
        !verdicts("She needs 20 plants - 4 plants - 8 plants = 8 plants * 1/4 cup of water.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn a_named_calculation_and_its_later_value() {
    let why = refuted(
        "Total earnings = $3.00 (dishwasher) + $3.00 (laundry) + $1.50 (trash). Total earnings = $8.00.",
    );
    assert!(why.contains("7.5"), "{why}");
    let why = refuted(
        "\\[ \\text{Total fruits} = 52 + 24 + 44 + 48 \\] \\[ \\text{Total fruits} = 178 \\]",
    );
    assert!(why.contains("168"), "{why}");
    assert_verified("Total time = 20 + 23. Total time = 43 minutes.");
    // Different names make no claim.
    assert!(verdicts("Cost = 20 + 23. Total = 50.").is_empty());
}

#[test]
fn arithmetic_written_in_prose() {
    // Unit phrases, `x` for times after a unit, `/word/word` rates, labels after a unit, a
    // bullet, a boxed relation, a remark in brackets, "N more" without "than".
    for step in [
        "To do this: 36 book slots ÷ 2 = 18 books.",
        "So 54 students / 9 students per group = 6 groups.",
        "It takes 18 hours / 3 kangaroos = 6 hours per kangaroo.",
        "The skirts cost 1 skirt x $8.00/skirt = $8.00.",
        "So: 3 people * 3 eggs/person/day = 9 eggs/day.",
        "That is 180 minutes (before dinner) + 80 minutes (homework) = 260 minutes.",
        "- Total = 10 + 30 + 60 = 100 shoes",
        "- 2015 = 2002 + 13 (13 is not a palindrome)",
        "Two nickels are worth 2 x $0.10 = $0.20 (20 cents).",
        "So this adds 10 x 1 = 10 more guests.",
        "The room is 3 ft x 4 ft = 12 sq ft.",
        "So 1.5 hours x 60 minutes/hour = 90 minutes.",
        "The cost is 4 shirts x $5 per shirt = $20.",
        "He can eat: \\boxed{150 \\div 3 = 50}",
    ] {
        assert_verified(step);
    }
    let why = refuted("The skirts cost 1 skirt x $8.00/skirt = $9.00.");
    assert!(why.contains('8'), "{why}");
    let why = refuted("To do this: 36 book slots ÷ 2 = 16 books.");
    assert!(why.contains("18"), "{why}");
    let why = refuted("That is 180 minutes (before dinner) + 80 minutes (homework) = 250 minutes.");
    assert!(why.contains("260"), "{why}");
    let why = refuted("So this adds 10 x 2 = 30 more guests.");
    assert!(why.contains("20"), "{why}");
    let why = refuted("The cost is 4 shirts x $5 per shirt = $25.");
    assert!(why.contains("20"), "{why}");
    // "more … than" makes the last number part of a comparison: nothing is claimed; `x` next
    // to words is a letter, not "times".
    assert!(verdicts("He has 3 + 4 = 8 more apples than Bob.").is_empty());
    assert!(verdicts("The 2 x 4 boards cost $4 each, so x = 3.").is_empty());
    // "in 1 tray" is the denominator of a rate said before the run.
    assert!(
        !verdicts("There are 24 eggs in 1 tray x 2 trays = 48 eggs.")
            .contains(&ItemVerdict::Refuted)
    );
    // A repeating decimal cut short is not the value.
    assert!(
        !verdicts("So 32 water type / 96 Pokemon * 100% = 33.333...%, about 33%.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn quantity_labels_in_latex() {
    let why =
        refuted("\\[15 (\\text{light blue}) + 45 (\\text{dark blue}) = 70 \\text{ spools}\\]");
    assert!(why.contains("60"), "{why}");
    assert_verified("\\[40 \\text{ (Alani)} + 80 \\text{ (Braylen)} = 120 \\text{ stories}\\]");
    assert_verified(
        "\\[4 \\text{ miles (running)} + 3 \\text{ miles (walking)} = 7 \\text{ miles}\\]",
    );
    assert_verified(
        "\\[8 \\text{ pounds} \\text{ (math and science)} + 2 \\text{ pounds} = 10 \\text{ pounds}\\]",
    );
}

#[test]
fn a_named_quantity_restated() {
    // A lone variable given as two plain calculations, then its value.
    let why =
        refuted("\\[ S = 165 \\times \\frac{6}{11} \\] \\[ S = 9 \\times 6 \\] \\[ S = 54 \\]");
    assert!(why.contains("90"), "{why}");
    assert_verified("So x = ($40 - 0) / $1.5. x = 26.67 meters (approximately).");
    // A name in words, restated with `≈`.
    let why = refuted(
        "Area = (40 × 5.63) / 2. This simplifies to Area ≈ 113.2 / 2, which gives us Area ≈ 56.6.",
    );
    assert!(why.contains("112.6"), "{why}");
    // The same expression in a variable, rewritten with a slip.
    let why = refuted(
        "Total = \\(\\frac{3}{4}A + \\frac{3}{4}A + 60 + A\\) Total = \\(1A + 60 + \\frac{7}{4}A\\).",
    );
    assert!(why.contains("not an identity"), "{why}");
    assert_verified("Total = \\(\\frac{3}{4}A + \\frac{1}{4}A + 60\\) Total = \\(A + 60\\).");
    // Roots and angles listed one after the other, a quantity that changed, names that are
    // function values: no claim.
    for step in [
        "\\[ x = 1 + \\sqrt{2} \\] \\[ x = 1 - \\sqrt{2} \\]",
        "\\[ \\theta = \\frac{\\pi}{6} \\] \\[ \\theta = \\frac{5\\pi}{6} \\]",
        "\\[ r = \\frac{3}{2} \\] \\[ r = -1 \\]",
        "Total = 10 + 5. Then we add 3 more: Total = 15 + 3.",
        "\\[ \\operatorname{Arcsin}(\\sin(t)) = t - \\frac{\\pi}{2} \\] \\[ \\operatorname{Arccos}(\\cos(t)) = t \\]",
    ] {
        assert!(!verdicts(step).contains(&ItemVerdict::Refuted), "{step:?}");
    }
}

#[test]
fn unit_words_before_the_value() {
    let why = refuted("Cost of repaving Lewis' street = $194/meter × 490 meters = $94,860.");
    assert!(why.contains("95060"), "{why}");
    let why = refuted(
        "Therefore, the total amount of money made in a week = 495 students * $15/student = $7455.",
    );
    assert!(why.contains("7425"), "{why}");
}

#[test]
fn factorisations_in_equality_chains() {
    // One side factored, the other expanded: the link is a factorisation, refuted at a point.
    let why = refuted("So $x^{3} - 7x^{2} + 8 = (x - 1)(x^{2} - 6x - 8) = 0$.");
    assert!(why.contains("not an identity"), "{why}");
    assert_verified("So $x^{3} - 7x^{2} - 2x + 8 = (x - 1)(x^{2} - 6x - 8) = 0$.");
    assert_verified("Hence $x^2 - 5x + 6 = (x - 2)(x - 3) = 0$.");
}

#[test]
fn numeric_tail_after_an_inequality() {
    let why = refuted("Taking logs, $n-1 > \\frac{-2.302585}{0.693147} \\approx 3.321928$.");
    assert!(why.contains("-3.32"), "{why}");
    assert_verified("So $n > \\frac{1103}{7} \\approx 157.57$.");
    // Bounds paired by position in the middle of a chain are not read.
    assert!(
        !verdicts("So $\\frac{90}{123} < k < \\frac{180}{123} \\approx 0.732 < k < 1.463$.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn inequality_rewrites() {
    assert_verified("For two roots, $m^2-4(2)(8)>0 \\Rightarrow m^2>64$.");
    assert_verified("So $7n > 1103 \\implies n > \\frac{1103}{7} \\implies n > 157.57$.");
    assert_verified("Then $-2x + 4 < 0 \\Rightarrow x > 2$.");
    let why = refuted("So $7n > 1103 \\implies n > 157.29$.");
    assert!(why.contains("satisfies"), "{why}");
    let why = refuted("Hence $m^2 - 4(2)(8) > 0 \\Rightarrow m^2 > 32$.");
    assert!(why.contains("m = "), "{why}");
    // A smaller solution set may come from the context (`x > 0` known): not refuted.
    assert!(
        !verdicts("Since $x > 0$: $x^2 > 4 \\Rightarrow x > 2$.").contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn inequality_rewrites_round_and_lists_do_not_link() {
    assert_verified("So $1.4p \\leq 200 \\Rightarrow p \\leq 142.86$.");
    assert!(!verdicts(
        "In the interval:\n- \\( x^2 - 11 > 0 \\) (since \\( x^2 > 11 \\))\n- \\( x + 1 < 0 \\)"
    )
    .contains(&ItemVerdict::Refuted));
}

#[test]
fn prose_rewrites() {
    let why = refuted("So 0.99B + 1.01B + B = 4500. Combine like terms: 3.01B = 4500.");
    assert!(why.contains("B = "), "{why}");
    let why = refuted(
        "Since L = J + 10, we substitute: ((J + 10) + J) + 2J + 10 = 100. This simplifies to 5J + 20 = 100.",
    );
    assert!(why.contains("J = "), "{why}");
    assert_verified("So 0.99B + 1.01B + B = 4500. Combine like terms: 3B = 4500.");
}

#[test]
fn percent_and_fraction_of_a_number() {
    let why = refuted("The discount is 25% of $80 = $25.");
    assert!(why.contains("20"), "{why}");
    assert_verified("Increase = 20% of $24 = $4.80.");
    let why = refuted("So 3/4 of 20 = 16 students stayed.");
    assert!(why.contains("15"), "{why}");
    // "of" before words stays prose.
    assert!(verdicts("About 20% of the 24 students = most of them.").is_empty());
}

#[test]
fn a_percentage_that_ends_a_calculation_is_not_a_factor() {
    assert!(!verdicts("So 100 - 25 = 75% of 50 apples are left.").contains(&ItemVerdict::Refuted));
}

#[test]
fn rewrites_in_one_function_of_the_variable() {
    let why = refuted(
        "So $\\sin^2 \\theta + \\sin \\theta - 1 = 0 \\Rightarrow (\\sin \\theta - 1)(\\sin \\theta + 1) = 0$.",
    );
    assert!(why.contains("sin"), "{why}");
    assert_verified(
        "So $2\\sin^2 \\theta - \\sin \\theta - 1 = 0 \\Rightarrow (2\\sin \\theta + 1)(\\sin \\theta - 1) = 0$.",
    );
    // The breaking value of cos x is 2, never attained: not refuted.
    assert!(
        !verdicts("So $\\cos^2 x - 3\\cos x + 2 = 0 \\Rightarrow \\cos x - 1 = 0$.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn equations_in_several_variables_that_keep_one_side() {
    // The left side is kept, the right side is simplified with a slip (3 − 2 is 1, not 2).
    let why = refuted("So $$5p - q = \\frac{(3 + 4p) + q - 2}{5}$$ which gives $$5p - q = \\frac{2 + 4p + q}{5}$$");
    assert!(why.contains("for every value of p, q"), "{why}");
    let cs = checks(
        "So $$5p - q = \\frac{(3 + 4p) + q - 2}{5}$$ which gives $$5p - q = \\frac{1 + 4p + q}{5}$$",
    );
    let link = cs
        .iter()
        .find(|c| c.item.contains('⇒'))
        .unwrap_or_else(|| panic!("no rewrite check: {cs:#?}"));
    assert_eq!(link.verdict, ItemVerdict::Verified, "{link:#?}");
    assert!(
        !cs.iter().any(|c| c.verdict == ItemVerdict::Refuted),
        "{cs:#?}"
    );
    // Solving for a variable changes the kept side's partner to other variables: no claim.
    assert!(
        !verdicts("So $$2y = 4x + 6y - 8$$ which gives $$2y = 2 - x$$")
            .contains(&ItemVerdict::Refuted)
    );
    // Two separate statements (not linked) are not a rewrite.
    assert!(
        !verdicts("We know $a + b = 2c + 3$ and also $a + b = 5c - 1$.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn rational_identities_in_one_variable() {
    let why = refuted(
        "Using the identity $t^2 + \\frac{1}{t^2} = \\left(t + \\frac{1}{t}\\right)^2 - 1$.",
    );
    assert!(why.contains("= -1 for every value of t"), "{why}");
    assert_verified(
        "Using the identity $t^2 + \\frac{1}{t^2} = \\left(t + \\frac{1}{t}\\right)^2 - 2$.",
    );
    let why = refuted("$\\frac{u+1}{u-1} = \\frac{(u+1)(u+2)}{(u-1)(u+2)} = \\frac{u^2+3u+2}{u^2+u-2} = \\frac{u+3}{u-1}$");
    assert!(why.contains("not an identity"), "{why}");
    // Outside rational functions a chain link is still not refuted (equation chains with
    // exponentials are common): no claim is read as an identity here.
    assert!(!verdicts("$4^{s} = 2^{s+1} = 2^{2s}$").contains(&ItemVerdict::Refuted));
}

#[test]
fn a_text_name_with_a_connective_word_before_equals() {
    let why =
        refuted("\\[ \\text{Total revenue for Liam} = 63 \\times 4 = 262 \\text{ dollars} \\]");
    assert!(why.contains("252"), "{why}");
    assert_verified("\\[ \\text{Cost per pen and pencil} = 3 + 4 = 7 \\]");
}

#[test]
fn sub_expressions_evaluated_in_a_rewrite() {
    // 5^2 − 20 is 5, not 4: refuted with the computed value, even where the equation itself
    // (exponentials in y) is not checked.
    let why = refuted("So $5^{y}(5^2 - 20) = 3^{y}(3^3 - 7) \\Rightarrow 5^{y}(4) = 3^{y}(20)$.");
    assert!(why.contains("= 5"), "{why}");
    let cs = checks("So $5^{y}(5^2 - 20) = 3^{y}(3^3 - 7) \\Rightarrow 5^{y}(5) = 3^{y}(20)$.");
    assert!(
        cs.iter().any(|c| c.verdict == ItemVerdict::Verified),
        "{cs:#?}"
    );
    assert!(
        !cs.iter().any(|c| c.verdict == ItemVerdict::Refuted),
        "{cs:#?}"
    );
    // In two variables (no solution-set check applies): 901/9 is 100.11…, not 101.11.
    let why = refuted("Thus $$p + q < \\frac{901}{9}$$ so $$p + q < 101.11$$");
    assert!(why.contains("100.1"), "{why}");
    // Solutions listed one after the other are not evaluations.
    assert!(!verdicts("$$z = -\\frac{3}{2}$$ $$z = 2$$").contains(&ItemVerdict::Refuted));
}

#[test]
fn a_factorisation_after_finding_a_root() {
    // "root" does not make a factorisation an equation to solve.
    let why =
        refuted("Since $t = 2$ is a root, we factor: $t^3 - 3t^2 + 4 = (t - 2)(t^2 - t + 2)$.");
    assert!(why.contains("not an identity"), "{why}");
    assert!(!verdicts(
        "Since $t = 2$ is a root, we factor: $t^3 - 3t^2 + 4 = (t - 2)(t^2 - t - 2)$."
    )
    .contains(&ItemVerdict::Refuted));
    // An equation to solve stays an equation.
    assert!(
        !verdicts("Factor and solve the equation $t^2 + 3 = (t - 1)^2$ for its roots.")
            .contains(&ItemVerdict::Refuted)
    );
}

#[test]
fn sums_and_products_with_numeric_bounds() {
    assert_verified("So $\\sum_{k=1}^{10} k^2 = 385$.");
    assert_verified("Adding up, $\\sum_{k=1}^{100} k = 5050$.");
    assert_verified("Then $\\prod_{i=1}^{5} i = 5! = 120$.");
    assert_verified("$$\\prod_{x=81}^{99} \\left(1 + \\frac{1}{x}\\right) = \\frac{100}{81}$$");
    assert_verified("The total is $\\sum_{j=0}^{4} 2^j = 2^5 - 1 = 31$.");
    let why = refuted("So $\\sum_{k=1}^{10} k^2 = 386$.");
    assert!(why.contains("385"), "{why}");
    let why = refuted("Hence $\\prod_{k=1}^{4} (2k-1) = 100$.");
    assert!(why.contains("105"), "{why}");
}

#[test]
fn binomial_coefficients() {
    assert_verified("There are $\\binom{9}{3} = 84$ ways.");
    assert_verified("There are 9 choose 3 = 84 ways.");
    assert_verified("So $\\sum_{k=0}^{5} \\binom{5}{k} = 2^5 = 32$.");
    let why = refuted("There are $\\binom{9}{3} = 85$ ways.");
    assert!(why.contains("84"), "{why}");
}

#[test]
fn series_past_the_limits_are_not_judged() {
    // Too many terms, a symbolic bound, an ambiguous summand: no refutation of any kind.
    let long = format!("So $\\sum_{{k=1}}^{{{}}} k = 1$.", MAX_SERIES_TERMS + 1);
    for step in [
        long.as_str(),
        "So $\\sum_{k=1}^{n} k = 7$.",
        "So $\\sum_{k=1}^{3} k + 1 = 9$.",
    ] {
        let cs = checks(step);
        assert!(
            cs.iter().all(|c| c.verdict != ItemVerdict::Refuted),
            "{step:?}: {cs:#?}"
        );
    }
}

#[test]
fn pulling_a_whole_part_out_of_a_floor() {
    // `⌊(7k+r)/2⌋ = 3k + ⌊r/2⌋` drops k/2: refuted at a small whole point, with both values.
    let why = refuted(
        "Write $x = 7k + r$. Then $\\left\\lfloor\\frac{x}{2}\\right\\rfloor = \\left\\lfloor\\frac{7k + r}{2}\\right\\rfloor = 3k + \\left\\lfloor\\frac{r}{2}\\right\\rfloor$.",
    );
    assert!(
        why.contains("k = 2, r = 3") && why.contains("= 8") && why.contains("= 7"),
        "{why}"
    );
    // Done right (the variables are not split between the two parts): not refuted.
    assert!(!verdicts("Then $\\left\\lfloor\\frac{x}{2}\\right\\rfloor = \\left\\lfloor\\frac{6k + r}{2}\\right\\rfloor = 3k + \\left\\lfloor\\frac{r}{2}\\right\\rfloor$.")
        .contains(&ItemVerdict::Refuted));
    // An equation in one variable with floors stays an equation.
    assert!(!verdicts("We solve $\\left\\lfloor \\frac{x}{2} \\right\\rfloor = 3 + \\left\\lfloor \\frac{x}{5} \\right\\rfloor$.")
        .contains(&ItemVerdict::Refuted));
}

#[test]
fn powers_with_the_variable_in_the_exponent_rewritten() {
    let why = refuted("So $\\frac{6^b}{3^b} = \\left(\\frac{6}{3}\\right)^b = 3^b$.");
    assert!(
        why.contains("b = 2") && why.contains("4") && why.contains("9"),
        "{why}"
    );
    let why = refuted(
        "The volume is $V_k = a_k^3 = \\left(5 (\\sqrt{3})^{k-1}\\right)^3 = 125 \\cdot 3^{k-1}$.",
    );
    assert!(why.contains("k = 2") && why.contains("375"), "{why}");
    assert_verified("So $\\frac{6^b}{3^b} = \\left(\\frac{6}{3}\\right)^b = 2^b$.");
    // A chain whose first link is the equation and whose last term rewrites its first side,
    // and sums of powers (an equation to solve): never refuted.
    assert!(!verdicts("$4^{s} = 2^{s+1} = 2^{2s}$").contains(&ItemVerdict::Refuted));
    assert!(!verdicts("$2^{x+1} = 8^{x-1} = 2^{3x-3}$").contains(&ItemVerdict::Refuted));
    assert!(!verdicts("$y = 2^{6k} + 9 = 3(2^{3k} + 9)$").contains(&ItemVerdict::Refuted));
}

#[test]
fn trigonometric_identities_and_values_decided_exactly() {
    // Decided in e^{ix} (no simplify, no sampling).
    let cs = checks(
        "Hence $\\sin^6 x + \\cos^6 x = 1 - 3\\sin^2 x \\cos^2 x = 1 - \\frac{3}{4} \\sin^2 2x$.",
    );
    assert!(!cs.is_empty());
    for c in &cs {
        assert_eq!(c.verdict, ItemVerdict::Verified, "{c:#?}");
        assert!(c.evidence.summary.contains("e^(i·angle)"), "{c:#?}");
    }
    // A slip in such a chain is not an identity, but trigonometric links may be equations:
    // not verified, not refuted.
    let v = verdicts("Hence $\\sin^6 x + \\cos^6 x = (\\sin^2 x + \\cos^2 x)^3 - 2\\sin^2 x \\cos^2 x = 1 - 2\\sin^2 x \\cos^2 x$.");
    assert!(
        v.contains(&ItemVerdict::Unknown) && !v.contains(&ItemVerdict::Refuted),
        "{v:?}"
    );
    // Values at angles sympy leaves unevaluated: exact, both ways (the sum is -1).
    let cs = checks("So $\\sum_{k=1}^{44} \\cos (8k^\\circ) = -1$.");
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].verdict, ItemVerdict::Verified, "{cs:#?}");
    assert!(!cs[0].evidence.summary.contains("numerically"), "{cs:#?}");
    let why = refuted("So $\\sum_{k=1}^{44} \\cos (8k^\\circ) = 0$.");
    assert!(why.contains("-1"), "{why}");
}

#[test]
fn decimal_products_written_to_full_precision() {
    // 0.971 × 1.089 is exactly 1.057419: six decimals written claim that value.
    let why = refuted("The factor is $0.971 \\times 1.089 = 1.056519$.");
    assert!(why.contains("1.057419"), "{why}");
    assert_verified("The factor is $0.971 \\times 1.089 = 1.057419$.");
    // Fewer decimals than the exact value: the inputs may be rounded intermediates.
    assert_verified("Squaring, $(2.8284)^2 = 8$.");
}

#[test]
fn a_cubic_rewritten_with_a_slip_is_refuted_quickly() {
    // Solution sets compared by polynomial gcds: the real roots are CRootOf values, no
    // radicals are compared (this took over 5 s, the item limit, before).
    let why = refuted("\\[ 1 + \\frac{2n}{100} - \\frac{2n^3}{1000000} = \\frac{345600}{843750} \\]\n\\[ 1 + \\frac{2n}{100}\\left(1 - \\frac{n^2}{200000}\\right) = \\frac{345600}{843750} \\]");
    assert!(why.contains("solves") && why.contains("431.65"), "{why}");
}

/// The checks of a chain whose item was made by `chain::systems` (its source has `⇒` after
/// `;`-joined equations), with their step's index.
fn system_checks(steps: &[&str]) -> Vec<(usize, Check)> {
    chain_checks(steps)
        .into_iter()
        .filter(|(_, c)| c.item.contains("; ") && c.item.contains(" ⇒ "))
        .collect()
}

#[test]
fn an_equation_stated_after_a_linear_system() {
    let system = "Simplifying these gives:\n\\[ 12a - 2b = 20 \\]\n\\[ 9a + b = 14 \\]";
    // The system fixes a = 8/5: -6a = -8 (so a = 4/3) does not follow.
    let cs = system_checks(&[
        system,
        "Multiply the second by 2 and subtract: \\[ -6a = -8 \\] so \\( a = \\frac{4}{3} \\).",
    ]);
    let (step, c) = cs
        .iter()
        .find(|(_, c)| c.verdict == ItemVerdict::Refuted)
        .unwrap_or_else(|| panic!("not refuted: {cs:#?}"));
    assert_eq!(*step, 1);
    assert!(c.evidence.summary.contains("a = 1.6"), "{c:#?}");
    assert!(c.evidence.summary.contains("-9.6"), "{c:#?}");
    let cex = c.evidence.counterexample.as_ref().expect("the solution");
    assert_eq!(cex.get("a").map(String::as_str), Some("8/5"));
    // The right elimination: every equation after the system follows from it.
    let cs = system_checks(&[
        system,
        "Multiply the second by 2: \\[ 18a + 2b = 28 \\] Adding the first: \\[ 30a = 48 \\] \
         so \\( a = \\frac{8}{5} \\) and \\( b = 14 - 9 \\cdot \\frac{8}{5} = -\\frac{2}{5} \\).",
    ]);
    assert!(cs.len() >= 3, "{cs:#?}");
    for (_, c) in &cs {
        assert_eq!(c.verdict, ItemVerdict::Verified, "{c:#?}");
    }
    // A system that does not fix the variable (a new fact), and a case posited: unknown or
    // not read, never refuted.
    let cs = system_checks(&[
        "We have \\( a + b + c = 14 \\) and \\( 4a - 2b + c = 20 \\).",
        "From Vieta, \\( c = 8a \\). If \\( a = 1 \\), then \\( b = 5 \\).",
    ]);
    assert!(
        cs.iter().all(|(_, c)| c.verdict == ItemVerdict::Unknown),
        "{cs:#?}"
    );
    assert!(!cs.is_empty(), "the new fact is offered: {cs:#?}");
}

#[test]
fn names_and_letter_products_as_olympiad_solutions_write_them() {
    // Segment names (`AB`, `\overline{AB}`) are opaque: the arithmetic after them is checked.
    assert_verified("$$\\text{Area}_{ABDE} = AB \\times DE = 4 \\times 5 = 20$$");
    let why = refuted("$$KM^2 = 400 + \\frac{1600}{3} = \\frac{3600 + 1600}{3}$$");
    assert!(why.contains("2800/3"), "{why}");
    let why = refuted("So \\[ BE \\times BN = 221 \\times 120 \\] \\[ BE \\times BN = 26532 \\]");
    assert!(why.contains("26520"), "{why}");
    // Letters side by side multiply: a slip in the constants of a rewrite is refuted.
    let why = refuted("\\[ xy - 2x - 6y - 12 = -4 \\] \\[ xy - 2x - 6y + 12 = 4 \\]");
    assert!(why.contains("-16"), "{why}");
    assert!(
        !verdicts("\\[ xy - 2x - 6y = 8 \\] \\[ xy - 2x - 6y + 12 = 20 \\]")
            .contains(&ItemVerdict::Refuted)
    );
    // Subscripts of any shape are names: `2^{x_n}(2 - 1) = 2^{x_n}` holds, `+ 1` does not.
    assert_verified("$$2^{x_{n+1}} - 2^{x_n} = 2^{x_n}(2 - 1) = 2^{x_n}$$");
    let why = refuted("$$y_{n+1} = 2^{x_n + 1} + 2^{x_n} - 2^{x_n} = 2^{x_n + 1} - 1$$");
    assert!(why.contains("for every value"), "{why}");
    // Names with no arithmetic to check make no claim: unchecked, never refuted.
    for s in [
        "$$\\angle ABC + \\angle BCA = 90^\\circ$$",
        "$$t_{n-2} = 95$$",
        "$$n' = n''$$",
        "$$AB + 2 = AC$$",
        "$$\\underline{A}\\underline{B} = 32$$",
    ] {
        assert!(!verdicts(s).contains(&ItemVerdict::Refuted), "{s}");
    }
    assert_verified("$$\\angle A = 180^\\circ - 60^\\circ - 50^\\circ = 70^\\circ$$");
}

#[test]
fn numerals_in_a_base_and_glued_factorials() {
    assert_verified("We get $41 = 1112_3$.");
    let why = refuted("We get $41 = 1121_3$.");
    assert!(why.contains("43"), "{why}");
    // A digit not valid in the base: the numeral is not read.
    assert!(checks("We get $41 = 1151_3$.").is_empty());
    assert_verified("$$\\binom{9}{3} = \\frac{9!}{3!6!} = 84$$");
    let why = refuted("$$\\binom{9}{3} = \\frac{9!}{3!6!} = 72$$");
    assert!(why.contains("84"), "{why}");
}

#[test]
fn a_display_that_opens_with_equals_continues_the_one_before() {
    let why = refuted(
        "Adding: \\[ = \\frac{24}{24} + \\frac{12}{24} + \\frac{8}{24} \\]\n\\[ = \\frac{45}{24} \\]",
    );
    assert!(why.contains("44/24") || why.contains("11/6"), "{why}");
    assert_verified("\\[ 3 \\times 4 + 1 \\]\n\\[ = 13 \\]");
    // Displays with prose between are not joined; `==` is not a continuation.
    assert!(checks("\\[ 3 \\times 4 \\] so \\[ = 13 \\]").is_empty());
}

#[test]
fn factors_in_words_and_absolute_values_after_a_coefficient() {
    let why = refuted(
        "$$V = \\frac{1}{3} \\times \\text{Base Area} \\times \\text{Height} = \\frac{1}{3} \\times 1 \\times \\frac{3}{5} = \\frac{2}{5}$$",
    );
    assert!(why.contains("0.2") || why.contains("1/5"), "{why}");
    assert_verified(
        "$$V = \\frac{1}{3} \\times \\text{Base Area} \\times \\text{Height} = \\frac{1}{3} \\times 1 \\times \\frac{3}{5} = \\frac{1}{5}$$",
    );
    assert_verified("$$\\text{Area} = \\frac{1}{2} \\left| 3(1) + (-3)(-1) \\right| = 3$$");
    let why = refuted("$$\\text{Area} = \\frac{1}{2} \\left| 3(1) + (-3)(-1) \\right| = 6$$");
    assert!(why.contains("= 3"), "{why}");
    // Words alone, with nothing computed: no claim.
    assert!(checks("$$A = \\frac{1}{2} \\times \\text{base} \\times \\text{height}$$").is_empty());
}

/// No check of the step is refuted.
fn assert_not_refuted(step: &str) {
    for c in checks(step) {
        assert_ne!(c.verdict, ItemVerdict::Refuted, "{step:?}: {c:#?}");
    }
}

/// Audit (issue 9): displays after prose announcing several equations are a list, not a
/// rewrite of one into the next.
#[test]
fn listed_equations_are_not_rewrites() {
    assert_not_refuted(
        "First, we analyze the first pair of equations:\n\\[ x^2 + 5x + 6 = 0 \\]\n\\[ x^2 + 5x - 6 = 0 \\]",
    );
    // A derivation without such prose is still a rewrite, and its slip is refuted.
    let s = refuted("We get\n\\[ 2x + 3 = 7 \\]\n\\[ 2x = 5 \\]");
    assert!(s.contains("x = 5/2") || s.contains("2.5"), "{s}");
}

/// Audit (issue 9): relations the text itself says are false (before the verdict, or in its
/// sentence) are tried, not asserted; relations after the verdict's sentence are claims.
#[test]
fn relations_the_text_denies_are_not_claims() {
    assert_not_refuted(
        "Then: \\( 2 \\cdot \\frac{\\pi}{4} + \\frac{1}{2} - 2 = \\frac{\\pi}{2} - \\frac{3}{2} = -1 \\). This is not correct.",
    );
    assert_not_refuted(
        "However, \\( b = 6 \\) does not satisfy the condition \\( 6 \\leq 41 < 6^2 \\) because \\( 41 > 36 \\).",
    );
    assert_not_refuted(
        "We can check if it satisfies: \\( \\frac{5}{9} < \\frac{8}{13} < \\frac{4}{7} \\). This inequality does not hold.",
    );
    let s = refuted(
        "However, this calculation is incorrect. Instead, the area is \\[ 1 - \\sqrt{3} + 2 = 2 - \\sqrt{3} \\]",
    );
    assert!(s.contains("3 - sqrt(3)") || s.contains("1.26"), "{s}");
}

/// Audit (issue 9): a line named by its equation ("the vertical line \( x = 27 \)") is an
/// object, not a consequence of the line equations before it.
#[test]
fn a_named_line_is_not_a_consequence_of_a_system() {
    assert_not_refuted(
        "The sides are \\( y = \\frac{3}{22}x + \\frac{19}{22} \\) and \\( y = -\\frac{3}{14}x + \\frac{19}{14} \\). We intersect the vertical line \\( x = 27 \\) with them.",
    );
    let s = refuted("From \\( a + b = 5 \\) and \\( a - b = 1 \\) we get \\( a = 4 \\).");
    assert!(s.contains("a = 3"), "{s}");
}

/// Audit (issue 9): `A = B \mod m` is how congruences are often written; with the remainder
/// operation on the left it is still read and checked.
#[test]
fn an_equation_ending_in_mod_is_not_the_remainder_operation() {
    assert!(
        checks("This is equivalent to \\(3 \\times 123 + 360 = 3 \\times 123 \\mod 360\\).")
            .is_empty()
    );
    let s = refuted("So \\( 17 \\mod 5 = 3 \\).");
    assert!(s.contains('2'), "{s}");
}

#[test]
fn coordinates_and_tuples_are_checked_component_by_component() {
    assert_verified(
        "The midpoint is \\[ G = \\left( \\frac{20 + 20}{2}, \\frac{0 + 20}{2} \\right) = (20, 10) \\]",
    );
    let why = refuted(
        "\\[ (x_{m}, y_{m}) = \\left(\\frac{-3 + 2}{2}, \\frac{6 + 1}{2}\\right) = \\left(\\frac{-1}{2}, \\frac{5}{2}\\right) \\]",
    );
    assert!(why.contains("3.5"), "{why}");
    // Sums and differences of tuples, and `\cos 2\pi` is cos(2π).
    assert_verified("\\[ \\left( \\cos 2\\pi, \\sin 2\\pi \\right) - (1, 0) = (0, 0) \\]");
    let why = refuted("\\[ \\mathbf{v} = (1, 0) - (1, 0) = (-1, 0) \\]");
    assert!(why.contains("= 0"), "{why}");
    // Definitions, intervals, dot products and thousands separators: no claim.
    for s in [
        "\\[ A = (0, 0), \\quad (x, y) = (1, 2) \\]",
        "\\[ \\left(\\frac{3}{5}, \\frac{4}{5}\\right) \\cdot (0, 0) = 1 \\]",
        "\\[ (1,000) = (2, 3) \\]",
        "\\[ (x, y) = (1, 2), (7, 2), (3, 3) \\]",
    ] {
        assert!(!verdicts(s).contains(&ItemVerdict::Refuted), "{s}");
    }
}

#[test]
fn complex_arithmetic_where_the_chain_says_complex() {
    // `i` is the imaginary unit only where the chain speaks of complex numbers.
    assert_verified("For the complex numbers, \\[ (2+i)(3-i) = 6 - 2i + 3i - i^2 = 7 + i \\]");
    let why = refuted("For complex numbers, \\[ (-2-i)(i-2) = -2(i) - 2(2) - i(i) - i(2) \\]");
    assert!(why.contains("-3 - 4*I"), "{why}");
    // An index `i` (a term that is `i` alone), or no word about complex numbers: no claim.
    assert!(
        !verdicts("For complex roots, \\( i = 0, 1, \\ldots, n \\).")
            .contains(&ItemVerdict::Refuted)
    );
    assert!(!verdicts("\\[ (2+i)(3-i) = 7 + i \\]").contains(&ItemVerdict::Refuted));
    // A sum over an index `i` is not expanded in a complex chain.
    assert!(
        !verdicts("For complex numbers, \\[ \\sum_{i=1}^{3} i = 6 \\]")
            .contains(&ItemVerdict::Refuted)
    );
}
