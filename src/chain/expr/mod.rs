//! Math expressions: the AST ([`ast`]) and the parser that builds it from plain text or LaTeX
//! ([`parse`], with LaTeX commands in [`latex`]).
//!
//! [`parse_math`] parses one expression (plain math or LaTeX); [`parse_relation`] parses a chain
//! of expressions joined by relations (`=`, `<`, `\le`, `≈`, `\equiv … \pmod{m}`, …). Both are
//! conservative: anything ambiguous makes the whole parse fail with `None`. `\sum`/`\prod` with
//! small whole-number bounds are expanded into their terms ([`series`]). Names as olympiad
//! solutions write them (`t_{n-2}`, `n'`, `AB`, `\angle ABC`, `\text{Base Area}` as a factor),
//! letters side by side (`2ab`) and numerals in a base (`1121_3`) are read by [`names`]: a name
//! is an opaque variable, never a value. A chain of coordinates (`(1, 0) - (1, 0) = (0, 0)`)
//! is split into one relation per component by [`tuple_components`] ([`tuples`]).

pub mod ast;
mod latex;
mod names;
pub mod parse;
mod series;
mod tuples;

pub use ast::{Expr, Func, Relation, MAX_DEPTH, MAX_MATH_BYTES};
pub use names::display_name;
pub use parse::{complex_cue, parse_math, parse_relation, parse_relation_complex};
pub use series::{MAX_SERIES_NODES, MAX_SERIES_TERMS};
pub use tuples::tuple_components;
