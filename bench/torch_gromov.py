"""PyTorch CPU timing of the gromov training step (docs/reproductions.md R1), gather-based like the reference.
Usage: python3 torch_gromov.py THREADS STEPS WARMUP. Prints one JSON line with per-step times in ms."""
import torch
from torch_timing import args, report

steps, warmup = args()
p, N = 97, 500
a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
a, b = a.flatten(), b.flatten()
y = (a + b) % p
perm = torch.randperm(p * p)
tr = perm[: p * p // 2]
U = (torch.randn(N, p) / p ** 0.5).requires_grad_()
V = (torch.randn(N, p) / p ** 0.5).requires_grad_()
W = (torch.randn(p, N) / N ** 0.5).requires_grad_()
opt = torch.optim.AdamW([U, V, W], lr=1e-2, betas=(0.9, 0.98), weight_decay=5.0)
Y = torch.nn.functional.one_hot(y, p).float()
a_tr, b_tr, Y_tr = a[tr], b[tr], Y[tr]


def step():
    opt.zero_grad()
    h = U[:, a_tr].T + V[:, b_tr].T  # gather = one-hot matmul
    loss = (((h * h) @ W.T - Y_tr) ** 2).mean()
    loss.backward()
    opt.step()


report(step, steps, warmup)
