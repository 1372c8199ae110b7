#!/usr/bin/env bash
# run_op.sh BUILD_DIR MODEL.nn: the end-to-end check of one model (one ctest
# test each, registered by tests/e2e/ops/CMakeLists.txt). MODEL may also be
# an nn-dialect .mlir file (ops the language has no call for, such as the
# backward ops): its @forward's arguments carry nn.name/nn.role/nn.dims as
# the frontend writes them, and its directives start with `//`.
#   1. nnc compiles MODEL.nn to model.so (both targets);
#   2. every SPIR-V kernel passes `spirv-val --target-env vulkan1.1`;
#   3. the PTX module passes `ptxas -arch=sm_80` (skipped without ptxas);
#   4. nnc-run runs `forward` on Vulkan (lavapipe here) with seeded random
#      inputs and compares every output with the reference interpreter
#      (`--check`), for each batch size; the same on CUDA when a CUDA device
#      can be opened.
# Directives in comments of MODEL.nn:
#   # EXPECT-ERROR: TEXT   nnc must reject the model with exit 1 and TEXT in
#                          its message; nothing else runs.
#   # TARGET: cuda         with EXPECT-ERROR: compile with --target=cuda and
#                          run on CUDA only (ptxas, and a CUDA device where
#                          one opens); e.g. bf16, which Vulkan rejects
#   # DIMS: 4 3            batch sizes (dim B) to run (default "4 300";
#                          models without a `B` dim run once, without --dim);
#                          NNC_E2E_DIMS in the environment overrides both.
#   # ENTRY: train_step    the entry to run and check instead of forward
#                          (its outputs: the loss, the updated params and
#                          optimizer state).
# A crash is always a failure: an exit code above 1, a signal, or a message
# with "Assertion", "UNREACHABLE" or "Stack dump".
# With no Vulkan device at all (vulkaninfo lists none) the Vulkan run step
# prints SKIP; the validators still run.
#
# Called with no arguments it runs every model of tests/e2e/ops plus the
# MNIST examples and passes when all do (NNC_BUILD_DIR selects the build);
# the build registers each as a ctest test (e2e.op.*), which is how
# scripts/test.sh runs them.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

