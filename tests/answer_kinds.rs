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

/// Pairs nothing can be said about: an empty answer, an empty box, only delimiters.
const UNKNOWN: &[(&str, &str)] = &[
    ("", "5"),
    ("\\$", "5"),
    ("$$", "x < 3"),
    ("\\boxed{}", "\\frac12"),
    ("\\( \\)", "\\text{(C)}"),
    ("\\text{ }", "1011_2"),
];

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

/// Answer forms of MATH-level solutions (Hendrycks MATH references and model answers), judged
/// `Equal` in both orders: `(answer, reference)`.
const MATH_EQUAL: &[(&str, &str)] = &[
    // Fraction commands and shorthand, exact decimals, mixed numbers.
    ("\\dfrac{1}{2}", "\\frac12"),
    ("\\tfrac{3}{4}", "0.75"),
    ("\\frac{1}2", "0.5"),
    ("\\frac 12", "\\frac{1}{2}"),
    ("\\frac{7}{2}", "3\\frac{1}{2}"),
    ("-\\frac{1}{2}", "\\frac{-1}{2}"),
    ("\\frac{3}{-4}", "-0.75"),
    ("6.0", "6"),
    // Percent: `p\\%` is `p/100` and also `p` (the number before the sign).
    ("50\\%", "0.5"),
    ("50\\%", "50"),
    // Currency, units, degrees.
    ("\\$5.00", "5"),
    ("\\$1.50", "1.5"),
    ("\\$ 1,\\!000", "1000"),
    ("5\\text{ cm}", "5"),
    ("5 \\mbox{ inches}", "5"),
    ("12\\text{ square units}", "12"),
    ("4\\sqrt{2}\\text{ cm}", "4\\sqrt2"),
    ("5^\\circ", "5"),
    ("90^{\\circ}", "90"),
    // A named value against the value.
    ("x=5", "5"),
    ("k = 3", "3"),
    // The same expression once its name is dropped.
    ("y = 2x+3", "2x+3"),
    ("f(x) = 2x", "2x"),
    // Thousands separators; a comma between digits otherwise lists (`1,2`).
    ("1{,}000", "1000"),
    ("1,000", "1000"),
    ("1\\,000", "1000"),
    ("1,\\!000,\\!000", "1000000"),
    ("1,2", "1, 2"),
    ("\\{1,2\\}", "1, 2"),
    ("\\{1,2\\}", "2, 1"),
    ("x=-2, x=3", "3, -2"),
    ("\\pm 2", "2, -2"),
    // Intervals and unions.
    ("[2,5)", "[2, 5)"),
    (
        "(-\\infty, 3] \\cup [4, \\infty)",
        "(-\\infty,3]\\cup[4,\\infty)",
    ),
    ("x \\in [2,5)", "[2,5)"),
    // Radicals, π, complex numbers, logarithms, repeating decimals.
    ("2\\sqrt{3}", "\\sqrt{12}"),
    ("\\sqrt[3]{8}", "2"),
    ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt3}"),
    ("\\sqrt{2}/2", "\\frac{\\sqrt2}{2}"),
    ("\\frac{1+\\sqrt5}{2}", "\\frac{\\sqrt{5}+1}{2}"),
    ("2+\\sqrt3", "\\sqrt3+2"),
    ("\\sqrt{2}", "2^{1/2}"),
    ("\\pi/2", "\\frac{\\pi}{2}"),
    ("3\\pi", "3 \\pi"),
    ("\\frac{1}{4}\\pi", "\\frac{\\pi}{4}"),
    ("e^{i\\pi}", "-1"),
    ("3+4i", "4i+3"),
    ("\\log_2 8", "3"),
    ("0.\\overline{3}", "\\frac13"),
    // Numerals in a base: the same digits (with or without the base).
    ("(1011)_2", "1011_2"),
    ("1011_2", "1011"),
    // Choices, text answers, ∞, ∅, matrices, tuples, spacing commands, a trailing period.
    ("\\text{(A)}", "A"),
    ("\\textbf{(C)}", "C"),
    ("(C)", "\\text{C}"),
    ("\\text{Evelyn}", "Evelyn"),
    ("\\text{odd}", "odd"),
    ("\\infty", "\\infty"),
    ("\\emptyset", "\\varnothing"),
    (
        "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
        "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
    ),
    (
        "\\begin{pmatrix} -1 & 2 \\\\ 0 & \\frac12 \\end{pmatrix}",
        "\\begin{pmatrix}-1&2\\\\0&0.5\\end{pmatrix}",
    ),
    ("(1, 2)", "(1,2)"),
    ("\\left( 1, \\frac{1}{2} \\right)", "(1,0.5)"),
    ("\\!5", "5"),
    ("\\displaystyle\\frac12", "0.5"),
    ("5.", "5"),
    ("~5", "5"),
    ("\\boxed{5}", "5"),
    // More wrappers and lists.
    ("\\text{\\$}18", "18"),
    ("1\\frac{1}{2}\\text{ hours}", "1.5"),
    ("30\\text{ degrees}", "30"),
    ("\\sqrt{-4}", "2i"),
    ("\\left\\{ 1, 2 \\right\\}", "\\{2,1\\}"),
    ("7\\text{ and }8", "8, 7"),
    ("\\text{Sunday}", "\\text{sunday}"),
    ("A, C", "\\text{(C), (A)}"),
    ("\\frac{1}{2}", "0.50"),
    ("1/2", ".5"),
    ("\\mbox{odd}", "\\text{odd}"),
    ("10^{-3}", "0.001"),
    (
        "\\frac{-1 \\pm \\sqrt{5}}{2}",
        "\\frac{-1-\\sqrt5}{2}, \\frac{-1+\\sqrt5}{2}",
    ),
    ("1011_{2}", "(1011)_2"),
    ("A3_{16}", "A3"),
    ("0_{2}", "0"),
    ("5\\text{\\%}", "0.05"),
    ("5\\text{ percent}", "5\\%"),
    // Further MATH forms: radicals and π, singleton sets, intervals, choices, named
    // angles and segments, units of the same name, \\pm lists, binomials and factorials.
    ("\\frac{9}{4}\\pi", "\\frac{9\\pi}{4}"),
    ("\\sqrt{3}/3", "\\frac{\\sqrt3}{3}"),
    ("-\\frac{\\sqrt{3}}{2}", "-\\sqrt3/2"),
    ("\\frac{1}{2}, \\frac{1}{3}", "\\frac13, \\frac12"),
    ("(3, -1)", "\\left(3,-1\\right)"),
    ("\\left[ 0, 1 \\right]", "[0,1]"),
    ("(-\\infty,0)\\cup(0,\\infty)", "x \\neq 0"),
    ("\\{-1\\}", "-1"),
    ("\\sqrt{\\frac{1}{2}}", "\\frac{\\sqrt2}{2}"),
    ("\\infty", "+\\infty"),
    ("\\text{none}", "\\text{None}"),
    ("(0, \\frac{1}{2}]", "(0, 0.5]"),
    ("\\$18.90", "18.9"),
    ("1.\\overline{6}", "\\frac{5}{3}"),
    ("\\binom{10}{3}", "120"),
    ("\\frac{6!}{2!}", "360"),
    ("\\cos \\frac{\\pi}{3}", "\\frac12"),
    ("i", "\\sqrt{-1}"),
    ("1 - i", "-i + 1"),
    (
        "\\frac{1}{2} + \\frac{\\sqrt{3}}{2} i",
        "\\frac{1+i\\sqrt3}{2}",
    ),
    ("\\text{(E)}", "E"),
    ("\\mathrm{(B)}", "B"),
    ("\\textbf{(D) }\\frac{1}{2}", "D"),
    ("\\angle A = 30^\\circ", "30"),
    ("m\\angle ABC = 45^\\circ", "45"),
    ("AB = 5", "5"),
    ("5\\sqrt{2}\\text{ units}", "5\\sqrt2"),
    ("3\\text{ ft}^2", "3"),
    ("a+b = 10", "10"),
    ("12{,}345{,}678", "12345678"),
    ("-5, 5", "\\pm 5"),
    ("x=\\pm 5", "5, -5"),
    ("0.5\\%", "0.005"),
    ("\\frac{1}{2}\\text{ inch}", "\\frac12\\text{ inches}"),
    ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"),
    ("\\log_{2} 8", "3"),
    ("\\text{Friday}", "Friday"),
    ("x \\in \\{1, 2\\}", "\\{2,1\\}"),
    ("(1,2)", "\\left\\langle 1,2 \\right\\rangle"),
    ("1\\frac{1}{2}", "\\frac32"),
    ("\\frac{3}{2}\\text{ hours}", "1.5"),
    ("\\frac{1}{3}\\%", "\\frac{1}{300}"),
    ("2\\times 10^3", "2000"),
    ("2 \\cdot 10^{3}", "2000"),
    ("\\left(\\frac{1}{2}, \\frac{3}{4}\\right)", "(0.5, 0.75)"),
    ("x=1 \\text{ or } x=2", "1, 2"),
    ("1 \\text{ and } 2", "2, 1"),
    ("\\$\\frac{1}{2}", "0.5"),
    ("\\text{all } x", "(-\\infty, \\infty)"),
    // An inverse function named on the left; a solution list in words against `\\pm`.
    ("f^{-1}(x) = \\frac{x-3}{2}", "\\frac{x-3}{2}"),
    ("x = 3 \\text{ or } x = -3", "\\pm 3"),
    ("\\text{(B)}\\ 12", "B"),
    // Polynomials with rational coefficients, proved identical on an exact grid.
    ("y = 2x+3", "y=3+2x"),
    ("y=-\\frac{1}{2}x+3", "y = -0.5x + 3"),
    ("(x+1)^2", "x^2+2x+1"),
    ("\\frac{x+1}{2}", "\\frac{1}{2}x+\\frac12"),
    ("f^{-1}(x)=2x+1", "1+2x"),
    ("(a+b)^2", "a^2+2ab+b^2"),
    ("x^2-4", "(x-2)(x+2)"),
];

