//! Problem kinds and their detection from the statement.

use super::samples;
use serde::{Deserialize, Serialize};

/// What kind of problem this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A question with a final answer (checked step by step, answer in `\boxed{}`).
    Math,
    /// A programming problem (a program judged on tests in the sandbox).
    Code,
}

/// Words that suggest a programming problem (counted in lowercase text).
const CODE_SIGNALS: &[&str] = &[
    "standard input",
    "standard output",
    "stdin",
    "stdout",
    "input format",
    "output format",
    "time limit",
    "memory limit",
    "write a program",
    "write a function",
    "implement a function",
    "class solution",
    "def ",
    "#include",
    "test case",
    "testcase",
    "sample input",
    "constraints:",
    "return the ",
    "program that",
];
/// Words that suggest a math question.
const MATH_SIGNALS: &[&str] = &[
    "\\boxed",
    "\\frac",
    "$",
    "prove",
    "find the value",
    "what is the value",
    "compute",
    "evaluate",
    "how many",
    "remainder",
    "probability",
];

/// Math or code: code if the statement has sample tests, or more code signals than math ones
/// (and at least one). `--kind` overrides this.
pub fn detect_kind(problem: &str) -> Kind {
    if !samples::parse_samples(problem).tests.is_empty() {
        return Kind::Code;
    }
    let lower = problem.to_lowercase();
    let count = |signals: &[&str]| signals.iter().filter(|s| lower.contains(*s)).count();
    let (c, m) = (count(CODE_SIGNALS), count(MATH_SIGNALS));
    if c > m {
        Kind::Code
    } else {
        Kind::Math
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detection() {
        assert_eq!(detect_kind("What is $3 \\times 4$?"), Kind::Math);
        assert_eq!(
            detect_kind("How many positive divisors does 360 have?"),
            Kind::Math
        );
        assert_eq!(
            detect_kind("Read n from standard input and print n squared to standard output."),
            Kind::Code
        );
        assert_eq!(
            detect_kind("Sum\n\nExamples\nInput\n1 2\nOutput\n3\n"),
            Kind::Code
        );
    }
    #[test]
    fn bundled_examples_are_detected() {
        let code = include_str!("../../examples/solve/code.md");
        assert_eq!(detect_kind(code), Kind::Code);
        let s = samples::parse_samples(code);
        assert_eq!(s.tests.len(), 2);
        assert_eq!(s.tests[1].input, "3\n-5 -1 -3\n");
        assert_eq!(s.tests[1].answer.as_deref(), Some("-4\n"));
        let math = include_str!("../../examples/solve/math.md");
        assert_eq!(detect_kind(math), Kind::Math);
    }
}
