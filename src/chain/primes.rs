//! "Since \(209\) is a prime number itself, …": a whole number said to be prime, in words.
//! The claim becomes a claim-language item, `forall d: Int in [2, 209 - 1]. 209 mod d != 0`,
//! which the logic checker proves or refutes with a divisor as counterexample (`d = 11`).
//!
//! Read only when the number stands alone (bare, after a space or the start of a clause, not
//! after an operator; or alone in inline math) and the words after it are exactly "is prime" or
//! "is a prime" / "is a prime number" (not "prime factor", "primes"). A clause that tries or
//! supposes ("check if 91 is prime", "whether", "suppose") makes no claim; negations are not
//! read. Numbers below 2 and above [`MAX_PRIME_DIGITS`] digits are not read.

use super::words::claims_at_cues;
use super::Item;

/// Most digits of a number whose primality is claimed (a larger one is not read: its proof
/// would outlast the item timeout).
pub const MAX_PRIME_DIGITS: usize = 9;

/// Most prime claims read from one step.
const MAX_CLAIMS: usize = 8;

/// Words that, earlier in the same clause, make the statement a question or a supposition.
const TRY_WORDS: &[&str] = &[
    "if", "whether", "check", "checking", "suppose", "assume", "assuming", "test", "testing",
    "verify", "unless", "not",
];

/// Words right after "prime" that make the phrase about something else (a factor of another
/// number, coprimality).
const NOT_THE_CLAIM: &[&str] = &[
    "factor", "factors", "divisor", "divisors", "power", "powers", "numbers", "pair", "pairs",
    "to", "with", "gap", "triple", "exponent", "base",
];

/// Most bytes of the clause before the number searched for [`TRY_WORDS`].
const MAX_CLAUSE_BYTES: usize = 80;

/// The prime claims of one step's text, in order.
pub fn prime_claims(text: &str) -> Vec<Item> {
    let lower = text.to_ascii_lowercase();
    // Only sentences that assert it: "check whether 91 is prime", "it is false that 91 is
    // prime" claim nothing.
    claims_at_cues(&lower, " is ", MAX_CLAIMS, |at| {
        claimed_prime(&lower, at).map(|n| Item::Claim {
            source: format!("# {n} is prime\nforall d: Int in [2, {n} - 1]. {n} mod d != 0\n"),
        })
    })
}

/// The number claimed prime by the words at byte `at` (which holds " is "), if any.
fn claimed_prime(lower: &str, at: usize) -> Option<String> {
    let after = &lower[at + 4..];
    let rest = after
        .strip_prefix("prime")
        .or_else(|| after.strip_prefix("a prime number"))
        .or_else(|| after.strip_prefix("a prime"))?;
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '-') {
        return None;
    }
    // "a prime factor of 26", "prime to 5" (coprime): the words go on about something else.
    let next_word = rest
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    if NOT_THE_CLAIM.contains(&next_word) {
        return None;
    }
    // A question: "is 91 prime?" is another shape; "… is prime?" asks.
    if rest.trim_start().starts_with('?') {
        return None;
    }
    let (n, start) = number_before(lower, at)?;
    let clause_from = (start.saturating_sub(MAX_CLAUSE_BYTES)..=start)
        .find(|&k| lower.is_char_boundary(k))
        .unwrap_or(start);
    let clause = lower[clause_from..start]
        .rsplit(['.', ';', ':', '\n', '!', '?'])
        .next()
        .unwrap_or("");
    if clause
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| TRY_WORDS.contains(&w))
    {
        return None;
    }
    let digits = n.trim_start_matches('0');
    let small = digits.len() < 2 && digits.parse::<u8>().map_or(true, |v| v < 2);
    (digits.len() <= MAX_PRIME_DIGITS && !small).then(|| digits.to_string())
}

/// Bytes looked back for the opening `\(` or `$` of a number in inline math: its digits,
/// thousands separators and spaces (`\( 1{,}000{,}003 \)`) fit with room to spare.
const MAX_LOOKBACK_BYTES: usize = 4 * MAX_PRIME_DIGITS + 16;

/// The whole number that ends right before byte `at`: alone in inline math (`\( 209 \)`,
/// `$209$`) or bare after a space or the start of a clause (not after an operator, a letter or
/// a `^`). Returns its digits and where it starts.
fn number_before(lower: &str, at: usize) -> Option<(String, usize)> {
    let before = &lower[..at];
    // The opening delimiter is looked for only in the last [`MAX_LOOKBACK_BYTES`]: a number
    // has at most [`MAX_PRIME_DIGITS`] digits, and a search back through the whole step for
    // each " is prime" would make the scan quadratic.
    let window = |b: &str| {
        let mut s = b.len().saturating_sub(MAX_LOOKBACK_BYTES);
        while !b.is_char_boundary(s) {
            s += 1;
        }
        s
    };
    let (inner, start) = if let Some(b) = before.strip_suffix("\\)") {
        let from = window(b);
        let open = b[from..].rfind("\\(")? + from;
        (&b[open + 2..], open)
    } else if let Some(b) = before.strip_suffix('$') {
        let from = window(b);
        let open = b[from..].rfind('$')? + from;
        (&b[open + 1..], open)
    } else {
        let begin = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == ','))
            .map_or(0, |(k, c)| k + c.len_utf8());
        let prev = before[..begin].trim_end().chars().next_back();
        let alone = prev.is_none_or(|c| {
            c.is_alphabetic() && before[..begin].ends_with(' ') || matches!(c, ',' | '(' | ':')
        });
        if !alone || begin == at {
            return None;
        }
        (&before[begin..], begin)
    };
    let inner = inner.trim().trim_end_matches(',');
    let digits: String = inner.chars().filter(|c| *c != ',').collect();
    let whole = !digits.is_empty()
        && digits.len() <= 3 * MAX_PRIME_DIGITS
        && digits.chars().all(|c| c.is_ascii_digit());
    whole.then_some((digits, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<String> {
        prime_claims(text)
            .into_iter()
            .map(|i| match i {
                Item::Claim { source } => source.lines().next().unwrap_or("").to_string(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_number_said_to_be_prime() {
        assert_eq!(
            numbers("Since \\(209\\) is a prime number itself, its largest prime divisor is 209."),
            vec!["# 209 is prime"]
        );
        assert_eq!(
            numbers("So 97 is prime, and we stop."),
            vec!["# 97 is prime"]
        );
        assert_eq!(
            numbers("The sum is $31$, which is prime. And 31 is a prime."),
            vec!["# 31 is prime"]
        );
    }

    #[test]
    fn other_shapes_make_no_claim() {
        for t in [
            "Check if \\( b + 6 \\) is prime: 7.",
            "We check whether 91 is prime.",
            "If 91 is prime, then we are done.",
            "Then b + 6 is prime.",
            "2^31 - 1 is prime.",
            "The number 1 is prime.",
            "So 91 is not prime.",
            "Here 13 is a prime factor of 26.",
            "Here 8 is prime to 15.",
            "Is 91 prime?",
            "Then 7 is prime?",
            "and 1234567891011 is prime.",
        ] {
            assert!(numbers(t).is_empty(), "{t}");
        }
    }
}
