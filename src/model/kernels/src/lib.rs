//! vibecheck's CPU kernels as candle custom ops: [`quant`] (GGUF Q4_1 / Q8_0 / Q4_K matmuls),
//! [`attn`] (decode attention over the preallocated KV cache) and [`gemv`] (f32 decode
//! projections of safetensors models). A crate of its own so that
//! dev builds, where the `vibecheck` crate is compiled at opt-level 0, still run these at
//! opt-level 3 (see `[profile.dev.package.vibecheck-kernels]` in the workspace Cargo.toml):
//! SIMD intrinsics that are not inlined are slower than candle's kernels.

pub mod attn;
pub mod gemv;
pub mod quant;
