#!/usr/bin/python3
"""gpt.py: writes the GPT-2-like models of bench case (g) and (h).

The .nn language has no way to pass a size into a model (params have static
shapes), so each configuration is its own file; this script writes them so
that they stay identical but for the sizes:

  gpt2_small.nn  GPT-2 small: 12 layers, d 768, 12 heads, seq 1024, vocab
                 50257, bf16 (the issue's case (g)); B: the batch (8).
  gpt_tiny.nn    the same network at 2 layers, d 64, 4 heads, seq 32, vocab
                 256, f32: what bench/run.py --quick runs on lavapipe.

The network: token + position embeddings, pre-LN blocks (causal multi-head
self-attention with biases, MLP 4d with tanh GELU), a final layer_norm and
an LM head tied to the token embedding, cross_entropy on the next tokens,
adam. The causal mask is an input (`mask`, 0 on and below the diagonal, a
large negative number above), since the language has no iota to build one.
Run: /usr/bin/python3 bench/models/gpt.py   (rewrites both files here)
"""
import os

CONFIGS = {
    "gpt2_small": dict(layers=12, d=768, heads=12, seq=1024, vocab=50257, dtype="bf16"),
    "gpt_tiny": dict(layers=2, d=64, heads=4, seq=32, vocab=256, dtype="f32"),
}


def model_text(name, layers, d, heads, seq, vocab, dtype):
    dh = d // heads
    scale = 1.0 / dh ** 0.5
    L = []
    w = L.append
    w(f"# {name}.nn -- written by bench/models/gpt.py: do not edit by hand.")
    w(f"# A GPT-2-like decoder: {layers} layers, d {d}, {heads} heads of {dh}, seq {seq},")
    w(f"# vocab {vocab}, {dtype}; pre-LN, tied LM head, adam. B: the batch.")
    w(f"model {name}")
    w("")
    w(f"input  ids  : i32[B, {seq}]              # tokens in [0, {vocab})")
    w(f"input  y    : i32[B, {seq}]              # the next tokens")
    w(f"input  mask : {dtype}[{seq}, {seq}]          # causal: 0 where j <= i, -1e4 above")
    w("")
    w(f"param  wte : {dtype}[{vocab}, {d}] = normal(0, 0.02, seed=1)")
    w(f"param  wpe : {dtype}[{seq}, {d}] = normal(0, 0.01, seed=2)")
    for i in range(1, layers + 1):
        s = 100 * i
        w(f"param  l{i}g1 : {dtype}[{d}] = ones")
        w(f"param  l{i}b1 : {dtype}[{d}] = zeros")
        for j, m in enumerate(("q", "k", "v", "o")):
            w(f"param  l{i}w{m} : {dtype}[{d}, {d}] = normal(0, 0.02, seed={s + j})")
            w(f"param  l{i}c{m} : {dtype}[{d}] = zeros")
        w(f"param  l{i}g2 : {dtype}[{d}] = ones")
        w(f"param  l{i}b2 : {dtype}[{d}] = zeros")
        w(f"param  l{i}w1 : {dtype}[{d}, {4 * d}] = normal(0, 0.02, seed={s + 4})")
        w(f"param  l{i}c1 : {dtype}[{4 * d}] = zeros")
        w(f"param  l{i}w2 : {dtype}[{4 * d}, {d}] = normal(0, 0.02, seed={s + 5})")
        w(f"param  l{i}c2 : {dtype}[{d}] = zeros")
    w(f"param  gf : {dtype}[{d}] = ones")
    w(f"param  bf : {dtype}[{d}] = zeros")
    w("")
    w(f"# [B, {seq}, {d}] -> [B, {heads}, {seq}, {dh}]")
    w(f"fn heads(t) {{ return transpose(reshape(t, [-1, {seq}, {heads}, {dh}]), [0, 2, 1, 3]) }}")
    w("")
    w("fn attention(h, wq, cq, wk, ck, wv, cv, wo, co) {")
    w("  q = heads(h @ wq + cq)")
    w("  k = heads(h @ wk + ck)")
    w("  v = heads(h @ wv + cv)")
    w(f"  a = softmax(q @ transpose(k, [0, 1, 3, 2]) * {scale:.8g} + mask, axis=-1)")
    w(f"  o = reshape(transpose(a @ v, [0, 2, 1, 3]), [-1, {seq}, {d}])")
    w("  return o @ wo + co")
    w("}")
    w("")
    w('fn mlp(h, w1, c1, w2, c2) { return gelu(h @ w1 + c1, approximate="tanh") @ w2 + c2 }')
    w("")
    w("fn block(h, g1, b1, wq, cq, wk, ck, wv, cv, wo, co, g2, b2, w1, c1, w2, c2) {")
    w("  a = h + attention(layer_norm(h, g1, b1), wq, cq, wk, ck, wv, cv, wo, co)")
    w("  return a + mlp(layer_norm(a, g2, b2), w1, c1, w2, c2)")
    w("}")
    w("")
    w("h0 = embedding(wte, ids) + wpe")
    for i in range(1, layers + 1):
        args = ", ".join(f"l{i}{p}" for p in
                         ("g1", "b1", "wq", "cq", "wk", "ck", "wv", "cv", "wo", "co",
                          "g2", "b2", "w1", "c1", "w2", "c2"))
        w(f"h{i} = block(h{i - 1}, {args})")
    w(f"logits = layer_norm(h{layers}, gf, bf) @ transpose(wte)      # [B, {seq}, {vocab}]")
    w(f"loss   = cross_entropy(reshape(logits, [-1, {vocab}]), reshape(y, [-1]))")
    w("")
    w("output logits")
    w("train loss with adam(lr=0.0003)")
    return "\n".join(L) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, cfg in CONFIGS.items():
        with open(os.path.join(here, name + ".nn"), "w") as f:
            f.write(model_text(name, **cfg))


if __name__ == "__main__":
    main()
