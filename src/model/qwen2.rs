//! Our own Qwen2 decoder (the architecture of VibeThinker-1.5B/-3B) on candle tensors.
//!
//! Differences from `candle_transformers::models::qwen2`, all for decode speed:
//! - **Preallocated KV cache**: one `(batch, kv_heads, capacity, head_dim)` buffer per layer,
//!   written in place with `slice_set`; capacity grows by doubling (amortised O(1), never a
//!   per-step `Tensor::cat`).
//! - **GQA without `repeat_kv`**: the query heads that share a KV head are folded into the row
//!   dimension of one batched matmul against the un-repeated K/V (`(b, kv, groups·t, d)` ×
//!   `(b, kv, d, L)`), so K/V are read once, not `groups` times.
//! - **Fused projections**: q/k/v and gate/up are each one matmul (weights concatenated at load).
//! - **One-pass prefill** with a causal mask, logits only for the rows asked for.
//! - **Decode attention in place**: scores and the weighted sum read the cache through strided
//!   views of its first `len` positions; nothing is copied per step on the CPU or on CUDA. On
//!   the CPU (f32) one-position steps run our kernel over the cache ([`super::attn`]).
//! - **Batched decode** of `n` sequences sharing a prompt: the prompt is prefilled once and its
//!   cache copied to `n` rows; finished rows are dropped with [`Qwen2Model::retain`].

use anyhow::{bail, Context, Result};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, Module, Tensor, D};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// First KV-cache capacity (tokens) beyond the prompt; grows by doubling after that. Small
/// enough not to reserve gigabytes for short answers, large enough that doubling is rare.
pub const KV_INITIAL_EXTRA: usize = 1024;

/// `config.json` of a Hugging Face Qwen2 checkpoint (fields we use).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Qwen2Config {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_key_value_heads: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_rope_theta")]
    pub rope_theta: f64,
    #[serde(default = "default_rms_eps")]
    pub rms_norm_eps: f64,
    #[serde(default)]
    pub tie_word_embeddings: bool,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default)]
    pub architectures: Vec<String>,
    #[serde(default)]
    pub model_type: Option<String>,
}

fn default_rope_theta() -> f64 {
    10_000.0
}
fn default_rms_eps() -> f64 {
    1e-6
}
fn default_act() -> String {
    "silu".into()
}

