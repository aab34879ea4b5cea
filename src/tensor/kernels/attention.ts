/**
 * The core of causal multi-head self-attention (Vaswani et al. 2017), after the projections:
 *   pattern[i, h, j, t] = softmax_t( q[h, i, j] · k[h, i, t] / √d_head )  over key positions t ≤ qPos[j]
 *   z[h, i, j] = Σ_t pattern[i, h, j, t] v[h, i, t]
 * Shapes (n examples, T positions, P query positions, H heads, e = d_head), heads side by side in each row as
 * TransformerLens' [batch, pos, head, d_head]:
 *   q, z [n·P, H·e]   kv [n·T, 2·H·e] (k in the first H·e columns, v in the last)   pattern [n, H, P, T] (masked 0)
 * `qPos[j]` is the position of query j: every position for inner layers, only the last one where nothing after
 * the layer reads the others (the last layer of a model that predicts from the last position).
 * Sums run in float64 locals; the softmax subtracts the row maximum.
 */
export interface AttentionShape {
  readonly n: number;
  readonly T: number;
  readonly heads: number;
  readonly dHead: number;
  readonly qPos: Int32Array; // [P]
}

export function attentionForward(s: AttentionShape, q: Float32Array, kv: Float32Array, pattern: Float32Array, z: Float32Array): void {
  const { n, T, heads: H, dHead: e, qPos } = s, P = qPos.length;
  const scale = 1 / Math.sqrt(e);
  const He = H * e, KV = 2 * He;
  const scores = new Float64Array(T);
  pattern.fill(0);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < P; j++) {
        const qo = (i * P + j) * He + h * e, last = qPos[j];
        let max = -Infinity;
        for (let t = 0; t <= last; t++) {
          const ko = (i * T + t) * KV + h * e;
          let dot = 0;
          for (let c = 0; c < e; c++) dot += q[qo + c] * kv[ko + c];
          scores[t] = dot * scale;
          if (scores[t] > max) max = scores[t];
        }
        let sum = 0;
        for (let t = 0; t <= last; t++) sum += (scores[t] = Math.exp(scores[t] - max));
        const po = ((i * H + h) * P + j) * T;
        for (let t = 0; t <= last; t++) pattern[po + t] = scores[t] / sum;
        for (let c = 0; c < e; c++) {
          let acc = 0;
          for (let t = 0; t <= last; t++) acc += pattern[po + t] * kv[(i * T + t) * KV + He + h * e + c];
          z[qo + c] = acc;
        }
      }
    }
  }
}

/**
 * Backward of `attentionForward` given dz [n·P, H·e]: dq [n·P, H·e] and dkv [n·T, 2·H·e] are overwritten.
 *   dpattern_t = dz · v_t     dscore_t = pattern_t (dpattern_t − Σ_u pattern_u dpattern_u)
 *   dq = Σ_t dscore_t k_t / √e     dk_t += dscore_t q / √e     dv_t += pattern_t dz
 */
export function attentionBackward(s: AttentionShape, q: Float32Array, kv: Float32Array, pattern: Float32Array, dz: Float32Array, dq: Float32Array, dkv: Float32Array): void {
  const { n, T, heads: H, dHead: e, qPos } = s, P = qPos.length;
  const scale = 1 / Math.sqrt(e);
  const He = H * e, KV = 2 * He;
  const dScore = new Float64Array(T);
  dkv.fill(0);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < P; j++) {
        const qo = (i * P + j) * He + h * e, last = qPos[j];
        const po = ((i * H + h) * P + j) * T;
        let weighted = 0;
        for (let t = 0; t <= last; t++) {
          const vo = (i * T + t) * KV + He + h * e, p = pattern[po + t];
          let dp = 0;
          for (let c = 0; c < e; c++) {
            dp += dz[qo + c] * kv[vo + c];
            dkv[vo + c] += p * dz[qo + c];
          }
          dScore[t] = dp;
          weighted += p * dp;
        }
        for (let t = 0; t <= last; t++) dScore[t] = pattern[po + t] * (dScore[t] - weighted) * scale;
        for (let c = 0; c < e; c++) {
          let acc = 0;
          for (let t = 0; t <= last; t++) acc += dScore[t] * kv[(i * T + t) * KV + h * e + c];
          dq[qo + c] = acc;
        }
        for (let t = 0; t <= last; t++) {
          const ko = (i * T + t) * KV + h * e, g = dScore[t];
          for (let c = 0; c < e; c++) dkv[ko + c] += g * q[qo + c];
        }
      }
    }
  }
}