if [ $# -eq 0 ]; then
  build=${NNC_BUILD_DIR:-$root/build}
  # Once tests/e2e/ops is registered with ctest (e2e.op.*), scripts/test.sh
  # runs these models there, one test each; do not run them twice.
  if grep -qs 'e2e\.op\.' "$build/tests/e2e/ops/CTestTestfile.cmake"; then
    echo "run_op.sh: the op models run as ctest tests e2e.op.* / e2e.model.*; nothing to do here"
    exit 0
  fi
  pass=0; failed=()
  for f in "$here"/*.nn "$here"/*.mlir "$root/examples/mnist/mlp.nn" "$root/examples/mnist/cnn.nn"; do
    case $f in */examples/*) dims="4 3" ;; *) dims=${NNC_E2E_DIMS:-} ;; esac
    if out=$(NNC_E2E_DIMS=$dims bash "$0" "$build" "$f" 2>&1); then
      pass=$((pass + 1))
    else
      failed+=("$(basename "${f%.*}")")
      echo "FAIL: $f"; echo "$out" | tail -15 | sed 's/^/    /'
    fi
  done
  echo "run_op.sh: $pass passed, ${#failed[@]} failed${failed:+: ${failed[*]}}"
  [ ${#failed[@]} -eq 0 ]
  exit
fi

if [ $# -ne 2 ]; then
  echo "usage: run_op.sh BUILD_DIR MODEL.nn" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
model=$2
nnc=$build/bin/nnc
nncrun=$build/bin/nnc-run
name=$(basename "${model%.*}")
for tool in "$nnc" "$nncrun"; do
  [ -x "$tool" ] || { echo "FAIL: $tool is not built"; exit 1; }
done
[ -f "$model" ] || { echo "FAIL: no such model: $model"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnc-e2e-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# step NAME CMD...: runs CMD with its output in $tmp/out; sets rc. Crashes
# (exit > 1, signals, assertion text) fail at once, whatever the step.
step() {
  local what=$1; shift
  "$@" > "$tmp/out" 2>&1
  rc=$?
  if [ $rc -gt 1 ] || grep -qE 'Assertion|UNREACHABLE|Stack dump|PLEASE submit a bug report' "$tmp/out"; then
    echo "FAIL: $what crashed (exit $rc): $*"
    tail -40 "$tmp/out"
    exit 1
  fi
}
fail() { # fail WHAT: print the failing step's output and exit 1
  echo "FAIL: $1"
  tail -40 "$tmp/out"
  exit 1
}

# 0. An expected compiler error.
# Directives are comments: `#` in .nn files, `//` in .mlir files.
expect=$(sed -nE 's@^(#|//) *EXPECT-ERROR: *@@p' "$model" | head -1)
if [ -n "$expect" ]; then
  step "nnc (expecting an error)" "$nnc" "$model" -o "$tmp/model.so"
  [ $rc -eq 1 ] || fail "nnc was expected to fail with '$expect' but exited $rc"
  grep -qF -- "$expect" "$tmp/out" || fail "nnc failed without the expected message '$expect'"
  echo "nnc rejects it as expected: $(grep -F -- "$expect" "$tmp/out" | head -1)"
  # `# TARGET: cuda`: the model still runs where CUDA does (bf16).
  if ! grep -qE '^(#|//) *TARGET: *cuda' "$model"; then
    echo "PASS: $name"
    exit 0
  fi
fi
target=all
grep -qE '^(#|//) *TARGET: *cuda' "$model" && target=cuda

# 1. Compile.
step "nnc -o model.so" "$nnc" "$model" --target=$target -o "$tmp/model.so"
[ $rc -eq 0 ] || fail "nnc $model -o model.so (exit $rc)"

# 2. SPIR-V: one .spv per kernel, each valid for Vulkan 1.1.
mkdir -p "$tmp/spv"
if [ $target = cuda ]; then
  echo "spirv-val: skipped (a CUDA-only model)"
else
  step "nnc --emit=spirv" "$nnc" "$model" --emit=spirv -o "$tmp/spv"
  [ $rc -eq 0 ] || fail "nnc --emit=spirv (exit $rc)"
fi
if [ $target = cuda ]; then
  :
elif command -v spirv-val > /dev/null; then
  nspv=0
  for spv in "$tmp"/spv/*.spv; do
    [ -e "$spv" ] || continue
    nspv=$((nspv + 1))
    step "spirv-val" spirv-val --target-env vulkan1.1 "$spv"
    [ $rc -eq 0 ] || fail "spirv-val --target-env vulkan1.1 $(basename "$spv")"
  done
  echo "spirv-val: $nspv kernel(s) valid"
else
  echo "spirv-val: skipped (not installed)"
fi

# 3. PTX through ptxas.
ptxas=$(command -v ptxas || true)
[ -z "$ptxas" ] && [ -x /usr/local/cuda/bin/ptxas ] && ptxas=/usr/local/cuda/bin/ptxas
step "nnc --emit=ptx" "$nnc" "$model" --emit=ptx -o "$tmp/model.ptx"
[ $rc -eq 0 ] || fail "nnc --emit=ptx (exit $rc)"
if [ -n "$ptxas" ]; then
  step "ptxas" "$ptxas" -arch=sm_80 "$tmp/model.ptx" -o "$tmp/model.cubin"
  [ $rc -eq 0 ] || fail "ptxas -arch=sm_80"
  echo "ptxas: ok"
else
  echo "ptxas: skipped (not installed)"
fi

# 4. Run on the devices and compare with the reference interpreter.
# shellcheck source=tests/e2e/ops/model_dims.sh
. "$here/model_dims.sh"
dims=$(model_dims "$model" static)
[ "$dims" = static ] || [ -z "${NNC_E2E_DIMS:-}" ] || dims=$NNC_E2E_DIMS

entry=$(model_entry "$model")

# run_device DEVICE: every batch size; exits 1 on a failure. A device that
# cannot be opened is a skip for cuda, and for vulkan only where vulkaninfo
# lists no device (a runtime built without its Vulkan driver still fails).
unavailable='(cuda|vulkan): (this runtime was built without|cannot load lib|no CUDA device|no Vulkan device|cuInit failed|device [0-9]+ does not exist)'
run_device() {
  local dev=$1 d seed=0 args
  for d in $dims; do
    seed=$((seed + 1))
    args=(--device "$dev" --check --seed "$seed")
    [ "$entry" = forward ] || args+=(--entry "$entry")
    [ "$d" = static ] || args+=(--dim "B=$d")
    step "nnc-run --device $dev" "$nncrun" "$tmp/model.so" "${args[@]}"
    if [ $rc -ne 0 ] && grep -qE "$unavailable" "$tmp/out"; then
      if [ "$dev" = cuda ]; then
        echo "cuda: skipped ($(grep -m1 -E "$unavailable" "$tmp/out"))"
        return 0
      fi
      # Vulkan: SKIP only when the machine has no Vulkan device at all.
      if ! vulkaninfo --summary 2>/dev/null | grep -q 'deviceName'; then
        echo "SKIP: vulkan run (vulkaninfo lists no Vulkan device): $(grep -m1 -E "$unavailable" "$tmp/out")"
        return 0
      fi
    fi
    grep -v 'nnc-run: forward of' "$tmp/out" | sed "s/^/  [$dev B=$d] /"
    if [ $rc -ne 0 ]; then
      echo "FAIL: nnc-run model.so ${args[*]} (exit $rc)"
      exit 1
    fi
  done
}

[ $target = cuda ] || run_device vulkan
run_device cuda

echo "PASS: $name"
