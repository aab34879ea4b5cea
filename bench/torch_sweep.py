"""PyTorch CPU baseline of a sweep of sparse-parity models (docs/reproductions.md R3) trained one after another, as a
PyTorch user would: per model, 1,000 x 31 training inputs (30 bits + bias input) and 5,000 test inputs, MLP
31 -> 64 ReLU -> 2 (nn.Linear defaults), cross-entropy, AdamW lr 3e-3 betas (0.99, 0.98) with the model's weight
decay, full batch; at every evaluation step the loss and accuracy on both splits and the weight norm (.item() each).
Usage: python3 torch_sweep.py THREADS JSON, JSON = {"steps": S, "eval_steps": [...], "models": [[wd, seed], ...],
"n_train": N, "n_test": M, "width": H}. Prints one JSON line: the sweep's wall-clock seconds."""
import json, sys, time
import torch

threads, spec = int(sys.argv[1]), json.loads(sys.argv[2])
torch.set_num_threads(threads)
bits, k = 30, 3
steps, eval_steps = spec["steps"], set(spec["eval_steps"])


def split(n, gen):
    x = torch.randint(0, 2, (n, bits), generator=gen).float()
    x = torch.cat([x, torch.ones(n, 1)], dim=1)
    return x, (x[:, :k].sum(1) % 2).long()


def train(wd, seed):
    gen = torch.Generator().manual_seed(seed)
    x, y = split(spec["n_train"], gen)
    xt, yt = split(spec["n_test"], gen)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(bits + 1, spec["width"]), torch.nn.ReLU(), torch.nn.Linear(spec["width"], 2))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.99, 0.98), weight_decay=wd)
    loss_fn = torch.nn.CrossEntropyLoss()
    history = []
    for step in range(steps + 1):
        if step in eval_steps:
            with torch.no_grad():
                row = {"step": step}
                for name, (a, b) in (("train", (x, y)), ("test", (xt, yt))):
                    z = model(a)
                    row[f"{name}_loss"] = loss_fn(z, b).item()
                    row[f"{name}_acc"] = (z.argmax(1) == b).float().mean().item()
                row["weights/norm"] = torch.sqrt(sum((p * p).sum() for p in model.parameters())).item()
                history.append(row)
        if step == steps:
            break
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return history


t0 = time.perf_counter()
last = [train(wd, seed)[-1] for wd, seed in spec["models"]]
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "threads": torch.get_num_threads(), "torch": torch.__version__,
                  "mean_final_train_acc": sum(r["train_acc"] for r in last) / len(last)}))
