"""PyTorch CPU reference of grokscope's transformer: the 1-layer decoder-only model of Nanda et al. (2023), "Progress
measures for grokking via mechanistic interpretability", on (a + b) mod p. Tokens [a, b, =], logits at the last
position, no biases in attention, ReLU MLP, optional LayerNorm, N(0, 1/d_model) inits (W_U: N(0, 1/p)), cross-entropy,
AdamW (PyTorch semantics, weight decay on every parameter, as Nanda's training script does), full batch, float32.

Timing (as the other bench/torch_*.py scripts; bench/torch.ts calls it this way):
  python3 torch_transformer.py THREADS STEPS WARMUP [--config nanda-small|nanda] [--KEY VALUE ...]
  prints one JSON line with ms per full-batch training step (forward + CE + backward + AdamW).
Trajectory (a reference of the dynamics to cross-check grokscope's engine against; not bit-identical):
  python3 torch_transformer.py THREADS STEPS 0 --trajectory EVERY [--seed S] [--config ...] [--KEY VALUE ...]
  prints {"step", "train_loss", "train_acc", "test_loss", "test_acc"} every EVERY steps (step = updates taken, from 0),
  then one summary line with memorize_step (train acc >= 0.99), grok_step (test acc >= 0.99) and grok95_step (>= 0.95).
Overridable keys: --p --train_fraction --layers --d_model --heads --d_mlp --layer_norm 0|1 --init_scale --lr --beta1
--beta2 --weight_decay --seed."""
import argparse, json, math, sys, time
import torch
import torch.nn.functional as F
from torch_timing import args, report

CONFIGS = {
    # Nanda et al. (2023), section 3 / appendix: p 113, 30% train, d_model 128, 4 heads, d_mlp 512, no LayerNorm,
    # AdamW lr 1e-3, betas (0.9, 0.98), wd 1, full batch; groks near 10k steps.
    "nanda": dict(p=113, train_fraction=0.3, layers=1, d_model=128, heads=4, d_mlp=512, layer_norm=0, init_scale=1.0,
                  lr=1e-3, beta1=0.9, beta2=0.98, weight_decay=1.0),
    # The same recipe scaled down for CI: p 59, 35% train (1,218 pairs), d_model 32, d_mlp 128, lr 1e-2 (wd 1 and
    # betas as Nanda). Measured over seeds 0-2: train acc >= 0.99 at step 100, test acc >= 0.95 at steps 500-2,250.
    "nanda-small": dict(p=59, train_fraction=0.35, layers=1, d_model=32, heads=4, d_mlp=128, layer_norm=0, init_scale=1.0,
                        lr=1e-2, beta1=0.9, beta2=0.98, weight_decay=1.0),
}


def options(argv):
    ap = argparse.ArgumentParser(prog="torch_transformer.py")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="nanda-small")
    ap.add_argument("--trajectory", type=int, default=0, help="eval cadence in steps; 0 = timing mode")
    ap.add_argument("--seed", type=int, default=0)
    for k, v in CONFIGS["nanda"].items():
        ap.add_argument(f"--{k}", type=type(v), default=None)
    o = ap.parse_args(argv)
    cfg = dict(CONFIGS[o.config])
    cfg.update({k: getattr(o, k) for k in cfg if getattr(o, k) is not None})
    return o, cfg


def normal(*shape, var, scale):
    return torch.nn.Parameter(torch.randn(*shape) * (math.sqrt(var) * scale))


class Block(torch.nn.Module):
    def __init__(self, d, heads, d_mlp, layer_norm, s):
        super().__init__()
        dh = d // heads
        self.heads, self.dh = heads, dh
        self.W_Q = normal(heads, d, dh, var=1 / d, scale=s)  # [H, d, d_head]
        self.W_K = normal(heads, d, dh, var=1 / d, scale=s)
        self.W_V = normal(heads, d, dh, var=1 / d, scale=s)
        self.W_O = normal(heads, dh, d, var=1 / d, scale=s)  # [H, d_head, d]
        self.W_in = normal(d, d_mlp, var=1 / d, scale=s)  # [d, d_mlp]
        self.b_in = torch.nn.Parameter(torch.zeros(d_mlp))
        self.W_out = normal(d_mlp, d, var=1 / d, scale=s)  # [d_mlp, d]
        self.b_out = torch.nn.Parameter(torch.zeros(d))
        self.ln1 = torch.nn.LayerNorm(d, eps=1e-5) if layer_norm else None
        self.ln2 = torch.nn.LayerNorm(d, eps=1e-5) if layer_norm else None

    def forward(self, resid, mask, last_only):  # resid [n, T, d], mask [T, T] True above the diagonal
        # last_only: queries, the residual and the MLP at the last position only — all a last block's output needs
        # (grokscope's transformer does the same; the logits are identical to computing every position)
        n, T, d = resid.shape
        H, dh = self.heads, self.dh
        a = self.ln1(resid) if self.ln1 is not None else resid

        def proj(x, W):  # all heads in one GEMM: [n, t, d] @ [d, H*dh] -> [n, H, t, dh]
            return (x @ W.permute(1, 0, 2).reshape(d, H * dh)).view(n, x.shape[1], H, dh).transpose(1, 2)

        if last_only:
            a_q, resid, mask = a[:, -1:], resid[:, -1:], mask[-1:]
        else:
            a_q = a
        q, k, v = proj(a_q, self.W_Q), proj(a, self.W_K), proj(a, self.W_V)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)  # [n, H, Tq, T]
        pattern = scores.masked_fill(mask, float("-inf")).softmax(-1)
        z = (pattern @ v).transpose(1, 2).reshape(n, q.shape[2], H * dh)  # [n, Tq, H*dh]
        resid = resid + z @ self.W_O.reshape(H * dh, d)  # sum over heads of z_h W_O[h]
        m = self.ln2(resid) if self.ln2 is not None else resid
        return resid + F.relu(m @ self.W_in + self.b_in) @ self.W_out + self.b_out


