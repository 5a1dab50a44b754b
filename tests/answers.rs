//! Final answers as people write them: extraction (`chain::extract_answer`) and equivalence
//! (`verify::answer`), table-driven over hand-written cases (MATH-style LaTeX, GSM8K, prose).

use proptest::prelude::*;
use vibecheck::chain::extract_answer;
use vibecheck::verify::answer::{compare, equivalent, Equivalence};

/// (solution text, expected extracted answer).
const EXTRACT: &[(&str, Option<&str>)] = &[
    ("so $\\boxed{5}$.", Some("5")),
    ("first \\boxed{3} then \\boxed{4}", Some("4")),
    (
        "nested \\boxed{\\frac{1}{\\sqrt{2}}}",
        Some("\\frac{1}{\\sqrt{2}}"),
    ),
    ("so \\boxed{x=5}", Some("x=5")),
    ("roots $\\boxed{2}$ and $\\boxed{3}$", Some("2, 3")),
    ("so \\fbox{7}", Some("7")),
    ("So \\boxed{3}.\n\nThus \\boxed{3}", Some("3")),
    ("So $\\boxed{3}$ and $\\boxed{3}$", Some("3")),
    ("\\boxed{2}\n\\boxed{5}", Some("5")),
    ("\\boxed 9 is it", Some("9")),
    (
        "Work.\nThe final answer is $\\frac{3}{4}$. I hope it is correct.",
        Some("\\frac{3}{4}"),
    ),
    ("Therefore, the final answer is: $\\boxed{12}$.", Some("12")),
    ("Work.\n**Answer:** 42", Some("42")),
    (
        "Work.\n**Final Answer:** The values of \\(x\\) for which \\(f(x) = g(x)\\) are \\(x = 5\\) and \\(x = -2\\).",
        Some("x = 5, x = -2"),
    ),
    (
        "Work.\nFinal answer: the smallest such number is $12$.",
        Some("12"),
    ),
    (
        "Work.\nFinal answer: The count of \\(n\\) is \\(5\\) for all cases.",
        Some("The count of \\(n\\) is \\(5\\) for all cases"),
    ),
    ("Work.\n**Final Answer:** $x = 2$", Some("x = 2")),
    ("Work.\n#### 72", Some("72")),
    ("Work.\n#### 1,000", Some("1,000")),
    ("x\nA: 18", Some("18")),
    ("The answer is 3.5.", Some("3.5")),
    ("nothing here", None),
    ("<think>\\boxed{3}</think> so \\boxed{4}", Some("4")),
    ("The answer is $\\boxed{\\text{(C)}}$", Some("\\text{(C)}")),
    ("unclosed \\boxed{3", None),
    ("Adding.\nTotal_distance = 2 * 40 = 80.", Some("80")),
    ("So the angle is:\n∠ACB = 45°.", Some("45°")),
    ("2 + 2 = 4", None),
    ("Hence\n\\[ x = \\frac{170}{3} \\]", Some("\\frac{170}{3}")),
    ("Therefore, $x^3 = 12$.", Some("12")),
    // A concluding sentence that states one number.
    (
        "Work.\n\nSo, after all his transactions, Raymond has $8 left.",
        Some("8"),
    ),
    (
        "Work.\n\nTherefore, the restaurant's tables have a total of 310 legs.",
        Some("310"),
    ),
    (
        "Work.\n\nTherefore, the total cost for the installations will be \\$324.",
        Some("324"),
    ),
    (
        "Work.\nSo, it took James 2 hours to walk to the store.",
        Some("2"),
    ),
    // Two numbers, a label, or no cue: which number is the answer is not said.
    ("Work.\nSo he has 3 red and 4 blue boxes.", None),
    ("Work.\nThus part 2 is proved.", None),
    ("Work.\nRaymond has $8 left.", None),
    // ` is ` followed by a number and a long tail: that number.
    (
        "Work.\nElvis is 54 miles east of his house after completing his journey.",
        Some("54"),
    ),
    // A sentence after an answer marker: its one number.
    (
        "Work.\n**Answer:** Verna received $7.00 in change.",
        Some("7.00"),
    ),
    (
        "Work.\nAnswer: 4 blue boxes and 6 red boxes",
        Some("4 blue boxes and 6 red boxes"),
    ),
    ("Work.\nAnswer: 7 dollars", Some("7 dollars")),
    // A markdown heading `#### …` is not GSM8K's `#### N`.
    (
        "#### For \\(T = 3\\):\nWork.\n\n### Final Answer\nThe product is **6**.",
        Some("6"),
    ),
    ("Work.\n#### 72\n\n#### Check\nDone.", Some("72")),
];

