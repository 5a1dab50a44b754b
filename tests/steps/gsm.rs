//! Wrong steps as grade-school solutions write them, end to end: step text → items → the real
//! numeric workers (embedded CPython + sympy) → verdict with evidence. Each kind has a case that
//! holds, a slip refuted with the computed value, and a case out of scope left unchecked:
//! a named calculation whose value comes in the next step (`chain::restated`), divisibility
//! stated in words and a value restated in parentheses with the same unit (`chain::words`), and
//! days between two calendar dates (`chain::dates`) and differences in words
//! (`chain::differences`).

use super::{chain_checks, checks};
use vibecheck::verify::{Check, ItemVerdict};

/// The one check whose item contains `needle`.
fn check_of<'a>(cs: &'a [Check], needle: &str) -> &'a Check {
    let found: Vec<&Check> = cs.iter().filter(|c| c.item.contains(needle)).collect();
    assert_eq!(found.len(), 1, "{needle:?} in {cs:#?}");
    found[0]
}

#[test]
fn a_named_calculation_then_its_value_in_the_next_step() {
    let calc = "Let's add the scores: \\[ \\text{Total Score} = 50 + 80 + 80 + 60 \\]";
    let cs = chain_checks(&[
        calc,
        "Adding these together: \\[ \\text{Total Score} = 270 \\]",
    ]);
    let (step, c) = cs.iter().find(|(_, c)| c.item.contains("…")).expect("item");
    assert_eq!((*step, c.verdict), (1, ItemVerdict::Verified), "{c:#?}");

    // The sum is 270, not 250: refuted in the step that states the value, with the value.
    let cs = chain_checks(&[
        calc,
        "Adding these together: \\[ \\text{Total Score} = 250 \\]",
    ]);
    let (step, c) = cs.iter().find(|(_, c)| c.item.contains("…")).expect("item");
    assert_eq!((*step, c.verdict), (1, ItemVerdict::Refuted), "{c:#?}");
    assert!(c.evidence.summary.contains("270"), "{c:#?}");

    // The prose says the quantity changed: no claim across the steps.
    let cs = chain_checks(&[
        calc,
        "Now with the bonus: \\[ \\text{Total Score} = 300 \\]",
    ]);
    assert!(cs.iter().all(|(_, c)| !c.item.contains("…")), "{cs:#?}");
}

#[test]
fn divisibility_in_words() {
    let cs = checks("Since 27 is divisible by 9, the digits work.");
    assert_eq!(check_of(&cs, "27").verdict, ItemVerdict::Verified);

    let cs = checks("However, 54 is not divisible evenly by 9, so we round up.");
    let c = check_of(&cs, "54");
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{c:#?}");
    assert!(c.evidence.summary.contains("both 0"), "{c:#?}");

    let cs = checks("So 98730 is divisible by 7.");
    let c = check_of(&cs, "98730");
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{c:#?}");
    // 98730 = 7 · 14104 + 2.
    assert!(c.evidence.summary.contains("= 2"), "{c:#?}");

    // A trial, not a claim.
    assert!(checks("Now we check if 98730 is divisible by 7.").is_empty());
}

#[test]
fn a_value_restated_with_the_same_unit() {
    let cs = checks("The download takes 2.5 hours (or 2.50 hours) in all.");
    assert_eq!(check_of(&cs, "(or").verdict, ItemVerdict::Verified);

    let cs = checks("Dividing gives 20 kb/s ÷ 3600 s = 0.0056 kb/s (or 5.6 kb/s).");
    let c = check_of(&cs, "(or");
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{c:#?}");
    assert!(c.evidence.summary.contains("5.6"), "{c:#?}");

    // Another unit: a conversion, not read.
    assert!(checks("The walk takes 2 hours (or 120 minutes).").is_empty());
}

#[test]
fn days_between_two_dates() {
    // 199 days counting both ends (200 in a leap year), 198 counting one.
    let cs = checks("From January 1st to July 18th, there are 199 days.");
    assert_eq!(check_of(&cs, "July").verdict, ItemVerdict::Verified);

    let cs = checks("From January 1st to July 18th, there are 203 days.");
    let c = check_of(&cs, "July");
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{c:#?}");
    assert!(c.evidence.summary.contains("200"), "{c:#?}");

    // Two spans and two counts in one sentence: which count goes with which is not read.
    let cs =
        checks("There are 13 days (from July 1 to July 13) and 17 days (from July 15 to July 31).");
    assert!(cs.is_empty(), "{cs:#?}");
}

#[test]
fn a_difference_stated_in_words() {
    let cs = checks("So 12 pounds is 3 pounds less than 15 pounds.");
    assert_eq!(check_of(&cs, "less than").verdict, ItemVerdict::Verified);

    let cs = checks("Only whole toys count, and 7.5 pounds is half a pound more than 15 pounds.");
    let c = check_of(&cs, "more than");
    assert_eq!(c.verdict, ItemVerdict::Refuted, "{c:#?}");
    assert!(c.evidence.summary.contains("15.5"), "{c:#?}");

    // "times" after C: C is part of a product, not read.
    assert!(checks("So 12 is 2 less than 14 times 3.").is_empty());
}
