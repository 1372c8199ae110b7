#!/usr/bin/env bash
# random_models: random valid models compile and agree with the reference on
# Vulkan (forward and train_step); see random_models.py.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
exec /usr/bin/python3 "$root/tests/e2e/random_models.py" "$build"
