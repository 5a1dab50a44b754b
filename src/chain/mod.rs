//! Parsing reasoning chains and solutions into steps, checkable items and a final answer.
//!
//! Owns: splitting text (model chains with `<think>`, markdown/plain solutions, JSON) into
//! [`Step`]s, extracting [`Item`]s from each step, and finding the final answer. Never evaluates
//! anything: items carry parsed ASTs ([`expr::Expr`]) or verbatim blocks for the verifiers.

pub mod expr;

use serde::{Deserialize, Serialize};

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
}