/// Near misses among MATH-level answer forms, judged `Different` in both orders.
const MATH_DIFFERENT: &[(&str, &str)] = &[
    // Values that differ in a digit, an end, a sign, a base or an operator.
    ("\\frac12", "0.51"),
    ("\\dfrac{1}{2}", "\\frac{2}{1}"),
    ("\\frac 12", "12"),
    ("1,2", "12"),
    ("1,2", "1.2"),
    ("\\$5.01", "5"),
    ("5\\text{ cm}", "6"),
    ("5^\\circ", "6"),
    ("x=5", "y=5"),
    ("y=2x+3", "y=3x+2"),
    ("(x+1)^2", "x^2+x+1"),
    ("\\{1,2\\}", "\\{1,2,3\\}"),
    ("(1,2)", "(2,1)"),
    ("[2,5)", "[2,5]"),
    ("[2,5)", "(2,5)"),
    (
        "(-\\infty, 3] \\cup [4, \\infty)",
        "(-\\infty,3)\\cup[4,\\infty)",
    ),
    ("2\\sqrt{3}", "\\sqrt{13}"),
    ("\\sqrt[3]{8}", "\\sqrt{8}"),
    ("\\frac{\\sqrt3}{3}", "\\frac{\\sqrt2}{2}"),
    ("3\\pi", "3"),
    ("\\frac{\\pi}{2}", "\\frac{\\pi}{3}"),
    ("e^{i\\pi}", "1"),
    ("1011_2", "1101_2"),
    ("1011_2", "11"),
    ("1011_2", "1011_3"),
    ("\\text{(A)}", "B"),
    ("\\text{Evelyn}", "\\text{Evely}"),
    ("\\text{odd}", "\\text{even}"),
    ("\\infty", "-\\infty"),
    ("\\emptyset", "\\{0\\}"),
    (
        "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
        "\\begin{pmatrix}2\\\\1\\end{pmatrix}",
    ),
    ("50\\%", "5"),
    ("10^{-3}", "10^{3}"),
    ("\\frac{\\pi}{3}", "60^\\circ"),
    // A comma between digits is never a decimal comma.
    ("1,22", "1.22"),
    ("0,5", "0.5"),
    ("1000,99", "1000.99"),
    // A numeral in a base is not its value written otherwise (the problem asks for the base).
    ("1011_2", "2^3+3"),
    ("\\frac{1}{2}", "\\frac{1}{2}x"),
    ("5\\%", "0.5"),
    ("\\sqrt{-4}", "-2i"),
    ("A3_{16}", "A4_{16}"),
    ("\\text{Devon}", "\\text{Devon and Ed}"),
    ("7\\text{ and }8", "7"),
    ("e^{i\\pi/2}", "-1"),
    ("1.0000000001", "1"),
    // Unparsed maths compared as text keeps its operators.
    ("\\vec{a}+\\vec{b}", "\\vec{a}\\vec{b}"),
    ("\\overline{AB}^2", "\\overline{AB}2"),
    // Different known units, a set against one member, a list against part of it.
    ("\\{-1\\}", "1"),
    ("\\{1, 2\\}", "1"),
    ("i", "-i"),
    ("\\text{none}", "0"),
    ("(0,1]", "(0,1)"),
    ("-5, 5", "5"),
    ("\\binom{10}{3}", "720"),
    ("1.5", "1\\frac{1}{3}"),
    ("AB = 5", "AC = 5"),
    ("3 \\text{ ft}", "3 \\text{ in}"),
    ("5\\text{ cm}", "5\\text{ m}"),
    ("2\\text{ hours}", "2\\text{ minutes}"),
    ("\\text{(A)}", "\\text{(A), (B)}"),
    ("x=1", "x=1, x=2"),
    ("\\frac{1}{2}", "\\frac{1}{2}, 1"),
    ("(1,2)", "\\{1,2,3\\}"),
    ("\\text{Friday}", "\\text{Thursday}"),
    // Functions that differ; a list is not the number its digits spell.
    ("\\frac{x}{2}", "\\frac{2}{x}"),
    ("2x", "2y"),
    ("\\text{yes}", "\\text{no}"),
    ("f^{-1}(x) = \\frac{x-3}{2}", "\\frac{x+3}{2}"),
    ("1,234", "1, 234"),
    // Polynomials that differ only in one coefficient or a high power.
    ("(a+b)^2", "a^2+ab+b^2"),
    ("x^{12}", "x^{12}+x^{11}-x^{11}+1"),
    ("x^3-x", "0"),
];

