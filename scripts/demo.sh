#!/usr/bin/env bash
# demo.sh: set up if needed, then nnc's main job on the default device:
# compile examples/mnist/cnn.nn (forward, loss and a compiled train_step with
# its Adam update) to one model.so, train it with `nnc-train --device auto`
# (CUDA, else Vulkan -- Mesa's CPU device on a machine without a GPU --, else
# the reference interpreter) on 8,000 real MNIST digits, score the 2,000
# held-out digits, and show a few predictions of the trained model, checked
# against the reference interpreter.
# Environment: NNC_DEVICE (default auto), NNC_DEMO_EPOCHS (default 4; the
# full run is 10 epochs, see examples/mnist/README.md), NNC_BUILD_DIR.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
export NNC_BUILD_DIR=$build
"$root/scripts/setup.sh"

bin=$build/bin
data=$build/data/mnist
out=$build/demo
mkdir -p "$out"
model=$root/examples/mnist/cnn.nn
device=${NNC_DEVICE:-auto}
epochs=${NNC_DEMO_EPOCHS:-4}
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. compile $(basename "$model") to model.so"
"$bin/nnc" "$model" -o "$out/cnn.so"
"$bin/nnc" "$model" --emit=plan | awk '/^entry/ {e = $2} /^launch/ {n[e]++}
  END {printf "   kernel launches: forward %d, train_step %d; ", n["forward"], n["train_step"]}'
ls -l "$out/cnn.so" | awk '{print $5 " bytes"}'

say "2. train on 8,000 digits for $epochs epochs (--device $device, batch 64, adam lr=0.001)"
"$bin/nnc-train" "$out/cnn.so" --device "$device" --epochs "$epochs" \
  --train "$data/train" --test "$data/test" --save-params "$out/cnn-trained.npz" \
  | tee "$out/train.txt"

say "3. the trained model on 8 held-out digits, checked against the reference"
"$bin/nnc-run" "$out/cnn.so" --device "$device" --load-params "$out/cnn-trained.npz" \
  --input "x=$data/sample_x.npy" --check --output "pred=$out/pred.npy" | grep -v '^check logits'
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

say "$(tail -1 "$out/train.txt") on the 2,000 held-out digits after $epochs epochs"
