"""PyTorch CPU timing of the sparse-parity training step (docs/reproductions.md R3): 1,000 x 31 inputs (30 bits + bias
input), MLP 31 -> 64 ReLU -> 2 (nn.Linear defaults), cross-entropy, AdamW lr 3e-3 betas (0.99, 0.98) wd 0.1, full batch.
Usage: python3 torch_sparse_parity.py THREADS STEPS WARMUP. Prints one JSON line with per-step times in ms."""
import torch
from torch_timing import args, report

steps, warmup = args()
n, bits, k = 1000, 30, 3
x = torch.randint(0, 2, (n, bits)).float()
x = torch.cat([x, torch.ones(n, 1)], dim=1)
y = (x[:, :k].sum(1) % 2).long()
model = torch.nn.Sequential(torch.nn.Linear(bits + 1, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.99, 0.98), weight_decay=0.1)
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


report(step, steps, warmup)
