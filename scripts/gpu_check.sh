#!/usr/bin/env bash
# gpu_check.sh: the end-to-end checks on a GPU machine, prepared here and run
# there in one call. The GPU machine has no LLVM/MLIR (it cannot run nnc):
# `prepare` compiles the models here and gathers what `run` needs (nnc-run,
# libnnrt, nnrt-cuda-test) into one folder to carry; `run` checks every model
# on the device against nnc's reference interpreter and writes a report.
#
#   scripts/gpu_check.sh prepare [DIR] [--target cuda|vulkan] [--gpu sm_90] [--quick]
#   scripts/gpu_check.sh run [DIR] [--device cuda|vulkan] [--out OUT] [--budget S]
#
# prepare (here; DIR defaults to gpu-check, which git ignores):
#   - every model of tests/e2e/ops but the compiler's EXPECT-ERROR tests
#     (those marked TARGET: cuda, bf16, are in for --target cuda), built for
#     --target (cuda by default: CUDA's kernel set, PTX for --gpu), with
#     its batch sizes;
#   - examples/mnist/{mlp,cnn}.nn and examples/zoo/{transformer,resnet_bn}.nn
#     built for both targets (the runtime takes `plan:cuda` from them on a
#     CUDA device), checked on forward and on two train_steps;
#   - --quick: the examples and every tenth op model (a dry run of the
#     script, e.g. on lavapipe with --target vulkan).
#   It prints the folder's size: the device tool carries 64 MiB in all.
# run (there, or here with --device vulkan; DIR defaults to gpu-check):
#   - the device's name and driver (nvidia-smi where present);
#   - nnrt-cuda-test (the CUDA driver's own tests) on --device cuda;
#   - `nnc-run M.so --device D --check --random-inputs` for each model and
#     batch size (train_step with --steps 2 for the examples): the device's
#     outputs (and params and states after a step) against the reference
#     interpreter, each with a timeout; models left when --budget seconds
#     have passed are reported as not run;
#   - OUT/gpu_check.md (OUT defaults to $OUT when set, else DIR): the
#     date, device, counts, and the tail of each failure's output. Exit 1 if
#     anything failed.
# Through the device tool (see tests/e2e/GPU.md):
#   run(command="bash scripts/gpu_check.sh run gpu-check --budget 480",
#       carry=["gpu-check"], timeout_s=600)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/e2e/ops/model_dims.sh
. "$root/tests/e2e/ops/model_dims.sh"
cmd=${1:-}
[ $# -gt 0 ] && shift
dir=gpu-check
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then dir=$1; shift; fi

usage() { sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

prepare() {
  local target=cuda gpu=sm_90 quick=0
  while [ $# -gt 0 ]; do
    case $1 in
      --target) target=$2; shift 2 ;;
      --gpu) gpu=$2; shift 2 ;;
      --quick) quick=1; shift ;;
      *) usage ;;
    esac
  done
  local build=${NNC_BUILD_DIR:-$root/build}
  for tool in nnc nnc-run; do
    [ -x "$build/bin/$tool" ] || { echo "gpu_check: $build/bin/$tool is not built" >&2; exit 1; }
  done
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/lib" "$dir/models"
  cp -a "$build/bin/nnc-run" "$dir/bin/"
  [ -x "$build/bin/nnrt-cuda-test" ] && cp -a "$build/bin/nnrt-cuda-test" "$dir/bin/"
  # Real files, not links (the device tool may not carry links).
  cp -L "$build"/lib/libnnrt*.so* "$dir/lib/" 2>/dev/null
  local n=0 ok=0 skipped=0 i=0
  # Op models: forward only, at their batch sizes.
  for f in "$root"/tests/e2e/ops/*.nn "$root"/tests/e2e/ops/*.mlir; do
    i=$((i + 1))
    [ $quick -eq 1 ] && [ $((i % 10)) -ne 0 ] && continue
    # EXPECT-ERROR models test the compiler, except those marked TARGET:
    # cuda (bf16, which Vulkan refuses): they run where CUDA does.
    local cudaOnly=0
    grep -qE '^(#|//) *TARGET: *cuda' "$f" && cudaOnly=1
    if grep -q 'EXPECT-ERROR:' "$f" && { [ $cudaOnly -eq 0 ] || [ "$target" != cuda ]; }; then
      skipped=$((skipped + 1)); continue
    fi
    local name dims
    name=$(basename "${f%.*}")
    dims=$(model_dims "$f" -)
    n=$((n + 1))
    if "$build/bin/nnc" "$f" -o "$dir/models/$name.so" --target="$target" --gpu="$gpu" \
        > "$dir/models/$name.log" 2>&1; then
      ok=$((ok + 1))
      rm -f "$dir/models/$name.log"
      echo "$(model_entry "$f") ${dims// /,}" > "$dir/models/$name.run"
    else
      echo "gpu_check: $f did not compile (see $dir/models/$name.log)"
    fi
    [ -t 2 ] && printf '\rgpu_check: %d models compiled' "$ok" >&2
  done
  echo >&2
  # Examples, for both targets: forward and two train_steps. The MNIST
  # models train on 64 MNIST digits (from scripts/setup.sh's data, where
  # present) with --tolerance 1e-3: on random inputs many units are dead,
  # and a gradient that is zero up to rounding moves its weight by +-lr
  # under Adam, whichever way the rounding went.
  local mnist=$build/data/mnist/train have_digits=0
  mkdir -p "$dir/data"
  if [ -f "$mnist/x.npy" ] && /usr/bin/python3 -c "
import numpy as np
np.save('$dir/data/x.npy', np.load('$mnist/x.npy')[:64])
np.save('$dir/data/y.npy', np.load('$mnist/y.npy')[:64])" 2>/dev/null; then
    have_digits=1
  else
    echo "gpu_check: no MNIST digits in $mnist: the MNIST train_steps are left out"
  fi
  for f in examples/mnist/mlp.nn examples/mnist/cnn.nn examples/zoo/transformer.nn \
           examples/zoo/resnet_bn.nn; do
    local name
    name=$(basename "${f%.*}")
    case $f in */zoo/*) name=zoo_$name ;; *) name=mnist_$name ;; esac
    n=$((n + 1))
    if "$build/bin/nnc" "$root/$f" -o "$dir/models/$name.so" --gpu="$gpu" \
        > "$dir/models/$name.log" 2>&1; then
      ok=$((ok + 1))
      rm -f "$dir/models/$name.log"
      echo "forward 4,3" > "$dir/models/$name.run"
      case $name in
        mnist_*)
          [ $have_digits -eq 1 ] && echo "train_step - --input x=@DIR@/data/x.npy" \
            "--input y=@DIR@/data/y.npy --tolerance 1e-3" >> "$dir/models/$name.run" ;;
        *) echo "train_step 4" >> "$dir/models/$name.run" ;;
      esac
    else
      echo "gpu_check: $f did not compile (see $dir/models/$name.log)"
    fi
  done
  echo "gpu_check: $ok of $n models compiled into $dir/models ($skipped left out:" \
       "the compiler's EXPECT-ERROR tests); $(du -sh "$dir" | cut -f1) in all"
  local bytes
  bytes=$(du -sb "$dir" | cut -f1)
  if [ "$bytes" -gt $((60 * 1024 * 1024)) ]; then
    echo "gpu_check: warning: over 60 MiB; the device tool carries 64 MiB in all" >&2
  fi
  [ "$ok" -eq "$n" ]
}

run() {
  local device=cuda out=${OUT:-} budget=0
  while [ $# -gt 0 ]; do
    case $1 in
      --device) device=$2; shift 2 ;;
      --out) out=$2; shift 2 ;;
      --budget) budget=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [ -d "$dir/models" ] || { echo "gpu_check: no $dir/models: run prepare first" >&2; exit 1; }
  [ -z "$out" ] && out=$dir
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local report=$out/gpu_check.md start=$SECONDS pass=0 fail=0 notrun=0
  local failures=$out/gpu_check.failures
  : > "$failures"
  {
    echo "# gpu_check run"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- device: --device $device"
    if command -v nvidia-smi > /dev/null; then
      echo "- nvidia-smi: $(nvidia-smi -L 2>&1 | head -1);" \
           "driver $(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>&1 | head -1)"
    fi
  } > "$report"
  if [ "$device" = cuda ] && [ -x "$dir/bin/nnrt-cuda-test" ]; then
    local t
    # The device tests; the PTX-signature tests read files of the build
    # folder, which stays here (they run in CI).
    t=$(timeout 120 "$dir/bin/nnrt-cuda-test" --gtest_filter='CudaDevice*:CudaDriver*' 2>&1 \
        | tail -3 | tr '\n' ' ')
    echo "- nnrt-cuda-test: $t" >> "$report"
  fi
  local first=1
  for spec in "$dir"/models/*.run; do
    local name so
    name=$(basename "${spec%.run}")
    so=$dir/models/$name.so
    # Each line: ENTRY DIMS [nnc-run arguments]; DIMS: batch sizes with
    # commas, "-" for none.
    while read -r entry dims extra; do
      [ "$dims" = "-" ] && dims=""
      dims=${dims//,/ }
      for d in ${dims:-none}; do
        if [ "$budget" -gt 0 ] && [ $((SECONDS - start)) -ge "$budget" ]; then
          notrun=$((notrun + 1)); continue
        fi
        local args=(--device "$device" --check --random-inputs --entry "$entry")
        [ "$d" != none ] && args+=(--dim "B=$d")
        [ "$entry" = train_step ] && args+=(--steps 2)
        # shellcheck disable=SC2206
        [ -n "$extra" ] && args+=(${extra//@DIR@/$dir})
        local o
        o=$(timeout 300 "$dir/bin/nnc-run" "$so" "${args[@]}" 2>&1)
        local rc=$?
        if [ $rc -eq 0 ]; then
          pass=$((pass + 1))
          if [ $first -eq 1 ]; then
            echo "- nnc-run: $(echo "$o" | grep -m1 -o 'on [a-z]*: .*' || true)" >> "$report"
            first=0
          fi
        else
          fail=$((fail + 1))
          {
            echo "## FAIL $name $entry B=$d (exit $rc)"
            echo '```'
            echo "$o" | tail -12
            echo '```'
          } >> "$failures"
        fi
        [ -t 2 ] && printf '\rgpu_check: %d passed, %d failed' "$pass" "$fail" >&2
      done
    done < "$spec"
  done
  echo >&2
  {
    echo "- checks (model x entry x batch size, each against the reference interpreter):" \
         "$pass passed, $fail failed, $notrun not run (budget ${budget}s)"
    echo "- time: $((SECONDS - start)) s"
    echo
    cat "$failures"
  } >> "$report"
  rm -f "$failures"
  cat "$report"
  [ "$fail" -eq 0 ]
}

case $cmd in
  prepare) prepare "$@" ;;
  run) run "$@" ;;
  *) usage ;;
esac
