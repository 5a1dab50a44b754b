#!/usr/bin/env python3
"""HF transformers side of tools/bench-model: prefill and decode tok/s of Qwen2ForCausalLM with
VibeThinker-1.5B's shape and random weights, f32 on the CPU, sampling like transformers'
generate (temperature 0.6 + top-p 0.95 warpers, multinomial). Prints one JSON object."""
import argparse
import json
import os
import sys
import time
import warnings

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM
from transformers.generation.logits_process import TemperatureLogitsWarper, TopPLogitsWarper

ap = argparse.ArgumentParser()
ap.add_argument("--layers", type=int, default=28)
ap.add_argument("--prompt", type=int, default=256)
ap.add_argument("--decode", type=int, default=32)
ap.add_argument("--batch", type=int, default=1)
a, _ = ap.parse_known_args()  # Rust-only flags (e.g. --skip-candle) are ignored

warnings.filterwarnings("ignore", category=FutureWarning)  # past_key_values naming churn
torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count())))
cfg = Qwen2Config(vocab_size=151_936, hidden_size=1536, intermediate_size=8960,
                  num_hidden_layers=a.layers, num_attention_heads=12, num_key_value_heads=2,
                  max_position_embeddings=40_960, rope_theta=10_000.0, rms_norm_eps=1e-6,
                  tie_word_embeddings=True, initializer_range=0.02)
t = time.time()
model = Qwen2ForCausalLM(cfg).eval().to(torch.float32)
with torch.no_grad():
    model.model.embed_tokens.weight.normal_(0.0, 0.1)  # same init scheme as the Rust side
print(f"bench-model (transformers): built in {time.time() - t:.1f}s, {torch.get_num_threads()} threads",
      file=sys.stderr)
ids = torch.tensor([[(i * 7919 + 13) % cfg.vocab_size for i in range(a.prompt)]])
warp = [TemperatureLogitsWarper(0.6), TopPLogitsWarper(0.95)]


def sample(input_ids, logits):
    for w in warp:
        logits = w(input_ids, logits)
    return torch.multinomial(torch.softmax(logits, dim=-1), 1)


with torch.no_grad():
    t = time.time()
    out = model(ids, use_cache=True)
    prefill = time.time() - t
    past = out.past_key_values
    if a.batch > 1:
        past.batch_repeat_interleave(a.batch)
    tok = sample(ids, out.logits[:, -1, :]).repeat(a.batch, 1)
    t = time.time()
    for _ in range(a.decode):
        out = model(tok, past_key_values=past, use_cache=True)
        past = out.past_key_values
        tok = sample(tok, out.logits[:, -1, :])
    decode = time.time() - t
res = {"engine": "transformers", "torch": torch.__version__,
       "transformers": __import__("transformers").__version__, "threads": torch.get_num_threads(),
       "dtype": "f32", "layers": a.layers, "prompt": a.prompt, "decode": a.decode, "batch": a.batch,
       "prefill_tok_s": a.prompt / prefill, "decode_tok_s": a.decode * a.batch / decode}
print(f"bench-model (transformers): prefill {res['prefill_tok_s']:.1f} tok/s, "
      f"decode {res['decode_tok_s']:.2f} tok/s", file=sys.stderr)
print(json.dumps(res))