impl Qwen2Config {
    /// Reads and checks `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Parses `config.json` text. Reads `rope_theta` at the top level (transformers 4, as in
    /// VibeThinker's own config) or under `rope_parameters` (transformers 5); refuses RoPE
    /// scaling, which this engine does not implement.
    pub fn from_json(text: &str) -> Result<Self> {
        let mut v: serde_json::Value = serde_json::from_str(text)?;
        let rope_params = v.get("rope_parameters").cloned();
        for key in ["rope_scaling", "rope_parameters"] {
            if let Some(kind) = v
                .get(key)
                .and_then(|r| r.get("rope_type").or_else(|| r.get("type")))
                .and_then(|t| t.as_str())
            {
                if kind != "default" {
                    bail!("RoPE scaling {kind:?} ({key}) is not supported");
                }
            }
        }
        if v.get("use_sliding_window").and_then(|u| u.as_bool()) == Some(true) {
            bail!("sliding-window attention (use_sliding_window: true) is not supported");
        }
        if v.get("rope_theta").is_none() {
            if let Some(theta) = rope_params.as_ref().and_then(|r| r.get("rope_theta")) {
                v["rope_theta"] = theta.clone();
            }
        }
        let cfg: Qwen2Config = serde_json::from_value(v).context("not a Qwen2 config")?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the architecture names and [`Self::validate_shape`].
    pub fn validate(&self) -> Result<()> {
        let arch_ok = self.model_type.as_deref() == Some("qwen2")
            || self.architectures.iter().any(|a| a.starts_with("Qwen2"));
        if !arch_ok {
            bail!(
                "unsupported architecture (model_type {:?}, architectures {:?}): only Qwen2 \
                 checkpoints load from a Hugging Face directory; use a GGUF file for llama",
                self.model_type,
                self.architectures
            );
        }
        if self.hidden_act != "silu" {
            bail!(
                "unsupported hidden_act {:?} (Qwen2 uses silu)",
                self.hidden_act
            );
        }
        self.validate_shape()
    }

    /// Checks that the attention shape is consistent (heads divide the hidden size, KV heads
    /// divide the heads, head_dim is even).
    pub fn validate_shape(&self) -> Result<()> {
        if self.num_attention_heads == 0
            || self.num_key_value_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
            || !self
                .num_attention_heads
                .is_multiple_of(self.num_key_value_heads)
            || !(self.hidden_size / self.num_attention_heads).is_multiple_of(2)
        {
            bail!("inconsistent attention shape in the model config: {self:?}");
        }
        Ok(())
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }
}

/// Named weight tensors of a checkpoint, converted to the compute dtype and device on request.
pub struct Weights {
    tensors: HashMap<String, Tensor>,
    dtype: DType,
    device: Device,
}

impl Weights {
    pub fn new(tensors: HashMap<String, Tensor>, dtype: DType, device: &Device) -> Self {
        Self {
            tensors,
            dtype,
            device: device.clone(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Takes tensor `name`, checks its shape, converts it.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor> {
        let t = self
            .tensors
            .remove(name)
            .with_context(|| format!("checkpoint has no tensor {name}"))?;
        if t.dims() != shape {
            bail!("tensor {name} has shape {:?}, expected {shape:?}", t.dims());
        }
        Ok(t.to_dtype(self.dtype)?.to_device(&self.device)?)
    }
}

/// A weight matrix `(out, in)`: dense in the compute dtype, or a GGUF block-quantized tensor
/// multiplied by candle's quantized kernels or (CPU, formats in [`super::quant`]) by ours
/// (f32 activations).
pub(crate) enum Mat {
    Dense(Tensor),
    Quant(Arc<QTensor>, QMatMul),
    Own(Arc<super::quant::QuantMat>),
}

impl Mat {
    /// A GGUF tensor: float formats become dense f32, block formats stay quantized.
    pub(crate) fn from_qtensor(q: QTensor) -> Result<Self> {
        let k = q.shape().dims().last().copied().unwrap_or(0);
        let own = super::quant::QFormat::of(q.dtype()).filter(|f| {
            q.device().is_cpu() && super::quant::enabled() && k.is_multiple_of(f.block_values())
        });
        Ok(match q.dtype() {
            GgmlDType::F32 | GgmlDType::F16 | GgmlDType::BF16 => {
                Mat::Dense(q.dequantize(&q.device())?)
            }
            _ if own.is_some() => Mat::Own(Arc::new(super::quant::QuantMat::new(own.unwrap(), q)?)),
            _ => {
                let q = Arc::new(q);
                Mat::Quant(q.clone(), QMatMul::from_arc(q)?)
            }
        })
    }

    /// Another handle on the same weights (a tied LM head).
    pub(crate) fn shared(&self) -> Self {
        match self {
            Mat::Dense(w) => Mat::Dense(w.clone()),
            Mat::Quant(q, m) => Mat::Quant(q.clone(), m.clone()),
            Mat::Own(q) => Mat::Own(q.clone()),
        }
    }

    fn out_dim(&self) -> Result<usize> {
        Ok(match self {
            Mat::Dense(w) => w.dim(0)?,
            Mat::Quant(q, _) => q.shape().dims2()?.0,
            Mat::Own(q) => q.dims().0,
        })
    }

    fn bytes(&self) -> usize {
        match self {
            Mat::Dense(w) => w.elem_count() * w.dtype().size_in_bytes(),
            Mat::Quant(q, _) => q.storage_size_in_bytes(),
            Mat::Own(q) => q.bytes(),
        }
    }

    /// `x (rows, in) · Wᵀ`.
    fn matmul_t(&self, x: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Mat::Dense(w) => super::gemv::matmul_t(x, w)?,
            Mat::Quant(_, m) => m.forward(&x.contiguous()?)?,
            Mat::Own(q) => q.matmul_t(x)?,
        })
    }

    /// Rows `ids` of the matrix (the token embedding), in the compute dtype.
    fn rows(&self, ids: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Mat::Dense(w) => w.index_select(ids, 0)?,
            Mat::Quant(q, _) => q.embedding(ids)?,
            Mat::Own(q) => q.rows(ids)?,
        })
    }
}

