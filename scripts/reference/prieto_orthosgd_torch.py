"""PyTorch cross-check of R6's ⊥SGD run (Prieto et al. 2025, Figure 6): the one-hot MLP 226 → 200 → 200 → 113 (no
biases, PyTorch's default init) on (a + b) mod 113 with 40% train, full batch, float64, StableMax cross-entropy, and SGD
lr 10 with the gradient of each tensor projected orthogonal to its weights and rescaled to its norm.

    /usr/bin/python3 scripts/reference/prieto_orthosgd_torch.py --momentum 0.8   # groks within 500 epochs
    /usr/bin/python3 scripts/reference/prieto_orthosgd_torch.py --momentum 0.2   # barely learns

Momentum is the point of the script: the authors' command ends up stepping with 0.8 (see docs/measures/stability.md).
Reference only (Python is never a runtime dependency of grokscope); prints train/test accuracy every 50 epochs.
"""
import argparse

import torch


def stablemax_log_probs(z):
    s = torch.where(z < 0, 1 / (1 - z + 1e-30), z + 1)
    return torch.log(s / s.sum(-1, keepdim=True))


def orthogonalize_(params):
    for w in params:
        g = w.grad.view(-1)
        flat = w.detach().view(-1)
        g_perp = g - torch.dot(flat, g) / (torch.dot(flat, flat) + 1e-30) * flat
        w.grad.copy_((g_perp * (g.norm() / (g_perp.norm() + 1e-30))).view_as(w.grad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--momentum", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--epochs", type=int, default=500)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    p = 113
    a, b = torch.arange(p).repeat_interleave(p), torch.arange(p).repeat(p)
    y = (a + b) % p
    x = torch.cat([torch.nn.functional.one_hot(a, p), torch.nn.functional.one_hot(b, p)], 1).double()
    order = torch.randperm(p * p)
    train, test = order[: int(0.4 * p * p)], order[int(0.4 * p * p):]
    net = torch.nn.Sequential(
        torch.nn.Linear(2 * p, 200, bias=False), torch.nn.ReLU(),
        torch.nn.Linear(200, 200, bias=False), torch.nn.ReLU(),
        torch.nn.Linear(200, p, bias=False),
    ).double()
    opt = torch.optim.SGD(net.parameters(), lr=10, momentum=args.momentum)
    for epoch in range(args.epochs + 1):
        if epoch % 50 == 0:
            with torch.no_grad():
                acc = lambda idx: (net(x[idx]).argmax(1) == y[idx]).double().mean().item()
                print(f"epoch {epoch}: train {acc(train):.3f} test {acc(test):.3f}", flush=True)
        if epoch == args.epochs:
            break
        opt.zero_grad()
        loss = -stablemax_log_probs(net(x[train])).gather(1, y[train, None]).mean()
        loss.backward()
        orthogonalize_(net.parameters())
        opt.step()


if __name__ == "__main__":
    main()
