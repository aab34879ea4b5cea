import { gromov } from "./gromov.js";
import type { Preset } from "./preset.js";

/**
 * Varma et al. (2023), "Explaining grokking through circuit efficiency": ungrokking. A network that grokked is trained
 * further on a training set smaller than the critical size D_crit; memorizing that few pairs takes less parameter
 * norm per unit logit than the generalizing circuit, so weight decay trades the circuit away and test accuracy falls
 * to chance while training accuracy stays at 100%.
 *
 * It needs the grokked run: `grokscope train varma-ungrok --set init_from.run=<run dir of a finished gromov run>`
 * (parameters only; the optimizer starts fresh). Use the grokked run's seed: the 5% split is then a subset of its
 * 50% training split (the split permutation depends on the seed only), as in the paper.
 * On R1 (p = 97, seed 1, grokked by step 300): 4–8% of the pairs ungrok to ≤ 1% test accuracy within 300 steps,
 * 10% to ~14%; from scratch, 10% memorizes and 15% groks, so D_crit lies between 940 and 1,411 pairs.
 */
export const varmaUngrok: Preset = {
  describe: "needs --set init_from.run=<grokked gromov run>: continue it on 5% of the pairs (below D_crit): test accuracy falls to chance (ungrokking)",
  spec: {
    ...gromov.spec,
    steps: 500, // R1 continued at 4–8%: test accuracy below 1% by step 300
    task: { name: "modular", op: "add", p: 97, train_fraction: 0.05 }, // 470 pairs, about half of D_crit
    measures: ["weights/norm", "efficiency/logit", "efficiency/gen"], // E_mem overtakes E_gen as it ungroks
  },
};
