//! The math expression AST shared by the parser (which builds it from plain text or LaTeX) and
//! the numeric verifier (which builds sympy objects from it through an allowlist).
//!
//! Numbers are kept as decimal strings so no precision is lost before sympy sees them.
//!
//! [`parse_math`] parses one expression (plain math or LaTeX); [`parse_relation`] parses a chain
//! of expressions joined by relations (`=`, `<`, `\le`, `≈`, `\equiv … \pmod{m}`, …). Both are
//! conservative: anything ambiguous (an unknown word, two numbers side by side, an unbalanced
//! bracket) makes the whole parse fail with `None`, so prose never leaks into an item.

use serde::{Deserialize, Serialize};

use super::Rel;

/// A math expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Expr {
    /// A non-negative integer literal, digits only (separators removed).
    Int(String),
    /// A non-negative decimal literal as written, e.g. `"3.14"`; the number of digits shown
    /// matters to the rounding rule.
    Decimal(String),
    /// A variable name (`x`, `a_1`, `\alpha` → `alpha`).
    Var(String),
    /// π.
    Pi,
    /// Euler's number.
    E,
    /// The imaginary unit.
    I,
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    /// `a mod b` / `a % b` between operands.
    Mod(Box<Expr>, Box<Expr>),
    /// `x%` as a value: x/100.
    Percent(Box<Expr>),
    /// `n!`.
    Factorial(Box<Expr>),
    /// An allowlisted function applied to arguments.
    Func(Func, Vec<Expr>),
}

/// The functions a math item may use. Anything else is not parsed (the item is unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Sqrt,
    /// `\sqrt[n]{x}`: args `[n, x]`.
    Root,
    Abs,
    Floor,
    Ceil,
    /// `\binom{n}{k}`.
    Binom,
    Gcd,
    Lcm,
    Min,
    Max,
    Ln,
    /// `\log_b(x)`: args `[b, x]`; plain `\log x` is base 10 in contest usage: args `[10, x]`.
    Log,
    Exp,
    Sin,
    Cos,
    Tan,
}

/// Longest text [`parse_math`] / [`parse_relation`] accept, in bytes. One written calculation
/// is far shorter; the bound keeps a hostile multi-megabyte "expression" from being walked.
pub const MAX_MATH_BYTES: usize = 4096;

/// Deepest recursion the parser follows before giving up (`None`); each bracket level costs
/// about four. The parser is recursive; this keeps 10,000 nested parentheses from overflowing
/// the stack while allowing any nesting a person writes (about 60 bracket levels).
pub const MAX_DEPTH: usize = 256;

impl Expr {
    /// The free variables of the expression, sorted and deduplicated.
    pub fn vars(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out.sort();
        out.dedup();
        out
    }

    /// The direct sub-expressions, in order (none for literals and variables). Every traversal
    /// goes through this, so a new variant is handled in one place.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        let (a, b, rest): (Option<&Expr>, Option<&Expr>, &[Expr]) = match self {
            Expr::Int(_) | Expr::Decimal(_) | Expr::Var(_) | Expr::Pi | Expr::E | Expr::I => {
                (None, None, &[])
            }
            Expr::Neg(a) | Expr::Percent(a) | Expr::Factorial(a) => (Some(a), None, &[]),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b)
            | Expr::Mod(a, b) => (Some(a), Some(b), &[]),
            Expr::Func(_, args) => (None, None, args),
        };
        a.into_iter().chain(b).chain(rest)
    }

    fn collect_vars(&self, out: &mut Vec<String>) {
        if let Expr::Var(v) = self {
            out.push(v.clone());
        }
        self.children().for_each(|c| c.collect_vars(out));
    }

    /// True for a bare literal (`12`, `3.5`), possibly negated: a term that claims no computation.
    pub fn is_literal(&self) -> bool {
        match self {
            Expr::Int(_) | Expr::Decimal(_) => true,
            Expr::Neg(a) => a.is_literal(),
            _ => false,
        }
    }

    /// True for a lone variable, possibly negated (`x`, `-y`).
    pub fn is_lone_var(&self) -> bool {
        match self {
            Expr::Var(_) => true,
            Expr::Neg(a) => a.is_lone_var(),
            _ => false,
        }
    }

    /// True when the expression contains a `%` value anywhere.
    pub fn has_percent(&self) -> bool {
        matches!(self, Expr::Percent(_)) || self.children().any(Expr::has_percent)
    }
}

