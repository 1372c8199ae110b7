#!/usr/bin/env bash
# decompose_reference: every op nn-decompose rewrites computes the same
# outputs in the reference interpreter before and after the rewrite.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
input=$root/tests/e2e/inputs/decompose_ops.mlir
outputs=(softmax softmax_batch log_softmax layer_norm rms_norm batch_norm
         batch_norm_train batch_norm_2d mse cross_entropy)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$build/bin/nnc" "$input" --emit=graph -o "$tmp/a.graph"
"$build/bin/nnc-opt" "$input" --nn-decompose -o "$tmp/d.mlir"
"$build/bin/nnc" "$tmp/d.mlir" --emit=graph -o "$tmp/b.graph"
# A decomposition that left a composite op behind would compare it to itself.
if grep -Eq '= (softmax|log_softmax|layer_norm|rms_norm|batch_norm|mse|cross_entropy) ' \
    "$tmp/b.graph"; then
  echo "decompose_reference: nn-decompose left a composite op:" >&2
  grep -E '= (softmax|log_softmax|layer_norm|rms_norm|batch_norm|mse|cross_entropy) ' \
    "$tmp/b.graph" >&2
  exit 1
fi

for g in a b; do
  args=()
  for name in "${outputs[@]}"; do
    args+=(--output "$name=$tmp/$g-$name.npy")
  done
  "$build/bin/nnc-run" "$tmp/$g.graph" --random-inputs --dim B=3 --seed 1 "${args[@]}"
done

/usr/bin/python3 - "$tmp" "${outputs[@]}" <<'PY'
import sys
import numpy as np

tmp, names = sys.argv[1], sys.argv[2:]
bad = 0
for name in names:
    a = np.load(f"{tmp}/a-{name}.npy").astype(np.float64)
    b = np.load(f"{tmp}/b-{name}.npy").astype(np.float64)
    if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        print(f"{name}: shapes {a.shape} vs {b.shape} or non-finite values")
        bad += 1
        continue
    # Relative to the output's magnitude: normalized outputs have elements
    # near zero, where an elementwise relative error means nothing.
    err = np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(a), initial=0.0), 1e-30)
    ok = err < 1e-5
    bad += not ok
    print(f"{name}: shape {a.shape} max rel err {err:.3g} {'ok' if ok else 'MISMATCH'}")
sys.exit(1 if bad else 0)
PY
