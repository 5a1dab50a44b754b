//! GGUF tensors in formats candle has no SIMD CPU kernel for.
//!
//! candle 0.11 dispatches AVX2 dot products at run time for Q4_0, Q8_0 and the k-quants, but
//! multiplies Q4_1, Q5_0 and Q5_1 with scalar code (the offline demo model, SmolLM2-135M, is
//! Q4_1). Such tensors are converted once at load to Q8_0 — 32-value blocks like theirs, 8-bit
//! values with one scale, so each block keeps its values to within 1/254 of its largest
//! magnitude — and then run on the AVX2 kernel. Costs: the file's load takes one
//! dequantize/quantize pass, and those tensors take 8.5 instead of 5–6 bits per weight.
//! `VIBECHECK_GGUF_KEEP_TYPES=1` loads the file as it is.

use anyhow::{Context, Result};
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::Device;
use std::io::{Cursor, Read, Seek};

/// Environment variable that turns the conversion off.
pub const KEEP_TYPES_VAR: &str = "VIBECHECK_GGUF_KEEP_TYPES";

/// Whether candle multiplies `dt` with scalar code on the CPU.
pub fn scalar_on_cpu(dt: GgmlDType) -> bool {
    matches!(dt, GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1)
}

/// When `content` has tensors of a [`scalar_on_cpu`] type and the model runs on the CPU,
/// returns an in-memory GGUF with those tensors as Q8_0 (everything else, metadata included,
/// unchanged) and its parsed header. `None`: load the file as it is.
pub fn convert_for_cpu<R: Read + Seek>(
    content: &gguf_file::Content,
    file: &mut R,
    device: &Device,
) -> Result<Option<(gguf_file::Content, Cursor<Vec<u8>>)>> {
    let slow = content
        .tensor_infos
        .values()
        .any(|t| scalar_on_cpu(t.ggml_dtype));
    if !device.is_cpu() || !slow || std::env::var_os(KEEP_TYPES_VAR).is_some() {
        return Ok(None);
    }
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let q = content
            .tensor(file, name, &Device::Cpu)
            .with_context(|| format!("reading GGUF tensor {name}"))?;
        let q = if scalar_on_cpu(q.dtype()) {
            QTensor::quantize(&q.dequantize(&Device::Cpu)?, GgmlDType::Q8_0)
                .with_context(|| format!("converting GGUF tensor {name} to Q8_0"))?
        } else {
            q
        };
        tensors.push((name.clone(), q));
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut buf = Cursor::new(Vec::new());
    gguf_file::write(&mut buf, &metadata, &refs)?;
    buf.set_position(0);
    let converted = gguf_file::Content::read(&mut buf)?;
    Ok(Some((converted, buf)))
}