/// MATH-style solution endings and the answer extracted from them.
const MATH_EXTRACT: &[(&str, Option<&str>)] = &[
    (
        "Work.\nFinal Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.",
        Some("\\frac{1}{2}"),
    ),
    (
        "Work.\nFinal Answer: The final answer is $12$. I hope it is correct.",
        Some("12"),
    ),
    (
        "Work.\nFinal Answer: The final answer is $(1,2)$. I hope it is correct.",
        Some("(1,2)"),
    ),
    ("Work.\n**Answer:** 42", Some("42")),
    ("Work.\n**Answer:** $x = 3$.", Some("x = 3")),
    (
        "Work.\nThe answer is $\\boxed{\\text{(C)}}$.",
        Some("\\text{(C)}"),
    ),
    ("Work. So the total is $\\fbox{17}$.", Some("17")),
    ("Work.\nThe answer is 7.", Some("7")),
    ("Work.\nThe answer is $\\frac{3}{4}$.", Some("\\frac{3}{4}")),
    ("So $x = \\boxed{\\dfrac{5}{2}}$.", Some("\\dfrac{5}{2}")),
    (
        "So the answer is $\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}$.",
        Some("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"),
    ),
    ("Thus the interval is $\\boxed{[2,5)}$.", Some("[2,5)")),
    (
        "Work.\nFinal Answer: The final answer is $x=3$. I hope it is correct.",
        Some("x=3"),
    ),
    (
        "Work.\nFinal Answer: The final answer is 5. I hope it is correct.",
        Some("5"),
    ),
    (
        "Work.\nFinal Answer: The final answer is $3.5$. I hope it is correct.",
        Some("3.5"),
    ),
    (
        "Work.\n**Answer:** \\(\\frac{1}{2}\\)",
        Some("\\frac{1}{2}"),
    ),
    ("Work.\nAnswer: $\\frac{1}{2}$", Some("\\frac{1}{2}")),
    (
        "Work.\n**Final Answer**\n\n\\[\n\\boxed{\\frac{1}{\\sqrt{2}}}\n\\]",
        Some("\\frac{1}{\\sqrt{2}}"),
    ),
    ("So the answer is $\\boxed 5$.", Some("5")),
    ("Work.\nThe answer is: 5", Some("5")),
    (
        "Work.\nFinal Answer: The final answer is $\\$18.90$. I hope it is correct.",
        Some("\\$18.90"),
    ),
    ("Work.\nThe answer is $\\frac{1}{2}.$", Some("\\frac{1}{2}")),
    ("Thus $x = \\boxed{3}$ cm.", Some("3")),
    (
        "So $\\boxed{x = 3 \\text{ or } x = -3}$.",
        Some("x = 3 \\text{ or } x = -3"),
    ),
    (
        "Work.\nTherefore, the answer is $\\boxed{\\textbf{(D)}}$",
        Some("\\textbf{(D)}"),
    ),
];

