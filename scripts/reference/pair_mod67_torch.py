"""PyTorch cross-check of R5's pair-mod67 run: PAIR's modular addition MLP (the article's notebook) on (a + b) mod 67 —
pairs a <= b, 40% of them for training (911 of 2,278), embedding 500 (tied: the unembedding is W_E^T), one shared
bias-free hidden layer of 24 applied to each token's embedding and summed, ReLU, a bias-free map back to 500; the
notebook's loss -mean(onehot * log_softmax) over all 911 x 67 entries (cross-entropy / 67); optax.adamw's update
(lr 1e-3, betas (0.9, 0.98), eps 1e-8, decoupled weight decay 1 on every weight), full batch. Grok step: the first
evaluation with test loss < 1e-3 in those units.

    /usr/bin/python3 scripts/reference/pair_mod67_torch.py --seed 1                   # its own split and init
    /usr/bin/python3 scripts/reference/pair_mod67_torch.py --start run.json          # grokscope's split and init

--precision picks the arithmetic: float32 (weights, moments and forward; the loss in float64 from the float32 logits, as
grokscope trains), notebook (as the notebook runs under JAX's
x64 mode: W_E float32, since hk.get_parameter defaults to it; the one-hot inputs float64, so the embeddings, the hidden
and output weights (hk.Linear takes its input's dtype), the logits and the loss are float64, and so are the Adam
moments of the float64 weights), or float64 (everything).
Its own start draws the split with NumPy's permutation seeded by --seed, as the notebook does, and the weights as
Haiku does: W_E by VarianceScaling(2) (fan-in = 67 rows), the linear maps by TruncatedNormal(1/sqrt(fan_in)), each a
normal truncated at +-2 standard deviations (torch.manual_seed(--seed); JAX's generator is not reproduced).
`--start FILE` (or `-` for stdin) reads {"params": {"W_E", "W_in", "W_out": {"shape", "data"}}, "train": {"x", "y"},
"test": {"x", "y"}} with grokscope's names (x is [n, 2] flattened).
Every --every steps (and at the end) a JSON line: step, train and test loss (notebook units), accuracies, the weights'
L2 norm; with --trace also every step's training loss. The last line is a summary with grok_step.
Reference only: Python is never a runtime dependency of grokscope.
"""
import argparse
import json
import math
import sys

import numpy as np
import torch

P = 67
NAMES = ["W_E", "W_in", "W_out"]


def options(argv):
    ap = argparse.ArgumentParser(prog="pair_mod67_torch.py")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", help="JSON file (or -) with grokscope's initial parameters and split")
    ap.add_argument("--steps", type=int, default=50000)
    ap.add_argument("--every", type=int, default=1000, help="evaluation cadence")
    ap.add_argument("--trace", action="store_true", help="print every step's training loss")
    ap.add_argument("--precision", choices=["float32", "notebook", "float64"], default="notebook")
    ap.add_argument("--d_embed", type=int, default=500)
    ap.add_argument("--width", type=int, default=24)
    ap.add_argument("--train_fraction", type=float, default=0.4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--betas", type=float, nargs=2, default=[0.9, 0.98])
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--weight_decay", type=float, default=1.0)
    return ap.parse_args(argv)


def truncated(shape, std):
    """A normal of standard deviation `std` before truncation, cut at +-2 std (Haiku's TruncatedNormal(std))."""
    return torch.nn.init.trunc_normal_(torch.empty(shape, dtype=torch.float64), mean=0.0, std=std, a=-2 * std, b=2 * std)


def own_start(o):
    pairs = np.array([[a, b] for a in range(P) for b in range(P) if a <= b], dtype=np.int64)
    np.random.seed(o.seed)
    order = np.random.permutation(len(pairs))
    cut = int(o.train_fraction * len(pairs))
    split = lambda idx: {"x": pairs[idx].reshape(-1).tolist(), "y": ((pairs[idx, 0] + pairs[idx, 1]) % P).tolist()}
    torch.manual_seed(o.seed)
    std_embed = math.sqrt(2 / P) / 0.87962566103423978  # VarianceScaling divides by the truncated normal's std
    params = {
        "W_E": truncated((P, o.d_embed), std_embed),
        "W_in": truncated((o.d_embed, o.width), 1 / math.sqrt(o.d_embed)),
        "W_out": truncated((o.width, o.d_embed), 1 / math.sqrt(o.width)),
    }
    return params, split(order[:cut]), split(order[cut:])


def given_start(path):
    d = json.load(sys.stdin if path == "-" else open(path))
    params = {n: torch.tensor(d["params"][n]["data"], dtype=torch.float64).reshape(d["params"][n]["shape"]) for n in NAMES}
    return params, d["train"], d["test"]


def main(argv):
    o = options(argv)
    torch.set_num_threads(1)
    start, train, test = given_start(o.start) if o.start else own_start(o)
    f32, f64 = torch.float32, torch.float64
    dtypes = {"float32": {"W_E": f32, "W_in": f32, "W_out": f32}, "notebook": {"W_E": f32, "W_in": f64, "W_out": f64}, "float64": {"W_E": f64, "W_in": f64, "W_out": f64}}[o.precision]
    compute = f32 if o.precision == "float32" else f64
    params = {n: start[n].to(dtypes[n]).requires_grad_(True) for n in NAMES}
    data = {}
    for name, s in (("train", train), ("test", test)):
        x = torch.tensor(s["x"], dtype=torch.int64).reshape(-1, 2)
        data[name] = (x, torch.tensor(s["y"], dtype=torch.int64))

    def logits(x):
        W_E = params["W_E"].to(compute)
        post = torch.relu((W_E[x[:, 0]] + W_E[x[:, 1]]) @ params["W_in"].to(compute))
        return (post @ params["W_out"].to(compute)) @ W_E.T

    def loss_of(z, y):  # -mean(onehot * log_softmax) over every (row, class) entry, in float64 (float32 logits too)
        return -torch.log_softmax(z.double(), dim=-1).gather(1, y[:, None]).sum() / (z.shape[0] * z.shape[1])

    # optax.adamw: p <- p - lr * (m_hat / (sqrt(v_hat) + eps) + wd * p), as torch.optim.AdamW takes it
    opt = torch.optim.AdamW([params[n] for n in NAMES], lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay)
    grok = None
    x_train, y_train = data["train"]
    for step in range(o.steps + 1):
        if step % o.every == 0 or step == o.steps:
            with torch.no_grad():
                row = {"step": step}
                for name, (x, y) in data.items():
                    z = logits(x)
                    row[f"{name}_loss"] = loss_of(z, y).item()
                    row[f"{name}_acc"] = (z.argmax(1) == y).double().mean().item()
                row["norm"] = math.sqrt(sum((p.double() ** 2).sum().item() for p in params.values()))
            if grok is None and row["test_loss"] < 1e-3:
                grok = step
            print(json.dumps(row), flush=True)
        if step == o.steps:
            break
        opt.zero_grad()
        loss = loss_of(logits(x_train), y_train)
        loss.backward()
        if o.trace:
            print(json.dumps({"step": step, "train_loss": loss.item()}), flush=True)
        opt.step()
    print(json.dumps({"summary": True, "precision": o.precision, "start": o.start or f"seed {o.seed}", "grok_step": grok, "final": row}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
