//! Olympiad-level readings of the chain parser (issue 9, helper `olyparse`), end to end: step
//! text → items → the real numeric workers (embedded CPython + sympy) → verdict with evidence.
//! Per kind: a true case verified, a slip refuted with its computed values or counterexample,
//! and text out of the kind's scope left unchecked.
//!
//! Kinds: a number and its factorization joined by prose ("the prime factorization of \(K =
//! 20812\) is \(2^2 \cdot 13 \cdot 401\)"); `\pm` values worked out over displays (compared as
//! the pair's sum and product); the links of an `=`-chain around terms that hold function
//! values; a point or segment name restated with closed values; "the smallest … divisible by
//! M is N"; "N is prime" (a claim-language item, refuted by the logic checker with a divisor).

use super::{assert_verified, checks, refuted};

/// The step makes no check at all.
fn assert_unchecked(step: &str) {
    let cs = checks(step);
    assert!(cs.is_empty(), "{step:?} was checked: {cs:#?}");
}

#[test]
fn a_factorization_stated_in_words() {
    assert_verified("The prime factorization of \\(2000\\) is \\(2^4 \\times 5^3\\).");
    assert_verified("The prime factorization of 80 is given by: \\[ 2^4 \\cdot 5 \\]");
    let why = refuted(
        "The prime factorization of \\(K = 20812\\) is \\(2^2 \\cdot 13 \\cdot 401\\). Among the \
         prime factors, 401 is the largest.",
    );
    assert!(why.contains("20852") && why.contains("20812"), "{why}");
    // A general form (variables) and a display that is its own relation make no such item.
    assert_unchecked("The prime factorization of \\( n \\) is \\( 2^a 3^b \\).");
    assert_unchecked("The prime factorization of \\( k \\) is given by the highest power.");
    assert_unchecked("We must check if the prime factorization of 80 is \\(2^3 \\cdot 5\\).");
}

#[test]
fn plus_minus_values_worked_out_over_displays() {
    assert_verified(
        "Using the quadratic formula: \\[ x = \\frac{3 \\pm \\sqrt{9 + 12}}{2} \\] \\[ x = \
         \\frac{3 \\pm \\sqrt{21}}{2} \\]",
    );
    // The branches may come out swapped (dividing by a negative): the same pair of values.
    assert_verified(
        "\\[ y = \\frac{-30 \\pm \\sqrt{768}}{-66} \\] Simplifying, \\[ y = \\frac{15 \\pm \
         8\\sqrt{3}}{33} \\]",
    );
    // 341 is the root of 1849 + 114432; the step has 143.
    let why = refuted(
        "\\[ k = \\frac{43 \\pm \\sqrt{115513}}{96}, \\] \\[ k = \\frac{43 \\pm 143}{96}. \\]",
    );
    assert!(why.contains("product") || why.contains("×"), "{why}");
    assert!(why.contains("-775/384"), "{why}");
    // In one chain too.
    let why =
        refuted("\\[ t = \\frac{8 \\pm \\sqrt{64 - 40}}{2} = \\frac{8 \\pm \\sqrt{20}}{2} \\]");
    assert!(why.contains("10") && why.contains("11"), "{why}");
    // Out of scope: the template, a new equation's roots under the same letter, a value
    // without `\pm` after one with it, rounded decimals.
    assert_unchecked("\\[ x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a} \\]");
    assert_unchecked(
        "For the first equation, \\[ x = \\frac{5 \\pm \\sqrt{13}}{2}. \\] For the second case, \
         \\[ x = \\frac{3 \\pm \\sqrt{5}}{2}. \\]",
    );
    assert_unchecked("\\[ x = \\frac{3 \\pm \\sqrt{21}}{2} \\approx \\frac{3 \\pm 4.58}{2} \\]");
}

#[test]
fn chain_links_around_function_values() {
    assert_verified("\\[ g(f(x)) = 2(x^2 + 1) - 4 = 2x^2 - 2 \\]");
    // 2(2m + d + n) + d + 2m + d is 6m + 4d + 2n.
    let why = refuted(
        "\\[ f(f(m) + n) + f(m) = f(2m + d + n) + (2m + d) = 2(2m + d + n) + d + 2m + d = 6m + \
         3d + 2n \\]",
    );
    assert!(
        why.contains("not an identity") && why.contains("at "),
        "{why}"
    );
    // Only function values: nothing the parser can read as variables.
    assert_unchecked("\\[ f(25) = f(24) + 1 = (f(12) + 1) + 1 \\]");
}

#[test]
fn a_segment_name_restated() {
    assert_verified("\\[ AB = \\sqrt{3^2 + 4^2} \\] \\[ AB = \\sqrt{25} \\]");
    let why = refuted(
        "Substituting: \\[SA_{\\text{cube}} = 6^{4/3} \\cdot 6^{1/3}\\] \\[SA_{\\text{cube}} = 6 \
         \\cdot 6^{1/3}\\]",
    );
    assert!(why.contains("6^(4/3)") || why.contains("19.8"), "{why}");
    // A name in any script is shown as written (the item text once sliced inside a letter).
    let why = refuted("\\[ \\text{Äpfel} = 3 + 4 \\] \\[ \\text{Äpfel} = 8 \\]");
    assert!(why.contains("7") && why.contains("8"), "{why}");
    let cs = checks("\\[ \\text{总数} = 3 + 4 \\] \\[ \\text{总数} = 8 \\]");
    assert!(cs.iter().any(|c| c.item.contains("总数")), "{cs:#?}");
    // One letter restated with roots lists the roots of an equation: no claim.
    assert_unchecked("\\[ x = 1 + \\sqrt{2} \\] \\[ x = 1 - \\sqrt{2} \\]");
}

#[test]
fn an_extreme_number_with_a_divisor() {
    assert_verified("The largest integer less than 1000 divisible by \\(7\\) is \\(994\\).");
    let why = refuted("We find that the smallest 3-digit number divisible by 33 is 102.");
    assert!(why.contains("102") && why.contains('3'), "{why}");
    // A count and a sum are not the number itself.
    assert_unchecked("The number of integers divisible by 3 is 33.");
    assert_unchecked("The sum of the smallest numbers divisible by 3 is 19.");
    // A trial or a denial asserts nothing.
    assert_unchecked("Check if the smallest number divisible by 7 is 15.");
    assert_unchecked("It is wrong that the smallest number divisible by 7 is 15.");
}

#[test]
fn a_number_said_to_be_prime() {
    assert_verified("So 97 is prime, and the search stops.");
    let why =
        refuted("Since \\(209\\) is a prime number itself, its largest prime divisor is 209.");
    assert!(why.contains("d = 11") || why.contains("d = 19"), "{why}");
    // A question or a supposition claims nothing; neither does a factor of another number.
    assert_unchecked("We check whether 91 is prime.");
    assert_unchecked("Here 13 is a prime factor of the number.");
    assert_unchecked("It is false that 91 is prime.");
    assert_unchecked("One might think 91 is prime.");
}
