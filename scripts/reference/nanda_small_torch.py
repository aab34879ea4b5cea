"""PyTorch cross-check of R7's nanda-small run: Nanda et al. (2023)'s 1-layer transformer recipe on (a + b) mod 59 —
tokens [a, b, =], 35% of the pairs for training, d_model 32, 4 heads of 8, d_mlp 128, ReLU, no LayerNorm, no attention
biases, logits read at "=" only; W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_out ~ N(0, 1/d_model), W_U ~ N(0, 1/p), biases
0; log_softmax in float64 (Nanda et al.'s cross_entropy_high_precision); AdamW lr 1e-2, betas (0.9, 0.98), eps 1e-8,
weight decay 1 on every parameter (their optimizer gets model.parameters()), full batch.

    /usr/bin/python3 scripts/reference/nanda_small_torch.py --seed 1               # torch's own split and init
    /usr/bin/python3 scripts/reference/nanda_small_torch.py --start run.json       # grokscope's split and init

`--start FILE` (or `-` for stdin) reads {"params": {name: {"shape", "data"}}, "train": {"x", "y"}, "test": {"x", "y"}}
with grokscope's parameter names, and optionally "opt": {"step", "exp_avg": {...}, "exp_avg_sq": {...}} (AdamW's
moments, same names) to continue a run mid-way; --steps then counts from that step. From the same start both engines
take the same first steps (training losses within ~1e-9 for ~5 steps); after that Adam amplifies float32 rounding
differences, as between any two implementations, and the trajectories part.
Training accuracy comes free with every full-batch step, so a dip lasting a few steps is never missed; test accuracy is
evaluated every `--every` steps. With --trace every step prints a JSON line (training loss and accuracy, test metrics
at evaluations); the last line is a summary: memorize_step (train ≥ 99%), grok95_step / grok_step (test ≥ 95% / 99%),
the dips of training accuracy below 99% after grok_step ([first step, last step, lowest accuracy] per run of
consecutive steps), the final accuracies. --dtype float64 runs the whole model in float64; --ce float32 drops Nanda et
al.'s float64 loss. Reference only: Python is never a runtime dependency of grokscope.
"""
import argparse
import json
import math
import sys

import torch
import torch.nn.functional as F

NAMES = ["embed.W_E", "pos_embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V",
         "blocks.0.attn.W_O", "blocks.0.mlp.W_in", "blocks.0.mlp.b_in", "blocks.0.mlp.W_out", "blocks.0.mlp.b_out",
         "unembed.W_U"]


def options(argv):
    ap = argparse.ArgumentParser(prog="nanda_small_torch.py")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", help="JSON file (or -) with grokscope's initial parameters and split")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--every", type=int, default=25, help="test-set evaluation cadence")
    ap.add_argument("--trace", action="store_true", help="print every step's training loss and accuracy")
    ap.add_argument("--p", type=int, default=59)
    ap.add_argument("--train_fraction", type=float, default=0.35)
    ap.add_argument("--d_model", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d_mlp", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--betas", type=float, nargs=2, default=[0.9, 0.98])
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--weight_decay", type=float, default=1.0)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--ce", choices=["float32", "float64"], default="float64")
    return ap.parse_args(argv)


def own_start(o):
    """torch's split of all p² pairs and Nanda et al.'s init, from torch.manual_seed(seed)."""
    torch.manual_seed(o.seed)
    p, d, H, m = o.p, o.d_model, o.heads, o.d_mlp
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    x = torch.stack([a.flatten(), b.flatten()], dim=1)  # [p², 2]
    y = (x[:, 0] + x[:, 1]) % p
    perm = torch.randperm(p * p)
    n_train = math.floor(o.train_fraction * p * p + 1e-9)
    tr, te = perm[:n_train], perm[n_train:]
    e, s = d // H, 1 / math.sqrt(d)
    shapes = {"embed.W_E": ([p + 1, d], s), "pos_embed.W_pos": ([3, d], s), "blocks.0.attn.W_Q": ([H, d, e], s),
              "blocks.0.attn.W_K": ([H, d, e], s), "blocks.0.attn.W_V": ([H, d, e], s),
              "blocks.0.attn.W_O": ([H, e, d], s), "blocks.0.mlp.W_in": ([d, m], s), "blocks.0.mlp.b_in": ([m], 0),
              "blocks.0.mlp.W_out": ([m, d], s), "blocks.0.mlp.b_out": ([d], 0), "unembed.W_U": ([d, p], 1 / math.sqrt(p))}
    params = {k: torch.randn(*shape, dtype=torch.float64) * std for k, (shape, std) in shapes.items()}
    return params, (x[tr], y[tr]), (x[te], y[te]), None


