//! `vibecheck model-check` (hidden): measurements of the local Qwen2 engine for
//! tools/gpu-check.sh, printed as JSON on stdout — prompt logits in a given dtype (compared
//! with transformers' reference by the script) and decode speed at a given context and batch.

use crate::model::probe;
use crate::model::{dtype, Device, DtypeChoice};
use std::path::PathBuf;

/// Arguments of `vibecheck model-check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// Flags shared by both measurements.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// A Hugging Face Qwen2 directory (config.json + safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// Compute dtype (auto: bf16 on sm_80+, f16 on older GPUs, f32 on the CPU).
    #[arg(long, default_value = "auto", value_parser = |s: &str| s.parse::<DtypeChoice>())]
    pub dtype: DtypeChoice,
    /// Run on the CPU even when built with CUDA.
    #[arg(long)]
    pub cpu: bool,
}

/// The measurement to take.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Logits of every position of the `prompts[].ids` in a reference.json, and greedy ids.
    Logits {
        #[command(flatten)]
        common: Common,
        /// A reference.json as tools/make-tiny-qwen2.py writes it.
        #[arg(long)]
        reference: PathBuf,
        /// Greedy tokens per prompt.
        #[arg(long, default_value_t = 24)]
        greedy: usize,
    },
    /// Prefill `--context` tokens, then time `--steps` decode steps of `--batch` rows (a
    /// `.gguf` `--model` runs candle's quantized model, batch 1).
    Decode {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 1024)]
        context: usize,
        #[arg(long, default_value_t = 1)]
        batch: usize,
        #[arg(long, default_value_t = 64)]
        steps: usize,
    },
}

fn device(c: &Common) -> anyhow::Result<Device> {
    crate::model::spec::open_device(c.cpu)
}

/// Runs `vibecheck model-check`; returns the exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let out = match args.what {
        What::Logits {
            common,
            reference,
            greedy,
        } => {
            let dev = device(&common)?;
            let dt = dtype::resolve(common.dtype, &dev)?;
            let text = std::fs::read_to_string(&reference)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", reference.display()))?;
            let r: serde_json::Value = serde_json::from_str(&text)?;
            let prompts: Vec<Vec<u32>> = r["prompts"]
                .as_array()
                .ok_or_else(|| anyhow::anyhow!("{} has no prompts", reference.display()))?
                .iter()
                .map(|p| serde_json::from_value(p["ids"].clone()))
                .collect::<Result<_, _>>()?;
            let mut m = crate::model::engine::load_hf_model(&common.model, &dev, dt)?;
            let res = probe::prompt_logits(&mut m, &prompts, greedy)?;
            serde_json::json!({
                "dtype": format!("{dt:?}").to_lowercase(),
                "device": if dev.is_cuda() { "cuda" } else { "cpu" },
                "prompts": res,
            })
        }
        What::Decode {
            common,
            context,
            batch,
            steps,
        } => {
            let dev = device(&common)?;
            let b = if common.model.is_dir() {
                let dt = dtype::resolve(common.dtype, &dev)?;
                probe::decode_bench(&common.model, &dev, dt, context, batch, steps)?
            } else {
                let mut g = crate::model::load_with(&common.model, &dev, common.dtype)?;
                let vocab = g.tokenizer().vocab_size();
                let mut b = probe::bench_lm(g.lm_mut(), vocab, context, batch, steps)?;
                b.dtype = "gguf".into();
                b
            };
            serde_json::to_value(b)?
        }
    };
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, format!("{out}\n").as_bytes())?;
    Ok(crate::exit::GOOD)
}
