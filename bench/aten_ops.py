#!/usr/bin/python3
"""bench/aten_ops.py: ATen operators PyTorch eager dispatches for a train
step, beside nnc's kernels and bytes for the same step (issue 6's fusion
targets: nnc kernels <= half the ATen ops, bytes_moved / bytes_min <= 1.25).

Steps: (a) bias + GELU + residual, (b) softmax and layer_norm over rows,
(e) the 8-layer MLP, and the MNIST CNN (examples/mnist/cnn.nn): forward,
backward and a torch.optim.Adam step, with foreach=False (one op per param
per update) and foreach=True (one _foreach_ op per update for all params).
The PyTorch twins are those of bench/run.py.

Counting rule. The ops are recorded with a TorchDispatchMode: it sees every
ATen op that reaches a backend kernel, once, after autograd and after
composite ops are decomposed (aten::linear arrives as aten::addmm,
cross_entropy as _log_softmax + nll_loss_forward), and none of the ops a
kernel calls inside itself. Counted: every such op, each of which launches
at least one kernel on a GPU (a _foreach_ op counts once). Not counted:
  - views and metadata, which launch nothing: t, transpose, permute, view,
    _unsafe_view, _reshape_alias, expand, detach, alias, as_strided,
    squeeze, unsqueeze, slice, select, split, unbind, empty*, new_empty*;
  - _local_scalar_dense (.item() of the CPU step counter) and, inside the
    optimizer step, ops whose tensors are all 0-d: Adam's step counters,
    which live on the CPU in PyTorch's CUDA runs (capturable=False);
  - the profiler's own record_function ops (and the zeros they allocate);
  - zero_grad (set_to_none=True: nothing is launched).
The op sequence does not depend on the sizes, so the twins run at small
sizes; the script checks that by counting each step at two batch sizes. nnc's
figures come from `nnc --stats=json` on the same model at the sizes of
--sizes (default: the issue's).

Usage: bench/aten_ops.py [--nnc-bin-dir DIR] [--sizes issue|small]
                         [--out FILE] [--verbose]
"""
import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  (cases, inputs and PyTorch twins)

# (bench/run.py case, label, model for nnc --stats at each --sizes, dims)
STEPS = [
    ("a_step_f32", "(a) bias + GELU + residual", {
        "issue": ("bench/models/bias_gelu_residual.nn", {"B": 262144}),
        "small": ("bench/models/bias_gelu_residual.nn", {"B": 64})}),
    ("b_softmax_step", "(b) softmax over rows", {
        "issue": ("bench/models/softmax.nn", {"B": 32768}),
        "small": ("bench/models/softmax.nn", {"B": 16})}),
    ("b_ln_step", "(b) layer_norm over rows", {
        "issue": ("bench/models/layer_norm.nn", {"B": 32768}),
        "small": ("bench/models/layer_norm.nn", {"B": 16})}),
    ("e_mlp_step", "(e) MLP, 8 layers", {
        "issue": ("bench/models/mlp_4096.nn", {"B": 4096}),
        "small": ("bench/models/mlp_128.nn", {"B": 64})}),
    ("f_cnn_step", "MNIST CNN", {
        "issue": ("examples/mnist/cnn.nn", {"B": 256}),
        "small": ("examples/mnist/cnn.nn", {"B": 16})}),
]

NO_KERNEL = {
    "t", "transpose", "permute", "view", "_unsafe_view", "_reshape_alias", "expand",
    "detach", "alias", "as_strided", "squeeze", "unsqueeze", "slice", "select", "split",
    "unbind", "empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided",
    "_local_scalar_dense", "lift_fresh",
}


def op_name(func):
    """'aten._foreach_add_' for aten::_foreach_add_.Scalar."""
    return str(func.overloadpacket)


class OpCounter:
    """A TorchDispatchMode that records (phase, op, all tensors 0-d)."""

    def __new__(cls):
        import torch
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils._pytree import tree_flatten

        class Mode(TorchDispatchMode):
            def __init__(self):
                super().__init__()
                self.ops, self.phase = [], "forward"

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                flat, _ = tree_flatten((args, kwargs))
                tensors = [a for a in flat if isinstance(a, torch.Tensor)]
                scalar = all(t.dim() == 0 for t in tensors)
                self.ops.append((self.phase, op_name(func), scalar))
                return func(*args, **kwargs)

        return Mode()


def kernel_ops(ops):
    """The recorded ops that count (the rule in the module docstring)."""
    kept = []
    for i, (phase, name, scalar) in enumerate(ops):
        ns, _, short = name.partition(".")
        if ns == "profiler":
            continue
        nxt = ops[i + 1][1] if i + 1 < len(ops) else ""
        if short == "zeros" and nxt.startswith("profiler."):
            continue  # the handle record_function allocates
        if short in NO_KERNEL:
            continue
        if phase == "optimizer" and scalar:
            continue  # the CPU step counters
        kept.append((phase, name))
    return kept


def twin_params(model_rel):
    """Params of a .nn model (name -> f32 array), from its `param` lines:
    the counts depend on the shapes only."""
    rng = np.random.default_rng(0)
    params = {}
    with open(os.path.join(ROOT, model_rel)) as f:
        for line in f:
            m = re.match(r"\s*param\s+(\w+)\s*:\s*f32\[([\d,\s]+)\]", line)
            if m:
                shape = [int(s) for s in m.group(2).split(",")]
                params[m.group(1)] = (0.05 * rng.standard_normal(shape)).astype(np.float32)
    return params


