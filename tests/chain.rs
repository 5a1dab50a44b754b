//! Chain parsing (steps, items, final answer) and answer equivalence, through the library API.
//! No workers needed: these tests exercise `vibecheck::chain` and `vibecheck::verify::answer`.

use proptest::prelude::*;
use std::sync::mpsc::RecvTimeoutError;
use vibecheck::chain::expr::{parse_math, parse_relation, Expr};
use vibecheck::chain::{self, extract_answer, Item, MathItem, Rel};
use vibecheck::verify::answer::equivalent;

fn int(s: &str) -> Expr {
    Expr::Int(s.into())
}
fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// The math items of a single-step text.
fn math_items(text: &str) -> Vec<MathItem> {
    chain::extract_items(text)
        .into_iter()
        .filter_map(|i| match i {
            Item::Math(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn sources(text: &str) -> Vec<String> {
    math_items(text).into_iter().map(|m| m.source).collect()
}

#[test]
fn gsm8k_solution_steps_items_and_answer() {
    let text = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n\
                She makes 9 * 2 = $<<9*2=18>>18 every day at the farmer's market.\n#### 18";
    let c = chain::parse(text);
    assert_eq!(c.steps.len(), 3);
    assert_eq!(c.answer.as_deref(), Some("18"));
    // The annotation and the prose say the same thing: one item, not two.
    let m0: Vec<_> = c.steps[0].items.iter().collect();
    assert_eq!(m0.len(), 1, "{m0:?}");
    match m0[0] {
        Item::Math(m) => {
            assert_eq!(m.rels, vec![Rel::Eq]);
            assert_eq!(m.terms[1], int("9"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.steps[1].items.len(), 1);
    assert!(c.steps[2].items.is_empty());
}

#[test]
fn annotation_and_prose_that_differ_are_both_items() {
    // A wrong prose result next to a correct calculator annotation.
    let items = math_items("so 2 * 3 = <<2*3=6>>7 apples");
    assert_eq!(items.len(), 2, "{items:?}");
}

#[test]
fn step_labels_do_not_leak_into_math() {
    let c = chain::parse("Step 1: We add.\nStep 2: 3+4 = 7\nStep 3: so 7 * 2 = 14");
    assert_eq!(c.steps.len(), 3);
    let items = &c.steps[1].items;
    assert_eq!(items.len(), 1);
    let Item::Math(m) = &items[0] else { panic!() };
    assert_eq!(m.source, "3+4 = 7");
    assert_eq!(m.terms[0], Expr::Add(bx(int("3")), bx(int("4"))));
}

#[test]
fn prose_math_is_cut_at_words() {
    assert_eq!(sources("so 3 * 4 = 12 apples"), vec!["3 * 4 = 12"]);
    // Two assignments: definitions, not checkable claims.
    assert!(sources("x = 5 so y = 6").is_empty());
    assert!(sources("Let x = 5.").is_empty());
    // Two separate computations in one sentence.
    assert_eq!(
        sources("First 3 + 4 = 7, then 7 * 2 = 14."),
        vec!["3 + 4 = 7", "7 * 2 = 14"]
    );
    // A run that starts after an operator word loses its first term ("twice 3 + 4 = 14").
    assert!(sources("that is twice 3 + 4 = 14").is_empty());
    // Bare literal equalities claim nothing ("half of 10 = 5" cut to "10 = 5").
    assert!(sources("half of 10 = 5").is_empty());
    assert_eq!(
        sources("so 2 * 0.5 = 1 and 3^2 = 9 and gcd(12, 18) = 6."),
        vec!["2 * 0.5 = 1", "3^2 = 9", "gcd(12, 18) = 6"]
    );
    // Times written with x, and an 'x' variable in symbolic math.
    let it = math_items("It takes 2 x 0.5 = 1 bolt");
    assert_eq!(it.len(), 1);
    assert_eq!(
        it[0].terms[0],
        Expr::Mul(bx(int("2")), bx(Expr::Decimal("0.5".into())))
    );
}

#[test]
fn currency_thousands_percent_units() {
    let it = math_items("The cost was 80,000+50,000=$130,000 in total");
    assert_eq!(it.len(), 1);
    assert_eq!(it[0].terms[1], int("130000"));
    let it = math_items("She pays 20% * $50 = $10 today");
    assert_eq!(it.len(), 1);
    assert!(matches!(it[0].terms[0], Expr::Mul(..)));
    // A unit word between like quantities is skipped.
    let it = math_items("He ran 5 km + 3 km = 8 km today");
    assert_eq!(it.len(), 1, "{it:?}");
    assert_eq!(it[0].terms[1], int("8"));
    assert_eq!(sources("3 apples + 4 apples = 7 apples"), vec!["3 + 4 = 7"]);
    // Unlike quantities stay cut: "8 plants * 1/4 cup" is not one expression.
    let it = math_items("She needs 8 plants * 1/4 cup of water = 2 cups.");
    assert!(it.iter().all(|m| m.terms[0] != int("8")), "{it:?}");
    // A compound quantity's first part is not the value: "2 hours 30 minutes".
    assert!(sources("It takes 150/60 = 2 hours 30 minutes").is_empty());
    // A run led by an operator continues prose ("4 pillow cases + 8 towels …").
    assert!(sources("4 pillow cases + 8 towels + 2 sheets = 14 pieces").is_empty());
    // A number set against percentages is prose.
    assert!(sources("so 48 = 100% + 20% = 120% of the actual number").is_empty());
    // Times of day are not subtraction problems.
    assert!(sources("from 1:30 + 2 = 3:30 pm").is_empty());
}

#[test]
fn latex_items() {
    let cases: &[(&str, usize)] = &[
        ("$3 \\times 4 = 12$", 1),
        ("$$\\frac{3}{4}+\\frac14 = 1$$", 1),
        ("\\(7^2 = 49\\)", 1),
        ("\\[2\\cdot 3 = 6\\]", 1),
        ("$\\sqrt{16} = 4$ and $\\sqrt[3]{27} = 3$", 2),
        ("$\\binom{5}{2} = 10$", 1),
        ("$5! = 120$", 1),
        ("$49 \\equiv 1 \\pmod{8}$", 1),
        ("$49 \\equiv 1 \\pmod 8$", 1),
        ("$49 \\bmod 8 = 1$", 1),
        ("$\\dfrac{6}{4} = \\tfrac{3}{2} = 1.5$", 1),
        ("$1 < 2 \\le 2 \\neq 3$", 1),
        ("$\\left(2+3\\right)^2 = 25$", 1),
        ("$12 \\text{ apples} \\times 2 = 24 \\text{ apples}$", 1),
        ("$2(3+4) = 14$", 1),
        ("$(x+1)^2 = x^2+2x+1$", 1),
        ("$x = 3$", 0),
        ("$2x + 3 = 11$", 0),
        ("$\\frac{1}{3} \\approx 0.33$", 1),
        ("$$a = 2 + 3 = 5$$", 1),
        (
            "\\begin{align*} 2+2 &= 4 \\\\ 4 \\cdot 3 &= 12 \\end{align*}",
            2,
        ),
        ("$3 + 4 = 7 \\Rightarrow 7 \\times 2 = 14$", 2),
        ("\\begin{align} x &= 2 + 3 \\\\ &= 5 \\end{align}", 1),
        ("$$\\$18 \\div 3 = \\$6$$", 1),
        ("$90^\\circ - 30^\\circ = 60^\\circ$", 1),
        ("The area is $\\pi r^2 = 25\\pi$.", 0),
    ];
    for (text, n) in cases {
        let it = math_items(text);
        assert_eq!(it.len(), *n, "{text}: {it:?}");
    }
    let it = math_items("$49 \\equiv 1 \\pmod{8}$");
    assert_eq!(it[0].rels, vec![Rel::Congruent]);
    assert_eq!(it[0].modulus, Some(int("8")));
    let it = math_items("$$a = 2 + 3 = 5$$");
    assert_eq!(it[0].terms.len(), 2, "the variable is dropped: {:?}", it[0]);
}

#[test]
fn plain_math_forms() {
    let r = parse_relation("49 mod 8 = 1").unwrap();
    assert_eq!(r.terms[0], Expr::Mod(bx(int("49")), bx(int("8"))));
    let r = parse_relation("49 ≡ 1 (mod 8)").unwrap();
    assert_eq!(r.rels, vec![Rel::Congruent]);
    let r = parse_relation("3 × 4 = 12 ≤ 13 ≠ 14").unwrap();
    assert_eq!(r.rels, vec![Rel::Eq, Rel::Le, Rel::Ne]);
    assert_eq!(
        parse_math("\\sqrt[3]{27}"),
        Some(Expr::Func(
            vibecheck::chain::expr::Func::Root,
            vec![int("3"), int("27")]
        ))
    );
    assert_eq!(parse_math("5!"), Some(Expr::Factorial(bx(int("5")))));
    assert_eq!(parse_math("50%"), Some(Expr::Percent(bx(int("50")))));
    assert_eq!(
        parse_math("2^10"),
        Some(Expr::Pow(bx(int("2")), bx(int("10"))))
    );
    assert_eq!(
        parse_math("2^{10}"),
        Some(Expr::Pow(bx(int("2")), bx(int("10"))))
    );
    assert_eq!(
        parse_math("2\\frac{1}{2}"),
        Some(Expr::Add(
            bx(int("2")),
            bx(Expr::Div(bx(int("1")), bx(int("2"))))
        ))
    );
    assert!(parse_math("__import__('os').system('id')").is_none());
    assert!(parse_math("().__class__.__bases__").is_none());
    assert!(parse_math("12 apples").is_none());
    assert!(parse_math("").is_none());
    assert!(parse_relation("a => b").is_none());
}

#[test]
fn hostile_text_gives_no_items_and_no_panic() {
    let deep = format!("{}1{} = 1", "(".repeat(10_000), ")".repeat(10_000));
    let c = chain::parse(&deep);
    assert!(c.steps.iter().all(|s| s.items.is_empty()));
    let c = chain::parse("so __import__('os').system('id') = 0 and ().__class__.__bases__ = 1");
    assert!(c.steps.iter().all(|s| s.items.is_empty()), "{c:?}");
    // 9^9^9^9 and 100000! parse (the numeric guard rails refuse to evaluate them).
    assert_eq!(math_items("so 9^9^9^9 = 1").len(), 1);
    assert_eq!(math_items("and 100000! = 1").len(), 1);
}

#[test]
fn think_blocks_fences_and_paragraphs() {
    let text = "<think>\nLet me compute 3 * 4 = 12.\n\nThen 12 + 1 = 13.\n</think>\n\nSo the total is 13.\n\n```claim\nforall x:Int. x*x >= 0\n```\n\n```smt2\n(assert (> 1 2))\n(check-sat)\n```\n\n```python\nprint(1)\n```\n\nThe answer is $\\boxed{13}$.";
    let c = chain::parse(text);
    assert_eq!(c.answer.as_deref(), Some("13"));
    let kinds: Vec<&str> = c
        .steps
        .iter()
        .flat_map(|s| &s.items)
        .map(|i| match i {
            Item::Math(_) => "math",
            Item::Claim { .. } => "claim",
            Item::Smt2 { .. } => "smt2",
            Item::Code { .. } => "code",
        })
        .collect();
    assert_eq!(kinds, vec!["math", "math", "claim", "smt2", "code"]);
    // The claim block is kept verbatim.
    let claim = c
        .steps
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| match i {
            Item::Claim { source } => Some(source.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(claim.trim(), "forall x:Int. x*x >= 0");
}

#[test]
fn boxed_after_think_wins() {
    let t = "<think>maybe \\boxed{5}</think> Final: \\boxed{\\frac{1}{2}} and earlier";
    assert_eq!(extract_answer(t).as_deref(), Some("\\frac{1}{2}"));
    assert_eq!(
        extract_answer("it is \\boxed{\\{1, \\{2\\}\\}}").as_deref(),
        Some("\\{1, \\{2\\}\\}")
    );
    assert_eq!(extract_answer("Final Answer: 42").as_deref(), Some("42"));
    assert_eq!(extract_answer("The answer is $7$.").as_deref(), Some("$7$"));
    assert_eq!(extract_answer("work\n#### 1,000").as_deref(), Some("1,000"));
    assert_eq!(extract_answer("no answer here"), None);
}

#[test]
fn numbered_and_single_paragraph_splitting() {
    let c = chain::parse("1. First 2 + 2 = 4.\n2. Then 4 * 2 = 8.\n3. Done.");
    assert_eq!(c.steps.len(), 3);
    assert_eq!(c.steps[1].items.len(), 1);
    let long = "We start with twelve apples and give some away to friends. ".repeat(12)
        + "Then 3 + 4 = 7. Finally 7 * 2 = 14. So the answer is 14.";
    let c = chain::parse(&long);
    assert!(c.steps.len() > 3, "{}", c.steps.len());
    let with_items: Vec<_> = c.steps.iter().filter(|s| !s.items.is_empty()).collect();
    assert_eq!(with_items.len(), 2);
}

#[test]
fn json_input() {
    let c = chain::parse_input(
        r#"{"problem": "p", "steps": ["3 + 4 = 7", "so 7 * 2 = 15"], "answer": "15", "reference": "14"}"#,
    )
    .unwrap();
    assert_eq!(c.steps.len(), 2);
    assert_eq!(c.problem.as_deref(), Some("p"));
    assert_eq!(c.answer.as_deref(), Some("15"));
    assert_eq!(c.reference.as_deref(), Some("14"));
    assert_eq!(c.steps[1].items.len(), 1);
    let c = chain::parse_input(r#"["2 + 2 = 4", "The answer is 4"]"#).unwrap();
    assert_eq!(c.answer.as_deref(), Some("4"));
    assert!(chain::parse_input(r#"{"steps": ["unterminated"#).is_err());
    assert!(chain::parse_input(r#"{"problem": "no steps"}"#).is_err());
    assert!(chain::parse_input(r#"{"steps": [1, 2]}"#).is_err());
    // Math that starts with a bracket is not JSON.
    let c = chain::parse_input("(2 + 3) * 4 = 20\n[1 + 1] = 2").unwrap();
    assert_eq!(c.steps.len(), 2);
}

/// ≥ 60 answer-equivalence cases: (extracted, reference, expected).
const ANSWER_TABLE: &[(&str, &str, bool)] = &[
    ("18", "18", true),
    ("18", "19", false),
    ("1000", "1,000", true),
    ("1,000", "1000.0", true),
    ("$18", "18", true),
    ("\\$18.00", "18", true),
    ("18 dollars", "18", true),
    ("12 apples", "12", true),
    ("5 km", "5", true),
    ("5\\text{ cm}", "5", true),
    ("0.5", "1/2", true),
    ("\\frac{1}{2}", "0.5", true),
    ("\\dfrac{1}{2}", "\\frac12", true),
    ("\\tfrac{3}{4}", "0.75", true),
    ("2/4", "1/2", true),
    ("0.3", "1/3", false),
    ("0.33", "1/3", true),
    ("0.333", "\\frac{1}{3}", true),
    ("0.34", "1/3", false),
    ("-3", "-3", true),
    ("-3", "3", false),
    ("-\\frac{1}{2}", "-0.5", true),
    ("50\\%", "0.5", true),
    ("50%", "50", true),
    ("50%", "0.05", false),
    ("25\\%", "\\frac{1}{4}", true),
    ("x=3", "3", true),
    ("x = 3", "4", false),
    ("y=\\frac{1}{2}", "0.5", true),
    ("\\sqrt{2}/2", "\\frac{\\sqrt{2}}{2}", true),
    ("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt2}{2}", true),
    ("2\\sqrt{2}", "\\sqrt{8}", true),
    ("\\sqrt{3}", "1.732", true),
    ("\\sqrt{3}", "\\sqrt{2}", false),
    ("\\pi", "3.14", true),
    ("2\\pi", "6.2832", true),
    ("\\pi/2", "\\frac{\\pi}{2}", true),
    ("\\pi", "3", false),
    ("\\boxed{7}", "7", true),
    ("$7$", "7", true),
    ("\\(7\\)", "7", true),
    ("7.", "7", true),
    ("(1, 2)", "(1,2)", true),
    ("(1, 2)", "(2, 1)", false),
    ("[1, 2)", "[1,2)", true),
    ("[1, 2)", "(1, 2)", false),
    ("(-\\infty, 3]", "(-∞,3]", true),
    ("(-\\infty, 3)", "(-\\infty, 3]", false),
    ("(0,1) \\cup (2,3)", "(2,3)\\cup(0,1)", true),
    ("\\{1, 2, 3\\}", "\\{3, 2, 1\\}", true),
    ("\\{1, 2\\}", "\\{1, 2, 3\\}", false),
    ("1, 2, 3", "3, 2, 1", true),
    ("A", "A", true),
    ("(B)", "B", true),
    ("\\text{(C)}", "C", true),
    ("B", "C", false),
    ("\\text{Monday}", "monday", true),
    ("yes", "Yes", true),
    ("yes", "no", false),
    ("(x+1)^2", "x^2+2x+1", true),
    ("x^2+2x+1", "x^2+2x+2", false),
    ("2x", "x+x", true),
    ("\\binom{5}{2}", "10", true),
    ("5!", "120", true),
    ("2^{10}", "1024", true),
    ("1.5", "\\frac{3}{2}", true),
    ("1\\frac{1}{2}", "1.5", true),
    ("90^\\circ", "90", true),
    ("3.0", "3", true),
    ("10%", "0.1", true),
    ("0.1", "10\\%", true),
    ("\\frac{22}{7}", "\\pi", false),
    ("7425000", "7,425,000", true),
    ("1000", "1 000", true),
    ("1000.0", "1,000.0", true),
    // A comma between digits is a list (`1,2`) or thousands (`1,000`), never a decimal comma.
    ("1000.99", "1000,99", false),
    ("1.22", "1,22", false),
    ("0.111", "0,111", false),
    ("1, 22", "1,22", true),
    (".4", "0.4", true),
    ("1000.99", "1,000.99$", true),
    ("-10/9", "-\\frac{10}{9}", true),
    ("\\frac{1}{3}", "\\cfrac{1}{3}", true),
    ("1", "\\frac3{3}", true),
    ("\\sqrt{3}", "\\sqrt3", true),
    ("\\frac{1}{3}", "\\frac{1}{3} \\textbf{meters}", true),
    ("\\frac{1}{3}", "k = \\frac{1}{3}", true),
    ("28\\%", "28 percent", true),
    ("28\\%", "28 pct", true),
    ("28\\%", "28 %", true),
    ("14{,}916", "14916", true),
    (
        "(3, \\frac{\\pi}{2})",
        "\\left( 3, \\frac{\\pi}{2} \\right)",
        true,
    ),
    ("[0,9)", "[0,1)", false),
    ("(0,9)", "[0,9)", false),
    ("-2,1", "1, -2", true),
    ("15\\mbox{ cm}^2", "15", true),
    ("3\\sqrt{13}", "\\sqrt{117}", true),
];

#[test]
fn answer_equivalence_table() {
    assert!(ANSWER_TABLE.len() >= 60);
    let mut failures = Vec::new();
    for (a, b, want) in ANSWER_TABLE {
        if equivalent(a, b) != *want {
            failures.push(format!("equivalent({a:?}, {b:?}) should be {want}"));
        }
        // Symmetric.
        if equivalent(b, a) != *want {
            failures.push(format!("equivalent({b:?}, {a:?}) should be {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// GSM8K-style reference solutions, written for this test: one line per step, calculator
/// annotations `<<expr=value>>` next to the prose result, the answer after `####`. (The real
/// GSM8K data is measured by `tools/eval-gsm8k`, outside the test suite.)
const GSM8K_STYLE: &[&str] = &[
    "Tom buys 3 packs of 12 pencils, so he has 3*12=<<3*12=36>>36 pencils.\nHe gives away 10 and keeps 36-10=<<36-10=26>>26 pencils.\n#### 26",
    "A baker makes 5 trays of 8 rolls, which is 5*8=<<5*8=40>>40 rolls.\nHe sells 3/4 of them: 40*3/4=<<40*3/4=30>>30 rolls.\nHe has 40-30=<<40-30=10>>10 rolls left.\n#### 10",
    "Each ticket costs $7.50, so 4 tickets cost 4*7.50=$<<4*7.5=30>>30.\nWith a $5 coupon she pays 30-5=$<<30-5=25>>25.\n#### 25",
    "The jacket costs $80 and is 25% off, so the discount is 80*25/100=$<<80*25/100=20>>20.\nThe sale price is 80-20=$<<80-20=60>>60.\n#### 60",
    "Mia reads 15 pages an hour for 6 hours, which is 15*6=<<15*6=90>>90 pages.\nThe book has 250 pages, so 250-90=<<250-90=160>>160 pages are left.\n#### 160",
    "The 84 marbles are shared by 7 friends: 84/7=<<84/7=12>>12 each.\nEach friend loses 2 and keeps 12-2=<<12-2=10>>10.\n#### 10",
    "A notebook costs $2.25 and a pen $1.50, so a set costs 2.25+1.50=$<<2.25+1.5=3.75>>3.75.\nFour sets cost 4*3.75=$<<4*3.75=15>>15.\n#### 15",
    "There are 6 rows of 9 chairs, so 6*9=<<6*9=54>>54 chairs.\n18 are taken, so 54-18=<<54-18=36>>36 are free.\nHalf of the free chairs face the stage: 36/2=<<36/2=18>>18.\n#### 18",
    "Sam ate a third of 24 cookies, which is 24/3=<<24/3=8>>8 cookies.\nHis sister ate 5 more: 8+5=<<8+5=13>>13.\nTogether they ate 8+13=<<8+13=21>>21, leaving 24-21=<<24-21=3>>3.\n#### 3",
    "The temperature fell 3 degrees an hour for 5 hours, 3*5=<<3*5=15>>15 degrees in all.\nFrom 12 degrees it ended at 12-15=<<12-15=-3>>-3 degrees.\n#### -3",
    "Starting with 3 cells that double 4 times gives 3*2*2*2*2=<<3*2*2*2*2=48>>48 cells.\n#### 48",
    "The farm picked 1250 kg on Monday and twice that, 2*1250=<<2*1250=2500>>2500 kg, on Tuesday.\nIn all it picked 1250+2500=<<1250+2500=3750>>3750 kg.\n#### 3750",
];

#[test]
fn gsm8k_style_reference_solutions_parse() {
    let mut annotations = 0usize;
    let mut items = 0usize;
    for sol in GSM8K_STYLE {
        annotations += sol.matches("<<").count();
        let c = chain::parse(sol);
        items += c.steps.iter().map(|s| s.items.len()).sum::<usize>();
        let gold = sol.rsplit("#### ").next().unwrap().trim();
        assert!(
            c.answer.as_deref().is_some_and(|a| equivalent(a, gold)),
            "answer {:?} (want {gold}) in {sol:?}",
            c.answer
        );
        // One step per line, each line with an annotation yields at least one item.
        for (line, step) in sol.lines().zip(&c.steps) {
            if line.contains("<<") {
                assert!(!step.items.is_empty(), "no item in {line:?}");
            }
        }
    }
    // Every calculator annotation becomes an item (the prose result duplicating it merges in).
    assert!(
        items >= annotations,
        "items {items} vs annotations {annotations}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn parser_never_panics(s in "[0-9a-zA-Z+\\-*/^=<>()\\[\\]{}\\\\$%!.,:; \n≤≥≠≈×÷·√π²#|_&`<>]{0,120}") {
        let c = chain::parse(&s);
        let _ = chain::parse_input(&s);
        let _ = parse_math(&s);
        let _ = parse_relation(&s);
        let _ = extract_answer(&s);
        let _ = equivalent(&s, "1/2");
        for step in &c.steps {
            for it in &step.items {
                if let Item::Math(m) = it {
                    prop_assert_eq!(m.terms.len(), m.rels.len() + 1);
                }
            }
        }
    }

    #[test]
    fn latex_fragments_never_panic(parts in proptest::collection::vec(prop_oneof![
        Just("\\frac"), Just("{"), Just("}"), Just("\\sqrt"), Just("["), Just("]"), Just("\\left("),
        Just("\\right)"), Just("\\pmod"), Just("\\equiv"), Just("\\text{ apples}"), Just("$"),
        Just("$$"), Just("\\("), Just("\\)"), Just("<<"), Just(">>"), Just("="), Just("3"),
        Just("1,000"), Just("x"), Just("^"), Just("!"), Just("%"), Just("\\boxed{"), Just("</think>"),
        Just("```claim\n"), Just("```"), Just("\n\n"), Just("Step 1:"), Just("#### "), Just("é"),
    ], 0..40)) {
        let s: String = parts.concat();
        let _ = chain::parse(&s);
        let _ = chain::parse_input(&s);
        let _ = extract_answer(&s);
        let _ = equivalent(&s, &s);
    }
}

/// Hang guard of [`pathological_repetitions_parse`]: generous for a debug build on a loaded
/// 2-core machine (the inputs take well under a second each when the scans are linear); a
/// quadratic regression takes hours, so exceeding it fails the test instead of hanging CI.
/// Not a speed assertion.
const PATHOLOGICAL_BOUND: std::time::Duration = std::time::Duration::from_secs(60);

/// Pathological inputs that a quadratic scan would turn into hours: each must parse within
/// [`PATHOLOGICAL_BOUND`], without panicking, with sane shapes.
#[test]
fn pathological_repetitions_parse() {
    let n = 400_000;
    let cases = [
        "\\[".repeat(n),
        "\\(".repeat(n),
        "$$ ".repeat(n),
        "<<".repeat(n),
        "$1 ".repeat(n),
        "\\boxed{".repeat(n / 4),
        "\\begin{x}".repeat(n / 4),
        "(".repeat(n),
        "1 = ".repeat(n / 2),
        "a ".repeat(n),
        format!("{}{}", " ".repeat(n), "x = 1"),
        // Prose arithmetic (issue 9 §2f): a named quantity far from its restatements, bullets,
        // labels after units, unit phrases, boxed relations, LaTeX labels.
        format!(
            "Total = 1 + 1. {}",
            "1 + 1 = 2 and x = 1 + 2. ".repeat(n / 16)
        ),
        "\n- 2 = 1 + 1 ".repeat(n / 8),
        "3 apples (ab) + ".repeat(n / 8),
        "3 book slots ÷ 2 x 1 skirt/skirt/skirt ".repeat(n / 16),
        "1 km x ".repeat(n / 8),
        "1 km * ".repeat(n / 8),
        "\\boxed{1 = 1 ".repeat(n / 8),
        format!("{}1 = 1{}", "\\boxed{".repeat(n / 8), "}".repeat(n / 8)),
        format!(
            "\\[{}\\]",
            "1 \\text{ a (bc)} (\\text{ab}) + ".repeat(n / 16)
        ),
        "Total = \\(1 + 1\\) ".repeat(n / 8),
    ];
    let count = cases.len();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for text in &cases {
            let c = chain::parse(text);
            let _ = extract_answer(text);
            let sane = c
                .steps
                .iter()
                .all(|s| s.items.len() <= chain::items::MAX_ITEMS_PER_STEP);
            let head: String = text.chars().take(12).collect();
            if tx.send((head, text.len(), c.steps.len(), sane)).is_err() {
                return;
            }
        }
    });
    let deadline = std::time::Instant::now() + PATHOLOGICAL_BOUND;
    for _ in 0..count {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok((head, len, steps, sane)) => {
                assert!(
                    sane,
                    "{head:?}…: {len} bytes, {steps} steps: too many items per step"
                );
            }
            Err(RecvTimeoutError::Disconnected) => panic!("the parser panicked (see above)"),
            Err(RecvTimeoutError::Timeout) => panic!(
                "the pathological inputs did not all parse within {PATHOLOGICAL_BOUND:?}: \
                 a scan is no longer linear"
            ),
        }
    }
}

// ───────────── issue 9 §2 (wider step checks) and issue 10 #7 (panics on text) ─────────────

#[test]
fn degrees_parse_as_radians_only_where_needed() {
    // Inside a trigonometric argument a degree is π/180.
    let e = parse_relation("\\sin 30^\\circ = \\frac{1}{2}").unwrap();
    assert!(format!("{:?}", e.terms[0]).contains("Pi"), "{e:?}");
    // Between degree measures alone it is a unit and is dropped.
    let e = parse_relation("180^\\circ - 50^\\circ = 130^\\circ").unwrap();
    assert!(!format!("{e:?}").contains("Pi"), "{e:?}");
    // Mixed with radians, every degree is π/180.
    let e = parse_relation("90^{\\circ} = \\frac{\\pi}{2}").unwrap();
    assert!(format!("{:?}", e.terms[0]).contains("Pi"), "{e:?}");
    assert_eq!(
        sources("So 2 \\cdot 14^\\circ = 28^\\circ."),
        vec!["2 · 14° = 28°"]
    );
}

#[test]
fn choose_and_named_left_sides_are_items() {
    assert_eq!(
        sources("There are 9 choose 3 = 84 ways."),
        vec!["9 choose 3 = 84"]
    );
    assert_eq!(
        parse_math("{9 \\choose 3}"),
        Some(Expr::Func(
            vibecheck::chain::expr::Func::Binom,
            vec![int("9"), int("3")]
        ))
    );
    assert_eq!(
        sources("LCM = 2^3 * 3^3 * 5^2 = 5400"),
        vec!["2^3 * 3^3 * 5^2 = 5400"]
    );
}

#[test]
fn remainders_become_two_items() {
    let ms = math_items("So 9 ÷ 7 = 1 remainder 2.");
    assert_eq!(ms.len(), 2, "{ms:#?}");
    assert_eq!(ms[0].rels, vec![Rel::Eq]);
    assert_eq!(ms[1].rels, vec![Rel::Le, Rel::Lt]);
    assert_eq!(math_items("$355\\div 6=58\\;\\mathrm{R}\\;5$").len(), 2);
}

#[test]
fn rewrites_identities_and_chain_links() {
    let ms = math_items("$-2+4a+8=0 \\Rightarrow 4a=-10$");
    assert!(ms.iter().any(|m| m.rels == vec![Rel::Rewrite]), "{ms:#?}");
    // "and" separates statements: no rewrite between them.
    let ms = math_items("$x^2 = 4$ and $x = 2$");
    assert!(!ms.iter().any(|m| m.rels == vec![Rel::Rewrite]), "{ms:#?}");
    let ms = math_items("Expanding, $(x+1)^2 = x^2+x+1$.");
    assert_eq!(ms[0].rels, vec![Rel::Identical]);
    let ms = math_items("We solve $91n+98=92(n+1)$.");
    assert_eq!(ms[0].rels, vec![Rel::Eq]);
    let ms = math_items("$2a+b-c = 38k+8+19m+2-19n-18 = 38k+19m-19n+2$");
    assert_eq!(ms.len(), 1, "{ms:#?}");
    assert_eq!(ms[0].terms.len(), 2);
    assert_eq!(ms[0].rels, vec![Rel::Identical]);
    // Names, not variables.
    assert!(math_items("$f(3) = 2f(0) + 3 = 15$")
        .iter()
        .all(|m| !m.rels.contains(&Rel::Identical)));
}

#[test]
fn answers_without_boxed() {
    assert_eq!(
        extract_answer("We add them.\nSo the total is **6**.").as_deref(),
        Some("6")
    );
    assert_eq!(
        extract_answer("Cube both sides.\nTherefore, $x^3 = 12$.").as_deref(),
        Some("12")
    );
    assert_eq!(
        extract_answer("So the number of apples is 42.").as_deref(),
        Some("42")
    );
    // A currency pair is not a math segment; a sentence is not an answer.
    assert_eq!(extract_answer("It costs $5 and $6 at most"), None);
}

#[test]
fn chinese_steps_markers_and_answers() {
    let c = chain::parse("解：设苹果x个。\n第一步：3×5＝15\n第二步：15－4＝11\n答：11个");
    // Three markers; the answer line joins the last step.
    assert_eq!(c.steps.len(), 3, "{:#?}", c.steps);
    assert_eq!(c.answer.as_deref(), Some("11"));
    assert!(chain::steps::is_step_marker("步骤2：计算"));
    assert!(chain::steps::is_step_marker("第十二步"));
    assert!(chain::steps::is_step_marker("3、再算"));
    assert!(!chain::steps::is_step_marker("第三个苹果"));
    assert_eq!(extract_answer("所以答案是 42。").as_deref(), Some("42"));
    assert_eq!(extract_answer("最终答案：7元").as_deref(), Some("7"));
    // Full-width digits and operators, a unit glued after the number, a connective before.
    assert_eq!(sources("所以３×５＝１５个"), vec!["3×5=15"]);
}

#[test]
fn regression_begin_at_a_non_char_boundary() {
    // `\begin{` whose 64-byte name window ends inside a multi-byte character.
    let text = format!("$x$ \\begin{{{}é}} 1+1=2", "a".repeat(55));
    let _ = chain::parse(&text);
    let text = format!("\\begin{{{}中文}}", "a".repeat(56));
    let _ = chain::parse(&text);
}

#[test]
fn regression_dotted_capital_i_lowercasing() {
    // `İ` lower-cases to two characters: offsets from the lower-cased text must not be used.
    let t = "İİİİ the answer is 5";
    assert_eq!(extract_answer(t).as_deref(), Some("5"));
    let t = "İ\nFinal Answer: İ 3";
    let _ = extract_answer(t);
    let _ = chain::parse("İstanbul: Answer: 7 İ");
}

#[test]
fn boxed_results_quotients_and_disclaimed_steps() {
    // A boxed result is still the end of its calculation.
    assert_eq!(
        sources("Total = 5000 + 10000 + 30000 = \\boxed{43000}."),
        vec!["5000 + 10000 + 30000 = (43000)"]
    );
    // In a step about remainders, a quotient of whole numbers is the whole quotient.
    let ms = math_items("There are \\(49 \\div 9 = 5\\) complete cycles and a remainder of 4.");
    assert!(format!("{:?}", ms[0].terms[0]).contains("Floor"), "{ms:?}");
    // "10% of $\$1.50 = 0.10 \times \$1.50$": the first term is only part of "10% of".
    let ms = math_items("$10\\%$ of $\\$1.50 = 0.10 \\times \\$1.50 = \\$0.15$");
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(ms[0].terms.len(), 2, "{ms:?}");
    // Equations shown false on purpose are not claims.
    assert!(math_items("\\[ 2 + \\sqrt{1} = 1 \\]\n(False)").is_empty());
}

#[test]
fn answers_tuples_and_matrices() {
    assert!(equivalent("(b,c)=(2,3)", "(2,3)"));
    assert!(equivalent("(b, c) = (-1, 4)", "(-1,4)"));
    assert!(!equivalent("(b,c)=(2,3)", "(3,2)"));
    assert!(equivalent(
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"
    ));
    assert!(equivalent(
        "\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 1 \\end{pmatrix}",
        "\\begin{bmatrix} 0.5 & 0 \\\\ 0 & 1 \\end{bmatrix}"
    ));
    assert!(!equivalent(
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\begin{pmatrix} 1 & 2 \\\\ 4 & 3 \\end{pmatrix}"
    ));
}

#[test]
fn escaped_dollars_inside_inline_math() {
    let text = "- Increase: $10\\%$ of $\\$1.50 = 0.10 \\times \\$1.50 = \\$0.15$\n\
                - New price: $\\$1.50 + \\$0.15 = \\$1.65$";
    let ms = math_items(text);
    assert_eq!(ms.len(), 2, "{ms:#?}");
    assert!(ms.iter().all(|m| m.terms.len() == 2), "{ms:#?}");
}

#[test]
fn named_left_side_in_latex() {
    let ms = math_items("\\[ \\text{Total earnings} = 52,500 + 11,250 + 67,500 = 129,250 \\]");
    assert_eq!(ms.len(), 1, "{ms:#?}");
    assert_eq!(ms[0].terms.len(), 2, "{ms:#?}");
    assert_eq!(ms[0].terms[1], int("129250"));
}

#[test]
fn a_unit_before_equals_is_not_a_name() {
    // "… * 364 yards = 364 / 4 = 273": the left side is a calculation in words, not a name.
    assert!(sources("3/4 of a skein * 364 yards = 364 / 4 = 273 yards.").is_empty());
    assert_eq!(sources("LCM = 2^3 * 3^3 = 216"), vec!["2^3 * 3^3 = 216"]);
}

#[test]
fn powers_of_trigonometric_functions() {
    use vibecheck::chain::expr::parse_math;
    let a = parse_math("\\sin^2 x + \\cos^{2} x").expect("parses");
    let b = parse_math("(\\sin x)^2 + (\\cos x)^2").expect("parses");
    assert_eq!(a, b);
    // `\sin^{-1}` is an inverse, not a power: not read.
    assert!(parse_math("\\sin^{-1} x").is_none());
}
