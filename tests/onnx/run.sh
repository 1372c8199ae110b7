#!/usr/bin/env bash
# run.sh: the ONNX conformance run (libonnx-testdata node suite) on a device.
#   tests/onnx/run.sh --device reference|vulkan|cuda [--data DIR] [--filter REGEX]
#                     [--list-passing FILE] [--results FILE] [-j N]
# Prints `N passed, N failed, N skipped`; NNC_BUILD_DIR picks the build (default build).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/run.py" "$@"
