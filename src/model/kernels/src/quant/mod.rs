//! Our own CPU matmul for GGUF block formats whose candle kernel is slow: `y = x · Wᵀ` with
//! `W (n, k)` kept in the file's blocks (Q4_1, Q8_0) and `x (m, k)` f32, as a candle custom op.
//!
//! Why: candle 0.11 multiplies Q4_1 (the offline demo model's format) with scalar code, and its
//! quantized matmuls synchronise their threads with a spin barrier that collapses when the
//! machine has fewer free cores than threads (profiled: > 80 % of decode time spinning on a
//! loaded 2-core machine). Here the activations are quantized once per call to 8-bit blocks with
//! their sum (ggml's Q8_1 idea), each weight row is streamed once per call and applied to up to
//! [`ROW_TILE`] activation rows while it is in L1, and the output columns are split across
//! rayon's pool (whose idle workers sleep instead of spinning).
//!
//! The SIMD level is chosen at run time ([`kernels::Level`]): AVX2+FMA+F16C where the CPU has
//! it, portable scalar code everywhere else, so one binary runs on any x86-64 (and elsewhere).
//! `VIBECHECK_QUANT_KERNELS=candle` turns this module off (candle's kernels for everything), for
//! A/B measurements.

mod kernels;

use candle_core::quantized::QTensor;
use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

pub use kernels::Level;

/// Values per block in the formats handled here (Q4_1, Q8_0, and the activation blocks).
pub const BLOCK: usize = 32;
/// Activation rows a weight row is applied to while it is in registers/L1 (the kernels' tile).
pub const ROW_TILE: usize = 4;
/// Output columns per rayon task: enough work (≥ 32 row dot products) to amortise the task,
/// few enough that the 576-wide projections of a 135M model still split across threads.
const COLS_PER_TASK: usize = 32;
/// Environment variable that, set to `candle`, sends every quantized matmul to candle.
pub const KERNELS_VAR: &str = "VIBECHECK_QUANT_KERNELS";

/// Block formats with a kernel here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QFormat {
    /// ggml Q4_1: f16 scale `d`, f16 minimum `m`, 32 unsigned nibbles; `x = d·q + m`.
    Q4_1,
    /// ggml Q8_0: f16 scale `d`, 32 signed bytes; `x = d·q`.
    Q8_0,
    /// ggml Q4_K: 256-value super-blocks of eight 32-value sub-blocks, f16 `d` and `dmin`,
    /// 6-bit sub-block scales `sc` and minima `mn`, nibbles `q`; `x = d·sc·q − dmin·mn`.
    Q4K,
}

impl QFormat {
    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        match self {
            QFormat::Q4_1 => 20,
            QFormat::Q8_0 => 34,
            QFormat::Q4K => 144,
        }
    }

    /// Values per block.
    pub fn block_values(self) -> usize {
        match self {
            QFormat::Q4_1 | QFormat::Q8_0 => BLOCK,
            QFormat::Q4K => 256,
        }
    }

    /// The format of a GGUF tensor type, when this module has a kernel for it.
    pub fn of(dt: candle_core::quantized::GgmlDType) -> Option<Self> {
        use candle_core::quantized::GgmlDType as G;
        match dt {
            G::Q4_1 => Some(QFormat::Q4_1),
            G::Q8_0 => Some(QFormat::Q8_0),
            G::Q4K => Some(QFormat::Q4K),
            _ => None,
        }
    }
}

/// Whether quantized matmuls on the CPU use this module (not turned off by [`KERNELS_VAR`]).
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var(KERNELS_VAR).as_deref() != Ok("candle"))
}

/// An 8-bit activation block: `x ≈ d·q`, with `s = d·Σq` for the Q4_1 minimum term.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub(crate) struct ActBlock {
    pub(crate) d: f32,
    pub(crate) s: f32,
    pub(crate) qs: [i8; BLOCK],
}

/// Rows from which a Q8_0 / Q4_K product goes to candle's kernel instead (prefill), on CPUs
/// with AVX512-VNNI where candle has 512-bit repacked tiles for those formats: measured there,
/// they beat our 256-bit row tiles on many rows (1.5B Q4_K prefill 13 vs 29 ms CPU/token),
/// while ours win on few rows (decode) and on everything on a loaded machine.
pub const CANDLE_PREFILL_ROWS: usize = 16;

/// A weight matrix `(n, k)` in one block format: candle's tensor, whose bytes (the GGUF
/// blocks) our kernels read in place, and which is candle's custom op for the prefill case.
pub struct QuantMat {
    format: QFormat,
    n: usize,
    k: usize,
    q: Arc<QTensor>,
}

impl QuantMat {
    /// Wraps a CPU tensor of this format; `k` must be whole blocks.
    pub fn new(format: QFormat, q: QTensor) -> candle_core::Result<Self> {
        let (n, k) = q.shape().dims2()?;
        let bv = format.block_values();
        if k == 0 || !k.is_multiple_of(bv) {
            candle_core::bail!("quant: {k} columns are not whole {bv}-value blocks");
        }
        if !q.device().is_cpu() || QFormat::of(q.dtype()) != Some(format) {
            candle_core::bail!("quant: a CPU {format:?} tensor is needed");
        }
        let len = q.data()?.len();
        if len != n * (k / bv) * format.block_bytes() {
            candle_core::bail!("quant: {len} bytes for a {n}×{k} {format:?} matrix");
        }
        Ok(Self {
            format,
            n,
            k,
            q: Arc::new(q),
        })
    }

    pub fn format(&self) -> QFormat {
        self.format
    }