/// MATH answers with variables that are not polynomials: equal as functions at every sample
/// point (`ProbablyEqual`, never `Equal`), both orders; and decimals equal to a value only in
/// the digits shown.
const MATH_PROBABLY_EQUAL: &[(&str, &str)] = &[
    // Not polynomials: a root of a variable, a variable in a denominator.
    ("\\sqrt{x}+1", "1+\\sqrt{x}"),
    ("\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}"),
    // Equations of the same curve, up to a constant factor.
    ("(x-1)^2 + (y-2)^2 = 9", "x^2 - 2x + y^2 - 4y - 4 = 0"),
    ("y = -x + 2", "x + y = 2"),
    // A decimal whose shown digits agree with the value rounded is not the same number.
    ("0.33", "\\frac{1}{3}"),
    ("3.14", "\\pi"),
    ("\\frac{\\sqrt{3}}{2}", "0.866"),
];

#[test]
fn math_forms_are_equal_both_ways() {
    for (a, b) in MATH_EQUAL {
        assert_eq!(compare(a, b), Equivalence::Equal, "{a} vs {b}");
        assert_eq!(compare(b, a), Equivalence::Equal, "{b} vs {a}");
    }
}

#[test]
fn math_forms_with_variables_or_rounding_are_probably_equal() {
    for (a, b) in MATH_PROBABLY_EQUAL {
        assert_eq!(compare(a, b), Equivalence::ProbablyEqual, "{a} vs {b}");
        assert_eq!(compare(b, a), Equivalence::ProbablyEqual, "{b} vs {a}");
    }
}

