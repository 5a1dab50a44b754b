//! Kinds of final answer that the answer-agreement measurement on ProcessBench
//! (`tools/eval-processbench/run.sh --dump-answers`) showed being extracted or compared wrongly,
//! each as a table: pairs judged `Equal`, near misses judged `Different` (both orders), and
//! out-of-scope pairs `Unknown`; extraction cases by kind. Equivalence is pure Rust on the
//! parsed AST (exact rationals; no worker process is involved), so nothing here needs a tool.

use vibecheck::chain::extract_answer;
use vibecheck::verify::answer::{compare, Equivalence};

/// (answer, reference) judged `Equal` in both orders, by kind.
const EQUAL: &[(&str, &str)] = &[
    // Inequalities bounded above read as intervals (`x < a` was mis-built).
    ("x < 3", "(-\\infty, 3)"),
    ("x \\le -1", "(-\\infty,-1]"),
    // Inequalities joined by "or": the union of their intervals.
    ("x<1 \\text{ or } x>2", "(-\\infty,1)\\cup(2,\\infty)"),
    (
        "x \\le -2 \\text{ or } x \\ge 2",
        "(-\\infty,-2]\\cup[2,\\infty)",
    ),
    ("x \\neq 2", "(-\\infty,2)\\cup(2,\\infty)"),
    ("\\mathbb{R}", "(-\\infty,\\infty)"),
    ("\\text{all real numbers}", "(-\\infty,\\infty)"),
    ("\\text{No real solutions}", "\\emptyset"),
    // A set of tuples against a bare list of the same tuples, in any order.
    ("\\{(1,2),(3,4)\\}", "(3,4), (1,2)"),
    ("(1, -1), (-1, 1)", "\\{(-1,1),(1,-1)\\}"),
    ("(1,2),(3,4)", "(3,4),(1,2)"),
    // Matrices written as `array` in brackets.
    (
        "\\left(\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right)",
        "\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}",
    ),
    (
        "\\left[\\begin{array}{rr}1&0\\\\0&1\\end{array}\\right]",
        "\\begin{bmatrix}1 & 0\\\\0 & 1\\end{bmatrix}",
    ),
    // A choice label with the option's value.
    ("\\textbf{(B) } 7", "\\text{(B)}"),
    ("\\text{(C) } 12", "12"),
    // Trigonometric values of degrees.
    ("\\cos 60^\\circ", "\\frac{1}{2}"),
    ("\\frac{\\sqrt{2}}{2}", "\\sin 45^\\circ"),
    ("\\tan 45^{\\circ}", "1"),
    // Angle-bracket vectors.
    ("\\langle 1, 2, 3 \\rangle", "(1,2,3)"),
    ("\\left\\langle 1, -2 \\right\\rangle", "(1,-2)"),
    // Exact big integers: within i128, and past it by residues.
    ("2^{100}", "1267650600228229401496703205376"),
    (
        "3^{100}",
        "515377520732011331036461129765621272702107522001",
    ),
    ("10^{100}, 10^{0.01}", "10^{0.01}, 10^{100}"),
    (
        "2 \\cdot 10^{50}",
        "200000000000000000000000000000000000000000000000000",
    ),
    ("30!", "265252859812191058636308480000000"),
    // Large values that are not whole numbers keep the tolerance.
    ("10^{20}\\sqrt{2}", "\\sqrt{2} \\cdot 10^{20}"),
];

/// Near misses judged `Different` in both orders.
const DIFFERENT: &[(&str, &str)] = &[
    ("x < 3", "(-\\infty, 3]"),
    ("x<1 \\text{ or } x>2", "(-\\infty,1]\\cup(2,\\infty)"),
    // "and" is not "or": overlapping pieces are not read as a union.
    ("x > 1 \\text{ and } x < 5", "(1,\\infty)\\cup(-\\infty,5)"),
    ("x \\neq 2", "(-\\infty,3)\\cup(3,\\infty)"),
    ("\\{(1,2),(3,4)\\}", "(1,2),(3,5)"),
    ("(1,2),(3,4)", "(1,2)"),
    (
        "\\left(\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right)",
        "\\begin{pmatrix}1 & 2\\\\3 & 5\\end{pmatrix}",
    ),
    ("\\textbf{(B) } 7", "\\text{(C)}"),
    ("\\text{(C) } 12", "13"),
    ("\\cos 60^\\circ", "\\frac{\\sqrt{3}}{2}"),
    ("\\langle 1, 2, 3 \\rangle", "(1,3,2)"),
    ("\\text{all real numbers}", "(0,\\infty)"),
    ("\\text{no solution}", "\\{0\\}"),
    // Past 2^53 a float cannot tell neighbouring integers apart: residues do.
    (
        "3^{100}",
        "515377520732011331036461129765621272702107522000",
    ),
    ("10^{100}", "10^{100} + 1"),
    ("30!", "265252859812191058636308480000001"),
    ("2^{60}", "1152921504606846977"),
];

/// Pairs nothing can be said about.
const UNKNOWN: &[(&str, &str)] = &[("", "5"), ("\\$", "5"), ("$$", "x < 3")];

#[test]
fn equal_pairs_are_equal_both_ways() {
    for (a, b) in EQUAL {
        assert_eq!(compare(a, b), Equivalence::Equal, "{a} vs {b}");
        assert_eq!(compare(b, a), Equivalence::Equal, "{b} vs {a}");
    }
}

