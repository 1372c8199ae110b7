#!/usr/bin/env bash
# embed_example: `cmake --install` gives a prefix that examples/embed builds
# against both with find_package(nnrt) and with pkg-config, and both binaries
# print the MNIST MLP's logits that NumPy computes from the same params.
# Usage: embed_example.sh [BUILD_DIR] (default $NNC_BUILD_DIR, then build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${NNC_BUILD_DIR:-$root/build}}" && pwd)
prefix=$build/install
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "embed_example: $*" >&2; exit 1; }

# 1. Install into the build folder, never system-wide.
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name nnrt.pc -print -quit)
[ -n "$pc" ] || fail "no nnrt.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir"/libnnrt.so "$libdir"/libnnrt.so.0 "$prefix"/include/nnc/runtime.h \
         "$libdir"/cmake/nnrt/nnrtConfig.cmake "$prefix"/bin/nnc-run "$prefix"/bin/nnc-train; do
  [ -e "$f" ] || fail "not installed: $f"
done
# shellcheck disable=SC2016 # a literal $ORIGIN
readelf -d "$prefix/bin/nnc-run" | grep -q 'R.*PATH.*\[\$ORIGIN/../lib\]' ||
  fail "installed nnc-run lacks RPATH \$ORIGIN/../lib"

# 2. The example as a standalone CMake project against the prefix.
cmake -S "$root/examples/embed" -B "$tmp/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "configure failed"; }
grep -qx "nnrt_DIR:PATH=$libdir/cmake/nnrt" "$tmp/cmake/CMakeCache.txt" ||
  fail "find_package(nnrt) did not find the package under $prefix"
cmake --build "$tmp/cmake" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "CMake build failed"; }

# 3. The example with cc and pkg-config.
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -std=c99 -Wall -Wextra -Werror -o "$tmp/embed-pc" "$root/examples/embed/embed.c" \
  $(pkg-config --cflags --libs nnrt) -Wl,-rpath,"$(pkg-config --variable=libdir nnrt)" ||
  fail "cc with pkg-config failed"

# 4. A model, and what the runtime's own CLI says about it.
"$build/bin/nnc" "$root/examples/mnist/mlp.nn" -o "$tmp/model.so"
batch=3
/usr/bin/python3 - "$tmp/x.npy" "$batch" <<'PY'
import sys
import numpy as np
n = int(sys.argv[2]) * 784  # embed.c's pattern: ((37 i) mod 101) / 100 - 0.5
x = (np.arange(n) * 37 % 101).astype(np.float32) / np.float32(100) - np.float32(0.5)
np.save(sys.argv[1], x.reshape(-1, 784))
PY
"$prefix/bin/nnc-run" "$tmp/model.so" --device reference --input "x=$tmp/x.npy" \
  --save-params "$tmp/p.npz" >/dev/null

# The printed logits and pred against the MLP computed in NumPy.
check() { # check OUTPUT_FILE BATCH DEVICE_KIND RTOL
  /usr/bin/python3 - "$tmp/p.npz" "$tmp/x.npy" "$@" <<'PY'
import re, sys
import numpy as np
params, xfile, out, batch, kind, rtol = sys.argv[1:]
batch, rtol = int(batch), float(rtol)
p = np.load(params)
x = np.load(xfile)[:batch].astype(np.float64)
logits = np.maximum(x @ p["w1"] + p["b1"], 0) @ p["w2"] + p["b2"]
text = open(out).read()
lines = dict(l.split(" ", 1) for l in text.splitlines() if " " in l)
def parse(name, dtype):
    m = re.fullmatch(rf"{dtype} \[([0-9, ]*)\]:((?: \S+)*)", lines.get(name, ""))
    if not m:
        sys.exit(f"no '{name} {dtype} [...]:' line in:\n{text}")
    return [int(d) for d in m[1].split(", ")], np.array(m[2].split(), dtype=np.float64)
if not lines.get("device:", "").startswith(kind):
    sys.exit(f"expected a {kind} device in:\n{text}")
shape, got = parse("logits", "f32")
want = logits.ravel()[:10]
if shape != [batch, 10] or got.shape != want.shape:
    sys.exit(f"logits: shape {shape} with {got.size} values, want [{batch}, 10] with 10")
err = np.max(np.abs(got - want)) / np.max(np.abs(want))
if not err < rtol:
    sys.exit(f"logits: max rel err {err:.3g} >= {rtol}\n got  {got}\n want {want}")
shape, pred = parse("pred", "i(?:32|64)")
if shape != [batch] or list(pred) != list(np.argmax(logits, axis=1)[:10]):
    sys.exit(f"pred: {shape} {pred}, want [{batch}] {np.argmax(logits, axis=1)}")
print(f"{out}: logits max rel err {err:.3g}, pred {pred.astype(int).tolist()} ok")
PY
}

# 5 and 6. Both binaries on the reference, then on Vulkan where a device is.
vulkan=0
if command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -q deviceName; then
  vulkan=1
fi
for exe in "$tmp/cmake/embed" "$tmp/embed-pc"; do
  "$exe" "$tmp/model.so" --device reference >"$tmp/out" || fail "$exe --device reference failed"
  check "$tmp/out" 1 reference 1e-5 || fail "$exe: wrong output on the reference"
  "$exe" "$tmp/model.so" --device reference --batch "$batch" >"$tmp/out" ||
    fail "$exe --batch $batch failed"
  check "$tmp/out" "$batch" reference 1e-5 || fail "$exe --batch $batch: wrong output"
  if [ "$vulkan" = 1 ]; then
    if "$exe" "$tmp/model.so" --device vulkan >"$tmp/out" 2>"$tmp/err"; then
      check "$tmp/out" 1 vulkan 1e-3 || fail "$exe: wrong output on Vulkan"
    elif grep -q "cannot open device 'vulkan'" "$tmp/err"; then
      echo "SKIP: $exe --device vulkan: $(cat "$tmp/err")"
    else
      cat "$tmp/err" >&2; fail "$exe --device vulkan failed"
    fi
  fi
done

# The check itself must reject a wrong logit.
"$tmp/embed-pc" "$tmp/model.so" --device reference >"$tmp/out"
sed -E 's/^(logits f32 \[1, 10\]: )[^ ]+/\1123.5/' "$tmp/out" >"$tmp/bad"
cmp -s "$tmp/out" "$tmp/bad" && fail "could not make a wrong output"
if check "$tmp/bad" 1 reference 1e-3 >/dev/null 2>&1; then
  fail "the check accepted a wrong logit"
fi
echo "embed_example: ok"