/// A linear layer `y = x Wᵀ + b` over the last dimension.
pub(crate) struct Linear {
    pub(crate) weight: Mat,
    pub(crate) bias: Option<Tensor>,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        // (rows, in) × (in, out): flatten leading dims so gemm sees one matrix.
        let dims = x.dims().to_vec();
        let rows: usize = dims[..dims.len() - 1].iter().product();
        let x2 = x.reshape((rows, dims[dims.len() - 1]))?;
        let mut y = self.weight.matmul_t(&x2)?;
        if let Some(b) = &self.bias {
            y = y.broadcast_add(b)?;
        }
        let mut out_dims = dims;
        *out_dims.last_mut().unwrap() = self.weight.out_dim()?;
        Ok(y.reshape(out_dims)?)
    }
}

/// One layer's KV cache: `(batch, kv_heads, capacity, head_dim)` buffers filled up to `len`.
struct KvCache {
    k: Tensor,
    v: Tensor,
    len: usize,
}

pub(crate) struct Layer {
    pub(crate) qkv: Linear,
    pub(crate) o: Linear,
    pub(crate) gate_up: Linear,
    pub(crate) down: Linear,
    pub(crate) input_norm: Tensor,
    pub(crate) post_norm: Tensor,
    cache: Option<KvCache>,
}

impl Layer {
    /// A layer with an empty KV cache.
    pub(crate) fn new(
        [qkv, o, gate_up, down]: [Linear; 4],
        input_norm: Tensor,
        post_norm: Tensor,
    ) -> Self {
        Self {
            qkv,
            o,
            gate_up,
            down,
            input_norm,
            post_norm,
            cache: None,
        }
    }
}

/// How RoPE pairs the dimensions of a head: Hugging Face Qwen2/Llama checkpoints and GGUF
/// `qwen2` rotate the two halves (GPT-NeoX style); GGUF `llama` files, whose Q/K rows the
/// converter permuted, rotate adjacent pairs (GPT-J style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeStyle {
    Halves,
    Interleaved,
}

/// The Qwen2 causal LM with its KV cache.
pub struct Qwen2Model {
    cfg: Qwen2Config,
    embed: Mat,
    layers: Vec<Layer>,
    norm: Tensor,
    /// `(vocab, hidden)`; the embedding matrix when `tie_word_embeddings`.
    lm_head: Mat,
    rope_style: RopeStyle,
    /// Whether `lm_head` is the embedding matrix.
    tied_head: bool,
    cos: Tensor,
    sin: Tensor,
    device: Device,
    dtype: DType,
    /// Rows in the cache (sequences being decoded).
    batch: usize,
    /// Tokens in the cache per row.
    pos: usize,
    /// Prompt tokens per prefill pass (see [`super::engine::PREFILL_CHUNK`]).
    prefill_chunk: usize,
}

