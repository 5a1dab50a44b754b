//! `vibecheck verify` through the real binary, with real sympy workers (and Z3 for claims).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_vibecheck");

fn run_with(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("verify").args(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn vibecheck");
    if let Some(data) = stdin {
        let mut si = child.stdin.take().unwrap();
        let data = data.to_vec();
        std::thread::spawn(move || {
            let _ = si.write_all(&data);
        });
    }
    child.wait_with_output().unwrap()
}

fn write_tmp(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    p.to_string_lossy().into_owned()
}

/// Runs `verify --json` on `text` and returns (exit code, the single JSON object).
fn verify_json(text: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--json", "-"];
    args.extend_from_slice(extra);
    let out = run_with(&args, Some(text.as_bytes()));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

fn step_verdicts(v: &Value) -> Vec<String> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["verdict"].as_str().unwrap().to_string())
        .collect()
}

/// Every step checks out but nothing establishes the answer: `no_errors_found` (exit 1), with
/// coverage; per-step verdicts unchanged. With a reference it is `verified` (exit 0).
#[test]
fn correct_chain_without_answer_evidence_is_no_errors_found_with_exactly_six_keys() {
    let (code, v) = verify_json("3 + 4 = 7\nso 7 * 2 = 14\n#### 14", &[]);
    assert_eq!(code, 1, "{v}");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    for k in [
        "verdict",
        "answer_evidence",
        "first_error",
        "steps",
        "answer",
        "coverage",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["verdict"], "no_errors_found");
    assert_eq!(v["answer_evidence"], Value::Null);
    assert_eq!(v["first_error"], Value::Null);
    assert_eq!(step_verdicts(&v), vec!["verified", "verified", "unchecked"]);
    assert_eq!(v["answer"]["extracted"], "14");
    assert_eq!(v["coverage"]["steps_total"], 3);
    assert_eq!(v["coverage"]["steps_checked"], 2);
    assert_eq!(v["coverage"]["by_checker"]["numeric"], 2);

    let (code, v) = verify_json("3 + 4 = 7\nso 7 * 2 = 14\n#### 14", &["--reference", "14"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["answer_evidence"], "reference");
    assert_eq!(v["answer"]["equivalence"], "equal");
}

/// A rounded decimal that matches the reference only in the digits it shows (`0.33` for
/// `\frac13`) is a probable match: not refuted, but not answer-level evidence either.
#[test]
fn a_probable_match_with_the_reference_is_not_verified() {
    let chain = "Each gets one third, about 0.33.\n#### 0.33";
    let (code, v) = verify_json(chain, &["--reference", "\\frac13"]);
    assert_eq!(v["answer"]["equivalence"], "probably_equal", "{v}");
    assert_eq!(v["answer"]["equivalent"], true, "{v}");
    assert_eq!(v["verdict"], "no_errors_found", "{v}");
    assert_eq!(v["answer_evidence"], serde_json::Value::Null, "{v}");
    assert_eq!(code, 1, "{v}");
    let (code, v) = verify_json(
        "Each gets a quarter, 0.25.\n#### 0.25",
        &["--reference", "\\frac14"],
    );
    assert_eq!(v["answer"]["equivalence"], "equal", "{v}");
    assert_eq!(v["verdict"], "verified", "{v}");
    assert_eq!(code, 0, "{v}");
}

/// The answer substituted back into the problem's equation establishes it; a wrong answer is
/// refuted with the computed value, even when every step "checks out".
#[test]
fn answer_checked_against_the_problem_by_substitution() {
    let chain = "2x + 3 = 7, so 2x = 4.\n\nThus $x = 2$.\n\n\\boxed{2}";
    let (code, v) = verify_json(chain, &["--problem", "Solve $2x+3=7$."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["answer_evidence"], "substitution");
    let c = &v["answer"]["checks"][0];
    assert_eq!(c["checker"], "substitution");
    assert_eq!(c["verdict"], "verified");

    // A wrong answer, with nothing refuted in the steps: refuted by substitution.
    let wrong = "2x + 3 = 7, so 2x = 5.\n\nThus $x = 2.5$.\n\n\\boxed{\\frac{5}{2}}";
    let (code, v) = verify_json(wrong, &["--problem", "Solve $2x+3=7$."]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "flagged");
    let c = &v["answer"]["checks"][0];
    assert_eq!(c["verdict"], "refuted", "{v}");
    assert!(
        c["evidence"].to_string().contains('8'),
        "the refutation carries the computed value 2·(5/2)+3 = 8: {c}"
    );

    // A condition with a side constraint, read from a file.
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "p.txt", b"Find $x$ such that $x^2-5x+6=0$ and $x>2$.");
    let (code, v) = verify_json(
        "Factor: (x-2)(x-3) = 0.\n\n\\boxed{3}",
        &["--problem-file", &p],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["answer_evidence"], "substitution");
    let (code, v) = verify_json(
        "Factor: (x-2)(x-3) = 0.\n\n\\boxed{2}",
        &["--problem-file", &p],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "flagged", "2 fails x > 2: {v}");

    // "Solve" with one of two roots: satisfies, but not established.
    let (code, v) = verify_json("\\boxed{3}", &["--problem", "Solve $x^2-5x+6=0$."]);
    assert_eq!(code, 1, "{v}");
    assert_ne!(v["verdict"], "verified", "{v}");
    // The problem asks for something else (3x): no substitution, no refutation of a right answer.
    let (_, v) = verify_json(
        "2x = 4, so 3x = 6.\n\n\\boxed{6}",
        &["--problem", "If $2x+3=7$, what is $3x$?"],
    );
    assert_ne!(v["verdict"], "flagged", "{v}");
    assert!(v["answer"]["checks"].as_array().unwrap().is_empty(), "{v}");
}

#[test]
fn wrong_step_is_flagged_with_evidence() {
    let text = "Step 1: 3 + 4 = 7\nStep 2: so 7 * 2 = 15\nStep 3: 15 - 1 = 14\nThe answer is 14.";
    let (code, v) = verify_json(text, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "flagged");
    assert_eq!(v["first_error"], 1);
    assert_eq!(step_verdicts(&v)[..3], ["verified", "refuted", "verified"]);
    let check = &v["steps"][1]["checks"][0];
    assert_eq!(check["checker"], "numeric");
    assert_eq!(check["verdict"], "refuted");
    let ev = check["evidence"].to_string();
    assert!(ev.contains("14"), "evidence names the computed value: {ev}");
}

#[test]
fn gsm8k_annotated_solution() {
    let good = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer's market.\n#### 18";
    let (code, v) = verify_json(good, &["--reference", "18"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verdict"], "verified");
    assert_eq!(v["answer_evidence"], "reference");
    assert_eq!(v["answer"]["equivalent"], true);
    // The prose result disagrees with its own calculation.
    let bad = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $20 every day.\n#### 20";
    let (code, v) = verify_json(bad, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["first_error"], 1);
}

#[test]
fn reference_mismatch_flags_without_a_refuted_step() {
    let (code, v) = verify_json("3 + 4 = 7\n#### 7", &["--reference", "8"]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "flagged");
    assert_eq!(v["first_error"], Value::Null);
    assert_eq!(v["answer"]["equivalent"], false);
    assert_eq!(v["answer"]["reference"], "8");
    // Equivalent forms of the answer match.
    let (code, v) = verify_json(
        "Half of it: $\\frac{1}{2}$.\n\nFinal Answer: $\\frac{1}{2}$",
        &["--reference", "0.5"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["answer"]["equivalent"], true);
    // A negative reference is a value, not an option.
    let (code, v) = verify_json("3 - 7 = -4\n#### -4", &["--reference", "-4"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["answer"]["equivalent"], true);
}

#[test]
fn nothing_checkable_is_unverified() {
    let (code, v) = verify_json("We think about the problem.\n\nIt seems hard.", &[]);
    assert_eq!(code, 1, "unverified: the answer is not established");
    assert_eq!(v["verdict"], "unverified");
    assert!(step_verdicts(&v).iter().all(|s| s == "unchecked"));
}

#[test]
fn latex_items_and_rounding_rule() {
    let text = "$\\frac{3}{4}+\\frac14 = 1$\n\n$\\binom{5}{2} = 10$ and $5! = 120$\n\n$49 \\equiv 1 \\pmod 8$\n\n$\\frac{10}{3} \\approx 3.33$ and $10/3 = 3.3$\n\n$\\sqrt{16} = 4$";
    let (code, v) = verify_json(text, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "no_errors_found");
    assert!(step_verdicts(&v).iter().all(|s| s == "verified"), "{v}");
    let (code, v) = verify_json("so $2/3 = 0.65$", &[]);
    assert_eq!(code, 1, "{v}");
    let (code, _) = verify_json("so $10/3 = 3$", &[]);
    assert_eq!(code, 1, "an integer is exact under =");
}

#[test]
fn json_input_file_and_human_output() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_tmp(
        &dir,
        "chain.json",
        br#"{"problem": "Double 7.", "steps": ["3 + 4 = 7", "7 * 2 = 15"], "answer": "15", "reference": "14"}"#,
    );
    let out = run_with(&[&f], None);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    // People count from 1; the JSON `index` stays 0-based.
    assert!(s.contains("✓ step 1: 3 + 4 = 7"), "{s}");
    assert!(s.contains("✗ step 2: 7 * 2 = 15"), "{s}");
    assert!(s.contains("does not match reference 14"), "{s}");
    assert!(
        s.contains("verdict: flagged (first error at step 2)"),
        "{s}"
    );
    // Evidence is printed under the refuted item.
    let after = s.split("✗ step 2").nth(1).unwrap();
    assert!(after.contains("numeric"), "{s}");
}

/// Human output numbers steps from 1 and shows the solution's own label next to the number.
#[test]
fn human_output_shows_the_solutions_step_labels() {
    let text = "Step 1: 3 + 4 = 7\nStep 2: so 7 * 2 = 15\nStep 3: 15 - 1 = 14\nThe answer is 14.";
    let out = run_with(&["-"], Some(text.as_bytes()));
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("✓ step 1 (Step 1): 3 + 4 = 7"), "{s}");
    assert!(s.contains("✗ step 2 (Step 2): so 7 * 2 = 15"), "{s}");
    assert!(s.contains("(first error at step 2 (Step 2))"), "{s}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad_utf8 = write_tmp(&dir, "bad.txt", b"3 + 4 = 7\n\xff\xfe oops");
    let out = run_with(&[&bad_utf8], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not valid UTF-8"), "{err}");

    let bad_json = write_tmp(&dir, "bad.json", br#"{"steps": ["3 + 4 = 7", }"#);
    let out = run_with(&[&bad_json, "--json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("JSON"));

    let out = run_with(&["/nonexistent/chain.txt"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

#[test]
fn hostile_inputs_give_verdicts_not_panics() {
    // Python injection as text: not math, nothing runs.
    let (code, v) = verify_json(
        "__import__('os').system('id') = 0\n\n().__class__.__bases__ = 1",
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "unverified");
    // Guard rails: huge powers and factorials are not evaluated; a timeout or unknown is fine,
    // a refutation or proof is not.
    let (_, v) = verify_json("so 9^9^9^9 = 1\n\nand 100000! = 1", &[]);
    for s in v["steps"].as_array().unwrap() {
        assert_eq!(s["verdict"], "unknown", "{s}");
    }
    // 10,000 nested parentheses: not parsed, no stack overflow.
    let deep = format!("{}1{} = 1", "(".repeat(10_000), ")".repeat(10_000));
    let (code, v) = verify_json(&deep, &[]);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "unverified");
    // A 10 MB step.
    let big = "so 1 + 1 = 2 and ".repeat(10_000_000 / 17);
    let (code, v) = verify_json(&big, &["--budget", "20"]);
    assert!(code == 0 || code == 1, "{code}");
    assert!(v["steps"].as_array().is_some());
}

#[test]
fn stdin_dash_and_problem_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_tmp(&dir, "problem.txt", b"What is 3 + 4?");
    let out = run_with(
        &["-", "--problem-file", &p],
        Some(b"3 + 4 = 7\nThe answer is 7."),
    );
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.starts_with("problem: What is 3 + 4?"), "{s}");
    assert!(
        s.contains("coverage: 1 of 2 steps checked (1 numeric)"),
        "{s}"
    );
    assert!(
        s.contains("verdict: no_errors_found (no step failed, but the answer is not established)"),
        "{s}"
    );
    let out = run_with(
        &["-", "--problem", "Solve 2x + 3 = 7.", "--reference", "2"],
        Some(b"2x = 4\nThe answer is 2."),
    );
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("verdict: verified (answer established by reference)"),
        "{s}"
    );
    assert!(s.contains("✓ answer check [substitution]"), "{s}");
    // --problem and --problem-file together: a usage error.
    let out = run_with(&["-", "--problem", "x", "--problem-file", &p], Some(b"1"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn claims_and_smt2_go_to_z3() {
    let text = "A square is never negative.\n\n```claim\nforall x:Int. x*x >= 0\n```\n\nAnd squares grow:\n\n```claim\nforall x:Int. x*x > x\n```\n\n```smt2\n(declare-const a Int)\n(assert (> a 2))\n(assert (< a 3))\n(check-sat)\n(exit)\n```\n\n```python\nprint('not run here')\n```";
    let (code, v) = verify_json(text, &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "flagged");
    let verdicts = step_verdicts(&v);
    assert_eq!(verdicts[1], "verified", "{v}");
    assert_eq!(verdicts[3], "refuted", "{v}");
    assert_eq!(v["first_error"], 3);
    let cx = &v["steps"][3]["checks"][0]["evidence"]["counterexample"];
    assert!(
        cx.get("x").is_some(),
        "counterexample in the claim's own names: {v}"
    );
    assert_eq!(v["steps"][4]["checks"][0]["checker"], "smt2");
    assert_ne!(verdicts[4], "unchecked");
    // Code blocks are not run by `verify`.
    assert_eq!(verdicts[5], "unchecked");
}

#[test]
fn second_readings_of_sloppy_but_correct_writing() {
    // A running calculation: 3/2 = 1.50, then 1.50 + 3.00 = 4.50.
    let (code, v) = verify_json("So 1/2 off is $3/2 = $1.50+$3.00=$4.50 in total.", &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["verdict"], "no_errors_found");
    let ev = v["steps"][0]["checks"][0]["evidence"]["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ev.contains("running calculation"), "{ev}");
    // `%` on a bare result whose other side has none: a unit.
    let (_, v) = verify_json("The share is 0.25 * 100 = 25%.", &[]);
    assert_eq!(v["verdict"], "no_errors_found", "{v}");
    // `%` as a value still works.
    let (_, v) = verify_json("One quarter: 1/4 = 25%.", &[]);
    assert_eq!(v["verdict"], "no_errors_found", "{v}");
    // A float rendering from a calculator is read as ≈.
    let (_, v) = verify_json("<<4.20+9.45+1.35=14.999999999999998>>", &[]);
    assert_eq!(v["verdict"], "no_errors_found", "{v}");
    // But a wrong running calculation is still refuted.
    let (code, _) = verify_json("So $3/2 = $1.50+$3.00=$5.50 in total.", &[]);
    assert_eq!(code, 1);
}

/// The library API with the real worker binary: limits of `VerifyConfig`.
mod limits {
    use std::time::Duration;
    use vibecheck::chain;
    use vibecheck::verify::{ItemVerdict, Overall, StepVerdict, Verifier, VerifyConfig};

    fn config() -> VerifyConfig {
        VerifyConfig {
            workers: 1,
            worker_exe: Some(super::BIN.into()),
            ..VerifyConfig::default()
        }
    }

    #[test]
    fn verifier_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Verifier>();
    }

    #[test]
    fn item_and_step_limits_leave_notes() {
        let v = Verifier::new(VerifyConfig {
            max_items: 2,
            ..config()
        })
        .unwrap();
        let c = chain::parse("1 + 1 = 2\n2 + 2 = 4\n3 + 3 = 6\n4 + 4 = 9");
        let r = v.verify(&c, None).unwrap();
        let checks: Vec<_> = r.steps.iter().flat_map(|s| &s.checks).collect();
        assert_eq!(checks.len(), 3, "{checks:?}");
        assert_eq!(checks[2].checker, vibecheck::verify::Checker::Limits);
        assert!(checks[2].evidence.summary.contains("max_items"));
        // The wrong last step was never checked, so nothing is refuted (nor established).
        assert_eq!(r.verdict, Overall::NoErrorsFound);
        assert_eq!(r.coverage.steps_checked, 2, "a limits note is not a check");
        assert_eq!(r.steps[2].verdict, StepVerdict::Unknown);
        assert_eq!(r.steps[3].verdict, StepVerdict::Unchecked);

        let v = Verifier::new(VerifyConfig {
            max_steps: 1,
            ..config()
        })
        .unwrap();
        let r = v.verify(&c, None).unwrap();
        assert_eq!(r.steps[0].verdict, StepVerdict::Verified);
        assert!(r.steps[1].checks[0].evidence.summary.contains("max_steps"));
    }

    #[test]
    fn exhausted_budget_gives_timeouts_not_verdicts() {
        let v = Verifier::new(VerifyConfig {
            chain_budget: Duration::ZERO,
            ..config()
        })
        .unwrap();
        let c = chain::parse("1 + 1 = 3\n2 + 2 = 4");
        let r = v.verify(&c, None).unwrap();
        for s in &r.steps {
            assert_eq!(s.verdict, StepVerdict::Unknown);
            assert_eq!(s.checks[0].verdict, ItemVerdict::Timeout);
        }
        assert_eq!(r.verdict, Overall::Unverified);
        assert_eq!(r.first_error, None);
    }

    /// A stopped verification (the server's request was abandoned) checks no further item:
    /// the two items started before the stop are checked, the rest are `timeout` with a note,
    /// and the wrong last step is not refuted (nor anything established).
    #[test]
    fn a_stopped_verification_starts_no_more_items() {
        let v = Verifier::new(config()).unwrap();
        let c = chain::parse("1 + 1 = 2\n2 + 2 = 4\n3 + 3 = 6\n4 + 4 = 9");
        let polls = std::sync::atomic::AtomicUsize::new(0);
        let stop = || polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 2;
        let r = v.verify_until(&c, None, &stop).unwrap();
        assert_eq!(r.steps[0].verdict, StepVerdict::Verified);
        assert_eq!(r.steps[1].verdict, StepVerdict::Verified);
        for s in &r.steps[2..] {
            assert_eq!(s.checks[0].verdict, ItemVerdict::Timeout, "{s:?}");
            assert!(s.checks[0].evidence.summary.contains("stopped"), "{s:?}");
        }
        assert_eq!(r.first_error, None);
        assert_eq!(r.verdict, Overall::NoErrorsFound);
        assert_eq!(r.coverage.steps_checked, 2, "a stopped item is not a check");
        // Never stopped: the same chain is flagged at its wrong step.
        let r = v.verify_until(&c, None, &|| false).unwrap();
        assert_eq!(r.first_error, Some(3));
    }

    #[test]
    fn oversized_input_is_an_error() {
        let v = Verifier::new(VerifyConfig {
            max_input_bytes: 16,
            ..config()
        })
        .unwrap();
        let c = chain::parse("1 + 1 = 2 and this is far more than sixteen bytes");
        let e = v.verify(&c, None).unwrap_err().to_string();
        assert!(e.contains("limit"), "{e}");
    }

    #[test]
    fn reference_from_the_chain_and_missing_answer() {
        let v = Verifier::new(config()).unwrap();
        let c =
            chain::parse_input(r#"{"steps": ["2 + 2 = 4"], "answer": "4", "reference": "4.0"}"#)
                .unwrap();
        let r = v.verify(&c, None).unwrap();
        assert_eq!(r.answer.equivalent, Some(true));
        assert_eq!(r.verdict, Overall::Verified);
        assert_eq!(
            r.answer_evidence,
            Some(vibecheck::verify::AnswerEvidence::Reference)
        );
        // A reference but no answer found: the answer does not match.
        let c = chain::parse("2 + 2 = 4");
        let r = v.verify(&c, Some("4")).unwrap();
        assert_eq!(r.answer.extracted, None);
        assert_eq!(r.answer.equivalent, Some(false));
        assert_eq!(r.verdict, Overall::Flagged);
    }
}

#[test]
fn smt2_quantifier_loop_and_exit_are_bounded() {
    let text = "```smt2\n(declare-fun f (Int) Int)\n(assert (forall ((x Int)) (> (f x) (f (+ x 1)))))\n(assert (forall ((x Int)) (< (f x) 0)))\n(check-sat)\n```\n\n```smt2\n(exit)\n```";
    let (code, v) = verify_json(text, &["--item-timeout", "2"]);
    assert!(code == 0 || code == 1, "{v}");
    for s in v["steps"].as_array().unwrap() {
        assert_ne!(s["verdict"], "unchecked", "{s}");
    }
}

/// A reader that closes standard output before the report is written (`verify --json … |
/// head -c0`): a quiet exit with the SIGPIPE status (141), no panic, no error message.
#[test]
fn closed_stdout_is_a_quiet_exit() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_tmp(
        &dir,
        "chain.txt",
        b"First, 2 + 3 = 5.\nSo the answer is 5.\n",
    );
    for json in [true, false] {
        let mut cmd = Command::new(BIN);
        cmd.arg("verify");
        if json {
            cmd.arg("--json");
        }
        cmd.arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn vibecheck");
        drop(child.stdout.take()); // the reader is gone before anything is written
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "json={json}: {stderr}");
        assert!(!stderr.contains("error"), "json={json}: {stderr}");
        assert_eq!(
            out.status.code(),
            Some(vibecheck::exit::BROKEN_PIPE),
            "json={json}: {stderr}"
        );
    }
}
