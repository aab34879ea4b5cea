import type { Preset } from "./preset.js";

/**
 * Cullen, Estan-Ruiz, Danait & Li (2026), "A Basin-Selection Perspective on Grokking via Singular Learning Theory",
 * Figure 2 and §H.1, as their released code trains it: the quadratic net Ŷ = V (Wᵀx)² without biases on (a + b) mod 53,
 * 40% of the pairs, width 1,024, nn.Linear's default init, the centred square loss ½‖P⊥(Y − Ŷ)‖²/n, Adam with an L2
 * weight decay of 1e-5 (torch.optim.Adam's `weight_decay`), lr 1e-4, a random batch of 128 each step. Their seed 0
 * reaches 99% test accuracy near step 15,000 (1.93M examples seen). Their LLC: devinterp's SGLD with ε = 5e-4 in the
 * code (1e-4 in the paper's text), γ = 5, nβ = 128/ln 128 (devinterp's default for batch 128), 3 chains × (100 + 500)
 * draws on batches of 128 — set here in measure_settings; estimate it on the checkpoints with `grokscope measure`.
 */
export const cullenBasins: Preset = {
  describe: "quadratic net of Cullen et al. (2026) on (a+b) mod 53, width 1,024, centred MSE, Adam lr 1e-4 wd 1e-5, batch 128: memorizes, groks near step 15k",
  spec: {
    steps: 20_000,
    task: { name: "modular", op: "add", p: 53, train_fraction: 0.4 },
    model: { name: "gromov", width: 1024, init_scale: 1, init: "pytorch" },
    loss: "mse_centred",
    optimizer: { name: "adam", lr: 1e-4, weight_decay: 1e-5 },
    batch_size: 128,
    eval: { every: 100 }, // the authors' checkpoint cadence ("epochs" of one batch each)
    checkpoint_every: 500,
    measure_settings: { llc: { epsilon: 5e-4, gamma: 5, nbeta: 128 / Math.log(128), chains: 3, burn_in: 100, draws: 500, batch_size: 128 } },
  },
};
