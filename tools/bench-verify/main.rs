//! bench-verify: throughput and latency of the verify backends (not a test).
//!
//! Measures, in one run on this machine:
//! * numeric items/s through a [`NumericPool`] (simple arithmetic `a op b = c`), one item per
//!   round trip and batched, for 1 worker and for one worker per core;
//! * Z3 small-claim latency p50/p99 through `check_claim`;
//! * worker cold start (spawn → sympy imported → ready), against the baseline of a bare
//!   `python3 -c "import sympy"` measured in the same run.
//!
//! Usage: `tools/bench-verify/run.sh` (builds the binary and this example, then runs it).
//! Progress goes to stderr; the results table (markdown) to stdout.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use vibecheck::chain::expr::Expr;
use vibecheck::chain::{MathItem, Rel};
use vibecheck::verify::logic::check_claim;
use vibecheck::verify::numeric::NumericPool;

/// Items per throughput measurement.
const ITEMS: usize = 12_000;
/// Claims timed per latency measurement (each of the small claims, round-robin).
const CLAIM_RUNS: usize = 300;
/// Cold starts timed.
const COLD_STARTS: usize = 3;

fn worker_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("VIBECHECK_WORKER_EXE") {
        return PathBuf::from(p);
    }
    // target/<profile>/examples/bench-verify → target/<profile>/vibecheck
    let me = std::env::current_exe().expect("current exe");
    me.parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .join("vibecheck")
}

fn items(n: usize) -> Vec<MathItem> {
    let mut s = 0x2545F4914F6CDD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..n)
        .map(|_| {
            let a = (next() % 1000) as i64;
            let b = (next() % 1000) as i64 + 1;
            let (op, c): (u64, i64) = match next() % 3 {
                0 => (0, a + b),
                1 => (1, a * b),
                _ => (2, a - b),
            };
            let (x, y) = (
                Box::new(Expr::Int(a.to_string())),
                Box::new(Expr::Int(b.to_string())),
            );
            let lhs = match op {
                0 => Expr::Add(x, y),
                1 => Expr::Mul(x, y),
                _ => Expr::Sub(x, y),
            };
            let rhs = if c < 0 {
                Expr::Neg(Box::new(Expr::Int((-c).to_string())))
            } else {
                Expr::Int(c.to_string())
            };
            MathItem {
                source: String::new(),
                terms: vec![lhs, rhs],
                rels: vec![Rel::Eq],
                modulus: None,
            }
        })
        .collect()
}

fn throughput(workers: usize, batch: usize, items: &[MathItem]) -> anyhow::Result<f64> {
    let pool = NumericPool::new(workers, worker_exe())?;
    pool.warm_up()?;
    let deadline = Duration::from_secs(60);
    let start = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let chunks: Vec<&[MathItem]> = items.chunks(items.len().div_ceil(workers)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let pool = &pool;
                s.spawn(move || -> anyhow::Result<usize> {
                    let mut ok = 0;
                    for group in chunk.chunks(batch) {
                        let checks = if batch == 1 {
                            vec![pool.check(&group[0], deadline)?]
                        } else {
                            pool.check_batch(group, deadline)?
                        };
                        ok += checks
                            .iter()
                            .filter(|c| c.verdict == vibecheck::verify::ItemVerdict::Verified)
                            .count();
                    }
                    Ok(ok)
                })
            })
            .collect();
        let mut ok = 0;
        for h in handles {
            ok += h.join().expect("bench thread")?;
        }
        anyhow::ensure!(
            ok == items.len(),
            "only {ok} of {} items verified",
            items.len()
        );
        Ok(())
    })?;
    Ok(items.len() as f64 / start.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    eprintln!(
        "bench-verify: worker {}, {cores} cores",
        worker_exe().display()
    );
    let its = items(ITEMS);
    println!("| measurement | value |");
    println!("|---|---|");

    for (workers, batch) in [(1, 1), (1, 256), (cores, 1), (cores, 256)] {
        eprintln!("numeric: {workers} worker(s), batch {batch} …");
        let rate = throughput(workers, batch, &its)?;
        println!(
            "| numeric items/s, {workers} worker(s), batch {batch} | {rate:.0} ({:.0} per worker) |",
            rate / workers as f64
        );
    }

    eprintln!("z3: {CLAIM_RUNS} small claims …");
    let claims = [
        "forall x: Int. x*x >= 0",
        "forall x: Int. x*x > 0",
        "forall a, b: Real. (a + b)^2 = a^2 + 2*a*b + b^2",
        "forall x: Int. 6 divides x implies 3 divides x",
        "exists n: Int. n * n = 49 and n < 0",
        "forall p, q: Bool. not (p and q) iff (not p or not q)",
    ];
    let mut lat = Vec::with_capacity(CLAIM_RUNS);
    for i in 0..CLAIM_RUNS {
        let t = Instant::now();
        let c = check_claim(claims[i % claims.len()], Duration::from_secs(10));
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(
            matches!(
                c.verdict,
                vibecheck::verify::ItemVerdict::Verified | vibecheck::verify::ItemVerdict::Refuted
            ),
            "claim {} gave {:?}",
            claims[i % claims.len()],
            c.verdict
        );
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    // Baseline in the same run: a fresh Z3 context and a trivial check, no claim machinery.
    let mut base = Vec::with_capacity(CLAIM_RUNS);
    for _ in 0..CLAIM_RUNS {
        let t = Instant::now();
        let cfg = z3::Config::new();
        z3::with_z3_config(&cfg, || {
            let s = z3::Solver::new();
            s.assert(z3::ast::Bool::from_bool(true));
            s.check()
        });
        base.push(t.elapsed().as_secs_f64() * 1e3);
    }
    base.sort_by(|a, b| a.total_cmp(b));
    let (p50, b50) = (percentile(&lat, 0.5), percentile(&base, 0.5));
    println!("| Z3 small-claim latency p50 | {p50:.2} ms |");
    println!(
        "| Z3 small-claim latency p99 | {:.2} ms |",
        percentile(&lat, 0.99)
    );
    println!(
        "| baseline: fresh Z3 context + trivial check, p50 | {b50:.2} ms (claim/baseline = {:.1}) |",
        p50 / b50
    );

    eprintln!("cold start …");
    let mut cold = Vec::new();
    let mut base = Vec::new();
    for _ in 0..COLD_STARTS {
        let t = Instant::now();
        let pool = NumericPool::new(1, worker_exe())?;
        pool.warm_up()?;
        cold.push(t.elapsed().as_secs_f64());
        drop(pool);
        let t = Instant::now();
        let st = std::process::Command::new("python3")
            .args(["-c", "import sympy"])
            .status()?;
        anyhow::ensure!(st.success(), "python3 -c 'import sympy' failed");
        base.push(t.elapsed().as_secs_f64());
    }
    cold.sort_by(|a, b| a.total_cmp(b));
    base.sort_by(|a, b| a.total_cmp(b));
    let (c, b) = (cold[cold.len() / 2], base[base.len() / 2]);
    println!(
        "| worker cold start (median of {COLD_STARTS}) | {:.0} ms |",
        c * 1e3
    );
    println!(
        "| baseline `python3 -c 'import sympy'` | {:.0} ms (worker/baseline = {:.2}) |",
        b * 1e3,
        c / b
    );
    Ok(())
}
