#!/usr/bin/env bash
# malformed_nn: mutated .nn files give a located error and exit 1, never a signal.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
exec /usr/bin/python3 "$root/tests/e2e/malformed_nn.py" "$build/bin/nnc" "$root" 40
