#!/usr/bin/python3
"""PyTorch's twin of `nnc-train` for the MNIST examples: the same model
(mlp or cnn, as in tests/e2e/train_vs_torch.py), the same initial params
(an .npz that `nnc-run model.so --save-params init.npz` writes), the same
digits, the same shuffle (nnc-train's splitmix64 + Fisher-Yates from
--seed), batch, optimizer (Adam, lr 0.001) and epochs, in float32 on the
CPU. Prints each epoch's mean loss and held-out accuracy on stderr and
`test accuracy: 0.NNNN` last on stdout, as nnc-train does, so the two runs
compare line by line:

    build/bin/nnc examples/mnist/cnn.nn -o cnn.so
    build/bin/nnc-run cnn.so --save-params init.npz
    build/bin/nnc-train cnn.so --train build/data/mnist/train \\
        --test build/data/mnist/test --epochs 10 --load-params init.npz
    /usr/bin/python3 examples/mnist/train_torch.py cnn init.npz \\
        --data build/data/mnist --epochs 10
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from train_vs_torch import splitmix64_orders, torch_logits  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["mlp", "cnn"])
    ap.add_argument("init", help="initial params (.npz from nnc-run --save-params)")
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "data", "mnist"),
                    help="folder with train/ and test/ (x.npy, y.npy)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.001)
    args = ap.parse_args()

    import torch
    F = torch.nn.functional
    x, y = (np.load(os.path.join(args.data, "train", f)) for f in ("x.npy", "y.npy"))
    tx, ty = (np.load(os.path.join(args.data, "test", f)) for f in ("x.npy", "y.npy"))
    p = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True)
         for k, v in np.load(args.init).items() if not k.startswith("opt.")}
    opt = torch.optim.Adam(list(p.values()), lr=args.lr)
    test_x = torch.tensor(tx, dtype=torch.float32)
    acc = 0.0
    for epoch, order in enumerate(splitmix64_orders(args.seed, len(x), args.epochs), 1):
        start, losses = time.time(), []
        for i in range(0, len(x), args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(torch_logits(args.model, p, torch.tensor(x[idx])),
                                   torch.tensor(y[idx], dtype=torch.long))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        with torch.no_grad():
            acc = float((torch_logits(args.model, p, test_x).argmax(1).numpy() == ty).mean())
        print(f"epoch {epoch}/{args.epochs}: loss {np.mean(losses):.4f}, test accuracy "
              f"{acc:.4f} ({len(x) / (time.time() - start):.0f} samples/s)", file=sys.stderr)
    print(f"test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
