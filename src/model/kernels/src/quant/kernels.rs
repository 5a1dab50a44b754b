//! The block kernels of [`super`]: activation quantization, weight-row × activation-rows dot
//! products and row dequantization, each in portable scalar code and (x86-64) AVX2+FMA+F16C,
//! picked by [`Level::detect`] at run time. The scalar versions are the reference the SIMD
//! ones are tested against.

use super::{ActBlock, QFormat, BLOCK, ROW_TILE};

/// The instruction set the kernels use on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Scalar,
    /// x86-64 with AVX2, FMA and F16C (Haswell, Zen 1 and newer).
    Avx2,
    /// [`Level::Avx2`] plus AVX-VNNI (Alder Lake, Zen 5): one `vpdpbusd` per 32 products.
    AvxVnni,
    /// [`Level::Avx2`] plus AVX512-VNNI and AVX512-VL (Ice Lake, Zen 4): the same instruction,
    /// EVEX-encoded.
    Avx512Vnni,
}

impl Level {
    /// The best level this CPU runs (detected once); `VIBECHECK_QUANT_SIMD=scalar` or `=avx2`
    /// forces a lower level (for comparing them).
    pub fn detect() -> Level {
        static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
        *LEVEL.get_or_init(|| {
            let best = Self::best();
            match std::env::var("VIBECHECK_QUANT_SIMD").as_deref() {
                Ok("scalar") => Level::Scalar,
                Ok("avx2") if best != Level::Scalar => Level::Avx2,
                _ => best,
            }
        })
    }

    /// The best level the CPU supports, ignoring the environment.
    pub fn best() -> Level {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
            && is_x86_feature_detected!("f16c")
        {
            if is_x86_feature_detected!("avxvnni") {
                return Level::AvxVnni;
            }
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512vnni")
            {
                return Level::Avx512Vnni;
            }
            return Level::Avx2;
        }
        Level::Scalar
    }
}

