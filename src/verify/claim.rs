//! The claim language of ```` ```claim ```` blocks: lexer, parser, AST and an exact evaluator
//! used by the bounded checker. Z3 encoding lives in [`crate::verify::logic`].
//!
//! # Syntax
//! ```text
//! claim   := formula
//! formula := quant | iff
//! quant   := ("forall" | "exists" | "∀" | "∃") binders "." formula   -- the body extends right
//! binders := group ("," group)*
//! group   := name ("," name)* ":" sort ["in" "[" term "," term "]"]   -- inclusive range
//! sort    := "Int" | "Real" | "Bool"
//! iff     := implies (("iff" | "<->" | "<=>" | "↔" | "⇔") implies)*
//! implies := or [("implies" | "->" | "=>" | "→" | "⇒") implies]            -- right-assoc
//! or      := and (("or" | "||" | "\/" | "∨") and)*
//! and     := not (("and" | "&&" | "/\" | "∧") not)*
//! not     := ("not" | "!" | "¬") not | cmp
//! cmp     := sum [(relop sum)+]      -- chains: a < b <= c means a < b and b <= c
//! relop   := "=" | "==" | "!=" | "/=" | "≠" | "<" | "<=" | "≤" | ">" | ">=" | "≥" | "divides"
//! sum     := prod (("+" | "-") prod)*
//! prod    := unary (("*" | "/" | "div" | "mod" | "%") unary)*
//! unary   := "-" unary | power
//! power   := atom ["^" unary]        -- right-assoc; the exponent must be a constant integer
//! atom    := number | name | "true" | "false" | "(" formula ")" | "|" sum "|"
//!          | ("abs" | "min" | "max") "(" formula ("," formula)* ")" | quant
//! ```
//! Semantics: `/` is exact (real) division; `div` and `mod` are integer division and remainder
//! with a non-negative remainder (Euclidean, as in SMT-LIB); `a divides b` means some integer k
//! has b = a·k. Int operands are promoted to Real when mixed with Real ones. Every variable must
//! be bound by a quantifier. `# …` starts a comment.

use std::collections::BTreeMap;
use std::fmt;

/// Longest claim accepted, in bytes.
pub const MAX_CLAIM_BYTES: usize = 64 * 1024;
/// Deepest nesting accepted by the parser, counting parentheses, prefix operators, quantifiers
/// and each link of an operator chain (`a + b + c` is two levels): bounds the depth of the
/// claim's tree, so the parser, the evaluator, the Z3 encoder and `Drop` stay far from stack
/// limits (a 10,000-term sum is a parse error, not a stack overflow).
pub const MAX_CLAIM_DEPTH: usize = 200;
/// Largest constant exponent (`x^n` is encoded as n multiplications).
pub const MAX_CLAIM_EXPONENT: u32 = 64;

/// A variable's sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Int,
    Real,
    Bool,
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sort::Int => "Int",
            Sort::Real => "Real",
            Sort::Bool => "Bool",
        })
    }
}

/// `name: Sort [in [lo, hi]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binder {
    pub name: String,
    pub sort: Sort,
    pub range: Option<(Term, Term)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    Forall,
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    /// Exact division.
    Div,
    /// Integer division (Euclidean).
    IntDiv,
    /// Euclidean remainder.
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Divides,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
    Implies,
    Iff,
}

/// A claim-language term (numeric or boolean; sorts are checked by the encoder).
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// An integer (`12`) or decimal (`0.5`) literal, as written.
    Num(String),
    Var(String),
    Bool(bool),
    Neg(Box<Term>),
    Arith(ArithOp, Box<Term>, Box<Term>),
    /// `base ^ n` with a constant exponent.
    Pow(Box<Term>, u32),
    Abs(Box<Term>),
    Min(Vec<Term>),
    Max(Vec<Term>),
    /// `t0 op0 t1 op1 t2 …`
    Cmp(Vec<Term>, Vec<CmpOp>),
    Not(Box<Term>),
    Logic(LogicOp, Box<Term>, Box<Term>),
    Quant(Quant, Vec<Binder>, Box<Term>),
}

/// A parse error with the byte offset where it was noticed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Ident(String),
    Sym(&'static str),
    End,
}

