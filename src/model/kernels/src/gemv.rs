//! CPU decode kernel: `y = x · Wᵀ` for a handful of rows `x` (`m ≤ GEMV_MAX_ROWS`) against an
//! f32 weight `W` `(n, k)` stored row-major, as a candle custom op.
//!
//! Decoding is bound by reading the weights once per token. This kernel streams each weight row
//! exactly once per call and applies it to all `m` input rows while it is in cache (batched
//! decode costs little more than single), splitting the output columns across rayon threads.
//! Prefill (many rows) stays on candle's gemm, which is compute-bound and blocked for that.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Most input rows the kernel takes; more rows go to gemm, where blocking pays off.
pub const GEMV_MAX_ROWS: usize = 16;
/// Output columns per parallel task: large enough to amortise scheduling, small enough to
/// balance two to a few dozen threads on the 151,936-wide LM head and the 256-wide K/V heads.
const COLS_PER_TASK: usize = 64;

struct Gemv;

/// Dot product with independent accumulators so the compiler can vectorise it.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

impl CustomOp2 for Gemv {
    fn name(&self) -> &'static str {
        "vibecheck-gemv"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(x), CpuStorage::F32(w)) = (s1, s2) else {
            candle_core::bail!("gemv: f32 only");
        };
        let (m, k) = l1.shape().dims2()?;
        let (n, k2) = l2.shape().dims2()?;
        if k != k2 {
            candle_core::bail!("gemv: inner dims {k} vs {k2}");
        }
        let (Some((xo, xe)), Some((wo, we))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("gemv: inputs must be contiguous");
        };
        let x = &x[xo..xe];
        let w = &w[wo..we];
        // Column-major result chunks: out_t[j*m + r] = y[r, j]; transposed at the end.
        let mut out_t = vec![0f32; n * m];
        out_t
            .par_chunks_mut(COLS_PER_TASK * m)
            .enumerate()
            .for_each(|(task, chunk)| {
                let j0 = task * COLS_PER_TASK;
                for (jj, cols) in chunk.chunks_mut(m).enumerate() {
                    let row = &w[(j0 + jj) * k..(j0 + jj + 1) * k];
                    for (r, c) in cols.iter_mut().enumerate() {
                        *c = dot(&x[r * k..(r + 1) * k], row);
                    }
                }
            });
        let out = if m == 1 {
            out_t
        } else {
            let mut y = vec![0f32; m * n];
            for j in 0..n {
                for r in 0..m {
                    y[r * n + j] = out_t[j * m + r];
                }
            }
            y
        };
        Ok((CpuStorage::F32(out), Shape::from((m, n))))
    }
}

/// `x (m, k) · Wᵀ` with `W (n, k)`: the gemv kernel for few f32 rows on the CPU, candle's
/// matmul otherwise.
pub fn matmul_t(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let (m, _) = x.dims2()?;
    if x.device().is_cpu()
        && x.dtype() == candle_core::DType::F32
        && w.dtype() == candle_core::DType::F32
        && m <= GEMV_MAX_ROWS
    {
        x.contiguous()?.apply_op2_no_bwd(&w.contiguous()?, &Gemv)
    } else {
        x.matmul(&w.t()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn gemv_matches_matmul() {
        let d = Device::Cpu;
        for (m, k, n) in [(1, 37, 5), (3, 64, 130), (16, 1536, 70), (2, 8, 1)] {
            let x = Tensor::randn(0f32, 1.0, (m, k), &d).unwrap();
            let w = Tensor::randn(0f32, 1.0, (n, k), &d).unwrap();
            let a: Vec<Vec<f32>> = matmul_t(&x, &w).unwrap().to_vec2().unwrap();
            let b: Vec<Vec<f32>> = x.matmul(&w.t().unwrap()).unwrap().to_vec2().unwrap();
            for (ra, rb) in a.iter().zip(&b) {
                for (p, q) in ra.iter().zip(rb) {
                    assert!(
                        (p - q).abs() <= 1e-4 * (1.0 + q.abs()),
                        "{m}x{k}x{n}: {p} vs {q}"
                    );
                }
            }
        }
    }
}