/// Parses one plain-math or LaTeX expression (`3 \times 4`, `\frac{3}{4}+\frac14`, `2(3+4)`,
/// `\sqrt[3]{27}`, `5!`, `1,000`). Returns `None` when the text is not exactly one expression.
pub fn parse_math(text: &str) -> Option<Expr> {
    if text.len() > MAX_MATH_BYTES {
        return None;
    }
    let mut p = P::new(text);
    let e = p.expr()?;
    p.ws();
    if p.at_end() {
        Some(e)
    } else {
        None
    }
}

/// A parsed relation chain: `terms[0] rels[0] terms[1] …`, and the modulus of a congruence.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub terms: Vec<Expr>,
    pub rels: Vec<Rel>,
    pub modulus: Option<Expr>,
}

/// Parses `a = b`, `a = b = c`, `a < b \le c`, `49 \equiv 1 \pmod{8}`, `49 ≡ 1 (mod 8)`.
/// Needs at least one relation; `None` when anything does not parse.
pub fn parse_relation(text: &str) -> Option<Relation> {
    if text.len() > MAX_MATH_BYTES {
        return None;
    }
    let mut p = P::new(text);
    let mut terms = vec![p.expr()?];
    let mut rels = Vec::new();
    let mut modulus = None;
    loop {
        p.ws();
        if p.at_end() {
            break;
        }
        if let Some(m) = p.modulus_suffix() {
            modulus = Some(m);
            p.ws();
            if !p.at_end() {
                return None;
            }
            break;
        }
        let rel = p.relation()?;
        rels.push(rel);
        terms.push(p.expr()?);
    }
    if rels.is_empty() {
        return None;
    }
    let congruent = rels.contains(&Rel::Congruent);
    // `49 \equiv 1 \mod 8` parsed `1 \mod 8` as an operation: the modulus is its right side.
    if congruent && modulus.is_none() {
        if let Some(Expr::Mod(a, m)) = terms.last().cloned() {
            *terms.last_mut().expect("non-empty") = *a;
            modulus = Some(*m);
        }
    }
    if congruent != modulus.is_some() {
        return None;
    }
    if congruent && rels.iter().any(|r| *r != Rel::Congruent && *r != Rel::Eq) {
        return None;
    }
    Some(Relation {
        terms,
        rels,
        modulus,
    })
}

/// The character-level recursive-descent parser.
struct P {
    s: Vec<char>,
    i: usize,
    depth: usize,
    /// Inside function arguments a comma separates arguments, never thousands.
    no_thousands: usize,
}

fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// LaTeX commands that only affect spacing or sizing: skipped.
const SKIP_COMMANDS: &[&str] = &[
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "displaystyle",
    "textstyle",
    "quad",
    "qquad",
    "limits",
    "$",
];

const GREEK: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
];

fn func_by_name(name: &str) -> Option<Func> {
    Some(match name {
        "sqrt" => Func::Sqrt,
        "abs" => Func::Abs,
        "floor" => Func::Floor,
        "ceil" => Func::Ceil,
        "gcd" => Func::Gcd,
        "lcm" => Func::Lcm,
        "min" => Func::Min,
        "max" => Func::Max,
        "ln" => Func::Ln,
        "log" => Func::Log,
        "exp" => Func::Exp,
        "sin" => Func::Sin,
        "cos" => Func::Cos,
        "tan" => Func::Tan,
        _ => return None,
    })
}

impl P {
    fn new(text: &str) -> P {
        P {
            s: text.chars().collect(),
            i: 0,
            depth: 0,
            no_thousands: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    /// Skips whitespace and LaTeX spacing (`\,`, `\;`, `\!`, `\:`, `~`, `\quad`, `\left` …).
    fn ws(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() || c == '~' => self.i += 1,
                Some('\\') => {
                    if let Some(',' | ';' | '!' | ':' | ' ') = self.peek_at(1) {
                        self.i += 2;
                        continue;
                    }
                    let (name, len) = self.command_at(self.i);
                    if SKIP_COMMANDS.contains(&name.as_str()) {
                        self.i += len;
                        continue;
                    }
                    return;
                }
                _ => return,
            }
        }
    }