const SYMS: &[(&str, &str)] = &[
    ("<->", "iff"),
    ("<=>", "iff"),
    ("->", "implies"),
    ("=>", "implies"),
    ("<=", "<="),
    (">=", ">="),
    ("==", "="),
    ("!=", "!="),
    ("/=", "!="),
    ("&&", "and"),
    ("||", "or"),
    ("/\\", "and"),
    ("\\/", "or"),
    ("↔", "iff"),
    ("⇔", "iff"),
    ("→", "implies"),
    ("⇒", "implies"),
    ("∧", "and"),
    ("∨", "or"),
    ("¬", "not"),
    ("≤", "<="),
    ("≥", ">="),
    ("≠", "!="),
    ("∀", "forall"),
    ("∃", "exists"),
    ("·", "*"),
    ("×", "*"),
    ("−", "-"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("%", "mod"),
    ("^", "^"),
    ("(", "("),
    (")", ")"),
    ("[", "["),
    ("]", "]"),
    (",", ","),
    (".", "."),
    (":", ":"),
    ("|", "|"),
    ("=", "="),
    ("<", "<"),
    (">", ">"),
    ("!", "not"),
];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    'outer: while i < b.len() {
        let c = src[i..].chars().next().expect("in bounds");
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push((Tok::Num(src[start..i].to_string()), start));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() {
                let c = src[i..].chars().next().expect("in bounds");
                if c.is_alphanumeric() || c == '_' || c == '\'' {
                    i += c.len_utf8();
                } else {
                    break;
                }
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
            continue;
        }
        for (s, canon) in SYMS {
            if src[i..].starts_with(s) {
                out.push((Tok::Sym(canon), i));
                i += s.len();
                continue 'outer;
            }
        }
        return Err(ParseError {
            offset: i,
            message: format!("unexpected character {c:?}"),
        });
    }
    out.push((Tok::End, src.len()));
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