def given_start(o):
    src = json.load(sys.stdin if o.start == "-" else open(o.start))
    tensors = lambda record: {k: torch.tensor(v["data"], dtype=torch.float64).reshape(v["shape"]) for k, v in record.items()}
    split = lambda s: (torch.tensor(src[s]["x"], dtype=torch.long).reshape(-1, 2), torch.tensor(src[s]["y"], dtype=torch.long))
    opt = src.get("opt")
    if opt is not None:
        opt = {"step": opt["step"], "exp_avg": tensors(opt["exp_avg"]), "exp_avg_sq": tensors(opt["exp_avg_sq"])}
    return tensors(src["params"]), split("train"), split("test"), opt


def forward(P, x, eq):
    """logits [n, p] at the "=" position; x [n, 2] token ids. Only the last position's query, MLP and residual are
    computed: nothing reads the others in a 1-layer model (grokscope's transformer does the same)."""
    n = x.shape[0]
    H, d, e = P["blocks.0.attn.W_Q"].shape
    tokens = torch.cat([x, torch.full((n, 1), eq, dtype=x.dtype)], dim=1)  # [n, 3]
    resid = P["embed.W_E"][tokens] + P["pos_embed.W_pos"]  # [n, 3, d]
    heads = lambda W: W.permute(1, 0, 2).reshape(d, H * e)  # [H, d, e] -> [d, H·e]
    q = (resid[:, -1] @ heads(P["blocks.0.attn.W_Q"])).view(n, H, 1, e)
    k = (resid @ heads(P["blocks.0.attn.W_K"])).view(n, 3, H, e).transpose(1, 2)  # [n, H, 3, e]
    v = (resid @ heads(P["blocks.0.attn.W_V"])).view(n, 3, H, e).transpose(1, 2)
    # the query sits at the last position, so the causal mask hides nothing
    pattern = (q @ k.transpose(-1, -2) / math.sqrt(e)).softmax(-1)  # [n, H, 1, 3]
    z = (pattern @ v).reshape(n, H * e)  # [n, H·e]
    mid = resid[:, -1] + z @ P["blocks.0.attn.W_O"].reshape(H * e, d)  # [n, d]
    post = F.relu(mid @ P["blocks.0.mlp.W_in"] + P["blocks.0.mlp.b_in"])  # [n, d_mlp]
    final = mid + post @ P["blocks.0.mlp.W_out"] + P["blocks.0.mlp.b_out"]
    return final @ P["unembed.W_U"]  # [n, p]


def main():
    o = options(sys.argv[1:])
    torch.set_num_threads(1)
    params, (x_tr, y_tr), (x_te, y_te), state = given_start(o) if o.start else own_start(o)
    dtype = getattr(torch, o.dtype)
    P = {k: params[k].to(dtype).requires_grad_() for k in NAMES}
    eq = P["embed.W_E"].shape[0] - 1
    loss_of = lambda logits, y: F.cross_entropy(logits.double() if o.ce == "float64" else logits, y)
    opt = torch.optim.AdamW(P.values(), lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay)
    start = 0
    if state is not None:  # continue a run: grokscope's moments use torch's slot names
        start = state["step"]
        for k, p in P.items():
            opt.state[p] = {"step": torch.tensor(float(start)), "exp_avg": state["exp_avg"][k].to(dtype),
                            "exp_avg_sq": state["exp_avg_sq"][k].to(dtype)}
    rows = []
    for step in range(start, start + o.steps + 1):
        logits = forward(P, x_tr, eq)
        loss = loss_of(logits, y_tr)
        row = {"step": step, "train_loss": loss.item(), "train_acc": (logits.argmax(-1) == y_tr).double().mean().item()}
        if step % o.every == 0 or step == start + o.steps:
            with torch.no_grad():
                lt = forward(P, x_te, eq)
                row.update(test_loss=loss_of(lt, y_te).item(), test_acc=(lt.argmax(-1) == y_te).double().mean().item())
        rows.append(row)
        if o.trace:
            print(json.dumps(row), flush=True)
        if step == start + o.steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    first = lambda key, th: next((r["step"] for r in rows if r.get(key, -1) >= th), None)
    grok = first("test_acc", 0.99)
    dips = []
    for r in rows if grok is not None else []:
        if r["step"] >= grok and r["train_acc"] < 0.99:
            if dips and r["step"] == dips[-1][1] + 1:
                dips[-1][1:] = [r["step"], min(dips[-1][2], r["train_acc"])]
            else:
                dips.append([r["step"], r["step"], r["train_acc"]])
    print(json.dumps({"summary": True, "seed": None if o.start else o.seed, "memorize_step": first("train_acc", 0.99),
                      "grok95_step": first("test_acc", 0.95), "grok_step": grok, "dips": dips,
                      "train_acc": rows[-1]["train_acc"], "test_acc": rows[-1]["test_acc"], "steps": o.steps,
                      "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
