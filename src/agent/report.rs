//! The solve report schema (`vibecheck solve --json`, the `report` event of `/v1/solve`):
//! [`SolveReport`], its [`Attempt`]s, [`Progress`] events, and how the report is decided from
//! the attempts ([`decide`]: vote, pick, settle).
//!
//! Invariants: a report (or an attempt) says `verified` only when at least one check passed, and
//! only with answer-level evidence ([`AnswerEvidence`]: reference, substitution, program, claim,
//! tests). Both are enforced in exactly one place, [`settle_verdict`], which every verdict goes
//! through.

use super::code::CodeOutcome;
use super::vote::{self, VoteCluster};
use super::Kind;
use crate::chain::Chain;
use crate::model::{Generation, StopReason};
use crate::verify::{self, AnswerEvidence, Check, Checker, ItemVerdict, Overall, VerifyReport};
use serde::{Deserialize, Serialize};

/// Live progress, for stderr or server-sent events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Attempt `k` of at most `n` is starting.
    Attempt {
        k: usize,
        n: usize,
    },
    /// Tokens generated so far in this attempt (all samples) and the decode speed.
    Tokens {
        count: usize,
        per_second: f64,
    },
    /// Checks of this attempt so far.
    Checks {
        passed: usize,
        failed: usize,
    },
    Message(String),
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// An attempt was verified.
    Verified,
    /// An attempt's checks all held but its answer could not be established: another round
    /// would repeat the same checks.
    NoErrorsFound,
    /// `--attempts` were used up.
    AttemptsExhausted,
    /// The token budget ran out.
    TokenBudget,
    /// The wall-clock budget ran out.
    Deadline,
}

/// One generated sample and everything its verification found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based attempt (round) number.
    pub round: usize,
    /// 0-based sample within the round.
    pub sample: usize,
    /// The feedback the prompt of this round carried (absent on the first round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    /// The model's text.
    pub text: String,
    pub stop: StopReason,
    pub completion_tokens: usize,
    /// The final answer (math) or program (code), if one was found.
    pub answer: Option<String>,
    /// The parsed chain (math).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
    /// The step verifier's report (math): per-step verdicts and evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
    /// The program, judge report and stress test (code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeOutcome>,
    /// Every check of this attempt, flattened: steps, answer, tests, stress.
    pub checks: Vec<Check>,
    pub verdict: Overall,
    /// What established the answer; set exactly when `verdict` is `verified`.
    pub answer_evidence: Option<AnswerEvidence>,
    /// Voting weight (see [`vote::weight`]).
    pub weight: f64,
    /// Remarks, e.g. why a verdict was lowered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Token and time accounting of a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveUsage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub generate_seconds: f64,
    pub total_seconds: f64,
}

/// The result of a solve: the `vibecheck solve --json` schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolveReport {
    /// `verified` only if the chosen attempt has at least one passed check and answer-level
    /// evidence; `no_errors_found` when its checks passed but its answer is not established.
    pub verdict: Overall,
    /// What established the answer; set exactly when `verdict` is `verified`.
    pub answer_evidence: Option<AnswerEvidence>,
    /// The chosen final answer (math) or program (code).
    pub answer: Option<String>,
    pub kind: Kind,
    /// The generator's name.
    pub model: String,
    /// Index into `attempts` of the attempt behind `answer` and `verdict`.
    pub chosen: Option<usize>,
    /// The checks behind the verdict (those of the chosen attempt).
    pub evidence: Vec<Check>,
    pub attempts: Vec<Attempt>,
    /// Answer clusters, best supported first.
    pub votes: Vec<VoteCluster>,
    /// Number of tests code attempts were judged on.
    pub tests: usize,
    pub stopped: StopCause,
    pub usage: SolveUsage,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Attempt {
    /// An attempt holding only the generation; the caller fills in round, checks and verdict.
    pub(crate) fn from_generation(g: Generation) -> Attempt {
        Attempt {
            round: 0,
            sample: 0,
            feedback: None,
            text: g.text,
            stop: g.stop,
            completion_tokens: g.completion_tokens,
            answer: None,
            chain: None,
            verify: None,
            code: None,
            checks: vec![],
            verdict: Overall::Unverified,
            answer_evidence: None,
            weight: vote::WEIGHT_UNCHECKED,
            notes: vec![],
        }
    }
}

