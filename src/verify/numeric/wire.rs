//! The wire form of a math item and the JSON-lines protocol between the pool and a
//! `vibecheck worker` process: [`FlatItem`] (a flattened AST; children are indices of earlier
//! nodes, so no JSON depth depends on the expression's depth), [`WorkerRequest`],
//! [`WorkerResponse`], [`ItemResult`] with its typed [`WireVerdict`], plus [`flatten`] and
//! [`render`] (evidence text).

use crate::chain::expr::{Expr, Func};
use crate::chain::{MathItem, Rel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest rendering of a term kept in evidence text.
pub const MAX_TEXT_CHARS: usize = 80;

/// One node of a flattened expression; children are indices of earlier nodes. The flat form has
/// no nesting, so JSON depth limits and recursion never depend on the expression's depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", content = "a", rename_all = "snake_case")]
pub enum Node {
    Int(String),
    /// Digits before and after the point.
    Dec(String, String),
    Var(String),
    Pi,
    E,
    I,
    Neg(u32),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    Pow(u32, u32),
    Mod(u32, u32),
    Percent(u32),
    Factorial(u32),
    Func(Func, Vec<u32>),
}

/// How a term was written when it is a plain number literal (the rounding rule needs it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lit {
    /// Digits after the decimal point (0 for integers).
    pub places: u32,
    /// Trailing zeros of an integer literal (`140` → 1).
    pub trailing_zeros: u32,
}

/// A math item in wire form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatItem {
    pub nodes: Vec<Node>,
    /// Root node of each term.
    pub terms: Vec<u32>,
    pub rels: Vec<Rel>,
    pub modulus: Option<u32>,
    /// Per term: the literal's shape when the term is a plain number.
    pub lits: Vec<Option<Lit>>,
    /// Per term: a rendering for evidence text.
    pub texts: Vec<String>,
}

/// A request line to a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub id: u64,
    pub items: Vec<FlatItem>,
    pub approx_rel_tol: f64,
    pub identities: bool,
}

/// The worker's verdict on one item, as it travels on the wire (`"verified"`, `"refuted"`,
/// `"unknown"`). Any other word deserializes as [`WireVerdict::Unknown`]: a confused worker
/// never proves anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireVerdict {
    Verified,
    Refuted,
    #[default]
    #[serde(other)]
    Unknown,
}

/// The worker's result for one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub verdict: WireVerdict,
    pub summary: String,
    #[serde(default)]
    pub computed: Vec<String>,
    #[serde(default)]
    pub counterexample: Option<BTreeMap<String, String>>,
}

/// A response line from a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerResponse {
    pub id: u64,
    #[serde(default)]
    pub results: Vec<ItemResult>,
    /// Set when the whole request failed (malformed request).
    #[serde(default)]
    pub error: Option<String>,
}

/// The first line a worker prints once sympy is imported.
pub const READY_LINE: &str = "{\"ready\":true}";

// ───────────────────────────── flattening ─────────────────────────────