/// (a, b, equivalent?).
const EQUIV: &[(&str, &str, bool)] = &[
    // fractions
    ("\\dfrac{1}{2}", "\\frac{1}{2}", true),
    ("\\tfrac12", "0.5", true),
    ("\\frac12", "\\frac{1}{2}", true),
    ("\\frac{2}{4}", "1/2", true),
    ("\\frac{1}{3}", "0.3", false),
    ("\\frac{1}{3}", "0.33", true),
    ("-\\frac{1}{2}", "\\frac{-1}{2}", true),
    ("\\frac{3}{7}", "\\frac{4}{7}", false),
    // radicals, pi
    ("\\sqrt{2}", "\\sqrt2", true),
    ("2\\sqrt{3}", "\\sqrt{12}", true),
    ("2\\sqrt3", "\\sqrt{12}", true),
    ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true),
    ("\\sqrt{2}", "\\sqrt{3}", false),
    ("2\\pi", "\\pi \\cdot 2", true),
    ("\\frac{\\pi}{2}", "\\frac{\\pi}{3}", false),
    ("4\\pi", "4 \\pi", true),
    // degrees
    ("90^\\circ", "90", true),
    ("90^{\\circ}", "90", true),
    ("90°", "90", true),
    ("45 degrees", "45", true),
    ("45^\\circ", "46", false),
    // percent: `50%` matches `50` and `0.5` (a percentage answer may be written either way)
    ("50\\%", "50", true),
    ("50\\%", "0.5", true),
    ("50 percent", "50", true),
    ("50\\%", "5", false),
    // units and words
    ("5\\text{ cm}", "5", true),
    ("5 \\mbox{ cm}", "5", true),
    ("15\\text{ cm}^2", "15", true),
    ("5 apples", "5", true),
    ("\\$5", "5", true),
    ("\\$18.90", "18.9", true),
    ("5 dollars", "5", true),
    ("6 \\text{ inches}", "7", false),
    // thousands separators vs tuples
    ("1,000", "1000", true),
    ("1{,}000", "1000", true),
    ("1,\\!000", "1000", true),
    ("(1, 000)", "1000", false),
    ("1,000,000", "1000000", true),
    // brackets
    ("\\left( 1, 2 \\right)", "(1,2)", true),
    ("(1,2)", "(2,1)", false),
    ("(-\\infty, 3]", "(-\\infty,3]", true),
    ("(-\\infty, 3]", "(-\\infty,3)", false),
    ("[2, 5)", "[2,5)", true),
    (
        "(-\\infty, -2) \\cup (3, \\infty)",
        "(3,\\infty)\\cup(-\\infty,-2)",
        true,
    ),
    (
        "(-\\infty, -2) \\cup (3, \\infty)",
        "(-\\infty,-2)\\cup[3,\\infty)",
        false,
    ),
    ("\\{1,2\\}", "\\{2,1\\}", true),
    ("\\{1,2\\}", "\\{1,3\\}", false),
    ("(3, -1)", "(3,-1)", true),
    ("(\\frac{1}{2}, 3)", "(0.5, 3)", true),
    // multiple answers
    ("x=2, x=3", "2, 3", true),
    ("x=2 \\text{ or } x=3", "3, 2", true),
    ("2, 3", "3, 2", true),
    ("2, 3", "2", false),
    ("x = 5", "5", true),
    ("y = 5", "x = 5", false),
    ("1 \\pm \\sqrt{2}", "1+\\sqrt{2}, 1-\\sqrt{2}", true),
    ("1 \\pm \\sqrt{2}", "1+\\sqrt{2}", false),
    // scientific notation, mixed numbers, infinity, complex
    ("3 \\times 10^{5}", "300000", true),
    ("3\\times10^5", "300000", true),
    ("1.5e3", "1500", true),
    ("2\\frac{1}{2}", "\\frac{5}{2}", true),
    ("2 \\frac{1}{2}", "2.5", true),
    ("\\infty", "\\infty", true),
    ("\\infty", "-\\infty", false),
    ("3+2i", "2i+3", true),
    ("3+2i", "3-2i", false),
    ("(1+i)^2", "2i", true),
    ("\\frac{1}{i}", "-i", true),
    (
        "\\frac{1}{2} + \\frac{\\sqrt{3}}{2}i",
        "\\frac{1+i\\sqrt{3}}{2}",
        true,
    ),
    // matrices
    (
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}",
        true,
    ),
    (
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\begin{pmatrix}1&2\\\\4&3\\end{pmatrix}",
        false,
    ),
    (
        "\\begin{pmatrix} \\frac{1}{2} \\\\ 3 \\end{pmatrix}",
        "\\begin{pmatrix} 0.5 \\\\ 3 \\end{pmatrix}",
        true,
    ),
    // expressions
    ("x^2+2x+1", "(x+1)^2", true),
    ("x^2+2x+1", "(x+1)^3", false),
    ("\\frac{x+1}{2}", "\\frac{1}{2}x + \\frac12", true),
    ("2x", "2y", false),
    ("y = 2x + 3", "y=3+2x", true),
    ("a^2 - b^2", "(a-b)(a+b)", true),
    // text answers
    ("\\text{(C)}", "C", true),
    ("(C)", "\\textbf{(C)}", true),
    ("\\text{(C)}", "D", false),
    ("yes", "Yes", true),
    ("\\text{Yes}", "yes", true),
    ("yes", "no", false),
    ("\\text{Monday}", "Monday", true),
    // solution families: the closing `k ∈ ℤ` restates what a reference `kπ` means
    ("k\\pi, k \\in \\mathbb{Z}", "k\\pi", true),
    ("x = 2k\\pi \\quad (k \\in \\mathbb{Z})", "2\\pi k", true),
    (
        "\\frac{\\pi}{2} + n\\pi \\text{ for } n \\in \\mathbb{Z}",
        "\\frac{\\pi}{2}+n\\pi",
        true,
    ),
    ("2k\\pi, k \\in \\mathbb{Z}", "k\\pi", false),
    ("5, k \\in \\mathbb{Z}", "5", false),
    // families compared as sets: residues modulo the longest period
    (
        "\\frac{\\pi}{6} + k\\pi, -\\frac{\\pi}{6} + k\\pi",
        "\\frac{\\pi}{6} + k\\pi, \\frac{5\\pi}{6} + k\\pi \\text{ for } k \\in \\mathbb{Z}",
        true,
    ),
    (
        "\\frac{\\pi}{2} + k\\pi",
        "\\frac{\\pi}{2} + 2n\\pi, -\\frac{\\pi}{2} + 2n\\pi",
        true,
    ),
    ("\\frac{\\pi}{2} + k\\pi", "\\frac{\\pi}{2} + 2k\\pi", false),
    ("(2k+1)\\pi", "(2k-1)\\pi", true),
    ("n + 1", "n", false),
    ("2x", "2y", false),
    (
        "\\frac{\\pi}{6} + k\\pi, \\frac{\\pi}{3} + k\\pi",
        "\\frac{\\pi}{6} + k\\pi, \\frac{2\\pi}{3} + k\\pi",
        false,
    ),
    ("x = 2k\\pi", "2\\pi k", true),
    ("2k\\pi", "2\\pi k", true),
    ("2k\\pi", "2 k \\pi", true),
    ("2k\\pi \\quad (k \\in \\mathbb{Z})", "2\\pi k", true),
    // more MATH-style references
    ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", true),
    ("10\\%", "10", true),
    ("\\text{Evelyn}", "Evelyn", true),
    (
        "(-\\infty,-2]\\cup[2,\\infty)",
        "(-\\infty, -2] \\cup [2, \\infty)",
        true,
    ),
    ("x \\in [2, 5)", "[2,5)", true),
    ("\\frac{5}{3}\\pi", "\\frac{5\\pi}{3}", true),
    ("2^{10}", "1024", true),
    ("\\{-1, 2\\}", "-1, 2", true),
    ("6\\sqrt{2} \\text{ units}", "\\sqrt{72}", true),
    ("\\frac{3}{2} \\text{ square units}", "1.5", true),
    ("11,\\! 111", "11111", true),
    ("-\\frac{1}{2}", "-0.5", true),
    ("\\dfrac{7}{2}", "3.5", true),
    ("2, -2", "-2, 2", true),
    ("\\pm 2", "2, -2", true),
    ("\\left[ 1, 3 \\right)", "[1,3)", true),
    ("(-\\infty, \\infty)", "(-\\infty,\\infty)", true),
    ("\\sqrt[3]{8}", "2", true),
    ("5!", "120", true),
    ("\\mathbf{5}", "5", true),
    ("5 \\text{ cm}", "5\\text{cm}", true),
    ("x = 1, y = 2", "(1, 2)", true),
    ("0.5", "0.50", true),
    ("\\frac{a}{b}", "\\frac{b}{a}", false),
    ("\\$1{,}250", "1250", true),
    ("3.14", "\\pi", true),
    ("1.4", "\\sqrt{2}", false),
    ("f(x) = x + 1", "x+1", true),
    ("f(x) = x + 1", "g(x) = x + 1", false),
    ("x + y = 4027", "4027", true),
    ("2x = 4", "4", false),
    ("|r-s| = 16", "16", true),
    ("\\left( 3, \\ 6\\right)", "(3,6)", true),
    ("\\frac{1}{2} \\leq x \\leq 8", "[\\frac{1}{2}, 8]", true),
    ("x > 3", "(3, \\infty)", true),
    ("x \\ge -2", "[-2, \\infty)", true),
    ("x < 3", "(-\\infty, 3]", false),
    ("-1 < x \\le 2", "(-1, 2]", true),
    ("2x + 3y = 6", "3y + 2x = 6", true),
    ("2x + 3y = 6", "4x + 6y = 12", true),
    ("2x + 3y = 6", "2x + 3y = 7", false),
    ("x^2 + y^2 = 1", "y^2 = 1 - x^2", true),
    ("\\cfrac{1}{2}", "0.5", true),
    ("0.\\overline{3}", "\\frac{1}{3}", true),
    ("1.2\\overline{45}", "\\frac{137}{110}", true),
    ("0.\\overline{3}", "0.3", false),
    ("\\sqrt{2} \\approx 1.41", "\\sqrt{2}", true),
    ("x \\approx 3.14", "3.14", true),
    ("−5", "-5", true),
    ("2π", "2\\pi", true),
    ("3×10^5", "300000", true),
    ("90\\circ", "90", true),
    ("\\sqrt 2", "\\sqrt{2}", true),
    ("1/2 of the pie", "\\frac12", true),
    ("\\text{Alice and Bob}", "\\text{Bob and Alice}", true),
    ("5 \\text{ cm}^2", "5", true),
    ("\\frac{\\pi}{4}", "0.785", true),
    ("\\frac{\\pi}{4}", "0.786", false),
    (
        "\\frac{-1 \\pm \\sqrt{5}}{2}",
        "\\frac{-1+\\sqrt5}{2}, \\frac{-1-\\sqrt5}{2}",
        true,
    ),
    (
        "\\frac{-1 \\pm \\sqrt{5}}{2}",
        "\\frac{-1+\\sqrt5}{2}",
        false,
    ),
    ("x = 1 \\pm \\sqrt{2}", "1-\\sqrt2, 1+\\sqrt2", true),
    // plain
    ("72", "72", true),
    ("72", "72.0", true),
    ("72", "73", false),
    ("-5", "- 5", true),
    ("0.1", "\\frac{1}{10}", true),
    // a backslash left of a lost `$` before a number
    ("\\15", "15", true),
    ("\\15", "16", false),
    // a function's value at numbers names the value
    ("I(6,3) = 0", "0", true),
    ("f(2) = 5", "5", true),
    ("f(2) = 5", "f(3) = 5", false),
    ("x(2) = 6", "6", false),
    // named values: name by name, or in the order written against bare values
    (
        "(f(n), g(n)) = (n, 1)",
        "\\left( f(n) = n, g(n) = 1 \\right)",
        true,
    ),
    ("(f(n), g(n)) = (n, 1)", "(g(n) = 1, f(n) = n)", true),
    ("(f(n), g(n)) = (n, 1)", "(f(n) = 1, g(n) = n)", false),
    ("(a, b) = (1, 2)", "(b, a) = (1, 2)", false),
    ("(a, b) = (1, 2)", "(1, 2)", true),
    ("(a, b) = (1, 2)", "(2, 1)", false),
    ("a = 1, b = 2", "(1, 2)", true),
    ("(a, b) = (1, 2)", "(a, c) = (1, 2)", false),
];

