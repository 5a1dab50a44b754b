//! GGUF files: loading `qwen2` and `llama` models into our decoder ([`load_model`]), and
//! converting tensors in formats candle has no SIMD CPU kernel for.
//!
//! The model runs on [`Qwen2Model`] (preallocated per-row KV caches, batched decode of `n`
//! samples). On the CPU, Q4_1 and Q8_0 matrices are multiplied by our kernels
//! ([`super::quant`]: run-time AVX2, scalar fallback); other block formats by candle's quantized
//! matmul.
//!
//! candle 0.11 multiplies Q5_0 and Q5_1 with scalar code. Such tensors (and Q4_1 when our
//! kernels are turned off with `VIBECHECK_QUANT_KERNELS=candle`) are converted once at load to
//! Q8_0 — 32-value blocks like theirs, 8-bit values with one scale, so each block keeps its
//! values to within 1/254 of its largest magnitude — and then run on a SIMD kernel. Costs: the
//! file's load takes one dequantize/quantize pass, and those tensors take 8.5 instead of 5–6
//! bits per weight.
//! `VIBECHECK_GGUF_KEEP_TYPES=1` loads the file as it is.

use super::qwen2::{Layer, Linear, Mat, Qwen2Config, Qwen2Model, RopeStyle};
use anyhow::{bail, Context, Result};
use candle_core::quantized::{gguf_file, GgmlDType, QStorage, QTensor};
use candle_core::{DType, Device, Tensor};
use std::borrow::Cow;
use std::io::{Cursor, Read, Seek};

/// Environment variable that turns the conversion off.
pub const KEEP_TYPES_VAR: &str = "VIBECHECK_GGUF_KEEP_TYPES";

