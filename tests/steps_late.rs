//! Wrong steps as olympiad solutions write them, end to end: step text → items → the real
//! numeric workers (embedded CPython + sympy) → verdict with evidence. Each kind has a case that
//! holds, a slip refuted with the computed value, and a case out of scope left unchecked:
//! an `=`-chain that opens with function values and goes on expanding in variables
//! (`chain::named_chain`), and two relations rewritten side by side ("… and …", then the
//! rewritten pair; `chain::parallel`), and two prose equations whose line break was lost
//! (`chain::lost_breaks`).

use std::path::PathBuf;
use std::sync::OnceLock;
use vibecheck::chain;
use vibecheck::verify::{Check, ItemVerdict, Verifier, VerifyConfig};

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        Verifier::new(VerifyConfig {
            workers: 2,
            worker_exe: Some(PathBuf::from(env!("CARGO_BIN_EXE_vibecheck"))),
            ..VerifyConfig::default()
        })
        .expect("start the numeric pool")
    })
}

/// The checks of a one-step text.
fn checks(step: &str) -> Vec<Check> {
    let c = chain::parse_input(&serde_json::json!({ "steps": [step] }).to_string()).unwrap();
    let rep = verifier().verify(&c, None).expect("verify");
    rep.steps.into_iter().flat_map(|s| s.checks).collect()
}

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
