//! Wrong steps as olympiad solutions write them, end to end: step text → items → the real
//! numeric workers (embedded CPython + sympy) → verdict with evidence. Each kind has a case that
//! holds, a slip refuted with the computed value, and a case out of scope left unchecked:
//! an `=`-chain that opens with function values and goes on expanding in variables
//! (`chain::algebra` clean runs), and two relations rewritten side by side ("… and …", then the
//! rewritten pair; `chain::parallel`), and two prose equations whose line break was lost
//! (`chain::lost_breaks`), perfect squares and cubes stated in words (`chain::squares`), and an
//! expression rewritten in words ("… can be rewritten as …", `chain::expressions`), an operand
//! named between two equations ("dividing both sides by \(17\)", `chain::operands`); and one
//! misread fixed: a target written as an equation, then the value found (`chain::tentative`).

use super::checks;
use vibecheck::verify::{Check, ItemVerdict};

/// The checks whose item contains `needle`.
fn checks_of<'a>(cs: &'a [Check], needle: &str) -> Vec<&'a Check> {
    cs.iter().filter(|c| c.item.contains(needle)).collect()
}

#[test]
fn a_chain_after_function_values_is_read() {
    let step = |last: &str| {
        format!(
            "Substituting, we get \\[ f(f(m) + n) + f(m) = f(2m + d + n) + (2m + d) = \
             2(2m + d + n) + d + 2m + d = 4m + 2d + 2n + d + 2m + d = {last}, \\]"
        )
    };
    let cs = checks(&step("6m + 4d + 2n"));
    let found = checks_of(&cs, "4m + 2d + 2n + d + 2m + d");
    assert!(!found.is_empty(), "{cs:#?}");
    assert!(
        found.iter().all(|c| c.verdict == ItemVerdict::Verified),
        "{cs:#?}"
    );

    // 2d + d + d is 4d, not 3d: the last link is refuted, with the difference.
    let cs = checks(&step("6m + 3d + 2n"));
    let refuted: Vec<&Check> = checks_of(&cs, "6m + 3d + 2n")
        .into_iter()
        .filter(|c| c.verdict == ItemVerdict::Refuted)
        .collect();
    assert_eq!(refuted.len(), 1, "{cs:#?}");
    assert!(refuted[0].evidence.summary.contains('d'), "{refuted:#?}");

    // Names all the way: nothing is read.
    let cs = checks("Then \\[ f(x + 1) = g(x) + f(1) = h(x) \\]");
    assert!(
        cs.iter().all(|c| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
    assert!(checks_of(&cs, "h(x)").is_empty(), "{cs:#?}");
}

#[test]
fn relations_rewritten_side_by_side() {
    let step = |last: &str| {
        format!(
            "Expand and simplify the inequalities: $5a + 75 < 9a$ and $7a < 4a + 60$. Subtract \
             $5a$ from both sides of the first inequality, and subtract $4a$ from both sides of \
             the second inequality: $75 < 4a$ and {last}."
        )
    };
    let cs = checks(&step("$3a < 60$"));
    let c = checks_of(&cs, "7a < 4a + 60 ⇒ 3a < 60");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");
    let c = checks_of(&cs, "5a + 75 < 9a ⇒ 75 < 4a");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // `3a < 60` turned into `20 < a`: the solution sets differ, shown by a point.
    let cs = checks(&step("$20 < a$"));
    let c = checks_of(&cs, "7a < 4a + 60 ⇒ 20 < a");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains("20"), "{c:#?}");

    // New facts after "if": no pairs.
    let cs = checks("We have $x + 1 = 3$ and $x - 1 = 5$. If we try, $x = 2$ and $x = 3$.");
    assert!(checks_of(&cs, "⇒").is_empty(), "{cs:#?}");
}

#[test]
fn two_prose_equations_whose_line_break_was_lost() {
    let step = |last: &str| {
        format!(
            "Simplify the equation: 40(1 + r + r^2) = 76(1 + r) 40 + 40r + 40r^2 = 76 + 76r \
             Rearrange the equation: {last}"
        )
    };
    let cs = checks(&step("40r^2 - 36r - 36 = 0"));
    let c = checks_of(
        &cs,
        "40(1 + r + r^2) = 76(1 + r) ⇒ 40 + 40r + 40r^2 = 76 + 76r",
    );
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");
    let c = checks_of(&cs, "76 + 76r ⇒ 40r^2 - 36r - 36 = 0");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // `- 36` written `+ 36`: a root of the new equation does not solve the old one.
    let cs = checks(&step("40r^2 - 36r + 36 = 0"));
    let c = checks_of(&cs, "76 + 76r ⇒ 40r^2 - 36r + 36 = 0");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains("solves"), "{c:#?}");

    // Digits in groups are one number, not two equations.
    let cs = checks("So x = 1 000 = 10^4 here.");
    assert!(
        cs.iter().all(|c| c.verdict != ItemVerdict::Refuted),
        "{cs:#?}"
    );
}

