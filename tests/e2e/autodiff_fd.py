"""autodiff_fd: checks nnc's @loss_grad against central finite differences of
@loss, both run on the reference interpreter (nnc-run on the graph).

For each model: params and inputs are seeded random values (--load-params,
--input; integer labels in [0, 3)), and for each param the gradient's
projection on random unit directions v is compared with
(L(p + eps v) - L(p - eps v)) / (2 eps). f32 throughout, so the tolerance is
normwise: |fd - <g, v>| <= rtol * |g| + atol. Models listed in TORCH are also
compared elementwise with torch.autograd in f64 on the same values (tight).
Usage: autodiff_fd.py BUILD_DIR MODEL.nn...
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

EPS, RTOL, ATOL, DIRECTIONS = 1e-2, 1e-2, 1e-4, 3


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")


def _torch_models():
    import torch
    F = torch.nn.functional

    def mlp(x, y, w1, b1, w2, b2):
        logits = torch.relu(x @ w1 + b1) @ w2 + b2
        return F.cross_entropy(logits, y.long())

    def cross_entropy(x, y, w, b):
        return F.cross_entropy(x @ w + b, y.long())

    def softmax(x, t, w, v):
        return ((torch.softmax(x @ w, 1) * t).sum() +
                (torch.log_softmax(x @ v, 1) * t).sum() +
                (torch.softmax(x @ v, 0) * t).sum())

    def matmul_batched(x, w, v):
        h = x @ w @ v
        return (h * h).mean()

    def reductions(x, w, v, u):
        a = ((x * w).sum(1) * v).sum()
        b = ((x * w).sum(2, keepdim=True) * u).sum()
        c = ((x * v).mean(0) * w).sum()
        d = ((x * w).mean((0, 2)) * u).mean()
        return a + b + c + d + (x * w * u).mean()

    def where_broadcast(x, w, v, u):
        h = x * w
        return (torch.where(h > 0, h * v, h * v * v).sum() +
                (torch.broadcast_to(u, (3, 4)) * w).sum())

    def mse(x, t, w, v):
        return F.mse_loss(x @ w, t * v)

    return {"mlp.nn": mlp, "cross_entropy.nn": cross_entropy,
            "softmax.nn": softmax, "matmul_batched.nn": matmul_batched,
            "reductions.nn": reductions, "where_broadcast.nn": where_broadcast,
            "mse.nn": mse}


def declarations(graph):
    """(role, name, dtype, shape) of each input and param, B = 3."""
    decls = []
    for line in open(graph):
        parts = line.split()
        if parts and parts[0] in ("input", "param"):
            dtype, dims = parts[2].rstrip("]").split("[")
            shape = tuple(3 if d == "B" else int(d) for d in dims.split(",") if d)
            decls.append((parts[0], parts[1], dtype, shape))
    return decls


def torch_check(fn, decls, inputs, params, grads):
    import torch
    args, leaves = [], {}
    for role, name, _, _ in decls:
        t = torch.from_numpy(np.asarray(inputs[name] if role == "input"
                                        else params[name]))
        if t.is_floating_point():
            t = t.double().requires_grad_(role == "param")
        args.append(t)
        if role == "param":
            leaves[name] = t
    fn(*args).backward()
    bad = []
    for name, t in leaves.items():
        want, have = t.grad.numpy(), grads[name]
        err = np.linalg.norm(have - want) / max(np.linalg.norm(want), 1e-12)
        if not err <= 1e-4:
            bad.append(f"grad_{name}: relative error {err:.3g} against torch")
    return bad


def check(build, model, tmp):
    nnc, nnc_run = f"{build}/bin/nnc", f"{build}/bin/nnc-run"
    graph = f"{tmp}/m.graph"
    run([nnc, model, "--emit=graph", "--grad", "-o", graph])
    rng = np.random.default_rng(7)
    decls = declarations(graph)
    inputs, params = {}, {}
    common = [nnc_run, graph]
    for role, name, dtype, shape in decls:
        if dtype.startswith("i"):
            value = rng.integers(0, 3, shape).astype("int" + dtype[1:])
        else:
            value = rng.uniform(-1, 1, shape).astype("float" + dtype[1:])
        if role == "param":
            params[name] = value
        else:
            inputs[name] = value
            np.save(f"{tmp}/in_{name}.npy", value)
            common += ["--input", f"{name}={tmp}/in_{name}.npy"]

    def loss(p):
        np.savez(f"{tmp}/p.npz", **p)
        run(common + ["--entry", "loss", "--load-params", f"{tmp}/p.npz",
                      "--output", f"loss={tmp}/l.npy"])
        return float(np.load(f"{tmp}/l.npy"))

    np.savez(f"{tmp}/p.npz", **params)
    outs = []
    for name in params:
        outs += ["--output", f"grad_{name}={tmp}/g_{name}.npy"]
    run(common + ["--entry", "loss_grad", "--load-params", f"{tmp}/p.npz",
                  "--output", f"loss={tmp}/l0.npy"] + outs)
    l0 = float(np.load(f"{tmp}/l0.npy"))
    if abs(l0 - loss(params)) > 1e-5 * max(1.0, abs(l0)):
        return [f"loss_grad's loss {l0} differs from @loss"]
    grads = {n: np.load(f"{tmp}/g_{n}.npy").astype(np.float64) for n in params}
    fn = TORCH.get(os.path.basename(model))
    bad = torch_check(fn, decls, inputs, params, grads) if fn else []
    for name, value in params.items():
        g = grads[name]
        if g.shape != value.shape:
            bad.append(f"grad_{name} has shape {g.shape}, param {value.shape}")
            continue
        for _ in range(DIRECTIONS):
            v = rng.standard_normal(value.shape)
            v /= np.linalg.norm(v)
            plus, minus = dict(params), dict(params)
            plus[name] = (value + EPS * v).astype(value.dtype)
            minus[name] = (value - EPS * v).astype(value.dtype)
            fd = (loss(plus) - loss(minus)) / (2 * EPS)
            gv = float(np.sum(g * v))
            tol = RTOL * np.linalg.norm(g) + ATOL
            if not abs(fd - gv) <= tol:
                bad.append(f"grad_{name}: <g, v> = {gv:.6g}, finite "
                           f"differences {fd:.6g} (tolerance {tol:.3g})")
    return bad


def main():
    global TORCH
    TORCH = _torch_models()
    build, models = sys.argv[1], sys.argv[2:]
    failed = 0
    for model in models:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                bad = check(build, model, tmp)
            except RuntimeError as e:
                bad = [str(e)]
        name = os.path.basename(model)
        how = "fd, torch" if name in TORCH else "fd"
        print(f"{'ok  ' if not bad else 'FAIL'} {name} ({how})")
        for line in bad:
            print(f"     {line}")
        failed += bool(bad)
    print(f"autodiff_fd: {len(models) - failed} of {len(models)} models agree")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