/// Number of checks that passed (verdict `verified`).
pub fn passed_checks(checks: &[Check]) -> usize {
    checks
        .iter()
        .filter(|c| c.verdict == ItemVerdict::Verified)
        .count()
}

/// Number of checks that failed (verdict `refuted`).
pub fn failed_checks(checks: &[Check]) -> usize {
    checks
        .iter()
        .filter(|c| c.verdict == ItemVerdict::Refuted)
        .count()
}

/// The answer-level evidence among `checks`, strongest kind first (reference, substitution,
/// program, claim, tests); `None` when an answer-level check was refuted or none passed.
/// Substitution counts only when it established the answer (`verify::substitution::established`).
pub fn answer_evidence(checks: &[Check], answer: Option<&str>) -> Option<AnswerEvidence> {
    if checks
        .iter()
        .filter(|c| AnswerEvidence::of_checker(c.checker).is_some())
        .any(|c| c.verdict == ItemVerdict::Refuted)
    {
        return None;
    }
    let subs: Vec<Check> = checks
        .iter()
        .filter(|c| c.checker == Checker::Substitution)
        .cloned()
        .collect();
    let passed = |k: Checker| {
        checks
            .iter()
            .any(|c| c.checker == k && c.verdict == ItemVerdict::Verified)
    };
    if passed(Checker::Answer) {
        Some(AnswerEvidence::Reference)
    } else if verify::substitution::established(&subs) {
        Some(AnswerEvidence::Substitution)
    } else if passed(Checker::Program) {
        Some(AnswerEvidence::Program)
    } else if answer.is_some_and(|a| checks.iter().any(|c| super::evidence::claim_entails(c, a))) {
        Some(AnswerEvidence::Claim)
    } else if passed(Checker::Sandbox) || passed(Checker::Stress) {
        Some(AnswerEvidence::Tests)
    } else {
        None
    }
}

/// THE place the agent's verdict invariants are enforced: every attempt's verdict and the
/// report's verdict go through here. A `verified` proposal with no passed check becomes
/// `unverified`; one with passed checks but no answer-level evidence ([`answer_evidence`])
/// becomes `no_errors_found`; each with a note saying so. Returns the verdict and, exactly when
/// it is `verified`, the evidence that established the answer.
pub fn settle_verdict(
    proposed: Overall,
    checks: &[Check],
    answer: Option<&str>,
    notes: &mut Vec<String>,
) -> (Overall, Option<AnswerEvidence>) {
    if proposed != Overall::Verified {
        return (proposed, None);
    }
    if passed_checks(checks) == 0 {
        notes.push("verdict lowered to unverified: no check passed".into());
        return (Overall::Unverified, None);
    }
    match answer_evidence(checks, answer) {
        Some(e) => (Overall::Verified, Some(e)),
        None => {
            notes.push(
                "verdict lowered to no_errors_found: no evidence establishes the final answer"
                    .into(),
            );
            (Overall::NoErrorsFound, None)
        }
    }
}

