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

/** out[i] = f′(pre[i]) for i < n (`post` = f(pre), reused where it saves work). ReLU′(0) = 0, as in PyTorch. */
export function activationDerivative(kind: Activation, pre: Float32Array, post: Float32Array, out: Float32Array, n = pre.length): void {
  switch (kind) {
    case "relu":
      for (let i = 0; i < n; i++) out[i] = pre[i] > 0 ? 1 : 0;
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const x = pre[i];
        const t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
        out[i] = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x);
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = 1 - post[i] * post[i];
      return;
    case "square":
      for (let i = 0; i < n; i++) out[i] = 2 * pre[i];
      return;
  }
}
