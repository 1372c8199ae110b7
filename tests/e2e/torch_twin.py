"""Helpers shared by the e2e scripts that train nnc models beside their
PyTorch twins (train_vs_torch.py, zoo_vs_torch.py): running the tools,
telling a missing Vulkan device from a failure, building the torch.optim
optimizer a graph's `train` line names, and comparing params normwise."""
import re
import subprocess

import numpy as np

UNAVAILABLE = re.compile(r"vulkan: (this runtime was built without|cannot load lib|no Vulkan device)")


class Failure(Exception):
    pass


def run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"{what} failed (exit {r.returncode}): {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r


def vulkan_missing(err):
    """Whether `err` says Vulkan is unavailable and vulkaninfo lists no device."""
    if not UNAVAILABLE.search(err):
        return False
    r = subprocess.run(["vulkaninfo", "--summary"], capture_output=True, text=True)
    return "deviceName" not in r.stdout


def torch_optimizer(train_line, params):
    """The torch.optim optimizer for a graph line `train LOSS OPT k=v ...`."""
    import torch
    words = train_line.split()
    opt, hp = words[2], dict(w.split("=") for w in words[3:])
    hp = {k: float(v) for k, v in hp.items()}
    known = {"sgd": {"lr", "momentum", "weight_decay"},
             "adam": {"lr", "beta1", "beta2", "eps", "weight_decay"},
             "adamw": {"lr", "beta1", "beta2", "eps", "weight_decay"}}
    if opt not in known or set(hp) - known[opt]:
        raise Failure(f"the test has no torch twin for `{train_line}`")
    if opt == "sgd":
        return torch.optim.SGD(params, lr=hp["lr"], momentum=hp["momentum"],
                               weight_decay=hp["weight_decay"])
    cls = torch.optim.Adam if opt == "adam" else torch.optim.AdamW
    return cls(params, lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
               weight_decay=hp["weight_decay"])


def compare_params(nnc, want, tol, what):
    """The worst normwise error ||nnc - want|| / ||want|| over want's params;
    Failure when one exceeds tol."""
    worst = 0.0
    for name, w in want.items():
        got = nnc[name].astype(np.float64)
        err = np.linalg.norm(got - w) / max(np.linalg.norm(w), 1e-30)
        worst = max(worst, err)
        if not err <= tol:
            raise Failure(f"{what}: param {name} differs from torch's by {err:.3g} "
                          f"(normwise, tolerance {tol:g})")
    return worst
