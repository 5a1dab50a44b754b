//! `\sum` / `\prod` with small whole-number bounds and binomial coefficients, end to end: step
//! text → items → the real numeric workers (embedded CPython + sympy) → verdict with evidence.
//! A right value is verified, a wrong one refuted with the computed value, and a series past
//! the term limit is left unchecked (never refuted).

use std::path::PathBuf;
use std::sync::OnceLock;
use vibecheck::chain;
use vibecheck::chain::expr::MAX_SERIES_TERMS;
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

/// Every check of a one-step text.
fn checks(step: &str) -> Vec<Check> {
    let c = chain::parse_input(&serde_json::json!({ "steps": [step] }).to_string()).unwrap();
    let rep = verifier().verify(&c, None).expect("verify");
    rep.steps.into_iter().flat_map(|s| s.checks).collect()
}

fn assert_verified(step: &str) {
    let cs = checks(step);
    assert!(!cs.is_empty(), "nothing checked in {step:?}");
    for c in &cs {
        assert_eq!(c.verdict, ItemVerdict::Verified, "{step:?}: {c:#?}");
    }
}

/// Some check of the step is refuted; returns its evidence summary.
fn refuted(step: &str) -> String {
    let cs = checks(step);
    cs.iter()
        .find(|c| c.verdict == ItemVerdict::Refuted)
        .unwrap_or_else(|| panic!("{step:?} not refuted: {cs:#?}"))
        .evidence
        .summary
        .clone()
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