/// Votes over all attempts and picks the answer, verdict and evidence of the report.
pub(crate) fn decide(
    attempts: Vec<Attempt>,
    kind: Kind,
    model: String,
    tests: usize,
    stopped: StopCause,
    usage: SolveUsage,
) -> SolveReport {
    let ballots: Vec<vote::Ballot<'_>> = attempts
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((i, a.answer.as_deref()?, a.verdict, a.weight)))
        .collect();
    let votes = match kind {
        Kind::Math => vote::tally(&ballots, verify::answer::equivalent),
        Kind::Code => vote::tally(&ballots, |a, b| a.trim() == b.trim()),
    };
    let mut notes = Vec::new();
    let (chosen, proposed, answer) = match votes.first() {
        Some(best) => {
            // The strongest member of the best cluster (earliest on ties).
            let chosen = *best
                .members
                .iter()
                .max_by(|&&a, &&b| {
                    attempts[a]
                        .weight
                        .total_cmp(&attempts[b].weight)
                        .then(b.cmp(&a))
                })
                .expect("a cluster has members");
            let mut verdict = attempts[chosen].verdict;
            if verdict == Overall::Verified && votes[1..].iter().any(|c| c.verified > 0) {
                notes.push(
                    "verified attempts reached different answers: at least one of them is wrong"
                        .into(),
                );
                verdict = Overall::Flagged;
            }
            (Some(chosen), verdict, Some(best.answer.clone()))
        }
        None => {
            // No attempt produced an answer: report the last one's findings.
            // Without an answer nothing can be verified; a refuted attempt still flags.
            let verdict = if attempts.iter().any(|a| a.verdict == Overall::Flagged) {
                Overall::Flagged
            } else {
                Overall::Unverified
            };
            (attempts.len().checked_sub(1), verdict, None)
        }
    };
    let evidence = chosen
        .map(|i| attempts[i].checks.clone())
        .unwrap_or_default();
    let chosen_answer = chosen.and_then(|i| attempts[i].answer.clone());
    let (verdict, answer_evidence) =
        settle_verdict(proposed, &evidence, chosen_answer.as_deref(), &mut notes);
    SolveReport {
        verdict,
        answer_evidence,
        answer,
        kind,
        model,
        chosen,
        evidence,
        attempts,
        votes,
        tests,
        stopped,
        usage,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Evidence;

    fn check(v: ItemVerdict) -> Check {
        Check {
            checker: verify::Checker::Numeric,
            item: "x".into(),
            verdict: v,
            evidence: Evidence::default(),
            time_ms: 0.0,
        }
    }
    fn check_of(k: Checker, v: ItemVerdict) -> Check {
        Check {
            checker: k,
            ..check(v)
        }
    }

    #[test]
    fn verified_needs_a_passed_check() {
        let mut notes = vec![];
        for checks in [
            vec![],
            vec![check(ItemVerdict::Unknown)],
            vec![
                check(ItemVerdict::CheckedBounded),
                check(ItemVerdict::Timeout),
            ],
        ] {
            assert_eq!(
                settle_verdict(Overall::Verified, &checks, Some("1"), &mut notes).0,
                Overall::Unverified
            );
        }
        assert_eq!(notes.len(), 3);
        let ok = [
            check(ItemVerdict::Verified),
            check_of(Checker::Program, ItemVerdict::Verified),
        ];
        assert_eq!(
            settle_verdict(Overall::Verified, &ok, Some("1"), &mut notes),
            (Overall::Verified, Some(AnswerEvidence::Program))
        );
        assert_eq!(
            settle_verdict(Overall::Flagged, &[], None, &mut notes),
            (Overall::Flagged, None)
        );
    }

    #[test]
    fn verified_needs_answer_level_evidence() {
        let mut notes = vec![];
        // Every step check passed, nothing about the answer: not established.
        let steps = [check(ItemVerdict::Verified), check(ItemVerdict::Verified)];
        assert_eq!(
            settle_verdict(Overall::Verified, &steps, Some("12"), &mut notes),
            (Overall::NoErrorsFound, None)
        );
        assert!(notes[0].contains("no_errors_found"), "{notes:?}");
        // A program that failed to run is no evidence; a refuted one is no evidence either.
        for v in [ItemVerdict::Unknown, ItemVerdict::Refuted] {
            let mut c = steps.to_vec();
            c.push(check_of(Checker::Program, v));
            assert_eq!(
                settle_verdict(Overall::Verified, &c, Some("12"), &mut notes).0,
                Overall::NoErrorsFound
            );
        }
        // An incomplete substitution (uniqueness unknown) does not establish the answer.
        let subs = [
            check_of(Checker::Substitution, ItemVerdict::Verified),
            check_of(Checker::Substitution, ItemVerdict::Unknown),
        ];
        assert_eq!(answer_evidence(&subs, Some("3")), None);
        assert_eq!(
            answer_evidence(&subs[..1], Some("3")),
            Some(AnswerEvidence::Substitution)
        );
        // The reference ranks first; judged tests establish a program.
        let mixed = [
            check_of(Checker::Program, ItemVerdict::Verified),
            check_of(Checker::Answer, ItemVerdict::Verified),
        ];
        assert_eq!(
            answer_evidence(&mixed, Some("3")),
            Some(AnswerEvidence::Reference)
        );
        assert_eq!(
            answer_evidence(&[check_of(Checker::Sandbox, ItemVerdict::Verified)], None),
            Some(AnswerEvidence::Tests)
        );
        // A claim that pins the unknown to the answer.
        let claim = Check {
            item: "forall x: Int. 2*x + 3 = 7 -> x = 2".into(),
            ..check_of(Checker::Logic, ItemVerdict::Verified)
        };
        assert_eq!(
            answer_evidence(std::slice::from_ref(&claim), Some("2")),
            Some(AnswerEvidence::Claim)
        );
        assert_eq!(answer_evidence(&[claim], Some("3")), None);
    }

    fn attempt(answer: Option<&str>, verdict: Overall, checks: Vec<Check>) -> Attempt {
        let mut a = Attempt::from_generation(Generation {
            text: String::new(),
            stop: StopReason::Eos,
            completion_tokens: 1,
        });
        a.answer = answer.map(str::to_string);
        a.weight = vote::weight(verdict, &checks);
        a.verdict = verdict;
        a.checks = checks;
        a
    }
    proptest::proptest! {
        /// Whatever mix of attempt verdicts and checks reaches `decide` — even attempts that
        /// claim `verified` without evidence — the report is `verified` only with a passed check.
        #[test]
        fn no_verified_report_without_a_passed_check(
            spec in proptest::collection::vec((0u8..4, proptest::collection::vec((0u8..4, 0u8..7), 0..4), proptest::option::of(0u8..3)), 0..6)
        ) {
            let checkers = [Checker::Numeric, Checker::Logic, Checker::Answer, Checker::Substitution, Checker::Program, Checker::Sandbox, Checker::Limits];
            let attempts: Vec<Attempt> = spec.iter().map(|(v, cs, ans)| {
                let verdict = Overall::ALL[*v as usize];
                let checks = cs.iter().map(|&(c, k)| {
                    let cv = [ItemVerdict::Verified, ItemVerdict::Refuted, ItemVerdict::Unknown, ItemVerdict::CheckedBounded][c as usize];
                    check_of(checkers[k as usize], cv)
                }).collect();
                let answers = ["1", "2", "3"];
                attempt(ans.map(|i| answers[i as usize]), verdict, checks)
            }).collect();
            for kind in [Kind::Math, Kind::Code] {
                let r = decide(attempts.clone(), kind, "t".into(), 0, StopCause::AttemptsExhausted, SolveUsage::default());
                // answer_evidence is set exactly when the verdict is verified.
                proptest::prop_assert_eq!(r.verdict == Overall::Verified, r.answer_evidence.is_some());
                if r.verdict == Overall::Verified {
                    proptest::prop_assert!(passed_checks(&r.evidence) > 0);
                    let chosen = &r.attempts[r.chosen.unwrap()];
                    proptest::prop_assert!(passed_checks(&chosen.checks) > 0);
                    // Never verified without answer-level evidence among the chosen checks.
                    proptest::prop_assert_eq!(answer_evidence(&r.evidence, chosen.answer.as_deref()), r.answer_evidence);
                    proptest::prop_assert!(r.evidence.iter().any(|c| c.verdict == ItemVerdict::Verified && AnswerEvidence::of_checker(c.checker).is_some()));
                }
            }
        }
    }

    #[test]
    fn decide_prefers_verified_cluster_and_flags_conflicts() {
        let v = || {
            vec![
                check(ItemVerdict::Verified),
                check_of(Checker::Program, ItemVerdict::Verified),
            ]
        };
        let attempts = vec![
            attempt(Some("15"), Overall::Unverified, vec![]),
            attempt(Some("12"), Overall::Verified, v()),
            attempt(
                Some("15"),
                Overall::Flagged,
                vec![check(ItemVerdict::Refuted)],
            ),
        ];
        let r = decide(
            attempts,
            Kind::Code,
            "t".into(),
            0,
            StopCause::Verified,
            SolveUsage::default(),
        );
        assert_eq!(r.verdict, Overall::Verified);
        assert_eq!(r.answer.as_deref(), Some("12"));
        assert_eq!(r.chosen, Some(1));
        let attempts = vec![
            attempt(Some("15"), Overall::Verified, v()),
            attempt(Some("12"), Overall::Verified, v()),
        ];
        let r = decide(
            attempts,
            Kind::Code,
            "t".into(),
            0,
            StopCause::Verified,
            SolveUsage::default(),
        );
        assert_eq!(r.verdict, Overall::Flagged);
        assert!(r.notes[0].contains("different answers"));
    }
}
