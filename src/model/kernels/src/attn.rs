//! CPU decode attention (one new position per row) straight over the preallocated KV cache,
//! as a candle custom op: for every query head, scores against the first `len` cached keys of
//! its KV head, softmax, and the weighted sum of the cached values.
//!
//! Why: through candle this step is two batched gemm calls on tiny matrices (`groups × d` by
//! `d × len`) plus a softmax, and profiling the 135M demo model's decode showed ~20 % of the time
//! in gemm's small-matrix overhead. Here each head is two streaming passes over its cache rows,
//! split across rayon's threads by head. Dot products and axpys use AVX2+FMA when the CPU has
//! them (detected at run time), portable code otherwise.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// `softmax(q · Kᵀ · scale) · V` for `q (b, heads, 1, d)` against caches `(b, kv_heads, cap, d)`
/// filled to `len`; returns `(b, heads, 1, d)`. Query head `h` reads KV head
/// `h / (heads / kv_heads)` (grouped-query attention).
pub fn decode_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    len: usize,
    scale: f32,
) -> Result<Tensor> {
    q.contiguous()?
        .apply_op3_no_bwd(k, v, &DecodeAttention { len, scale })
}

struct DecodeAttention {
    len: usize,
    scale: f32,
}

impl CustomOp3 for DecodeAttention {
    fn name(&self) -> &'static str {
        "vibecheck-decode-attention"
    }

    fn cpu_fwd(
        &self,
        sq: &CpuStorage,
        lq: &Layout,
        sk: &CpuStorage,
        lk: &Layout,
        sv: &CpuStorage,
        lv: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(q), CpuStorage::F32(k), CpuStorage::F32(v)) = (sq, sk, sv) else {
            candle_core::bail!("decode attention: f32 only");
        };
        let (b, heads, t, d) = lq.shape().dims4()?;
        let (kb, kvh, cap, kd) = lk.shape().dims4()?;
        if t != 1 || kb != b || kd != d || lv.shape() != lk.shape() || kvh == 0 {
            candle_core::bail!(
                "decode attention: q {:?} against cache {:?} / {:?}",
                lq.shape(),
                lk.shape(),
                lv.shape()
            );
        }
        if !heads.is_multiple_of(kvh) || self.len == 0 || self.len > cap {
            candle_core::bail!(
                "decode attention: {heads} heads, {kvh} kv heads, len {} of {cap}",
                self.len
            );
        }
        let (Some((qo, qe)), Some((ko, ke)), Some((vo, ve))) = (
            lq.contiguous_offsets(),
            lk.contiguous_offsets(),
            lv.contiguous_offsets(),
        ) else {
            candle_core::bail!("decode attention: operands must be contiguous");
        };
        let (q, k, v) = (&q[qo..qe], &k[ko..ke], &v[vo..ve]);
        let groups = heads / kvh;
        let len = self.len;
        let simd = Simd::detect();
        let mut out = vec![0f32; b * heads * d];
        out.par_chunks_mut(d).enumerate().for_each_init(
            || vec![0f32; len],
            |scores, (bh, o)| {
                let (bi, h) = (bh / heads, bh % heads);
                let base = (bi * kvh + h / groups) * cap * d;
                let qh = &q[bh * d..(bh + 1) * d];
                let mut max = f32::NEG_INFINITY;
                for (l, s) in scores.iter_mut().enumerate() {
                    *s = simd.dot(qh, &k[base + l * d..base + (l + 1) * d]) * self.scale;
                    max = max.max(*s);
                }
                let inv = 1.0 / simd.exp_sub_sum(scores, max);
                o.fill(0.0);
                for (l, s) in scores.iter().enumerate() {
                    simd.axpy(s * inv, &v[base + l * d..base + (l + 1) * d], o);
                }
            },
        );
        Ok((CpuStorage::F32(out), Shape::from((b, heads, 1, d))))
    }
}

/// The vector instructions [`DecodeAttention`] uses, detected once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Simd {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Simd {
    fn detect() -> Simd {
        static S: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
        *S.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Simd::Avx2Fma;
            }
            Simd::Portable
        })
    }

    #[inline]
    fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Simd::Portable => dot_portable(a, b),
            // SAFETY: only detected when the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2Fma => unsafe { x86::dot(a, b) },
        }
    }

    /// `x ← exp(x − max)` for every element; returns their sum.
    #[inline]
    fn exp_sub_sum(self, x: &mut [f32], max: f32) -> f32 {
        match self {
            Simd::Portable => exp_sub_sum_portable(x, max),
            // SAFETY: only detected when the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2Fma => unsafe { x86::exp_sub_sum(x, max) },
        }
    }

    /// `y += alpha · x`.
    #[inline]
    fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        match self {
            Simd::Portable => y.iter_mut().zip(x).for_each(|(y, x)| *y += alpha * x),
            // SAFETY: only detected when the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2Fma => unsafe { x86::axpy(alpha, x, y) },
        }
    }
}

/// Dot product with eight independent accumulators (vectorisable).
#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

