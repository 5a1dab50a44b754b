//! The recursive-descent parser core: the cursor over the text, operator precedence (additive,
//! multiplicative with implicit products, unary, powers, postfix `!` `%` `²` `°`), numbers with
//! thousands separators, and primaries. LaTeX commands, function arguments and relation symbols
//! are in [`super::latex`].
//!
//! Conservative by design: anything ambiguous (an unknown word, two numbers side by side, an
//! unbalanced bracket) makes the whole parse fail with `None`, so prose never leaks into an item.

use super::ast::{Expr, Func, Relation, MAX_DEPTH, MAX_MATH_BYTES};
use super::latex::{func_by_name, GREEK, SKIP_COMMANDS};
use super::names::{run_kind, MAX_NAME_BYTES};
use crate::chain::Rel;

/// Parses one plain-math or LaTeX expression (`3 \times 4`, `\frac{3}{4}+\frac14`, `2(3+4)`,
/// `\sqrt[3]{27}`, `5!`, `1,000`). Returns `None` when the text is not exactly one expression.
pub fn parse_math(text: &str) -> Option<Expr> {
    if text.len() > MAX_MATH_BYTES {
        return None;
    }
    let mut p = Parser::new(text);
    let e = p.expr()?;
    p.ws();
    if p.at_end() && !e.depth_exceeds(MAX_DEPTH) {
        Some(e)
    } else {
        None
    }
}

/// Parses `a = b`, `a = b = c`, `a < b \le c`, `49 \equiv 1 \pmod{8}`, `49 ≡ 1 (mod 8)`.
/// Needs at least one relation; `None` when anything does not parse.
pub fn parse_relation(text: &str) -> Option<Relation> {
    parse_relation_reading(text, false)
}

/// [`parse_relation`] in a chain about complex numbers (the caller decides from its words): a
/// lone `i` (no subscript or prime) is the imaginary unit, so `(2+i)(3-i) = 7+i` is arithmetic.
/// Elsewhere `i` is a variable (an index, `2i + 1`).
/// A term that is `i` alone (`i = 0, 1, \ldots, n`) says `i` is an index there: `None`.
pub fn parse_relation_complex(text: &str) -> Option<Relation> {
    let r = parse_relation_reading(text, true)?;
    let lone = |t: &Expr| matches!(t, Expr::I) || matches!(t, Expr::Neg(a) if **a == Expr::I);
    (!r.terms.iter().any(lone)).then_some(r)
}

/// Whether a chain's text says it works with complex numbers ("complex", "imaginary",
/// `i^2 = -1`, `\sqrt{-1}`): then [`parse_relation_complex`] reads its relations.
pub fn complex_cue(text: &str) -> bool {
    let lower = text.to_lowercase();
    let tight: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    lower.contains("complex")
        || lower.contains("imaginary")
        || ["i^2=-1", "i^{2}=-1", "\\sqrt{-1}"]
            .iter()
            .any(|c| tight.contains(c))
}

fn parse_relation_reading(text: &str, imaginary: bool) -> Option<Relation> {
    if text.len() > MAX_MATH_BYTES {
        return None;
    }
    let (r, deg_outside) = relation_with(text, false, imaginary)?;
    // Degrees outside trigonometric arguments are a unit (`180^\circ - 50^\circ = 130^\circ`,
    // also when written on one side only), unless the relation mixes them with radians
    // (`90^\circ = \frac{\pi}{2}`, `\sin 30^\circ = \cos 60^\circ`): then every degree is π/180.
    let radians = |t: &Expr| {
        t.has_pi() || t.has_func(Func::Sin) || t.has_func(Func::Cos) || t.has_func(Func::Tan)
    };
    if deg_outside && r.terms.iter().any(radians) {
        return relation_with(text, true, imaginary).map(|(r, _)| r);
    }
    Some(r)
}