impl Qwen2Model {
    /// Builds the model from checkpoint tensors named as in Hugging Face's `Qwen2ForCausalLM`.
    pub fn new(cfg: &Qwen2Config, mut w: Weights) -> Result<Self> {
        cfg.validate()?;
        let (h, i, v) = (cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size);
        let hd = cfg.head_dim();
        let (nq, nkv) = (cfg.num_attention_heads * hd, cfg.num_key_value_heads * hd);
        let dtype = w.dtype;
        let embed = w.take("model.embed_tokens.weight", &[v, h])?;
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for l in 0..cfg.num_hidden_layers {
            let p = format!("model.layers.{l}.");
            let q = w.take(&format!("{p}self_attn.q_proj.weight"), &[nq, h])?;
            let k = w.take(&format!("{p}self_attn.k_proj.weight"), &[nkv, h])?;
            let vv = w.take(&format!("{p}self_attn.v_proj.weight"), &[nkv, h])?;
            let qb = w.take(&format!("{p}self_attn.q_proj.bias"), &[nq])?;
            let kb = w.take(&format!("{p}self_attn.k_proj.bias"), &[nkv])?;
            let vb = w.take(&format!("{p}self_attn.v_proj.bias"), &[nkv])?;
            let gate = w.take(&format!("{p}mlp.gate_proj.weight"), &[i, h])?;
            let up = w.take(&format!("{p}mlp.up_proj.weight"), &[i, h])?;
            let dense = |t: Tensor| Linear {
                weight: Mat::Dense(t),
                bias: None,
            };
            layers.push(Layer::new(
                [
                    Linear {
                        weight: Mat::Dense(Tensor::cat(&[&q, &k, &vv], 0)?),
                        bias: Some(Tensor::cat(&[&qb, &kb, &vb], 0)?),
                    },
                    dense(w.take(&format!("{p}self_attn.o_proj.weight"), &[h, nq])?),
                    dense(Tensor::cat(&[&gate, &up], 0)?),
                    dense(w.take(&format!("{p}mlp.down_proj.weight"), &[h, i])?),
                ],
                w.take(&format!("{p}input_layernorm.weight"), &[h])?,
                w.take(&format!("{p}post_attention_layernorm.weight"), &[h])?,
            ));
        }
        let norm = w.take("model.norm.weight", &[h])?;
        let tied_head = !w.contains("lm_head.weight");
        let lm_head = if !tied_head {
            Mat::Dense(w.take("lm_head.weight", &[v, h])?)
        } else if cfg.tie_word_embeddings {
            Mat::Dense(embed.clone())
        } else {
            bail!("checkpoint has no lm_head.weight and tie_word_embeddings is false");
        };
        Self::from_parts(
            cfg,
            Mat::Dense(embed),
            layers,
            norm,
            (lm_head, tied_head),
            RopeStyle::Halves,
            dtype,
        )
    }

    /// Assembles a model from loaded parts (`lm_head` with whether it is the embedding matrix);
    /// the GGUF loader ([`super::gguf::load_model`]) builds them from quantized tensors.
    pub(crate) fn from_parts(
        cfg: &Qwen2Config,
        embed: Mat,
        layers: Vec<Layer>,
        norm: Tensor,
        (lm_head, tied_head): (Mat, bool),
        rope_style: RopeStyle,
        dtype: DType,
    ) -> Result<Self> {
        cfg.validate_shape()?;
        let device = norm.device().clone();
        let (cos, sin) = rope_tables(cfg, &device, dtype)?;
        Ok(Self {
            cfg: cfg.clone(),
            embed,
            layers,
            norm,
            lm_head,
            rope_style,
            tied_head,
            cos,
            sin,
            device,
            dtype,
            batch: 0,
            pos: 0,
            prefill_chunk: super::engine::PREFILL_CHUNK,
        })
    }

