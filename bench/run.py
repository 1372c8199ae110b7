#!/usr/bin/python3
"""bench/run.py: nnc against PyTorch eager, torch.compile and JAX.

For each benchmark case (issue 6, item 5; the list is CASES below) this
script
  1. compiles the case's model (bench/models/*.nn, examples/mnist/cnn.nn)
     with nnc and asks `nnc --stats=json` for its kernels, bytes_moved,
     bytes_min and flops at the case's sizes;
  2. times the entry with `nnc-run --bench N` (median and min of N runs after
     3 warm-ups, as nnc-run prints them);
  3. times the same computation in PyTorch eager, and in torch.compile and
     JAX where they are installed (median and min of N runs after 3
     warm-ups; on CUDA every run ends with a synchronize);
  4. checks that nnc agrees with PyTorch eager on the same inputs and params:
     the forward output (max abs error / max |torch|), or for a train step
     the loss of the first step from identical initial params (nnc's own
     initializers, written with `nnc-run --save-params` and loaded into
     PyTorch). bf16 tensors have no .npy form (NumPy has no bfloat16), so a
     bf16 case is checked with `nnc-run --check` (device against nnc's
     reference interpreter) at its small check sizes instead;
  5. gives each time as a fraction of the machine's peak: bytes_min / time
     over the measured copy bandwidth (a torch tensor copy on the same
     device, counting bytes read and written) for memory-bound cases, and
     flops / time over torch.matmul (cuBLAS on CUDA) on the case's
     representative shape and dtype for the others. Every framework is given
     the same numerator (nnc's bytes_min or flops for the case), so the
     columns compare times, not bookkeeping.
It writes the tables to stdout and, as one section (replaced on each run of
the same device and mode), to a Markdown file.

Modes:
  --device cuda            the issue's full sizes (nnc-run --device cuda,
                           PyTorch on CUDA).
  --device vulkan --quick  small sizes that run in seconds on lavapipe, with
                           PyTorch on the CPU: this checks the script and the
                           agreement, not the speed. --device reference runs
                           nnc's reference interpreter instead.
A GPU machine without LLVM/MLIR cannot run nnc, so the work splits in two:
  run.py --device cuda --compile-only DIR   (here: .so files, stats, manifest)
  run.py --device cuda --prebuilt DIR       (there: needs nnc-run + python)
Without either, the models are compiled into a temporary folder and run.

Anything missing on the machine (torch.compile in torch 1.13, JAX, CUDA, a
case that fails) becomes an "n/a (why)" cell, never an exception; the exit
status is 1 only when an agreement check fails (or nothing could run).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

# JAX takes 75% of the GPU's memory at its first use unless told not to;
# nnc-run runs as another process beside it and needs that memory.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = os.path.join(HERE, "models")
sys.path.insert(0, MODELS)
import gpt as gpt_models  # noqa: E402  (the GPT configurations)

WARMUP = 3
BF16_CUDA_ONLY = "bf16 runs on CUDA only: SPIR-V has no bfloat16 type"
# Agreement tolerances: max abs error over max |reference| for outputs,
# relative error for a loss. f32 leaves room for reassociated sums (lavapipe,
# CUDA) over up to 2^28 elements; bf16 is checked by nnc-run --check, which
# has its own tolerance (1e-2).
TOL = {"f32": 1e-3}


# --- the cases ---------------------------------------------------------------

class Case:
    """One benchmark: a model entry at given sizes.

    name       short id (a1_fwd_f32 ...), used by --cases
    title      what it is, for the tables
    model      path of the .nn relative to the repository root
    entry      'forward' or 'train_step'
    full       {dim: size} for --device cuda (the issue's sizes)
    quick      {dim: size} for --quick; None: not run in quick mode
    metric     'bytes' (ratio to copy bandwidth) or 'flops' (to matmul)
    peak_mm    (M, K, N) of the torch.matmul that gives the flops peak
    dtype      'f32' or 'bf16' (bf16: random inputs, checked by --check)
    twin       name of the PyTorch/JAX twin (functions below)
    output     nnc output compared with the twin's (forward entries)
    check_dims {dim: size} of the nnc-run --check run of a bf16 case
    """

    def __init__(self, name, title, model, entry, full, quick, metric, twin,
                 peak_mm=None, dtype="f32", output=None, check_dims=None, lr=0.001):
        self.name, self.title, self.model, self.entry = name, title, model, entry
        self.full, self.quick, self.metric, self.twin = full, quick, metric, twin
        self.peak_mm, self.dtype, self.output = peak_mm, dtype, output
        self.check_dims, self.lr = check_dims, lr

    def dims(self, quick):
        return self.quick if quick else self.full


M = "bench/models/"
GPT_FULL, GPT_TINY = gpt_models.CONFIGS["gpt2_small"], gpt_models.CONFIGS["gpt_tiny"]
CASES = [
    Case("a_fwd_f32", "(a) bias + GELU + residual, forward, f32", M + "bias_gelu_residual.nn",
         "forward", {"B": 262144}, {"B": 64}, "bytes", "bgr", output="y"),
    Case("a_step_f32", "(a) bias + GELU + residual, forward + backward + adam, f32",
         M + "bias_gelu_residual.nn", "train_step", {"B": 262144}, {"B": 64}, "bytes", "bgr"),
    Case("a_fwd_bf16", "(a) bias + GELU + residual, forward, bf16",
         M + "bias_gelu_residual_bf16.nn", "forward", {"B": 262144}, {"B": 64}, "bytes", "bgr",
         dtype="bf16", check_dims={"B": 16}),
    Case("a_step_bf16", "(a) bias + GELU + residual, forward + backward + adam, bf16",
         M + "bias_gelu_residual_bf16.nn", "train_step", {"B": 262144}, {"B": 64}, "bytes",
         "bgr", dtype="bf16", check_dims={"B": 16}),
    Case("b_softmax_fwd", "(b) softmax over rows of 8192, forward", M + "softmax.nn",
         "forward", {"B": 32768}, {"B": 16}, "bytes", "softmax", output="y"),
    Case("b_softmax_step", "(b) softmax over rows of 8192, forward + backward + adam",
         M + "softmax.nn", "train_step", {"B": 32768}, {"B": 16}, "bytes", "softmax"),
    Case("b_ln_fwd", "(b) layer_norm over rows of 8192, forward", M + "layer_norm.nn",
         "forward", {"B": 32768}, {"B": 16}, "bytes", "layer_norm", output="y"),
    Case("b_ln_step", "(b) layer_norm over rows of 8192, forward + backward + adam",
         M + "layer_norm.nn", "train_step", {"B": 32768}, {"B": 16}, "bytes", "layer_norm"),
    Case("c_rowsum", "(c) row sums", M + "row_sum.nn", "forward", {"B": 16384, "C": 16384},
         {"B": 256, "C": 256}, "bytes", "row_sum", output="s"),
    Case("c_colsum", "(c) column sums", M + "col_sum.nn", "forward", {"B": 16384, "C": 16384},
         {"B": 256, "C": 256}, "bytes", "col_sum", output="s"),
    Case("d_gemm_f32", "(d) GEMM, f32", M + "gemm.nn", "forward",
         {"M": 8192, "K": 8192, "N": 8192}, {"M": 128, "K": 128, "N": 128}, "flops", "gemm",
         output="c"),
    Case("d_gemm_bf16", "(d) GEMM, bf16", M + "gemm_bf16.nn", "forward",
         {"M": 8192, "K": 8192, "N": 8192}, {"M": 128, "K": 128, "N": 128}, "flops", "gemm",
         dtype="bf16", check_dims={"M": 64, "K": 64, "N": 64}),
    Case("e_mlp_step", "(e) MLP train step, 8 layers (4096 wide; 128 in quick mode), adam",
         M + "mlp_{W}.nn", "train_step", {"B": 4096, "W": 4096}, {"B": 64, "W": 128}, "flops",
         "mlp"),
    Case("f_cnn_step", "(f) MNIST CNN train step (examples/mnist/cnn.nn), adam",
         "examples/mnist/cnn.nn", "train_step", {"B": 256}, {"B": 16}, "flops", "cnn"),
    Case("g_gpt_step", "(g) GPT-2-like train step (gpt2_small.nn: 12 x 768, seq 1024, bf16; "
         "gpt_tiny.nn in quick mode), adam", M + "{GPT}.nn", "train_step",
         {"B": 8, "GPT": "gpt2_small"}, {"B": 2, "GPT": "gpt_tiny"}, "flops", "gpt", lr=0.0003),
    Case("h_cnn_infer", "(h) MNIST CNN inference, batch 1", "examples/mnist/cnn.nn", "forward",
         {"B": 1}, {"B": 1}, "flops", "cnn", output="logits"),
    Case("h_gpt_infer", "(h) GPT-2-like inference, batch 1", M + "{GPT}.nn", "forward",
         {"B": 1, "GPT": "gpt2_small"}, {"B": 1, "GPT": "gpt_tiny"}, "flops", "gpt",
         output="logits"),
]
# Sizes that are not dims of the model: W picks the MLP file, GPT the
# transformer's configuration (gpt2_small is bf16: checked by --check only).
MODEL_KEYS = ("W", "GPT")


def model_path(case, quick):
    """The .nn of a case at its sizes, relative to the repository root."""
    return case.model.format(**{k: v for k, v in case.dims(quick).items()})


def model_dims(case, quick):
    """The --dim arguments of a case: its sizes without the model keys."""
    return {k: v for k, v in case.dims(quick).items() if k not in MODEL_KEYS}


def case_dtype(case, quick):
    if case.twin == "gpt":
        cfg = GPT_TINY if quick else GPT_FULL
        return cfg["dtype"]
    return case.dtype


def peak_shape(case, quick):
    """(M, K, N) of the case's representative matmul (flops cases)."""
    d = case.dims(quick)
    if case.twin == "gemm":
        return d["M"], d["K"], d["N"]
    if case.twin == "mlp":
        return d["B"], d["W"], d["W"]
    if case.twin == "cnn":   # conv2 as an implicit GEMM: [B*14*14, 16*5*5] @ [400, 32]
        return d["B"] * 14 * 14, 400, 32
    if case.twin == "gpt":   # the MLP's first matmul: [B*T, d] @ [d, 4d]
        cfg = GPT_TINY if quick else GPT_FULL
        return d["B"] * cfg["seq"], cfg["d"], 4 * cfg["d"]
    raise ValueError(case.name)


# --- inputs ------------------------------------------------------------------

def make_inputs(case, quick, seed=0):
    """Numpy inputs of an f32 case, as nnc-run and the twins take them."""
    d = case.dims(quick)
    rng = np.random.default_rng(seed)

    def f32(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    if case.twin == "bgr":
        return {"x": f32(d["B"], 1024), "r": f32(d["B"], 1024), "t": f32(d["B"], 1024)}
    if case.twin in ("softmax", "layer_norm"):
        return {"x": f32(d["B"], 8192), "t": f32(d["B"], 8192)}
    if case.twin in ("row_sum", "col_sum"):
        return {"x": f32(d["B"], d["C"])}
    if case.twin == "gemm":
        return {"a": f32(d["M"], d["K"]), "b": f32(d["K"], d["N"])}
    if case.twin == "mlp":
        return {"x": f32(d["B"], d["W"]), "y": f32(d["B"], d["W"])}
    if case.twin == "cnn":
        return {"x": rng.random((d["B"], 784), dtype=np.float32),
                "y": rng.integers(0, 10, d["B"]).astype(np.int32)}
    if case.twin == "gpt":
        cfg = GPT_TINY if quick else GPT_FULL
        T, V = cfg["seq"], cfg["vocab"]
        mask = np.triu(np.full((T, T), -1e4, dtype=np.float32), k=1)
        return {"ids": rng.integers(0, V, (d["B"], T)).astype(np.int32),
                "y": rng.integers(0, V, (d["B"], T)).astype(np.int32), "mask": mask}
    raise ValueError(case.name)


def twin_shapes(case, quick):
    """{param: shape} of a case's model, for twins that make their own
    params (bf16 cases, whose params nnc-run cannot write to .npz)."""
    if case.twin == "bgr":
        return {"b": (1024,)}
    if case.twin == "gemm":
        return {}
    if case.twin == "gpt":
        cfg = GPT_TINY if quick else GPT_FULL
        d, T, V = cfg["d"], cfg["seq"], cfg["vocab"]
        shapes = {"wte": (V, d), "wpe": (T, d), "gf": (d,), "bf": (d,)}
        for i in range(1, cfg["layers"] + 1):
            for p in ("g1", "b1", "g2", "b2", "cq", "ck", "cv", "co", "c2"):
                shapes[f"l{i}{p}"] = (d,)
            for p in ("wq", "wk", "wv", "wo"):
                shapes[f"l{i}{p}"] = (d, d)
            shapes[f"l{i}w1"], shapes[f"l{i}c1"], shapes[f"l{i}w2"] = (d, 4 * d), (4 * d,), (4 * d, d)
        return shapes
    raise ValueError(f"{case.name}: no shapes for a made-up init")


def bf16_inputs(case, quick):
    """Shapes and kinds of a bf16 case's inputs for the twins (random)."""
    d = case.dims(quick)
    if case.twin == "bgr":
        return {k: ("float", (d["B"], 1024)) for k in ("x", "r", "t")}
    if case.twin == "gemm":
        return {"a": ("float", (d["M"], d["K"])), "b": ("float", (d["K"], d["N"]))}
    if case.twin == "gpt":
        cfg = GPT_TINY if quick else GPT_FULL
        T, V = cfg["seq"], cfg["vocab"]
        return {"ids": ("int", (d["B"], T), V), "y": ("int", (d["B"], T), V),
                "mask": ("mask", (T, T))}
    raise ValueError(case.name)


# --- the PyTorch twins ---------------------------------------------------------
# Each takes params p and inputs x (dicts of tensors) and returns
# (forward output, loss); they follow the .nn models line by line.

# The twins that read the same for torch tensors and JAX arrays.
def row_sum(p, x):
    return x["x"].sum(1), None


def col_sum(p, x):
    return x["x"].sum(0), None


def gemm(p, x):
    return x["a"] @ x["b"], None


SHARED_TWINS = {"row_sum": row_sum, "col_sum": col_sum, "gemm": gemm}


def torch_twin(name, quick):
    import torch
    F = torch.nn.functional

    def bgr(p, x):
        y = F.gelu(x["x"] + p["b"]) + x["r"]
        return y, (y * x["t"]).sum()

    def softmax(p, x):
        y = torch.softmax(x["x"] + p["c"], dim=-1)
        return y, (y * x["t"]).sum()

    def layer_norm(p, x):
        y = F.layer_norm(x["x"] + p["c"], (8192,), p["g"], p["beta"], eps=1e-5)
        return y, (y * x["t"]).sum()

    def mlp(p, x):
        h = x["x"]
        for i in range(1, 8):
            h = torch.relu(torch.addmm(p[f"b{i}"], h, p[f"w{i}"]))   # nn.Linear's op
        out = torch.addmm(p["b8"], h, p["w8"])
        return out, F.mse_loss(out, x["y"])

    def cnn(p, x):
        img = x["x"].reshape(-1, 1, 28, 28)
        h1 = F.max_pool2d(torch.relu(F.conv2d(img, p["c1"], p["cb1"], padding=2)), 2)
        h2 = F.max_pool2d(torch.relu(F.conv2d(h1, p["c2"], p["cb2"], padding=2)), 2)
        h3 = torch.relu(torch.addmm(p["b3"], h2.flatten(1), p["w3"]))
        logits = torch.addmm(p["b4"], h3, p["w4"])
        return logits, F.cross_entropy(logits, x["y"].long())

    cfg = GPT_TINY if quick else GPT_FULL

    def gpt(p, x):
        T, d, H = cfg["seq"], cfg["d"], cfg["heads"]
        dh = d // H

        def heads(t):
            return t.reshape(-1, T, H, dh).transpose(1, 2)

        def ln(h, g, b):
            return F.layer_norm(h, (d,), g, b, eps=1e-5)

        h = p["wte"][x["ids"].long()] + p["wpe"]
        for i in range(1, cfg["layers"] + 1):
            w = {k: p[f"l{i}{k}"] for k in ("g1", "b1", "wq", "cq", "wk", "ck", "wv", "cv",
                                             "wo", "co", "g2", "b2", "w1", "c1", "w2", "c2")}
            a_in = ln(h, w["g1"], w["b1"])
            q, k, v = (heads(a_in @ w[f"w{n}"] + w[f"c{n}"]) for n in "qkv")
            a = torch.softmax(q @ k.transpose(2, 3) * (1.0 / dh ** 0.5) + x["mask"], dim=-1)
            o = (a @ v).transpose(1, 2).reshape(-1, T, d)
            h = h + o @ w["wo"] + w["co"]
            m = F.gelu(ln(h, w["g2"], w["b2"]) @ w["w1"] + w["c1"], approximate="tanh")
            h = h + m @ w["w2"] + w["c2"]
        logits = ln(h, p["gf"], p["bf"]) @ p["wte"].t()
        loss = F.cross_entropy(logits.reshape(-1, cfg["vocab"]), x["y"].reshape(-1).long())
        return logits, loss

    return SHARED_TWINS.get(name) or locals()[name]


# --- the JAX twins (where JAX is installed; none for the CNN and GPT) ------------

def jax_twin(name):
    import jax

    def bgr(p, x):
        y = jax.nn.gelu(x["x"] + p["b"], approximate=False) + x["r"]
        return y, (y * x["t"]).sum()

    def softmax(p, x):
        y = jax.nn.softmax(x["x"] + p["c"], axis=-1)
        return y, (y * x["t"]).sum()

    def layer_norm(p, x):
        h = x["x"] + p["c"]
        mu = h.mean(-1, keepdims=True)
        var = ((h - mu) ** 2).mean(-1, keepdims=True)
        y = (h - mu) * jax.lax.rsqrt(var + 1e-5) * p["g"] + p["beta"]
        return y, (y * x["t"]).sum()

    def mlp(p, x):
        h = x["x"]
        for i in range(1, 8):
            h = jax.nn.relu(h @ p[f"w{i}"] + p[f"b{i}"])
        out = h @ p["w8"] + p["b8"]
        return out, ((out - x["y"]) ** 2).mean()

    twins = {"bgr": bgr, "softmax": softmax, "layer_norm": layer_norm, "mlp": mlp,
             **SHARED_TWINS}
    return twins.get(name)


# --- running things ------------------------------------------------------------

class NA(Exception):
    """A cell that cannot be measured here; str() says why."""


def run_cmd(cmd, what, timeout=3600):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise NA(f"{what} did not finish in {timeout} s")
    if r.returncode != 0:
        raise NA(f"{what} failed ({failure_summary(r)})")
    return r


def failure_summary(r):
    """One line for a failed command: its error lines, or where it crashed."""
    lines = (r.stdout + r.stderr).strip().splitlines()
    errors = [l.strip() for l in lines if "error:" in l]
    if errors:
        return f"exit {r.returncode}: " + " | ".join(errors[:2])
    if r.returncode < 0:
        # An LLVM stack dump: the first frame inside nnc's own code.
        frames = [l for l in lines if re.match(r"\s*#\d+ ", l) and "libLLVM" not in l
                  and "libc.so" not in l and "PrintStackTrace" not in l]
        where = ""
        if frames:
            m = re.search(r"\) (.*)$", frames[0]) or re.search(r"#\d+ \S+ (.*)$", frames[0])
            where = " in " + (m.group(1) if m else frames[0].strip())[:160]
        return f"crashed with signal {-r.returncode}{where}"
    return f"exit {r.returncode}: " + " | ".join(lines[-2:])


def median_min(times):
    s = sorted(times)
    return s[len(s) // 2], s[0]


def time_calls(fn, reps, sync):
    """Median and min (ms) of reps calls of fn after WARMUP, each synced."""
    for _ in range(WARMUP):
        fn()
    sync()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        ms.append((time.perf_counter() - t0) * 1e3)
    return median_min(ms)


def rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        return float("inf")
    scale = max(float(np.abs(want).max()), 1e-30) if want.size else 1.0
    return float(np.abs(got - want).max()) / scale if want.size else 0.0


class Env:
    """What this machine has: device, torch, torch.compile, JAX, peaks."""

    def __init__(self, args):
        self.args = args
        self.device = args.device
        self.quick = args.quick
        import torch
        self.torch = torch
        self.tdev = "cuda" if args.device == "cuda" else "cpu"
        if self.tdev == "cuda" and not torch.cuda.is_available():
            raise SystemExit("run.py: --device cuda but torch sees no CUDA device")
        self.compile_why = None
        if not hasattr(torch, "compile"):
            self.compile_why = f"torch {torch.__version__} has no torch.compile"
        elif args.no_compile:
            self.compile_why = "--no-compile"
        try:
            import jax  # noqa: F401
            self.jax_why = None if not args.no_jax else "--no-jax"
        except Exception as e:  # ImportError, or a broken install
            self.jax_why = f"no JAX here ({type(e).__name__})"
        self._mm_peak = {}
        self.copy_bw = None

    def release(self):
        """Gives cached device memory back (torch's allocator keeps it)."""
        import gc
        gc.collect()
        if self.tdev == "cuda":
            self.torch.cuda.empty_cache()

    def sync(self):
        if self.tdev == "cuda":
            self.torch.cuda.synchronize()

    def measure_copy_bw(self):
        """Bytes/s of dst.copy_(src), bytes read plus bytes written."""
        torch = self.torch
        n = (1 << 30) if self.tdev == "cuda" else (64 << 20)
        src = torch.empty(n, dtype=torch.uint8, device=self.tdev).fill_(1)
        dst = torch.empty_like(src)
        med, _ = time_calls(lambda: dst.copy_(src), max(self.args.reps, 20), self.sync)
        self.copy_bw = 2 * n / (med / 1e3)
        return self.copy_bw

    def matmul_peak(self, mkn, dtype):
        """Flop/s of torch.matmul on [M, K] @ [K, N] in dtype (cached)."""
        key = (mkn, dtype)
        if key not in self._mm_peak:
            torch = self.torch
            tdt = torch.bfloat16 if dtype == "bf16" else torch.float32
            m, k, n = mkn
            a = torch.randn(m, k, device=self.tdev).to(tdt)
            b = torch.randn(k, n, device=self.tdev).to(tdt)
            med, _ = time_calls(lambda: torch.matmul(a, b), max(self.args.reps, 20), self.sync)
            self._mm_peak[key] = 2.0 * m * k * n / (med / 1e3)
        return self._mm_peak[key]

    def versions(self):
        torch = self.torch
        lines = [f"python {platform.python_version()}, torch {torch.__version__}, "
                 f"numpy {np.__version__}"]
        if self.tdev == "cuda":
            lines.append(f"CUDA device: {torch.cuda.get_device_name(0)}, torch CUDA "
                         f"{torch.version.cuda}, driver: {nvidia_driver()}")
        else:
            lines.append(f"PyTorch device: CPU ({platform.processor() or platform.machine()}, "
                         f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads)")
        if self.jax_why is None:
            import jax
            lines.append(f"jax {jax.__version__} on {jax.devices()[0].platform}")
        else:
            lines.append(f"JAX: n/a ({self.jax_why})")
        if self.compile_why:
            lines.append(f"torch.compile: n/a ({self.compile_why})")
        return lines


def nvidia_driver():
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (no nvidia-smi)"


def vulkan_device():
    try:
        r = subprocess.run(["vulkaninfo", "--summary"], capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"deviceName\s*=\s*(.+)", r.stdout)
        d = re.search(r"driverInfo\s*=\s*(.+)", r.stdout)
        return (m.group(1).strip() if m else "unknown") + (
            f" (driver {d.group(1).strip()})" if d else "")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (no vulkaninfo)"


# --- compiling (here, where nnc is) ------------------------------------------------

def compile_flags(args):
    if args.device == "cuda":
        return ["--target=cuda", f"--gpu={args.gpu}"]
    if args.device == "vulkan":
        return ["--target=vulkan"]
    return []


def dim_args(dims):
    out = []
    for k, v in dims.items():
        out += ["--dim", f"{k}={v}"]
    return out


def compile_cases(args, cases, out_dir):
    """nnc every case's model into out_dir (--jobs at a time), then the
    stats of each case at its sizes; writes out_dir/manifest.json."""
    from concurrent.futures import ThreadPoolExecutor
    nnc = os.path.join(args.bin_dir, "nnc")
    if not os.access(nnc, os.X_OK):
        raise SystemExit(f"run.py: no nnc at {nnc} (set --nnc-bin-dir or NNC_BUILD_DIR)")
    os.makedirs(out_dir, exist_ok=True)
    manifest = {"device": args.device, "quick": args.quick, "gpu": args.gpu, "cases": {}}

    def so_name(rel):
        return os.path.splitext(os.path.basename(rel))[0] + ".so"

    def compile_one(rel):
        """None when compiled, else the NA that says why not."""
        t0 = time.time()
        try:
            run_cmd([nnc, os.path.join(ROOT, rel), "-o", os.path.join(out_dir, so_name(rel)),
                     *compile_flags(args)], f"nnc {rel}", timeout=args.compile_timeout)
        except NA as e:
            print(f"{rel}: {e}", flush=True)
            return e
        print(f"compiled {rel} -> {so_name(rel)} ({time.time() - t0:.1f} s)", flush=True)
        return None

    runnable = [c for c in cases
                if not (case_dtype(c, args.quick) == "bf16" and args.device != "cuda")]
    # Largest first, so that the long compiles overlap the short ones.
    models = sorted({model_path(c, args.quick) for c in runnable},
                    key=lambda rel: -os.path.getsize(os.path.join(ROOT, rel)))
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        failed = dict(zip(models, pool.map(compile_one, models)))

    for case in cases:
        rel = model_path(case, args.quick)
        if case not in runnable:
            manifest["cases"][case.name] = {"model": rel, "skip": BF16_CUDA_ONLY}
            continue
        entry = {"model": rel, "so": so_name(rel)}
        try:
            if failed[rel] is not None:
                raise failed[rel]
            # With the target's flags: the launches of the model.so that
            # runs (--target=cuda merges independent kernels).
            r = run_cmd([nnc, os.path.join(ROOT, rel), "--stats=json",
                         *compile_flags(args),
                         *dim_args(model_dims(case, args.quick))],
                        f"nnc --stats=json {rel}", timeout=args.compile_timeout)
            entry["stats"] = json.loads(r.stdout).get(case.entry)
            if entry["stats"] is None:
                raise NA(f"nnc --stats has no entry {case.entry}")
        except (NA, json.JSONDecodeError) as e:
            entry["error"] = str(e)
            print(f"{case.name}: {e}", flush=True)
        manifest["cases"][case.name] = entry
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


# --- one case ----------------------------------------------------------------

def nnc_bench(args, so, case, work, inputs, random_dims, outputs):
    """Times case.entry with nnc-run --bench; writes outputs {name: path}."""
    cmd = [os.path.join(args.bin_dir, "nnc-run"), so, "--device", args.device, "--entry",
           case.entry, "--bench", str(args.reps)]
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    if random_dims is not None:
        cmd += ["--random-inputs", *dim_args(random_dims)]
    for name, path in outputs.items():
        cmd += ["--output", f"{name}={path}"]
    r = run_cmd(cmd, "nnc-run --bench")
    m = re.search(r"^bench \S+ on .*: median ([\d.]+) ms, min ([\d.]+) ms", r.stdout, re.M)
    if not m:
        raise NA(f"no bench line in nnc-run's output: {r.stdout.strip()[-200:]}")
    return float(m.group(1)), float(m.group(2))


def torch_tensors(env, arrays, dtype):
    """Twin inputs on the torch device; integer inputs (labels, token ids)
    as int64, what PyTorch's losses and indexing take."""
    torch = env.torch
    out = {}
    for k, a in arrays.items():
        t = torch.from_numpy(np.ascontiguousarray(a)).to(env.tdev)
        if not t.is_floating_point():
            t = t.long()
        if t.is_floating_point() and dtype == "bf16":
            t = t.to(torch.bfloat16)
        out[k] = t
    return out


def random_twin_inputs(env, case, quick):
    """bf16 cases: random inputs of the model's shapes for the twins."""
    torch = env.torch
    g = torch.Generator(device="cpu").manual_seed(0)
    out = {}
    for k, spec in bf16_inputs(case, quick).items():
        if spec[0] == "int":
            out[k] = torch.randint(0, spec[2], spec[1], generator=g).to(env.tdev)
        elif spec[0] == "mask":
            T = spec[1][0]
            out[k] = torch.triu(torch.full((T, T), -1e4), 1).to(env.tdev, torch.bfloat16)
        else:
            out[k] = torch.randn(*spec[1], generator=g).to(env.tdev, torch.bfloat16)
    return out


def run_torch(env, case, fn, params_np, inputs, reps, compiled=False):
    """Times the twin (forward or train step); returns (median, min, value)
    where value is the forward output or the first step's loss."""
    torch = env.torch
    dt = case_dtype(case, env.quick)
    tdt = torch.bfloat16 if dt == "bf16" else torch.float32
    p = {k: torch.from_numpy(np.ascontiguousarray(v)).to(env.tdev, tdt) if
         isinstance(v, np.ndarray) else v.to(env.tdev, tdt) for k, v in params_np.items()}
    f = torch.compile(fn) if compiled else fn
    if case.entry == "forward":
        with torch.no_grad():
            value = f(p, inputs)[0]
            med, mn = time_calls(lambda: f(p, inputs), reps, env.sync)
        return med, mn, value.float().cpu().numpy()
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.Adam(list(p.values()), lr=case.lr, betas=(0.9, 0.999), eps=1e-8)
    opt_step = opt.step
    if compiled:
        opt_step = torch.compile(opt.step)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = f(p, inputs)[1]
        loss.backward()
        opt_step()
        return loss

    first = step().item()           # from the initial params, like nnc's first step
    med, mn = time_calls(step, reps, env.sync)
    return med, mn, first


def run_jax(env, case, fn, params_np, inputs_np, reps):
    import jax
    import jax.numpy as jnp
    dt = jnp.bfloat16 if case_dtype(case, env.quick) == "bf16" else jnp.float32
    p = {k: jnp.asarray(v, dtype=dt) for k, v in params_np.items()}
    x = {k: jnp.asarray(v, dtype=dt) if v.dtype.kind == "f" else jnp.asarray(v)
         for k, v in inputs_np.items()}

    def block(v):
        jax.tree_util.tree_map(lambda a: a.block_until_ready(), v)

    if case.entry == "forward":
        f = jax.jit(lambda p, x: fn(p, x)[0])
        block(f(p, x))
        med, mn = time_calls(lambda: block(f(p, x)), reps, lambda: None)
        return med, mn
    import optax
    opt = optax.adam(case.lr, b1=0.9, b2=0.999, eps=1e-8)
    state = [p, opt.init(p)]

    @jax.jit
    def step(p, s, x):  # x an argument: a closure would bake it in as a constant
        loss, g = jax.value_and_grad(lambda q: fn(q, x)[1])(p)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, loss

    def call():
        state[0], state[1], loss = step(state[0], state[1], x)
        block(loss)

    med, mn = time_calls(call, reps, lambda: None)
    return med, mn


def bf16_params(case, quick, seed=0):
    """Made-up f32 params of a bf16 case's shapes (nnc's init cannot be
    written to .npz in bf16); the twins cast them."""
    rng = np.random.default_rng(seed)
    return {k: (0.02 * rng.standard_normal(s)).astype(np.float32)
            for k, s in twin_shapes(case, quick).items()}


def bench_case(args, env, case, info, so_dir, work):
    """Runs one case; returns a dict for the report."""
    quick = args.quick
    res = {"case": case, "dims": model_dims(case, quick), "stats": info.get("stats"),
           "rows": {}, "check": None, "notes": []}
    if "skip" in info:
        res["check"] = ("skipped", info["skip"])
        res["rows"]["nnc"] = f"n/a ({info['skip']})"
        return res
    if "error" in info:
        res["check"] = ("n/a", info["error"])
        return res
    so = os.path.join(so_dir, info["so"])
    dt = case_dtype(case, quick)
    cdir = os.path.join(work, case.name)
    os.makedirs(cdir, exist_ok=True)

    # Inputs and params shared by nnc and the twins.
    if dt == "f32":
        inputs_np = make_inputs(case, quick)
        in_paths = {}
        for k, a in inputs_np.items():
            in_paths[k] = os.path.join(cdir, k + ".npy")
            np.save(in_paths[k], a)
        init = os.path.join(cdir, "init.npz")
        try:
            # On the reference device: no kernels to build, just the initializers.
            run_cmd([os.path.join(args.bin_dir, "nnc-run"), so, "--device", "reference",
                     "--save-params", init],
                    "nnc-run --save-params")
            params_np = dict(np.load(init))
            params_np = {k: v for k, v in params_np.items() if not k.startswith("opt.")}
        except NA as e:
            params_np = None
            res["notes"].append(str(e))
        twin_in = torch_tensors(env, inputs_np, dt)
    else:
        inputs_np, in_paths = None, {}
        params_np = bf16_params(case, quick)
        twin_in = random_twin_inputs(env, case, quick)
        res["notes"].append("bf16: random inputs (nnc-run --random-inputs; the twins their "
                            "own), made-up params: times only; agreement from nnc-run --check")

    # nnc.
    out_name = case.output if case.entry == "forward" else "loss"
    nnc_out = os.path.join(cdir, "nnc_out.npy")
    try:
        med, mn = nnc_bench(args, so, case, work, in_paths,
                            None if dt == "f32" else res["dims"],
                            {out_name: nnc_out} if dt == "f32" else {})
        res["rows"]["nnc"] = (med, mn)
    except (NA, subprocess.TimeoutExpired) as e:
        res["rows"]["nnc"] = f"n/a ({e})"

    # PyTorch eager, with the agreement check.
    fn = torch_twin(case.twin, quick)
    want = None
    if params_np is None:
        res["rows"]["torch eager"] = "n/a (no initial params from nnc-run)"
    else:
        try:
            med, mn, want = run_torch(env, case, fn, params_np, twin_in, args.reps)
            res["rows"]["torch eager"] = (med, mn)
        except Exception as e:  # a twin that fails (out of memory ...) is a cell
            res["rows"]["torch eager"] = f"n/a ({type(e).__name__}: {str(e)[:120]})"

    if dt == "f32":
        if want is not None and os.path.exists(nnc_out):
            got = np.load(nnc_out)
            err = rel_err(got, want)
            tol = TOL["f32"]
            what = "forward output" if case.entry == "forward" else "first-step loss"
            detail = (f"{what} vs torch eager: rel err {err:.2e} (tolerance {tol:g})"
                      + ("" if case.entry == "forward" else
                         f"; loss nnc {float(got):.6g}, torch {float(want):.6g}"))
            res["check"] = ("ok" if err <= tol else "FAIL", detail)
        else:
            res["check"] = ("n/a", "nnc or torch eager did not run")
    else:
        res["check"] = nnc_check(args, so, case, quick)

    # torch.compile.
    if env.compile_why:
        res["rows"]["torch.compile"] = f"n/a ({env.compile_why})"
    elif params_np is not None:
        try:
            med, mn, _ = run_torch(env, case, fn, params_np, twin_in, args.reps, compiled=True)
            res["rows"]["torch.compile"] = (med, mn)
        except Exception as e:
            res["rows"]["torch.compile"] = f"n/a ({type(e).__name__}: {str(e)[:120]})"

    # JAX.
    jfn = None if env.jax_why else jax_twin(case.twin)
    if env.jax_why:
        res["rows"]["JAX"] = f"n/a ({env.jax_why})"
    elif jfn is None:
        res["rows"]["JAX"] = "n/a (no JAX twin written for this case)"
    elif params_np is None:
        res["rows"]["JAX"] = "n/a (no params)"
    else:
        try:
            jin = inputs_np if inputs_np is not None else {
                k: (v.float() if v.is_floating_point() else v).cpu().numpy()
                for k, v in twin_in.items()}
            res["rows"]["JAX"] = run_jax(env, case, jfn, params_np, jin, args.reps)
        except Exception as e:
            res["rows"]["JAX"] = f"n/a ({type(e).__name__}: {str(e)[:120]})"

    # The peak this case is measured against.
    try:
        if case.metric == "bytes":
            res["peak"] = ("copy", env.copy_bw)
        else:
            mkn = peak_shape(case, quick)
            res["peak"] = (f"torch.matmul {mkn[0]}x{mkn[1]}x{mkn[2]} {dt}",
                           env.matmul_peak(mkn, dt))
    except Exception as e:
        res["peak"] = (f"n/a ({type(e).__name__}: {e})", None)
    return res


def nnc_check(args, so, case, quick):
    """bf16: nnc-run --check (device against the reference interpreter)."""
    dims = case.check_dims
    if dims is None:
        return ("not checked", "bf16 at this size: no .npy for bf16 and the reference "
                "interpreter is too slow; the f32 quick-mode twin is checked against torch")
    extra = ["--steps", "1"] if case.entry == "train_step" else []
    try:
        r = subprocess.run([os.path.join(args.bin_dir, "nnc-run"), so, "--device", args.device,
                            "--check", "--entry", case.entry, *extra, *dim_args(dims)],
                           capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        return ("n/a", "nnc-run --check timed out")
    n = len(re.findall(r"^check \S+: ", r.stdout, re.M))
    where = ", ".join(f"{k}={v}" for k, v in dims.items())
    if r.returncode == 0:
        return ("ok", f"nnc-run --check at {where}: {n} tensors agree with nnc's reference "
                "interpreter (bf16 tolerance 1e-2)")
    tail = " | ".join((r.stdout + r.stderr).strip().splitlines()[-2:])
    return ("FAIL", f"nnc-run --check at {where}: {tail}")


# --- the report ----------------------------------------------------------------

def fmt_rate(case, stats, ms, peak):
    """(throughput text, % of peak text) for a median time in ms."""
    if not stats or ms is None:
        return "", ""
    if case.metric == "bytes":
        rate = stats["bytes_min"] / (ms / 1e3)
        text = f"{rate / 1e9:.1f} GB/s"
    else:
        rate = stats["flops"] / (ms / 1e3)
        text = f"{rate / 1e12:.3f} TFLOP/s" if rate >= 1e11 else f"{rate / 1e9:.2f} GFLOP/s"
    pct = f"{100 * rate / peak[1]:.1f}%" if peak and peak[1] else "n/a"
    return text, pct


def case_table(res):
    case, stats = res["case"], res["stats"]
    dims = ", ".join(f"{k}={v}" for k, v in res["dims"].items())
    lines = [f"### {case.name}: {case.title}", ""]
    model = case.model.format(**res["case"].dims(res.get("quick", False)))
    lines.append(f"`{model}`, entry `{case.entry}`, {dims}.")
    if stats:
        ratio = stats["bytes_moved"] / stats["bytes_min"] if stats["bytes_min"] else float("nan")
        lines.append(f"nnc --stats: {stats['kernels']} kernels, bytes_moved "
                     f"{stats['bytes_moved']:,}, bytes_min {stats['bytes_min']:,} (ratio "
                     f"{ratio:.2f}), flops {stats['flops']:,}.")
    peak = res.get("peak")
    if peak:
        if case.metric == "bytes":
            bw = f"{peak[1] / 1e9:.1f} GB/s" if peak[1] else "n/a"
            lines.append(f"Peak: measured copy bandwidth {bw}; % = bytes_min / time / that.")
        else:
            fl = ("n/a" if not peak[1] else f"{peak[1] / 1e12:.1f} TFLOP/s" if peak[1] >= 1e11
                  else f"{peak[1] / 1e9:.2f} GFLOP/s")
            lines.append(f"Peak: {peak[0]} at {fl}; % = flops / time / that.")
    status, detail = res["check"] or ("n/a", "")
    lines.append(f"Agreement: **{status}** ({detail}).")
    for n in res["notes"]:
        lines.append(f"Note: {n}.")
    lines += ["", "| framework | median ms | min ms | throughput | % of peak |",
              "|---|---|---|---|---|"]
    for fw in ("nnc", "torch eager", "torch.compile", "JAX"):
        v = res["rows"].get(fw)
        if isinstance(v, tuple):
            rate, pct = fmt_rate(case, stats, v[0], peak)
            lines.append(f"| {fw} | {v[0]:.3f} | {v[1]:.3f} | {rate} | {pct} |")
        elif v is not None:
            lines.append(f"| {fw} | {md_cell(v)} | | | |")
    return lines + [""]


def stats_section(manifest, cmd, when):
    """nnc --stats=json of every case of a --compile-only manifest."""
    mode = "quick" if manifest["quick"] else "full"
    lines = [f"## nnc --stats=json at the {mode} sizes (--device {manifest['device']})", "",
             f"- date: {when.strftime('%Y-%m-%d %H:%M UTC')}", f"- command: `{cmd}`", "",
             "| case | model | sizes | kernels | bytes_moved | bytes_min | ratio | "
             "arena_bytes | flops |", "|---|---|---|---|---|---|---|---|---|"]
    by_name = {c.name: c for c in CASES}
    for name, e in manifest["cases"].items():
        case = by_name.get(name)
        sizes = ", ".join(f"{k}={v}" for k, v in model_dims(case, manifest["quick"]).items())
        st = e.get("stats")
        if not st:
            why = e.get("skip") or e.get("error") or "no stats"
            lines.append(f"| {name} | `{e['model']}` | {sizes} | n/a ({md_cell(why)}) "
                         "| | | | | |")
            continue
        ratio = st["bytes_moved"] / st["bytes_min"] if st["bytes_min"] else float("nan")
        lines.append(f"| {name} | `{e['model']}` | {sizes} | {st['kernels']} | "
                     f"{st['bytes_moved']:,} | {st['bytes_min']:,} | {ratio:.2f} | "
                     f"{st['arena_bytes']:,} | {st['flops']:,} |")
    return "\n".join(lines) + "\n"


def md_cell(text):
    return text.replace("|", "/").replace("\n", " ")


def write_section(path, key, body):
    """Replaces (or appends) the section between markers named key."""
    begin, end = f"<!-- begin {key} -->", f"<!-- end {key} -->"
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    block = begin + "\n" + body.rstrip("\n") + "\n" + end + "\n"
    if begin in text and end in text:
        i, j = text.index(begin), text.index(end) + len(end)
        text = text[:i] + block.rstrip("\n") + text[j:]
    else:
        if not text:
            text = ("# nnc benchmark results\n\nWritten by `bench/run.py` and "
                    "`bench/aten_ops.py` (see bench/README.md); each section is replaced "
                    "when its command runs again.\n\n")
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


# --- main -----------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] + " See bench/README.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="cases: " + ", ".join(c.name for c in CASES) + "\n\nexamples:\n"
        "  bench/run.py --device vulkan --quick --out /tmp/quick.md\n"
        "  bench/run.py --device cuda --compile-only bench-cuda   # where nnc is\n"
        "  bench/run.py --device cuda --prebuilt bench-cuda      # on the GPU machine")
    p.add_argument("--device", choices=("cuda", "vulkan", "reference"), required=True,
                   help="nnc-run's device; PyTorch runs on CUDA for cuda, else on the CPU")
    p.add_argument("--quick", action="store_true",
                   help="small sizes (seconds on lavapipe); implied by vulkan and reference")
    p.add_argument("--reps", type=int, default=20,
                   help="timed runs per measurement, after %d warm-ups (default 20; the "
                   "issue asks for >= 20)" % WARMUP)
    p.add_argument("--cases", default="",
                   help="comma-separated case names or prefixes (default: all; quick mode "
                   "skips none)")
    p.add_argument("--out", default=None,
                   help="Markdown file whose section for this device/mode is replaced "
                   "(default bench/RESULTS.md for --device cuda; in quick mode nothing is "
                   "written unless --out is given; with --compile-only, the nnc --stats "
                   "table, only where --out is given)")
    default_bin = os.path.join(os.environ.get("NNC_BUILD_DIR", os.path.join(ROOT, "build")),
                               "bin")
    p.add_argument("--nnc-bin-dir", dest="bin_dir", default=default_bin,
                   help="folder with nnc and nnc-run (default $NNC_BUILD_DIR/bin or build/bin)")
    p.add_argument("--gpu", default="sm_90", help="PTX architecture for --device cuda "
                   "(default sm_90, the H100/H200)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--compile-only", metavar="DIR",
                   help="compile the models and their stats into DIR (with manifest.json) "
                   "and stop: the step that needs nnc (LLVM/MLIR)")
    g.add_argument("--prebuilt", metavar="DIR",
                   help="run from DIR written by --compile-only: needs only nnc-run "
                   "(libnnrt) and python")
    p.add_argument("--work", metavar="DIR", help="keep inputs/outputs here (default: a "
                   "temporary folder, removed)")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="nnc processes at a time when compiling (default 2)")
    p.add_argument("--compile-timeout", type=int, default=1800, metavar="S",
                   help="seconds allowed to nnc per model (default 1800; gpt2_small "
                   "took 9 minutes here on 2 busy cores)")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile column")
    p.add_argument("--no-jax", action="store_true", help="skip the JAX column")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 also when nnc could not compile or run a case, or its "
                   "agreement could not be checked (the smoke test's mode)")
    args = p.parse_args(argv)
    if args.device != "cuda":
        args.quick = True
    if args.reps < 1:
        p.error("--reps must be >= 1")
    return args


def select_cases(args):
    if not args.cases:
        return list(CASES)
    want = [w.strip() for w in args.cases.split(",") if w.strip()]
    picked = [c for c in CASES if any(c.name.startswith(w) for w in want)]
    if not picked:
        raise SystemExit(f"run.py: no case matches --cases {args.cases}")
    return picked


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    cases = select_cases(args)
    mode = "quick" if args.quick else "full"
    started = datetime.datetime.now(datetime.timezone.utc)

    if args.compile_only:
        m = compile_cases(args, cases, args.compile_only)
        bad = [n for n, e in m["cases"].items() if "error" in e]
        print(f"wrote {args.compile_only}/manifest.json ({len(m['cases']) - len(bad)} cases, "
              f"{len(bad)} failed to compile)")
        cmd = "bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
        text = stats_section(m, cmd, started)
        print(text)
        if args.out:
            write_section(args.out, f"nnc stats {mode} {args.device}", text)
            print(f"wrote {args.out}")
        return 1 if bad else 0

    tmp = None
    if args.prebuilt:
        with open(os.path.join(args.prebuilt, "manifest.json")) as f:
            manifest = json.load(f)
        if manifest["quick"] != args.quick or (manifest["device"] == "cuda") != (
                args.device == "cuda"):
            raise SystemExit(f"run.py: {args.prebuilt} was compiled for --device "
                             f"{manifest['device']}{' --quick' if manifest['quick'] else ''}")
        so_dir = args.prebuilt
    else:
        tmp = tempfile.mkdtemp(prefix="nnc-bench-")
        so_dir = os.path.join(tmp, "so")
        manifest = compile_cases(args, cases, so_dir)
    work = args.work or os.path.join(tmp or tempfile.mkdtemp(prefix="nnc-bench-"), "work")
    os.makedirs(work, exist_ok=True)

    env = Env(args)
    env.measure_copy_bw()
    device = (vulkan_device() if args.device == "vulkan" else
              env.torch.cuda.get_device_name(0) if args.device == "cuda" else
              "nnc reference interpreter (CPU)")
    print(f"nnc device: {args.device}: {device}; copy bandwidth ({env.tdev}) "
          f"{env.copy_bw / 1e9:.1f} GB/s", flush=True)

    results = []
    try:
        for case in cases:
            info = manifest["cases"].get(case.name)
            if info is None:
                print(f"{case.name}: not in {args.prebuilt}/manifest.json: skipped")
                continue
            t0 = time.time()
            res = bench_case(args, env, case, info, so_dir, work)
            res["quick"] = args.quick
            env.release()   # the next case's nnc-run needs the GPU memory back
            if not args.work:   # full-size inputs are GBs: drop them case by case
                shutil.rmtree(os.path.join(work, case.name), ignore_errors=True)
            results.append(res)
            print("\n".join(case_table(res)), flush=True)
            print(f"({case.name}: {time.time() - t0:.1f} s)\n", flush=True)
    finally:
        if tmp and not args.work:
            shutil.rmtree(tmp, ignore_errors=True)

    # The summary and the file.
    cmd = "bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    head = [f"## bench/run.py, {mode} mode, --device {args.device}", "",
            f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
            f"- command: `{cmd}`",
            f"- nnc device: {args.device}: {device}",
            f"- copy bandwidth ({env.tdev}, torch copy_, read + write): "
            f"{env.copy_bw / 1e9:.1f} GB/s",
            f"- median and min of {args.reps} timed runs after {WARMUP} warm-ups per cell"]
    head += [f"- {v}" for v in env.versions()]
    if args.quick:
        head.append("- quick mode: small sizes, PyTorch on the CPU; this checks the script "
                    "and the agreement, the speeds say nothing about a GPU")
    summary = ["", "| case | nnc ms | torch eager ms | torch.compile ms | JAX ms | "
               "nnc % of peak | agreement |", "|---|---|---|---|---|---|---|"]

    def cell(v):
        return f"{v[0]:.3f}" if isinstance(v, tuple) else "n/a"

    for r in results:
        n = r["rows"].get("nnc")
        pct = fmt_rate(r["case"], r["stats"], n[0], r.get("peak"))[1] if isinstance(
            n, tuple) else "n/a"
        summary.append(f"| {r['case'].name} | {cell(n)} | {cell(r['rows'].get('torch eager'))} "
                       f"| {cell(r['rows'].get('torch.compile'))} | {cell(r['rows'].get('JAX'))}"
                       f" | {pct} | {(r['check'] or ('n/a',))[0]} |")
    body = head + summary + [""]
    for r in results:
        body += case_table(r)
    print("\n".join(summary))

    out = args.out or (None if args.quick else os.path.join(HERE, "RESULTS.md"))
    if out:
        write_section(out, f"run.py {mode} {args.device}", "\n".join(body))
        print(f"wrote {out}")
    failed = [r["case"].name for r in results if r["check"] and r["check"][0] == "FAIL"]
    if failed:
        print(f"run.py: agreement FAILED for {', '.join(failed)}")
        return 1
    if not any(isinstance(r["rows"].get("nnc"), tuple) for r in results):
        print("run.py: nnc ran no case")
        return 1
    if args.strict:
        def unchecked(r):
            status = (r["check"] or ("n/a",))[0]
            if status == "skipped":          # bf16 off CUDA
                return False
            return not isinstance(r["rows"].get("nnc"), tuple) or status not in (
                "ok", "not checked")

        unchecked = [r["case"].name for r in results if unchecked(r)]
        if unchecked:
            print(f"run.py --strict: no nnc run or no agreement check for "
                  f"{', '.join(unchecked)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
