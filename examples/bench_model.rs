//! Model-engine benchmark (driven by `tools/bench-model`; not a test): prefill and decode tok/s
//! of our Qwen2 engine on a model with VibeThinker-1.5B's shape and random weights, plus the
//! same for candle-transformers' own `qwen2` (the baseline it replaces) and a sampler
//! micro-benchmark (our partial-selection top-p vs candle's `LogitsProcessor`). Prints one JSON
//! object on stdout; progress on stderr.
//!
//! `cargo run --release --example bench_model -- [--layers N] [--prompt N] [--decode N]
//!  [--batch N] [--skip-candle]`

use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::time::Instant;
use vibecheck::model::qwen2::{Qwen2Config, Qwen2Model, Weights};
use vibecheck::model::sampler::Sampler;

/// VibeThinker-1.5B's shape (Qwen2.5-Math-1.5B): the numbers that set the cost per token.
fn vibethinker_config(layers: usize) -> Qwen2Config {
    Qwen2Config {
        vocab_size: 151_936,
        hidden_size: 1536,
        intermediate_size: 8960,
        num_hidden_layers: layers,
        num_attention_heads: 12,
        num_key_value_heads: 2,
        max_position_embeddings: 40_960,
        rope_theta: 10_000.0,
        rms_norm_eps: 1e-6,
        tie_word_embeddings: true,
        hidden_act: "silu".into(),
        architectures: vec!["Qwen2ForCausalLM".into()],
        model_type: Some("qwen2".into()),
    }
}

/// Random weights named like the HF checkpoint. Embeddings get std 0.1 (the rest 0.02) so the
/// tied LM head gives peaked, realistic next-token distributions rather than a flat one.
fn random_weights(cfg: &Qwen2Config) -> candle_core::Result<HashMap<String, Tensor>> {
    let d = Device::Cpu;
    let (h, i, v) = (cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size);
    let hd = cfg.head_dim();
    let (nq, nkv) = (cfg.num_attention_heads * hd, cfg.num_key_value_heads * hd);
    let mut m = HashMap::new();
    let r = |shape: &[usize], std: f32| Tensor::randn(0f32, std, shape, &d);
    m.insert("model.embed_tokens.weight".into(), r(&[v, h], 0.1)?);
    m.insert("model.norm.weight".into(), Tensor::ones(h, DType::F32, &d)?);
    for l in 0..cfg.num_hidden_layers {
        let p = format!("model.layers.{l}.");
        for (name, shape) in [
            ("self_attn.q_proj.weight", vec![nq, h]),
            ("self_attn.k_proj.weight", vec![nkv, h]),
            ("self_attn.v_proj.weight", vec![nkv, h]),
            ("self_attn.o_proj.weight", vec![h, nq]),
            ("mlp.gate_proj.weight", vec![i, h]),
            ("mlp.up_proj.weight", vec![i, h]),
            ("mlp.down_proj.weight", vec![h, i]),
        ] {
            m.insert(format!("{p}{name}"), r(&shape, 0.02)?);
        }
        for (name, n) in [
            ("self_attn.q_proj.bias", nq),
            ("self_attn.k_proj.bias", nkv),
            ("self_attn.v_proj.bias", nkv),
        ] {
            m.insert(format!("{p}{name}"), r(&[n], 0.02)?);
        }
        for name in ["input_layernorm.weight", "post_attention_layernorm.weight"] {
            m.insert(format!("{p}{name}"), Tensor::ones(h, DType::F32, &d)?);
        }
    }
    Ok(m)
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("numeric flag"))
        .unwrap_or(default)
}