def count_step(case, quick_dims, foreach):
    """Counted ops of one steady-state train step (the second one)."""
    import torch
    case = bench.Case(case.name, case.title, case.model, case.entry, case.full, quick_dims,
                      case.metric, case.twin, lr=case.lr)
    fn = bench.torch_twin(case.twin, quick=True)
    inputs = {k: torch.from_numpy(v) for k, v in bench.make_inputs(case, quick=True).items()}
    inputs = {k: v if v.is_floating_point() else v.long() for k, v in inputs.items()}
    params = {k: torch.from_numpy(v).requires_grad_(True)
              for k, v in twin_params(bench.model_path(case, quick=True)).items()}
    opt = torch.optim.Adam(list(params.values()), lr=case.lr, foreach=foreach)
    mode = OpCounter()

    def step(record):
        opt.zero_grad(set_to_none=True)
        mode.phase = "forward"
        loss = fn(params, inputs)[1]
        mode.phase = "backward"
        loss.backward()
        mode.phase = "optimizer"
        opt.step()

    step(False)  # the first step creates Adam's state
    with mode:
        step(True)
    return kernel_ops(mode.ops)


def nnc_stats(bin_dir, model_rel, dims):
    # --target=cuda: the launches a GPU runs (nnc-gpu-merge-launches is on
    # for PTX-only builds), which is what the ATen count stands for.
    cmd = [os.path.join(bin_dir, "nnc"), os.path.join(ROOT, model_rel), "--stats=json",
           "--target=cuda"]
    for k, v in dims.items():
        cmd += ["--dim", f"{k}={v}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"aten_ops.py: {' '.join(cmd)} failed:\n{r.stderr}")
    return json.loads(r.stdout)["train_step"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="The counting rule is in the module docstring "
                                "(head -40 bench/aten_ops.py).")
    default_bin = os.path.join(os.environ.get("NNC_BUILD_DIR", os.path.join(ROOT, "build")),
                               "bin")
    p.add_argument("--nnc-bin-dir", dest="bin_dir", default=default_bin,
                   help="folder with nnc (default $NNC_BUILD_DIR/bin or build/bin)")
    p.add_argument("--sizes", choices=("issue", "small"), default="issue",
                   help="sizes of nnc's --stats (default: the issue's)")
    p.add_argument("--out", help="Markdown file whose section 'aten_ops SIZES' is replaced "
                   "(e.g. bench/RESULTS.md); default: print only")
    p.add_argument("--verbose", action="store_true", help="print each step's ops")
    args = p.parse_args()

    import torch
    cases = {c.name: c for c in bench.CASES}
    rows, details = [], []
    for case_name, label, models in STEPS:
        case = cases[case_name]
        model, dims = models[args.sizes]
        counts = {}
        for foreach in (False, True):
            # Count at two batch sizes: the sequence must not depend on them.
            d1 = dict(case.quick)
            d2 = dict(d1, B=d1["B"] * 2)
            ops1, ops2 = count_step(case, d1, foreach), count_step(case, d2, foreach)
            if [o for _, o in ops1] != [o for _, o in ops2]:
                print(f"warning: {label}: the ops differ between B={d1['B']} and "
                      f"B={d2['B']} (foreach={foreach})")
            counts[foreach] = ops1
            if args.verbose:
                by = collections.Counter(f"{ph}:{o}" for ph, o in ops1)
                details.append(f"{label}, foreach={foreach}: {len(ops1)} ops: " +
                               ", ".join(f"{k} x{v}" for k, v in sorted(by.items())))
        st = nnc_stats(args.bin_dir, model, dims)
        phases = collections.Counter(ph for ph, _ in counts[False])
        rows.append((label, model, dims, len(counts[False]), len(counts[True]), phases, st))
        print(f"{label}: ATen ops {len(counts[False])} (foreach=False), "
              f"{len(counts[True])} (foreach=True); nnc {st['kernels']} kernels", flush=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cmd = "bench/aten_ops.py " + " ".join(sys.argv[1:])
    title = "## Kernel counts and bytes, measured on this machine"
    if args.sizes == "small":
        title += " (nnc at run.py's quick sizes)"
    lines = [title, "",
             f"- date: {now}", f"- command: `{cmd}`",
             f"- torch {torch.__version__} (CPU), counted with a TorchDispatchMode; the rule "
             "is in bench/aten_ops.py's docstring (views, metadata, .item() and Adam's "
             "CPU step counters not counted; zero_grad(set_to_none=True))",
             "- ATen ops: forward + backward + torch.optim.Adam step; fwd/bwd/opt: the "
             "foreach=False count by phase",
             "- nnc: `nnc MODEL --stats=json --target=cuda --dim ...`, entry train_step, at the sizes shown (launches for a GPU: independent kernels merged)",
             "",
             "| train step | nnc sizes | ATen ops, Adam foreach=False (fwd/bwd/opt) | "
             "ATen ops, foreach=True | nnc kernels | kernels ≤ half of ATen ops? "
             "(False / True) | bytes_moved | bytes_min | bytes ratio | bytes ratio ≤ 1.25? |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for label, model, dims, n0, n1, ph, st in rows:
        ratio = st["bytes_moved"] / st["bytes_min"]
        half = " / ".join("yes" if 2 * st["kernels"] <= n else "no" for n in (n0, n1))
        size = ", ".join(f"{k}={v}" for k, v in dims.items())
        lines.append(f"| {label} (`{model}`) | {size} | {n0} ({ph['forward']}/"
                     f"{ph['backward']}/{ph['optimizer']}) | {n1} | {st['kernels']} | {half} "
                     f"| {st['bytes_moved']:,} | {st['bytes_min']:,} | {ratio:.2f} | "
                     f"{'yes' if ratio <= 1.25 else 'no'} |")
    if details:
        lines += [""] + [f"- {d}" for d in details]
    text = "\n".join(lines)
    print(text)
    if args.out:
        bench.write_section(args.out, f"aten_ops {args.sizes}", text)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
