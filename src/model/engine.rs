//! The candle [`Generator`]: a language model behind the small [`Lm`] trait (our Qwen2 decoder,
//! with dense weights from safetensors or quantized ones from GGUF) plus the decode loop shared by both — batched sampling of
//! `n` sequences, streaming detokenization, stop tokens and strings, the loop detector,
//! cancellation and usage accounting.

use super::chat::{ChatTokenizer, Detokenizer};
use super::qwen2::{self, Qwen2Config, Qwen2Model, Weights};
use super::sampler::{sequence_seed, Sampler};
use super::stop::{LoopDetector, StopScanner};
use super::{Capabilities, ChatMessage, GenEvent, Generation, Generator, SamplingParams};
use super::{StopReason, Usage};
use anyhow::{bail, Context, Result};
use candle_core::quantized::gguf_file;
use candle_core::{DType, Device, Tensor};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

/// Upper bound on `n` (sequences per call): each row holds its own KV cache, so this bounds
/// memory; the agent samples far fewer.
pub const MAX_N: usize = 64;

/// Prompt tokens per prefill forward pass. Attention scores of one pass take
/// `heads × chunk × context` floats (12 × 512 × 16k × 4 B ≈ 400 MB at 16k context), so long
/// prompts are prefilled in chunks rather than in one quadratic pass.
pub const PREFILL_CHUNK: usize = 512;

/// A causal LM with a KV cache, as the decode loop sees it.
pub trait Lm: Send {
    /// Architecture name for logs (`qwen2`, `llama`).
    fn arch(&self) -> String;
    /// Prompt + generated tokens the model can hold.
    fn max_positions(&self) -> usize;
    /// Starts `n` sequences that share `prompt`; writes the next-token logits of each row.
    fn prefill(&mut self, prompt: &[u32], n: usize, out: &mut Logits) -> Result<()>;
    /// Feeds one token per cached row; writes each row's next-token logits.
    fn step(&mut self, tokens: &[u32], out: &mut Logits) -> Result<()>;
    /// Drops all rows but `keep` (in order). Returns false when the backend cannot drop rows
    /// (it then keeps being fed a token for every row).
    fn retain(&mut self, keep: &[usize]) -> Result<bool>;
    /// Whether `prefill` supports `n > 1` (else the decode loop runs sequences one by one).
    fn batches(&self) -> bool;
    fn on_gpu(&self) -> bool;
}

/// Next-token logits of every batch row in one buffer that the decode loop reuses: after the
/// first step, copying a step's logits out of the model allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Logits {
    data: Vec<f32>,
    vocab: usize,
}

impl Logits {
    /// Rows held.
    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.vocab).unwrap_or(0)
    }

    /// Row `r`'s logits.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.vocab..(r + 1) * self.vocab]
    }

    /// Copies a `(rows, vocab)` tensor in, reusing the buffer.
    pub fn fill(&mut self, t: &Tensor) -> Result<()> {
        let (_, vocab) = t.dims2()?;
        let t = t.to_dtype(DType::F32)?.contiguous()?;
        self.vocab = vocab;
        self.data.clear();
        let (storage, layout) = t.storage_and_layout();
        match &*storage {
            candle_core::Storage::Cpu(cpu) => {
                let all = cpu.as_slice::<f32>()?;
                let start = layout.start_offset();
                self.data
                    .extend_from_slice(&all[start..start + t.elem_count()]);
            }
            _ => {
                drop(storage);
                self.data
                    .extend_from_slice(&t.flatten_all()?.to_vec1::<f32>()?);
            }
        }
        Ok(())
    }

    /// Repeats the single row held `n` times (a shared prompt's logits for `n` samples).
    fn repeat_row(&mut self, n: usize) {
        let v = self.vocab;
        self.data.truncate(v);
        for _ in 1..n {
            self.data.extend_from_within(..v);
        }
    }
}

impl Lm for Qwen2Model {
    fn arch(&self) -> String {
        "qwen2".into()
    }
    fn max_positions(&self) -> usize {
        Qwen2Model::max_positions(self)
    }
    fn prefill(&mut self, prompt: &[u32], n: usize, out: &mut Logits) -> Result<()> {
        self.reset();
        let mut logits = None;
        for chunk in prompt.chunks(self.prefill_chunk()) {
            logits = Some(self.forward(chunk, 1, false)?);
        }
        let logits = logits.expect("prompt is not empty");
        self.expand_batch(n)?;
        out.fill(&logits)?;
        out.repeat_row(n);
        Ok(())
    }
    fn step(&mut self, tokens: &[u32], out: &mut Logits) -> Result<()> {
        out.fill(&self.forward(tokens, tokens.len(), false)?)
    }
    fn retain(&mut self, keep: &[usize]) -> Result<bool> {
        Qwen2Model::retain(self, keep)?;
        Ok(true)
    }
    fn batches(&self) -> bool {
        true
    }
    fn on_gpu(&self) -> bool {
        self.device().is_cuda()
    }
}

