//! Verification-weighted voting: cluster the attempts' final answers by equivalence and weigh
//! each attempt by what its verification found (refuted ⇒ 0, answer established ⇒ highest).
//!
//! Unlike a plain majority vote, two unchecked chains cannot outvote one whose every check
//! passed, and a chain with a refuted step contributes nothing to its answer.

use crate::verify::{Check, ItemVerdict, Overall};
use serde::{Deserialize, Serialize};

/// Weight of an attempt with a refuted step, a failed test or a wrong answer: it is evidence of
/// nothing, so it adds no support.
pub const WEIGHT_REFUTED: f64 = 0.0;
/// Weight of an attempt nothing could check: an ordinary vote, as in plain self-consistency.
pub const WEIGHT_UNCHECKED: f64 = 1.0;
/// Weight of an attempt with no errors found whose checks passed but some came back unknown /
/// timed out / bounded (the answer is not established).
pub const WEIGHT_NO_ERRORS: f64 = 2.0;
/// Weight of an attempt with no errors found, every one of whose checks passed (the answer is
/// still not established).
pub const WEIGHT_ALL_CHECKS_PASSED: f64 = 3.0;
/// Weight of an attempt whose answer is established (reference, substitution, program, claim,
/// tests): twice a fully checked chain whose answer is not, so it ties two of them and wins the
/// tie on its verified member.
pub const WEIGHT_ANSWER_ESTABLISHED: f64 = 6.0;

/// An attempt's voting weight from its verdict and checks: the evidence behind it.
pub fn weight(verdict: Overall, checks: &[Check]) -> f64 {
    match verdict {
        Overall::Flagged => WEIGHT_REFUTED,
        Overall::Unverified => WEIGHT_UNCHECKED,
        Overall::NoErrorsFound => {
            let countable = checks
                .iter()
                .filter(|c| c.checker != crate::verify::Checker::Program);
            if countable.clone().count() > 0
                && countable
                    .clone()
                    .all(|c| c.verdict == ItemVerdict::Verified)
            {
                WEIGHT_ALL_CHECKS_PASSED
            } else {
                WEIGHT_NO_ERRORS
            }
        }
        Overall::Verified => WEIGHT_ANSWER_ESTABLISHED,
    }
}

/// One answer and the attempts that reached it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteCluster {
    /// The answer as the first attempt in the cluster wrote it.
    pub answer: String,
    /// Sum of the members' weights.
    pub support: f64,
    /// Number of attempts in the cluster.
    pub count: usize,
    /// Members whose verdict is `verified`.
    pub verified: usize,
    /// Members whose verdict is `flagged`.
    pub refuted: usize,
    /// Indices into the report's `attempts`.
    pub members: Vec<usize>,
}

/// A ballot: (attempt index, answer, verdict, weight).
pub type Ballot<'a> = (usize, &'a str, Overall, f64);

/// Clusters ballots with `same` (the first member of a cluster represents it) and sorts the
/// clusters best first: by support, then verified members, then size, then earliest member.
pub fn tally(ballots: &[Ballot<'_>], same: impl Fn(&str, &str) -> bool) -> Vec<VoteCluster> {
    let mut clusters: Vec<VoteCluster> = Vec::new();
    for &(idx, answer, verdict, w) in ballots {
        let pos = clusters.iter().position(|c| same(&c.answer, answer));
        let c = match pos {
            Some(p) => &mut clusters[p],
            None => {
                clusters.push(VoteCluster {
                    answer: answer.to_string(),
                    support: 0.0,
                    count: 0,
                    verified: 0,
                    refuted: 0,
                    members: vec![],
                });
                clusters.last_mut().expect("just pushed")
            }
        };
        c.support += w;
        c.count += 1;
        c.verified += usize::from(verdict == Overall::Verified);
        c.refuted += usize::from(verdict == Overall::Flagged);
        c.members.push(idx);
    }
    clusters.sort_by(|a, b| {
        b.support
            .total_cmp(&a.support)
            .then(b.verified.cmp(&a.verified))
            .then(b.count.cmp(&a.count))
            .then(a.members[0].cmp(&b.members[0]))
    });
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Evidence;

    fn check(v: ItemVerdict) -> Check {
        Check {
            checker: crate::verify::Checker::Numeric,
            item: "1+1=2".into(),
            verdict: v,
            evidence: Evidence::default(),
            time_ms: 0.0,
        }
    }

    #[test]
    fn weights_order_refuted_unchecked_verified_fully() {
        assert_eq!(
            weight(Overall::Flagged, &[check(ItemVerdict::Verified)]),
            0.0
        );
        assert_eq!(weight(Overall::Unverified, &[]), WEIGHT_UNCHECKED);
        let partly = [check(ItemVerdict::Verified), check(ItemVerdict::Unknown)];
        assert_eq!(weight(Overall::NoErrorsFound, &partly), WEIGHT_NO_ERRORS);
        assert_eq!(
            weight(Overall::NoErrorsFound, &[check(ItemVerdict::Verified)]),
            WEIGHT_ALL_CHECKS_PASSED
        );
        assert_eq!(
            weight(Overall::Verified, &partly),
            WEIGHT_ANSWER_ESTABLISHED
        );
        const { assert!(WEIGHT_ANSWER_ESTABLISHED > WEIGHT_ALL_CHECKS_PASSED) };
    }

    #[test]
    fn one_verified_chain_beats_two_unchecked_ones() {
        let b = [
            (0, "15", Overall::Unverified, WEIGHT_UNCHECKED),
            (1, "12", Overall::NoErrorsFound, WEIGHT_ALL_CHECKS_PASSED),
            (2, "15.0", Overall::Unverified, WEIGHT_UNCHECKED),
            (3, "15", Overall::Flagged, WEIGHT_REFUTED),
        ];
        let same = |a: &str, b: &str| a.parse::<f64>().ok() == b.parse::<f64>().ok();
        let v = tally(&b, same);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].answer, "12");
        assert_eq!(v[0].support, 3.0);
        assert_eq!(v[1].members, vec![0, 2, 3]);
        assert_eq!((v[1].count, v[1].refuted, v[1].support), (3, 1, 2.0));
    }
}
