#!/usr/bin/env bash
# run.sh [SECONDS]: build the frontend fuzzer with clang-22 (libFuzzer + ASan +
# UBSan) and run it for a bounded time, seeded with every .nn file in the repo.
# Fails on any crash, hang or sanitizer report; the reproducer is kept in
# $build/fuzz/artifacts and should become a lit test (tests/lit/frontend/fuzz-*.nn).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}/fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNNC_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
fi
ninja -C "$build" nnc-fuzz-frontend
corpus=$build/corpus
mkdir -p "$corpus" "$build/artifacts"
find "$root/examples" "$root/tests/lit" -name '*.nn' -exec cp {} "$corpus/" \;
# Run from an empty folder so that load("...") in generated inputs finds nothing.
cd "$build/artifacts"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  "$build/bin/nnc-fuzz-frontend" "$corpus" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=4096 -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
  2>&1 | tail -25
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && echo "fuzz: no crash in ${seconds}s" || echo "fuzz: FAILED (exit $status); see $build/artifacts"
exit "$status"