/// IEEE half → f32, exact (subnormals included).
#[inline]
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let mag = match exp {
        0 => {
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        31 => 0x7f80_0000 | (man << 13),
        _ => ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(sign | mag)
}

#[inline]
fn half_at(b: &[u8], at: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// ggml's unpacking of the 6-bit scale and minimum of Q4_K sub-block `j` from the 12 bytes.
#[inline]
pub(crate) fn scale_min_k4(j: usize, s: &[u8]) -> (u8, u8) {
    if j < 4 {
        (s[j] & 63, s[j + 4] & 63)
    } else {
        (
            (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4),
            (s[j + 4] >> 4) | ((s[j] >> 6) << 4),
        )
    }
}

/// Dequantizes one weight row (candle's arithmetic: `q·d + m`, `q·d`, `d·sc·q − dmin·mn`).
pub(crate) fn dequantize_row(format: QFormat, row: &[u8], out: &mut [f32]) {
    let bb = format.block_bytes();
    for (blk, y) in row
        .chunks_exact(bb)
        .zip(out.chunks_exact_mut(format.block_values()))
    {
        let d = half_at(blk, 0);
        match format {
            QFormat::Q4K => {
                let dmin = half_at(blk, 2);
                for c in 0..4 {
                    let q = &blk[16 + 32 * c..16 + 32 * (c + 1)];
                    let (sc1, m1) = scale_min_k4(2 * c, &blk[4..16]);
                    let (sc2, m2) = scale_min_k4(2 * c + 1, &blk[4..16]);
                    let (d1, m1) = (d * sc1 as f32, dmin * m1 as f32);
                    let (d2, m2) = (d * sc2 as f32, dmin * m2 as f32);
                    for l in 0..32 {
                        y[64 * c + l] = d1 * (q[l] & 0x0f) as f32 - m1;
                        y[64 * c + 32 + l] = d2 * (q[l] >> 4) as f32 - m2;
                    }
                }
            }
            QFormat::Q4_1 => {
                let m = half_at(blk, 2);
                for j in 0..BLOCK / 2 {
                    let q = blk[4 + j];
                    y[j] = (q & 0x0f) as f32 * d + m;
                    y[j + BLOCK / 2] = (q >> 4) as f32 * d + m;
                }
            }
            QFormat::Q8_0 => {
                for j in 0..BLOCK {
                    y[j] = blk[2 + j] as i8 as f32 * d;
                }
            }
        }
    }
}

/// Quantizes one activation row to 8-bit blocks (`d = max|x| / 127`, round to nearest even).
pub(crate) fn quantize_row(level: Level, x: &[f32], out: &mut [ActBlock]) {
    match level {
        Level::Scalar => quantize_row_scalar(x, out),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the AVX levels are only produced when the CPU has AVX2, FMA and F16C.
        _ => unsafe { x86::quantize_row(x, out) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => quantize_row_scalar(x, out),
    }
}

#[inline(always)]
fn quantize_row_scalar(x: &[f32], out: &mut [ActBlock]) {
    for (xb, a) in x.chunks_exact(BLOCK).zip(out.iter_mut()) {
        let amax = xb.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if amax > 0.0 { 127.0 / amax } else { 0.0 };
        let mut sum = 0i32;
        for (q, v) in a.qs.iter_mut().zip(xb) {
            let r = (v * id).round_ties_even() as i32;
            *q = r as i8;
            sum += r;
        }
        a.d = d;
        a.s = d * sum as f32;
    }
}

/// `out[i] = row · acts[i]` for `acts.len() ≤ ROW_TILE` activation rows.
#[inline]
pub(crate) fn dot(
    level: Level,
    format: QFormat,
    row: &[u8],
    acts: &[&[ActBlock]],
    out: &mut [f32; ROW_TILE],
) {
    let nb = row.len() / format.block_bytes() * (format.block_values() / BLOCK);
    // The SIMD kernels read `nb` blocks of every activation row through raw pointers.
    assert!(!acts.is_empty() && acts.len() <= ROW_TILE && acts.iter().all(|a| a.len() == nb));
    #[cfg(target_arch = "x86_64")]
    macro_rules! call {
        ($m:ident) => {
            match (format, acts.len()) {
                (QFormat::Q4_1, 1) => x86::$m::dot_q4_1::<1>(row, acts, out),
                (QFormat::Q4_1, 2) => x86::$m::dot_q4_1::<2>(row, acts, out),
                (QFormat::Q4_1, 3) => x86::$m::dot_q4_1::<3>(row, acts, out),
                (QFormat::Q4_1, _) => x86::$m::dot_q4_1::<4>(row, acts, out),
                (QFormat::Q8_0, 1) => x86::$m::dot_q8_0::<1>(row, acts, out),
                (QFormat::Q8_0, 2) => x86::$m::dot_q8_0::<2>(row, acts, out),
                (QFormat::Q8_0, 3) => x86::$m::dot_q8_0::<3>(row, acts, out),
                (QFormat::Q8_0, _) => x86::$m::dot_q8_0::<4>(row, acts, out),
                (QFormat::Q4K, 1) => x86::$m::dot_q4k::<1>(row, acts, out),
                (QFormat::Q4K, 2) => x86::$m::dot_q4k::<2>(row, acts, out),
                (QFormat::Q4K, 3) => x86::$m::dot_q4k::<3>(row, acts, out),
                (QFormat::Q4K, _) => x86::$m::dot_q4k::<4>(row, acts, out),
            }
        };
    }
    // SAFETY (all arms): each level is only produced by `Level::best` when the CPU has its
    // features; every activation row has the weight row's block count (
    // asserted above).
    match level {
        Level::Scalar => dot_scalar(format, row, acts, out),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { call!(avx2) },
        #[cfg(target_arch = "x86_64")]
        Level::AvxVnni => unsafe { call!(avxvnni) },
        #[cfg(target_arch = "x86_64")]
        Level::Avx512Vnni => unsafe { call!(avx512vnni) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => dot_scalar(format, row, acts, out),
    }
}

fn dot_scalar(format: QFormat, row: &[u8], acts: &[&[ActBlock]], out: &mut [f32; ROW_TILE]) {
    let bb = format.block_bytes();
    if format == QFormat::Q4K {
        for (r, act) in acts.iter().enumerate() {
            out[r] = row
                .chunks_exact(bb)
                .zip(act.chunks_exact(8))
                .map(|(blk, a)| q4k_block_scalar(blk, a))
                .sum();
        }
        return;
    }
    for (r, act) in acts.iter().enumerate() {
        let mut sum = 0f32;
        for (blk, a) in row.chunks_exact(bb).zip(act.iter()) {
            let d = half_at(blk, 0);
            match format {
                QFormat::Q4_1 => {
                    let m = half_at(blk, 2);
                    let mut isum = 0i32;
                    for j in 0..BLOCK / 2 {
                        let q = blk[4 + j];
                        isum += (q & 0x0f) as i32 * a.qs[j] as i32;
                        isum += (q >> 4) as i32 * a.qs[j + BLOCK / 2] as i32;
                    }
                    sum += d * a.d * isum as f32 + m * a.s;
                }
                QFormat::Q8_0 => {
                    let mut isum = 0i32;
                    for j in 0..BLOCK {
                        isum += blk[2 + j] as i8 as i32 * a.qs[j] as i32;
                    }
                    sum += d * a.d * isum as f32;
                }
                QFormat::Q4K => unreachable!("Q4_K is handled above"),
            }
        }
        out[r] = sum;
    }
}

/// One Q4_K super-block against its eight activation blocks.
fn q4k_block_scalar(blk: &[u8], a: &[ActBlock]) -> f32 {
    let (d, dmin) = (half_at(blk, 0), half_at(blk, 2));
    let mut sum = 0f32;
    for c in 0..4 {
        let q = &blk[16 + 32 * c..16 + 32 * (c + 1)];
        for (half, ab) in [(0, &a[2 * c]), (1, &a[2 * c + 1])] {
            let (sc, mn) = scale_min_k4(2 * c + half, &blk[4..16]);
            let isum: i32 = (0..32)
                .map(|l| ((q[l] >> (4 * half)) & 0x0f) as i32 * ab.qs[l] as i32)
                .sum();
            sum += d * sc as f32 * ab.d * isum as f32 - dmin * mn as f32 * ab.s;
        }
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{ActBlock, ROW_TILE};
    use std::arch::x86_64::*;

    /// Horizontal sum of 8 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        _mm_cvtss_f32(s)
    }

    /// Two halves at `p` (little-endian) → `[h0, h1, ·, ·]` as f32.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn halves(p: *const u8) -> __m128 {
        _mm_cvtph_ps(_mm_cvtsi32_si128(std::ptr::read_unaligned(p as *const i32)))
    }

    /// Activation quantization (see [`super::quantize_row_scalar`]): the scalar loop compiled
    /// with AVX2 enabled, which LLVM vectorises and rounds with `vroundps` instead of a libm call.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub(super) unsafe fn quantize_row(x: &[f32], out: &mut [ActBlock]) {
        super::quantize_row_scalar(x, out)
    }

    /// The dot-product kernels for one instruction set: `$feat` are the target features,
    /// `$dp(acc, u, s)` adds the products of unsigned bytes `u` and signed bytes `s`, summed in
    /// groups of four, to the eight i32 lanes of `acc`.
    macro_rules! dot_kernels {
        ($name:ident, $feat:literal, $dp:expr) => {
            pub(super) mod $name {
                use super::*;

                /// Q4_1 weight row × `R` activation rows. Each block's nibbles are unpacked
                /// once (`lo` = values 0..16, `hi` = 16..32) and multiplied as unsigned bytes
                /// with the signed activations, scaled by `d_w·d_a` in f32; the minimum adds
                /// `m_w · s_a` per block.
                #[target_feature(enable = $feat)]
                pub(in super::super) unsafe fn dot_q4_1<const R: usize>(
                    row: &[u8],
                    acts: &[&[ActBlock]],
                    out: &mut [f32; ROW_TILE],
                ) {
                    let nb = row.len() / 20;
                    let mask = _mm_set1_epi8(0x0f);
                    // Two accumulator sets (even / odd blocks): one chain of dependent FMAs
                    // per row would bound a one-row gemv by FMA latency, not by memory.
                    let mut acc = [[_mm256_setzero_ps(); 2]; R];
                    let mut accm = [[0f32; 2]; R];
                    let a: [*const ActBlock; R] = std::array::from_fn(|r| acts[r].as_ptr());
                    let w = row.as_ptr();
                    for bp in 0..nb.div_ceil(2) {
                        for h in 0..2 {
                            let b = 2 * bp + h;
                            if b >= nb {
                                break;
                            }
                            let blk = w.add(b * 20);
                            let dm = halves(blk);
                            let d = _mm_cvtss_f32(dm);
                            let m = _mm_cvtss_f32(_mm_movehdup_ps(dm));
                            let q = _mm_loadu_si128(blk.add(4) as *const __m128i);
                            let lo = _mm_and_si128(q, mask);
                            let hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
                            let wq = _mm256_set_m128i(hi, lo);
                            for r in 0..R {
                                let ab = &*a[r].add(b);
                                let y = _mm256_loadu_si256(ab.qs.as_ptr() as *const __m256i);
                                let p = $dp(_mm256_setzero_si256(), wq, y);
                                let f = _mm256_cvtepi32_ps(p);
                                let s = _mm256_set1_ps(d * ab.d);
                                acc[r][h] = _mm256_fmadd_ps(s, f, acc[r][h]);
                                accm[r][h] += m * ab.s;
                            }
                        }
                    }
                    for r in 0..R {
                        let v = _mm256_add_ps(acc[r][0], acc[r][1]);
                        out[r] = hsum(v) + accm[r][0] + accm[r][1];
                    }
                }

                /// Q8_0 weight row × `R` activation rows: `|w| · sign(a, w)` as unsigned ×
                /// signed bytes, as ggml does.
                #[target_feature(enable = $feat)]
                pub(in super::super) unsafe fn dot_q8_0<const R: usize>(
                    row: &[u8],
                    acts: &[&[ActBlock]],
                    out: &mut [f32; ROW_TILE],
                ) {
                    let nb = row.len() / 34;
                    // Even / odd block accumulators, as in `dot_q4_1`.
                    let mut acc = [[_mm256_setzero_ps(); 2]; R];
                    let a: [*const ActBlock; R] = std::array::from_fn(|r| acts[r].as_ptr());
                    let w = row.as_ptr();
                    for bp in 0..nb.div_ceil(2) {
                        for h in 0..2 {
                            let b = 2 * bp + h;
                            if b >= nb {
                                break;
                            }
                            let blk = w.add(b * 34);
                            let hb = std::ptr::read_unaligned(blk as *const u16) as i32;
                            let d = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(hb)));
                            let x = _mm256_loadu_si256(blk.add(2) as *const __m256i);
                            let ax = _mm256_sign_epi8(x, x);
                            for r in 0..R {
                                let ab = &*a[r].add(b);
                                let y = _mm256_loadu_si256(ab.qs.as_ptr() as *const __m256i);
                                let p = $dp(_mm256_setzero_si256(), ax, _mm256_sign_epi8(y, x));
                                let f = _mm256_cvtepi32_ps(p);
                                let s = _mm256_set1_ps(d * ab.d);
                                acc[r][h] = _mm256_fmadd_ps(s, f, acc[r][h]);
                            }
                        }
                    }
                    for r in 0..R {
                        out[r] = hsum(_mm256_add_ps(acc[r][0], acc[r][1]));
                    }
                }

                /// Q4_K weight row × `R` activation rows: per 32-byte chunk, the low nibbles
                /// are sub-block `2c` and the high ones `2c + 1`, each against its own
                /// activation block, scaled by `d·sc·d_a`; the minima add `−dmin·mn·s_a`.
                #[target_feature(enable = $feat)]
                pub(in super::super) unsafe fn dot_q4k<const R: usize>(
                    row: &[u8],
                    acts: &[&[ActBlock]],
                    out: &mut [f32; ROW_TILE],
                ) {
                    let nb = row.len() / 144;
                    let mask = _mm256_set1_epi8(0x0f);
                    // Low / high nibble accumulators: two independent FMA chains per row.
                    let mut acc = [[_mm256_setzero_ps(); 2]; R];
                    let mut accm = [0f32; R];
                    let a: [*const ActBlock; R] = std::array::from_fn(|r| acts[r].as_ptr());
                    let w = row.as_ptr();
                    for b in 0..nb {
                        let blk = w.add(b * 144);
                        let dd = halves(blk);
                        let d = _mm_cvtss_f32(dd);
                        let dmin = _mm_cvtss_f32(_mm_movehdup_ps(dd));
                        let (sc, mn) = q4k_scales(blk.add(4), d, dmin);
                        for r in 0..R {
                            let ab = a[r].add(8 * b);
                            for j in 0..8 {
                                accm[r] += mn[j] * (*ab.add(j)).s;
                            }
                        }
                        for c in 0..4 {
                            let q = _mm256_loadu_si256(blk.add(16 + 32 * c) as *const __m256i);
                            let lo = _mm256_and_si256(q, mask);
                            let hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
                            for r in 0..R {
                                let a0 = &*a[r].add(8 * b + 2 * c);
                                let a1 = &*a[r].add(8 * b + 2 * c + 1);
                                let y0 = _mm256_loadu_si256(a0.qs.as_ptr() as *const __m256i);
                                let y1 = _mm256_loadu_si256(a1.qs.as_ptr() as *const __m256i);
                                let p0 = _mm256_cvtepi32_ps($dp(_mm256_setzero_si256(), lo, y0));
                                let p1 = _mm256_cvtepi32_ps($dp(_mm256_setzero_si256(), hi, y1));
                                let s0 = _mm256_set1_ps(sc[2 * c] * a0.d);
                                let s1 = _mm256_set1_ps(sc[2 * c + 1] * a1.d);
                                acc[r][0] = _mm256_fmadd_ps(s0, p0, acc[r][0]);
                                acc[r][1] = _mm256_fmadd_ps(s1, p1, acc[r][1]);
                            }
                        }
                    }
                    for r in 0..R {
                        out[r] = hsum(_mm256_add_ps(acc[r][0], acc[r][1])) - accm[r];
                    }
                }
            }
        };
    }

    /// The eight `d·sc` and `dmin·mn` of a Q4_K block from its 12 scale bytes at `p`: ggml's
    /// word-wise unpacking of the 6-bit fields (same result as [`super::scale_min_k4`]), then
    /// one vector conversion each.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn q4k_scales(p: *const u8, d: f32, dmin: f32) -> ([f32; 8], [f32; 8]) {
        const K1: u32 = 0x3f3f_3f3f;
        const K2: u32 = 0x0f0f_0f0f;
        const K3: u32 = 0x0303_0303;
        let mut u = [0u32; 4];
        std::ptr::copy_nonoverlapping(p, u.as_mut_ptr() as *mut u8, 12);
        u[3] = ((u[2] >> 4) & K2) | (((u[1] >> 6) & K3) << 4);
        let mins_lo = u[1] & K1;
        u[1] = (u[2] & K2) | (((u[0] >> 6) & K3) << 4);
        u[2] = mins_lo;
        u[0] &= K1;
        let (mut sc, mut mn) = ([0f32; 8], [0f32; 8]);
        let scq = _mm256_cvtepu8_epi32(_mm_loadl_epi64(u.as_ptr() as *const __m128i));
        let mnq = _mm256_cvtepu8_epi32(_mm_loadl_epi64(u.as_ptr().add(2) as *const __m128i));
        let scv = _mm256_mul_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(scq));
        let mnv = _mm256_mul_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(mnq));
        _mm256_storeu_ps(sc.as_mut_ptr(), scv);
        _mm256_storeu_ps(mn.as_mut_ptr(), mnv);
        (sc, mn)
    }

    /// AVX2: `vpmaddubsw` then `vpmaddwd` with ones. The i16 pair sums cannot saturate:
    /// |15·127·2| (Q4_1) and |128·127·2| (Q8_0, |w| ≤ 128) are below 32,767.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c")]
    fn dp_avx2(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        let p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
        _mm256_add_epi32(acc, p)
    }

    /// AVX-VNNI (VEX): one `vpdpbusd`, no i16 intermediate.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avxvnni")]
    fn dp_avxvnni(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        _mm256_dpbusd_avx_epi32(acc, u, s)
    }

    /// AVX512-VNNI on 256-bit registers (EVEX): one `vpdpbusd`.
    #[inline]
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512vl,avx512vnni")]
    fn dp_avx512vnni(acc: __m256i, u: __m256i, s: __m256i) -> __m256i {
        _mm256_dpbusd_epi32(acc, u, s)
    }

    dot_kernels!(avx2, "avx2,fma,f16c", dp_avx2);
    dot_kernels!(avxvnni, "avx2,fma,f16c,avxvnni", dp_avxvnni);
    dot_kernels!(
        avx512vnni,
        "avx2,fma,f16c,avx512f,avx512vl,avx512vnni",
        dp_avx512vnni
    );
}
