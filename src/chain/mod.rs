//! Parsing reasoning chains and solutions into steps, checkable items and a final answer.
//!
//! Owns: splitting text (model chains with `<think>`, markdown/plain solutions, JSON) into
//! [`Step`]s, extracting [`Item`]s from each step, and finding the final answer. Never evaluates
//! anything: items carry parsed ASTs ([`expr::Expr`]) or verbatim blocks for the verifiers.

pub mod algebra;
pub mod dates;
pub mod differences;
pub mod divisible;
pub mod expr;
pub mod expressions;
pub mod factorization;
pub mod items;
pub mod lost_breaks;
pub mod operands;
pub mod parallel;
pub mod plusminus;
pub mod primes;
pub mod remainder;
pub mod restated;
pub mod squares;
pub mod steps;
pub mod systems;
pub mod tentative;
pub mod text;
pub mod words;

use serde::{Deserialize, Serialize};

pub use items::extract_items;
pub use steps::{extract_answer, split_steps};

/// Parses a chain or solution given as text (model output with or without `<think>`, markdown,
/// plain text, GSM8K solutions). Never fails: text with nothing recognisable gives steps without
/// items.
pub fn parse(text: &str) -> Chain {
    let texts = split_steps(text);
    let items = items::extract_chain_items(&texts);
    let steps = texts
        .into_iter()
        .zip(items)
        .enumerate()
        .map(|(index, (text, items))| Step { index, items, text })
        .collect();
    Chain {
        problem: None,
        steps,
        answer: extract_answer(text),
        reference: None,
    }
}

/// Parses any accepted input: JSON `{"problem", "steps", "answer", "reference"}` (or a JSON array
/// of step strings) when the text starts with `{` or `[`, else [`parse`].
///
/// `Err` only for JSON that was clearly meant as JSON: it does not parse, or it lacks `steps`, or
/// a field has the wrong type.
pub fn parse_input(text: &str) -> anyhow::Result<Chain> {
    use anyhow::{bail, Context};
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return Ok(parse(text));
    }
    // `[1, 2] = …` or `{x}` style math at the start of a plain solution is not JSON: only treat
    // the input as JSON when it looks like a JSON document (an object key or a string element).
    let looks_json = {
        let inner = t[1..].trim_start();
        inner.starts_with('"') || inner.starts_with('}') || inner.starts_with(']')
    };
    if !looks_json {
        return Ok(parse(text));
    }
    let v: serde_json::Value =
        serde_json::from_str(t).context("input looks like JSON but does not parse")?;
    let (steps_v, obj) = match &v {
        serde_json::Value::Array(_) => (&v, None),
        serde_json::Value::Object(o) => (
            o.get("steps").context(
                "JSON input needs a \"steps\" field (an array of strings or one string)",
            )?,
            Some(o),
        ),
        _ => bail!("JSON input must be an object or an array"),
    };
    let opt_str = |key: &str| -> anyhow::Result<Option<String>> {
        match obj.and_then(|o| o.get(key)) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => bail!("JSON field \"{key}\" must be a string or a number"),
        }
    };
    let mut chain = match steps_v {
        serde_json::Value::String(s) => parse(s),
        serde_json::Value::Array(a) => {
            let mut texts = Vec::with_capacity(a.len());
            for (k, s) in a.iter().enumerate() {
                match s {
                    serde_json::Value::String(s) => texts.push(s.clone()),
                    serde_json::Value::Object(o) => match o.get("text") {
                        Some(serde_json::Value::String(s)) => texts.push(s.clone()),
                        _ => bail!("JSON step {k} is an object without a string \"text\""),
                    },
                    _ => bail!("JSON step {k} must be a string"),
                }
            }
            let joined = texts.join("\n\n");
            let items = items::extract_chain_items(&texts);
            Chain {
                problem: None,
                steps: texts
                    .into_iter()
                    .zip(items)
                    .enumerate()
                    .map(|(index, (text, items))| Step { index, items, text })
                    .collect(),
                answer: extract_answer(&joined),
                reference: None,
            }
        }
        _ => bail!("JSON field \"steps\" must be an array of strings or a string"),
    };
    chain.problem = opt_str("problem")?;
    if let Some(a) = opt_str("answer")? {
        chain.answer = Some(a);
    }
    chain.reference = opt_str("reference")?;
    Ok(chain)
}

/// A parsed chain or solution.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// The problem statement, when the input carried one.
    pub problem: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The final answer as written (the content of `\boxed{}`, `#### N`, "The answer is …").
    pub answer: Option<String>,
    /// A reference answer carried by the input itself (JSON `reference`).
    pub reference: Option<String>,
}

/// One step of a chain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// 0-based position in the chain.
    pub index: usize,
    /// The step's text as written.
    pub text: String,
    /// The checkable items found in the step (possibly none).
    pub items: Vec<Item>,
}

/// A checkable piece of a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// An arithmetic/algebraic (in)equality chain such as `3 \times 4 = 12` or `a = b < c`.
    Math(MathItem),
    /// A claim in the `claim` language (see `verify::claim`), verbatim.
    Claim { source: String },
    /// An SMT-LIB 2 block, verbatim.
    Smt2 { source: String },
    /// A code block.
    Code {
        lang: Option<String>,
        source: String,
    },
}

/// `terms[0] rels[0] terms[1] rels[1] terms[2] …`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MathItem {
    /// The text the item was parsed from, as written.
    pub source: String,
    /// The operands; always `rels.len() + 1` of them.
    pub terms: Vec<expr::Expr>,
    /// The relations between consecutive terms.
    pub rels: Vec<Rel>,
    /// For `a ≡ b (mod m)`: the modulus `m` (every `Congruent` relation uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modulus: Option<expr::Expr>,
}

/// A relation between two math terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rel {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `≈`: equal up to the rounding rule.
    Approx,
    /// `a ≡ b (mod m)`; the modulus is [`MathItem::modulus`].
    Congruent,
    /// `=` read as an identity (context: an `=`-chain, "expand", "simplify", …): both sides
    /// agree for every value of their variables. See [`algebra`].
    Identical,
    /// `terms[0] = 0` rewritten as `terms[1] = 0`, one variable: the two have the same real
    /// solutions (or one set contains the other). With several variables only a slip in the
    /// constants is decided (no common solution). See [`algebra::Rewrites`].
    Rewrite,
    /// `terms[0] > 0` rewritten as `terms[1] > 0`, one variable (`m^2 - 4(2)(8) > 0 ⇒ m^2 > 64`,
    /// `<` sides swapped): the two have the same real solution set, up to the rounding of
    /// decimals written as bounds. See [`algebra::Rewrites`].
    RewriteGt,
    /// As [`Rel::RewriteGt`] for `≥ 0`.
    RewriteGe,
    /// `=` between expressions with variables that the words right after it say holds for
    /// every value ("\\( x + xy + y = xy + 1 \\), which is true for all x, y"): refuted by any
    /// point where the two sides differ. See `asserted_identities` in [`items`].
    Asserted,
    /// `terms[..k]` are the zero forms of a system's equations (`k = rels.len() - 1`) and
    /// `terms[k] = terms[k + 1]` an equation stated after them; every relation of the item is
    /// `System`. Verified when the system fixes the equation's variables and it holds there;
    /// refuted with that point when it does not. See [`systems`].
    System,
}
