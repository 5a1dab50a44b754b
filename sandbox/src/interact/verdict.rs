//! The verdict of one interactive test, from how each side ended and which ended first.
//!
//! Rule (the one Kattis and DOMjudge follow, and what Codeforces shows): whichever side ended
//! first with a decision decides. A solution that fails first (RE, TLE, MLE, OLE) gets that
//! verdict, whatever the interactor says after seeing end of file; an interactor that rejects
//! first (WA, PE, FAIL) decides, and the solution is stopped. When the interactor accepts, the
//! solution must still end cleanly. Both sides waiting for each other until the wall-clock limit
//! is `TLE` (idleness).

use crate::Verdict;

/// How the solution's run ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SolutionEnd {
    /// Exit code 0.
    Clean,
    /// A failure of its own (RE, TLE, MLE, OLE) with its message.
    Failed(Verdict, String),
    /// Blocked reading until the wall-clock limit.
    Idle,
    /// Stopped by us because the interactor had decided.
    Stopped,
}

/// How the interactor's run ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum InteractorEnd {
    /// It exited with a testlib verdict: AC, WA, PE, or IE for FAIL (see [`from_exit_code`]).
    Decided(Verdict, String),
    /// It crashed, ran out of a limit, or exited with a code testlib does not use.
    Broken(String),
    /// Blocked reading until the wall-clock limit.
    Idle,
    /// Stopped by us because the solution had failed.
    Stopped,
}

/// The exit codes of testlib's `quit`: 0 ok, 1 wrong answer, 2 presentation error,
/// 3 fail, 4 "dirt" (extra output; a presentation error), 7 points, 8 unexpected end of file
/// (a presentation error), 16 + n partially correct.
pub(crate) fn from_exit_code(code: i32, message: String) -> InteractorEnd {
    let decided = |v| InteractorEnd::Decided(v, message.clone());
    match code {
        0 => decided(Verdict::AC),
        1 => decided(Verdict::WA),
        2 | 4 | 8 => decided(Verdict::PE),
        3 => InteractorEnd::Decided(Verdict::IE, format!("interactor FAIL: {message}")),
        // No partial scoring here: anything short of `ok` is not accepted.
        7 => InteractorEnd::Decided(
            Verdict::WA,
            format!("points (partial scoring is not supported): {message}"),
        ),
        16..=216 => InteractorEnd::Decided(
            Verdict::WA,
            format!("partially correct (not supported): {message}"),
        ),
        c => InteractorEnd::Broken(format!("interactor exited with code {c}: {message}")),
    }
}