/// What one call produced, with the raw token ids (for tests and benchmarks).
#[derive(Debug, Clone)]
pub struct Output {
    pub generations: Vec<Generation>,
    pub usage: Usage,
    pub token_ids: Vec<Vec<u32>>,
    /// Seconds spent in the prompt prefill.
    pub prefill_seconds: f64,
}

/// The candle backend.
pub struct CandleGenerator {
    lm: Box<dyn Lm>,
    tok: ChatTokenizer,
    label: String,
    /// The decode loop's logits buffer, kept between calls.
    logits: Logits,
}

struct Seq {
    sampler: Sampler,
    detok: Detokenizer,
    scan: StopScanner,
    loops: LoopDetector,
    text: String,
    ids: Vec<u32>,
    stop: Option<StopReason>,
}

fn check_params(p: &SamplingParams) -> Result<()> {
    if !(p.temperature.is_finite() && p.temperature >= 0.0) {
        bail!(
            "temperature must be a finite number ≥ 0, got {}",
            p.temperature
        );
    }
    if !(p.top_p > 0.0 && p.top_p <= 1.0) {
        bail!("top_p must be in (0, 1], got {}", p.top_p);
    }
    if p.top_k == Some(0) {
        bail!("top_k must be ≥ 1 (omit it to turn top-k off)");
    }
    if p.n == 0 || p.n > MAX_N {
        bail!("n must be between 1 and {MAX_N}, got {}", p.n);
    }
    Ok(())
}

impl CandleGenerator {
    pub fn new(lm: Box<dyn Lm>, tok: ChatTokenizer, label: String) -> Self {
        Self {
            lm,
            tok,
            label,
            logits: Logits::default(),
        }
    }

    pub fn tokenizer(&self) -> &ChatTokenizer {
        &self.tok
    }

    /// The language model under the decode loop (for measurements).
    pub fn lm_mut(&mut self) -> &mut dyn Lm {
        self.lm.as_mut()
    }

