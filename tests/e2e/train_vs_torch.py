#!/usr/bin/python3
"""train_vs_torch: nnc's compiled train_step agrees with PyTorch on real digits.

For each model below: compile it with nnc, save its initial params with
`nnc-run model.so --save-params init.npz`, and run up to 20 train_steps (see
MODELS) on a fixed sequence of batches of 64 MNIST training digits (rows 0,
1, 2, ... in order),
one `nnc-run --entry train_step` per batch chained through
--load-params/--save-params (so the optimizer state opt.* crosses the .npz
too), on the reference device and on Vulkan. PyTorch (CPU, float64) builds
the same model with torch.nn.functional from init.npz and trains it with the
torch.optim optimizer that the graph's `train` line names, hyper-parameters
included. Each step's loss must agree to 1e-4 relative on the reference and
1e-3 on Vulkan (the issue's bounds); the params after the last step
normwise (||nnc - torch|| / ||torch|| per param) to 1e-5 on the reference
and 1e-5 on Vulkan (2e-3 for the CNN, see MODELS). Measured (2026-12-06): every model within 3e-7 (loss)
and 4e-7 (params) on the reference; on Vulkan the MLPs within 4e-7 and the
CNN within 2.6e-6 (loss) and 5e-4 (params: cb1, a small norm fed by a sum
of 50176 terms in f32); the f16 MLP (MODEL_TOLERANCE) within 6.7e-4 (loss)
and 2.6e-3 (params) on both. Until Adam's bias corrections were computed
without cancellation (Ops::oneMinusPow in passes/autodiff/Autodiff.cpp),
1 - exp(t ln 0.999) lost 6e-5 to lavapipe's exp and log near 1 and every
first step came out 6e-5 too long: the MLP drifted to 3e-4 on Vulkan and
the CNN to 2.4e-3 at step 11 (a max-pool window whose two largest cells
lie 5e-7 apart then routed its gradient to the other cell). A wrong update
rule is off by tens of percent.

Then nnc-train trains the MLP for one epoch on the first 1280 digits
(--limit 1280, --seed 7) on the reference; PyTorch replays the same shuffle
(splitmix64 + Fisher-Yates, copied below from tools/nnc-train/Dataset.h) and
the two must end with the same params (1e-5) and the same test accuracy.

The MNIST digits come from scripts/setup.sh (BUILD/data/mnist, or
NNC_MNIST_DIR). Without them the test fails, unless NNC_ALLOW_MISSING_DATA=1,
when it says so and passes. It prints one line per model and device it ran.
Usage: train_vs_torch.py BUILD_DIR
"""
import os
import re
import sys
import tempfile
import time

import numpy as np

from torch_twin import Failure, compare_params, run, torch_optimizer, vulkan_missing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEPS, BATCH = 20, 64
# device: (relative loss tolerance, normwise param tolerance); see above
TOLERANCE = {"reference": (1e-4, 1e-5), "vulkan": (1e-3, 1e-5)}
# name, .nn under the repository, torch forward, steps per device. Budget
# (2 busy cores, lavapipe): one nnc-run per step costs ~0.2 s on the
# reference and ~0.3 s on Vulkan for the MLPs, about 1 s on either for the
# CNN (the whole test: 76 s on a quiet machine, 2026-12-06).
MODELS = [
    ("mlp", "examples/mnist/mlp.nn", "mlp", {"reference": 20, "vulkan": 20}),
    ("mlp_sgd", "tests/e2e/train/mlp_sgd.nn", "mlp", {"reference": 20, "vulkan": 20}),
    ("mlp_adamw", "tests/e2e/train/mlp_adamw.nn", "mlp", {"reference": 20, "vulkan": 20}),
    ("cnn", "examples/mnist/cnn.nn", "cnn", {"reference": 20, "vulkan": 20}),
    # f16 params, Adam's update in f32 (see the model's comment).
    ("mlp_adam_f16", "tests/e2e/train/mlp_adam_f16.nn", "mlp",
     {"reference": 20, "vulkan": 20}),
    # The kernels a CUDA build runs (nnc-gpu-merge-launches is on for
    # --target=cuda only), executed here on Vulkan.
    ("mlp_merged", "examples/mnist/mlp.nn", "mlp", {"vulkan": 20}, ["--merge-launches=on"]),
    ("cnn_merged", "examples/mnist/cnn.nn", "cnn", {"vulkan": 20}, ["--merge-launches=on"]),
    # The kernels a CUDA device runs (merged launches, kernels with
    # barriers among them; contractions staged in workgroup memory), here
    # lowered to SPIR-V.
    ("mlp_cuda", "examples/mnist/mlp.nn", "mlp", {"vulkan": 20},
     ["--target=vulkan", "--tune=cuda"]),
    ("cnn_cuda", "examples/mnist/cnn.nn", "cnn", {"vulkan": 20},
     ["--target=vulkan", "--tune=cuda"]),
]
# Normwise param tolerances that replace TOLERANCE's: the CNN's conv biases
# on Vulkan (cb1 ends 5e-4 off after 20 steps: a small norm, and a gradient
# that sums 50176 terms in f32).
PARAM_TOLERANCE = {("cnn", "vulkan"): 2e-3, ("cnn_merged", "vulkan"): 2e-3,
                   ("cnn_cuda", "vulkan"): 2e-3}
