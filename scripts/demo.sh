#!/usr/bin/env bash
# demo.sh: set up if needed, then nnc's main job on the default device.
# Today: compile examples/mnist/mlp.nn and run its forward pass on real MNIST
# digits with the reference interpreter (training and GPU devices arrive with
# the code-generation and autodiff issues).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
export NNC_BUILD_DIR=$build
"$root/scripts/setup.sh"

bin=$build/bin
data=$build/data/mnist
out=$build/demo
mkdir -p "$out"
model=$root/examples/mnist/mlp.nn
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. compile $(basename "$model") to nnc's graph"
"$bin/nnc" "$model" --emit=graph -o "$out/mlp.graph"
grep -E '^(model|input|param|train)' "$out/mlp.graph" | cut -c1-100

say "2. forward pass on 8 held-out digits (reference interpreter)"
"$bin/nnc-run" "$model" --device reference --input "x=$data/sample_x.npy" \
  --save-params "$out/params.npz" \
  --output "logits=$out/logits.npy" --output "pred=$out/pred.npy"
/usr/bin/python3 - "$data/sample_x.npy" "$data/sample_y.npy" "$out/pred.npy" <<'PY'
import sys
import numpy as np
x, y, p = (np.load(f) for f in sys.argv[1:4])
shades = " .:-=+*#%@"
rows = []
for i in range(len(x)):
    img = x[i].reshape(28, 28)[::2, ::2]
    rows.append(["".join(shades[min(9, int(v * 9.99))] for v in r) for r in img])
for i in range(0, len(x), 4):
    group = range(i, min(i + 4, len(x)))
    for line in range(14):
        print("   ".join(rows[k][line] for k in group))
    print("   ".join(f"label {y[k]} -> {p[k]}".ljust(14) for k in group))
    print()
PY

say "3. all 2,000 held-out digits"
"$bin/nnc-run" "$model" --device reference --input "x=$data/test/x.npy" \
  --output "pred=$out/pred_all.npy"
/usr/bin/python3 -c "
import numpy as np
y = np.load('$data/test/y.npy'); p = np.load('$out/pred_all.npy')
print(f'accuracy with freshly initialised parameters: {(y == p).mean():.4f} (chance is 0.10;')
print('training with train_step arrives with the autodiff issue)')
"