const KEYWORDS: &[&str] = &[
    "forall", "exists", "in", "and", "or", "not", "implies", "iff", "mod", "div", "divides", "abs",
    "min", "max", "true", "false", "Int", "Real", "Bool",
];

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn offset(&self) -> usize {
        self.toks[self.pos].1
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset: self.offset(),
            message: msg.into(),
        })
    }
    /// Is the next token the symbol or keyword `s` (keywords are identifiers)?
    fn at(&self, s: &str) -> bool {
        match self.peek() {
            Tok::Sym(x) => *x == s,
            Tok::Ident(x) => x == s,
            _ => false,
        }
    }
    fn eat(&mut self, s: &str) -> bool {
        if self.at(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, s: &str) -> Result<(), ParseError> {
        if self.eat(s) {
            Ok(())
        } else {
            self.err(format!("expected `{s}`, found {}", describe(self.peek())))
        }
    }
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_CLAIM_DEPTH {
            return self.err(format!(
                "nesting deeper than MAX_CLAIM_DEPTH = {MAX_CLAIM_DEPTH}"
            ));
        }
        Ok(())
    }

    fn formula(&mut self) -> Result<Term, ParseError> {
        self.enter()?;
        let r = if self.at("forall") || self.at("exists") {
            self.quant()
        } else {
            self.iff()
        };
        self.depth -= 1;
        r
    }

    fn quant(&mut self) -> Result<Term, ParseError> {
        let q = if self.eat("forall") {
            Quant::Forall
        } else {
            self.expect("exists")?;
            Quant::Exists
        };
        let mut binders = Vec::new();
        loop {
            let mut names = vec![self.name()?];
            while self.eat(",") {
                names.push(self.name()?);
            }
            self.expect(":")?;
            let sort = match self.peek() {
                Tok::Ident(s) if s == "Int" => Sort::Int,
                Tok::Ident(s) if s == "Real" => Sort::Real,
                Tok::Ident(s) if s == "Bool" => Sort::Bool,
                t => {
                    return self.err(format!(
                        "expected a sort (Int, Real, Bool), found {}",
                        describe(t)
                    ))
                }
            };
            self.pos += 1;
            let range = if self.eat("in") {
                if sort == Sort::Bool {
                    return self.err("a Bool variable cannot have a range");
                }
                self.expect("[")?;
                let lo = self.sum()?;
                self.expect(",")?;
                let hi = self.sum()?;
                self.expect("]")?;
                Some((lo, hi))
            } else {
                None
            };
            for name in names {
                binders.push(Binder {
                    name,
                    sort,
                    range: range.clone(),
                });
            }
            if !self.eat(",") {
                break;
            }
        }
        self.expect(".")?;
        let body = self.formula()?;
        Ok(Term::Quant(q, binders, Box::new(body)))
    }

    fn name(&mut self) -> Result<String, ParseError> {
        match self.peek().clone() {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                self.pos += 1;
                Ok(s)
            }
            t => self.err(format!("expected a variable name, found {}", describe(&t))),
        }
    }

    fn iff(&mut self) -> Result<Term, ParseError> {
        let mut a = self.implies()?;
        let mark = self.depth;
        while self.eat("iff") {
            self.enter()?; // each link of a chain is one more level of the tree
            let b = self.implies()?;
            a = Term::Logic(LogicOp::Iff, Box::new(a), Box::new(b));
        }
        self.depth = mark;
        Ok(a)
    }

    fn implies(&mut self) -> Result<Term, ParseError> {
        let a = self.or()?;
        if self.eat("implies") {
            self.enter()?;
            let b = if self.at("forall") || self.at("exists") {
                self.quant()
            } else {
                self.implies()
            };
            self.depth -= 1;
            return Ok(Term::Logic(LogicOp::Implies, Box::new(a), Box::new(b?)));
        }
        Ok(a)
    }

    fn or(&mut self) -> Result<Term, ParseError> {
        let mut a = self.and()?;
        let mark = self.depth;
        while self.eat("or") {
            self.enter()?;
            let b = self.and()?;
            a = Term::Logic(LogicOp::Or, Box::new(a), Box::new(b));
        }
        self.depth = mark;
        Ok(a)
    }

    fn and(&mut self) -> Result<Term, ParseError> {
        let mut a = self.not()?;
        let mark = self.depth;
        while self.eat("and") {
            self.enter()?;
            let b = self.not()?;
            a = Term::Logic(LogicOp::And, Box::new(a), Box::new(b));
        }
        self.depth = mark;
        Ok(a)
    }

    fn not(&mut self) -> Result<Term, ParseError> {
        if self.eat("not") {
            self.enter()?;
            let a = self.not();
            self.depth -= 1;
            return Ok(Term::Not(Box::new(a?)));
        }
        if self.at("forall") || self.at("exists") {
            return self.formula();
        }
        self.cmp()
    }

    fn relop(&mut self) -> Option<CmpOp> {
        let op = match self.peek() {
            Tok::Sym("=") => CmpOp::Eq,
            Tok::Sym("!=") => CmpOp::Ne,
            Tok::Sym("<") => CmpOp::Lt,
            Tok::Sym("<=") => CmpOp::Le,
            Tok::Sym(">") => CmpOp::Gt,
            Tok::Sym(">=") => CmpOp::Ge,
            Tok::Ident(s) if s == "divides" => CmpOp::Divides,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn cmp(&mut self) -> Result<Term, ParseError> {
        let first = self.sum()?;
        let mut terms = vec![first];
        let mut ops = Vec::new();
        while let Some(op) = self.relop() {
            ops.push(op);
            terms.push(self.sum()?);
        }
        if ops.is_empty() {
            Ok(terms.pop().expect("one term"))
        } else {
            Ok(Term::Cmp(terms, ops))
        }
    }

    fn sum(&mut self) -> Result<Term, ParseError> {
        let mut a = self.prod()?;
        let mark = self.depth;
        loop {
            let op = if self.eat("+") {
                ArithOp::Add
            } else if self.eat("-") {
                ArithOp::Sub
            } else {
                self.depth = mark;
                return Ok(a);
            };
            self.enter()?;
            let b = self.prod()?;
            a = Term::Arith(op, Box::new(a), Box::new(b));
        }
    }

    fn prod(&mut self) -> Result<Term, ParseError> {
        let mut a = self.unary()?;
        let mark = self.depth;
        loop {
            let op = if self.eat("*") {
                ArithOp::Mul
            } else if self.eat("/") {
                ArithOp::Div
            } else if self.eat("div") {
                ArithOp::IntDiv
            } else if self.eat("mod") {
                ArithOp::Mod
            } else {
                self.depth = mark;
                return Ok(a);
            };
            self.enter()?;
            let b = self.unary()?;
            a = Term::Arith(op, Box::new(a), Box::new(b));
        }
    }

    fn unary(&mut self) -> Result<Term, ParseError> {
        if self.eat("-") {
            self.enter()?;
            let a = self.unary();
            self.depth -= 1;
            return Ok(Term::Neg(Box::new(a?)));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Term, ParseError> {
        let base = self.atom()?;
        if self.eat("^") {
            let at = self.offset();
            let e = self.unary()?;
            let n = match const_int(&e) {
                Some(n) if (0..=MAX_CLAIM_EXPONENT as i128).contains(&n) => n as u32,
                _ => {
                    return Err(ParseError {
                        offset: at,
                        message: format!(
                            "an exponent must be a constant integer in 0..={MAX_CLAIM_EXPONENT}"
                        ),
                    })
                }
            };
            return Ok(Term::Pow(Box::new(base), n));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Term, ParseError> {
        self.enter()?;
        let r = self.atom_inner();
        self.depth -= 1;
        r
    }

    fn atom_inner(&mut self) -> Result<Term, ParseError> {
        match self.peek().clone() {
            Tok::Num(s) => {
                self.pos += 1;
                Ok(Term::Num(s))
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let t = self.formula()?;
                self.expect(")")?;
                Ok(t)
            }
            Tok::Sym("|") => {
                self.pos += 1;
                let t = self.sum()?;
                self.expect("|")?;
                Ok(Term::Abs(Box::new(t)))
            }
            Tok::Ident(s) => match s.as_str() {
                "true" | "false" => {
                    self.pos += 1;
                    Ok(Term::Bool(s == "true"))
                }
                "forall" | "exists" => self.quant(),
                "abs" | "min" | "max" => {
                    self.pos += 1;
                    self.expect("(")?;
                    let mut args = vec![self.formula()?];
                    while self.eat(",") {
                        args.push(self.formula()?);
                    }
                    self.expect(")")?;
                    match s.as_str() {
                        "abs" if args.len() == 1 => {
                            Ok(Term::Abs(Box::new(args.pop().expect("one"))))
                        }
                        "abs" => self.err("abs takes one argument"),
                        "min" => Ok(Term::Min(args)),
                        _ => Ok(Term::Max(args)),
                    }
                }
                _ => Ok(Term::Var(self.name()?)),
            },
            t => self.err(format!("expected a term, found {}", describe(&t))),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(s) => format!("number {s}"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Sym(s) => format!("`{s}`"),
        Tok::End => "end of claim".into(),
    }
}

/// Parses a claim.
pub fn parse(src: &str) -> Result<Term, ParseError> {
    if src.len() > MAX_CLAIM_BYTES {
        return Err(ParseError {
            offset: MAX_CLAIM_BYTES,
            message: format!("claim longer than MAX_CLAIM_BYTES = {MAX_CLAIM_BYTES}"),
        });
    }
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    if p.at_end() {
        return p.err("empty claim");
    }
    let t = p.formula()?;
    if !p.at_end() {
        return p.err(format!("unexpected {} after the claim", describe(p.peek())));
    }
    Ok(t)
}

impl Parser {
    fn at_end(&self) -> bool {
        matches!(self.peek(), Tok::End)
    }
}

/// The value of a constant integer term (literals, + - * ^, negation), if it is one.
pub fn const_int(t: &Term) -> Option<i128> {
    match eval(t, &BTreeMap::new()).ok()? {
        Val::Num(r) if r.den == 1 => Some(r.num),
        _ => None,
    }
}

// ───────────────────────── exact evaluator (bounded checks) ─────────────────────────

pub use crate::verify::rational::Rat;

/// A value of the exact evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    Num(Rat),
    Bool(bool),
}

/// Why the evaluator gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A value left the i128 range.
    Overflow,
    /// Division or remainder by zero (its meaning is unspecified in SMT-LIB).
    DivByZero,
    /// A sort error or an unbound variable.
    Type(String),
    /// A quantifier: the evaluator does not enumerate inner quantifiers.
    Quantifier,
}

fn num(v: Val) -> Result<Rat, EvalError> {
    match v {
        Val::Num(r) => Ok(r),
        Val::Bool(_) => Err(EvalError::Type("a Bool where a number is needed".into())),
    }
}

fn boolean(v: Val) -> Result<bool, EvalError> {
    match v {
        Val::Bool(b) => Ok(b),
        Val::Num(_) => Err(EvalError::Type("a number where a Bool is needed".into())),
    }
}

fn int_of(r: Rat) -> Result<i128, EvalError> {
    if r.den == 1 {
        Ok(r.num)
    } else {
        Err(EvalError::Type("div/mod/divides need integers".into()))
    }
}

fn parse_num(s: &str) -> Result<Rat, EvalError> {
    let (a, b) = s.split_once('.').unwrap_or((s, ""));
    let digits = format!("{a}{b}");
    let n: i128 = digits.parse().map_err(|_| EvalError::Overflow)?;
    let d = 10i128
        .checked_pow(b.len() as u32)
        .ok_or(EvalError::Overflow)?;
    Rat::new(n, d).ok_or(EvalError::Overflow)
}

/// Euclidean division and remainder (remainder in `0..|b|`), as in SMT-LIB.
fn euclid(a: i128, b: i128) -> Result<(i128, i128), EvalError> {
    if b == 0 {
        return Err(EvalError::DivByZero);
    }
    let r = a.checked_rem_euclid(b).ok_or(EvalError::Overflow)?;
    let q = a.checked_div_euclid(b).ok_or(EvalError::Overflow)?;
    Ok((q, r))
}

/// Evaluates a quantifier-free term exactly under `env`.
///
/// Over 100 lines on purpose: one arm per `Term` constructor, each a few checked operations;
/// splitting the arms apart would only scatter the table.
pub fn eval(t: &Term, env: &BTreeMap<String, Val>) -> Result<Val, EvalError> {
    use EvalError::Overflow;
    Ok(match t {
        Term::Num(s) => Val::Num(parse_num(s)?),
        Term::Var(v) => *env
            .get(v)
            .ok_or_else(|| EvalError::Type(format!("unbound variable {v}")))?,
        Term::Bool(b) => Val::Bool(*b),
        Term::Neg(a) => Val::Num(num(eval(a, env)?)?.checked_neg().ok_or(Overflow)?),
        Term::Arith(op, a, b) => {
            let (x, y) = (num(eval(a, env)?)?, num(eval(b, env)?)?);
            Val::Num(match op {
                ArithOp::Add => x.checked_add(y).ok_or(Overflow)?,
                ArithOp::Sub => x
                    .checked_add(y.checked_neg().ok_or(Overflow)?)
                    .ok_or(Overflow)?,
                ArithOp::Mul => x.checked_mul(y).ok_or(Overflow)?,
                ArithOp::Div => {
                    if y.num == 0 {
                        return Err(EvalError::DivByZero);
                    }
                    x.checked_mul(Rat::new(y.den, y.num).ok_or(Overflow)?)
                        .ok_or(Overflow)?
                }
                ArithOp::IntDiv => Rat::int(euclid(int_of(x)?, int_of(y)?)?.0),
                ArithOp::Mod => Rat::int(euclid(int_of(x)?, int_of(y)?)?.1),
            })
        }
        Term::Pow(a, n) => {
            let x = num(eval(a, env)?)?;
            let mut acc = Rat::int(1);
            for _ in 0..*n {
                acc = acc.checked_mul(x).ok_or(Overflow)?;
            }
            Val::Num(acc)
        }
        Term::Abs(a) => {
            let x = num(eval(a, env)?)?;
            Val::Num(if x.num < 0 {
                x.checked_neg().ok_or(Overflow)?
            } else {
                x
            })
        }
        Term::Min(args) | Term::Max(args) => {
            let mut best: Option<Rat> = None;
            for a in args {
                let x = num(eval(a, env)?)?;
                best = Some(match best {
                    None => x,
                    Some(b) => {
                        let less = x.checked_cmp(b).ok_or(Overflow)? == std::cmp::Ordering::Less;
                        if less == matches!(t, Term::Min(_)) {
                            x
                        } else {
                            b
                        }
                    }
                });
            }
            Val::Num(best.ok_or_else(|| EvalError::Type("min/max of nothing".into()))?)
        }
        Term::Cmp(terms, ops) => {
            let vals = terms
                .iter()
                .map(|a| eval(a, env))
                .collect::<Result<Vec<_>, _>>()?;
            for (i, op) in ops.iter().enumerate() {
                let (x, y) = (vals[i], vals[i + 1]);
                let holds = match op {
                    CmpOp::Eq | CmpOp::Ne => {
                        let eq = match (x, y) {
                            (Val::Bool(p), Val::Bool(q)) => p == q,
                            (Val::Num(p), Val::Num(q)) => p == q,
                            _ => {
                                return Err(EvalError::Type(
                                    "comparing a Bool with a number".into(),
                                ))
                            }
                        };
                        eq == (*op == CmpOp::Eq)
                    }
                    CmpOp::Divides => {
                        let (a, b) = (int_of(num(x)?)?, int_of(num(y)?)?);
                        if a == 0 {
                            b == 0
                        } else {
                            euclid(b, a)?.1 == 0
                        }
                    }
                    _ => {
                        let o = num(x)?.checked_cmp(num(y)?).ok_or(Overflow)?;
                        match op {
                            CmpOp::Lt => o.is_lt(),
                            CmpOp::Le => o.is_le(),
                            CmpOp::Gt => o.is_gt(),
                            _ => o.is_ge(),
                        }
                    }
                };
                if !holds {
                    return Ok(Val::Bool(false));
                }
            }
            Val::Bool(true)
        }
        Term::Not(a) => Val::Bool(!boolean(eval(a, env)?)?),
        Term::Logic(op, a, b) => {
            let x = boolean(eval(a, env)?)?;
            // Short-circuit like the logic does, so `x != 0 implies 1/x …` never divides by 0.
            match op {
                LogicOp::And if !x => Val::Bool(false),
                LogicOp::Or if x => Val::Bool(true),
                LogicOp::Implies if !x => Val::Bool(true),
                _ => {
                    let y = boolean(eval(b, env)?)?;
                    Val::Bool(match op {
                        LogicOp::And | LogicOp::Or | LogicOp::Implies => y,
                        LogicOp::Iff => x == y,
                    })
                }
            }
        }
        Term::Quant(..) => return Err(EvalError::Quantifier),
    })
}

/// Does the term contain a quantifier?
pub fn has_quantifier(t: &Term) -> bool {
    match t {
        Term::Quant(..) => true,
        Term::Num(_) | Term::Var(_) | Term::Bool(_) => false,
        Term::Neg(a) | Term::Pow(a, _) | Term::Abs(a) | Term::Not(a) => has_quantifier(a),
        Term::Arith(_, a, b) | Term::Logic(_, a, b) => has_quantifier(a) || has_quantifier(b),
        Term::Min(v) | Term::Max(v) | Term::Cmp(v, _) => v.iter().any(has_quantifier),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quantifiers_ranges_and_precedence() {
        let t = parse("forall x: Int in [1, 100], y: Real. x^2 + 1 > 0 and y*y >= 0 implies true")
            .unwrap();
        let Term::Quant(Quant::Forall, bs, body) = t else {
            panic!("not a forall")
        };
        assert_eq!(bs.len(), 2);
        assert_eq!(bs[0].sort, Sort::Int);
        assert!(bs[0].range.is_some());
        assert_eq!(bs[1].sort, Sort::Real);
        assert!(matches!(*body, Term::Logic(LogicOp::Implies, _, _)));
        let t = parse("∀ n: Int. n mod 2 = 1 → 8 divides n^2 - 1").unwrap();
        assert!(matches!(t, Term::Quant(Quant::Forall, _, _)));
    }

    #[test]
    fn rejects_bad_claims_with_positions() {
        assert!(parse("forall x: Int. x ^ y > 0")
            .unwrap_err()
            .message
            .contains("exponent"));
        assert!(parse("forall x: Nat. x > 0")
            .unwrap_err()
            .message
            .contains("sort"));
        assert!(parse("x > @").is_err());
        assert!(parse("").is_err());
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep)
            .unwrap_err()
            .message
            .contains("MAX_CLAIM_DEPTH"));
        let minus = format!("{}1 = 1", "-".repeat(10_000));
        assert!(parse(&minus).is_err());
        let long_sum = format!("{} = 0", vec!["1"; 10_000].join(" + "));
        assert!(parse(&long_sum)
            .unwrap_err()
            .message
            .contains("MAX_CLAIM_DEPTH"));
        let long_and = vec!["true"; 10_000].join(" and ");
        assert!(parse(&long_and).is_err());
        // A 150-term sum is fine.
        assert!(parse(&format!("{} = 150", vec!["1"; 150].join(" + "))).is_ok());
    }

    #[test]
    fn evaluator_is_exact_and_euclidean() {
        let env: BTreeMap<String, Val> = [("x".to_string(), Val::Num(Rat::int(-7)))].into();
        let t = parse("x mod 3 = 2 and x div 3 = -3 and x / 2 = -3.5 and 3 divides x + 1").unwrap();
        assert_eq!(eval(&t, &env), Ok(Val::Bool(true)));
        assert_eq!(
            eval(&parse("1 / (x + 7) > 0").unwrap(), &env),
            Err(EvalError::DivByZero)
        );
        assert_eq!(const_int(&parse("2^10 - 24").unwrap()), Some(1000));
    }
}
