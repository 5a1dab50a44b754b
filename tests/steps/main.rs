//! The step checks of issue 9, end to end: step text → items → the real numeric workers
//! (embedded CPython + sympy) and the logic checker (Z3) → verdict with evidence. One test
//! binary; a module per family of kinds, each with a true case verified, a slip refuted with
//! its computed value or counterexample asserted, and an out-of-scope case left unchecked.

mod decide;
mod gsm;
mod late;
mod parse;
mod sections;

use std::path::PathBuf;
use std::sync::OnceLock;
use vibecheck::chain;
use vibecheck::verify::{Check, ItemVerdict, Verifier, VerifyConfig};

/// One verifier (two numeric workers) shared by every test of the binary.
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

/// Every check of a chain given as steps, with its step's index.
fn chain_checks(steps: &[&str]) -> Vec<(usize, Check)> {
    let c = chain::parse_input(&serde_json::json!({ "steps": steps }).to_string()).unwrap();
    let rep = verifier().verify(&c, None).expect("verify");
    rep.steps
        .into_iter()
        .flat_map(|s| s.checks.into_iter().map(move |c| (s.index, c)))
        .collect()
}

/// Every check of a one-step text.
fn checks(step: &str) -> Vec<Check> {
    chain_checks(&[step]).into_iter().map(|(_, c)| c).collect()
}

/// The step has at least one check and all of them verified.
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