    pub fn config(&self) -> &Qwen2Config {
        &self.cfg
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Prompt tokens per prefill pass.
    pub fn prefill_chunk(&self) -> usize {
        self.prefill_chunk
    }

    /// Changes the prefill chunk (at least 1).
    pub fn set_prefill_chunk(&mut self, tokens: usize) {
        self.prefill_chunk = tokens.max(1);
    }

    /// Tokens currently in the cache per sequence.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Sequences currently in the cache.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The largest number of positions (prompt + generated) the model supports.
    pub fn max_positions(&self) -> usize {
        self.cfg.max_position_embeddings
    }

    /// Empties the KV cache.
    pub fn reset(&mut self) {
        for l in &mut self.layers {
            l.cache = None;
        }
        self.batch = 0;
        self.pos = 0;
    }

    /// Bytes of all weights (a tied LM head counted once): what one decode step reads.
    pub fn weight_bytes(&self) -> usize {
        let size = |t: &Tensor| t.elem_count() * t.dtype().size_in_bytes();
        let mut total = self.embed.bytes() + size(&self.norm);
        if !self.tied_head {
            total += self.lm_head.bytes();
        }
        for l in &self.layers {
            for lin in [&l.qkv, &l.o, &l.gate_up, &l.down] {
                total += lin.weight.bytes() + lin.bias.as_ref().map_or(0, size);
            }
            total += size(&l.input_norm) + size(&l.post_norm);
        }
        total
    }

    /// Current KV capacity per row (0 when empty); for tests of the growth policy.
    pub fn kv_capacity(&self) -> usize {
        self.layers
            .first()
            .and_then(|l| l.cache.as_ref())
            .map(|c| c.k.dim(2).unwrap_or(0))
            .unwrap_or(0)
    }

    /// Runs `tokens` (shape `(batch, t)`, row-major) through the model at the current position,
    /// appending to the cache. Returns logits `(batch, t, vocab)` when `all_logits`, else the
    /// last position's `(batch, vocab)`. With an empty cache this is the prefill.
    pub fn forward(&mut self, tokens: &[u32], batch: usize, all_logits: bool) -> Result<Tensor> {
        if self.device.is_cpu() && rayon::current_thread_index().is_none() {
            // Run the pass on a rayon worker: the kernels' parallel loops (~10 per layer) then
            // start from inside the pool instead of each parking and waking this thread.
            return rayon::scope(|_| self.forward_in_pool(tokens, batch, all_logits));
        }
        self.forward_in_pool(tokens, batch, all_logits)
    }

    fn forward_in_pool(
        &mut self,
        tokens: &[u32],
        batch: usize,
        all_logits: bool,
    ) -> Result<Tensor> {
        if batch == 0 || tokens.is_empty() || !tokens.len().is_multiple_of(batch) {
            bail!("forward: {} tokens do not form {batch} rows", tokens.len());
        }
        if self.pos > 0 && batch != self.batch {
            bail!("forward: batch {batch} but the cache holds {}", self.batch);
        }
        let t = tokens.len() / batch;
        if self.pos + t > self.cfg.max_position_embeddings {
            bail!(
                "context full: {} + {t} tokens exceed max_position_embeddings {}",
                self.pos,
                self.cfg.max_position_embeddings
            );
        }
        let ids = Tensor::from_slice(tokens, (batch, t), &self.device)?;
        let mut x =
            self.embed
                .rows(&ids.flatten_all()?)?
                .reshape((batch, t, self.cfg.hidden_size))?;
        let mask = if t > 1 {
            Some(self.causal_mask(t)?)
        } else {
            None
        };
        let eps = self.cfg.rms_norm_eps as f32;
        let cos = self.cos.narrow(0, self.pos, t)?;
        let sin = self.sin.narrow(0, self.pos, t)?;
        let pos = self.pos;
        for l in 0..self.layers.len() {
            let layer = &mut self.layers[l];
            let h = candle_nn::ops::rms_norm(&x, &layer.input_norm, eps)?;
            let rope = (&cos, &sin, self.rope_style);
            let a = attention(&self.cfg, layer, &h, rope, mask.as_ref(), pos)?;
            x = (x + a)?;
            let h = candle_nn::ops::rms_norm(&x, &layer.post_norm, eps)?;
            let gu = layer.gate_up.forward(&h)?;
            let i = self.cfg.intermediate_size;
            let g = candle_nn::ops::silu(&gu.narrow(D::Minus1, 0, i)?)?;
            let u = gu.narrow(D::Minus1, i, i)?;
            x = (x + layer.down.forward(&(g * u)?)?)?;
        }
        self.pos += t;
        self.batch = batch;
        let x = if all_logits {
            x
        } else {
            x.narrow(1, t - 1, 1)?.squeeze(1)?
        };
        let x = candle_nn::ops::rms_norm(&x.contiguous()?, &self.norm, eps)?;
        let dims = x.dims().to_vec();
        let rows: usize = dims[..dims.len() - 1].iter().product();
        let logits = self
            .lm_head
            .matmul_t(&x.reshape((rows, self.cfg.hidden_size))?)?;
        let mut out = dims;
        *out.last_mut().unwrap() = self.cfg.vocab_size;
        Ok(logits.reshape(out)?)
    }

    /// Copies the single cached sequence into `n` rows (after a shared-prompt prefill).
    pub fn expand_batch(&mut self, n: usize) -> Result<()> {
        if self.batch != 1 {
            bail!(
                "expand_batch needs exactly one cached sequence, have {}",
                self.batch
            );
        }
        if n == 1 {
            return Ok(());
        }
        for layer in &mut self.layers {
            if let Some(c) = &mut layer.cache {
                let (_, kvh, cap, hd) = c.k.dims4()?;
                let k = Tensor::zeros((n, kvh, cap, hd), c.k.dtype(), c.k.device())?;
                let v = Tensor::zeros((n, kvh, cap, hd), c.v.dtype(), c.v.device())?;
                for r in 0..n {
                    k.slice_set(&c.k, 0, r)?;
                    v.slice_set(&c.v, 0, r)?;
                }
                c.k = k;
                c.v = v;
            }
        }
        self.batch = n;
        Ok(())
    }

    /// Keeps only the cached rows listed in `keep` (in that order): finished sequences stop
    /// costing compute.
    pub fn retain(&mut self, keep: &[usize]) -> Result<()> {
        if keep.len() == self.batch && keep.iter().enumerate().all(|(i, &k)| i == k) {
            return Ok(());
        }
        if keep.is_empty() {
            self.reset();
            return Ok(());
        }
        let idx: Vec<u32> = keep.iter().map(|&k| k as u32).collect();
        let idx = Tensor::from_slice(&idx, keep.len(), &self.device)?;
        for layer in &mut self.layers {
            if let Some(c) = &mut layer.cache {
                c.k = c.k.index_select(&idx, 0)?.contiguous()?;
                c.v = c.v.index_select(&idx, 0)?.contiguous()?;
            }
        }
        self.batch = keep.len();
        Ok(())
    }

    /// Additive causal mask for `t` new rows at the current position, laid out for the folded
    /// GQA query rows: row `g·t + i` is query position `pos + i` of group member `g`.
    fn causal_mask(&self, t: usize) -> Result<Tensor> {
        let groups = self.cfg.num_attention_heads / self.cfg.num_key_value_heads;
        let l = self.pos + t;
        let mut m = vec![0f32; groups * t * l];
        for g in 0..groups {
            for i in 0..t {
                let row = &mut m[(g * t + i) * l..(g * t + i + 1) * l];
                for v in row.iter_mut().skip(self.pos + i + 1) {
                    *v = f32::NEG_INFINITY;
                }
            }
        }
        Ok(Tensor::from_vec(m, (groups * t, l), &self.device)?.to_dtype(self.dtype)?)
    }
}

/// cos/sin tables `(max_positions, head_dim/2)` for rotate-half RoPE.
fn rope_tables(cfg: &Qwen2Config, device: &Device, dtype: DType) -> Result<(Tensor, Tensor)> {
    let hd = cfg.head_dim();
    let n = cfg.max_position_embeddings;
    let inv: Vec<f32> = (0..hd)
        .step_by(2)
        .map(|i| (1.0 / cfg.rope_theta.powf(i as f64 / hd as f64)) as f32)
        .collect();
    let mut cos = Vec::with_capacity(n * hd / 2);
    let mut sin = Vec::with_capacity(n * hd / 2);
    for p in 0..n {
        for f in &inv {
            let a = p as f32 * f;
            cos.push(a.cos());
            sin.push(a.sin());
        }
    }
    let cos = Tensor::from_vec(cos, (n, hd / 2), device)?.to_dtype(dtype)?;
    let sin = Tensor::from_vec(sin, (n, hd / 2), device)?.to_dtype(dtype)?;
    Ok((cos, sin))
}

/// Self-attention for one layer: appends this step's K/V to the layer's cache and attends.
fn attention(
    cfg: &Qwen2Config,
    layer: &mut Layer,
    x: &Tensor,
    (cos, sin, style): (&Tensor, &Tensor, RopeStyle),
    mask: Option<&Tensor>,
    pos: usize,
) -> Result<Tensor> {
    let (b, t, _) = x.dims3()?;
    let hd = cfg.head_dim();
    let (nh, nkv) = (cfg.num_attention_heads, cfg.num_key_value_heads);
    let groups = nh / nkv;
    let qkv = layer.qkv.forward(x)?;
    let q = qkv.narrow(D::Minus1, 0, nh * hd)?;
    let k = qkv.narrow(D::Minus1, nh * hd, nkv * hd)?;
    let v = qkv.narrow(D::Minus1, (nh + nkv) * hd, nkv * hd)?;
    // (b, t, heads, d) -> (b, heads, t, d)
    let q = q.reshape((b, t, nh, hd))?.transpose(1, 2)?.contiguous()?;
    let k = k.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
    let v = v.reshape((b, t, nkv, hd))?.transpose(1, 2)?.contiguous()?;
    let (q, k) = match style {
        RopeStyle::Halves => (
            candle_nn::rotary_emb::rope(&q, cos, sin)?,
            candle_nn::rotary_emb::rope(&k, cos, sin)?,
        ),
        RopeStyle::Interleaved => (
            candle_nn::rotary_emb::rope_i(&q, cos, sin)?,
            candle_nn::rotary_emb::rope_i(&k, cos, sin)?,
        ),
    };

    // Append to the preallocated cache, growing by doubling when full.
    let need = pos + t;
    let cache = match layer.cache.take() {
        Some(mut c) if c.k.dim(2)? >= need => {
            c.k.slice_set(&k, 2, pos)?;
            c.v.slice_set(&v, 2, pos)?;
            c.len = need;
            c
        }
        old => {
            let cap = match &old {
                Some(c) => (c.k.dim(2)? * 2).max(need),
                None => need + KV_INITIAL_EXTRA,
            }
            .min(cfg.max_position_embeddings)
            .max(need);
            let nk = Tensor::zeros((b, nkv, cap, hd), k.dtype(), k.device())?;
            let nv = Tensor::zeros((b, nkv, cap, hd), v.dtype(), v.device())?;
            if let Some(c) = old {
                nk.slice_set(&c.k.narrow(2, 0, c.len)?.contiguous()?, 2, 0)?;
                nv.slice_set(&c.v.narrow(2, 0, c.len)?.contiguous()?, 2, 0)?;
            }
            nk.slice_set(&k, 2, pos)?;
            nv.slice_set(&v, 2, pos)?;
            KvCache {
                k: nk,
                v: nv,
                len: need,
            }
        }
    };
    let scale = 1.0 / (hd as f64).sqrt();
    if t == 1 && q.device().is_cpu() && q.dtype() == DType::F32 {
        // One new position per row on the CPU: our kernel over the cache (see `super::attn`).
        let out = super::attn::decode_attention(&q, &cache.k, &cache.v, need, scale as f32)?;
        layer.cache = Some(cache);
        return layer.o.forward(&out.reshape((b, 1, nh * hd))?);
    }
    // Strided views of the first `need` positions: no copy on either backend. The CPU gemm
    // reads them in place; on CUDA, candle's cuBLAS strided-batched call takes them as they are
    // (see `decode_views_fit_cublas` in the tests): K as the transposed operand with leading
    // dimension head_dim, V as the plain one, both with batch stride capacity·head_dim.
    let keys = cache.k.narrow(2, 0, need)?; // (b, kv, L, d)
    let vals = cache.v.narrow(2, 0, need)?;

    // Fold the `groups` query heads of each KV head into rows: (b, kv, groups·t, d).
    let q = (q.reshape((b, nkv, groups * t, hd))? * scale)?;
    let mut scores = q.matmul(&keys.t()?)?; // (b, kv, groups·t, L)
    if let Some(m) = mask {
        scores = scores.broadcast_add(m)?;
    }
    let probs = candle_nn::ops::softmax_last_dim(&scores)?;
    let out = probs.matmul(&vals)?; // (b, kv, groups·t, d)
    layer.cache = Some(cache);
    // Back to (b, t, heads·d): (b, kv, groups, t, d) = (b, heads, t, d) -> (b, t, heads, d).
    let out = out
        .reshape((b, nh, t, hd))?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((b, t, nh * hd))?;
    layer.o.forward(&out)
}

/// Loads `*.safetensors` tensors of an HF directory: `model.safetensors`, or every shard named
/// in `model.safetensors.index.json`.
pub fn load_safetensors(dir: &Path) -> Result<HashMap<String, Tensor>> {
    let index = dir.join("model.safetensors.index.json");
    let files: Vec<std::path::PathBuf> = if index.exists() {
        #[derive(Deserialize)]
        struct Index {
            weight_map: HashMap<String, String>,
        }
        let text = std::fs::read_to_string(&index)
            .with_context(|| format!("reading {}", index.display()))?;
        let idx: Index =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", index.display()))?;
        let mut shards: Vec<String> = idx.weight_map.values().cloned().collect();
        shards.sort();
        shards.dedup();
        for s in &shards {
            if s.contains('/') || s.contains('\\') || s.starts_with('.') {
                bail!(
                    "{}: shard name {s:?} is not a plain file name",
                    index.display()
                );
            }
        }
        shards.into_iter().map(|s| dir.join(s)).collect()
    } else if dir.join("model.safetensors").exists() {
        vec![dir.join("model.safetensors")]
    } else {
        bail!(
            "{} has neither model.safetensors nor model.safetensors.index.json",
            dir.display()
        );
    };
    let mut all = HashMap::new();
    for f in files {
        let part = candle_core::safetensors::load(&f, &Device::Cpu)
            .with_context(|| format!("loading {}", f.display()))?;
        all.extend(part);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layouts decode attention hands to matmul on every backend, checked against the
    /// rules candle 0.11's CUDA `gemm_config` accepts without a copy: the inner two strides
    /// of each operand are (lead, 1) or (1, lead), and the batch dims (b, kv) fold into one
    /// stride (`stride[0] == stride[1] · dims[1]`). This is why the CUDA path no longer makes
    /// the cache view contiguous each step.
    #[test]
    fn decode_views_fit_cublas() {
        let (b, kv, cap, d, len) = (3, 2, 40, 8, 17);
        let cache = Tensor::zeros((b, kv, cap, d), DType::F32, &Device::Cpu).unwrap();
        let keys = cache.narrow(2, 0, len).unwrap();
        let kt = keys.t().unwrap(); // (b, kv, d, L): rhs of q·Kᵀ, k = d, n = L
        let s = kt.stride();
        assert_eq!(
            (s[2], s[3]),
            (1, d),
            "Kᵀ is the transposed operand, lda = d"
        );
        assert_eq!(s[0], s[1] * kt.dims()[1], "batch dims fold");
        assert_eq!(s[1], cap * d, "batch stride = capacity · head_dim");
        let vals = cache.narrow(2, 0, len).unwrap(); // rhs of P·V: k = L, n = d
        let s = vals.stride();
        assert_eq!((s[2], s[3]), (d, 1), "V is the plain operand, lda = n = d");
        assert_eq!(s[0], s[1] * vals.dims()[1]);
        // And the CPU result through these views equals the contiguous copy's.
        let cache = Tensor::randn(0f32, 1.0, (b, kv, cap, d), &Device::Cpu).unwrap();
        let q = Tensor::randn(0f32, 1.0, (b, kv, 6, d), &Device::Cpu).unwrap();
        let view = cache.narrow(2, 0, len).unwrap();
        let a: Vec<f32> = q
            .matmul(&view.t().unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let c: Vec<f32> = q
            .matmul(&view.contiguous().unwrap().t().unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, c);
    }
}
