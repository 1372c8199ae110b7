# model_dims.sh (model_dims, model_entry): sourced by tests/e2e/ops/run_op.sh
# and scripts/gpu_check.sh.
# model_dims MODEL STATIC: the batch sizes (dim B) to run MODEL at -- its
# `# DIMS: 4 3` directive (`// DIMS:` in .mlir models), else "4 300" -- or
# STATIC when the model has no dynamic dim B (it runs once, without --dim).
model_dims() {
  local model=$1 static=$2 dims
  if ! grep -qE '^ *input .*[[, ]B[],]|nn\.dims = \[[^]]*"B"' "$model"; then
    echo "$static"
    return
  fi
  dims=$(sed -nE 's@^(#|//) *DIMS: *@@p' "$model" | head -1)
  echo "${dims:-4 300}"
}

# model_entry MODEL: the entry to run and check -- its `# ENTRY: NAME`
# directive (`// ENTRY:` in .mlir models), else forward.
model_entry() {
  local entry
  entry=$(sed -nE 's,^(#|//) *ENTRY: *([a-z_]+).*,\2,p' "$1" | head -1)
  echo "${entry:-forward}"
}