fn exp_sub_sum_portable(x: &mut [f32], max: f32) -> f32 {
    let mut sum = 0f32;
    for v in x.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// `exp(x − max)` eight lanes at a time (the arguments are ≤ 0): Cephes' single-precision
    /// method (`2ⁿ · p(r)`, `r = x − n·ln 2` in two parts, degree-6 polynomial, ~1 ulp), with
    /// arguments clamped at −87 so `2ⁿ` stays a normal float (`e⁻⁸⁷` is far below one ulp of
    /// the sum, whose largest term is 1). The tail goes through libm.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn exp_sub_sum(x: &mut [f32], max: f32) -> f32 {
        let mx = _mm256_set1_ps(max);
        let lo = _mm256_set1_ps(-87.0);
        let log2e = _mm256_set1_ps(std::f32::consts::LOG2_E);
        let (c1, c2) = (_mm256_set1_ps(0.693_359_4), _mm256_set1_ps(-2.121_944_4e-4));
        const P: [f32; 6] = [
            1.987_569_1e-4,
            1.398_199_9e-3,
            8.333_452e-3,
            4.166_579_6e-2,
            0.166_666_65,
            0.5,
        ];
        let one = _mm256_set1_ps(1.0);
        let mut acc = _mm256_setzero_ps();
        let mut chunks = x.chunks_exact_mut(8);
        for c in &mut chunks {
            // SAFETY: `c` is 8 f32s.
            let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
            let v = _mm256_max_ps(_mm256_sub_ps(v, mx), lo);
            let n = _mm256_round_ps(
                _mm256_mul_ps(v, log2e),
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
            );
            let r = _mm256_fnmadd_ps(n, c1, v);
            let r = _mm256_fnmadd_ps(n, c2, r);
            let mut y = _mm256_set1_ps(P[0]);
            for &pk in &P[1..] {
                y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(pk));
            }
            let y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, one));
            let pow2 = _mm256_castsi256_ps(_mm256_slli_epi32(
                _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)),
                23,
            ));
            let e = _mm256_mul_ps(y, pow2);
            // SAFETY: as above.
            unsafe { _mm256_storeu_ps(c.as_mut_ptr(), e) };
            acc = _mm256_add_ps(acc, e);
        }
        let mut lanes = [0f32; 8];
        // SAFETY: `lanes` is 8 f32s.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc) };
        lanes.iter().sum::<f32>() + super::exp_sub_sum_portable(chunks.into_remainder(), max)
    }

    /// [`super::dot_portable`] compiled for AVX2+FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        super::dot_portable(a, b)
    }

    /// `y += alpha · x`, compiled for AVX2+FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
        y.iter_mut()
            .zip(x)
            .for_each(|(y, x)| *y = alpha.mul_add(*x, *y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, D};

    /// Equals candle's matmul/softmax/matmul over the cache's first `len` positions, with GQA.
    #[test]
    fn matches_candle_attention() {
        let dev = Device::Cpu;
        for (b, heads, kvh, cap, len, d) in [
            (1, 9, 3, 40, 17, 64),
            (3, 4, 4, 8, 8, 16),
            (2, 6, 2, 5, 1, 8),
        ] {
            let q = Tensor::randn(0f32, 1.0, (b, heads, 1, d), &dev).unwrap();
            let k = Tensor::randn(0f32, 1.0, (b, kvh, cap, d), &dev).unwrap();
            let v = Tensor::randn(0f32, 1.0, (b, kvh, cap, d), &dev).unwrap();
            let scale = 1.0 / (d as f32).sqrt();
            let got = decode_attention(&q, &k, &v, len, scale).unwrap();
            let groups = heads / kvh;
            let qf = (q.reshape((b, kvh, groups, d)).unwrap() * scale as f64).unwrap();
            let keys = k.narrow(2, 0, len).unwrap();
            let vals = v.narrow(2, 0, len).unwrap();
            let s = qf.matmul(&keys.t().unwrap()).unwrap();
            let p = candle_nn::ops::softmax(&s, D::Minus1).unwrap();
            let want = p.matmul(&vals).unwrap().reshape((b, heads, 1, d)).unwrap();
            let diff = (got - want)
                .unwrap()
                .abs()
                .unwrap()
                .flatten_all()
                .unwrap()
                .max(0)
                .unwrap()
                .to_dtype(DType::F32)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(
                diff < 1e-5,
                "b={b} heads={heads} kv={kvh} len={len}: {diff}"
            );
        }
    }

    /// The vector exp agrees with libm's to a few ulp over the range softmax feeds it.
    #[test]
    fn vector_exp_matches_libm() {
        let xs: Vec<f32> = (0..2000).map(|i| -(i as f32) * 0.05 + 0.3).collect();
        let mut got = xs.clone();
        let sum = Simd::detect().exp_sub_sum(&mut got, 0.3);
        let mut want = xs.clone();
        let want_sum = exp_sub_sum_portable(&mut want, 0.3);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 4.0 * f32::EPSILON * w.max(1e-30),
                "{g} vs {w}"
            );
        }
        assert!((sum - want_sum).abs() <= 1e-5 * want_sum);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let dev = Device::Cpu;
        let q = Tensor::zeros((1, 3, 1, 8), DType::F32, &dev).unwrap();
        let k = Tensor::zeros((1, 2, 4, 8), DType::F32, &dev).unwrap();
        assert!(decode_attention(&q, &k, &k, 2, 1.0).is_err()); // 3 heads over 2 kv heads
        let k = Tensor::zeros((1, 3, 4, 8), DType::F32, &dev).unwrap();
        assert!(decode_attention(&q, &k, &k, 5, 1.0).is_err()); // len beyond capacity
        assert!(decode_attention(&q, &k, &k, 0, 1.0).is_err());
    }
}
