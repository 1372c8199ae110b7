#!/usr/bin/env bash
# test.sh: set everything up if needed, then run every test suite (lit,
# GoogleTest, end to end, fuzzing) and end with one line `N passed, N failed`.
# Environment: NNC_BUILD_DIR (default build), NNC_FUZZ_SECONDS (default 60; 0 skips).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
export NNC_BUILD_DIR=$build
cd "$root"

"$root/scripts/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
summary=()
count() { # count SUITE PASSED FAILED
  passed=$((passed + $2)); failed=$((failed + $3))
  summary+=("$(printf '%-10s %5d passed, %d failed' "$1" "$2" "$3")")
}
section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

# 1. lit: passes, stages and every diagnostic.
section "lit (tests/lit)"
lit_log=$(mktemp)
/usr/lib/llvm-22/bin/lit -sv "$build/tests/lit" 2>&1 | tee "$lit_log"
lit_num() { grep -E "^ *$1: *[0-9]+" "$lit_log" | grep -oE '[0-9]+' | head -1; }
lp=$(( $(lit_num Passed || echo 0) + $(lit_num 'Expectedly Failed' || echo 0) ))
lf=$(( $(lit_num Failed || echo 0) + $(lit_num 'Unexpectedly Passed' || echo 0) + $(lit_num Unresolved || echo 0) + $(lit_num 'Timed Out' || echo 0) ))
[ "$lp" -eq 0 ] && lf=$((lf + 1))   # a suite that ran nothing is a failure
count lit "$lp" "$lf"

# 2. GoogleTest, through CTest.
section "unit (GoogleTest)"
ctest_log=$(mktemp)
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure 2>&1 | tee "$ctest_log"
ct_total=$(grep -oE 'tests failed out of [0-9]+' "$ctest_log" | grep -oE '[0-9]+$' || echo 0)
ct_failed=$(grep -oE '[0-9]+ tests failed out of' "$ctest_log" | grep -oE '^[0-9]+' || echo 0)
[ "${ct_total:-0}" -eq 0 ] && ct_failed=$((ct_failed + 1))
count unit "$((ct_total - ct_failed > 0 ? ct_total - ct_failed : 0))" "$ct_failed"

# 3. End to end: each tests/e2e/*.sh is one test (exit 0 = pass).
section "e2e (tests/e2e)"
ep=0; ef=0
for t in "$root"/tests/e2e/*.sh; do
  name=$(basename "$t" .sh)
  if NNC_BUILD_DIR=$build bash "$t" > "$build/e2e-$name.log" 2>&1; then
    ep=$((ep + 1)); echo "PASS: $name"
  else
    ef=$((ef + 1)); echo "FAIL: $name"; sed 's/^/    /' "$build/e2e-$name.log" | tail -30
  fi
done
count e2e "$ep" "$ef"

# 4. Fuzzing the frontend for a bounded time.
if [ "${NNC_FUZZ_SECONDS:-60}" != 0 ]; then
  section "fuzz (tests/fuzz)"
  if NNC_BUILD_DIR=$build bash "$root/tests/fuzz/run.sh" "${NNC_FUZZ_SECONDS:-60}"; then
    count fuzz 1 0
  else
    count fuzz 0 1
  fi
fi

section "summary"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
