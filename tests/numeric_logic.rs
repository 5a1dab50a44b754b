//! Numeric (embedded CPython + sympy in `vibecheck worker` processes) and logic (Z3) checkers,
//! exercised for real: both verdicts of each item kind, counterexamples, the rounding rule,
//! congruences, identities, guard rails, hostile input, deadlines and worker crashes.

mod common;
use common::procs;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use vibecheck::chain::expr::{Expr, Func};
use vibecheck::chain::{MathItem, Rel};
use vibecheck::verify::logic::{check_claim, check_smt2};
use vibecheck::verify::numeric::{NumericOptions, NumericPool};
use vibecheck::verify::{Check, ItemVerdict};

const DEADLINE: Duration = Duration::from_secs(20);
const Z3_TIMEOUT: Duration = Duration::from_secs(5);

fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vibecheck"))
}

fn pool() -> &'static NumericPool {
    static POOL: OnceLock<NumericPool> = OnceLock::new();
    POOL.get_or_init(|| NumericPool::new(2, exe()).expect("start the numeric pool"))
}

// AST builders.
fn n(s: &str) -> Expr {
    Expr::Int(s.into())
}
fn d(s: &str) -> Expr {
    Expr::Decimal(s.into())
}
fn v(s: &str) -> Expr {
    Expr::Var(s.into())
}
fn add(a: Expr, b: Expr) -> Expr {
    Expr::Add(Box::new(a), Box::new(b))
}
fn mul(a: Expr, b: Expr) -> Expr {
    Expr::Mul(Box::new(a), Box::new(b))
}
fn div(a: Expr, b: Expr) -> Expr {
    Expr::Div(Box::new(a), Box::new(b))
}
fn pow(a: Expr, b: Expr) -> Expr {
    Expr::Pow(Box::new(a), Box::new(b))
}
fn f(func: Func, args: Vec<Expr>) -> Expr {
    Expr::Func(func, args)
}

fn item(source: &str, terms: Vec<Expr>, rels: Vec<Rel>) -> MathItem {
    MathItem {
        source: source.into(),
        terms,
        rels,
        modulus: None,
    }
}

fn rel(a: Expr, r: Rel, b: Expr) -> MathItem {
    item("test item", vec![a, b], vec![r])
}

fn check(it: &MathItem) -> Check {
    pool().check(it, DEADLINE).expect("numeric check runs")
}

fn assert_verdict(c: &Check, want: ItemVerdict) {
    assert_eq!(
        c.verdict, want,
        "unexpected verdict; evidence: {:?}",
        c.evidence
    );
}

#[test]
fn arithmetic_both_verdicts_with_evidence() {
    let ok = check(&rel(mul(n("3"), n("4")), Rel::Eq, n("12")));
    assert_verdict(&ok, ItemVerdict::Verified);
    assert_eq!(ok.checker, vibecheck::verify::Checker::Numeric);
    let bad = check(&rel(mul(n("3"), n("4")), Rel::Eq, n("13")));
    assert_verdict(&bad, ItemVerdict::Refuted);
    assert_eq!(bad.evidence.summary, "3 × 4 = 12, not 13");
    assert_eq!(bad.evidence.computed, vec!["12", "13"]);
}

#[test]
fn fractions_radicals_binomials_factorials_powers() {
    let cases = [
        (
            rel(
                add(div(n("3"), n("4")), div(n("1"), n("4"))),
                Rel::Eq,
                n("1"),
            ),
            ItemVerdict::Verified,
        ),
        (
            rel(
                add(div(n("3"), n("4")), div(n("1"), n("3"))),
                Rel::Eq,
                n("1"),
            ),
            ItemVerdict::Refuted,
        ),
        (
            rel(f(Func::Sqrt, vec![n("16")]), Rel::Eq, n("4")),
            ItemVerdict::Verified,
        ),
        (
            rel(
                f(Func::Sqrt, vec![n("8")]),
                Rel::Eq,
                mul(n("2"), f(Func::Sqrt, vec![n("2")])),
            ),
            ItemVerdict::Verified,
        ),
        (
            rel(f(Func::Binom, vec![n("5"), n("2")]), Rel::Eq, n("10")),
            ItemVerdict::Verified,
        ),
        (
            rel(Expr::Factorial(Box::new(n("5"))), Rel::Eq, n("120")),
            ItemVerdict::Verified,
        ),
        (
            rel(Expr::Factorial(Box::new(n("5"))), Rel::Eq, n("100")),
            ItemVerdict::Refuted,
        ),
        (
            rel(pow(n("7"), n("2")), Rel::Eq, n("49")),
            ItemVerdict::Verified,
        ),
        (
            rel(Expr::Percent(Box::new(n("25"))), Rel::Eq, d("0.25")),
            ItemVerdict::Verified,
        ),
        (
            rel(
                f(Func::Gcd, vec![n("12"), n("18"), n("30")]),
                Rel::Eq,
                n("6"),
            ),
            ItemVerdict::Verified,
        ),
        (
            rel(f(Func::Log, vec![n("2"), n("1024")]), Rel::Eq, n("10")),
            ItemVerdict::Verified,
        ),
        (
            rel(mul(Expr::I, Expr::I), Rel::Eq, Expr::Neg(Box::new(n("1")))),
            ItemVerdict::Verified,
        ),
    ];
    let items: Vec<MathItem> = cases.iter().map(|(i, _)| i.clone()).collect();
    // Batched round trip: same verdicts as one by one.
    let checks = pool().check_batch(&items, DEADLINE).unwrap();
    for ((it, want), c) in cases.iter().zip(&checks) {
        assert_eq!(c.verdict, *want, "{it:?}: {:?}", c.evidence);
    }
}

