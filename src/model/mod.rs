//! Model backends behind one small [`Generator`] trait: chat messages and sampling parameters
//! in, a stream of [`GenEvent`]s out, finished [`Generation`]s returned.
//!
//! Backends never call verifiers; only the agent joins the two.

pub mod chat;
pub mod dtype;
pub mod engine;
pub mod error;
pub mod gguf;
pub mod openai;
pub mod probe;
pub mod qwen2;
pub mod sampler;
pub mod spec;
pub mod stop;

pub use candle_core::Device;
pub use dtype::DtypeChoice;
pub use engine::CandleGenerator;
pub use error::ModelError;
pub use openai::OpenAiGenerator;
pub use spec::BackendSpec;
pub use vibecheck_kernels::{attn, gemv, quant};

use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::path::Path;

/// Loads local weights: a Hugging Face Qwen2 directory (config.json, tokenizer.json,
/// safetensors, single or sharded) or a `.gguf` file (`qwen2` or `llama`), computing in the
/// dtype `auto` picks for the device (see [`dtype`]).
pub fn load(path: &Path, device: Device) -> Result<Box<dyn Generator>, ModelError> {
    Ok(Box::new(load_candle(path, &device)?))
}

/// [`load`], returning the concrete candle generator.
pub fn load_candle(path: &Path, device: &Device) -> Result<CandleGenerator, ModelError> {
    load_with(path, device, DtypeChoice::Auto)
}

/// [`load_candle`] with an explicit compute dtype. GGUF files compute in their own quantized
/// formats, so only `auto` and `f32` are accepted for them.
pub fn load_with(
    path: &Path,
    device: &Device,
    dtype: DtypeChoice,
) -> Result<CandleGenerator, ModelError> {
    if path.is_dir() {
        let dt = dtype::resolve(dtype, device)?;
        Ok(engine::load_hf(path, device, dt)?)
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
    {
        if !matches!(dtype, DtypeChoice::Auto | DtypeChoice::F32) {
            return Err(ModelError::Dtype {
                requested: dtype.to_string(),
                device: format!("{} (a GGUF file)", path.display()),
                reason: "GGUF models compute in their quantized formats; --dtype applies to \
                         safetensors directories"
                    .into(),
            });
        }
        Ok(engine::load_gguf(path, device)?)
    } else if path.exists() {
        Err(ModelError::NotAModel(path.to_path_buf()))
    } else {
        Err(ModelError::NotFound(path.to_path_buf()))
    }
}

/// Who wrote a chat message (serialised as in the OpenAI API: `system`, `user`, `assistant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    /// The wire and ChatML name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire name (`role == "system"`).
impl PartialEq<&str> for Role {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Sampling parameters. Defaults follow VibeThinker's README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingParams {
    /// 0 means greedy.
    pub temperature: f64,
    pub top_p: f64,
    /// `None`: top-k off.
    pub top_k: Option<usize>,
    /// Upper bound on generated tokens per sequence (VibeThinker writes up to 40,960).
    pub max_tokens: usize,
    /// Seed for the sampler's RNG, so runs reproduce.
    pub seed: u64,
    /// Extra stop strings (the chat template's end tokens always stop).
    pub stop: Vec<String>,
    /// Number of sequences to sample for the same prompt.
    pub n: usize,
}

impl Default for SamplingParams {
    fn default() -> Self {
        Self {
            temperature: 0.6,
            top_p: 0.95,
            top_k: None,
            max_tokens: 40_960,
            seed: 0,
            stop: vec![],
            n: 1,
        }
    }
}

/// Why a sequence stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Eos,
    StopString,
    MaxTokens,
    /// The repetition-loop detector fired.
    LoopDetected,
    /// The caller cancelled through the event callback.
    Cancelled,
}

/// Token accounting for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    /// Completion tokens per second of decode time (all sequences together).
    pub tokens_per_second: f64,
}

/// A streamed event.
#[derive(Debug, Clone, PartialEq)]
pub enum GenEvent {
    /// New text for sequence `seq`.
    Text { seq: usize, text: String },
    /// Sequence `seq` finished.
    Done { seq: usize, stop: StopReason },
}

/// One finished sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub text: String,
    pub stop: StopReason,
    pub completion_tokens: usize,
}

/// What a backend can do (mistral.rs-style capability flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// `n > 1` is generated as one batch rather than n sequential runs.
    pub batched: bool,
    /// Runs on a GPU.
    pub gpu: bool,
    /// Text arrives incrementally (otherwise one `Text` event per sequence at the end).
    pub streaming: bool,
}

/// A text generator. Implementations: the candle engine (local weights) and an
/// OpenAI-compatible HTTP client (vLLM, SGLang, …).
pub trait Generator: Send {
    /// A short name for logs and reports, e.g. `candle:qwen2` or `openai:VibeThinker-1.5B`.
    fn name(&self) -> String;

    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// Generate `params.n` completions for `messages`. `on_event` sees every event; returning
    /// `ControlFlow::Break(())` cancels the remaining generation (stop reason `Cancelled`).
    fn generate(
        &mut self,
        messages: &[ChatMessage],
        params: &SamplingParams,
        on_event: &mut dyn FnMut(GenEvent) -> ControlFlow<()>,
    ) -> anyhow::Result<(Vec<Generation>, Usage)>;
}
