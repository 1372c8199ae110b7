#!/bin/sh
# Smoke test of nnc-run on a hand-written graph: runs forward and loss with
# seeded random inputs, then checks the loss against PyTorch using the params
# nnc-run saved. usage: run_graph.sh BUILD_DIR
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run="$build/bin/nnc-run"

"$run" "$here/mlp.graph" --random-inputs --dim B=5 --seed 7
/usr/bin/python3 - "$tmp" <<'PY'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(0)
np.save(d + "/x.npy", rng.standard_normal((6, 16)).astype(np.float32))
np.save(d + "/y.npy", rng.integers(0, 4, 6).astype(np.int32))
PY
"$run" "$here/mlp.graph" --entry loss --input x="$tmp/x.npy" --input y="$tmp/y.npy" \
  --output loss="$tmp/loss.npy" --output logits="$tmp/logits.npy" --save-params "$tmp/p.npz"
/usr/bin/python3 - "$tmp" <<'PY'
import sys, numpy as np, torch, torch.nn.functional as F
d = sys.argv[1]
p = {k: torch.tensor(v, dtype=torch.float64) for k, v in np.load(d + "/p.npz").items()}
x = torch.tensor(np.load(d + "/x.npy"), dtype=torch.float64)
y = torch.tensor(np.load(d + "/y.npy"), dtype=torch.long)
logits = torch.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
loss = F.cross_entropy(logits, y).item()
got = float(np.load(d + "/loss.npy"))
assert np.load(d + "/loss.npy").shape == (), "loss must be 0-d"
assert abs(got - loss) <= 1e-5 * abs(loss) + 1e-6, (got, loss)
assert np.allclose(np.load(d + "/logits.npy"), logits.numpy(), rtol=1e-5, atol=1e-6)
print("run_graph.sh: loss %.6f matches PyTorch" % got)
PY