#[test]
fn chains_check_every_link() {
    let ok = item(
        "2+2 = 4 = 2*2",
        vec![add(n("2"), n("2")), n("4"), mul(n("2"), n("2"))],
        vec![Rel::Eq, Rel::Eq],
    );
    assert_verdict(&check(&ok), ItemVerdict::Verified);
    let bad = item(
        "2+2 = 4 = 5",
        vec![add(n("2"), n("2")), n("4"), n("5")],
        vec![Rel::Eq, Rel::Eq],
    );
    let c = check(&bad);
    assert_verdict(&c, ItemVerdict::Refuted);
    assert!(
        c.evidence.summary.contains("not 5"),
        "{}",
        c.evidence.summary
    );
    let mixed = item(
        "1 < 2 <= 2",
        vec![n("1"), n("2"), n("2")],
        vec![Rel::Lt, Rel::Le],
    );
    assert_verdict(&check(&mixed), ItemVerdict::Verified);
}

#[test]
fn rounding_rule() {
    let third = || div(n("1"), n("3"));
    let two_thirds = || div(n("2"), n("3"));
    let cases = [
        (rel(third(), Rel::Eq, d("0.33")), ItemVerdict::Verified),
        (rel(third(), Rel::Eq, d("0.333")), ItemVerdict::Verified),
        (rel(two_thirds(), Rel::Eq, d("0.67")), ItemVerdict::Verified), // rounded
        (rel(two_thirds(), Rel::Eq, d("0.66")), ItemVerdict::Verified), // truncated
        (rel(two_thirds(), Rel::Eq, d("0.65")), ItemVerdict::Refuted),
        (rel(two_thirds(), Rel::Eq, d("0.7")), ItemVerdict::Verified),
        (rel(two_thirds(), Rel::Eq, d("0.8")), ItemVerdict::Refuted),
        (
            rel(div(n("10"), n("3")), Rel::Eq, n("3")),
            ItemVerdict::Refuted,
        ), // integers are exact under =
        (
            rel(div(n("10"), n("3")), Rel::Approx, n("3")),
            ItemVerdict::Verified,
        ),
        (rel(Expr::Pi, Rel::Eq, d("3.14")), ItemVerdict::Verified),
        (rel(Expr::Pi, Rel::Eq, d("3.15")), ItemVerdict::Refuted),
        (
            rel(Expr::Pi, Rel::Approx, d("3.1416")),
            ItemVerdict::Verified,
        ),
        (
            rel(add(d("0.1"), d("0.2")), Rel::Eq, d("0.3")),
            ItemVerdict::Verified,
        ), // exact decimals
        (rel(d("0.333"), Rel::Eq, d("0.33")), ItemVerdict::Verified), // fewer digits = the rounded one
        (
            rel(div(n("1000"), n("7")), Rel::Approx, n("140")),
            ItemVerdict::Verified,
        ), // to the tens
        (
            rel(div(n("1000"), n("7")), Rel::Approx, n("150")),
            ItemVerdict::Refuted,
        ),
        (
            rel(
                Expr::Neg(Box::new(third())),
                Rel::Eq,
                Expr::Neg(Box::new(d("0.33"))),
            ),
            ItemVerdict::Verified,
        ),
    ];
    for (it, want) in &cases {
        let c = check(it);
        assert_eq!(c.verdict, *want, "{:?}: {:?}", it.terms, c.evidence);
    }
    let c = check(&rel(third(), Rel::Eq, d("0.33")));
    assert!(
        c.evidence.summary.contains("2 decimal places"),
        "{}",
        c.evidence.summary
    );
}

#[test]
fn approx_tolerance_is_configurable() {
    let strict = NumericPool::with_options(
        1,
        exe(),
        NumericOptions {
            approx_rel_tol: 0.0,
            ..Default::default()
        },
    )
    .unwrap();
    // 1.014 ≈ 1.02: not by the rounding rule, but within the default 1% relative tolerance.
    let it = rel(div(n("1014"), n("1000")), Rel::Approx, d("1.02"));
    assert_verdict(&check(&it), ItemVerdict::Verified);
    assert_verdict(&strict.check(&it, DEADLINE).unwrap(), ItemVerdict::Refuted);
}

#[test]
fn congruences_and_mod() {
    let mut c = rel(n("49"), Rel::Congruent, n("1"));
    c.modulus = Some(n("8"));
    assert_verdict(&check(&c), ItemVerdict::Verified);
    let mut bad = rel(n("50"), Rel::Congruent, n("1"));
    bad.modulus = Some(n("8"));
    let r = check(&bad);
    assert_verdict(&r, ItemVerdict::Refuted);
    assert!(
        r.evidence.summary.contains("mod 8"),
        "{}",
        r.evidence.summary
    );
    let m = rel(
        Expr::Mod(Box::new(n("49")), Box::new(n("8"))),
        Rel::Eq,
        n("1"),
    );
    assert_verdict(&check(&m), ItemVerdict::Verified);
    // A congruence without a modulus is not evaluated.
    assert_verdict(
        &check(&rel(n("1"), Rel::Congruent, n("1"))),
        ItemVerdict::Unknown,
    );
}