fn prompt_ids(n: usize, vocab: usize) -> Vec<u32> {
    (0..n).map(|i| ((i * 7919 + 13) % vocab) as u32).collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let layers = arg(&args, "--layers", 28);
    let prompt_len = arg(&args, "--prompt", 256);
    let decode = arg(&args, "--decode", 32);
    let batch = arg(&args, "--batch", 1);
    let skip_candle = args.iter().any(|a| a == "--skip-candle");
    let cfg = vibethinker_config(layers);
    let prompt = prompt_ids(prompt_len, cfg.vocab_size);
    let threads = candle_core::utils::get_num_threads();
    eprintln!(
        "bench-model: VibeThinker-1.5B shape, {layers} layers, f32 CPU, {threads} threads, \
         prompt {prompt_len}, decode {decode}, batch {batch}"
    );

    // Baseline: candle-transformers' qwen2 (Tensor::cat KV cache, repeat_kv) with candle's
    // LogitsProcessor (full softmax + sort for top-p).
    let mut baseline = serde_json::Value::Null;
    if !skip_candle {
        let t = Instant::now();
        let vb =
            candle_nn::VarBuilder::from_tensors(random_weights(&cfg)?, DType::F32, &Device::Cpu);
        let ccfg = candle_transformers::models::qwen2::Config {
            vocab_size: cfg.vocab_size,
            hidden_size: cfg.hidden_size,
            intermediate_size: cfg.intermediate_size,
            num_hidden_layers: layers,
            num_attention_heads: cfg.num_attention_heads,
            num_key_value_heads: cfg.num_key_value_heads,
            max_position_embeddings: cfg.max_position_embeddings,
            sliding_window: cfg.max_position_embeddings,
            max_window_layers: layers,
            tie_word_embeddings: true,
            rope_theta: cfg.rope_theta,
            rms_norm_eps: cfg.rms_norm_eps,
            use_sliding_window: false,
            hidden_act: candle_nn::Activation::Silu,
        };
        let mut m = candle_transformers::models::qwen2::ModelForCausalLM::new(&ccfg, vb)?;
        eprintln!(
            "bench-model: candle qwen2 built in {:.1}s",
            t.elapsed().as_secs_f64()
        );
        let mut lp = candle_transformers::generation::LogitsProcessor::from_sampling(
            1,
            candle_transformers::generation::Sampling::TopP {
                p: 0.95,
                temperature: 0.6,
            },
        );
        let ids = Tensor::from_slice(&prompt, (1, prompt.len()), &Device::Cpu)?;
        let t = Instant::now();
        let logits = m.forward(&ids, 0)?;
        let prefill = t.elapsed().as_secs_f64();
        let mut tok = lp.sample(&logits.squeeze(0)?.squeeze(0)?)?;
        let t = Instant::now();
        for step in 0..decode {
            let x = Tensor::new(&[[tok]], &Device::Cpu)?;
            let logits = m.forward(&x, prompt.len() + step)?;
            tok = lp.sample(&logits.squeeze(0)?.squeeze(0)?)?;
        }
        let dec = t.elapsed().as_secs_f64();
        eprintln!(
            "bench-model: candle qwen2: prefill {:.1} tok/s, decode {:.2} tok/s",
            prompt.len() as f64 / prefill,
            decode as f64 / dec
        );
        baseline = serde_json::json!({
            "prefill_tok_s": prompt.len() as f64 / prefill,
            "decode_tok_s": decode as f64 / dec,
        });
    }

    // Ours.
    let t = Instant::now();
    let w = Weights::new(random_weights(&cfg)?, DType::F32, &Device::Cpu);
    let mut m = Qwen2Model::new(&cfg, w)?;
    eprintln!(
        "bench-model: ours built in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let mut sampler = Sampler::new(1, 0.6, 0.95, None);
    let t = Instant::now();
    let logits = m.forward(&prompt, 1, false)?;
    let prefill = t.elapsed().as_secs_f64();
    m.expand_batch(batch)?;
    let row: Vec<f32> = logits.to_vec2::<f32>()?.remove(0);
    let mut toks = vec![sampler.sample(&row); batch];
    let mut rows_seen: Vec<Vec<f32>> = vec![row];
    let t = Instant::now();
    for _ in 0..decode {
        let rows = m.forward(&toks, batch, false)?.to_vec2::<f32>()?;
        for (b, r) in rows.iter().enumerate() {
            toks[b] = sampler.sample(r);
        }
        if rows_seen.len() < 8 {
            rows_seen.push(rows[0].clone());
        }
    }
    let dec = t.elapsed().as_secs_f64();
    let ours_prefill = prompt.len() as f64 / prefill;
    let ours_decode = (decode * batch) as f64 / dec;
    eprintln!("bench-model: ours: prefill {ours_prefill:.1} tok/s, decode {ours_decode:.2} tok/s");

    // Sampler micro-benchmark on the model's own logits rows (top-p 0.95, temperature 0.6).
    let reps = 50;
    let t = Instant::now();
    let mut s = Sampler::new(2, 0.6, 0.95, None);
    for _ in 0..reps {
        for r in &rows_seen {
            std::hint::black_box(s.sample(r));
        }
    }
    let ours_ms = t.elapsed().as_secs_f64() * 1e3 / (reps * rows_seen.len()) as f64;
    let mut lp = candle_transformers::generation::LogitsProcessor::from_sampling(
        2,
        candle_transformers::generation::Sampling::TopP {
            p: 0.95,
            temperature: 0.6,
        },
    );
    let tensors: Vec<Tensor> = rows_seen
        .iter()
        .map(|r| Tensor::from_slice(r, r.len(), &Device::Cpu))
        .collect::<candle_core::Result<_>>()?;
    let t = Instant::now();
    for _ in 0..reps {
        for r in &tensors {
            std::hint::black_box(lp.sample(r)?);
        }
    }
    let candle_ms = t.elapsed().as_secs_f64() * 1e3 / (reps * tensors.len()) as f64;
    eprintln!("bench-model: sampler: ours {ours_ms:.3} ms/token, candle LogitsProcessor {candle_ms:.3} ms/token");

    println!(
        "{}",
        serde_json::json!({
            "engine": "vibecheck",
            "layers": layers, "prompt": prompt_len, "decode": decode, "batch": batch,
            "threads": threads, "dtype": "f32",
            "prefill_tok_s": ours_prefill, "decode_tok_s": ours_decode,
            "candle_qwen2": baseline,
            "sampler_ms_per_token": {"ours": ours_ms, "candle_logits_processor": candle_ms},
        })
    );
    Ok(())
}
