//! Model flags shared by `generate`, `solve` and `serve`, and turning them into a
//! [`Generator`](crate::model::Generator).

use crate::model::{BackendSpec, DtypeChoice, SamplingParams};
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
    /// Compute dtype of local safetensors weights: auto = bf16 on GPUs of compute capability
    /// 8.0+, f16 on older GPUs (T4), f32 on the CPU.
    #[arg(long, default_value = "auto", value_parser = parse_dtype)]
    pub dtype: DtypeChoice,
}

/// `--dtype` values, listed in the error for an unknown one.
fn parse_dtype(s: &str) -> Result<DtypeChoice, String> {
    s.parse()
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

/// What to tell a user who gave no model.
pub const NO_MODEL_HELP: &str = "no model given. Use one of:\n  \
--model DIR        a Hugging Face Qwen2 directory, e.g. VibeThinker-1.5B:\n                       \
huggingface-cli download WeiboAI/VibeThinker-1.5B --local-dir VibeThinker-1.5B\n                       \
(https://huggingface.co/WeiboAI/VibeThinker-1.5B), then --model VibeThinker-1.5B\n  \
--model FILE.gguf  a GGUF file (qwen2 or llama); the offline demo model (SmolLM2-135M, a plumbing\n                       \
demo, not a reasoner) is installed by: tools/get-demo-model.sh  (prints its path)\n  \
--openai-url URL   an OpenAI-compatible server (vLLM, SGLang), e.g. http://127.0.0.1:8000/v1,\n                       \
with --openai-model NAME; API key from VIBECHECK_OPENAI_API_KEY or OPENAI_API_KEY\n\
(or set VIBECHECK_MODEL / VIBECHECK_OPENAI_URL)";

impl ModelArgs {
    /// The backend these flags name (`--model` wins over `--openai-url`), if any.
    pub fn backend(&self) -> Option<BackendSpec> {
        if let Some(path) = &self.model {
            return Some(BackendSpec::Local {
                path: path.clone(),
                cpu: self.cpu,
                dtype: self.dtype,
            });
        }
        self.openai_url.as_ref().map(|url| BackendSpec::OpenAi {
            url: url.clone(),
            model: self.openai_model.clone(),
        })
    }

    /// Builds the generator these flags describe, with progress lines for loading local weights.
    pub fn build(&self) -> anyhow::Result<Box<dyn crate::model::Generator>> {
        let Some(spec) = self.backend() else {
            anyhow::bail!("{NO_MODEL_HELP}")
        };
        if let BackendSpec::Local { path, dtype, .. } = &spec {
            eprintln!(
                "model: loading {} on {:?} (dtype {dtype})",
                path.display(),
                spec.device()?
            );
            let t = std::time::Instant::now();
            let g = spec.open()?;
            eprintln!(
                "model: {} loaded in {:.1}s",
                g.name(),
                t.elapsed().as_secs_f64()
            );
            return Ok(g);
        }
        spec.open()
    }
}