#[test]
fn identities_and_equations() {
    let x = || v("x");
    let lhs = || pow(add(x(), n("1")), n("2"));
    let expanded = add(add(pow(x(), n("2")), mul(n("2"), x())), n("1"));
    let c = check(&rel(lhs(), Rel::Eq, expanded));
    assert_verdict(&c, ItemVerdict::Verified);
    assert!(
        c.evidence.summary.contains("identity"),
        "{}",
        c.evidence.summary
    );
    // Not an identity: by default an equation with a variable is not refuted …
    let wrong = rel(lhs(), Rel::Eq, add(pow(x(), n("2")), n("1")));
    let c = check(&wrong);
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("not an identity"),
        "{}",
        c.evidence.summary
    );
    // … but is when identities are asked for, with a counterexample in the item's names.
    let strict = NumericPool::with_options(
        1,
        exe(),
        NumericOptions {
            identities: true,
            ..Default::default()
        },
    )
    .unwrap();
    let c = strict.check(&wrong, DEADLINE).unwrap();
    assert_verdict(&c, ItemVerdict::Refuted);
    let cex = c.evidence.counterexample.clone().expect("counterexample");
    assert!(cex.contains_key("x"), "{cex:?}");
    // A difference that is a non-zero constant is false for every x.
    let c = check(&rel(add(x(), n("1")), Rel::Eq, add(x(), n("2"))));
    assert_verdict(&c, ItemVerdict::Refuted);
    // 2x + 3 = 13 is an equation to solve, never refuted.
    assert_verdict(
        &check(&rel(add(mul(n("2"), x()), n("3")), Rel::Eq, n("13"))),
        ItemVerdict::Unknown,
    );
}

#[test]
fn inequalities() {
    assert_verdict(
        &check(&rel(pow(n("2"), n("10")), Rel::Gt, n("1000"))),
        ItemVerdict::Verified,
    );
    assert_verdict(
        &check(&rel(pow(n("2"), n("10")), Rel::Lt, n("1000"))),
        ItemVerdict::Refuted,
    );
    assert_verdict(
        &check(&rel(f(Func::Sqrt, vec![n("2")]), Rel::Lt, d("1.5"))),
        ItemVerdict::Verified,
    );
    assert_verdict(&check(&rel(n("3"), Rel::Ne, n("4"))), ItemVerdict::Verified);
    assert_verdict(&check(&rel(n("4"), Rel::Ne, n("4"))), ItemVerdict::Refuted);
    assert_verdict(
        &check(&rel(add(v("x"), n("1")), Rel::Gt, v("x"))),
        ItemVerdict::Verified,
    );
}

#[test]
fn guard_rails_give_unknown_with_the_guard_named() {
    let nine = || n("9");
    let tower = pow(nine(), pow(nine(), pow(nine(), nine())));
    let c = check(&rel(tower, Rel::Eq, n("1")));
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("MAX_EXPONENT"),
        "{}",
        c.evidence.summary
    );

    let c = check(&rel(
        Expr::Factorial(Box::new(n("100000"))),
        Rel::Eq,
        n("1"),
    ));
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("MAX_FACTORIAL_ARG"),
        "{}",
        c.evidence.summary
    );

    // 10,000 nested parentheses' worth of AST (the parser drops parentheses, so nest nodes).
    let mut deep = n("1");
    for _ in 0..10_000 {
        deep = add(n("0"), deep);
    }
    let it = rel(deep, Rel::Eq, n("1"));
    let c = check(&it);
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("MAX_DEPTH"),
        "{}",
        c.evidence.summary
    );
    // Tear the deep tree down iteratively.
    let mut e = it.terms.into_iter().next().unwrap();
    while let Expr::Add(_, rest) = e {
        e = *rest;
    }

    let c = check(&rel(Expr::Int("1".repeat(6_000)), Rel::Eq, n("1")));
    assert!(
        c.evidence.summary.contains("MAX_LITERAL_DIGITS"),
        "{}",
        c.evidence.summary
    );
}

#[test]
fn hostile_names_never_reach_python() {
    for name in [
        "__import__('os').system('id')",
        "().__class__.__bases__",
        "x; import os",
    ] {
        let c = check(&rel(v(name), Rel::Eq, n("1")));
        assert_verdict(&c, ItemVerdict::Unknown);
        assert!(
            c.evidence.summary.contains("guard rail"),
            "{}",
            c.evidence.summary
        );
    }
    // Division by zero is undefined, not an error and not a crash.
    let c = check(&rel(div(n("1"), n("0")), Rel::Eq, n("5")));
    assert_verdict(&c, ItemVerdict::Unknown);
}

/// (a+b+c+d)^150 expands to ~585,000 terms: seconds of sympy work. The pools that run it get a
/// roomy memory cap so the deadline (not a MemoryError) is what stops it on any machine.
fn slow_identity() -> MathItem {
    let sum = add(add(add(v("a"), v("b")), v("c")), v("d"));
    rel(pow(sum, n("150")), Rel::Eq, v("a"))
}

fn roomy_pool() -> NumericPool {
    let opts = NumericOptions {
        worker_memory_mb: 16 * 1024,
        ..Default::default()
    };
    NumericPool::with_options(1, exe(), opts).unwrap()
}

#[test]
fn deadline_kills_the_worker_and_the_pool_recovers() {
    let p = roomy_pool();
    p.warm_up().unwrap();
    let c = p
        .check(&slow_identity(), Duration::from_millis(1500))
        .unwrap();
    assert_verdict(&c, ItemVerdict::Timeout);
    assert_eq!(p.restarts(), 1);
    // The replacement worker answers the next item.
    let c = p
        .check(&rel(mul(n("3"), n("4")), Rel::Eq, n("12")), DEADLINE)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
}

#[test]
fn the_memory_cap_stops_a_runaway_without_taking_the_pool_down() {
    // 256 MiB of address space: enough for the interpreter and sympy, not for the expansion.
    let opts = NumericOptions {
        worker_memory_mb: 256,
        ..Default::default()
    };
    let p = NumericPool::with_options(1, exe(), opts).unwrap();
    p.warm_up().unwrap();
    let c = p.check(&slow_identity(), Duration::from_secs(300)).unwrap();
    assert_verdict(&c, ItemVerdict::Unknown);
    let why = c.evidence.summary.to_lowercase();
    assert!(why.contains("memory") || why.contains("died"), "{why}");
    let c = p
        .check(&rel(mul(n("3"), n("4")), Rel::Eq, n("12")), DEADLINE)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
}

