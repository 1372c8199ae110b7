"""autodiff_fd: checks nnc's @loss_grad against central finite differences of
@loss, both run on the reference interpreter (nnc-run on the graph).

For each model: params and inputs are seeded random values (--load-params,
--input; integer labels in [0, 3); states, e.g. batch_norm running
statistics, in [0.5, 1.5) so that a variance is valid), and for each param
the gradient's projection on random unit directions v is compared with
(L(p + eps v) - L(p - eps v)) / (2 eps). f32 throughout, so the tolerance is
normwise: |fd - <g, v>| <= rtol * |g| + atol. Models listed in TORCH are also
compared elementwise with torch.autograd in f64 on the same values (tight);
their functions take the inputs, params and states in declaration order.
A model is a .nn file or the nn dialect as .mlir (for what the frontend
does not write, such as batch_norm with training = false in @loss).
Usage: autodiff_fd.py BUILD_DIR MODEL.nn|MODEL.mlir...
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


def philox_keep(seed, shape, p, step=0):
    """The dropout keep mask of docs/ops.md: Philox 4x32-10 under key
    (seed lo, seed hi) at counter (i lo, i hi, step, 0) for the row-major
    index i; keep iff (w0 >> 8) * 2^-24 >= p. An independent implementation
    of reference/Philox.cpp in numpy."""
    m32 = np.uint64(0xFFFFFFFF)
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    c = [i & m32, i >> np.uint64(32), np.full(n, step, np.uint64),
         np.zeros(n, np.uint64)]
    k0, k1 = seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0), p1 & m32,
             (p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1), p0 & m32]
    u = (c[0] >> np.uint64(8)).astype(np.float64) * 2.0 ** -24
    return (u >= p).reshape(shape)


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

    def attention(x, mask, t, wq, wk, wv):
        def heads(z):
            return z.reshape(-1, 6, 2, 4).transpose(1, 2)
        q, k, v = heads(x @ wq), heads(x @ wk), heads(x @ wv)
        a = torch.softmax(q @ k.transpose(2, 3) * 0.5 + mask, -1) @ v
        b = torch.softmax(k @ q.transpose(2, 3) / 2.0, -1) @ v
        return (a * t).sum() + (b * b).sum()

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

    def maximum_minimum(x, w, v):
        return ((torch.maximum(x * w, v) * x).sum() +
                (torch.minimum(x, w * v) * w).sum() +
                (torch.maximum(w, w) * v).sum())

    def abs_(x, w, v):
        return (torch.abs(x * w - v) * x).sum()

    def pow_(x, w, v):
        return (torch.pow(w * w + 0.5, x).sum() +
                torch.pow(x * x + 1, v * x).sum())

    def gelu(x, w, v):
        h = x * w + v
        return ((F.gelu(h) * x).sum() +
                (F.gelu(h, approximate="tanh") * x).sum() +
                (F.gelu(h * 1e-4) * x).sum() * 1e4)

    def silu(x, w, v):
        return (F.silu(x * w + v) * x).sum()

    def max_min(x, w, v, u):  # amax/amin split the gradient among ties
        a = ((x * w).amax(1) * v).sum()
        b = ((x * w).amin(2, keepdim=True) * u).sum()
        c = ((x * v).amax(0) * w).sum()
        d = (x * w * u).amax() + (x * w).amin((0, 2))
        e = ((x * 0 + w).amax(0, keepdim=True) * w).sum()
        return a + b + c + (d * u).sum() + e

    def layer_norm(x, w, g, b, g1, b1):
        return ((F.layer_norm(x * w, (3, 4), g, b, 1e-5) * x).sum() +
                (F.layer_norm(x + w, (4,), g1, b1, 1e-5) * x * x).sum())

    def rms(h, g, dims, eps):  # torch 1.13 has no rms_norm
        return h * torch.rsqrt((h * h).mean(dims, keepdim=True) + eps) * g

    def rms_norm(x, w, g, g2):
        return ((rms(x * w, g, (2,), 1e-6) * x).sum() +
                (rms(x + w, g2, (1, 2), 0.01) * x * x).sum())

    def batch_norm(x, w, g, b, v, rm, rv, rm2, rv2, training=True):
        h = F.batch_norm(x * w, rm.clone(), rv.clone(), g, b, training, 0.1,
                         1e-5)
        k = F.batch_norm(x.sum((2, 3)) * v, rm2.clone(), rv2.clone(), g, b,
                         training, 0.2, 1e-3)
        return (h * x).sum() + (k * k * v).sum()

    def batch_norm_eval(*args):
        return batch_norm(*args, training=False)

    def flatten(x, w, u, v):
        return ((torch.flatten(x * w, 1) * u).sum() +
                (torch.flatten(x * w * v, 0, 1) * v).sum())

    def concat(x, w, v, c, u):
        h = x @ w
        a = torch.cat([h, x @ v, h], 1)
        b = torch.cat([w, h, c], 0)
        return (a * a * u).sum() + (b * b * b).sum()

    def slice_(x, w, u):
        h = x @ w
        a, b, c, d = h[:, 1:7:2], h[:, -3:], h[1:], h[-2:-1]
        return (a * a * u).sum() + (b * u).sum() + (c * c).sum() + (d ** 3).sum()

    def gather_embedding(x, i, t, w):
        i = i.long()
        e = F.embedding(i, t)
        a = w[:, i]
        b = (x @ w)[i]
        return ((e * e * x.reshape(-1, 1, 4)).sum() + (a ** 3).sum() +
                (b * b).sum())

    def dropout(x, w, v):
        def drop(h, p, seed):
            keep = torch.from_numpy(philox_keep(seed, tuple(h.shape), p))
            return torch.where(keep, h / (1 - p), torch.zeros_like(h))
        return ((drop(x * w + v, 0.3, 5) * x).sum() +
                (drop(x * v, 0.5, 0) * w).sum())

    return {"mlp.nn": mlp, "cross_entropy.nn": cross_entropy,
            "softmax.nn": softmax, "matmul_batched.nn": matmul_batched,
            "attention.nn": attention,
            "reductions.nn": reductions, "where_broadcast.nn": where_broadcast,
            "mse.nn": mse, "maximum_minimum.nn": maximum_minimum,
            "abs.nn": abs_, "pow.nn": pow_, "gelu.nn": gelu, "silu.nn": silu,
            "max_min.nn": max_min, "layer_norm.nn": layer_norm,
            "rms_norm.nn": rms_norm, "batch_norm.nn": batch_norm,
            "batch_norm_eval.mlir": batch_norm_eval, "flatten.nn": flatten,
            "concat.nn": concat, "slice.nn": slice_,
            "gather_embedding.nn": gather_embedding, "dropout.nn": dropout}



def _torch_conv_models():
    import torch
    F = torch.nn.functional

    def conv2d_stride(x, p, w, b):
        return (F.conv2d(x + p, w, b, stride=2) ** 2).mean()

    def conv2d_padding(x, p, w):
        return (F.conv2d(x + p, w, padding=(1, 2)) ** 2).mean()

    def conv2d_dilation(x, p, w):
        y = F.conv2d(x + p, w, stride=(1, 2), padding=1, dilation=2)
        return (y ** 2).mean()

    def conv2d_groups(x, p, w, b):
        return (F.conv2d(x + p, w, b, padding=1, groups=2) ** 2).mean()

    def conv2d_chain(x, w1, b1, w2):
        h = torch.relu(F.conv2d(x, w1, b1, padding=1))
        return (F.conv2d(h, w2, stride=2) ** 2).mean()

    def max_pool2d(x, p, u, v, t):
        h = x * 4 + p
        return ((F.max_pool2d(h, 2) * u).sum() +
                (F.max_pool2d(h, 3, stride=2, padding=1) * v).sum() +
                (F.max_pool2d(h, (3, 2), stride=(1, 2)) * t).sum())

    def avg_pool2d(x, p, u, v, t):
        h = x + p
        return ((F.avg_pool2d(h, 2) * u).sum() +
                (F.avg_pool2d(h, 3, stride=2, padding=1) * v).sum() +
                (F.avg_pool2d(h, (3, 2), stride=(2, 1), padding=(1, 0)) *
                 t).sum() +
                F.avg_pool2d(h * h, 2).mean())

    def global_avg_pool(x, p, w):
        return (((x + p) ** 2).mean((2, 3)) @ w).mean()

    def cnn(x, y, c1, cb1, c2, cb2, w3, b3, w4, b4):
        img = x.reshape(-1, 1, 28, 28)
        h1 = F.max_pool2d(torch.relu(F.conv2d(img, c1, cb1, padding=2)), 2)
        h2 = F.max_pool2d(torch.relu(F.conv2d(h1, c2, cb2, padding=2)), 2)
        h3 = torch.relu(h2.flatten(1) @ w3 + b3)
        return F.cross_entropy(h3 @ w4 + b4, y.long())

    return {"conv2d_stride.nn": conv2d_stride,
            "conv2d_padding.nn": conv2d_padding,
            "conv2d_dilation.nn": conv2d_dilation,
            "conv2d_groups.nn": conv2d_groups,
            "conv2d_chain.nn": conv2d_chain, "max_pool2d.nn": max_pool2d,
            "avg_pool2d.nn": avg_pool2d, "global_avg_pool.nn": global_avg_pool,
            "cnn.nn": cnn}

def declarations(graph):
    """(role, name, dtype, shape) of each input, param and state, B = 3."""
    decls = []
    for line in open(graph):
        parts = line.split()
        if parts and parts[0] in ("input", "param", "state"):
            dtype, dims = parts[2].rstrip("]").split("[")
            shape = tuple(3 if d == "B" else int(d) for d in dims.split(",") if d)
            decls.append((parts[0], parts[1], dtype, shape))
    return decls


def torch_check(fn, decls, inputs, params, grads):
    import torch
    args, leaves = [], {}
    for role, name, _, _ in decls:
        if name.startswith("opt."):
            continue  # the optimizer's state (train_step), not the model's
        t = torch.from_numpy(np.asarray(inputs[name] if role == "input"
                                        else params[name]).copy())
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
    inputs, params, states = {}, {}, {}
    common = [nnc_run, graph]
    for role, name, dtype, shape in decls:
        if dtype.startswith("i"):
            value = rng.integers(0, 3, shape).astype("int" + dtype[1:])
        elif role == "state":
            value = rng.uniform(0.5, 1.5, shape).astype("float" + dtype[1:])
        else:
            value = rng.uniform(-1, 1, shape).astype("float" + dtype[1:])
        if role == "param":
            params[name] = value
        elif role == "state":
            states[name] = value
        else:
            inputs[name] = value
            np.save(f"{tmp}/in_{name}.npy", value)
            common += ["--input", f"{name}={tmp}/in_{name}.npy"]

    def loss(p):
        np.savez(f"{tmp}/p.npz", **p, **states)
        run(common + ["--entry", "loss", "--load-params", f"{tmp}/p.npz",
                      "--output", f"loss={tmp}/l.npy"])
        return float(np.load(f"{tmp}/l.npy"))

    np.savez(f"{tmp}/p.npz", **params, **states)
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
    bad = (torch_check(fn, decls, inputs, {**params, **states}, grads)
           if fn else [])
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
    TORCH = {**_torch_models(), **_torch_conv_models()}
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