    /// The LaTeX command name starting at `at` (which holds `\`) and its length with the `\`.
    fn command_at(&self, at: usize) -> (String, usize) {
        let mut j = at + 1;
        let mut name = String::new();
        while let Some(&c) = self.s.get(j) {
            if c.is_ascii_alphabetic() {
                name.push(c);
                j += 1;
            } else {
                break;
            }
        }
        if name.is_empty() {
            if let Some(&c) = self.s.get(at + 1) {
                name.push(c);
                j += 1;
            }
        }
        (name, j - at)
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the command `\name` (not a prefix of a longer name) if it comes next.
    fn eat_cmd(&mut self, name: &str) -> bool {
        self.ws();
        if self.peek() == Some('\\') {
            let (n, len) = self.command_at(self.i);
            if n == name {
                self.i += len;
                return true;
            }
        }
        false
    }

    /// Consumes the bare word `w` (letters not followed by another letter) if it comes next.
    fn eat_word(&mut self, w: &str) -> bool {
        self.ws();
        let cs: Vec<char> = w.chars().collect();
        if self.s.len() >= self.i + cs.len()
            && self.s[self.i..self.i + cs.len()]
                .iter()
                .zip(&cs)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
            && !self
                .s
                .get(self.i + cs.len())
                .is_some_and(|c| c.is_alphabetic())
            && !(self.i > 0 && self.s[self.i - 1].is_alphabetic())
        {
            self.i += cs.len();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            None
        } else {
            Some(())
        }
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn expr(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.additive();
        self.leave();
        r
    }

    fn additive(&mut self) -> Option<Expr> {
        let mut lhs = self.term()?;
        loop {
            self.ws();
            match self.peek() {
                Some('+') => {
                    self.i += 1;
                    let rhs = self.term()?;
                    lhs = Expr::Add(b(lhs), b(rhs));
                }
                Some('-' | '−' | '–') => {
                    // `->` is an arrow, not a minus.
                    if self.peek_at(1) == Some('>') {
                        return Some(lhs);
                    }
                    self.i += 1;
                    let rhs = self.term()?;
                    lhs = Expr::Sub(b(lhs), b(rhs));
                }
                _ => return Some(lhs),
            }
        }
    }

    /// A multiplicative operator, if one comes next.
    fn mulop(&mut self) -> Option<char> {
        self.ws();
        match self.peek() {
            Some('*') if self.peek_at(1) != Some('*') => {
                self.i += 1;
                Some('*')
            }
            Some('×' | '·' | '⋅' | '∙') => {
                self.i += 1;
                Some('*')
            }
            Some('/' | '÷' | '∕') => {
                self.i += 1;
                Some('/')
            }
            Some('\\') => {
                let (n, len) = self.command_at(self.i);
                let op = match n.as_str() {
                    "times" | "cdot" | "ast" => '*',
                    "div" => '/',
                    "bmod" => 'm',
                    "mod" => {
                        // `\mod m` at the very end of a congruence is a modulus, handled by
                        // the relation parser; between operands it is the operator.
                        'm'
                    }
                    _ => return None,
                };
                self.i += len;
                Some(op)
            }
            Some('m' | 'M') => {
                let save = self.i;
                if self.eat_word("mod") {
                    Some('m')
                } else {
                    self.i = save;
                    None
                }
            }
            Some('x' | 'X') => {
                // `2 x 3` between numbers: times (GSM8K prose). Only with a number right after.
                let prev_num = self.i > 0 && {
                    let mut j = self.i;
                    while j > 0 && self.s[j - 1] == ' ' {
                        j -= 1;
                    }
                    j > 0 && (self.s[j - 1].is_ascii_digit() || self.s[j - 1] == ')')
                };
                let spaced = self.i > 0 && self.s[self.i - 1] == ' ';
                let next_c = self.peek_at(1);
                let next_ok = match next_c {
                    Some(' ') => self
                        .s
                        .get(self.i + 2)
                        .is_some_and(|c| c.is_ascii_digit() || *c == '('),
                    Some(c) => c.is_ascii_digit() && spaced,
                    None => false,
                };
                if prev_num && next_ok {
                    self.i += 1;
                    Some('*')
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn term(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.term_inner();
        self.leave();
        r
    }

    fn term_inner(&mut self) -> Option<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let save = self.i;
            if let Some(op) = self.mulop() {
                let rhs = self.unary()?;
                lhs = match op {
                    '*' => Expr::Mul(b(lhs), b(rhs)),
                    '/' => Expr::Div(b(lhs), b(rhs)),
                    _ => Expr::Mod(b(lhs), b(rhs)),
                };
                continue;
            }
            self.i = save;
            // Implicit multiplication: `2(3+4)`, `2x`, `3\sqrt{2}`, `(a)(b)`, `2\pi`.
            if self.starts_implicit_factor(&lhs) {
                // A factor that does not parse (`1 (mod 8)`) ends the term instead.
                if let Some(rhs) = self.power_level() {
                    lhs = Expr::Mul(b(lhs), b(rhs));
                    continue;
                }
            }
            self.i = save;
            return Some(lhs);
        }
    }

    /// Whether what comes next may be an implicitly multiplied factor. A number never is (two
    /// numbers side by side are ambiguous prose: `2 3`), nor a sign.
    fn starts_implicit_factor(&mut self, lhs: &Expr) -> bool {
        let save = self.i;
        self.ws();
        let had_space = self.i > save;
        let r = match self.peek() {
            Some('(') => true,
            Some('[') => !had_space,
            Some('π' | '√') => true,
            Some(c) if c.is_alphabetic() => {
                // A single letter (variable) or a known function word; `mod` is an operator.
                let mut j = self.i;
                while j < self.s.len() && self.s[j].is_ascii_alphabetic() {
                    j += 1;
                }
                let word: String = self.s[self.i..j].iter().collect();
                if word.eq_ignore_ascii_case("mod") {
                    false
                } else if word.len() <= 1 {
                    // `2 x 3` style was handled as an operator; a spaced lone letter after a
                    // number is still a factor only without a space (`2x`), or after `)`.
                    !had_space || !matches!(lhs, Expr::Int(_) | Expr::Decimal(_))
                } else {
                    func_by_name(&word).is_some() || word == "pi"
                }
            }
            Some('\\') => {
                let (n, _) = self.command_at(self.i);
                matches!(
                    n.as_str(),
                    "frac"
                        | "dfrac"
                        | "tfrac"
                        | "sqrt"
                        | "pi"
                        | "binom"
                        | "dbinom"
                        | "tbinom"
                        | "lfloor"
                        | "lceil"
                        | "ln"
                        | "log"
                        | "exp"
                        | "sin"
                        | "cos"
                        | "tan"
                        | "gcd"
                        | "min"
                        | "max"
                        | "lvert"
                        | "vert"
                        | "operatorname"
                        | "mathrm"
                ) || GREEK.contains(&n.as_str())
            }
            _ => false,
        };
        self.i = save;
        r
    }

    fn unary(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    fn unary_inner(&mut self) -> Option<Expr> {
        self.ws();
        match self.peek() {
            Some('-' | '−' | '–') => {
                self.i += 1;
                let e = self.unary()?;
                Some(Expr::Neg(b(e)))
            }
            Some('+') => {
                self.i += 1;
                self.unary()
            }
            _ => self.power_level(),
        }
    }

    fn power_level(&mut self) -> Option<Expr> {
        let base = self.postfix()?;
        self.ws();
        let is_pow = match self.peek() {
            Some('^') => {
                self.i += 1;
                true
            }
            Some('*') if self.peek_at(1) == Some('*') => {
                self.i += 2;
                true
            }
            _ => false,
        };
        if !is_pow {
            return Some(base);
        }
        self.ws();
        // `^\circ`: degrees, a unit.
        if self.eat_cmd("circ") {
            return Some(base);
        }
        let exp = if self.peek() == Some('{') {
            self.i += 1;
            let e = self.expr()?;
            if !self.eat('}') {
                return None;
            }
            e
        } else {
            self.unary()?
        };
        let e = Expr::Pow(b(base), b(exp));
        self.postfix_ops(e)
    }

    fn postfix(&mut self) -> Option<Expr> {
        let e = self.primary()?;
        self.postfix_ops(e)
    }

    fn postfix_ops(&mut self, mut e: Expr) -> Option<Expr> {
        loop {
            // Postfix operators must touch their operand (`5!`, `50%`), except `\%`.
            match self.peek() {
                Some('!') if self.peek_at(1) != Some('=') => {
                    self.i += 1;
                    e = Expr::Factorial(b(e));
                }
                Some('%') => {
                    self.i += 1;
                    e = Expr::Percent(b(e));
                }
                Some('²') => {
                    self.i += 1;
                    e = Expr::Pow(b(e), b(Expr::Int("2".into())));
                }
                Some('³') => {
                    self.i += 1;
                    e = Expr::Pow(b(e), b(Expr::Int("3".into())));
                }
                Some('°') => {
                    self.i += 1;
                }
                Some('\\') if self.peek_at(1) == Some('%') => {
                    self.i += 2;
                    e = Expr::Percent(b(e));
                }
                Some(' ') => {
                    // ` \%` and ` %` after a space: still a percent sign.
                    let save = self.i;
                    self.ws();
                    if self.peek() == Some('%')
                        || (self.peek() == Some('\\') && self.peek_at(1) == Some('%'))
                    {
                        continue;
                    }
                    if self.eat_cmd("text") || self.eat_cmd("mathrm") || self.eat_cmd("textrm") {
                        if !self.skip_unit_group()? {
                            self.i = save;
                            return Some(e);
                        }
                        continue;
                    }
                    self.i = save;
                    return Some(e);
                }
                Some('\\') => {
                    let save = self.i;
                    if self.eat_cmd("text")
                        || self.eat_cmd("mathrm")
                        || self.eat_cmd("textrm")
                        || self.eat_cmd("mbox")
                    {
                        if !self.skip_unit_group()? {
                            self.i = save;
                            return Some(e);
                        }
                        continue;
                    }
                    if self.eat_cmd("circ") {
                        continue;
                    }
                    self.i = save;
                    return Some(e);
                }
                _ => return Some(e),
            }
        }
    }

    /// After `\text`: skips a `{unit}` group (and a `^2` after it). Returns false when the
    /// group is not a unit (`\text{mod}`, connective words): the caller backs off.
    fn skip_unit_group(&mut self) -> Option<bool> {
        self.ws();
        if self.peek() != Some('{') {
            return Some(false);
        }
        let start = self.i + 1;
        let mut j = start;
        while j < self.s.len() && self.s[j] != '}' {
            if self.s[j] == '{' || self.s[j] == '\\' {
                return Some(false);
            }
            j += 1;
        }
        if j >= self.s.len() {
            return None;
        }
        let content: String = self.s[start..j].iter().collect();
        let t = content.trim().to_ascii_lowercase();
        if !t
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '.' || c == '/')
            || matches!(
                t.as_str(),
                "mod" | "and" | "or" | "if" | "so" | "then" | "for" | "where" | "thus" | "since"
            )
        {
            return Some(false);
        }
        self.i = j + 1;
        // `\text{ cm}^2`: the exponent belongs to the unit.
        if self.peek() == Some('^') {
            self.i += 1;
            if self.peek() == Some('{') {
                while self.peek().is_some_and(|c| c != '}') {
                    self.i += 1;
                }
                self.i += 1;
            } else {
                self.i += 1;
            }
        }
        Some(true)
    }

    /// A LaTeX argument: `{expr}` or a single digit / letter / command.
    fn latex_arg(&mut self) -> Option<Expr> {
        self.ws();
        match self.peek()? {
            '{' => {
                self.i += 1;
                self.no_thousands += 1;
                let e = self.expr();
                self.no_thousands -= 1;
                let e = e?;
                if !self.eat('}') {
                    return None;
                }
                Some(e)
            }
            c if c.is_ascii_digit() => {
                self.i += 1;
                Some(Expr::Int(c.to_string()))
            }
            c if c.is_ascii_alphabetic() => {
                self.i += 1;
                Some(Expr::Var(c.to_string()))
            }
            '\\' => self.primary(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Expr> {
        let start = self.i;
        let mut digits = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                digits.push(c);
                self.i += 1;
            } else if self.no_thousands == 0 && self.thousands_sep_here(&digits, start) {
                // handled inside: separator skipped
            } else {
                break;
            }
        }
        let mut is_dec = false;
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            is_dec = true;
            digits.push('.');
            self.i += 1;
            while let Some(c) = self.peek() {
                if c.is_ascii_digit() {
                    digits.push(c);
                    self.i += 1;
                } else {
                    break;
                }
            }
        }
        if digits.is_empty() {
            return None;
        }
        if digits.starts_with('.') {
            digits.insert(0, '0');
        }
        if is_dec {
            Some(Expr::Decimal(digits))
        } else {
            Some(Expr::Int(digits))
        }
    }

    /// At a thousands separator (`,`, `{,}`, `\,`) followed by exactly three digits after a
    /// group of 1–3 digits: skips the separator and returns true.
    fn thousands_sep_here(&mut self, digits: &str, start: usize) -> bool {
        let sep_len = match self.peek() {
            Some(',') => 1,
            Some('{') if self.peek_at(1) == Some(',') && self.peek_at(2) == Some('}') => 3,
            Some('\\') if self.peek_at(1) == Some(',') => 2,
            _ => return false,
        };
        if digits.is_empty() || digits.contains('.') {
            return false;
        }
        // The first group has 1–3 digits; later groups exactly 3 (checked as we go).
        let first_group_ok = {
            let consumed: String = self.s[start..self.i].iter().collect();
            let groups: Vec<&str> = consumed.split([',', '{', '}', '\\']).collect();
            let groups: Vec<&str> = groups.into_iter().filter(|g| !g.is_empty()).collect();
            match groups.split_first() {
                Some((first, rest)) => {
                    (1..=3).contains(&first.len())
                        && !first.starts_with('0')
                        && rest.iter().all(|g| g.len() == 3)
                }
                None => false,
            }
        };
        if !first_group_ok {
            return false;
        }
        let j = self.i + sep_len;
        let three = (0..3).all(|k| self.s.get(j + k).is_some_and(|c| c.is_ascii_digit()));
        let fourth = self.s.get(j + 3).is_some_and(|c| c.is_ascii_digit());
        if three && !fourth {
            self.i = j;
            true
        } else {
            false
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.primary_inner();
        self.leave();
        r
    }

    fn group(&mut self, close: char) -> Option<Expr> {
        let e = self.expr()?;
        if !self.eat(close) {
            return None;
        }
        Some(e)
    }

    fn primary_inner(&mut self) -> Option<Expr> {
        self.ws();
        let c = self.peek()?;
        match c {
            '0'..='9' | '.' => {
                let n = self.number()?;
                // Mixed number `2\frac{1}{2}` = 2 + 1/2.
                if let Expr::Int(_) = n {
                    if self.peek() == Some('\\') {
                        let save = self.i;
                        let (name, _) = self.command_at(self.i);
                        if matches!(name.as_str(), "frac" | "dfrac" | "tfrac") {
                            if let Some(f) = self.primary() {
                                if let Expr::Div(x, y) = &f {
                                    if matches!(**x, Expr::Int(_)) && matches!(**y, Expr::Int(_)) {
                                        return Some(Expr::Add(b(n), b(f)));
                                    }
                                }
                            }
                            self.i = save;
                        }
                    }
                }
                Some(n)
            }
            '(' => {
                self.i += 1;
                self.group(')')
            }
            '[' => {
                self.i += 1;
                self.group(']')
            }
            '{' => {
                self.i += 1;
                self.group('}')
            }
            '|' => {
                self.i += 1;
                let e = self.group('|')?;
                Some(Expr::Func(Func::Abs, vec![e]))
            }
            'π' => {
                self.i += 1;
                Some(Expr::Pi)
            }
            '√' => {
                self.i += 1;
                let e = self.postfix()?;
                Some(Expr::Func(Func::Sqrt, vec![e]))
            }
            '\\' => self.command(),
            c if c.is_alphabetic() => self.word(),
            _ => None,
        }
    }

    /// A word: a single-letter variable (with optional subscript), `pi`, or a function call.
    fn word(&mut self) -> Option<Expr> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_alphabetic()) {
            self.i += 1;
        }
        let word: String = self.s[start..self.i].iter().collect();
        if word.chars().count() == 1 {
            let c = word.chars().next()?;
            if !c.is_ascii_alphabetic() {
                return None;
            }
            let mut name = word;
            if self.peek() == Some('_') {
                self.i += 1;
                match self.peek()? {
                    '{' => {
                        self.i += 1;
                        let s = self.i;
                        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                            self.i += 1;
                        }
                        let sub: String = self.s[s..self.i].iter().collect();
                        if sub.is_empty() || self.peek() != Some('}') {
                            return None;
                        }
                        self.i += 1;
                        name = format!("{name}_{sub}");
                    }
                    c if c.is_ascii_alphanumeric() => {
                        self.i += 1;
                        name = format!("{name}_{c}");
                    }
                    _ => return None,
                }
            }
            return Some(Expr::Var(name));
        }
        let lower = word.to_ascii_lowercase();
        if lower == "pi" {
            return Some(Expr::Pi);
        }
        let f = func_by_name(&lower)?;
        self.func_args(f)
    }

    /// Arguments after a function name: `(a, b)` or, for one-argument functions, `{a}` / a
    /// single factor (`\sin x`, `\ln 2`).
    fn func_args(&mut self, f: Func) -> Option<Expr> {
        self.ws();
        let mut args = Vec::new();
        if self.peek() == Some('(') || self.peek() == Some('{') {
            let close = if self.peek() == Some('(') { ')' } else { '}' };
            self.i += 1;
            self.no_thousands += 1;
            let r = (|| {
                loop {
                    args.push(self.expr()?);
                    self.ws();
                    if self.peek() == Some(',') {
                        self.i += 1;
                        continue;
                    }
                    break;
                }
                if self.eat(close) {
                    Some(())
                } else {
                    None
                }
            })();
            self.no_thousands -= 1;
            r?;
        } else {
            if matches!(f, Func::Gcd | Func::Lcm | Func::Min | Func::Max) {
                return None;
            }
            args.push(self.postfix()?);
        }
        let arity_ok = match f {
            Func::Gcd | Func::Lcm | Func::Min | Func::Max => args.len() >= 2,
            Func::Log => args.len() == 1 || args.len() == 2,
            Func::Binom | Func::Root => args.len() == 2,
            _ => args.len() == 1,
        };
        if !arity_ok {
            return None;
        }
        if f == Func::Log && args.len() == 1 {
            args.insert(0, Expr::Int("10".into()));
        }
        Some(Expr::Func(f, args))
    }

    fn command(&mut self) -> Option<Expr> {
        let (name, len) = self.command_at(self.i);
        self.i += len;
        match name.as_str() {
            "frac" | "dfrac" | "tfrac" | "cfrac" => {
                let n = self.latex_arg()?;
                let d = self.latex_arg()?;
                Some(Expr::Div(b(n), b(d)))
            }
            "sqrt" => {
                self.ws();
                if self.peek() == Some('[') {
                    self.i += 1;
                    let n = self.group(']')?;
                    let x = self.latex_arg()?;
                    Some(Expr::Func(Func::Root, vec![n, x]))
                } else {
                    let x = self.latex_arg()?;
                    Some(Expr::Func(Func::Sqrt, vec![x]))
                }
            }
            "binom" | "dbinom" | "tbinom" | "choose" => {
                let n = self.latex_arg()?;
                let k = self.latex_arg()?;
                Some(Expr::Func(Func::Binom, vec![n, k]))
            }
            "pi" => Some(Expr::Pi),
            "infty" => None,
            "{" => self.group_cmd("}"),
            "lfloor" => {
                let e = self.expr()?;
                if !self.eat_cmd("rfloor") {
                    return None;
                }
                Some(Expr::Func(Func::Floor, vec![e]))
            }
            "lceil" => {
                let e = self.expr()?;
                if !self.eat_cmd("rceil") {
                    return None;
                }
                Some(Expr::Func(Func::Ceil, vec![e]))
            }
            "lvert" | "vert" => {
                let e = self.expr()?;
                if !(self.eat_cmd("rvert") || self.eat_cmd("vert") || self.eat('|')) {
                    return None;
                }
                Some(Expr::Func(Func::Abs, vec![e]))
            }
            "log" => {
                self.ws();
                if self.peek() == Some('_') {
                    self.i += 1;
                    let base = self.latex_arg()?;
                    let x = self.func_args(Func::Ln)?;
                    let Expr::Func(_, mut a) = x else { return None };
                    let x = a.pop()?;
                    return Some(Expr::Func(Func::Log, vec![base, x]));
                }
                self.func_args(Func::Log)
            }
            "operatorname" | "mathrm" | "text" | "textrm" => {
                self.ws();
                if self.peek() != Some('{') {
                    return None;
                }
                self.i += 1;
                let s = self.i;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.i += 1;
                }
                let w: String = self.s[s..self.i].iter().collect();
                if self.peek() != Some('}') {
                    return None;
                }
                self.i += 1;
                if w == "e" {
                    return Some(Expr::E);
                }
                let f = func_by_name(&w)?;
                self.func_args(f)
            }
            n if GREEK.contains(&n) => Some(Expr::Var(n.to_string())),
            n => {
                let f = func_by_name(n)?;
                self.func_args(f)
            }
        }
    }

    /// `\{ … \}` as grouping.
    fn group_cmd(&mut self, close: &str) -> Option<Expr> {
        let e = self.expr()?;
        self.ws();
        if self.peek() == Some('\\') {
            let (n, len) = self.command_at(self.i);
            if n == close {
                self.i += len;
                return Some(e);
            }
        }
        None
    }

    /// A relation operator, if one comes next.
    fn relation(&mut self) -> Option<Rel> {
        self.ws();
        let c = self.peek()?;
        let two = (c, self.peek_at(1));
        let (rel, len) = match two {
            ('=', Some('=')) => (Rel::Eq, 2),
            ('=', Some('>')) => return None,
            ('=', _) => (Rel::Eq, 1),
            ('<', Some('=')) => (Rel::Le, 2),
            ('>', Some('=')) => (Rel::Ge, 2),
            ('!', Some('=')) => (Rel::Ne, 2),
            ('<', Some('<' | '-')) | ('>', Some('>')) => return None,
            ('<', _) => (Rel::Lt, 1),
            ('>', _) => (Rel::Gt, 1),
            ('≤' | '⩽', _) => (Rel::Le, 1),
            ('≥' | '⩾', _) => (Rel::Ge, 1),
            ('≠', _) => (Rel::Ne, 1),
            ('≈' | '≃', _) => (Rel::Approx, 1),
            ('≡', _) => (Rel::Congruent, 1),
            ('\\', _) => {
                let (n, len) = self.command_at(self.i);
                let r = match n.as_str() {
                    "le" | "leq" | "leqslant" => Rel::Le,
                    "ge" | "geq" | "geqslant" => Rel::Ge,
                    "lt" => Rel::Lt,
                    "gt" => Rel::Gt,
                    "ne" | "neq" => Rel::Ne,
                    "approx" | "simeq" => Rel::Approx,
                    "equiv" => Rel::Congruent,
                    _ => return None,
                };
                (r, len)
            }
            _ => return None,
        };
        self.i += len;
        Some(rel)
    }

    /// A trailing `\pmod{m}`, `\pmod m`, `(mod m)`, `\mod m`, `(\bmod m)` or `mod m`.
    fn modulus_suffix(&mut self) -> Option<Expr> {
        let save = self.i;
        self.ws();
        if self.eat_cmd("pmod") {
            if let Some(m) = self.latex_arg_or_number() {
                return Some(m);
            }
            self.i = save;
            return None;
        }
        if self.eat('(') {
            if self.eat_cmd("mod") || self.eat_cmd("bmod") || self.eat_word("mod") {
                if let Some(m) = self.expr() {
                    if self.eat(')') {
                        return Some(m);
                    }
                }
            }
            self.i = save;
            return None;
        }
        if self.eat_cmd("mod") || self.eat_word("mod") {
            if let Some(m) = self.expr() {
                self.ws();
                if self.at_end() {
                    return Some(m);
                }
            }
        }
        self.i = save;
        None
    }

    fn latex_arg_or_number(&mut self) -> Option<Expr> {
        self.ws();
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return self.number();
        }
        self.latex_arg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(s: &str) -> Expr {
        Expr::Int(s.into())
    }

    #[test]
    fn basics() {
        assert_eq!(
            parse_math("3 \\times 4"),
            Some(Expr::Mul(b(int("3")), b(int("4"))))
        );
        assert_eq!(parse_math("1,000"), Some(int("1000")));
        assert_eq!(
            parse_math("2(3+4)"),
            Some(Expr::Mul(
                b(int("2")),
                b(Expr::Add(b(int("3")), b(int("4"))))
            ))
        );
        assert_eq!(
            parse_math("\\frac14"),
            Some(Expr::Div(b(int("1")), b(int("4"))))
        );
        assert!(parse_math("2 3").is_none());
        assert!(parse_math("apples").is_none());
        assert_eq!(
            parse_math("-2^2"),
            Some(Expr::Neg(b(Expr::Pow(b(int("2")), b(int("2"))))))
        );
        assert_eq!(
            parse_math("2 x 0.5"),
            Some(Expr::Mul(b(int("2")), b(Expr::Decimal("0.5".into()))))
        );
    }

    #[test]
    fn relations() {
        let r = parse_relation("49 \\equiv 1 \\pmod{8}").unwrap();
        assert_eq!(r.rels, vec![Rel::Congruent]);
        assert_eq!(r.modulus, Some(int("8")));
        let r = parse_relation("49 mod 8 = 1").unwrap();
        assert_eq!(r.rels, vec![Rel::Eq]);
        assert!(parse_relation("3 + 4").is_none());
        let deep = format!("{}1{} = 1", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_relation(&deep).is_none());
    }
}
