//! Measurements of the Qwen2 engine for `vibecheck model-check` (tools/gpu-check.sh runs it on
//! a GPU machine that has no Rust): the logits of given prompts (to compare with transformers'
//! reference in each dtype) and prefill/decode speed at a given context and batch.
//!
//! Decode is timed through the same [`Lm::step`] the generator uses, including copying each
//! row's logits to the host for sampling, so the number is what `generate` gets, not a
//! kernel-only figure.

use super::engine::{load_hf_model, Lm, Logits};
use super::error::ModelError;
use super::qwen2::Qwen2Model;
use super::sampler::argmax;
use candle_core::{DType, Device};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// Logits of one prompt at every position, and its greedy continuation.
#[derive(Debug, Clone, Serialize)]
pub struct PromptLogits {
    pub logits: Vec<Vec<f32>>,
    pub greedy: Vec<u32>,
}

/// Runs each prompt (token ids) through a fresh cache: logits of every position, then
/// `greedy_tokens` argmax steps (no stop tokens: the raw model, as transformers' reference).
pub fn prompt_logits(
    m: &mut Qwen2Model,
    prompts: &[Vec<u32>],
    greedy_tokens: usize,
) -> Result<Vec<PromptLogits>, ModelError> {
    let mut out = Vec::with_capacity(prompts.len());
    for p in prompts {
        if p.is_empty() {
            return Err(anyhow::anyhow!("empty prompt").into());
        }
        m.reset();
        let all = m.forward(p, 1, true)?.squeeze(0)?.to_dtype(DType::F32)?;
        let logits: Vec<Vec<f32>> = all.to_vec2()?;
        let mut greedy = Vec::with_capacity(greedy_tokens);
        let mut next = argmax(logits.last().expect("prompt is not empty"));
        let mut row = Logits::default();
        for _ in 0..greedy_tokens {
            greedy.push(next);
            Lm::step(m, &[next], &mut row)?;
            next = argmax(row.row(0));
        }
        out.push(PromptLogits { logits, greedy });
    }
    Ok(out)
}

/// One decode measurement.
#[derive(Debug, Clone, Serialize)]
pub struct DecodeBench {
    pub dtype: String,
    pub device: String,
    pub context: usize,
    pub batch: usize,
    pub steps: usize,
    pub prefill_seconds: f64,
    /// Prompt tokens per second of the (single-row) prefill.
    pub prefill_tok_s: f64,
    pub decode_seconds: f64,
    /// Generated tokens per second, all rows together.
    pub decode_tok_s: f64,
    /// Bytes of model weights (read once per decode step).
    pub weight_bytes: u64,
    /// KV-cache bytes one row reads per step at the final context.
    pub kv_bytes_per_row: u64,
}

/// Warm-up decode steps before timing (first kernel launches, PTX JIT, cuBLAS heuristics).
pub const WARMUP_STEPS: usize = 3;

/// [`bench_lm`] for the Qwen2 model of a Hugging Face directory.
pub fn decode_bench(
    dir: &Path,
    device: &Device,
    dtype: DType,
    context: usize,
    batch: usize,
    steps: usize,
) -> Result<DecodeBench, ModelError> {
    let mut m = load_hf_model(dir, device, dtype)?;
    let cfg = m.config().clone();
    let hd = cfg.head_dim() as u64;
    let kv_per_token = cfg.num_hidden_layers as u64
        * 2
        * cfg.num_key_value_heads as u64
        * hd
        * dtype.size_in_bytes() as u64;
    let weight_bytes = m.weight_bytes() as u64;
    let mut b = bench_lm(&mut m, cfg.vocab_size, context, batch, steps)?;
    b.dtype = format!("{dtype:?}").to_lowercase();
    b.weight_bytes = weight_bytes;
    b.kv_bytes_per_row = kv_per_token * (context + WARMUP_STEPS + steps) as u64;
    Ok(b)
}

/// Prefills `context` pseudo-random token ids (below `vocab`) once into `batch` rows and times
/// `steps` decode steps after [`WARMUP_STEPS`] (greedy on the host, as the generator samples).
/// Sizes it cannot know (`weight_bytes`, `kv_bytes_per_row`, `dtype`) are left 0 / empty.
pub fn bench_lm(
    lm: &mut dyn Lm,
    vocab: usize,
    context: usize,
    batch: usize,
    steps: usize,
) -> Result<DecodeBench, ModelError> {
    if context == 0 || batch == 0 || steps == 0 || vocab == 0 {
        return Err(anyhow::anyhow!("context, batch, steps and vocab must be at least 1").into());
    }
    if context + WARMUP_STEPS + steps > lm.max_positions() {
        return Err(anyhow::anyhow!(
            "context {context} + {} steps exceed the model's {} positions",
            WARMUP_STEPS + steps,
            lm.max_positions()
        )
        .into());
    }
    if batch > 1 && !lm.batches() {
        return Err(anyhow::anyhow!("this model decodes one row at a time (batch 1)").into());
    }
    let prompt: Vec<u32> = (0..context as u64)
        .map(|i| ((i * 7919 + 13) % vocab as u64) as u32)
        .collect();
    let t0 = Instant::now();
    let mut logits = Logits::default();
    lm.prefill(&prompt, batch, &mut logits)?;
    let prefill_seconds = t0.elapsed().as_secs_f64();
    let mut toks: Vec<u32> = vec![0; batch];
    let next = |logits: &Logits, toks: &mut Vec<u32>| {
        for (r, t) in toks.iter_mut().enumerate() {
            *t = argmax(logits.row(r));
        }
    };
    next(&logits, &mut toks);
    for _ in 0..WARMUP_STEPS {
        lm.step(&toks, &mut logits)?;
        next(&logits, &mut toks);
    }
    let t1 = Instant::now();
    for _ in 0..steps {
        lm.step(&toks, &mut logits)?;
        next(&logits, &mut toks);
    }
    let decode_seconds = t1.elapsed().as_secs_f64();
    Ok(DecodeBench {
        dtype: String::new(),
        device: if lm.on_gpu() { "cuda" } else { "cpu" }.into(),
        context,
        batch,
        steps,
        prefill_seconds,
        prefill_tok_s: context as f64 / prefill_seconds,
        decode_seconds,
        decode_tok_s: (steps * batch) as f64 / decode_seconds,
        weight_bytes: 0,
        kv_bytes_per_row: 0,
    })
}