#[test]
fn a_worker_killed_mid_request_fails_only_its_request() {
    let p = std::sync::Arc::new(roomy_pool());
    p.warm_up().unwrap();
    let pids = p.worker_pids();
    assert_eq!(pids.len(), 1);
    // Kill only once the worker has read the request: idle, it reads nothing else.
    procs::wait_for("the worker to wait for a request", || {
        procs::blocked_reading_stdin(pids[0])
    });
    let before = procs::bytes_read(pids[0]);
    let p2 = p.clone();
    let slow = std::thread::spawn(move || {
        p2.check(&slow_identity(), Duration::from_secs(120))
            .unwrap()
    });
    procs::wait_for("the worker to read the slow item", || {
        procs::bytes_read(pids[0]) > before
    });
    let status = Command::new("kill")
        .arg("-9")
        .arg(pids[0].to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let c = slow.join().unwrap();
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("died"),
        "{}",
        c.evidence.summary
    );
    assert_eq!(p.restarts(), 1);
    let c = p
        .check(&rel(mul(n("3"), n("4")), Rel::Eq, n("13")), DEADLINE)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Refuted);
}

#[test]
fn the_worker_rejects_malformed_requests_without_dying() {
    let mut child = Command::new(exe())
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), vibecheck::verify::numeric::READY_LINE);
    // Not a request; then a request whose node refers forward (never valid from our flattener).
    writeln!(stdin, "__import__('os').system('id')").unwrap();
    let bad = r#"{"id":7,"items":[{"nodes":[{"op":"neg","a":1},{"op":"int","a":"1"}],"terms":[0,1],"rels":["eq"],"modulus":null,"lits":[null,null],"texts":["a","b"]}],"approx_rel_tol":0.01,"identities":false}"#;
    writeln!(stdin, "{bad}").unwrap();
    drop(stdin);
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("bad request"), "{line}");
    line.clear();
    out.read_line(&mut line).unwrap();
    assert!(
        line.contains("\"id\":7") && line.contains("unknown"),
        "{line}"
    );
    assert!(child.wait().unwrap().success());
}

// ───────────────────────────── Z3 ─────────────────────────────

fn claim(src: &str) -> Check {
    check_claim(src, Z3_TIMEOUT)
}

#[test]
fn claims_proved_and_refuted_with_counterexamples() {
    let c = claim("forall x: Int. x*x >= 0");
    assert_verdict(&c, ItemVerdict::Verified);
    assert_eq!(c.evidence.solver_status.as_deref(), Some("unsat"));
    assert_eq!(c.checker, vibecheck::verify::Checker::Logic);

    let c = claim("forall x: Int. x*x > 0");
    assert_verdict(&c, ItemVerdict::Refuted);
    assert_eq!(
        c.evidence.counterexample,
        Some(BTreeMap::from([("x".to_string(), "0".to_string())]))
    );

    let c = claim("forall a: Real, b: Real. (a + b)^2 = a^2 + 2*a*b + b^2");
    assert_verdict(&c, ItemVerdict::Verified);

    let c = claim("forall a, b: Real. (a + b)^2 = a^2 + b^2");
    assert_verdict(&c, ItemVerdict::Refuted);
    let cex = c.evidence.counterexample.unwrap();
    assert!(cex.contains_key("a") && cex.contains_key("b"), "{cex:?}");

    let c = claim("forall p, q: Bool. not (p and q) iff (not p or not q)");
    assert_verdict(&c, ItemVerdict::Verified);
    let c = claim("forall p, q: Bool. (p implies q) implies (q implies p)");
    assert_verdict(&c, ItemVerdict::Refuted);
}

#[test]
fn claim_operators() {
    for (src, want) in [
        (
            "forall x: Int. abs(x) >= 0 and |x| = max(x, -x)",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Int, y: Int. min(x, y) <= max(x, y)",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Int. x mod 3 < 3 and x mod 3 >= 0",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Int. 6 divides x implies 3 divides x",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Int. 3 divides x implies 6 divides x",
            ItemVerdict::Refuted,
        ),
        (
            "forall x: Int. x div 2 * 2 + x mod 2 = x",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Real. x > 0 implies x / 2 < x",
            ItemVerdict::Verified,
        ),
        (
            "forall x: Int in [1, 10]. x^2 <= 100",
            ItemVerdict::Verified,
        ),
        ("forall x: Int in [1, 11]. x^2 <= 100", ItemVerdict::Refuted),
        ("exists n: Int. n * n = 49 and n < 0", ItemVerdict::Verified),
        ("exists n: Int in [1, 10]. n * n = 50", ItemVerdict::Refuted),
        (
            "forall n: Int. n > 0 implies exists m: Int. m > n",
            ItemVerdict::Verified,
        ),
        ("2^10 = 1024", ItemVerdict::Verified),
        ("1 < 2 < 2", ItemVerdict::Refuted),
    ] {
        let c = claim(src);
        assert_eq!(c.verdict, want, "{src}: {:?}", c.evidence);
    }
    let c = claim("exists n: Int. n * n = 49 and n < 0");
    assert!(
        c.evidence.summary.contains("n = -7"),
        "{}",
        c.evidence.summary
    );
}

#[test]
fn bounded_claims_are_proved_only_over_their_ranges() {
    // Nonlinear integer claim over a stated range: settled (Z3, bit-vectors or every case).
    let c = claim("forall n: Int in [1, 1000]. n mod 2 = 1 implies (n^2 - 1) mod 8 = 0");
    assert_verdict(&c, ItemVerdict::Verified);
    // Refuted inside a range, with the counterexample.
    let c = claim("forall n: Int in [0, 60]. n^2 - n + 41 != 41 * 41");
    assert_verdict(&c, ItemVerdict::Refuted);
    assert_eq!(c.evidence.counterexample.unwrap()["n"], "41");
    // Unbounded and beyond Z3: a bounded search is reported as such, never as a proof.
    let c = check_claim(
        "forall x: Int, y: Int, z: Int. x > 0 and y > 0 and z > 0 implies x^3 + y^3 != z^3",
        Duration::from_secs(3),
    );
    assert_verdict(&c, ItemVerdict::CheckedBounded);
    assert!(
        c.evidence.summary.contains("checked up to"),
        "{}",
        c.evidence.summary
    );
    assert!(
        c.evidence.summary.contains("not a proof"),
        "{}",
        c.evidence.summary
    );
}