fn flatten_into(e: &Expr, nodes: &mut Vec<Node>) -> u32 {
    let node = match e {
        Expr::Int(s) => Node::Int(s.clone()),
        Expr::Decimal(s) => {
            let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
            Node::Dec(a.to_string(), b.to_string())
        }
        Expr::Var(v) => Node::Var(v.clone()),
        Expr::Pi => Node::Pi,
        Expr::E => Node::E,
        Expr::I => Node::I,
        Expr::Neg(a) => Node::Neg(flatten_into(a, nodes)),
        Expr::Percent(a) => Node::Percent(flatten_into(a, nodes)),
        Expr::Factorial(a) => Node::Factorial(flatten_into(a, nodes)),
        Expr::Add(a, b) => Node::Add(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Sub(a, b) => Node::Sub(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Mul(a, b) => Node::Mul(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Div(a, b) => Node::Div(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Pow(a, b) => Node::Pow(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Mod(a, b) => Node::Mod(flatten_into(a, nodes), flatten_into(b, nodes)),
        Expr::Func(f, args) => {
            Node::Func(*f, args.iter().map(|a| flatten_into(a, nodes)).collect())
        }
    };
    nodes.push(node);
    (nodes.len() - 1) as u32
}

pub(crate) fn literal_shape(e: &Expr) -> Option<Lit> {
    match e {
        Expr::Neg(a) => literal_shape(a),
        Expr::Int(s) => Some(Lit {
            places: 0,
            trailing_zeros: if s.trim_start_matches('0').is_empty() {
                0
            } else {
                (s.len() - s.trim_end_matches('0').len()) as u32
            },
        }),
        Expr::Decimal(s) => Some(Lit {
            places: s.split_once('.').map_or(0, |(_, f)| f.len() as u32),
            trailing_zeros: 0,
        }),
        _ => None,
    }
}

/// Flattens an item that passed [`guard`].
pub fn flatten(item: &MathItem) -> FlatItem {
    let mut nodes = Vec::new();
    let terms = item
        .terms
        .iter()
        .map(|t| flatten_into(t, &mut nodes))
        .collect();
    let modulus = item.modulus.as_ref().map(|m| flatten_into(m, &mut nodes));
    FlatItem {
        nodes,
        terms,
        rels: item.rels.clone(),
        modulus,
        lits: item.terms.iter().map(literal_shape).collect(),
        texts: item.terms.iter().map(render).collect(),
    }
}

/// Renders an expression for evidence text (`3 × 4`, `x^2`, `√(2)`), cut at [`MAX_TEXT_CHARS`].
pub fn render(e: &Expr) -> String {
    let mut s = String::new();
    render_into(e, 0, &mut s);
    if s.chars().count() > MAX_TEXT_CHARS {
        s = s.chars().take(MAX_TEXT_CHARS - 1).collect::<String>() + "…";
    }
    s
}

fn render_into(e: &Expr, parent: u8, out: &mut String) {
    if out.len() > MAX_TEXT_CHARS * 4 {
        return;
    }
    let atom: Option<&str> = match e {
        Expr::Int(s) | Expr::Decimal(s) | Expr::Var(s) => Some(s),
        Expr::Pi => Some("π"),
        Expr::E => Some("e"),
        Expr::I => Some("i"),
        _ => None,
    };
    if let Some(t) = atom {
        out.push_str(t);
        return;
    }
    let bin = |a: &Expr, op: &str, b: &Expr, p: u8, right_assoc: bool, out: &mut String| {
        let paren = p < parent;
        if paren {
            out.push('(');
        }
        render_into(a, if right_assoc { p + 1 } else { p }, out);
        out.push_str(op);
        render_into(b, if right_assoc { p } else { p + 1 }, out);
        if paren {
            out.push(')');
        }
    };
    match e {
        Expr::Add(a, b) => bin(a, " + ", b, 1, false, out),
        Expr::Sub(a, b) => bin(a, " − ", b, 1, false, out),
        Expr::Mul(a, b) => bin(a, " × ", b, 2, false, out),
        Expr::Div(a, b) => bin(a, "/", b, 2, false, out),
        Expr::Mod(a, b) => bin(a, " mod ", b, 2, false, out),
        Expr::Pow(a, b) => bin(a, "^", b, 4, true, out),
        Expr::Neg(a) => {
            let paren = 3 < parent;
            if paren {
                out.push('(');
            }
            out.push('−');
            render_into(a, 3, out);
            if paren {
                out.push(')');
            }
        }
        Expr::Percent(a) => {
            render_into(a, 5, out);
            out.push('%');
        }
        Expr::Factorial(a) => {
            render_into(a, 5, out);
            out.push('!');
        }
        Expr::Func(f, args) => {
            let name = match f {
                Func::Sqrt => "√",
                Func::Root => "root",
                Func::Abs => "abs",
                Func::Floor => "floor",
                Func::Ceil => "ceil",
                Func::Binom => "binom",
                Func::Gcd => "gcd",
                Func::Lcm => "lcm",
                Func::Min => "min",
                Func::Max => "max",
                Func::Ln => "ln",
                Func::Log => "log",
                Func::Exp => "exp",
                Func::Sin => "sin",
                Func::Cos => "cos",
                Func::Tan => "tan",
            };
            out.push_str(name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(a, 0, out);
            }
            out.push(')');
        }
        _ => {}
    }
}