    /// `(n, k)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.k)
    }

    /// Bytes of the blocks (what one matmul streams).
    pub fn bytes(&self) -> usize {
        self.q.storage_size_in_bytes()
    }

    /// The block bytes (borrowed from candle's CPU storage).
    fn data(&self) -> Cow<'_, [u8]> {
        // A CPU QTensor (checked in `new`) lends its bytes; this cannot fail.
        self.q.data().unwrap_or(Cow::Borrowed(&[]))
    }

    fn row_bytes(&self) -> usize {
        self.k / self.format.block_values() * self.format.block_bytes()
    }

    fn row<'a>(&self, data: &'a [u8], j: usize) -> &'a [u8] {
        let rb = self.row_bytes();
        &data[j * rb..(j + 1) * rb]
    }

    /// Rows `ids` as an f32 tensor `(ids.len(), k)` (the token embedding).
    pub fn rows(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let ids: Vec<u32> = ids.to_vec1()?;
        let mut out = vec![0f32; ids.len() * self.k];
        let data = self.data();
        for (i, &id) in ids.iter().enumerate() {
            let id = id as usize;
            if id >= self.n {
                candle_core::bail!("quant: row {id} of a {}-row matrix", self.n);
            }
            let row = self.row(&data, id);
            kernels::dequantize_row(self.format, row, &mut out[i * self.k..(i + 1) * self.k]);
        }
        Tensor::from_vec(out, (ids.len(), self.k), &candle_core::Device::Cpu)
    }

    /// `x (m, k) · Wᵀ` for a CPU f32 `x`.
    pub fn matmul_t(self: &Arc<Self>, x: &Tensor) -> candle_core::Result<Tensor> {
        let x = x.contiguous()?;
        if self.candle_for(x.elem_count() / self.k) {
            return x.apply_op1_no_bwd(self.q.as_ref());
        }
        x.apply_op1_no_bwd(&QuantOp(self.clone()))
    }

    /// Whether `m` rows go to candle's kernel ([`CANDLE_PREFILL_ROWS`]).
    fn candle_for(&self, m: usize) -> bool {
        static VNNI512: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let vnni512 = *VNNI512.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            return is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vnni")
                && Level::detect() != Level::Scalar;
            #[allow(unreachable_code)]
            false
        });
        vnni512
            && m >= CANDLE_PREFILL_ROWS
            && matches!(self.format, QFormat::Q8_0 | QFormat::Q4K)
            && self.n.is_multiple_of(16)
            && self.k.is_multiple_of(256)
    }

    /// The product on plain slices: `y (m, n) = x (m, k) · Wᵀ`.
    pub fn matmul_slice(&self, x: &[f32], m: usize, y: &mut [f32]) {
        self.matmul_level(Level::detect(), x, m, y)
    }

    /// [`Self::matmul_slice`] with the kernels of `level` (which the CPU must support).
    fn matmul_level(&self, level: Level, x: &[f32], m: usize, y: &mut [f32]) {
        let nb = self.k / BLOCK;
        let mut acts = vec![ActBlock::default(); m * nb];
        let quantize = |(a, xr): (&mut [ActBlock], &[f32])| kernels::quantize_row(level, xr, a);
        if m <= ROW_TILE {
            // Decode: a few short rows, cheaper than a rayon round trip.
            acts.chunks_mut(nb).zip(x.chunks(self.k)).for_each(quantize);
        } else {
            acts.par_chunks_mut(nb)
                .zip(x.par_chunks(self.k))
                .for_each(quantize);
        }
        let data = self.data();
        // Column-major partial results: out_t[j·m + r] = y[r, j].
        let mut out_t = vec![0f32; self.n * m];
        out_t
            .par_chunks_mut(COLS_PER_TASK * m)
            .enumerate()
            .for_each(|(task, chunk)| {
                let j0 = task * COLS_PER_TASK;
                let cols = chunk.len() / m;
                let mut tile = [0f32; ROW_TILE];
                for r0 in (0..m).step_by(ROW_TILE) {
                    let rows = ROW_TILE.min(m - r0);
                    let a: [&[ActBlock]; ROW_TILE] = std::array::from_fn(|i| {
                        let r = r0 + i.min(rows - 1);
                        &acts[r * nb..(r + 1) * nb]
                    });
                    for jj in 0..cols {
                        kernels::dot(
                            level,
                            self.format,
                            self.row(&data, j0 + jj),
                            &a[..rows],
                            &mut tile,
                        );
                        chunk[jj * m + r0..jj * m + r0 + rows].copy_from_slice(&tile[..rows]);
                    }
                }
            });
        if m == 1 {
            y.copy_from_slice(&out_t);
        } else {
            for j in 0..self.n {
                for r in 0..m {
                    y[r * self.n + j] = out_t[j * m + r];
                }
            }
        }
    }
}

/// The candle custom op: `x` (any leading dims, last = k) times the shared weights.
struct QuantOp(Arc<QuantMat>);

impl CustomOp1 for QuantOp {
    fn name(&self) -> &'static str {
        "vibecheck-quant-matmul"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(x) = s else {
            candle_core::bail!("quant matmul: f32 activations only");
        };
        let Some((o, e)) = l.contiguous_offsets() else {
            candle_core::bail!("quant matmul: activations must be contiguous");
        };
        let w = &self.0;
        let mut dims = l.shape().dims().to_vec();
        if dims.last() != Some(&w.k) {
            candle_core::bail!("quant matmul: {dims:?} against {}×{}", w.n, w.k);
        }
        let m = (e - o) / w.k;
        *dims.last_mut().unwrap() = w.n;
        let mut y = vec![0f32; m * w.n];
        w.matmul_slice(&x[o..e], m, &mut y);
        Ok((CpuStorage::F32(y), Shape::from(dims)))
    }
}

#[cfg(test)]
mod tests;
