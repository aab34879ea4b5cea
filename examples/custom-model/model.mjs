// A model written forward-only with grokscope's autograd ops: no backward pass to derive.
// Two learned embeddings of the operands, summed, squared and read out (Gromov 2023's quadratic network,
// eq. 2, in a layout of our own): logits = (E_a[a] + E_b[b])² W.
import { add, defineModel, embedding, matmul, square, tokenColumn } from "grokscope";

export default defineModel({
  name: "quadratic-pairs",
  // the spec's model keys beside `module`, with their defaults
  defaults: { width: 256, init_scale: 1 },

  init({ config, data, normal }) {
    const { width: N, init_scale: a } = config;
    return {
      E_a: normal("E_a", [data.vocab, N], a / Math.sqrt(data.vocab)),
      E_b: normal("E_b", [data.vocab, N], a / Math.sqrt(data.vocab)),
      W: normal("W", [N, data.nClasses], a / Math.sqrt(N)),
    };
  },

  forward(g, p, batch) {
    const a = embedding(g, p.E_a, tokenColumn(batch.tokens, 2, 0)); // [n, N]
    const b = embedding(g, p.E_b, tokenColumn(batch.tokens, 2, 1));
    const h = g.hook("hook_pre", add(g, a, b)); // hook points: measures and interventions read them
    const s = g.hook("hook_post", square(g, h));
    return matmul(g, s, p.W); // logits [n, p]
  },
});
