//! The numeric worker process (`vibecheck worker`): an embedded CPython with sympy that answers
//! [`WorkerRequest`] lines on stdin with [`WorkerResponse`] lines on stdout.
//!
//! Owns: interpreter start-up (PYTHONHOME, memory cap via `setrlimit(RLIMIT_AS)`), building
//! sympy objects from the flattened AST through the allowlist in [`build_nodes`] (attribute
//! lookups of fixed names on the `sympy` module — no `eval`, `exec`, `sympify` or
//! `parse_expr`), and calling the trusted glue module `numeric_glue.py` (compiled into the
//! binary) that decides each relation.

use crate::chain::expr::Func;
use crate::chain::Rel;
use crate::verify::numeric::{
    FlatItem, ItemResult, Node, WireVerdict, WorkerRequest, WorkerResponse,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyModule};
use std::ffi::CString;
use std::path::PathBuf;

/// The trusted glue code (ours, constant): relation checks and the rounding rule.
const GLUE: &str = include_str!("numeric_glue.py");

/// Python's recursion limit in the worker: sympy recurses a few frames per AST level and
/// [`crate::verify::numeric::MAX_DEPTH`] levels are allowed.
const PY_RECURSION_LIMIT: u32 = 5_000;

/// Longest request line accepted by a worker (requests come from our own pool).
const MAX_REQUEST_BYTES: u64 = 64 << 20;

/// The prefix of the CPython that pyo3 was built against (set by build.rs), if it exists here.
/// Exported as PYTHONHOME so the embedded interpreter finds its own stdlib and site-packages
/// rather than another libpython's (see ../shared/TOOLCHAIN.md).
pub fn python_home() -> Option<PathBuf> {
    let home = PathBuf::from(option_env!("VIBECHECK_PYTHON_HOME")?);
    home.join("lib").is_dir().then_some(home)
}

fn rel_name(r: Rel) -> &'static str {
    match r {
        Rel::Eq => "eq",
        Rel::Ne => "ne",
        Rel::Lt => "lt",
        Rel::Le => "le",
        Rel::Gt => "gt",
        Rel::Ge => "ge",
        Rel::Approx => "approx",
        Rel::Congruent => "congruent",
        Rel::Identical => "identical",
        Rel::Asserted => "asserted",
        Rel::Rewrite => "rewrite",
        Rel::RewriteGt => "rewrite_gt",
        Rel::RewriteGe => "rewrite_ge",
        Rel::System => "system",
    }
}

/// Builds sympy objects for every node, bottom-up. Each node may only refer to earlier nodes.
/// The sympy names used here are the whole allowlist.
///
/// Over 100 lines on purpose: the allowlist is easiest to audit as one table in one place.
pub fn build_nodes<'py>(
    sp: &Bound<'py, PyModule>,
    nodes: &[Node],
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let py = sp.py();
    let mut out: Vec<Bound<'py, PyAny>> = Vec::with_capacity(nodes.len());
    let bad = |what: &str| pyo3::exceptions::PyValueError::new_err(what.to_string());
    // sympy's undefined values: an intermediate one (`1/0` is `zoo`) makes the whole item
    // undefined, even where sympy would absorb it later (`0/zoo` is 0).
    let undefined = [
        sp.getattr("zoo")?,
        sp.getattr("nan")?,
        sp.getattr("oo")?,
        sp.getattr("oo")?.neg()?,
    ];
    for (i, node) in nodes.iter().enumerate() {
        let get = |k: &u32| -> PyResult<Bound<'py, PyAny>> {
            let k = *k as usize;
            if k >= i {
                return Err(bad("node refers forward"));
            }
            Ok(out[k].clone())
        };
        let digits = |s: &str| -> PyResult<Bound<'py, PyAny>> {
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad("malformed literal"));
            }
            sp.getattr("Integer")?.call1((s,))
        };
        let v = match node {
            Node::Int(s) => digits(s)?,
            Node::Dec(a, b) => {
                let whole = format!("{}{}", if a.is_empty() { "0" } else { a }, b);
                let den = sp
                    .getattr("Integer")?
                    .call1((10,))?
                    .pow(b.len(), py.None())?;
                sp.getattr("Rational")?.call1((digits(&whole)?, den))?
            }
            Node::Var(name) => {
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad("malformed name"));
                }
                let kw = PyDict::new(py);
                kw.set_item("real", true)?;
                sp.getattr("Symbol")?.call((name.as_str(),), Some(&kw))?
            }
            Node::Pi => sp.getattr("pi")?,
            Node::E => sp.getattr("E")?,
            Node::I => sp.getattr("I")?,
            Node::Neg(a) => get(a)?.neg()?,
            Node::Add(a, b) => get(a)?.add(get(b)?)?,
            Node::Sub(a, b) => get(a)?.sub(get(b)?)?,
            Node::Mul(a, b) => get(a)?.mul(get(b)?)?,
            Node::Div(a, b) => get(a)?.div(get(b)?)?,
            Node::Pow(a, b) => get(a)?.pow(get(b)?, py.None())?,
            Node::Mod(a, b) => sp.getattr("Mod")?.call1((get(a)?, get(b)?))?,
            Node::Percent(a) => get(a)?.div(sp.getattr("Integer")?.call1((100,))?)?,
            Node::Factorial(a) => sp.getattr("factorial")?.call1((get(a)?,))?,
            Node::Func(f, args) => {
                let args = args.iter().map(get).collect::<PyResult<Vec<_>>>()?;
                let one = |name: &str| -> PyResult<Bound<'py, PyAny>> {
                    if args.len() != 1 {
                        return Err(bad("wrong number of arguments"));
                    }
                    sp.getattr(name)?.call1((args[0].clone(),))
                };
                let fold = |name: &str| -> PyResult<Bound<'py, PyAny>> {
                    let f = sp.getattr(name)?;
                    let mut acc = args.first().ok_or_else(|| bad("no arguments"))?.clone();
                    for a in &args[1..] {
                        acc = f.call1((acc, a.clone()))?;
                    }
                    Ok(acc)
                };
                match f {
                    Func::Sqrt => one("sqrt")?,
                    Func::Abs => one("Abs")?,
                    Func::Floor => one("floor")?,
                    Func::Ceil => one("ceiling")?,
                    Func::Ln => one("log")?,
                    Func::Exp => one("exp")?,
                    Func::Sin => one("sin")?,
                    Func::Cos => one("cos")?,
                    Func::Tan => one("tan")?,
                    Func::Log if args.len() == 1 => one("log")?,
                    Func::Log if args.len() == 2 => sp
                        .getattr("log")?
                        .call1((args[1].clone(), args[0].clone()))?,
                    Func::Root if args.len() == 2 => sp
                        .getattr("root")?
                        .call1((args[1].clone(), args[0].clone()))?,
                    Func::Binom if args.len() == 2 => sp
                        .getattr("binomial")?
                        .call1((args[0].clone(), args[1].clone()))?,
                    Func::Gcd if args.len() >= 2 => fold("gcd")?,
                    Func::Lcm if args.len() >= 2 => fold("lcm")?,
                    Func::Min if !args.is_empty() => sp
                        .getattr("Min")?
                        .call1(PyList::new(py, &args)?.to_tuple())?,
                    Func::Max if !args.is_empty() => sp
                        .getattr("Max")?
                        .call1(PyList::new(py, &args)?.to_tuple())?,
                    _ => return Err(bad("wrong number of arguments")),
                }
            }
        };
        if undefined.iter().any(|u| v.is(u)) {
            return Err(bad(
                "a value is undefined (division by zero or an infinite result)",
            ));
        }
        out.push(v);
    }
    Ok(out)
}

