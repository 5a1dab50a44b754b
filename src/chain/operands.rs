//! Operands named in the prose between two relations (issue 9, olympiad recall): "\[17h = 87\]
//! Dividing both sides by \(17\), we find \(h = 5\)". The inline `\(17\)` is a word of the
//! linking prose, not a statement: it neither ends the prose that links the two relations nor
//! forgets the equation before it, so `17h = 87 ⇒ h = 5` is read as the rewrite it is (and
//! refuted: 87/17 is not 5).

use super::expr::parse_math;
use super::text::{has_cue_word, MIN_STEM_BYTES};

/// Word stems of an operation on both sides, one of which must come before the operand in the
/// prose since the last relation ("dividing both sides by", "subtract … from").
const OPERATION_WORDS: &[&str] = &[
    "divid", "multipl", "subtract", "add", "adding", "raising", "squaring", "cancel",
];

/// Whether `seg` is an operand of the operation the prose `before` it (since the last relation)
/// names: "Dividing both sides by" `\(17\)`.
pub fn operand_in_link(before: &str, seg: &str) -> bool {
    let lower = before.to_lowercase();
    let named = has_cue_word(&lower, OPERATION_WORDS, MIN_STEM_BYTES);
    named && bare_operand(seg)
}

/// Longest operand read as a word of the prose, in bytes: a number, a letter, a short term.
const MAX_OPERAND_BYTES: usize = 16;

/// Whether an inline math segment is a bare operand: short, no relation, no LaTeX command
/// other than a fraction, and one math expression.
pub fn bare_operand(seg: &str) -> bool {
    let t = seg.trim();
    if t.is_empty() || t.len() > MAX_OPERAND_BYTES || t.contains(['=', '<', '>', ',', ';']) {
        return false;
    }
    let commands_ok = t
        .split('\\')
        .skip(1)
        .all(|c| c.starts_with("frac") || c.starts_with("cdot") || c.starts_with("times"));
    commands_ok && parse_math(t).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_after_an_operation() {
        assert!(operand_in_link(" Dividing both sides by ", "17"));
        assert!(!operand_in_link(". Therefore, there exists a ", "k"));
    }

    #[test]
    fn operands_and_statements() {
        assert!(bare_operand("17"));
        assert!(bare_operand(" 4a "));
        assert!(bare_operand("\\frac{1}{2}"));
        assert!(!bare_operand("h = 5"));
        assert!(!bare_operand("x \\le 3"));
        assert!(!bare_operand("\\sqrt{2} + \\pi + 1000000"));
        assert!(!bare_operand("a, b"));
    }
}