#[test]
fn extraction_table() {
    let mut bad = Vec::new();
    for (text, want) in EXTRACT {
        let got = extract_answer(text);
        if got.as_deref() != *want {
            bad.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} extraction cases wrong:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn equivalence_table() {
    let mut bad = Vec::new();
    for (a, b, want) in EQUIV {
        for (x, y) in [(a, b), (b, a)] {
            let got = equivalent(x, y);
            if got != *want {
                bad.push(format!("{x:?} vs {y:?}: got {got}, want {want}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} equivalence cases wrong:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn extraction_then_equivalence() {
    // A MATH-style solution against its reference.
    let sol = "We get $x = \\dfrac{3}{6}$.\n\nThe final answer is $\\boxed{\\frac12}$. I hope it is correct.";
    assert!(equivalent(&extract_answer(sol).unwrap(), "0.5"));
    let sol = "Thus the interval is $\\boxed{\\left(-\\infty, 3\\right]}$.";
    assert!(equivalent(&extract_answer(sol).unwrap(), "(-\\infty,3]"));
}

#[test]
fn compare_says_how() {
    // Exact rational arithmetic: a proof.
    assert_eq!(compare("\\frac{2}{4}", "0.5"), Equivalence::Equal);
    // Symbolic with variables: agreement at sample points, reported as probable only.
    // Polynomials: proved identical on a grid of exact rational points.
    assert_eq!(compare("(x+1)^2", "x^2+2x+1"), Equivalence::Equal);
    assert_eq!(
        compare("\\sqrt{x}+1", "1+\\sqrt{x}"),
        Equivalence::ProbablyEqual
    );
    assert_eq!(compare("3", "4"), Equivalence::Different);
    assert_eq!(compare("x^2 + 1", "x^2+1"), Equivalence::Equal);
    assert_eq!(compare("2x+3y=6", "4x+6y=12"), Equivalence::ProbablyEqual);
    assert_eq!(compare("3+2i", "2i+3"), Equivalence::Equal);
    assert_eq!(compare("(1, 2)", "\\left(1,2\\right)"), Equivalence::Equal);
    assert_eq!(compare("", "4"), Equivalence::Unknown);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]
    /// Arbitrary text never panics extraction or comparison.
    #[test]
    fn never_panics(a in "[\\\\{}()\\[\\]0-9a-z,.=^_$%° +\\-*/|&!]{0,60}",
                    b in "\\PC{0,40}") {
        let _ = extract_answer(&a);
        let _ = extract_answer(&b);
        let _ = equivalent(&a, &b);
        let _ = compare(&b, &a);
        let boxed = format!("\\boxed{{{a}}}");
        if let Some(x) = extract_answer(&boxed) {
            let _ = equivalent(&x, &b);
        }
    }
}

#[test]
fn deep_nesting_and_long_input_do_not_panic() {
    let nested = format!("{}1,2{}", "(1,".repeat(600), ")".repeat(600));
    let _ = compare(&nested, &nested);
    let _ = compare(&nested, "(1,2)");
    let sets = format!("{}1{}", "\\{1,".repeat(300), "\\}".repeat(300));
    let _ = compare(&sets, &sets);
    let long = "1+".repeat(5000);
    assert_eq!(compare(&long, "2"), Equivalence::Unknown);
    let boxes = "$\\boxed{1}$ and ".repeat(100);
    assert!(extract_answer(&boxes).is_some());
}