fn check_one(
    sp: &Bound<'_, PyModule>,
    glue: &Bound<'_, PyModule>,
    item: &FlatItem,
    tol: f64,
    identities: bool,
) -> ItemResult {
    let py = sp.py();
    let run = || -> PyResult<String> {
        let built = build_nodes(sp, &item.nodes)?;
        let pick = |k: u32| {
            built
                .get(k as usize)
                .cloned()
                .ok_or_else(|| pyo3::exceptions::PyValueError::new_err("term index out of range"))
        };
        let terms = item
            .terms
            .iter()
            .map(|&k| pick(k))
            .collect::<PyResult<Vec<_>>>()?;
        let modulus = match item.modulus {
            Some(k) => pick(k)?,
            None => py.None().into_bound(py),
        };
        let lits = PyList::empty(py);
        for l in &item.lits {
            match l {
                Some(l) => {
                    let d = PyDict::new(py);
                    d.set_item("places", l.places)?;
                    d.set_item("trailing_zeros", l.trailing_zeros)?;
                    lits.append(d)?;
                }
                None => lits.append(py.None())?,
            }
        }
        let rels: Vec<&str> = item.rels.iter().map(|r| rel_name(*r)).collect();
        glue.getattr("check_item_json")?
            .call1((
                terms,
                rels,
                lits,
                item.texts.clone(),
                modulus,
                tol,
                identities,
            ))?
            .extract::<String>()
    };
    match run() {
        Ok(json) => serde_json::from_str(&json).unwrap_or_else(|e| ItemResult {
            verdict: WireVerdict::Unknown,
            summary: format!("internal: glue returned bad JSON: {e}"),
            ..Default::default()
        }),
        Err(e) => ItemResult {
            verdict: WireVerdict::Unknown,
            summary: format!("could not evaluate: {}", truncate(&e.to_string(), 200)),
            ..Default::default()
        },
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

/// Runs the worker loop until stdin closes. Returns the exit code.
pub fn run(memory_mb: u64) -> anyhow::Result<i32> {
    if std::env::var_os("PYTHONHOME").is_none() {
        if let Some(home) = python_home() {
            // Single-threaded at this point: nothing else reads the environment concurrently.
            std::env::set_var("PYTHONHOME", home);
        }
    }
    Python::attach(|py| -> anyhow::Result<i32> {
        let sys = py.import("sys")?;
        sys.call_method1("setrecursionlimit", (PY_RECURSION_LIMIT,))?;
        let sp = py
            .import("sympy")
            .map_err(|e| anyhow::anyhow!("cannot import sympy: {e}"))?;
        let code = CString::new(GLUE)?;
        let glue = PyModule::from_code(py, &code, c"numeric_glue.py", c"vibecheck_numeric_glue")?;
        // Memory cap for everything evaluated from now on.
        let bytes = memory_mb.saturating_mul(1 << 20);
        let resource = py.import("resource")?;
        let as_limit = resource.getattr("RLIMIT_AS")?;
        resource.call_method1("setrlimit", (as_limit, (bytes, bytes)))?;

        crate::verify::numeric::pool::serve_json_lines(MAX_REQUEST_BYTES, |line| {
            Ok(match serde_json::from_slice::<WorkerRequest>(line) {
                Ok(req) => WorkerResponse {
                    id: req.id,
                    results: req
                        .items
                        .iter()
                        .map(|it| check_one(&sp, &glue, it, req.approx_rel_tol, req.identities))
                        .collect(),
                    error: None,
                },
                Err(e) => WorkerResponse {
                    id: 0,
                    results: vec![],
                    error: Some(format!("bad request: {e}")),
                },
            })
        })
    })
}