#[test]
fn near_misses_are_different_both_ways() {
    for (a, b) in DIFFERENT {
        assert_eq!(compare(a, b), Equivalence::Different, "{a} vs {b}");
        assert_eq!(compare(b, a), Equivalence::Different, "{b} vs {a}");
    }
}

#[test]
fn out_of_scope_pairs_are_unknown() {
    for (a, b) in UNKNOWN {
        assert_eq!(compare(a, b), Equivalence::Unknown, "{a:?} vs {b:?}");
        assert_eq!(compare(b, a), Equivalence::Unknown, "{b:?} vs {a:?}");
    }
}

/// (solution text, extracted answer), by kind.
const EXTRACT: &[(&str, Option<&str>)] = &[
    // Several inline maths after the closing sentence's copula are the answer together.
    (
        "Work.\nThus, the integer values of \\(x\\) that satisfy the inequality are \\(-1, 0,\\) and \\(1\\).",
        Some("-1, 0, 1"),
    ),
    (
        "Work.\nThe solutions are $x = 2$ and $x = -3$.",
        Some("x = 2, x = -3"),
    ),
    // A concluding sentence whose subject is the number it opens with.
    (
        "Work.\nTherefore, 20 workers are needed to produce \\(\\frac{720}{K}\\) widgets in 4 hours.",
        Some("20"),
    ),
    (
        "Work.\nTherefore, 5 is the smallest value of $n$ with $n^2 > 20$.",
        Some("5"),
    ),
    // ... but not a number that is part of the calculation or a share.
    (
        "Work.\nSo 4 people each get $\\frac{1}{4}$ of the pizza.",
        Some("\\frac{1}{4}"),
    ),
    ("Work.\nSo, 2 times $x$ is $14$.", Some("14")),
    // A closing bulleted list of named values states them all.
    (
        "Work.\nSummary of Solutions:\n- \\( d(6) = \\frac{1}{3} \\)\n- \\( d(16) = 1 \\)\n- \\( d(72) = \\frac{1}{9} \\)",
        Some("d(6) = \\frac{1}{3}, d(16) = 1, d(72) = \\frac{1}{9}"),
    ),
    // ... not bullets holding calculations in words, nor a single bullet.
    (
        "Work.\n- \\( x = 2 \\) is too small\n- so \\( x = 3 \\)",
        Some("3"),
    ),
    ("Work.\nSo:\n- \\( x = 2 \\)", Some("2")),
    // A copula echoed in parentheses (`is (are)`) before the value.
    (
        "Work.\n- Hence, the house(s) with a number less than 100 that is (are) closest to City Hall is (are) 81.",
        Some("81"),
    ),
    // An introduced display followed by a closing remark.
    (
        "Work.\nTherefore, the polynomial \\(p(x)\\) is:\n\\[\np(x) = \\frac{x(x - 1)}{6}\n\\]\nThis solution ensures that \\(p\\) works for all \\(m > 4\\).",
        Some("\\frac{x(x - 1)}{6}"),
    ),
    // ... but not a display the remark goes on calculating from, nor one without an intro.
    (
        "Work.\nSo:\n\\[\nx = 5\n\\]\nThen we check \\(2x = 10\\).",
        Some("10"),
    ),
    (
        "Work.\nWe compute\n\\[\nx = 5\n\\]\nwhich is what we wanted.",
        None,
    ),
    // Boxed lists joined by "and" stay apart; boxed single values are listed.
    (
        "Work.\nThus, the two sequences are: \\[ \\boxed{10, 11, 12} \\quad \\text{and} \\quad \\boxed{-2, -1, 0} \\]",
        Some("\\{10, 11, 12\\}, \\{-2, -1, 0\\}"),
    ),
    ("Work.\nThe roots are $\\boxed{2}$ and $\\boxed{3}$.", Some("2, 3")),
    (
        "Work.\nSo the pairs are $\\boxed{(1,2)}$ and $\\boxed{(3,4)}$.",
        Some("(1,2), (3,4)"),
    ),
];

#[test]
fn extraction_kinds() {
    for (text, want) in EXTRACT {
        assert_eq!(extract_answer(text).as_deref(), *want, "{text}");
    }
}

#[test]
fn closing_value_list_compares_with_the_values() {
    let list = extract_answer(
        "Work.\nSummary:\n- \\( d(6) = \\frac{1}{3} \\)\n- \\( d(16) = 1 \\)\n- \\( d(72) = \\frac{1}{9} \\)",
    )
    .expect("an answer");
    assert_eq!(
        compare(&list, "\\frac{1}{3}, 1, \\frac{1}{9}"),
        Equivalence::Equal
    );
    assert_eq!(
        compare(&list, "\\frac{1}{3}, 1, \\frac{1}{3}"),
        Equivalence::Different
    );
}

#[test]
fn joined_boxed_lists_compare_as_the_lists_written_in_braces() {
    let joined = extract_answer(
        "So: \\[ \\boxed{10, 11, 12, 13, 14} \\quad \\text{and} \\quad \\boxed{-2, -1, 0, 1, 2} \\]",
    )
    .expect("an answer");
    assert_eq!(
        compare(&joined, "\\{10, 11, 12, 13, 14\\}, \\{-2, -1, 0, 1, 2\\}"),
        Equivalence::Equal
    );
    assert_eq!(
        compare(&joined, "\\{10, 11, 12, 13, 14\\}, \\{-2, -1, 0, 1, 3\\}"),
        Equivalence::Different
    );
}