#[test]
fn malformed_claims_are_unknown_with_a_reason() {
    let c = claim("forall x: Int. x > ");
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("does not parse"),
        "{}",
        c.evidence.summary
    );
    let c = claim("forall x: Int. x > y");
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(c.evidence.summary.contains("`y`"), "{}", c.evidence.summary);
    let c = claim(&format!(
        "{}1 = 1{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    ));
    assert_verdict(&c, ItemVerdict::Unknown);
    let c = claim("forall p: Bool. p + 1 > 0");
    assert_verdict(&c, ItemVerdict::Unknown);
    // Text that would run code if anything eval'ed it is just a malformed claim / block.
    for hostile in ["__import__('os').system('id')", "().__class__.__bases__"] {
        assert_verdict(&claim(hostile), ItemVerdict::Unknown);
        assert_verdict(&check_smt2(hostile, Z3_TIMEOUT), ItemVerdict::Unknown);
    }
    let c = check_smt2("(assert (__import__ \"os\"))", Z3_TIMEOUT);
    assert_verdict(&c, ItemVerdict::Unknown);
}

#[test]
fn smt2_blocks() {
    let unsat = "(declare-const x Int)\n(assert (> (* x x) 3))\n(assert (< x 2))\n(assert (> x (- 2)))\n(check-sat)";
    let c = check_smt2(unsat, Z3_TIMEOUT);
    assert_verdict(&c, ItemVerdict::Verified);
    assert_eq!(c.evidence.solver_status.as_deref(), Some("unsat"));

    let sat = "(declare-const x Int)\n(assert (> x 3))\n(check-sat)\n(get-model)";
    let c = check_smt2(sat, Z3_TIMEOUT);
    assert_verdict(&c, ItemVerdict::Refuted);
    let cex = c.evidence.counterexample.unwrap();
    let x: i64 = cex["x"].parse().expect("x as a number");
    assert!(x > 3, "{cex:?}");
    // A negative value is rendered as a number, not as `(- 5)`.
    let neg = "(declare-const y Int)\n(assert (< y (- 4)))";
    let c = check_smt2(neg, Z3_TIMEOUT);
    let y: i64 = c.evidence.counterexample.unwrap()["y"]
        .parse()
        .expect("y as a number");
    assert!(y < -4);

    let declared = format!("(set-info :status sat)\n{sat}");
    assert_verdict(&check_smt2(&declared, Z3_TIMEOUT), ItemVerdict::Verified);
    let declared_wrong = format!("(set-info :status unsat)\n{sat}");
    assert_verdict(
        &check_smt2(&declared_wrong, Z3_TIMEOUT),
        ItemVerdict::Refuted,
    );
}

#[test]
fn smt2_exit_and_bad_blocks() {
    // Everything after (exit) is ignored: without it the block would be unsat.
    let c = check_smt2(
        "(declare-const x Int)\n(assert (> x 0))\n(exit)\n(assert (< x 0))",
        Z3_TIMEOUT,
    );
    assert_verdict(&c, ItemVerdict::Refuted);
    assert!(
        c.evidence.summary.contains("(exit)"),
        "{}",
        c.evidence.summary
    );
    for bad in [
        "(assert (> y 0))",
        "(declare-const x Int) (assert (> x 0)",
        "(set-option :timeout 0) (assert true)",
        "(push 1) (assert true)",
        "",
        "(declare-const x Int)",
        "(assert (= 1 1))\0",
    ] {
        let c = check_smt2(bad, Z3_TIMEOUT);
        assert_eq!(c.verdict, ItemVerdict::Unknown, "{bad:?}: {:?}", c.evidence);
    }
}

#[test]
fn looping_quantifiers_time_out_near_the_limit() {
    // A strictly increasing f: Int → Int below 0 everywhere is impossible, but only by
    // induction: E-matching instantiates f(0), f(1), f(2), … forever.
    let looping = "(declare-fun f (Int) Int)\n\
        (assert (forall ((x Int)) (! (> (f (+ x 1)) (f x)) :pattern ((f x)))))\n\
        (assert (forall ((x Int)) (! (< (f x) 0) :pattern ((f x)))))\n\
        (assert (< (f 0) 0))\n(check-sat)";
    let limit = Duration::from_secs(2);
    let c = check_smt2(looping, limit);
    assert_verdict(&c, ItemVerdict::Timeout);
    // Liveness, not speed: the watchdog returns control long before a runaway would.
    assert!(
        c.time_ms < (limit.as_secs_f64() * 1e3) + 10_000.0,
        "took {} ms",
        c.time_ms
    );
}

// ───────────────────────────── properties ─────────────────────────────

#[test]
fn pool_and_verdicts_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<NumericPool>();
}

/// A small random integer expression and its exact value (None when undefined, e.g. x/0).
fn arb_expr() -> impl proptest::strategy::Strategy<Value = (Expr, Option<(i128, i128)>)> {
    use proptest::prelude::*;
    let leaf = (0i128..50).prop_map(|k| (n(&k.to_string()), Some((k, 1))));
    leaf.prop_recursive(4, 24, 2, |inner| {
        (inner.clone(), inner, 0..4u8).prop_map(|((a, va), (b, vb), op)| {
            let value = va.zip(vb).and_then(|((p, q), (r, s))| match op {
                0 => Some((p * s + r * q, q * s)),
                1 => Some((p * s - r * q, q * s)),
                2 => Some((p * r, q * s)),
                _ if r == 0 => None,
                _ => Some((p * s, q * r)),
            });
            let e = match op {
                0 => add(a, b),
                1 => Expr::Sub(Box::new(a), Box::new(b)),
                2 => mul(a, b),
                _ => div(a, b),
            };
            (e, value)
        })
    })
}

