#!/usr/bin/env bash
# zoo_transformer: examples/zoo/transformer.nn compiles, its first train_steps match
# PyTorch's on the reference and on Vulkan, it overfits one batch, and
# `nnc-run --check` passes for each entry. See zoo_vs_torch.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
exec /usr/bin/python3 "$root/tests/e2e/zoo_vs_torch.py" "$build" transformer
