#!/usr/bin/env bash
# autodiff_fd: nnc's gradients (@loss_grad, from nn-autodiff) agree with
# central finite differences of @loss on the reference interpreter, for one
# small model per differentiable op (tests/e2e/autodiff/, .nn and, for what
# the frontend cannot write, .mlir) and the MNIST MLP and CNN.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
exec /usr/bin/python3 "$root/tests/e2e/autodiff_fd.py" "$build" \
  "$root"/tests/e2e/autodiff/*.nn "$root"/tests/e2e/autodiff/*.mlir \
  "$root/examples/mnist/mlp.nn" "$root/examples/mnist/cnn.nn"
