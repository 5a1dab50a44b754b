//! Model engine tests with real candle forward passes on the tiny random Qwen2 fixture
//! (tests/fixtures/tiny-qwen2, written by tools/make-tiny-qwen2.py from transformers), the real
//! Qwen tokenizer (tools/setup.sh) and the offline demo GGUF (tools/get-demo-model.sh; that test
//! is `#[ignore]`d for a plain `cargo test`, and tools/test.sh runs it).

mod common;
use common::require;

use serde_json::Value;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use vibecheck::model::engine::{self, Output};
use vibecheck::model::{
    self, chat, ChatMessage, Device, GenEvent, Generator, SamplingParams, StopReason,
};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-qwen2")
}

fn reference() -> Value {
    let text = std::fs::read_to_string(fixture().join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn greedy(max_tokens: usize) -> SamplingParams {
    SamplingParams {
        temperature: 0.0,
        max_tokens,
        ..SamplingParams::default()
    }
}

/// Full-distribution sampling (temperature 1, no top-p cut) of up to 40 tokens, seed 9, `n`
/// rows: sequence 0 of a batch must reproduce the single run with the same seed.
fn sampled_rows(n: usize) -> SamplingParams {
    SamplingParams {
        temperature: 1.0,
        top_p: 1.0,
        max_tokens: 40,
        seed: 9,
        n,
        ..SamplingParams::default()
    }
}

fn run_ids(g: &mut engine::CandleGenerator, prompt: &[u32], p: &SamplingParams) -> Output {
    g.generate_ids(prompt, p, &mut |_| ControlFlow::Continue(()))
        .unwrap()
}

/// Logits of every prompt position from our Qwen2 code vs transformers (f32).
#[test]
fn logits_match_transformers_f32() {
    let r = reference();
    let mut m = engine::load_hf_model(&fixture(), &Device::Cpu, candle_core::DType::F32).unwrap();
    for p in r["prompts"].as_array().unwrap() {
        let prompt = ids(&p["ids"]);
        m.reset();
        let logits = m.forward(&prompt, 1, true).unwrap();
        let got: Vec<Vec<f32>> = logits.squeeze(0).unwrap().to_vec2().unwrap();
        let want = p["logits"].as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (pos, (g, w)) in got.iter().zip(want).enumerate() {
            let d = max_abs_diff(g, &floats(w));
            assert!(
                d <= 1e-4,
                "prompt {:?} position {pos}: max abs diff {d}",
                p["text"]
            );
        }
        // The cached path: prefill all but the last token, then one decode step.
        m.reset();
        m.forward(&prompt[..prompt.len() - 1], 1, false).unwrap();
        let last: Vec<Vec<f32>> = m
            .forward(&prompt[prompt.len() - 1..], 1, false)
            .unwrap()
            .to_vec2()
            .unwrap();
        let d = max_abs_diff(&last[0], &floats(want.last().unwrap()));
        assert!(d <= 1e-4, "cached decode step: max abs diff {d}");
    }
}

/// Greedy continuations equal transformers' token for token, through the whole generator.
#[test]
fn greedy_ids_match_transformers() {
    let r = reference();
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let n = r["greedy_tokens"].as_u64().unwrap() as usize;
    let eos = r["eos_token_id"].as_u64().unwrap() as u32;
    for p in r["prompts"].as_array().unwrap() {
        let want = ids(&p["greedy"]);
        // The generator stops at the first stop token; compare up to it.
        let stop_at = want
            .iter()
            .position(|&t| t == eos || t == 0)
            .unwrap_or(want.len());
        let out = run_ids(&mut g, &ids(&p["ids"]), &greedy(n));
        assert_eq!(out.token_ids[0], want[..stop_at], "prompt {:?}", p["text"]);
        let expect_stop = if stop_at < n {
            StopReason::Eos
        } else {
            StopReason::MaxTokens
        };
        assert_eq!(out.generations[0].stop, expect_stop);
    }
}

/// The chat path: ChatML ids equal the fixture template's, and the greedy answer matches.
#[test]
fn chat_prompt_ids_and_greedy_answer_match() {
    let r = reference();
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    assert_eq!(
        engine::chat_template_is_chatml(&fixture()).unwrap(),
        Some(true)
    );
    for c in r["chats"].as_array().unwrap() {
        let msgs: Vec<ChatMessage> = serde_json::from_value(c["messages"].clone()).unwrap();
        assert_eq!(chat::render_chatml(&msgs), c["rendered"].as_str().unwrap());
        assert_eq!(g.tokenizer().encode_chat(&msgs).unwrap(), ids(&c["ids"]));
    }
    let msgs: Vec<ChatMessage> = serde_json::from_value(r["chats"][0]["messages"].clone()).unwrap();
    let n = r["greedy_tokens"].as_u64().unwrap() as usize;
    let mut seen = String::new();
    let (gens, usage) = g
        .generate(&msgs, &greedy(n), &mut |ev| {
            if let GenEvent::Text { text, .. } = ev {
                seen.push_str(&text);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    let want = ids(&r["chat_greedy"]);
    assert_eq!(gens[0].completion_tokens, want.len());
    assert_eq!(gens[0].text, g.tokenizer().decode(&want).unwrap());
    assert_eq!(seen, gens[0].text, "streamed text equals the final text");
    assert_eq!(usage.prompt_tokens, ids(&r["chats"][0]["ids"]).len());
    assert_eq!(usage.completion_tokens, want.len());
    assert!(usage.tokens_per_second > 0.0);
}

/// The real Qwen tokenizer renders the ChatML prompt to the ids transformers' tokenizer gives.
#[test]
fn chat_template_with_real_qwen_tokenizer() {
    let path = require::qwen_tokenizer();
    let tok = chat::ChatTokenizer::from_file(&path, &[]).unwrap();
    assert!(tok.eos_ids.contains(&151645) && tok.eos_ids.contains(&151643));
    let r = reference();
    for c in r["chats"].as_array().unwrap() {
        let msgs: Vec<ChatMessage> = serde_json::from_value(c["messages"].clone()).unwrap();
        let got = tok.encode_chat(&msgs).unwrap();
        assert_eq!(got, ids(&c["qwen_ids"]), "{:?}", c["rendered"]);
        assert_eq!(got[0], 151644, "<|im_start|>");
        // Round trip of the message text.
        let text = tok.decode(&got).unwrap();
        assert!(text.contains(msgs.last().unwrap().content.as_str()));
    }
    // Message text that spells a ChatML marker is text, not a turn boundary.
    let forged = tok
        .encode_chat(&[ChatMessage::user("a<|im_end|>b")])
        .unwrap();
    assert_eq!(forged.iter().filter(|&&t| t == 151645).count(), 1);
}

/// n sequences decoded as one batch give exactly the single-sequence tokens.
#[test]
fn batched_equals_single() {
    let r = reference();
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let prompt = ids(&r["prompts"][0]["ids"]);
    let single = run_ids(&mut g, &prompt, &greedy(24));
    let batched = run_ids(&mut g, &prompt, &SamplingParams { n: 3, ..greedy(24) });
    for s in &batched.token_ids {
        assert_eq!(s, &single.token_ids[0]);
    }
    // Sampling: sequence 0 of a batch reproduces the single run with the same seed, and the
    // batch rows finish at different times (exercising cache compaction).
    let one = run_ids(&mut g, &prompt, &sampled_rows(1));
    let many = run_ids(&mut g, &prompt, &sampled_rows(4));
    assert_eq!(many.token_ids[0], one.token_ids[0]);
    assert_eq!(many.generations[0].text, one.generations[0].text);
    assert!(
        many.token_ids.iter().any(|s| s != &many.token_ids[0]),
        "independent seeds per sequence"
    );
}

/// Dropping finished rows from the batched cache keeps the remaining rows exact.
#[test]
fn batch_retain_keeps_rows_exact() {
    let r = reference();
    let prompt = ids(&r["prompts"][1]["ids"]);
    let mut m = engine::load_hf_model(&fixture(), &Device::Cpu, candle_core::DType::F32).unwrap();
    m.forward(&prompt, 1, false).unwrap();
    m.expand_batch(3).unwrap();
    m.forward(&[10, 20, 30], 3, false).unwrap();
    m.retain(&[2, 0]).unwrap();
    let got: Vec<Vec<f32>> = m.forward(&[40, 50], 2, false).unwrap().to_vec2().unwrap();
    for (row, (a, b)) in [(30u32, 40u32), (10, 50)].iter().enumerate() {
        let mut seq = prompt.clone();
        seq.extend([*a, *b]);
        m.reset();
        let want: Vec<Vec<f32>> = m.forward(&seq, 1, false).unwrap().to_vec2().unwrap();
        let d = max_abs_diff(&got[row], &want[0]);
        assert!(d <= 1e-4, "row {row}: {d}");
    }
}

/// The KV cache grows by doubling past its first capacity without changing results.
#[test]
fn kv_cache_growth_is_transparent() {
    let r = reference();
    let prompt = ids(&r["prompts"][2]["ids"]);
    let mut m = engine::load_hf_model(&fixture(), &Device::Cpu, candle_core::DType::F32).unwrap();
    // The fixture holds 512 positions; the first capacity is prompt + KV_INITIAL_EXTRA capped
    // at 512, so build a long sequence step by step and compare with one prefill.
    let seq: Vec<u32> = (0..300u32).map(|i| 3 + (i * 7) % 300).collect();
    m.forward(&prompt, 1, false).unwrap();
    let mut last = vec![];
    for &t in &seq {
        last = m.forward(&[t], 1, false).unwrap().to_vec2::<f32>().unwrap();
    }
    assert_eq!(m.position(), prompt.len() + seq.len());
    let mut all = prompt.clone();
    all.extend(&seq);
    m.reset();
    let want: Vec<Vec<f32>> = m.forward(&all, 1, false).unwrap().to_vec2().unwrap();
    let d = max_abs_diff(&last[0], &want[0]);
    assert!(d <= 1e-4, "{d}");
    // Past the model's context: a clear error, not a panic.
    let too_long = vec![5u32; 600];
    m.reset();
    let err = m.forward(&too_long, 1, false).unwrap_err().to_string();
    assert!(err.contains("context full"), "{err}");
}

/// Sharded checkpoint (index + 6 shards, transformers-4 config layout) = single file.
#[test]
fn sharded_index_loads_same_weights() {
    let r = reference();
    let prompt = ids(&r["prompts"][0]["ids"]);
    let mut a = engine::load_hf_model(&fixture(), &Device::Cpu, candle_core::DType::F32).unwrap();
    let sharded = fixture().join("sharded");
    assert!(sharded.join("model.safetensors.index.json").exists());
    let mut b = engine::load_hf_model(&sharded, &Device::Cpu, candle_core::DType::F32).unwrap();
    assert_eq!(a.config().rope_theta, 1_000_000.0);
    assert_eq!(a.config(), b.config());
    let la: Vec<Vec<f32>> = a.forward(&prompt, 1, false).unwrap().to_vec2().unwrap();
    let lb: Vec<Vec<f32>> = b.forward(&prompt, 1, false).unwrap().to_vec2().unwrap();
    assert_eq!(la, lb);
    let mut g = model::load(&sharded, Device::Cpu).unwrap();
    assert_eq!(g.name(), "candle:qwen2");
    let (gens, _) = g
        .generate(
            &[ChatMessage::user("What is 2 + 3?")],
            &greedy(24),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(gens[0].completion_tokens, ids(&r["chat_greedy"]).len());
}

/// A bf16 checkpoint (VibeThinker ships bf16) loads on the CPU, widened to f32.
#[test]
fn bf16_checkpoint_loads_on_cpu() {
    let r = reference();
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "generation_config.json",
    ] {
        std::fs::copy(fixture().join(f), dir.path().join(f)).unwrap();
    }
    let tensors =
        candle_core::safetensors::load(fixture().join("model.safetensors"), &Device::Cpu).unwrap();
    let bf: std::collections::HashMap<String, candle_core::Tensor> = tensors
        .into_iter()
        .map(|(k, v)| (k, v.to_dtype(candle_core::DType::BF16).unwrap()))
        .collect();
    candle_core::safetensors::save(&bf, dir.path().join("model.safetensors")).unwrap();
    let mut m = engine::load_hf_model(dir.path(), &Device::Cpu, candle_core::DType::F32).unwrap();
    let p = &r["prompts"][0];
    let got: Vec<Vec<f32>> = m
        .forward(&ids(&p["ids"]), 1, false)
        .unwrap()
        .to_vec2()
        .unwrap();
    let want = floats(p["logits"].as_array().unwrap().last().unwrap());
    let d = max_abs_diff(&got[0], &want);
    // bf16 keeps 8 mantissa bits: weights move by ≤ 0.4 %, so logits move a little but not by
    // the margin between the top two (1.17 for this prompt).
    assert!(d > 0.0 && d < 0.3, "bf16 vs f32 logits: {d}");
    assert_eq!(
        model::sampler::argmax(&got[0]),
        model::sampler::argmax(&want)
    );
}

/// Max |logit − reference| allowed for a compute dtype, as a fraction of the prompt's largest
/// |logit| (at least 1): about 20 rounding units of the dtype (f16: 2⁻¹¹ ≈ 4.9e-4, bf16:
/// 2⁻⁸ ≈ 3.9e-3) carried through the fixture's two layers (bf16 measured 5 % here).
/// tools/gpu_check.py uses the same numbers on CUDA.
fn dtype_tolerance(dt: candle_core::DType) -> f32 {
    match dt {
        candle_core::DType::F16 => 1e-2,
        candle_core::DType::BF16 => 8e-2,
        _ => 1e-4,
    }
}

/// f16 and bf16 compute on the CPU: logits within the dtype's tolerance of transformers' f32
/// reference, and greedy ids equal to f32's until the first step whose f32 top-2 margin is
/// within twice that tolerance (a near-tie the dtype may legitimately flip).
#[test]
fn half_precision_matches_f32_to_the_dtype_tolerance() {
    use candle_core::DType;
    let r = reference();
    let n = r["greedy_tokens"].as_u64().unwrap() as usize;
    let mut f32m = engine::load_hf_model(&fixture(), &Device::Cpu, DType::F32).unwrap();
    for dt in [DType::F16, DType::BF16] {
        let mut m = engine::load_hf_model(&fixture(), &Device::Cpu, dt).unwrap();
        assert_eq!(m.dtype(), dt);
        for p in r["prompts"].as_array().unwrap() {
            let prompt = ids(&p["ids"]);
            let want = p["logits"].as_array().unwrap();
            let scale = want
                .iter()
                .flat_map(floats)
                .fold(1f32, |a, x| a.max(x.abs()));
            let tol = dtype_tolerance(dt) * scale;
            let got = model::probe::prompt_logits(&mut m, std::slice::from_ref(&prompt), n)
                .unwrap()
                .remove(0);
            for (pos, (g, w)) in got.logits.iter().zip(want).enumerate() {
                let d = max_abs_diff(g, &floats(w));
                assert!(d <= tol, "{dt:?} position {pos}: max abs diff {d} > {tol}");
            }
            // f32 greedy with each step's top-2 margin.
            f32m.reset();
            let mut row = f32m
                .forward(&prompt, 1, false)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap()
                .remove(0);
            for (step, &tok) in got.greedy.iter().enumerate() {
                let mut sorted = row.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if sorted[0] - sorted[1] <= 2.0 * tol {
                    break;
                }
                let want_tok = model::sampler::argmax(&row);
                assert_eq!(tok, want_tok, "{dt:?} greedy step {step}");
                row = f32m
                    .forward(&[tok], 1, false)
                    .unwrap()
                    .to_vec2::<f32>()
                    .unwrap()
                    .remove(0);
            }
        }
    }
}

/// `--dtype` through the loader: explicit choices on the CPU, and GGUF refusing a half type.
#[test]
fn dtype_choice_through_the_loader() {
    use vibecheck::model::{DtypeChoice, ModelError};
    let g = model::load_with(&fixture(), &Device::Cpu, DtypeChoice::F16).unwrap();
    assert_eq!(g.name(), "candle:qwen2");
    let err = model::load_with(
        &fixture().join("tiny-qwen2-q8_0.gguf"),
        &Device::Cpu,
        DtypeChoice::Bf16,
    )
    .err()
    .unwrap();
    assert!(matches!(err, ModelError::Dtype { .. }), "{err}");
    assert!(err.to_string().contains("GGUF"), "{err}");
    let err = model::load(Path::new("/nonexistent/model"), Device::Cpu)
        .err()
        .unwrap();
    assert!(matches!(err, ModelError::NotFound(_)), "{err}");
}

fn copy_alone(file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture().join(file), dir.path().join(file)).unwrap();
    dir
}

/// GGUF qwen2 (f32 tensors): candle's quantized_qwen2 gives transformers' greedy tokens, with
/// the tokenizer rebuilt from the GGUF metadata.
#[test]
fn gguf_qwen2_f32_matches_reference_and_metadata_tokenizer() {
    let r = reference();
    let dir = copy_alone("tiny-qwen2-f32.gguf");
    let mut g = model::load_candle(&dir.path().join("tiny-qwen2-f32.gguf"), &Device::Cpu).unwrap();
    assert_eq!(g.name(), "candle-gguf:qwen2");
    // Tokenizer from metadata encodes like tokenizer.json.
    let hf = engine::load_hf_tokenizer(&fixture()).unwrap();
    for c in r["chats"].as_array().unwrap() {
        let msgs: Vec<ChatMessage> = serde_json::from_value(c["messages"].clone()).unwrap();
        assert_eq!(g.tokenizer().encode_chat(&msgs).unwrap(), ids(&c["ids"]));
        let text = c["rendered"].as_str().unwrap();
        assert_eq!(
            g.tokenizer().encode_text(text).unwrap(),
            hf.encode_text(text).unwrap()
        );
    }
    let p = &r["prompts"][0];
    let out = run_ids(&mut g, &ids(&p["ids"]), &greedy(24));
    assert_eq!(out.token_ids[0], ids(&p["greedy"]));
    // Batched decode through the GGUF path too.
    let out = run_ids(
        &mut g,
        &ids(&p["ids"]),
        &SamplingParams { n: 2, ..greedy(24) },
    );
    assert_eq!(out.token_ids[0], ids(&p["greedy"]));
    assert_eq!(out.token_ids[1], ids(&p["greedy"]));
}

/// GGUF llama: the same weights as a llama-architecture file give transformers' LlamaForCausalLM
/// greedy tokens.
#[test]
fn gguf_llama_f32_matches_reference() {
    let r = reference();
    let mut g = model::load_candle(&fixture().join("tiny-llama-f32.gguf"), &Device::Cpu).unwrap();
    assert_eq!(g.name(), "candle-gguf:llama");
    let eos = r["eos_token_id"].as_u64().unwrap() as u32;
    for p in r["llama_prompts"].as_array().unwrap() {
        let want = ids(&p["greedy"]);
        let stop_at = want
            .iter()
            .position(|&t| t == eos || t == 0)
            .unwrap_or(want.len());
        let out = run_ids(&mut g, &ids(&p["ids"]), &greedy(24));
        assert_eq!(out.token_ids[0], want[..stop_at], "{:?}", p["text"]);
    }
}

/// The Q8_0-quantized copy loads and generates; its first greedy token agrees with f32.
#[test]
fn gguf_q8_0_loads_and_generates() {
    let r = reference();
    let mut g = model::load(&fixture().join("tiny-qwen2-q8_0.gguf"), Device::Cpu).unwrap();
    let (gens, usage) = g
        .generate(
            &[ChatMessage::user("What is 2 + 3?")],
            &greedy(16),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
    assert!(gens[0].completion_tokens > 0);
    assert_eq!(usage.prompt_tokens, ids(&r["chats"][0]["ids"]).len());
    let mut g = model::load_candle(&fixture().join("tiny-qwen2-q8_0.gguf"), &Device::Cpu).unwrap();
    let p = &r["prompts"][0];
    let out = run_ids(&mut g, &ids(&p["ids"]), &greedy(1));
    assert_eq!(out.token_ids[0][0], ids(&p["greedy"])[0]);
}

/// Greedy `n = 3` in one batch against three separate single runs of the same prompt.
fn assert_batched_greedy_equals_singles(
    g: &mut engine::CandleGenerator,
    prompt: &[u32],
    what: &str,
) {
    let singles: Vec<Vec<u32>> = (0..3)
        .map(|_| run_ids(g, prompt, &greedy(24)).token_ids.remove(0))
        .collect();
    let batched = run_ids(g, prompt, &SamplingParams { n: 3, ..greedy(24) });
    assert_eq!(batched.token_ids, singles, "{what}");
}

/// GGUF models decode `n` samples as one batch (one forward pass over the rows, a KV cache per
/// row): greedy `n = 3` gives exactly the tokens of three single runs, for the quantized
/// (Q8_0) qwen2 fixture and the llama one; with sampling, row 0 of a batch reproduces the
/// single run with the same seed while the other rows finish at other times.
#[test]
fn gguf_batched_n3_greedy_equals_three_single_runs() {
    let r = reference();
    for file in ["tiny-qwen2-q8_0.gguf", "tiny-llama-f32.gguf"] {
        let mut g = model::load_candle(&fixture().join(file), &Device::Cpu).unwrap();
        assert!(g.capabilities().batched, "{file}");
        for p in r["prompts"].as_array().unwrap() {
            assert_batched_greedy_equals_singles(&mut g, &ids(&p["ids"]), file);
        }
        let prompt = ids(&r["prompts"][0]["ids"]);
        let one = run_ids(&mut g, &prompt, &sampled_rows(1));
        let many = run_ids(&mut g, &prompt, &sampled_rows(3));
        assert_eq!(many.token_ids[0], one.token_ids[0], "{file}");
        assert!(
            many.token_ids.iter().any(|s| s != &many.token_ids[0]),
            "{file}: independent seeds per sequence"
        );
    }
}

/// The same on the demo model, whose matmuls (Q4_1, Q8_0) run on our quantized kernels
/// (`model::quant`) with one and with three rows.
#[test]
#[ignore = "needs the demo model: run tools/get-demo-model.sh; CI (tools/test.sh) runs it"]
fn demo_gguf_batched_n3_greedy_equals_three_single_runs() {
    let mut g = model::load_candle(&require::demo_gguf(), &Device::Cpu).unwrap();
    let prompt = g
        .tokenizer()
        .encode_chat(&[ChatMessage::user("Name three prime numbers.")])
        .unwrap();
    assert_batched_greedy_equals_singles(&mut g, &prompt, "demo model");
}

/// The offline demo model (SmolLM2-135M, llama, Q4_1, tokenizer from GGUF metadata).
#[test]
#[ignore = "needs the demo model: run tools/get-demo-model.sh; CI (tools/test.sh) runs it"]
fn demo_smollm2_gguf_answers() {
    let path = require::demo_gguf();
    let mut g = model::load(&path, Device::Cpu).unwrap();
    assert_eq!(g.name(), "candle-gguf:llama");
    let (gens, _) = g
        .generate(
            &[ChatMessage::user("What is the capital of France?")],
            &greedy(24),
            &mut |_| ControlFlow::Continue(()),
        )
        .unwrap();
    assert!(gens[0].text.contains("Paris"), "{:?}", gens[0].text);
    assert_eq!(gens[0].stop, StopReason::Eos, "{:?}", gens[0].text);
}

/// Stop conditions: stop string, max tokens, end of text, cancellation.
#[test]
fn stop_conditions() {
    let r = reference();
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let p0 = ids(&r["prompts"][0]["ids"]);
    let full = run_ids(&mut g, &p0, &greedy(24));
    let text = full.generations[0].text.clone();
    // A stop string from the middle of the greedy text: output ends right before it.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let (start, _) = chars[chars.len() / 2];
    let (end, _) = chars[chars.len() / 2 + 2];
    let stop = text[start..end].to_string();
    let first = text.find(&stop).unwrap();
    let mut streamed = String::new();
    let out = g
        .generate_ids(
            &p0,
            &SamplingParams {
                stop: vec![stop.clone()],
                ..greedy(24)
            },
            &mut |ev| {
                if let GenEvent::Text { text, .. } = ev {
                    streamed.push_str(&text);
                }
                ControlFlow::Continue(())
            },
        )
        .unwrap();
    assert_eq!(out.generations[0].stop, StopReason::StopString);
    assert_eq!(out.generations[0].text, text[..first]);
    assert_eq!(streamed, text[..first], "the stop string is never streamed");
    // Max tokens.
    let out = run_ids(&mut g, &p0, &greedy(5));
    assert_eq!(out.generations[0].stop, StopReason::MaxTokens);
    assert_eq!(out.token_ids[0].len(), 5);
    let out = run_ids(&mut g, &p0, &greedy(0));
    assert_eq!(out.generations[0].stop, StopReason::MaxTokens);
    assert_eq!(out.generations[0].completion_tokens, 0);
    // End of text: prompt 1's greedy continuation reaches <|im_end|>.
    let p1 = &r["prompts"][1];
    let want = ids(&p1["greedy"]);
    let eos_at = want
        .iter()
        .position(|&t| t == 2)
        .expect("fixture has an eos");
    let out = run_ids(&mut g, &ids(&p1["ids"]), &greedy(24));
    assert_eq!(out.generations[0].stop, StopReason::Eos);
    assert_eq!(out.token_ids[0], want[..eos_at]);
    // Cancellation from the callback after the first text event.
    let mut events = vec![];
    let out = g
        .generate_ids(&p0, &greedy(24), &mut |ev| {
            let stop = matches!(ev, GenEvent::Text { .. });
            events.push(ev);
            if stop {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(out.generations[0].stop, StopReason::Cancelled);
    assert!(out.token_ids[0].len() < 24);
    assert_eq!(
        events.last(),
        Some(&GenEvent::Done {
            seq: 0,
            stop: StopReason::Cancelled
        })
    );
}

/// Bad sampling parameters and oversize prompts are clear errors.
#[test]
fn invalid_requests_are_errors() {
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let bad = [
        SamplingParams {
            temperature: -1.0,
            ..SamplingParams::default()
        },
        SamplingParams {
            top_p: 0.0,
            ..SamplingParams::default()
        },
        SamplingParams {
            n: 0,
            ..SamplingParams::default()
        },
        SamplingParams {
            top_k: Some(0),
            ..SamplingParams::default()
        },
    ];
    for p in bad {
        assert!(g
            .generate(&[ChatMessage::user("hi")], &p, &mut |_| {
                ControlFlow::Continue(())
            })
            .is_err());
    }
    let long = "word ".repeat(600);
    let err = g
        .generate(&[ChatMessage::user(long)], &greedy(4), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("positions"), "{err}");
    assert!(model::load(Path::new("/nonexistent/model"), Device::Cpu).is_err());
    let err = model::load(&fixture().join("reference.json"), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("neither"), "{err}");
}

/// Seeded sampling reproduces; another seed differs.
#[test]
fn seeded_sampling_reproduces() {
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let msgs = [ChatMessage::user("Hello")];
    let p = |seed| SamplingParams {
        temperature: 1.0,
        max_tokens: 30,
        seed,
        ..SamplingParams::default()
    };
    let run = |g: &mut engine::CandleGenerator, seed| {
        g.generate(&msgs, &p(seed), &mut |_| ControlFlow::Continue(()))
            .unwrap()
            .0
    };
    let a = run(&mut g, 42);
    let b = run(&mut g, 42);
    let c = run(&mut g, 43);
    assert_eq!(a, b);
    assert_ne!(a[0].text, c[0].text);
}

/// The loop detector stops a sequence that repeats itself: greedy decoding of the tiny random
/// model falls into a cycle on this prompt (found by trying a dozen prompts).
#[test]
fn loop_detector_stops_a_looping_model() {
    let mut g = model::load_candle(&fixture(), &Device::Cpu).unwrap();
    let prompt = g
        .tokenizer()
        .encode_chat(&[ChatMessage::user("x x x x x")])
        .unwrap();
    let out = run_ids(&mut g, &prompt, &greedy(400));
    assert_eq!(out.generations[0].stop, StopReason::LoopDetected);
    let t = &out.token_ids[0];
    assert!(t.len() < 400);
    // The tail really is periodic.
    let tail = &t[t.len() - model::stop::LOOP_MIN_SPAN..];
    let period = (1..=model::stop::LOOP_MAX_PERIOD)
        .find(|&p| (p..tail.len()).all(|i| tail[i] == tail[i - p]));
    assert!(period.is_some(), "{t:?}");
}

/// `vibecheck generate` without a model says how to get one; with the fixture it streams text.
#[test]
fn cli_generate() {
    let exe = env!("CARGO_BIN_EXE_vibecheck");
    let out = std::process::Command::new(exe)
        .args(["generate", "hello"])
        .env_remove("VIBECHECK_MODEL")
        .env_remove("VIBECHECK_OPENAI_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(vibecheck::exit::ERROR));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WeiboAI/VibeThinker-1.5B"), "{err}");
    assert!(err.contains("tools/get-demo-model.sh"), "{err}");

    let out = std::process::Command::new(exe)
        .args([
            "generate",
            "What is 2 + 3?",
            "--temperature",
            "0",
            "--max-tokens",
            "24",
        ])
        .arg("--model")
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = reference();
    let tok = engine::load_hf_tokenizer(&fixture()).unwrap();
    let want = tok.decode(&ids(&r["chat_greedy"])).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{want}\n"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tok/s"), "{err}");

    let out = std::process::Command::new(exe)
        .args([
            "generate",
            "hi",
            "--n",
            "2",
            "--max-tokens",
            "8",
            "--seed",
            "3",
        ])
        .arg("--model")
        .arg(fixture().join("tiny-qwen2-q8_0.gguf"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("--- sample 1") && s.contains("--- sample 2"),
        "{s}"
    );

    let out = std::process::Command::new(exe)
        .args(["generate", "hi", "--top-p", "1.5"])
        .arg("--model")
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(vibecheck::exit::ERROR));
    assert!(String::from_utf8_lossy(&out.stderr).contains("top_p"));
}

/// config.json variants: both rope_theta layouts parse; unsupported features are refused.
#[test]
fn config_json_variants() {
    use vibecheck::model::qwen2::Qwen2Config;
    let base = std::fs::read_to_string(fixture().join("config.json")).unwrap();
    let cfg = Qwen2Config::from_json(&base).unwrap();
    assert_eq!(cfg.rope_theta, 1_000_000.0);
    assert!(cfg.tie_word_embeddings);
    let mut v: Value = serde_json::from_str(&base).unwrap();
    v["use_sliding_window"] = Value::Bool(true);
    assert!(Qwen2Config::from_json(&v.to_string()).is_err());
    let mut v: Value = serde_json::from_str(&base).unwrap();
    v["rope_scaling"] = serde_json::json!({"type": "yarn", "factor": 4.0});
    let err = Qwen2Config::from_json(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("yarn"), "{err}");
    let mut v: Value = serde_json::from_str(&base).unwrap();
    v["model_type"] = Value::String("llama".into());
    v["architectures"] = serde_json::json!(["LlamaForCausalLM"]);
    assert!(Qwen2Config::from_json(&v.to_string()).is_err());
    let mut v: Value = serde_json::from_str(&base).unwrap();
    v["num_key_value_heads"] = serde_json::json!(3);
    assert!(Qwen2Config::from_json(&v.to_string()).is_err());
}

/// A prompt longer than one prefill chunk gives the same next token as a single pass.
#[test]
fn chunked_prefill_equals_one_pass() {
    use vibecheck::model::engine::{Lm, Logits};
    let mut m = engine::load_hf_model(&fixture(), &Device::Cpu, candle_core::DType::F32).unwrap();
    // The fixture holds 512 positions, fewer than the default chunk: use small chunks.
    m.set_prefill_chunk(64);
    let prompt: Vec<u32> = (0..250u32).map(|i| 3 + (i * 31) % 300).collect();
    let mut chunked = Logits::default();
    m.prefill(&prompt, 1, &mut chunked).unwrap();
    m.reset();
    let one: Vec<Vec<f32>> = m.forward(&prompt, 1, false).unwrap().to_vec2().unwrap();
    let d = max_abs_diff(chunked.row(0), &one[0]);
    assert!(d <= 1e-4, "{d}");
}

/// The tiny qwen2 fixture with its 2-D tensors re-quantized to `dt`, written into `dir`.
fn requantized_fixture(
    dt: candle_core::quantized::GgmlDType,
    dir: &tempfile::TempDir,
) -> std::path::PathBuf {
    use candle_core::quantized::{gguf_file, QTensor};
    let src = fixture().join("tiny-qwen2-f32.gguf");
    let mut f = std::fs::File::open(&src).unwrap();
    let content = gguf_file::Content::read(&mut f).unwrap();
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors = vec![];
    for name in names {
        let q = content.tensor(&mut f, name, &Device::Cpu).unwrap();
        let t = q.dequantize(&Device::Cpu).unwrap();
        let q = if t.rank() == 2 && t.dim(1).unwrap().is_multiple_of(32) {
            QTensor::quantize(&t, dt).unwrap()
        } else {
            q
        };
        tensors.push((name.clone(), q));
    }
    let out_path = dir.path().join(format!("tiny-qwen2-{dt:?}.gguf"));
    {
        let meta: Vec<(&str, &gguf_file::Value)> = content
            .metadata
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let mut out = std::fs::File::create(&out_path).unwrap();
        gguf_file::write(&mut out, &meta, &refs).unwrap();
    }
    out_path
}

/// A Q5_0 GGUF (scalar in candle) is converted to Q8_0 at load: every converted tensor stays
/// within one Q8_0 step of the original values, the rest is untouched, and the model loads and
/// generates from the converted file.
#[test]
fn gguf_q5_0_is_converted_to_q8_0_on_the_cpu() {
    use candle_core::quantized::{gguf_file, GgmlDType};
    let dir = tempfile::tempdir().unwrap();
    let q50 = requantized_fixture(GgmlDType::Q5_0, &dir);
    let mut f = std::fs::File::open(&q50).unwrap();
    let content = gguf_file::Content::read(&mut f).unwrap();
    assert!(content
        .tensor_infos
        .values()
        .any(|t| t.ggml_dtype == GgmlDType::Q5_0));
    let (conv, mut mem) = model::gguf::convert_for_cpu(&content, &mut f, &Device::Cpu)
        .unwrap()
        .expect("Q5_0 tensors are converted on the CPU");
    for (name, info) in &content.tensor_infos {
        let before = content.tensor(&mut f, name, &Device::Cpu).unwrap();
        let after = conv.tensor(&mut mem, name, &Device::Cpu).unwrap();
        let want = if info.ggml_dtype == GgmlDType::Q5_0 {
            GgmlDType::Q8_0
        } else {
            info.ggml_dtype
        };
        assert_eq!(after.dtype(), want, "{name}");
        let a: Vec<f32> = before
            .dequantize(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let b: Vec<f32> = after
            .dequantize(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        for (block_a, block_b) in a.chunks(32).zip(b.chunks(32)) {
            let amax = block_a.iter().fold(0f32, |m, x| m.max(x.abs()));
            let d = max_abs_diff(block_a, block_b);
            assert!(d <= amax / 127.0 + 1e-6, "{name}: {d} vs block max {amax}");
        }
    }
    assert!(model::gguf::convert_for_cpu(&conv, &mut mem, &Device::Cpu)
        .unwrap()
        .is_none());
    let mut g = model::load_candle(&q50, &Device::Cpu).unwrap();
    let out = run_ids(&mut g, &ids(&reference()["prompts"][0]["ids"]), &greedy(8));
    assert!(!out.token_ids[0].is_empty());
}

/// A Q4_1 GGUF (the demo model's format) runs as it is on our kernels (`model::quant`), not
/// converted; greedy `n = 3` in one batch equals three single runs.
#[test]
fn gguf_q4_1_runs_unconverted_and_batched_equals_singles() {
    use candle_core::quantized::{gguf_file, GgmlDType};
    let dir = tempfile::tempdir().unwrap();
    let q41 = requantized_fixture(GgmlDType::Q4_1, &dir);
    let mut f = std::fs::File::open(&q41).unwrap();
    let content = gguf_file::Content::read(&mut f).unwrap();
    assert!(model::gguf::convert_for_cpu(&content, &mut f, &Device::Cpu)
        .unwrap()
        .is_none());
    let mut g = model::load_candle(&q41, &Device::Cpu).unwrap();
    for p in reference()["prompts"].as_array().unwrap() {
        assert_batched_greedy_equals_singles(&mut g, &ids(&p["ids"]), "tiny Q4_1");
    }
}