fn reduce((p, q): (i128, i128)) -> (i128, i128) {
    let (mut a, mut b) = (p.abs(), q.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let g = a.max(1) * if q < 0 { -1 } else { 1 };
    (p / g, q / g)
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 48, ..Default::default() })]

    /// Differential: sympy's verdict on `e = v` agrees with exact i128 rational arithmetic,
    /// for the right value and for a wrong one.
    #[test]
    fn numeric_verdicts_match_exact_arithmetic((e, value) in arb_expr(), off in 1i128..5) {
        if let Some(v) = value {
            let (p, q) = reduce(v);
            let lit = |p: i128, q: i128| {
                let num = if p < 0 { Expr::Neg(Box::new(n(&(-p).to_string()))) } else { n(&p.to_string()) };
                if q == 1 { num } else { div(num, n(&q.to_string())) }
            };
            let right = rel(e.clone(), Rel::Eq, lit(p, q));
            let wrong = rel(e, Rel::Eq, lit(p + off * q, q));
            let checks = pool().check_batch(&[right, wrong], DEADLINE).unwrap();
            proptest::prop_assert_eq!(checks[0].verdict, ItemVerdict::Verified, "{:?}", checks[0].evidence);
            proptest::prop_assert_eq!(checks[1].verdict, ItemVerdict::Refuted, "{:?}", checks[1].evidence);
        } else {
            let c = check(&rel(e, Rel::Eq, n("1")));
            proptest::prop_assert_eq!(c.verdict, ItemVerdict::Unknown, "{:?}", c.evidence);
        }
    }

    /// Any sequence of claim-language tokens gives a verdict (usually a parse error), never a
    /// panic or a hang.
    #[test]
    fn random_claims_never_panic(toks in proptest::collection::vec(proptest::sample::select(vec![
        "forall", "exists", "x", "y", ":", "Int", "Real", "Bool", ".", ",", "in", "[", "]", "(", ")",
        "+", "-", "*", "/", "^", "2", "0", "mod", "div", "divides", "abs", "min", "max", "|", "=",
        "!=", "<", "<=", ">", "and", "or", "not", "implies", "iff", "true", "1.5",
    ]), 0..24)) {
        let src = toks.join(" ");
        let c = check_claim(&src, Duration::from_millis(300));
        proptest::prop_assert_eq!(c.checker.as_str(), "logic");
    }

    /// The SMT-LIB pre-scan and Z3's parser never panic on random s-expression soup.
    #[test]
    fn random_smt2_never_panics(toks in proptest::collection::vec(proptest::sample::select(vec![
        "(", ")", "assert", "declare-const", "x", "Int", "Bool", ">", "+", "1", "\"s\"", "|q|", ";c\n",
        "check-sat", "exit", "forall", "((x Int))", "set-info", ":status", "sat", "unsat",
    ]), 0..24)) {
        let src = toks.join(" ");
        let c = check_smt2(&src, Duration::from_millis(300));
        proptest::prop_assert_eq!(c.checker.as_str(), "smt2");
    }
}

#[test]
fn claims_beyond_z3_time_out_near_the_limit() {
    // No witness exists (Fermat, n = 3) and an exists claim has no bounded fallback.
    let limit = Duration::from_secs(2);
    let c = check_claim(
        "exists x, y, z: Int. x > 0 and y > 0 and z > 0 and x^3 + y^3 = z^3",
        limit,
    );
    assert_verdict(&c, ItemVerdict::Timeout);
    assert!(
        c.time_ms < (limit.as_secs_f64() * 1e3) + 10_000.0,
        "took {} ms",
        c.time_ms
    );
    // Nested quantifiers are handled by Z3 itself.
    let c = claim("forall x: Int. exists y: Int. y*y*y = x");
    assert_verdict(&c, ItemVerdict::Refuted);
    assert!(c.evidence.counterexample.unwrap().contains_key("x"));
}

// ───────────────────────────── hostile SMT-LIB and claims (issue 10) ─────────────────────────────

use vibecheck::verify::logic::smtlex;
use vibecheck::verify::z3pool::Z3Pool;

fn z3_pool() -> &'static Z3Pool {
    static POOL: OnceLock<Z3Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        Z3Pool::new(
            2,
            exe(),
            vibecheck::verify::z3pool::DEFAULT_Z3_WORKER_MEMORY_MB,
        )
        .expect("start the Z3 pool")
    })
}

/// The attack of issue 10 #1: a pre-scan that ends `|x\|` at its second bar sees one harmless
/// `assert` holding two quoted symbols, while Z3 (for which `\|` is an escaped bar) sees
/// `set-option :regular-output-channel` and `echo` at the top level and writes the file.
fn smuggling_block(path: &std::path::Path) -> String {
    format!(
        "(assert (= |x\\| | 1)) (set-option :regular-output-channel \"{}\") (echo \"pwned\") (assert (= |z\\| | 1))",
        path.display()
    )
}

