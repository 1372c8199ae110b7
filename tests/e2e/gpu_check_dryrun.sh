#!/usr/bin/env bash
# gpu_check_dryrun: scripts/gpu_check.sh, the script a session runs when a
# GPU machine is lent, works end to end -- here on lavapipe: `prepare
# --target vulkan --quick` (every tenth op model, the MNIST and zoo
# examples, 64 MNIST digits) and `run --device vulkan`, every check against
# the reference interpreter. It must pass, write its report, and report
# checks as not run when its budget is spent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export NNC_BUILD_DIR=${NNC_BUILD_DIR:-$root/build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root"
bash scripts/gpu_check.sh prepare "$tmp/gc" --target vulkan --quick > "$tmp/prepare.txt" 2>&1 || {
  cat "$tmp/prepare.txt" >&2; echo "FAIL: gpu_check_dryrun: prepare" >&2; exit 1; }
if ! vulkaninfo --summary 2>/dev/null | grep -q deviceName; then
  echo "SKIP: gpu_check_dryrun run (vulkaninfo lists no Vulkan device)"; exit 0
fi
bash scripts/gpu_check.sh run "$tmp/gc" --device vulkan --out "$tmp/out" > "$tmp/run.txt" 2>&1 || {
  cat "$tmp/run.txt" >&2; echo "FAIL: gpu_check_dryrun: run" >&2; exit 1; }
grep -q '^- checks .*: [1-9][0-9]* passed, 0 failed, 0 not run' "$tmp/out/gpu_check.md" || {
  cat "$tmp/out/gpu_check.md" >&2; echo "FAIL: gpu_check_dryrun: report" >&2; exit 1; }
# The MNIST train steps ran on the digits (not left out for want of them).
grep -q 'train_step' "$tmp/gc/models/mnist_cnn.run" || {
  echo "FAIL: gpu_check_dryrun: no MNIST train_step (no digits in $NNC_BUILD_DIR/data?)" >&2; exit 1; }
bash scripts/gpu_check.sh run "$tmp/gc" --device vulkan --out "$tmp/out2" --budget 1 > /dev/null 2>&1 || true
grep -q '[1-9][0-9]* not run (budget 1s)' "$tmp/out2/gpu_check.md" || {
  cat "$tmp/out2/gpu_check.md" >&2; echo "FAIL: gpu_check_dryrun: budget" >&2; exit 1; }
echo "PASS: gpu_check_dryrun ($(grep '^- checks' "$tmp/out/gpu_check.md" | sed 's/.*: //'))"
