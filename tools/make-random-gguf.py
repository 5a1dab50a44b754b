#!/usr/bin/env python3
"""Writes a Qwen2-architecture GGUF with VibeThinker-1.5B's shape and random weights, for speed
benchmarks only (its output is noise).

    tools/make-random-gguf.py --type q8_0|q4_k --out FILE [--tokenizer DIR]

Needs numpy and PyPI's `gguf` package (tools/bench-llamacpp.sh installs gguf==0.19.0 into its
cache and sets PYTHONPATH). The quantized blocks are written directly as random bytes with sane
scales (no float weights are materialised or quantized), so a 1.6 GB Q8_0 file takes seconds.
The tokenizer (Qwen's, from DIR/tokenizer.json; tools/setup.sh installs it under
~/.local/share/vibecheck/qwen-tokenizer) goes into the GGUF metadata as llama.cpp's
convert_hf_to_gguf.py writes it (gpt2 BPE, pre-tokenizer qwen2, vocabulary padded to 151,936
with [PADn] tokens), so llama.cpp and vibecheck both load the file as it is.
"""
import argparse
import json
import os
import sys

import numpy as np
import gguf

# VibeThinker-1.5B (Qwen2.5-Math-1.5B) shape.
VOCAB, HIDDEN, FFN, LAYERS, HEADS, KV_HEADS = 151_936, 1536, 8960, 28, 12, 2
HEAD_DIM = HIDDEN // HEADS
CONTEXT, ROPE_THETA, RMS_EPS = 4096, 10_000.0, 1e-6


def q8_0_blocks(rng, rows, cols):
    """Random Q8_0 blocks (f16 scale + 32 int8) for a (rows, cols) matrix, weights ~ ±0.02."""
    nb = rows * cols // 32
    out = np.empty((nb, 34), dtype=np.uint8)
    out[:, 0:2] = np.full(nb, 0.02 / 127, dtype=np.float16).view(np.uint8).reshape(nb, 2)
    out[:, 2:] = rng.integers(0, 256, size=(nb, 32), dtype=np.uint8)
    return out.reshape(rows, cols // 32 * 34)


def q4_k_blocks(rng, rows, cols):
    """Random Q4_K super-blocks (f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of
    4-bit values) for a (rows, cols) matrix."""
    nb = rows * cols // 256
    out = np.empty((nb, 144), dtype=np.uint8)
    out[:, 0:2] = np.full(nb, 0.04 / (63 * 15), dtype=np.float16).view(np.uint8).reshape(nb, 2)
    out[:, 2:4] = np.full(nb, 0.02 / 63, dtype=np.float16).view(np.uint8).reshape(nb, 2)
    out[:, 4:] = rng.integers(0, 256, size=(nb, 140), dtype=np.uint8)
    return out.reshape(rows, cols // 256 * 144)


def add_tokenizer(w, tok_dir):
    with open(os.path.join(tok_dir, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    vocab = dict(tj["model"]["vocab"])
    added = {t["content"]: t for t in tj.get("added_tokens", [])}
    for t in added.values():
        vocab[t["content"]] = t["id"]
    by_id = {i: s for s, i in vocab.items()}
    tokens, types = [], []
    for i in range(VOCAB):
        s = by_id.get(i)
        if s is None:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.USER_DEFINED)
        elif s in added:
            tokens.append(s)
            types.append(gguf.TokenType.CONTROL if added[s].get("special") else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(s)
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(vocab["<|im_end|>"])
    w.add_pad_token_id(vocab["<|endoftext|>"])
    w.add_bos_token_id(vocab["<|endoftext|>"])
    w.add_add_bos_token(False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--type", choices=["q8_0", "q4_k"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument(
        "--tokenizer",
        default=os.path.expanduser("~/.local/share/vibecheck/qwen-tokenizer"),
        help="directory with Qwen's tokenizer.json",
    )
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    if args.type == "q8_0":
        qtype, blocks, ftype = gguf.GGMLQuantizationType.Q8_0, q8_0_blocks, gguf.LlamaFileType.MOSTLY_Q8_0
    else:
        qtype, blocks, ftype = gguf.GGMLQuantizationType.Q4_K, q4_k_blocks, gguf.LlamaFileType.MOSTLY_Q4_K_M
    tmp = args.out + ".tmp"
    w = gguf.GGUFWriter(tmp, "qwen2")
    w.add_name("random-qwen2-1.5b-shape")
    w.add_context_length(CONTEXT)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_block_count(LAYERS)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_layer_norm_rms_eps(RMS_EPS)
    w.add_file_type(ftype)
    add_tokenizer(w, args.tokenizer)

    def mat(name, rows, cols):
        w.add_tensor(name, blocks(rng, rows, cols), raw_dtype=qtype)

    def ones(name, n):  # RMSNorm gains
        w.add_tensor(name, np.ones(n, dtype=np.float32))

    def bias(name, n):
        w.add_tensor(name, (rng.standard_normal(n) * 0.02).astype(np.float32))

    mat("token_embd.weight", VOCAB, HIDDEN)  # tied: also the LM head
    ones("output_norm.weight", HIDDEN)
    kv = KV_HEADS * HEAD_DIM
    for l in range(LAYERS):
        p = f"blk.{l}."
        ones(p + "attn_norm.weight", HIDDEN)
        ones(p + "ffn_norm.weight", HIDDEN)
        mat(p + "attn_q.weight", HIDDEN, HIDDEN)
        mat(p + "attn_k.weight", kv, HIDDEN)
        mat(p + "attn_v.weight", kv, HIDDEN)
        bias(p + "attn_q.bias", HIDDEN)
        bias(p + "attn_k.bias", kv)
        bias(p + "attn_v.bias", kv)
        mat(p + "attn_output.weight", HIDDEN, HIDDEN)
        mat(p + "ffn_gate.weight", FFN, HIDDEN)
        mat(p + "ffn_up.weight", FFN, HIDDEN)
        mat(p + "ffn_down.weight", HIDDEN, FFN)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(tmp, args.out)
    print(args.out)


if __name__ == "__main__":
    sys.exit(main())
