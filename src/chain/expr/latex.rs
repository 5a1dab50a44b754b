//! LaTeX commands (`\\frac`, `\\sqrt[n]{}`, `\\binom`, `\\log_b`, `\\text{…}` units, Greek
//! letters), function arguments, relation symbols and congruence moduli, as methods of the
//! parser in [`super::parse`].

use super::ast::{Expr, Func};
use super::parse::{b, Parser};
use crate::chain::Rel;

/// LaTeX commands that only affect spacing or sizing: skipped.
pub(super) const SKIP_COMMANDS: &[&str] = &[
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

pub(super) const GREEK: &[&str] = &[
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

pub(super) fn func_by_name(name: &str) -> Option<Func> {
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

impl Parser {
    /// After `\text`: skips a `{unit}` group (and a `^2` after it). Returns false when the
    /// group is not a unit (`\text{mod}`, connective words): the caller backs off.
    pub(super) fn skip_unit_group(&mut self) -> Option<bool> {
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
    pub(super) fn latex_arg(&mut self) -> Option<Expr> {
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

    /// Arguments after a function name: `(a, b)` or, for one-argument functions, `{a}` / a
    /// single factor (`\sin x`, `\ln 2`).
    pub(super) fn func_args(&mut self, f: Func) -> Option<Expr> {
        let trig = matches!(f, Func::Sin | Func::Cos | Func::Tan);
        // `\sin^2 x` is `(\sin x)^2`; only a whole-number power (`\sin^{-1}` is an inverse).
        let mut power = None;
        self.ws();
        if trig && self.peek() == Some('^') {
            self.i += 1;
            let e = if self.eat('{') {
                let e = self.expr()?;
                self.eat('}').then_some(e)?
            } else {
                let c = self.peek().filter(char::is_ascii_digit)?;
                self.i += 1;
                Expr::Int(c.to_string())
            };
            if !matches!(&e, Expr::Int(_)) {
                return None;
            }
            power = Some(e);
        }
        self.trig += usize::from(trig);
        let r = self.func_args_inner(f);
        self.trig -= usize::from(trig);
        match power {
            Some(p) => Some(Expr::Pow(b(r?), b(p))),
            None => r,
        }
    }

    fn func_args_inner(&mut self, f: Func) -> Option<Expr> {
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
            // `\sin 30^\circ`, `\log_2 2^5`: a power is the argument's (a degree mark too);
            // `\sin 2\theta`, `\ln 3x`, `\cos 2\pi`: letters (and π) glued to it multiply
            // inside the argument.
            let mut arg = self.power_level()?;
            loop {
                // `\cos 2\pi` is cos(2π), never cos(2)·π.
                let glued = match self.peek() {
                    Some(c) => c.is_ascii_alphabetic() || c == 'π',
                    None => false,
                } || (self.peek() == Some('\\') && {
                    let name = self.command_at(self.i).0;
                    GREEK.contains(&name.as_str()) || name == "pi"
                });
                if !glued {
                    break;
                }
                let save = self.i;
                match self.power_level() {
                    Some(x) => arg = Expr::Mul(b(arg), b(x)),
                    None => {
                        self.i = save;
                        break;
                    }
                }
            }
            args.push(arg);
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

    pub(super) fn command(&mut self) -> Option<Expr> {
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
            "sum" => self.series(false),
            "prod" => self.series(true),
            "pi" => Some(Expr::Pi),
            "angle" => self.angle_name(),
            "overline" => self.overline_name(),
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
    pub(super) fn group_cmd(&mut self, close: &str) -> Option<Expr> {
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
    pub(super) fn relation(&mut self) -> Option<Rel> {
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
    pub(super) fn modulus_suffix(&mut self) -> Option<Expr> {
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

    pub(super) fn latex_arg_or_number(&mut self) -> Option<Expr> {
        self.ws();
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return self.number();
        }
        self.latex_arg()
    }
}
