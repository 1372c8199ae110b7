#!/usr/bin/env bash
# dropout_training: dropout with training = true, and the gradient ops
# (scatter_add, dropout of the cotangent), lowered and run on a device.
#   1. The `loss` entry of a model with dropout (training there) runs on
#      Vulkan and matches the reference interpreter (nnc-run --check), for
#      several batch sizes; the reference's mask is the Philox mask that
#      NumPy computes independently (autodiff_fd.py's philox_keep).
#   2. The optional `step` operand (an .mlir model: the frontend never
#      writes it): device and reference agree, and the mask is NumPy's for
#      that step.
#   3. The train_step of models whose gradients use scatter_add (gather,
#      embedding, strided slice) and dropout of the cotangent runs on Vulkan
#      and matches the reference (updated params included).
# Without a Vulkan device the device runs print SKIP; the NumPy checks of
# the reference still run. Usage: dropout_training.sh [BUILD_DIR].
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${NNC_BUILD_DIR:-$root/build}}" && pwd)
nnc=$build/bin/nnc
nncrun=$build/bin/nnc-run
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "dropout_training: FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3

vulkan=1
vulkaninfo --summary 2>/dev/null | grep -q deviceName || vulkan=0
# check SO ENTRY ARGS...: the entry on Vulkan against the reference.
check() {
  local so=$1 entry=$2; shift 2
  if [ $vulkan = 0 ]; then
    echo "SKIP: $entry of $(basename "$so") on vulkan (no Vulkan device)"
    return
  fi
  "$nncrun" "$so" --device vulkan --check --entry "$entry" "$@" \
    > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "$entry of $so $*"; }
  grep -q '^check ' "$tmp/out" || { cat "$tmp/out"; fail "nothing checked"; }
  echo "ok: $entry of $(basename "$so" .so) on vulkan $*"
}

# 1. dropout in the loss entry.
cat > "$tmp/drop.nn" <<'EOF'
model drop
input x : f32[B, 3, 5]
param w : f32[5] = normal(0, 1, seed=1)
d = dropout(x * w, p=0.25, seed=7)
e = dropout(x, p=0.9, seed=4294967301)
loss = sum(d * x) + sum(e)
output d, e
train loss with sgd(lr=0.1)
EOF
"$nnc" "$tmp/drop.nn" -o "$tmp/drop.so" || fail "nnc drop.nn"
for b in 1 4 77; do
  check "$tmp/drop.so" loss --dim B=$b --seed $b
done
"$nnc" "$tmp/drop.nn" --emit=graph -o "$tmp/drop.graph" || fail "nnc --emit=graph"
$py - "$tmp/drop.graph" "$nncrun" "$tmp" "$root" <<'EOF' || fail "the reference's dropout mask is not NumPy's Philox mask"
import subprocess, sys
import numpy as np
graph, nncrun, tmp, root = sys.argv[1:]
sys.path.insert(0, root + "/tests/e2e")
from autodiff_fd import philox_keep
x = np.random.default_rng(1).uniform(-2, 2, (6, 3, 5)).astype(np.float32)
w = np.random.default_rng(2).uniform(-2, 2, 5).astype(np.float32)
np.save(tmp + "/x.npy", x)
np.savez(tmp + "/p.npz", w=w)
for entry, training in (("loss", True), ("forward", False)):
    subprocess.run([nncrun, graph, "--entry", entry, "--input", f"x={tmp}/x.npy",
                    "--load-params", f"{tmp}/p.npz", "--output", f"d={tmp}/d.npy",
                    "--output", f"e={tmp}/e.npy"], check=True, capture_output=True)
    for name, h, p, seed in (("d", x * w, 0.25, 7), ("e", x, 0.9, 4294967301)):
        got = np.load(f"{tmp}/{name}.npy")
        want = h.astype(np.float64)
        if training:
            want = np.where(philox_keep(seed, h.shape, p), want / (1 - p), 0)
        if not np.allclose(got, want, rtol=1e-6, atol=0):
            sys.exit(f"{entry}: {name} differs from NumPy")
        if training:
            kept = np.count_nonzero(got) / got.size
            if abs(kept - (1 - p)) > 0.2:
                sys.exit(f"{entry}: {name} keeps {kept:.2f}, expected {1 - p}")
print("ok: the reference's dropout mask is NumPy's Philox mask (forward: identity)")
EOF

# 2. The step operand.
cat > "$tmp/step.mlir" <<'EOF'
module attributes {nn.model = "step"} {
  func.func @forward(%x: tensor<?x7xf32> {nn.dims = ["B", "7"], nn.name = "x", nn.role = "input"},
                     %s: tensor<f32> {nn.dims = [], nn.name = "s", nn.role = "input"})
      -> (tensor<?x7xf32> {nn.name = "y"}) {
    %y = nn.dropout %x, %s {p = 5.000000e-01 : f64, seed = 11 : i64, training = true}
        : tensor<?x7xf32>, tensor<f32> -> tensor<?x7xf32>
    return %y : tensor<?x7xf32>
  }
}
EOF
"$nnc" "$tmp/step.mlir" -o "$tmp/step.so" || fail "nnc step.mlir"
"$nnc" "$tmp/step.mlir" --emit=graph -o "$tmp/step.graph" || fail "nnc step.mlir --emit=graph"
$py - "$tmp" "$root" <<'EOF'
import sys
import numpy as np
tmp, root = sys.argv[1:]
np.save(tmp + "/x.npy", np.random.default_rng(3).uniform(1, 2, (5, 7)).astype(np.float32))
for s in (0, 3, 1000):
    np.save(f"{tmp}/s{s}.npy", np.float32(s))
EOF
for s in 0 3 1000; do
  check "$tmp/step.so" forward --input x="$tmp/x.npy" --input s="$tmp/s$s.npy"
  "$nncrun" "$tmp/step.graph" --input x="$tmp/x.npy" --input s="$tmp/s$s.npy" \
    --output y="$tmp/y$s.npy" > /dev/null || fail "reference run with step $s"
done
$py - "$tmp" "$root" <<'EOF' || fail "the mask for a step is not NumPy's"
import sys
import numpy as np
tmp, root = sys.argv[1:]
sys.path.insert(0, root + "/tests/e2e")
from autodiff_fd import philox_keep
x = np.load(tmp + "/x.npy")
masks = []
for s in (0, 3, 1000):
    want = np.where(philox_keep(11, x.shape, 0.5, s), x.astype(np.float64) * 2, 0)
    got = np.load(f"{tmp}/y{s}.npy")
    if not np.allclose(got, want, rtol=1e-6, atol=0):
        sys.exit(f"step {s}: the reference differs from NumPy")
    masks.append(got != 0)
if (masks[0] == masks[1]).all() or (masks[1] == masks[2]).all():
    sys.exit("different steps drew the same mask")
print("ok: step selects the Philox counter word 2 (steps 0, 3, 1000)")
EOF

# 3. Gradients through scatter_add and dropout on the device.
for m in gather_embedding dropout slice; do
  "$nnc" "$root/tests/e2e/autodiff/$m.nn" -o "$tmp/$m.so" || fail "nnc $m.nn"
  for b in 3 50; do
    check "$tmp/$m.so" train_step --dim B=$b --seed $b
  done
done
echo "dropout_training: PASS"