/// The test's verdict and message. `interactor_first`: the interactor's run ended before the
/// solution's.
pub(crate) fn decide(
    sol: &SolutionEnd,
    int: &InteractorEnd,
    interactor_first: bool,
) -> (Verdict, String) {
    let interactor_rejected_first = interactor_first
        && match int {
            InteractorEnd::Decided(v, _) => *v != Verdict::AC,
            InteractorEnd::Broken(_) => true,
            InteractorEnd::Idle | InteractorEnd::Stopped => false,
        };
    if !interactor_rejected_first {
        if let SolutionEnd::Failed(v, m) = sol {
            return (*v, m.clone());
        }
    }
    match (sol, int) {
        (_, InteractorEnd::Broken(m)) => (Verdict::IE, m.clone()),
        (_, InteractorEnd::Decided(v, m)) if interactor_rejected_first => (*v, m.clone()),
        (SolutionEnd::Idle, InteractorEnd::Idle) => (
            Verdict::TLE,
            "idleness limit exceeded: the solution and the interactor both waited for input \
             (a missing flush?)"
                .into(),
        ),
        (SolutionEnd::Idle, _) => (
            Verdict::TLE,
            "idleness limit exceeded: the solution waited for input until the wall-clock limit"
                .into(),
        ),
        (SolutionEnd::Stopped, InteractorEnd::Idle) => (
            Verdict::TLE,
            "wall-clock limit exceeded: the interactor waited for the solution until the limit"
                .into(),
        ),
        (SolutionEnd::Clean, InteractorEnd::Decided(v, m)) => (*v, m.clone()),
        (SolutionEnd::Clean, InteractorEnd::Idle) => (
            Verdict::IE,
            "the interactor waited for input after the solution ended".into(),
        ),
        (_, InteractorEnd::Stopped) | (SolutionEnd::Stopped, _) => (
            Verdict::IE,
            "the interaction was stopped without a verdict".into(),
        ),
        (SolutionEnd::Failed(v, m), _) => (*v, m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wa() -> InteractorEnd {
        InteractorEnd::Decided(Verdict::WA, "too many queries".into())
    }

    fn re() -> SolutionEnd {
        SolutionEnd::Failed(Verdict::RE, "integer divide by zero".into())
    }

    #[test]
    fn exit_codes_follow_testlib() {
        let v = |c| match from_exit_code(c, "m".into()) {
            InteractorEnd::Decided(v, _) => Some(v),
            _ => None,
        };
        assert_eq!(v(0), Some(Verdict::AC));
        assert_eq!(v(1), Some(Verdict::WA));
        assert_eq!(v(2), Some(Verdict::PE));
        assert_eq!(v(3), Some(Verdict::IE));
        assert_eq!(v(4), Some(Verdict::PE));
        assert_eq!(v(7), Some(Verdict::WA));
        assert_eq!(v(8), Some(Verdict::PE));
        assert_eq!(v(5), None);
        assert_eq!(v(-1), None);
    }

    #[test]
    fn the_first_decision_wins() {
        // The interactor rejects while the solution waits: WA, the solution stopped.
        assert_eq!(decide(&SolutionEnd::Stopped, &wa(), true).0, Verdict::WA);
        // The solution crashes, then the interactor sees end of file and rejects: RE.
        assert_eq!(decide(&re(), &wa(), false).0, Verdict::RE);
        // The solution crashes; the interactor is stopped: RE.
        assert_eq!(decide(&re(), &InteractorEnd::Stopped, false).0, Verdict::RE);
        // The interactor accepts, then the solution crashes: RE.
        let ok = InteractorEnd::Decided(Verdict::AC, "ok".into());
        assert_eq!(decide(&re(), &ok, true).0, Verdict::RE);
        assert_eq!(decide(&SolutionEnd::Clean, &ok, true).0, Verdict::AC);
        assert_eq!(decide(&SolutionEnd::Clean, &ok, false).0, Verdict::AC);
        // The solution ends cleanly; the interactor's verdict decides.
        assert_eq!(decide(&SolutionEnd::Clean, &wa(), false).0, Verdict::WA);
    }

    #[test]
    fn idleness_and_broken_interactors() {
        let (v, m) = decide(&SolutionEnd::Idle, &InteractorEnd::Idle, false);
        assert_eq!(v, Verdict::TLE);
        assert!(m.contains("idleness"), "{m}");
        assert_eq!(
            decide(&SolutionEnd::Idle, &InteractorEnd::Idle, true).0,
            Verdict::TLE
        );
        // The interactor gave up first and stopped a solution that was still computing.
        assert_eq!(
            decide(&SolutionEnd::Stopped, &InteractorEnd::Idle, true).0,
            Verdict::TLE
        );
        assert_eq!(
            decide(&SolutionEnd::Idle, &InteractorEnd::Stopped, false).0,
            Verdict::TLE
        );
        let broken = InteractorEnd::Broken("out of bounds memory access".into());
        assert_eq!(decide(&SolutionEnd::Stopped, &broken, true).0, Verdict::IE);
        assert_eq!(decide(&SolutionEnd::Idle, &broken, false).0, Verdict::IE);
        assert_eq!(
            decide(&SolutionEnd::Clean, &InteractorEnd::Idle, false).0,
            Verdict::IE
        );
    }
}