# Models whose (loss, param) tolerances replace TOLERANCE's on every device:
# f16 params and activations against float64 (f16 keeps 11 bits; measured
# 2026-12-07: loss within 6.7e-4, params within 2.6e-3 on the reference and
# on Vulkan).
MODEL_TOLERANCE = {"mlp_adam_f16": (5e-3, 1e-2)}


def torch_logits(kind, p, x):
    import torch
    F = torch.nn.functional
    if kind == "mlp":
        return torch.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    img = x.reshape(-1, 1, 28, 28)
    h1 = F.max_pool2d(torch.relu(F.conv2d(img, p["c1"], p["cb1"], padding=2)), 2)
    h2 = F.max_pool2d(torch.relu(F.conv2d(h1, p["c2"], p["cb2"], padding=2)), 2)
    h3 = torch.relu(h2.flatten(1) @ p["w3"] + p["b3"])
    return h3 @ p["w4"] + p["b4"]


def torch_train(kind, train_line, init, batches):
    """Losses of each step and the final params, in float64."""
    import torch
    F = torch.nn.functional
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in init.items() if not k.startswith("opt.")}
    opt = torch_optimizer(train_line, list(p.values()))
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.cross_entropy(torch_logits(kind, p, torch.tensor(x, dtype=torch.float64)),
                               torch.tensor(y, dtype=torch.long))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy() for k, v in p.items()}


def nnc_train_steps(build, so, device, init, batches, tmp):
    """Runs train_step once per batch with nnc-run; losses and final params."""
    params, losses = init, []
    for i, (x, y) in enumerate(batches):
        xf, yf = os.path.join(tmp, f"x{i}.npy"), os.path.join(tmp, f"y{i}.npy")
        np.save(xf, x)
        np.save(yf, y)
        nxt, lf = os.path.join(tmp, f"{device}-p{i}.npz"), os.path.join(tmp, f"{device}-l{i}.npy")
        run([f"{build}/bin/nnc-run", so, "--device", device, "--entry", "train_step",
             "--input", f"x={xf}", "--input", f"y={yf}", "--load-params", params,
             "--save-params", nxt, "--output", f"loss={lf}"], f"nnc-run train_step on {device}")
        losses.append(float(np.load(lf)))
        params = nxt
    return losses, dict(np.load(params))


