#!/usr/bin/env bash
# mnist_forward_reference: both MNIST examples, compiled by nnc and run by the
# reference interpreter on real digits, agree with PyTorch given the same params.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for kind in mlp cnn; do
  "$build/bin/nnc-run" "$root/examples/mnist/$kind.nn" --device reference \
    --input "x=$build/data/mnist/sample_x.npy" --save-params "$tmp/$kind.npz" \
    --output "logits=$tmp/$kind-logits.npy" --output "pred=$tmp/$kind-pred.npy"
  /usr/bin/python3 "$root/tests/e2e/check_mnist_forward.py" "$kind" "$tmp/$kind.npz" \
    "$build/data/mnist/sample_x.npy" "$tmp/$kind-logits.npy" "$tmp/$kind-pred.npy"
done
