#!/usr/bin/env bash
# nnc_train_cli: nnc-train's help, its user errors (each one message and exit
# 1) and a short deterministic run on synthetic data: the same seed gives the
# same params and accuracy, another seed other params. Needs no MNIST.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${NNC_BUILD_DIR:-$root/build}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
train=$build/bin/nnc-train
fail() { echo "FAIL: nnc_train_cli: $*"; exit 1; }

"$train" --help > "$tmp/help" || fail "--help exits $?"
for flag in --train --test --epochs --batch --seed --limit --device --load-params \
            --save-params splitmix64 drop_last "test accuracy:"; do
  grep -q -- "$flag" "$tmp/help" || fail "--help does not mention $flag"
done

model=$tmp/sgd.so
"$build/bin/nnc" "$root/tests/e2e/train/mlp_sgd.nn" -o "$model"
cat > "$tmp/forward_only.nn" <<'NN'
model forward_only
input x : f32[B, 784]
param w : f32[784, 10] = zeros
logits = x @ w
output logits
NN
"$build/bin/nnc" "$tmp/forward_only.nn" -o "$tmp/forward_only.so"

# Synthetic sets: good/ (N=100), short_y/ (99 labels), f_labels/ (float y),
# i64/ (int64 labels: converted), x_int/ (integer x).
/usr/bin/python3 - "$tmp" <<'PY'
import os, sys
import numpy as np
t = sys.argv[1]
rng = np.random.RandomState(0)
x = rng.rand(100, 784).astype(np.float32)
y = rng.randint(0, 10, 100).astype(np.int32)
def save(d, **arrays):
    os.makedirs(os.path.join(t, d), exist_ok=True)
    for k, v in arrays.items():
        np.save(os.path.join(t, d, k + ".npy"), v)
save("good", x=x, y=y)
save("short_y", x=x, y=y[:99])
save("f_labels", x=x, y=y.astype(np.float32))
save("i64", x=x, y=y.astype(np.int64))
save("x_int", x=(x * 255).astype(np.int32), y=y)
save("x_785", x=np.zeros((100, 785), np.float32), y=y)
save("no_y", x=x)
PY

expect_error() { # MESSAGE ARGS...: exit 1 with MESSAGE on stderr
  local msg=$1; shift
  local rc=0
  "$train" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
  [ $rc -eq 1 ] || fail "nnc-train $* exited $rc, not 1"
  grep -qF -- "$msg" "$tmp/err" || fail "nnc-train $*: no '$msg' in: $(cat "$tmp/err")"
}
g=$tmp/good
expect_error "no model given"                "--train" "$g" --test "$g"
expect_error "both --train DIR and --test DIR" "$model" --train "$g"
expect_error "is not a folder"               "$model" --train "$tmp/nope" --test "$g"
expect_error "--epochs needs a positive integer" "$model" --train "$g" --test "$g" --epochs 0
expect_error "--batch needs a positive integer"  "$model" --train "$g" --test "$g" --batch x
expect_error "unknown option '--bogus'"      "$model" --train "$g" --test "$g" --bogus
expect_error "has no train_step entry"       "$tmp/forward_only.so" --train "$g" --test "$g"
expect_error "x.npy holds 100 samples but y.npy holds 99" "$model" --train "$tmp/short_y" --test "$g"
expect_error "but input 'y' is i32[B]"       "$model" --train "$tmp/f_labels" --test "$g"
expect_error "but input 'x' is f32[B,784]"   "$model" --train "$tmp/x_int" --test "$g"
expect_error "but input 'x' is f32[B,784]"   "$model" --train "$g" --test "$tmp/x_785"
expect_error "cannot read"                   "$model" --train "$tmp/no_y" --test "$g"
expect_error "cannot open"                   "$tmp/missing.nn" --train "$g" --test "$g"

# Determinism: batch 32 over 100 samples (3 full batches and a partial one).
run() { # SEED OUT.npz TRAIN_DIR
  "$train" "$model" --device reference --train "$3" --test "$g" --epochs 2 \
    --batch 32 --seed "$1" --save-params "$2" 2> "$tmp/progress"
}
a=$(run 5 "$tmp/a.npz" "$g") || fail "nnc-train failed: $(cat "$tmp/progress")"
grep -qE '^epoch 2/2: loss [0-9.]+, test accuracy [01]\.[0-9]{4}, [0-9]+ samples/s, [0-9.]+ s$' \
  "$tmp/progress" || fail "no epoch line in: $(cat "$tmp/progress")"
echo "$a" | grep -qE '^test accuracy: [01]\.[0-9]{4}$' || fail "last stdout line is '$a'"
b=$(run 5 "$tmp/b.npz" "$tmp/i64") || fail "nnc-train on int64 labels failed"
c=$(run 6 "$tmp/c.npz" "$g") || fail "nnc-train --seed 6 failed"
/usr/bin/python3 - "$tmp" <<'PY' || fail "seeds do not behave"
import sys
import numpy as np
t = sys.argv[1]
a, b, c = (np.load(f"{t}/{n}.npz") for n in "abc")
assert all(np.array_equal(a[k], b[k]) for k in a.files), "same seed, other params"
assert not np.array_equal(a["w1"], c["w1"]), "another seed, same params"
PY
[ "$a" = "$b" ] || fail "same seed, other accuracy: '$a' vs '$b'"
# A model compiled with nnc --dim B=32 takes batches of exactly 32: the
# default batch, another one an error, the remainder left out (100 = 3 * 32
# + 4 training and test samples).
"$build/bin/nnc" "$root/tests/e2e/train/mlp_sgd.nn" --dim B=32 --target=vulkan -o "$tmp/b32.so"
expect_error "was compiled for batches of 32 (nnc --dim B=32); pass --batch 32" \
  "$tmp/b32.so" --device reference --train "$g" --test "$g" --batch 16
"$train" "$tmp/b32.so" --device reference --train "$g" --test "$g" --epochs 1 \
  > "$tmp/b32.out" 2> "$tmp/b32.err" || fail "nnc-train on a --dim model: $(cat "$tmp/b32.err")"
grep -qF "100 training samples (3 batches of 32)" "$tmp/b32.err" || fail "batches: $(cat "$tmp/b32.err")"
grep -qF "the last 4 training and 4 test samples are left out" "$tmp/b32.err" ||
  fail "no remainder note: $(cat "$tmp/b32.err")"
grep -qE '^test accuracy: [01]\.[0-9]{4}$' "$tmp/b32.out" || fail "b32 stdout: $(cat "$tmp/b32.out")"
echo "PASS: nnc_train_cli ($a)"
