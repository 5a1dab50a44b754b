//! Kernel results against candle's dequantize-then-f32 matmul on random blocks, and the SIMD
//! level against the scalar reference.

use super::*;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};

/// Random `(n, k)` weights quantized by candle to `dt`, as a [`QuantMat`] and as candle's f32
/// dequantization.
fn weights(dt: GgmlDType, n: usize, k: usize) -> (Arc<QuantMat>, Tensor) {
    let w = Tensor::randn(0f32, 1.0, (n, k), &Device::Cpu).unwrap();
    let q = QTensor::quantize(&w, dt).unwrap();
    let deq = q.dequantize(&Device::Cpu).unwrap();
    let mat = QuantMat::new(QFormat::of(dt).unwrap(), q).unwrap();
    (Arc::new(mat), deq)
}

/// Largest activation block either kernel quantizes with one scale: candle's Q8K (256
/// values), which the prefill rows of [`CANDLE_PREFILL_ROWS`] reach; ours use 32.
const COARSEST_ACT_BLOCK: usize = 256;

/// `got` equals `want` (both `(m, n)`) within the error of 8-bit activation blocks. Rounding
/// `x` in a block of max `|x|` = `a` adds a uniform error of step `a / 127`, variance
/// `step² / 12`; the dot product with row `w_j` then errs by a sum whose variance is
/// `Σ_blocks step² / 12 · Σ_block w²`. Allowed: eight standard deviations of that, for the
/// coarsest block size in use (so no draw of random data fails a correct kernel, while a
/// wrong index or scale, which errs by about `‖x‖·‖w‖ / √k`, still does).
fn assert_close(got: &Tensor, want: &Tensor, x: &Tensor, w: &Tensor, what: &str) {
    let (m, n) = want.dims2().unwrap();
    let (g, e): (Vec<Vec<f32>>, Vec<Vec<f32>>) = (got.to_vec2().unwrap(), want.to_vec2().unwrap());
    let (xs, ws): (Vec<Vec<f32>>, Vec<Vec<f32>>) = (x.to_vec2().unwrap(), w.to_vec2().unwrap());
    for r in 0..m {
        let steps: Vec<f64> = xs[r]
            .chunks(COARSEST_ACT_BLOCK)
            .map(|b| b.iter().fold(0f64, |a, v| a.max(v.abs() as f64)) / 127.0)
            .collect();
        for j in 0..n {
            let var: f64 = ws[j]
                .chunks(COARSEST_ACT_BLOCK)
                .zip(&steps)
                .map(|(wb, s)| s * s / 12.0 * wb.iter().map(|v| (*v as f64).powi(2)).sum::<f64>())
                .sum();
            let tol = 8.0 * var.sqrt() + 1e-4 * (1.0 + e[r][j].abs() as f64);
            let d = (g[r][j] - e[r][j]).abs() as f64;
            assert!(
                d <= tol,
                "{what} [{r},{j}]: {} vs {} (tol {tol})",
                g[r][j],
                e[r][j]
            );
        }
    }
}

#[test]
fn kernels_match_candle_dequantized_matmul() {
    for dt in [GgmlDType::Q4_1, GgmlDType::Q8_0, GgmlDType::Q4K] {
        for (n, k) in [
            (1usize, 256usize),
            (33, 512),
            (32, 512),
            (67, 1536),
            (5, 96),
            (3, 32),
        ] {
            if !k.is_multiple_of(QFormat::of(dt).unwrap().block_values()) {
                continue;
            }
            let (mat, wf) = weights(dt, n, k);
            // 17 rows: candle's kernel where `CANDLE_PREFILL_ROWS` sends them there.
            for m in [1, 2, 3, 4, 5, 9, 17] {
                let x = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap();
                let want = x.matmul(&wf.t().unwrap()).unwrap();
                let got = mat.matmul_t(&x).unwrap();
                assert_close(&got, &want, &x, &wf, &format!("{dt:?} m={m} n={n} k={k}"));
            }
        }
    }
}

