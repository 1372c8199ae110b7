#!/usr/bin/env bash
# subgroup_reductions: the reduction kernels give the reference
# interpreter's results on Vulkan both ways they combine their threads'
# partials -- subgroup operations (the default: OpGroupNonUniformFAdd, then
# one barrier) and the workgroup-memory tree (nnc --no-subgroup-ops) --
# for row kernels (softmax, layer_norm and their gradients), a loss's sum
# over the batch and Adam, two train_steps each (nnc-run --check compares
# every output, param and optimizer state).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for model in bench/models/softmax.nn bench/models/layer_norm.nn examples/mnist/mlp.nn; do
  name=$(basename "$model" .nn)
  for flag in "" --no-subgroup-ops; do
    so="$tmp/$name${flag:+-tree}.so"
    "$build/bin/nnc" "$root/$model" --target=vulkan $flag -o "$so"
    # The default build must use subgroup operations at all (else this
    # would test the tree twice).
    if [ -z "$flag" ]; then
      "$build/bin/nnc" "$root/$model" --emit=gpu -o "$tmp/gpu.mlir"
    fi
    if [ -z "$flag" ] && ! grep -q 'gpu.subgroup_reduce' "$tmp/gpu.mlir"; then
      echo "subgroup_reductions: $model has no subgroup reduction" >&2
      exit 1
    fi
    "$build/bin/nnc-run" "$so" --device vulkan --check --entry train_step \
      --steps 2 --random-inputs --dim B=37 --seed 3 > "$tmp/out.txt" 2>&1 || {
        cat "$tmp/out.txt" >&2
        echo "FAIL: subgroup_reductions: $name ${flag:-(subgroups)}" >&2
        exit 1
      }
    echo "$name ${flag:-(subgroup operations)}: train_step x2 agrees with the reference"
  done
done
echo "PASS: subgroup_reductions"
