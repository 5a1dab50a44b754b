#!/usr/bin/env python3
"""Python side of tools/gpu-check.sh (read its header): logit checks of the vibecheck binary
against transformers, decode speed of both on random VibeThinker-1.5B-shaped weights, and the
table. Needs torch and transformers; no network. Prints the table on stdout, progress on stderr."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no progress bars in the table
warnings.filterwarnings("ignore", category=FutureWarning)  # past_key_values naming churn

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--fixture", required=True)
ap.add_argument("--cpu", action="store_true", help="dry run on the CPU with tiny shapes")
ap.add_argument("--out", help="also write every number as JSON here")
a = ap.parse_args()

DEV = "cpu" if a.cpu else "cuda"
# Each subprocess gets at most this long; the whole check is meant to fit in 8 minutes.
STEP_TIMEOUT_S = 240
# Max |ours - reference| allowed per logit, as a fraction of the prompt's largest |logit|
# (at least 1): ~20 rounding units of the dtype through the tiny model's two layers (the same
# numbers as tests/model.rs checks on the CPU).
TOLERANCE = {"f32": 1e-4, "f16": 1e-2, "bf16": 8e-2}
# Decode shapes: (context, batch) pairs and timed steps. The dry run uses tiny ones.
if a.cpu:
    SHAPE = dict(vocab_size=2048, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
    RUNS, STEPS, BIG_DTYPE = [(64, 1), (64, 8), (512, 1), (512, 8)], 8, "f32"
else:
    # VibeThinker-1.5B (Qwen2.5-Math-1.5B architecture).
    SHAPE = dict(vocab_size=151_936, hidden_size=1536, intermediate_size=8960,
                 num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                 max_position_embeddings=40_960)
    RUNS, STEPS, BIG_DTYPE = [(1024, 1), (1024, 8), (16384, 1), (16384, 8)], 64, "bf16"
TORCH_DTYPE = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
report = {"device": DEV, "torch": torch.__version__,
          "transformers": __import__("transformers").__version__}


def log(msg):
    print(f"gpu-check: {msg}", file=sys.stderr, flush=True)


def ours(*args):
    cmd = [a.bin, "model-check", *args] + (["--cpu"] if a.cpu else [])
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    log(f"{' '.join(args[:1] + args[3:])}: {time.time() - t:.1f}s")
    return json.loads(p.stdout)


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def copy_bandwidth():
    """Device-to-device copy bandwidth in bytes/s (bytes read + bytes written)."""
    n = (256 << 20) if a.cpu else (2 << 30)
    src = torch.empty(n, dtype=torch.uint8, device=DEV)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    sync()
    reps = 5 if a.cpu else 20
    t = time.time()
    for _ in range(reps):
        dst.copy_(src)
    sync()
    return 2 * n * reps / (time.time() - t)


def transformers_greedy(model, ids, steps):
    """transformers' f32 greedy ids and each step's top-1/top-2 margin."""
    toks, margins = [], []
    x = torch.tensor([ids])
    with torch.no_grad():
        for _ in range(steps):
            logits = model(x).logits[0, -1].float()
            top = torch.topk(logits, 2)
            margins.append(float(top.values[0] - top.values[1]))
            toks.append(int(top.indices[0]))
            x = torch.cat([x, top.indices[:1].view(1, 1)], dim=1)
    return toks, margins


def logit_checks():
    ref = json.load(open(os.path.join(a.fixture, "reference.json")))
    tiny = Qwen2ForCausalLM.from_pretrained(a.fixture, torch_dtype=torch.float32).eval()
    n_greedy = ref["greedy_tokens"]
    greedy_ref = [transformers_greedy(tiny, p["ids"], n_greedy) for p in ref["prompts"]]
    rows, ok = [], True
    for dt in ["f32", "bf16", "f16"]:
        got = ours("logits", "--model", a.fixture, "--dtype", dt, "--reference",
                   os.path.join(a.fixture, "reference.json"), "--greedy", str(n_greedy))
        for pi, (p, g) in enumerate(zip(ref["prompts"], got["prompts"])):
            want = torch.tensor(p["logits"])
            have = torch.tensor(g["logits"])
            scale = max(1.0, float(want.abs().max()))
            diff = float((have - want).abs().max())
            tol = TOLERANCE[dt] * scale
            toks, margins = greedy_ref[pi]
            # Greedy ids must agree until the first step where transformers' own top-2 margin
            # is within twice the tolerance (a near-tie the dtype may legitimately flip).
            agree, binding = 0, len(toks)
            for i, (t, m) in enumerate(zip(toks, margins)):
                if m <= 2 * tol:
                    binding = i
                    break
            for i, t in enumerate(toks):
                if i >= len(g["greedy"]) or g["greedy"][i] != t:
                    break
                agree += 1
            good = diff <= tol and agree >= binding
            ok &= good
            rows.append(dict(dtype=dt, prompt=pi, max_abs_diff=diff, tolerance=tol,
                             greedy_agree=agree, greedy_required=binding, ok=good))
    print("\n(a) logits of tests/fixtures/tiny-qwen2 vs transformers (f32 reference)")
    print(f"{'dtype':6} {'prompt':>6} {'max|Δ|':>10} {'tol':>8} {'greedy':>9}  ok")
    for r in rows:
        print(f"{r['dtype']:6} {r['prompt']:>6} {r['max_abs_diff']:>10.2e} {r['tolerance']:>8.1e} "
              f"{r['greedy_agree']:>4}/{r['greedy_required']:<4}  {'yes' if r['ok'] else 'NO'}")
    report["logits"] = rows
    return ok


def transformers_decode(model, ctx, batch, steps):
    vocab = model.config.vocab_size
    ids = torch.tensor([[(i * 7919 + 13) % vocab for i in range(ctx)]], device=DEV).repeat(batch, 1)
    with torch.no_grad():
        from transformers import DynamicCache
        cache = DynamicCache()
        h = model.model(input_ids=ids, past_key_values=cache, use_cache=True).last_hidden_state
        tok = model.lm_head(h[:, -1:]).argmax(-1)
        for _ in range(3):  # warm-up, as ours
            tok = model(tok, past_key_values=cache, use_cache=True).logits[:, -1:].argmax(-1)
        sync()
        t = time.time()
        for _ in range(steps):
            tok = model(tok, past_key_values=cache, use_cache=True).logits[:, -1:].argmax(-1)
        sync()
        return steps * batch / (time.time() - t)


def decode_table():
    bw = copy_bandwidth()
    log(f"copy bandwidth {bw / 1e9:.0f} GB/s")
    cfg = Qwen2Config(**SHAPE, rope_theta=10_000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
                      use_sliding_window=False)
    dt = TORCH_DTYPE[BIG_DTYPE]
    torch.manual_seed(0)
    t = time.time()
    with torch.device(DEV):
        model = Qwen2ForCausalLM(cfg).to(dt).eval()
    model.config.use_cache = True
    rows = []
    with tempfile.TemporaryDirectory(prefix="vibecheck-gpu-check-") as d:
        model.save_pretrained(d, safe_serialization=True)
        log(f"random {SHAPE['num_hidden_layers']}-layer model written in {time.time() - t:.0f}s")
        try:
            model.config._attn_implementation = "sdpa"
        except Exception:
            pass
        for ctx, batch in RUNS:
            o = ours("decode", "--model", d, "--dtype", BIG_DTYPE, "--context", str(ctx),
                     "--batch", str(batch), "--steps", str(STEPS))
            tf = transformers_decode(model, ctx, batch, STEPS)
            step_bytes = o["weight_bytes"] + batch * o["kv_bytes_per_row"]
            ceiling = batch * bw / step_bytes
            rows.append(dict(context=ctx, batch=batch, ours_tok_s=o["decode_tok_s"],
                             transformers_tok_s=tf, ratio=o["decode_tok_s"] / tf,
                             ceiling_tok_s=ceiling, fraction=o["decode_tok_s"] / ceiling,
                             prefill_tok_s=o["prefill_tok_s"]))
            if DEV == "cuda":
                torch.cuda.empty_cache()
    print(f"\n(b-d) decode, random weights with {'tiny' if a.cpu else 'VibeThinker-1.5B'} shape, "
          f"{BIG_DTYPE}, {STEPS} steps; copy bandwidth {bw / 1e9:.0f} GB/s; weights "
          f"{rows and o['weight_bytes'] / 1e9:.2f} GB")
    print(f"{'context':>7} {'batch':>5} {'vibecheck':>10} {'transformers':>12} {'ratio':>6} "
          f"{'ceiling':>9} {'of ceiling':>10}")
    for r in rows:
        print(f"{r['context']:>7} {r['batch']:>5} {r['ours_tok_s']:>10.1f} "
              f"{r['transformers_tok_s']:>12.1f} {r['ratio']:>5.2f}x {r['ceiling_tok_s']:>9.0f} "
              f"{100 * r['fraction']:>9.1f}%")
    print("tok/s = generated tokens per second, all rows; ceiling = batch × bandwidth ÷ (weight "
          "bytes + batch × KV bytes per row) per step")
    report["bandwidth_bytes_s"] = bw
    report["decode"] = rows


ok = logit_checks()
decode_table()
if a.out:
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
sys.exit(0 if ok else 1)