#[test]
fn perfect_squares_stated_in_words() {
    let cs = checks("- \\( d(24) = 9 \\), which is a perfect square.");
    let c = checks_of(&cs, "which is a perfect square");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // 8 is not a square: refuted with the square below it.
    let cs = checks("- \\( d(24) = 8 \\), which is a perfect square.");
    let c = checks_of(&cs, "which is a perfect square");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains('4'), "{c:#?}");
    let cs = checks("So 50 is not a perfect square, and 64 is a perfect cube.");
    assert!(
        cs.iter().all(|c| c.verdict == ItemVerdict::Verified),
        "{cs:#?}"
    );

    // A trial, or an operand of a longer expression: nothing is read.
    let cs = checks("Check if 8 is a perfect square. The sum of 9 and 7 is a perfect square.");
    assert!(checks_of(&cs, "perfect square").is_empty(), "{cs:#?}");
}

#[test]
fn an_expression_rewritten_in_words() {
    let cs = checks("Pairing them, \\( k + (k+1) \\), it simplifies to \\( 2k+1 \\).");
    let c = checks_of(&cs, "k + (k+1) ⇒ 2k+1");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // `k + (k+1)` is `2k + 1`, not `2k - 1`: refuted, the difference is 2 for every k.
    let cs = checks("Pairing them, \\( k + (k+1) \\), it simplifies to \\( 2k-1 \\).");
    let c = checks_of(&cs, "k + (k+1) ⇒ 2k-1");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains('2'), "{c:#?}");

    // Other prose between the expressions, or a function name: no claim.
    let cs = checks("Take \\( k + 1 \\) and compare it with \\( 2k \\).");
    assert!(checks_of(&cs, "⇒").is_empty(), "{cs:#?}");
    let cs = checks("\\( Q(x) \\) can be written as \\( x^2 + 1 \\).");
    assert!(checks_of(&cs, "⇒").is_empty(), "{cs:#?}");
    // Inside a fenced block (code, notes) the words are not the step's prose.
    let cs =
        checks("```text\nPairing them, \\( k + (k+1) \\), it simplifies to \\( 2k-1 \\).\n```");
    assert!(checks_of(&cs, "⇒").is_empty(), "{cs:#?}");
}

#[test]
fn a_target_then_the_value_found() {
    // The author sets the calculation against the target, then finds it gives 994: only the
    // value found is a claim (and it holds).
    let cs = checks(
        "Substituting the values, we get 0 + (15 - 1) * 71 = 999, which simplifies to \
         14 * 71 = 994. Since 994 is less than 999, we adjust a.",
    );
    assert!(checks_of(&cs, "999").is_empty(), "{cs:#?}");
    let c = checks_of(&cs, "14 * 71 = 994");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // A value found that is itself wrong is still refuted, with the value.
    let cs = checks("We get 0 + (15 - 1) * 71 = 999, which simplifies to 14 * 71 = 996.");
    let c = checks_of(&cs, "14 * 71 = 996");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains("994"), "{c:#?}");

    // Other words between two calculations: both are claims.
    let cs = checks("We get 2 + 3 = 6, which gives 6 * 2 = 12.");
    let c = checks_of(&cs, "2 + 3 = 6");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
}

#[test]
fn an_operand_named_between_two_equations() {
    let step = |last: &str| {
        format!("Then \\[17h = 85\\] Dividing both sides by \\(17\\), we find \\({last}\\).")
    };
    let cs = checks(&step("h = 5"));
    let c = checks_of(&cs, "17h = 85 ⇒ h = 5");
    assert_eq!(c.len(), 1, "{cs:#?}");
    assert_eq!(c[0].verdict, ItemVerdict::Verified, "{cs:#?}");

    // 85/17 is 5, not 6: refuted with the solutions before and after.
    let cs = checks(&step("h = 6"));
    let c = checks_of(&cs, "17h = 85 ⇒ h = 6");
    assert_eq!(c[0].verdict, ItemVerdict::Refuted, "{cs:#?}");
    assert!(c[0].evidence.summary.contains('5'), "{c:#?}");

    // A letter in prose that names no operation does not link the two relations.
    let cs = checks("Take \\( k \\geq 3 \\). Therefore, there is a \\( k \\)-good set for all \\( k \\geq 2 \\).");
    assert!(checks_of(&cs, "⇒").is_empty(), "{cs:#?}");
}
