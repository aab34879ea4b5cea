import type { Graph, Var } from "../graph.js";
import type { AttentionShape } from "../../tensor/kernels/attention.js";

/**
 * Causal multi-head attention after the projections (tensor/kernels/attention.ts): q [n·P, H·e], kv [n·T, 2·H·e]
 * (k in the first H·e columns, v in the last) → z [n·P, H·e]. The attention pattern [n, H, P, T] is returned as a
 * value without gradient (for hooks and measures).
 */
export function causalAttention(g: Graph, q: Var, kv: Var, shape: AttentionShape): { z: Var; pattern: Var } {
  const { n, T, heads: H, dHead: e, qPos } = shape, P = qPos.length, He = H * e;
  if (q.data.length !== n * P * He) throw new Error(`autograd causalAttention: q has ${q.data.length} values, expected n·P·H·e = ${n * P * He}`);
  if (kv.data.length !== n * T * 2 * He) throw new Error(`autograd causalAttention: kv has ${kv.data.length} values, expected n·T·2·H·e = ${n * T * 2 * He}`);
  const patternData = g.buffer("attention.pattern", n * H * P * T);
  const z = g.buffer("attention.z", n * P * He);
  g.backend.attentionForward(shape, q.data, kv.data, patternData, z);
  const pattern = g.constant([n, H, P, T], patternData);
  const zVar = g.record([n * P, He], z, [q, kv], (dz) => {
    const dq = g.gradOutput(q, "dq"), dkv = g.gradOutput(kv, "dkv");
    g.backend.attentionBackward(shape, q.data, kv.data, patternData, dz, dq.data, dkv.data);
    dq.commit();
    dkv.commit();
  });
  return { z: zVar, pattern };
}