#[test]
fn escaped_bar_smuggling_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pwned.txt");
    let block = smuggling_block(&path);
    // In process, and through the confined worker pool (the path the CLI and server take).
    let c = check_smt2(&block, Z3_TIMEOUT);
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("backslash"),
        "{}",
        c.evidence.summary
    );
    let c = z3_pool().check_smt2(&block, Z3_TIMEOUT).unwrap();
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(!path.exists(), "Z3 wrote {}", path.display());
    // The same commands written plainly are refused by the allowlist.
    for cmd in [
        format!(
            "(set-option :regular-output-channel \"{}\")",
            path.display()
        ),
        format!("(echo \"pwned\") (include \"{}\")", path.display()),
        "(push 100000000)".to_string(),
        "(set-info :status sat) (assert true) (eval 1)".to_string(),
    ] {
        let block = format!("(declare-const x Int) {cmd} (assert (> x 0))");
        let c = z3_pool().check_smt2(&block, Z3_TIMEOUT).unwrap();
        assert_verdict(&c, ItemVerdict::Unknown);
        assert!(
            c.evidence.summary.contains("not allowed"),
            "{}",
            c.evidence.summary
        );
    }
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn z3_pool_gives_the_same_verdicts_as_in_process() {
    let c = z3_pool()
        .check_claim("forall x: Int. x*x >= 0", Z3_TIMEOUT)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
    assert_eq!(c.checker, vibecheck::verify::Checker::Logic);
    let c = z3_pool()
        .check_smt2("(declare-const x Int)\n(assert (> x 3))", Z3_TIMEOUT)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Refuted);
    assert_eq!(c.checker, vibecheck::verify::Checker::Smt2);
}

#[test]
fn a_memory_hungry_query_costs_one_worker_not_the_process() {
    // Bit-blasting two products of 20,000-bit vectors needs gigabytes: inside a worker capped
    // at 1 GiB, Z3 runs out of memory (or time) there — an `unknown`/`timeout`, not an abort.
    let p = Z3Pool::new(1, exe(), 1024).unwrap();
    let hungry = "(declare-const a (_ BitVec 20000)) (declare-const b (_ BitVec 20000))\n\
        (declare-const c (_ BitVec 20000)) (assert (= (bvmul a b) (bvnot (bvmul b c))))";
    let c = p.check_smt2(hungry, Duration::from_secs(5)).unwrap();
    eprintln!(
        "memory-hungry block: {:?} in {:.0} ms: {}",
        c.verdict, c.time_ms, c.evidence.summary
    );
    assert!(
        matches!(c.verdict, ItemVerdict::Unknown | ItemVerdict::Timeout),
        "{:?}",
        c
    );
    // The pool (and this process) keep working.
    let c = p
        .check_claim("forall x: Int in [0, 3]. x*x < 10", Z3_TIMEOUT)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
}