#[test]
fn math_near_misses_are_different_both_ways() {
    for (a, b) in MATH_DIFFERENT {
        assert_eq!(compare(a, b), Equivalence::Different, "{a} vs {b}");
        assert_eq!(compare(b, a), Equivalence::Different, "{b} vs {a}");
    }
}

#[test]
fn math_extraction_kinds() {
    for (text, want) in MATH_EXTRACT {
        assert_eq!(extract_answer(text).as_deref(), *want, "{text}");
    }
}

/// MATH-style endings through extraction and equivalence together.
#[test]
fn math_extraction_then_equivalence() {
    let minerva = "Work.\nFinal Answer: The final answer is $\\dfrac{1}{2}$. I hope it is correct.";
    let a = extract_answer(minerva).expect("an answer");
    assert_eq!(compare(&a, "0.5"), Equivalence::Equal);
    assert_eq!(compare(&a, "0.51"), Equivalence::Different);
    let base = extract_answer("So $11 = \\boxed{1011_2}$.").expect("an answer");
    assert_eq!(compare(&base, "1011_{2}"), Equivalence::Equal);
    assert_eq!(compare(&base, "11"), Equivalence::Different);
}

/// Stacked choice labels (`(A) (A) … 12`, hostile) are one label's worth of work: compared
/// without a deep recursion, and not read as the option's value.
#[test]
fn stacked_choice_labels_are_not_an_option_value() {
    let stacked = format!("{}12", "(A) ".repeat(450));
    assert_ne!(compare(&stacked, "12"), Equivalence::Equal);
    assert_eq!(compare("(A) 12", "12"), Equivalence::Equal);
}
