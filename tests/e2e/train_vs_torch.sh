#!/usr/bin/env bash
# train_vs_torch: 20 train_steps of the MNIST examples (and SGD, AdamW, f16 Adam variants
# in tests/e2e/train/) on real digits agree with PyTorch, on the reference
# and on Vulkan; nnc-train's shuffled epoch agrees with a PyTorch replay.
# Needs BUILD/data/mnist (scripts/setup.sh); NNC_ALLOW_MISSING_DATA=1 turns
# its absence into a pass that says so. See train_vs_torch.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
exec /usr/bin/python3 "$root/tests/e2e/train_vs_torch.py" "$build"