/// Whether `dt` would be multiplied with scalar code on the CPU: candle's Q5_0/Q5_1 kernels
/// are scalar; Q4_1 is too, unless our kernels ([`super::quant`]) take it.
pub fn scalar_on_cpu(dt: GgmlDType) -> bool {
    match dt {
        GgmlDType::Q4_1 => !super::quant::enabled(),
        GgmlDType::Q5_0 | GgmlDType::Q5_1 => true,
        _ => false,
    }
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

/// Reads a `u32` metadata value `{arch}.{key}`.
fn meta_u32(content: &gguf_file::Content, arch: &str, key: &str) -> Result<usize> {
    let name = format!("{arch}.{key}");
    let v = content
        .metadata
        .get(&name)
        .with_context(|| format!("GGUF metadata has no {name}"))?;
    Ok(v.to_u32()
        .with_context(|| format!("GGUF metadata {name}"))? as usize)
}

/// Reads an `f32` metadata value `{arch}.{key}`, or `default`.
fn meta_f32(content: &gguf_file::Content, arch: &str, key: &str, default: f32) -> Result<f32> {
    match content.metadata.get(&format!("{arch}.{key}")) {
        Some(v) => Ok(v
            .to_f32()
            .with_context(|| format!("GGUF metadata {arch}.{key}"))?),
        None => Ok(default),
    }
}

/// The model shape of a `qwen2` or `llama` GGUF file, in [`Qwen2Config`] terms; `vocab` is the
/// token embedding's row count.
pub fn config(content: &gguf_file::Content, arch: &str, vocab: usize) -> Result<Qwen2Config> {
    if let Some(kind) = content
        .metadata
        .get(&format!("{arch}.rope.scaling.type"))
        .and_then(|v| v.to_string().ok())
    {
        if kind != "none" {
            bail!("GGUF RoPE scaling {kind:?} is not supported");
        }
    }
    let heads = meta_u32(content, arch, "attention.head_count")?;
    let cfg = Qwen2Config {
        vocab_size: vocab,
        hidden_size: meta_u32(content, arch, "embedding_length")?,
        intermediate_size: meta_u32(content, arch, "feed_forward_length")?,
        num_hidden_layers: meta_u32(content, arch, "block_count")?,
        num_attention_heads: heads,
        num_key_value_heads: meta_u32(content, arch, "attention.head_count_kv").unwrap_or(heads),
        max_position_embeddings: meta_u32(content, arch, "context_length")
            .unwrap_or(DEFAULT_CONTEXT)
            .min(MAX_CONTEXT),
        rope_theta: meta_f32(content, arch, "rope.freq_base", 10_000.0)? as f64,
        rms_norm_eps: meta_f32(content, arch, "attention.layer_norm_rms_epsilon", 1e-6)? as f64,
        tie_word_embeddings: !content.tensor_infos.contains_key("output.weight"),
        hidden_act: "silu".into(),
        architectures: vec![],
        model_type: Some(arch.to_string()),
    };
    cfg.validate_shape()?;
    Ok(cfg)
}

/// Context length assumed when a GGUF file does not state one.
pub const DEFAULT_CONTEXT: usize = 4096;
/// Largest context a GGUF model is loaded with: its RoPE tables are precomputed for every
/// position (131,072 × head_dim floats, 64 MiB at head_dim 128), and longer contexts than
/// VibeThinker's 40,960-token answers plus prompt are not needed.
pub const MAX_CONTEXT: usize = 131_072;

/// Loads the tensors of a `qwen2` or `llama` GGUF into our decoder ([`Qwen2Model`]): block
/// formats stay quantized (candle's quantized matmul, f32 activations), float tensors become
/// dense f32. Q/K/V and gate/up are fused into one matrix each when they share a format.
pub fn load_model<R: Read + Seek>(
    content: &gguf_file::Content,
    file: &mut R,
    arch: &str,
    device: &Device,
) -> Result<Qwen2Model> {
    let mut read = |name: &str| {
        content
            .tensor(file, name, device)
            .with_context(|| format!("reading GGUF tensor {name}"))
    };
    let embed = read("token_embd.weight")?;
    let (vocab, hidden) = embed.shape().dims2()?;
    let cfg = config(content, arch, vocab)?;
    if hidden != cfg.hidden_size {
        bail!(
            "token_embd.weight is {vocab}×{hidden} but embedding_length is {}",
            cfg.hidden_size
        );
    }
    let vec = |q: QTensor| -> Result<Tensor> { Ok(q.dequantize(device)?) };
    let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
    for l in 0..cfg.num_hidden_layers {
        let p = format!("blk.{l}.");
        let mut bias = |n: &str| -> Result<Option<Tensor>> {
            let name = format!("{p}{n}.bias");
            if content.tensor_infos.contains_key(&name) {
                Ok(Some(vec(read(&name)?)?))
            } else {
                Ok(None)
            }
        };
        let biases = [bias("attn_q")?, bias("attn_k")?, bias("attn_v")?];
        let qkv_bias = match biases {
            [None, None, None] => None,
            [Some(q), Some(k), Some(v)] => Some(Tensor::cat(&[&q, &k, &v], 0)?),
            _ => bail!("{p}: some but not all of attn_q/k/v have a bias"),
        };
        let qkv = [
            read(&format!("{p}attn_q.weight"))?,
            read(&format!("{p}attn_k.weight"))?,
            read(&format!("{p}attn_v.weight"))?,
        ];
        let gate_up = [
            read(&format!("{p}ffn_gate.weight"))?,
            read(&format!("{p}ffn_up.weight"))?,
        ];
        let lin = |weight: Mat| Linear { weight, bias: None };
        layers.push(Layer::new(
            [
                Linear {
                    weight: fuse_rows(&qkv, device)?,
                    bias: qkv_bias,
                },
                lin(Mat::from_qtensor(read(&format!("{p}attn_output.weight"))?)?),
                lin(fuse_rows(&gate_up, device)?),
                lin(Mat::from_qtensor(read(&format!("{p}ffn_down.weight"))?)?),
            ],
            vec(read(&format!("{p}attn_norm.weight"))?)?,
            vec(read(&format!("{p}ffn_norm.weight"))?)?,
        ));
    }
    let norm = vec(read("output_norm.weight")?)?;
    let embed = Mat::from_qtensor(embed)?;
    let (lm_head, tied) = if cfg.tie_word_embeddings {
        (embed.shared(), true)
    } else {
        (Mat::from_qtensor(read("output.weight")?)?, false)
    };
    let rope = if arch == "llama" {
        RopeStyle::Interleaved
    } else {
        RopeStyle::Halves
    };
    Qwen2Model::from_parts(&cfg, embed, layers, norm, (lm_head, tied), rope, DType::F32)
}

/// One matrix of the rows of `parts` (same column count), stacked: their bytes concatenated when
/// all share one block format (rows are whole blocks), else dequantized and stacked in f32.
fn fuse_rows(parts: &[QTensor], device: &Device) -> Result<Mat> {
    let dt = parts[0].dtype();
    let (_, k) = parts[0].shape().dims2()?;
    let mut rows = 0;
    for p in parts {
        let (n, pk) = p.shape().dims2()?;
        if pk != k {
            bail!("fused projections have {pk} and {k} columns");
        }
        rows += n;
    }
    if parts.iter().all(|p| p.dtype() == dt) {
        let mut bytes = Vec::new();
        for p in parts {
            bytes.extend_from_slice(&p.data()?);
        }
        let storage = QStorage::from_data(Cow::Owned(bytes), device, dt)?;
        return Mat::from_qtensor(QTensor::new(storage, (rows, k))?);
    }
    let dense: Vec<Tensor> = parts
        .iter()
        .map(|p| p.dequantize(device))
        .collect::<candle_core::Result<_>>()?;
    Ok(Mat::Dense(Tensor::cat(&dense, 0)?))
}
