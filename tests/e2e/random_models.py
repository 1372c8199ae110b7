#!/usr/bin/python3
"""random_models: random valid .nn models compile, and their forward and
train_step agree with the reference interpreter on Vulkan.

Each seed makes a model of 6 to 18 statements over two [B, 16] inputs:
matmuls with [16, 16] params, activations, elementwise ops on
mixed operands, softmax, row reductions (keepdims), column sums, full means
and products with those, a loss that sums the squares of every value no
other statement reads, and a train line (adam, sgd with momentum or adamw)
when there are params. These are the shapes that nn-fuse's grouping gets
wrong when it gets anything wrong: until stop 20 a quarter of such models
failed with 'nn-fuse: the fusion groups form a cycle' (a group holding
two chains that no value links; see tests/lit/passes/nn-fuse.mlir
@chains_and_sums). Each of 100 models must give `nnc --stats=json --dim B=5` (static sizes
fuse differently); the first 20 are compiled with `nnc --target=vulkan`
and run with `nnc-run --check` (forward and train_step at B=5) against
the reference (without a Vulkan device only compiled), the first 12 also
with CUDA's kernel set (`--tune=cuda`): seed 10's train_step there read a
param after its in-place update until stop 20 (nnc-gpu-merge-launches
hoisted the update above a batch member it had left behind). A compile
error fails the test: these are valid models.
Usage: random_models.py BUILD_DIR [FIRST_SEED COUNT]
"""
import os
import random
import subprocess
import sys
import tempfile
import time


def model(seed):
    """The .nn text of random model `seed`."""
    r = random.Random(seed)
    lines = [f"model random{seed}", "input x : f32[B, 16]", "input z : f32[B, 16]"]
    mats, vecs, rows, scalars = ["x", "z"], [], [], []
    params = 0
    used, values = set(), []

    def param(shape):
        nonlocal params
        params += 1
        lines.append(f"param p{params} : f32[{shape}] = uniform(-0.5, 0.5, seed={params})")
        return f"p{params}"

    for i in range(r.randint(6, 18)):
        k = r.random()
        if k < 0.15:
            e, kind = f"{r.choice(mats)} @ {param('16, 16')}", mats
        elif k < 0.3:
            f = r.choice(["tanh", "sigmoid", "relu", "exp"])
            e = f"exp(tanh({r.choice(mats)}))" if f == "exp" else f"{f}({r.choice(mats)})"
            kind = mats
        elif k < 0.5:
            e, kind = f"{r.choice(mats)} {r.choice('+-*')} {r.choice(mats)}", mats
        elif k < 0.58:
            other = r.choice(vecs) if vecs and r.random() < 0.6 else param("16")
            e, kind = f"{r.choice(mats)} + {other}", mats
        elif k < 0.64 and rows:
            e, kind = f"{r.choice(mats)} * {r.choice(rows)}", mats
        elif k < 0.70:
            e, kind = f"softmax({r.choice(mats)}, axis=-1)", mats
        elif k < 0.78:
            e = f"{r.choice(['sum', 'mean', 'max'])}({r.choice(mats)}, axis=1, keepdims=true)"
            kind = rows
        elif k < 0.86:
            e, kind = f"sum({r.choice(mats)}, axis=0)", vecs
        elif k < 0.92 and vecs:
            e, kind = f"tanh({r.choice(vecs)}) * {r.choice(vecs)}", vecs
        elif scalars and k < 0.96:
            e, kind = f"{r.choice(mats)} * {r.choice(scalars)}", mats
        else:
            e, kind = f"mean({r.choice(mats)})", scalars
        name = f"v{i}"
        used.update(e.replace("(", " ").replace(")", " ").replace(",", " ").split())
        lines.append(f"{name} = {e}")
        kind.append(name)
        values.append((name, kind is scalars, kind is mats))
    sinks = [v for v, _, _ in values if v not in used]
    outs = [v for v, _, m in values if m and (v in sinks or r.random() < 0.2)] or [mats[-1]]
    terms = [f"{v} * {v}" if s else f"mean({v} * {v})" for v, s, _ in values if v in sinks]
    lines.append("loss = " + " + ".join(terms))
    lines.append("output " + ", ".join(outs))
    if params:
        lines.append("train loss with " +
                     r.choice(["adam(lr=0.01)", "sgd(lr=0.1, momentum=0.9)", "adamw(lr=0.01)"]))
    return "\n".join(lines) + "\n"


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def main():
    if len(sys.argv) not in (2, 4):
        sys.exit("usage: random_models.py BUILD_DIR [FIRST_SEED COUNT]")
    build = sys.argv[1]
    first, count = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) == 4 else (1, 100)
    # The first `devices` seeds are also compiled to model.so and checked on
    # Vulkan (about 5 s each on 2 cores); every seed's stats (0.3 s).
    devices = min(count, 20)
    cuda = min(devices, 12)
    nnc, nncrun = f"{build}/bin/nnc", f"{build}/bin/nnc-run"
    vulkan = "deviceName" in run(["vulkaninfo", "--summary"]).stdout \
        if subprocess.run(["which", "vulkaninfo"], capture_output=True).returncode == 0 else False
    start, checked, failures = time.time(), 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, first + count):
            src, so = os.path.join(tmp, f"m{seed}.nn"), os.path.join(tmp, f"m{seed}.so")
            with open(src, "w") as f:
                f.write(model(seed))
            # Static sizes fuse differently (and cost little: no kernels).
            r = run([nnc, src, "--stats=json", "--dim", "B=5"])
            if r.returncode != 0:
                failures.append(f"seed {seed}: nnc --stats=json --dim B=5 exits "
                                f"{r.returncode}:\n{r.stderr[-800:]}")
            if seed >= first + devices:
                continue
            # Vulkan's kernel set; for the first `cuda` seeds CUDA's too
            # (--tune=cuda: workgroup tiles, merged launches with barriers).
            sets = [[]] + ([["--tune=cuda"]] if seed < first + cuda else [])
            for flags in sets:
                r = run([nnc, src, "--target=vulkan", *flags, "-o", so])
                if r.returncode != 0:
                    failures.append(f"seed {seed}: nnc {' '.join(flags)} exits "
                                    f"{r.returncode}:\n{r.stderr[-800:]}")
                    continue
                if not vulkan:
                    continue
                entries = ["forward"] + (["train_step"] if "train loss" in open(src).read()
                                         else [])
                for entry in entries:
                    r = run([nncrun, so, "--device", "vulkan", "--check", "--entry", entry,
                             "--dim", "B=5", "--seed", str(seed)])
                    if r.returncode != 0:
                        failures.append(f"seed {seed}: {entry} {' '.join(flags)} on vulkan "
                                        f"differs from the reference:\n"
                                        f"{(r.stdout + r.stderr)[-800:]}")
                    else:
                        checked += 1
    for f in failures:
        print("FAIL:", f)
    where = (f"the first {devices} compiled to model.so, {checked} entries checked on vulkan"
             if vulkan else f"the first {devices} compiled; no Vulkan device: nothing run")
    print(f"{'FAIL' if failures else 'PASS'}: random_models: seeds {first}..{first + count - 1}, "
          f"{count - len(failures)} of {count} fine ({where}, {time.time() - start:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