    /// Generates from prompt ids (already templated).
    pub fn generate_ids(
        &mut self,
        prompt: &[u32],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<Output> {
        check_params(params)?;
        let n = params.n;
        let max_pos = self.lm.max_positions();
        if prompt.is_empty() {
            bail!("empty prompt");
        }
        if prompt.len() >= max_pos {
            bail!(
                "the prompt has {} tokens but the model holds at most {max_pos} positions",
                prompt.len()
            );
        }
        let max_new = params.max_tokens.min(max_pos - prompt.len());
        let mut seqs: Vec<Seq> = (0..n)
            .map(|i| Seq {
                sampler: Sampler::new(
                    sequence_seed(params.seed, i),
                    params.temperature,
                    params.top_p,
                    params.top_k,
                ),
                detok: Detokenizer::default(),
                scan: StopScanner::new(&params.stop),
                loops: LoopDetector::new(),
                text: String::new(),
                ids: Vec::new(),
                stop: None,
            })
            .collect();
        // One batch of all n sequences, or one sequence at a time for backends that cannot
        // batch a shared prompt.
        let groups: Vec<Vec<usize>> = if n == 1 || self.lm.batches() {
            vec![(0..n).collect()]
        } else {
            (0..n).map(|i| vec![i]).collect()
        };
        let mut prefill_seconds = 0.0;
        let mut decode_seconds = 0.0;
        let mut cancelled = false;
        for group in groups {
            if cancelled {
                break;
            }
            if max_new == 0 {
                for si in group {
                    seqs[si].stop = Some(StopReason::MaxTokens);
                    let done = GenEvent::Done {
                        seq: si,
                        stop: StopReason::MaxTokens,
                    };
                    if on_event(done).is_break() {
                        cancelled = true;
                    }
                }
                continue;
            }
            let t0 = Instant::now();
            let mut logits = std::mem::take(&mut self.logits);
            self.lm.prefill(prompt, group.len(), &mut logits)?;
            prefill_seconds += t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let r = self.decode_group(&mut seqs, &group, &mut logits, max_new, on_event);
            self.logits = logits;
            cancelled = r?;
            decode_seconds += t1.elapsed().as_secs_f64();
        }
        if cancelled {
            for (i, s) in seqs.iter_mut().enumerate() {
                if s.stop.is_none() {
                    s.stop = Some(StopReason::Cancelled);
                    let _ = on_event(GenEvent::Done {
                        seq: i,
                        stop: StopReason::Cancelled,
                    });
                }
            }
        }
        let completion: usize = seqs.iter().map(|s| s.ids.len()).sum();
        let usage = Usage {
            prompt_tokens: prompt.len(),
            completion_tokens: completion,
            tokens_per_second: if decode_seconds > 0.0 {
                completion as f64 / decode_seconds
            } else {
                0.0
            },
        };
        let token_ids = seqs.iter().map(|s| s.ids.clone()).collect();
        let generations = seqs
            .into_iter()
            .map(|s| Generation {
                completion_tokens: s.ids.len(),
                text: s.text,
                stop: s.stop.unwrap_or(StopReason::Cancelled),
            })
            .collect();
        Ok(Output {
            generations,
            usage,
            token_ids,
            prefill_seconds,
        })
    }

    /// Decodes the sequences `group` (already prefilled, one cache row each, next-token
    /// `logits` per row) until all stop. Returns whether the caller cancelled.
    fn decode_group(
        &mut self,
        seqs: &mut [Seq],
        group: &[usize],
        logits: &mut Logits,
        max_new: usize,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<bool> {
        // Batch row -> sequence (None: finished, still fed because the backend keeps rows).
        let mut row_seq: Vec<Option<usize>> = group.iter().map(|&i| Some(i)).collect();
        let mut cancelled = false;
        let mut feed = Vec::with_capacity(row_seq.len());
        while !row_seq.is_empty() {
            feed.clear();
            for (r, slot) in row_seq.iter().enumerate() {
                if cancelled {
                    break;
                }
                let Some(si) = *slot else {
                    feed.push(0);
                    continue;
                };
                let s = &mut seqs[si];
                let tok = s.sampler.sample(logits.row(r));
                feed.push(tok);
                let mut emit = String::new();
                if self.tok.eos_ids.contains(&tok) {
                    s.stop = Some(StopReason::Eos);
                } else {
                    s.ids.push(tok);
                    let piece = s.detok.push(&self.tok, tok)?;
                    let scan = s.scan.push(&piece);
                    emit.push_str(&scan.emit);
                    if scan.stopped {
                        s.stop = Some(StopReason::StopString);
                    } else if s.loops.push(tok).is_some() {
                        s.stop = Some(StopReason::LoopDetected);
                    } else if s.ids.len() >= max_new {
                        s.stop = Some(StopReason::MaxTokens);
                    }
                }
                if matches!(
                    s.stop,
                    Some(StopReason::Eos | StopReason::MaxTokens | StopReason::LoopDetected)
                ) {
                    // Flush what the detokenizer and the stop scanner still hold.
                    let rest = s.detok.finish(&self.tok)?;
                    let scan = s.scan.push(&rest);
                    emit.push_str(&scan.emit);
                    if scan.stopped {
                        s.stop = Some(StopReason::StopString);
                    } else {
                        emit.push_str(&s.scan.finish());
                    }
                }
                if !emit.is_empty() {
                    s.text.push_str(&emit);
                    if on_event(GenEvent::Text {
                        seq: si,
                        text: emit,
                    })
                    .is_break()
                    {
                        cancelled = true;
                    }
                }
                if let Some(stop) = s.stop {
                    if on_event(GenEvent::Done { seq: si, stop }).is_break() {
                        cancelled = true;
                    }
                }
            }
            if cancelled {
                break;
            }
            // Drop finished rows.
            for slot in row_seq.iter_mut() {
                if let Some(si) = *slot {
                    if seqs[si].stop.is_some() {
                        *slot = None;
                    }
                }
            }
            if row_seq.iter().all(|s| s.is_none()) {
                break;
            }
            let keep: Vec<usize> = (0..row_seq.len())
                .filter(|&r| row_seq[r].is_some())
                .collect();
            if keep.len() < row_seq.len() && self.lm.retain(&keep)? {
                feed = keep.iter().map(|&r| feed[r]).collect();
                row_seq = keep.iter().map(|&r| row_seq[r]).collect();
            }
            self.lm.step(&feed, logits)?;
        }
        Ok(cancelled)
    }
}

impl Generator for CandleGenerator {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            batched: self.lm.batches(),
            gpu: self.lm.on_gpu(),
            streaming: true,
        }
    }