def splitmix64_orders(seed, n, epochs):
    """tools/nnc-train/Dataset.h: one splitmix64 stream, Fisher-Yates per epoch."""
    mask = (1 << 64) - 1
    state = seed & mask
    for _ in range(epochs):
        perm = list(range(n))
        for i in range(n - 1, 0, -1):
            state = (state + 0x9E3779B97F4A7C15) & mask
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
            z ^= z >> 31
            j = z % (i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        yield np.array(perm)


def check_nnc_train(build, so, train_line, init_path, data, tmp):
    """nnc-train's shuffle, batching and scoring against a torch replay."""
    import torch
    x, y = (np.load(os.path.join(data, "train", f)) for f in ("x.npy", "y.npy"))
    tx, ty = (np.load(os.path.join(data, "test", f))[:256] for f in ("x.npy", "y.npy"))
    test_dir = os.path.join(tmp, "test256")
    os.makedirs(test_dir, exist_ok=True)
    np.save(os.path.join(test_dir, "x.npy"), tx)
    np.save(os.path.join(test_dir, "y.npy"), ty)
    limit, seed, out = 20 * BATCH, 7, os.path.join(tmp, "nnc-train.npz")
    r = run([f"{build}/bin/nnc-train", so, "--train", os.path.join(data, "train"),
             "--test", test_dir, "--limit", str(limit), "--epochs", "1", "--batch", str(BATCH),
             "--seed", str(seed), "--device", "reference", "--load-params", init_path,
             "--save-params", out], "nnc-train")
    order = next(splitmix64_orders(seed, limit, 1))
    batches = [(x[order[i:i + BATCH]], y[order[i:i + BATCH]]) for i in range(0, limit, BATCH)]
    init = dict(np.load(init_path))
    losses, want = torch_train("mlp", train_line, init, batches)
    worst = compare_params(dict(np.load(out)), want, TOLERANCE["reference"][1], "nnc-train")
    logits = torch_logits("mlp", {k: torch.tensor(v) for k, v in want.items()},
                          torch.tensor(tx, dtype=torch.float64))
    acc = float((logits.argmax(1).numpy() == ty).mean())
    m = re.search(r"^test accuracy: (\d\.\d{4})$", r.stdout.strip().splitlines()[-1])
    if not m:
        raise Failure(f"nnc-train's last line is not `test accuracy: 0.NNNN`:\n{r.stdout}")
    if abs(float(m.group(1)) - acc) > 1.5 / len(ty):
        raise Failure(f"nnc-train says {m.group(1)}, torch's params score {acc:.4f}")
    epoch = re.search(r"epoch 1/1: loss (\d+\.\d+)", r.stderr)
    if not epoch or abs(float(epoch.group(1)) - np.mean(losses)) > 1e-4 + 1e-4 * np.mean(losses):
        raise Failure(f"nnc-train's epoch loss is not torch's mean {np.mean(losses):.4f}:\n{r.stderr}")
    return f"nnc-train mlp, 1 epoch of {limit} shuffled digits: params within {worst:.1e}, " \
           f"test accuracy {m.group(1)} (torch {acc:.4f})"


def check_model(build, name, nn, kind, steps, data, tmp, report, flags=()):
    so = os.path.join(tmp, f"{name}.so")
    run([f"{build}/bin/nnc", os.path.join(ROOT, nn), "-o", so, *flags],
        f"nnc {nn} {' '.join(flags)}")
    graph = run([f"{build}/bin/nnc", os.path.join(ROOT, nn), "--emit=graph"], "nnc --emit=graph").stdout
    if not re.search(r"^func train_step$", graph, re.M):
        raise Failure(f"nnc emits no train_step for {nn}")
    train_line = next(l for l in graph.splitlines() if l.startswith("train "))
    init = os.path.join(tmp, f"{name}-init.npz")
    run([f"{build}/bin/nnc-run", so, "--save-params", init], "nnc-run --save-params")
    x = np.load(os.path.join(data, "train", "x.npy"))[:STEPS * BATCH]
    y = np.load(os.path.join(data, "train", "y.npy"))[:STEPS * BATCH]
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, STEPS * BATCH, BATCH)]
    for device, (tol, param_tol) in TOLERANCE.items():
        if device not in steps:
            continue
        tol, param_tol = MODEL_TOLERANCE.get(name, (tol, param_tol))
        param_tol = PARAM_TOLERANCE.get((name, device), param_tol)
        t0 = time.time()
        want, want_params = torch_train(kind, train_line, dict(np.load(init)), batches[:steps[device]])
        n = steps[device]
        try:
            got, got_params = nnc_train_steps(build, so, device, init, batches[:n], tmp)
        except Failure as e:
            if device == "vulkan" and vulkan_missing(str(e)):
                report.append(f"{name} on vulkan: SKIPPED (vulkaninfo lists no Vulkan device)")
                continue
            raise
        rel = [abs(g - w) / abs(w) for g, w in zip(got, want)]
        bad = [i for i, e in enumerate(rel) if not e <= tol]
        if bad:
            i = bad[0]
            raise Failure(f"{name} on {device}: step {i + 1} loss {got[i]:.7g}, torch {want[i]:.7g} "
                          f"(rel err {rel[i]:.3g} > {tol:g})\n nnc:   {got}\n torch: {want}")
        step = got_params.get("opt.step")
        if step is not None and float(step) != n:
            raise Failure(f"{name} on {device}: opt.step is {float(step)} after {n} steps")
        worst = compare_params(got_params, want_params, param_tol, f"{name} on {device}")
        report.append(f"{name} ({train_line.split()[2]}) on {device}: {n} steps, loss "
                      f"{want[0]:.4f} -> {want[-1]:.4f}, max rel loss err {max(rel):.1e}, "
                      f"params within {worst:.1e} ({time.time() - t0:.1f} s)")
    return so, train_line, init


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: train_vs_torch.py BUILD_DIR")
    build = sys.argv[1]
    data = os.environ.get("NNC_MNIST_DIR", os.path.join(build, "data", "mnist"))
    if not os.path.exists(os.path.join(data, "train", "y.npy")):
        msg = f"no MNIST digits in {data} (scripts/setup.sh fetches them)"
        if os.environ.get("NNC_ALLOW_MISSING_DATA") == "1":
            print(f"SKIP: train_vs_torch: {msg}; NNC_ALLOW_MISSING_DATA=1 lets this pass")
            return 0
        print(f"FAIL: train_vs_torch: {msg}; set NNC_ALLOW_MISSING_DATA=1 to skip instead")
        return 1
    try:
        import torch  # noqa: F401
    except ImportError:
        print("FAIL: train_vs_torch: /usr/bin/python3 has no torch (Debian python3-torch)")
        return 1
    report = []
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for name, nn, kind, steps, *flags in MODELS:
                done = check_model(build, name, nn, kind, steps, data, tmp, report,
                                   flags[0] if flags else ())
                if name == "mlp":
                    report.append(check_nnc_train(build, done[0], done[1], done[2], data, tmp))
        except Failure as e:
            print("\n".join(report))
            print(f"FAIL: train_vs_torch: {e}")
            return 1
    print("\n".join(report))
    print(f"PASS: train_vs_torch ({time.time() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