class Transformer(torch.nn.Module):
    def __init__(self, vocab, seq_len, n_classes, layers, d_model, heads, d_mlp, layer_norm, init_scale, eq_token=True):
        super().__init__()
        assert d_model % heads == 0, "heads must divide d_model"
        self.eq = vocab if eq_token else None  # "=" is token id `vocab`
        V, T, d, s = vocab + (1 if eq_token else 0), seq_len + (1 if eq_token else 0), d_model, init_scale
        self.W_E = normal(V, d, var=1 / d, scale=s)  # [V', d]
        self.W_pos = normal(T, d, var=1 / d, scale=s)  # [T', d]
        self.blocks = torch.nn.ModuleList(Block(d, heads, d_mlp, layer_norm, s) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(d, eps=1e-5) if layer_norm else None
        self.W_U = normal(d, n_classes, var=1 / n_classes, scale=s)  # [d, nClasses]
        self.register_buffer("mask", torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1))

    def forward(self, x):  # x [n, T] token ids -> logits [n, nClasses] at the last position
        if self.eq is not None:
            x = torch.cat([x, torch.full((x.shape[0], 1), self.eq, dtype=x.dtype)], dim=1)
        resid = self.W_E[x] + self.W_pos  # [n, T', d]
        for i, block in enumerate(self.blocks):
            resid = block(resid, self.mask, last_only=i == len(self.blocks) - 1)
        last = resid[:, -1]  # [n, d]
        if self.ln_f is not None:
            last = self.ln_f(last)
        return last @ self.W_U


def modular_addition(p, train_fraction):
    """All p² pairs [a, b] with label (a + b) mod p, split at random (torch's global generator)."""
    a, b = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    x = torch.stack([a.flatten(), b.flatten()], dim=1)  # [p², 2]
    y = (x[:, 0] + x[:, 1]) % p  # [p²]
    perm = torch.randperm(p * p)
    n_train = min(p * p, math.floor(train_fraction * p * p + 1e-9))
    tr, te = perm[:n_train], perm[n_train:]
    return x[tr], y[tr], x[te], y[te]


def setup(cfg):
    x_tr, y_tr, x_te, y_te = modular_addition(cfg["p"], cfg["train_fraction"])
    model = Transformer(cfg["p"], 2, cfg["p"], cfg["layers"], cfg["d_model"], cfg["heads"], cfg["d_mlp"],
                        bool(cfg["layer_norm"]), cfg["init_scale"])
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]),
                            weight_decay=cfg["weight_decay"], eps=1e-8)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x_tr), y_tr)
        loss.backward()
        opt.step()

    return model, step, (x_tr, y_tr, x_te, y_te)


@torch.no_grad()
def evaluate(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits, y).item(), (logits.argmax(-1) == y).float().mean().item()


def trajectory(cfg, steps, every, seed):
    torch.manual_seed(seed)
    model, step, (x_tr, y_tr, x_te, y_te) = setup(cfg)
    first = {"memorize_step": None, "grok_step": None, "grok95_step": None}
    conds = {"memorize_step": ("train_acc", 0.99), "grok_step": ("test_acc", 0.99), "grok95_step": ("test_acc", 0.95)}
    t0 = time.perf_counter()
    for s in range(steps + 1):
        if s % every == 0 or s == steps:
            (trl, tra), (tel, tea) = evaluate(model, x_tr, y_tr), evaluate(model, x_te, y_te)
            row = {"step": s, "train_loss": trl, "train_acc": tra, "test_loss": tel, "test_acc": tea}
            for k, (key, th) in conds.items():
                if first[k] is None and row[key] >= th:
                    first[k] = s
            print(json.dumps(row), flush=True)
        if s < steps:
            step()
    seconds = time.perf_counter() - t0
    print(json.dumps({"summary": True, **first, "steps": steps, "seed": seed, "seconds": seconds,
                      "ms_per_step_incl_eval": 1e3 * seconds / max(1, steps), "threads": torch.get_num_threads(),
                      "n_train": len(y_tr), "n_test": len(y_te), "config": cfg}), flush=True)


if __name__ == "__main__":
    steps, warmup = args()  # THREADS STEPS WARMUP, sets the thread count and seed 0
    o, cfg = options(sys.argv[4:])
    if o.trajectory > 0:
        trajectory(cfg, steps, o.trajectory, o.seed)
    else:
        torch.manual_seed(o.seed)
        _, step, _ = setup(cfg)
        report(step, steps, warmup)