/// The SIMD kernels compute what the scalar reference computes (same quantized activations,
/// so only float summation order differs).
#[test]
fn simd_level_equals_scalar_reference() {
    let mut levels = vec![Level::best()];
    if Level::best() != Level::Scalar {
        levels.push(Level::Avx2);
    }
    for (dt, level) in [GgmlDType::Q4_1, GgmlDType::Q8_0, GgmlDType::Q4K]
        .into_iter()
        .flat_map(|d| levels.iter().map(move |&l| (d, l)))
    {
        let (n, k) = (37, 512);
        let (mat, _) = weights(dt, n, k);
        for m in [1, 3, 4, 7] {
            let x = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).unwrap();
            let xs: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
            let (mut a, mut b) = (vec![0f32; m * n], vec![0f32; m * n]);
            mat.matmul_level(Level::Scalar, &xs, m, &mut a);
            mat.matmul_level(level, &xs, m, &mut b);
            for (p, q) in a.iter().zip(&b) {
                let what = format!("{dt:?} {level:?} m={m}");
                assert!(
                    (p - q).abs() <= 1e-4 * (1.0 + p.abs()),
                    "{what}: {p} vs {q}"
                );
            }
        }
    }
}

/// Rows equal candle's dequantization bit for bit, for every format.
#[test]
fn rows_equal_candle_dequantization() {
    for dt in [GgmlDType::Q4_1, GgmlDType::Q8_0, GgmlDType::Q4K] {
        let (mat, wf) = weights(dt, 7, 512);
        let ids = Tensor::new(&[6u32, 0, 3], &Device::Cpu).unwrap();
        let rows: Vec<Vec<f32>> = mat.rows(&ids).unwrap().to_vec2().unwrap();
        let want: Vec<Vec<f32>> = wf.index_select(&ids, 0).unwrap().to_vec2().unwrap();
        assert_eq!(rows, want, "{dt:?}");
    }
}

/// Leading dims (batch rows × positions) pass through; rows equal candle's dequantization.
#[test]
fn batched_input_and_rows() {
    let (mat, wf) = weights(GgmlDType::Q4_1, 19, 64);
    let x = Tensor::randn(0f32, 1.0, (3, 2, 64), &Device::Cpu).unwrap();
    let got = mat.matmul_t(&x).unwrap();
    assert_eq!(got.dims(), &[3, 2, 19]);
    let flat = mat.matmul_t(&x.reshape((6, 64)).unwrap()).unwrap();
    let a: Vec<f32> = got.flatten_all().unwrap().to_vec1().unwrap();
    let b: Vec<f32> = flat.flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(a, b);
    let ids = Tensor::new(&[0u32, 18, 5], &Device::Cpu).unwrap();
    let rows: Vec<Vec<f32>> = mat.rows(&ids).unwrap().to_vec2().unwrap();
    let want: Vec<Vec<f32>> = wf.index_select(&ids, 0).unwrap().to_vec2().unwrap();
    assert_eq!(rows, want);
    assert!(mat
        .rows(&Tensor::new(&[19u32], &Device::Cpu).unwrap())
        .is_err());
}

#[test]
fn f16_conversion_is_exact() {
    let cases: [(u16, f32); 10] = [
        (0x0000, 0.0),
        (0x8000, -0.0),
        (0x0001, 2f32.powi(-24)),
        (0x83ff, -1023.0 * 2f32.powi(-24)),
        (0x0400, 2f32.powi(-14)),
        (0x3c00, 1.0),
        (0xc000, -2.0),
        (0x3555, 0.333_251_95),
        (0x7bff, 65504.0),
        (0x7c00, f32::INFINITY),
    ];
    for (bits, want) in cases {
        assert_eq!(
            kernels::f16_to_f32(bits).to_bits(),
            want.to_bits(),
            "{bits:#x}"
        );
    }
}
