#!/usr/bin/env bash
# onnx_passlist.sh: every ONNX node test in tests/onnx/pass-reference.txt still
# passes on the reference device (the full run is tests/onnx/run.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
if [ ! -d /usr/share/libonnx-testdata/data/node ] || ! /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
  echo "libonnx-testdata or python3-onnx missing (scripts/setup.sh installs them)"; exit 1
fi
NNC_BUILD_DIR=$build "$root/tests/onnx/run.sh" --device reference \
  --only "$root/tests/onnx/pass-reference.txt"
