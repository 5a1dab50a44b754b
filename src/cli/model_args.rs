//! Model flags shared by `generate`, `solve` and `serve`, and turning them into a
//! [`Generator`](crate::model::Generator).

use crate::model::SamplingParams;
use std::path::PathBuf;

/// Model selection and sampling flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// A Hugging Face model directory (config.json, tokenizer.json, *.safetensors) or a .gguf file.
    #[arg(long, env = "VIBECHECK_MODEL")]
    pub model: Option<PathBuf>,
    /// Base URL of an OpenAI-compatible server (vLLM, SGLang), e.g. http://127.0.0.1:8000/v1.
    #[arg(long, env = "VIBECHECK_OPENAI_URL")]
    pub openai_url: Option<String>,
    /// Model name to request from the OpenAI-compatible server.
    #[arg(long, default_value = "VibeThinker-1.5B")]
    pub openai_model: String,
    /// Maximum new tokens per sequence.
    #[arg(long, default_value_t = 40_960)]
    pub max_tokens: usize,
    /// Sampling temperature (0 = greedy).
    #[arg(long, default_value_t = 0.6)]
    pub temperature: f64,
    /// Nucleus sampling threshold.
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f64,
    /// Top-k cutoff (off by default).
    #[arg(long)]
    pub top_k: Option<usize>,
    /// RNG seed, so runs reproduce.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Force the CPU even when built with CUDA.
    #[arg(long)]
    pub cpu: bool,
}

impl ModelArgs {
    /// The sampling parameters these flags describe (n = 1).
    pub fn sampling(&self) -> SamplingParams {
        SamplingParams {
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k,
            max_tokens: self.max_tokens,
            seed: self.seed,
            stop: vec![],
            n: 1,
        }
    }
}