    fn generate(
        &mut self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> Result<(Vec<Generation>, Usage)> {
        let prompt = self.tok.encode_chat(messages)?;
        let out = self.generate_ids(&prompt, params, on_event)?;
        Ok((out.generations, out.usage))
    }
}

/// Extra stop ids from `generation_config.json` (`eos_token_id`: a number or a list).
fn generation_eos(dir: &Path) -> Result<Vec<u32>> {
    let p = dir.join("generation_config.json");
    if !p.exists() {
        return Ok(vec![]);
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p)?)
        .with_context(|| format!("parsing {}", p.display()))?;
    Ok(match v.get("eos_token_id") {
        Some(serde_json::Value::Number(n)) => n.as_u64().map(|x| x as u32).into_iter().collect(),
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_u64())
            .map(|x| x as u32)
            .collect(),
        _ => vec![],
    })
}

/// Loads the tokenizer of a Hugging Face directory.
pub fn load_hf_tokenizer(dir: &Path) -> Result<ChatTokenizer> {
    let tj = dir.join("tokenizer.json");
    if !tj.exists() {
        bail!("{} has no tokenizer.json", dir.display());
    }
    ChatTokenizer::from_file(&tj, &generation_eos(dir)?)
}

/// Loads our Qwen2 model from a Hugging Face directory (config.json + safetensors), computing
/// in `dtype` (on the CPU, candle multiplies bf16 by widening to f32: correct, not fast).
pub fn load_hf_model(dir: &Path, device: &Device, dtype: DType) -> Result<Qwen2Model> {
    let cfg = Qwen2Config::from_file(&dir.join("config.json"))?;
    if !matches!(dtype, DType::F32 | DType::F16 | DType::BF16) {
        bail!("compute dtype {dtype:?} is not supported (f32, f16 and bf16 are)");
    }
    let tensors = qwen2::load_safetensors(dir)?;
    Qwen2Model::new(&cfg, Weights::new(tensors, dtype, device))
}

/// Whether the directory's chat template (tokenizer_config.json) is ChatML, the format this
/// engine renders. `None` when there is no template.
pub fn chat_template_is_chatml(dir: &Path) -> Result<Option<bool>> {
    let p = dir.join("tokenizer_config.json");
    if !p.exists() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p)?)
        .with_context(|| format!("parsing {}", p.display()))?;
    Ok(v.get("chat_template")
        .and_then(|t| t.as_str())
        .map(|t| t.contains(super::chat::IM_START) && t.contains(super::chat::IM_END)))
}

/// Loads a Hugging Face Qwen2 directory as a generator.
pub fn load_hf(dir: &Path, device: &Device, dtype: DType) -> Result<CandleGenerator> {
    if chat_template_is_chatml(dir)? == Some(false) {
        tracing::warn!(
            "model: the chat template in {} is not ChatML; prompts are rendered as ChatML",
            dir.join("tokenizer_config.json").display()
        );
    }
    let tok = load_hf_tokenizer(dir)?;
    let model = load_hf_model(dir, device, dtype)?;
    if tok.vocab_size() > model.config().vocab_size {
        bail!(
            "tokenizer has {} tokens but the model's vocab_size is {}",
            tok.vocab_size(),
            model.config().vocab_size
        );
    }
    Ok(CandleGenerator::new(
        Box::new(model),
        tok,
        "candle:qwen2".into(),
    ))
}

/// Loads a GGUF file (`qwen2` or `llama` architecture) as a generator. A `tokenizer.json` next to
/// the file wins; otherwise the tokenizer is rebuilt from the GGUF metadata.
pub fn load_gguf(path: &Path, device: &Device) -> Result<CandleGenerator> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let content = gguf_file::Content::read(&mut f)
        .map_err(|e| anyhow::anyhow!("{} is not a readable GGUF file: {e}", path.display()))?;
    let arch = content
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .cloned()
        .unwrap_or_default();
    let beside = path.parent().map(|d| d.join("tokenizer.json"));
    let tok = match beside {
        Some(p) if p.exists() => ChatTokenizer::from_file(&p, &[])?,
        _ => ChatTokenizer::from_gguf(&content.metadata)?,
    };
    if !matches!(arch.as_str(), "qwen2" | "llama") {
        bail!(
            "{}: GGUF architecture {arch:?} is not supported (qwen2 and llama are)",
            path.display()
        );
    }
    let model = match super::gguf::convert_for_cpu(&content, &mut f, device)? {
        Some((converted, mut mem)) => super::gguf::load_model(&converted, &mut mem, &arch, device),
        None => super::gguf::load_model(&content, &mut f, &arch, device),
    }
    .with_context(|| format!("loading {}", path.display()))?;
    if tok.vocab_size() > model.config().vocab_size {
        bail!(
            "{}: the tokenizer has {} tokens but the model embeds {}",
            path.display(),
            tok.vocab_size(),
            model.config().vocab_size
        );
    }
    Ok(CandleGenerator::new(
        Box::new(model),
        tok,
        format!("candle-gguf:{arch}"),
    ))
}
