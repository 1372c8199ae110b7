#!/usr/bin/python3
"""check_mnist_forward.py: recompute an MNIST example's forward pass in PyTorch
from the parameters and input nnc-run used, and compare with nnc-run's outputs.

Usage: check_mnist_forward.py mlp|cnn PARAMS.npz X.npy LOGITS.npy PRED.npy
Also checks that the initial parameters follow their declared initializers.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F


def forward(kind, p, x):
    t = {k: torch.from_numpy(v.astype(np.float64)) for k, v in p.items()}
    x = torch.from_numpy(x.astype(np.float64))
    if kind == "mlp":
        h = F.relu(x @ t["w1"] + t["b1"])
        return h @ t["w2"] + t["b2"]
    img = x.reshape(-1, 1, 28, 28)
    h1 = F.max_pool2d(F.relu(F.conv2d(img, t["c1"], t["cb1"], padding=2)), 2)
    h2 = F.max_pool2d(F.relu(F.conv2d(h1, t["c2"], t["cb2"], padding=2)), 2)
    h3 = F.relu(h2.flatten(1) @ t["w3"] + t["b3"])
    return h3 @ t["w4"] + t["b4"]


def check_init(kind, p):
    """Each weight must respect its initializer's law (bounds or spread)."""
    def glorot(name):
        w = p[name]
        fan_in, fan_out = w.shape
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        assert np.abs(w).max() <= limit, f"{name}: beyond the glorot bound"
        # Uniform(-L, L) has std L/sqrt(3); allow 10% for sampling.
        assert abs(w.std() - limit / np.sqrt(3)) < 0.1 * limit / np.sqrt(3), f"{name}: std {w.std()}"

    def he(name):
        w = p[name]
        fan_in = int(np.prod(w.shape[1:]))
        std = np.sqrt(2.0 / fan_in)
        assert abs(w.std() - std) < 0.15 * std, f"{name}: std {w.std()} vs {std}"
        assert abs(w.mean()) < 0.2 * std, f"{name}: mean {w.mean()}"

    if kind == "mlp":
        glorot("w1"), glorot("w2")
        zeros = ["b1", "b2"]
    else:
        he("c1"), he("c2"), glorot("w3"), glorot("w4")
        zeros = ["cb1", "cb2", "b3", "b4"]
    for z in zeros:
        assert not p[z].any(), f"{z} should be zeros"


def main():
    kind, params, xf, logits_f, pred_f = sys.argv[1:6]
    p = dict(np.load(params))
    x = np.load(xf)
    logits = np.load(logits_f)
    pred = np.load(pred_f)
    check_init(kind, p)
    want = forward(kind, p, x).numpy()
    assert logits.shape == want.shape, f"shape {logits.shape} vs {want.shape}"
    err = np.abs(logits - want).max() / max(1e-6, np.abs(want).max())
    print(f"{kind}: max relative error of logits vs PyTorch (f64): {err:.3g}")
    assert err < 1e-5, "logits differ from PyTorch"
    assert pred.dtype == np.int64 and (pred == want.argmax(1)).all(), "argmax differs"
    print(f"{kind}: predictions {pred.tolist()}")


if __name__ == "__main__":
    main()