#[test]
fn a_z3_worker_that_dies_fails_only_its_item() {
    // Stands in for Z3's exit(101) at its memory cap: the worker process vanishes mid-query.
    let p = std::sync::Arc::new(Z3Pool::new(1, exe(), 1024).unwrap());
    let c = p
        .check_claim("forall x: Int. x + 0 = x", Z3_TIMEOUT)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
    let pids = p.worker_pids();
    assert_eq!(pids.len(), 1);
    let looping = "(declare-fun f (Int) Int)\n\
        (assert (forall ((x Int)) (! (> (f (+ x 1)) (f x)) :pattern ((f x)))))\n\
        (assert (forall ((x Int)) (! (< (f x) 0) :pattern ((f x)))))\n\
        (assert (< (f 0) 0))";
    let p2 = p.clone();
    let slow = std::thread::spawn(move || p2.check_smt2(looping, Duration::from_secs(60)).unwrap());
    // Kill it once it has taken the request (its pid is no longer idle).
    while p.worker_pids().contains(&pids[0]) {
        std::thread::yield_now();
    }
    let status = Command::new("kill")
        .arg("-9")
        .arg(pids[0].to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let c = slow.join().unwrap();
    assert_verdict(&c, ItemVerdict::Unknown);
    assert!(
        c.evidence.summary.contains("died"),
        "{}",
        c.evidence.summary
    );
    assert_eq!(p.restarts(), 1);
    let c = p
        .check_claim("forall x: Int. x - x = 0", Z3_TIMEOUT)
        .unwrap();
    assert_verdict(&c, ItemVerdict::Verified);
}

#[test]
fn bit_vector_ranges_never_wrap() {
    // Issue 10 #5: every range must fit the width, including variables absent from the body.
    let c = claim("forall k: Int in [0, 3]. k*k < 5");
    assert_verdict(&c, ItemVerdict::Refuted);
    assert_eq!(c.evidence.counterexample.unwrap()["k"], "3");
    let c = claim("forall n: Int in [0, 1000], k: Int in [0, 3]. k*k < 5");
    assert_verdict(&c, ItemVerdict::Refuted);
    let c = claim("forall n: Int in [0, 100000]. false");
    assert_verdict(&c, ItemVerdict::Refuted);
    // Ranges beyond i64 (and at i128's ends) go to the Int encoding: a verdict, no panic.
    let c = claim("forall x: Int in [0, 100000000000000000000000]. x >= 0");
    assert_verdict(&c, ItemVerdict::Verified);
    let min = "(-(2^126) - 2^126)";
    let c = claim(&format!("forall x: Int in [{min}, {min}]. abs(x) > 0"));
    assert!(
        matches!(
            c.verdict,
            ItemVerdict::Verified | ItemVerdict::Unknown | ItemVerdict::Timeout
        ),
        "{c:?}"
    );
    let c = claim(&format!("forall x: Int in [{min}, 2^126]. x mod 2 >= 0"));
    assert_ne!(c.verdict, ItemVerdict::Refuted, "{c:?}");
}

#[test]
fn extreme_integers_in_answers_are_compared_without_panicking() {
    use vibecheck::verify::answer::equivalent;
    let min = "-170141183460469231731687303715884105728";
    let max = "170141183460469231731687303715884105727";
    for (a, b) in [
        (min, min),
        (min, max),
        (&*format!("|{min}|"), max),
        (&*format!("{min} \\bmod -1"), "0"),
        (&*format!("\\gcd({min}, 0)"), "0"),
        (&*format!("\\gcd({min}, {min})"), "1"),
        (&*format!("\\operatorname{{lcm}}({min}, 3)"), "1"),
        (&*format!("\\lfloor {min}/3 \\rfloor"), "1"),
        (&*format!("({min})^{{-1}}"), "0"),
        (&*format!("{max} + 1"), min),
    ] {
        let _ = equivalent(a, b);
        let _ = equivalent(b, a);
    }
    assert!(equivalent(max, max));
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 64, ..Default::default() })]

    /// Bit-vector (and every other) verdicts on small fully ranged integer claims agree with
    /// brute-force enumeration: `verified` only when every point holds, and a refutation's
    /// counterexample really falsifies the body. A variable absent from the body has a range
    /// wider than the body's values, which is where a width taken from the body alone wraps.
    #[test]
    fn ranged_claim_verdicts_match_enumeration(
        (lo1, w1) in (-8i128..8, 0i128..6),
        (lo2, w2) in (-8i128..8, 0i128..6),
        spare in proptest::sample::select(vec![3i128, 200, 1000, 70000]),
        lhs in arb_claim_expr(),
        rhs in arb_claim_expr(),
        op in proptest::sample::select(vec!["<", "<=", "=", "!=", ">", ">="]),
    ) {
        use vibecheck::verify::claim::{eval, parse, Rat, Val};
        let (hi1, hi2) = (lo1 + w1, lo2 + w2);
        let src = format!(
            "forall x: Int in [{lo1}, {hi1}], y: Int in [{lo2}, {hi2}], n: Int in [0, {spare}]. {lhs} {op} {rhs}"
        );
        let body = parse(&format!("{lhs} {op} {rhs}")).unwrap();
        let at = |x: i128, y: i128| {
            let env = [("x", x), ("y", y), ("n", 0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Val::Num(Rat::int(v))))
                .collect();
            eval(&body, &env)
        };
        let mut all_hold = true;
        let mut undefined = false;
        for x in lo1..=hi1 {
            for y in lo2..=hi2 {
                match at(x, y) {
                    Ok(Val::Bool(b)) => all_hold &= b,
                    _ => undefined = true,
                }
            }
        }
        let c = check_claim(&src, Z3_TIMEOUT);
        match c.verdict {
            // SMT-LIB's div/mod are total, so a point with a zero divisor may go either way.
            ItemVerdict::Verified => proptest::prop_assert!(all_hold, "{src}: {:?}", c.evidence),
            ItemVerdict::Refuted => {
                let m = c.evidence.counterexample.clone().unwrap_or_default();
                let get = |k: &str| m.get(k).and_then(|v| v.parse::<i128>().ok());
                if let (Some(x), Some(y)) = (get("x"), get("y")) {
                    let r = at(x, y);
                    proptest::prop_assert!(matches!(r, Ok(Val::Bool(false))) || r.is_err(), "{src}: {m:?}");
                }
                proptest::prop_assert!(!all_hold || undefined, "{src}: {:?}", c.evidence);
            }
            _ => {}
        }
    }

    /// The SMT-LIB lexer never panics; what it accepts re-emits to text that lexes back to the
    /// same commands (so Z3 parses exactly what the allowlist saw).
    #[test]
    fn smt_lexer_never_panics_and_round_trips(toks in proptest::collection::vec(proptest::sample::select(vec![
        "(", ")", "assert", "declare-const", "x", "Int", "|a b|", "|a\\|", "\\", "|", "\"", "\"\"",
        "\"s\"", ";c\n", "#x1F", "#b1", "#|", "-3", "1.5", ":status", "set-option", "echo", "push",
        "é", "\0", ",", "{", "set-info", "sat", "check-sat", "exit",
    ]), 0..32)) {
        let src = toks.concat();
        if let Ok(acc) = smtlex::accept(&src) {
            let again = smtlex::accept(&acc.text).expect("re-emitted text is accepted");
            proptest::prop_assert_eq!(again.text, acc.text);
        }
        let _ = smtlex::lex(&src);
    }

    /// Answer equivalence never panics on extreme or malformed numbers.
    #[test]
    fn answer_equivalence_never_panics(a in proptest::collection::vec(proptest::sample::select(vec![
        "-170141183460469231731687303715884105728", "170141183460469231731687303715884105727",
        "0", "-1", "3", "\\gcd(", "\\operatorname{lcm}(", ",", ")", "\\bmod", "|", "^", "{", "}",
        "\\frac", "\\sqrt", "/", "*", "+", "-", ".5", "!", "\\binom",
    ]), 0..12), b in "[-0-9./^(){}]{0,12}") {
        let a = a.concat();
        let _ = vibecheck::verify::answer::equivalent(&a, &b);
        let _ = vibecheck::verify::answer::equivalent(&b, &a);
    }

    /// The claim parser and evaluator never panic on extreme literals.
    #[test]
    fn claims_with_extreme_literals_never_panic(toks in proptest::collection::vec(proptest::sample::select(vec![
        "forall", "x", ":", "Int", "in", "[", "]", ",", ".", "(", ")", "-", "+", "*", "^", "mod",
        "div", "abs", "=", ">", "2", "126", "127", "170141183460469231731687303715884105727",
        "9223372036854775807", "divides", "min", "max",
    ]), 0..20)) {
        let src = toks.join(" ");
        let c = check_claim(&src, Duration::from_millis(300));
        proptest::prop_assert_eq!(c.checker.as_str(), "logic");
    }
}

/// Small integer expressions over `x`, `y`, `n` in the claim language.
fn arb_claim_expr() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        (-9i32..10).prop_map(|k| if k < 0 {
            format!("({k})")
        } else {
            k.to_string()
        }),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        (
            inner.clone(),
            inner,
            proptest::sample::select(vec!["+", "-", "*", "mod", "div"]),
        )
            .prop_map(|(a, b, op)| format!("({a} {op} {b})"))
    })
}
