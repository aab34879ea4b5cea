/**
 * Pointwise nonlinearities and their exact derivatives, over typed arrays of equal length.
 * GELU is the tanh approximation (Hendrycks & Gimpel 2016, eq. after (1); PyTorch's `GELU(approximate="tanh")`):
 *   gelu(x) = ½ x (1 + tanh u),  u = √(2/π) (x + 0.044715 x³)
 * and its derivative below is the exact derivative of that formula (not of the erf form), so gradient checks hold
 * to rounding. (The erf form would need an erf approximation, whose derivative is not exactly Φ + xφ.)
 */
export const ACTIVATIONS = ["relu", "gelu", "tanh", "square"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;

/** post[i] = f(pre[i]) for i < n. */
export function activate(kind: Activation, pre: Float32Array, post: Float32Array, n = pre.length): void {
  switch (kind) {
    case "relu":
      for (let i = 0; i < n; i++) post[i] = pre[i] > 0 ? pre[i] : 0;
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const x = pre[i];
        post[i] = 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_K * x * x * x)));
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) post[i] = Math.tanh(pre[i]);
      return;
    case "square":
      for (let i = 0; i < n; i++) post[i] = pre[i] * pre[i];
      return;
  }
}

/** f′ at one point (`y` = f(x), reused where it saves work). ReLU′(0) = 0, as in PyTorch. */
function derivativeAt(kind: Activation, x: number, y: number): number {
  switch (kind) {
    case "relu":
      return x > 0 ? 1 : 0;
    case "gelu": {
      const t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x);
    }
    case "tanh":
      return 1 - y * y;
    case "square":
      return 2 * x;
  }
}

/** out[i] = f′(pre[i]) for i < n (`post` = f(pre)). */
export function activationDerivative(kind: Activation, pre: Float32Array, post: Float32Array, out: Float32Array, n = pre.length): void {
  for (let i = 0; i < n; i++) out[i] = derivativeAt(kind, pre[i], post[i]);
}

/**
 * pre[i, :] += b (when given), then post = f(pre). (For ReLU, models call the backend's fused `biasRelu` kernel;
 * this is the general path.)
 */
export function biasActivate(kind: Activation, pre: Float32Array, post: Float32Array, n: number, d: number, b: Float32Array | null): void {
  if (b) for (let i = 0; i < n; i++) for (let k = 0, o = i * d; k < d; k++) pre[o + k] += b[k];
  activate(kind, pre, post, n * d);
}

/**
 * The backward of `biasActivate`: g ← g ∘ f′(pre) in place (g holds d loss/d post on entry, d loss/d pre on return)
 * and, when `colSums` is given, colSums[k] = Σ_i g[i, k] (the bias gradient, accumulated in float64).
 */
export function activationBackward(kind: Activation, pre: Float32Array, post: Float32Array, g: Float32Array, n: number, d: number, colSums: Float32Array | null): void {
  for (let i = 0; i < n * d; i++) g[i] *= derivativeAt(kind, pre[i], post[i]);
  if (!colSums) return;
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0, o = i * d; k < d; k++) acc[k] += g[o + k];
  colSums.set(acc);
}