/// [`parse_relation`] with the degree reading fixed; also says whether a degree mark was seen
/// outside a trigonometric argument.
fn relation_with(text: &str, deg_radians: bool, imaginary: bool) -> Option<(Relation, bool)> {
    let mut p = Parser::new(text);
    p.deg_radians = deg_radians;
    p.imaginary = imaginary;
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
    if terms
        .iter()
        .chain(&modulus)
        .any(|t| t.depth_exceeds(MAX_DEPTH))
    {
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
    // `(x+1)^2 \equiv x^2+2x+1` without a modulus: an identity.
    if congruent && modulus.is_none() && terms.iter().any(|t| !t.vars().is_empty()) {
        for r in rels.iter_mut() {
            if *r == Rel::Congruent {
                *r = Rel::Identical;
            }
        }
        return Some((
            Relation {
                terms,
                rels,
                modulus,
            },
            p.deg_outside,
        ));
    }
    if congruent != modulus.is_some() {
        return None;
    }
    if congruent && rels.iter().any(|r| *r != Rel::Congruent && *r != Rel::Eq) {
        return None;
    }
    Some((
        Relation {
            terms,
            rels,
            modulus,
        },
        p.deg_outside,
    ))
}

/// The character-level recursive-descent parser.
pub(super) struct Parser {
    pub(super) s: Vec<char>,
    pub(super) i: usize,
    pub(super) depth: usize,
    /// Inside function arguments a comma separates arguments, never thousands.
    pub(super) no_thousands: usize,
    /// Inside the argument of `sin`/`cos`/`tan`: a degree mark there is always π/180.
    pub(super) trig: usize,
    /// Read every degree mark as π/180 (else outside trigonometric arguments it is a unit and
    /// dropped); see [`parse_relation`].
    pub(super) deg_radians: bool,
    /// A degree mark was seen outside a trigonometric argument.
    pub(super) deg_outside: bool,
    /// Nodes created so far by `\sum`/`\prod` expansions (bounded by
    /// [`super::series::MAX_SERIES_NODES`]).
    pub(super) series_nodes: usize,
    /// A lone `i` is the imaginary unit ([`parse_relation_complex`]).
    pub(super) imaginary: bool,
}

pub(super) fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// Whether the last factor of a product is a factorial (`3!` in `3!6!`, `2 \cdot 3!`).
fn ends_in_factorial(e: &Expr) -> bool {
    match e {
        Expr::Factorial(_) => true,
        Expr::Mul(_, r) => ends_in_factorial(r),
        _ => false,
    }
}

impl Parser {
    pub(super) fn new(text: &str) -> Parser {
        Parser {
            s: text.chars().collect(),
            i: 0,
            depth: 0,
            no_thousands: 0,
            trig: 0,
            deg_radians: false,
            deg_outside: false,
            series_nodes: 0,
            imaginary: false,
        }
    }

    pub(super) fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    pub(super) fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    /// Skips whitespace and LaTeX spacing (`\,`, `\;`, `\!`, `\:`, `~`, `\quad`, `\left` …).
    pub(super) fn ws(&mut self) {
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
    pub(super) fn command_at(&self, at: usize) -> (String, usize) {
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

    pub(super) fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the command `\name` (not a prefix of a longer name) if it comes next.
    pub(super) fn eat_cmd(&mut self, name: &str) -> bool {
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
    pub(super) fn eat_word(&mut self, w: &str) -> bool {
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

    pub(super) fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            None
        } else {
            Some(())
        }
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(super) fn expr(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.additive();
        self.leave();
        r
    }

    pub(super) fn additive(&mut self) -> Option<Expr> {
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

    /// At `\text{base}` / `\mathrm{side length}` (letters and spaces only): the words as one
    /// opaque name. Read only right after `×`/`·` (a factor in words); before `=` a name in
    /// words is the items' business, and after a number such a group is a unit.
    fn text_name(&mut self) -> Option<Expr> {
        let save = self.i;
        self.ws();
        if !(self.eat_cmd("text") || self.eat_cmd("mathrm")) || !self.eat('{') {
            self.i = save;
            return None;
        }
        let s = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == ' ')
        {
            self.i += 1;
        }
        let words: String = self.s[s..self.i].iter().filter(|c| **c != ' ').collect();
        let name = format!("text_{words}");
        if self.peek() != Some('}') || words.is_empty() || name.len() > MAX_NAME_BYTES {
            self.i = save;
            return None;
        }
        self.i += 1;
        Some(Expr::Var(name))
    }

    /// A multiplicative operator, if one comes next.
    pub(super) fn mulop(&mut self) -> Option<char> {
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
                    "choose" => 'c',
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
            Some('c' | 'C') => {
                // `9 choose 3`: the binomial coefficient, as an infix word.
                let save = self.i;
                if self.eat_word("choose") {
                    Some('c')
                } else {
                    self.i = save;
                    None
                }
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

    pub(super) fn term(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.term_inner();
        self.leave();
        r
    }

    pub(super) fn term_inner(&mut self) -> Option<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let save = self.i;
            if let Some(op) = self.mulop() {
                // `\frac{1}{2} \times \text{base} \times \text{height}`: a factor in words.
                let named = if op == '*' { self.text_name() } else { None };
                let rhs = match named {
                    Some(v) => v,
                    None => self.unary()?,
                };
                lhs = match op {
                    '*' => Expr::Mul(b(lhs), b(rhs)),
                    '/' => Expr::Div(b(lhs), b(rhs)),
                    'c' => Expr::Func(Func::Binom, vec![lhs, rhs]),
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
    pub(super) fn starts_implicit_factor(&mut self, lhs: &Expr) -> bool {
        let save = self.i;
        self.ws();
        let had_space = self.i > save;
        let r = match self.peek() {
            Some('(') => true,
            Some('[') => !had_space,
            // `120 \left| \frac{-44}{120} \right|`: `\left` says the bar opens.
            Some('|') => {
                let before: String = self.s[self.i.saturating_sub(12)..self.i].iter().collect();
                before.trim_end().ends_with("\\left")
            }
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
                } else if word.len() <= 1 || run_kind(&word).is_some() {
                    // `2 x 3` style was handled as an operator; a spaced lone letter (or run
                    // of letters, `2ab`, `2AC`) after a number is still a factor only without a
                    // space (`2x`), or after `)`.
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
                        | "sum"
                        | "prod"
                        | "angle"
                        | "overline"
                ) || GREEK.contains(&n.as_str())
            }
            // `3!6!`: a number glued to a factorial multiplies it.
            Some(c) if c.is_ascii_digit() => {
                save > 0 && self.s[save - 1] == '!' && !had_space && ends_in_factorial(lhs)
            }
            _ => false,
        };
        self.i = save;
        r
    }

    pub(super) fn unary(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    pub(super) fn unary_inner(&mut self) -> Option<Expr> {
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

    pub(super) fn power_level(&mut self) -> Option<Expr> {
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
        // `^\circ`, `^{\circ}`: degrees.
        if self.circ_exponent() {
            let e = self.degrees(base);
            return self.postfix_ops(e);
        }
        let exp = if self.peek() == Some('{') {
            self.i += 1;
            let e = self.expr()?;
            if !self.eat('}') {
                return None;
            }
            e
        } else {
            // `2^4^\circ` is (2^4)°: a degree mark after an unbraced exponent is the power's.
            let save = self.i;
            match self.unary()? {
                Expr::Mul(x, _) if self.deg_mark_at_end(save) => {
                    let e = Expr::Pow(b(base), x);
                    let e = self.degrees(e);
                    return self.postfix_ops(e);
                }
                e => e,
            }
        };
        let e = Expr::Pow(b(base), b(exp));
        self.postfix_ops(e)
    }

    /// Whether the text parsed since `from` ends in a degree mark that [`Parser::degrees`] read
    /// as π/180 (so the exponent just parsed is `x·π/180` only because of it).
    fn deg_mark_at_end(&self, from: usize) -> bool {
        let t: String = self.s[from..self.i].iter().collect();
        let t = t.trim_end();
        (t.ends_with("^\\circ") || t.ends_with("^{\\circ}") || t.ends_with('°'))
            && (self.trig > 0 || self.deg_radians)
    }

    /// Right after `^`: consumes `\circ` or `{\circ}` (a degree mark written as an exponent).
    pub(super) fn circ_exponent(&mut self) -> bool {
        let save = self.i;
        if self.eat_cmd("circ") {
            return true;
        }
        if self.eat('{') && self.eat_cmd("circ") && self.eat('}') {
            return true;
        }
        self.i = save;
        false
    }

    /// `e` with a degree mark: `e·π/180` inside a trigonometric argument or when the relation
    /// mixes degrees with radians; else `e` (the degree is a unit, like `cm`).
    pub(super) fn degrees(&mut self, e: Expr) -> Expr {
        if self.trig == 0 {
            self.deg_outside = true;
        }
        if self.trig > 0 || self.deg_radians {
            let per_degree = Expr::Div(b(Expr::Pi), b(Expr::Int("180".into())));
            Expr::Mul(b(e), b(per_degree))
        } else {
            e
        }
    }

    pub(super) fn postfix(&mut self) -> Option<Expr> {
        let e = self.primary()?;
        self.postfix_ops(e)
    }

    pub(super) fn postfix_ops(&mut self, mut e: Expr) -> Option<Expr> {
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
                    e = self.degrees(e);
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
                    if self.eat_cmd("circ") || self.eat_cmd("degree") {
                        e = self.degrees(e);
                        continue;
                    }
                    self.i = save;
                    return Some(e);
                }
                _ => return Some(e),
            }
        }
    }

    pub(super) fn number(&mut self) -> Option<Expr> {
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
        if !is_dec {
            if let Some(e) = self.base_numeral(&digits)? {
                return Some(e);
            }
        }
        if is_dec {
            Some(Expr::Decimal(digits))
        } else {
            Some(Expr::Int(digits))
        }
    }

    /// At a thousands separator (`,`, `{,}`, `\,`) followed by exactly three digits after a
    /// group of 1–3 digits: skips the separator and returns true.
    pub(super) fn thousands_sep_here(&mut self, digits: &str, start: usize) -> bool {
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

    pub(super) fn primary(&mut self) -> Option<Expr> {
        self.enter()?;
        let r = self.primary_inner();
        self.leave();
        r
    }

    pub(super) fn group(&mut self, close: char) -> Option<Expr> {
        let e = self.expr()?;
        if !self.eat(close) {
            return None;
        }
        Some(e)
    }

    pub(super) fn primary_inner(&mut self) -> Option<Expr> {
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

    /// A word: a single-letter variable (with optional subscript and primes), `pi`, a function
    /// call, or a run of letters read as a name or a product ([`super::names`]).
    pub(super) fn word(&mut self) -> Option<Expr> {
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
            let name = self.name_suffix(word)?;
            if self.imaginary && name == "i" {
                return Some(Expr::I);
            }
            return Some(Expr::Var(name));
        }
        let lower = word.to_ascii_lowercase();
        if lower == "pi" {
            return Some(Expr::Pi);
        }
        if let Some(f) = func_by_name(&lower) {
            return self.func_args(f);
        }
        self.letter_run(&word, start)
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
    fn imaginary_unit_only_when_asked() {
        let r = parse_relation_complex("(2+i)(3-i) = 7 + i").unwrap();
        assert!(r.terms.iter().all(|t| t.vars().is_empty()));
        assert_eq!(
            parse_relation("2i + 1 = 3").unwrap().terms[0].vars(),
            vec!["i"]
        );
        assert!(parse_relation_complex("i = 0").is_none());
        assert_eq!(
            parse_relation_complex("a_i + i = 1").unwrap().terms[0].vars(),
            vec!["a_i"]
        );
        assert!(complex_cue("Let $i=\\sqrt{-1}$."));
        assert!(complex_cue("The complex number z"));
        assert!(!complex_cue("for each i = 1, 2"));
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
