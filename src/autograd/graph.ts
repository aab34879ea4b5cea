import type { Backend } from "../tensor/backend.js";
import type { Key } from "../tensor/rng.js";
import { sizeOf, type Params } from "../tensor/tensor.js";

/**
 * Reverse-mode automatic differentiation over the backend's kernels: a tape of operations recorded by a forward
 * pass, replayed backwards with each operation's vector-Jacobian product (VJP).
 *
 * A `Var` is a value on the tape. Leaves are parameters (`param`, with a gradient) and constants (`constant`); every
 * op (src/autograd/ops) computes its output with backend kernels and records its VJP.
 *
 * Buffers. Every output, temporary and gradient buffer comes from `backend.alloc` through the graph's pool, keyed by
 * the op's position on the tape: a graph serves one batch size (a model keeps one graph per size, as the hand-written
 * models kept one workspace), so the second and every later forward of a training run reuse the first one's buffers
 * and a steady-state step allocates no new arrays. A value is therefore valid until the next forward on this graph.
 *
 * Determinism. A gradient that receives several contributions is written by the first VJP that reaches it (in
 * reverse tape order) and accumulated by the later ones, always in that order, with the kernels' own fixed
 * summation order: results do not depend on the run or the thread count, so resumed runs stay bit-identical.
 */
export interface Var {
  /** Position on the tape. */
  readonly id: number;
  readonly shape: readonly number[];
  /** Row-major values, a backend buffer (float64 on the float64 backend). */
  readonly data: Float32Array;
  /** Whether a gradient flows to this value (it depends on a parameter). */
  readonly requiresGrad: boolean;
  /** The parameter name of a parameter leaf. */
  readonly param?: string;
}

/** Where a VJP writes d(output)/d(input): overwrite when `accumulate` is false, add when it is true. */
export interface GradTarget {
  readonly data: Float32Array;
  readonly accumulate: boolean;
}

/** A hook point's intervention: given the activation, return the value the model continues with (see interventions.ts). */
export type Intervention = (g: Graph, x: Var, hookName: string) => Var;

export interface ForwardOptions {
  /** A training forward: dropout is active and draws its masks from this key (one key per step). */
  readonly trainingKey?: Key;
  /** Hook name → intervention applied where the model passes that hook point. */
  readonly interventions?: ReadonlyMap<string, Intervention>;
}

type Vjp = (gradOut: Float32Array) => void;

export class Graph {
  private vars: Var[] = [];
  private vjps: (Vjp | null)[] = [];
  private gradBuffers: (Float32Array | null)[] = [];
  private written: boolean[] = [];
  private paramGrads: Params | null = null;
  private paramVars = new Map<string, Var>();
  private readonly pool = new Map<string, Float32Array>();
  /** Hook name → activation, for measures and patching (valid until the next forward). */
  hooks: Record<string, Float32Array> = {};
  trainingKey: Key | null = null;
  /** Whether this forward drew from the training key (drawKey): its values then differ from an evaluation forward's. */
  drew = false;
  interventions: ReadonlyMap<string, Intervention> | null = null;

  constructor(readonly backend: Backend) {}

  /** Starts a new forward: clears the tape (buffers are kept for reuse). */
  begin(opts: ForwardOptions = {}): void {
    this.vars = [];
    this.vjps = [];
    this.paramVars = new Map();
    this.hooks = {};
    this.trainingKey = opts.trainingKey ?? null;
    this.drew = false;
    this.interventions = opts.interventions ?? null;
  }

  /** The training key for an op that draws random numbers from it (null outside training); marks the forward `drew`. */
  drawKey(): Key | null {
    if (this.trainingKey !== null) this.drew = true;
    return this.trainingKey;
  }

  /** True in a training forward (dropout on). */
  get training(): boolean {
    return this.trainingKey !== null;
  }

  /** A buffer of `length` values for the op about to be recorded, reused across forwards (`tag` tells an op's buffers apart). */
  buffer(tag: string, length: number): Float32Array {
    return this.pooled(`${this.vars.length}:${tag}`, length);
  }

  /** A scratch buffer for the VJP of `v`. */
  scratch(v: Var, tag: string, length: number): Float32Array {
    return this.pooled(`d${v.id}:${tag}`, length);
  }

  private pooled(key: string, length: number): Float32Array {
    let b = this.pool.get(key);
    if (!b || b.length !== length) this.pool.set(key, (b = this.backend.alloc(length)));
    return b;
  }

  /**
   * A parameter leaf over `data` (not copied); its gradient goes to the tensor of the same name in backward's `grads`.
   * Asking twice for one name in a forward gives the same leaf (its uses then accumulate into one gradient).
   */
  param(name: string, shape: readonly number[], data: Float32Array): Var {
    const known = this.paramVars.get(name);
    if (known) {
      if (known.data !== data) throw new Error(`autograd: parameter "${name}" was given two different buffers in one forward`);
      return known;
    }
    checkLength(name, shape, data);
    const v = this.push({ id: this.vars.length, shape, data, requiresGrad: true, param: name }, null);
    this.paramVars.set(name, v);
    return v;
  }

  /** A leaf without gradient (inputs, fixed embeddings). */
  constant(shape: readonly number[], data: Float32Array): Var {
    checkLength("constant", shape, data);
    return this.push({ id: this.vars.length, shape, data, requiresGrad: false }, null);
  }

  /**
   * Records an op's output `data` (from `buffer`) of `shape`, computed from `inputs`; `vjp` receives d(loss)/d(output)
   * and writes the inputs' gradients through `grad`. The VJP may overwrite gradOut (nothing reads it afterwards).
   */
  record(shape: readonly number[], data: Float32Array, inputs: readonly Var[], vjp: Vjp): Var {
    checkLength("op output", shape, data);
    const requiresGrad = inputs.some((v) => v.requiresGrad);
    return this.push({ id: this.vars.length, shape, data, requiresGrad }, requiresGrad ? vjp : null);
  }

  private push(v: Var, vjp: Vjp | null): Var {
    this.vars.push(v);
    this.vjps.push(vjp);
    return v;
  }

  /**
   * Passes a hook point: records the activation under `name` and applies the intervention registered for it, if any.
   * Returns what the model continues with.
   */
  hook(name: string, x: Var): Var {
    const f = this.interventions?.get(name);
    const y = f ? f(this, x, name) : x;
    this.hooks[name] = y.data;
    return y;
  }

  /** The gradient buffer of `v` for a VJP to write (null when `v` needs none). Call once per input per VJP. */
  grad(v: Var): GradTarget | null {
    if (!v.requiresGrad) return null;
    let data = this.gradBuffers[v.id];
    if (!data) {
      const target = v.param !== undefined ? this.paramGrads?.[v.param] : undefined;
      if (v.param !== undefined && !target) throw new Error(`autograd: backward got no gradient tensor for parameter "${v.param}"`);
      data = target ? target.data : this.pooled(`g${v.id}`, v.data.length);
      if (data.length !== v.data.length) throw new Error(`autograd: gradient of "${v.param}" has ${data.length} values, the parameter ${v.data.length}`);
      this.gradBuffers[v.id] = data;
    }
    const accumulate = this.written[v.id] === true;
    this.written[v.id] = true;
    return { data, accumulate };
  }

  /**
   * Hands `buffer` — an op's d(output), which nothing reads once that op's VJP has run — to `v` as its gradient,
   * instead of copying it, when v has no gradient yet and is not a parameter. Returns whether it did; the VJP then
   * may update the buffer in place (e.g. mask it), and later contributions to v accumulate into it.
   */
  adoptGrad(v: Var, buffer: Float32Array): boolean {
    if (!v.requiresGrad || v.param !== undefined || this.written[v.id] === true || buffer.length !== v.data.length) return false;
    this.gradBuffers[v.id] = buffer;
    this.written[v.id] = true;
    return true;
  }

  /** Passes d(output) to `x` unchanged: hands the buffer over when x has no gradient yet (adoptGrad), else copies or adds it. */
  passThrough(x: Var, dOut: Float32Array): void {
    if (this.adoptGrad(x, dOut)) return;
    const t = this.grad(x);
    if (t) writeGrad(t, dOut, this.backend);
  }

  /**
   * For a kernel that can only overwrite: where to write v's gradient — v's gradient buffer itself when nothing has
   * reached it yet, else a scratch buffer (also when v needs no gradient, for kernels that write every output) —
   * and `commit()`, which adds a scratch result into the gradient.
   */
  gradOutput(v: Var, tag: string): { readonly data: Float32Array; commit(): void } {
    const t = this.grad(v);
    if (t && !t.accumulate) return { data: t.data, commit: () => {} };
    const data = this.scratch(v, tag, v.data.length);
    return { data, commit: () => void (t && addInto(t.data, data, this.backend)) };
  }

  /**
   * Backpropagates d(loss)/d(root) = `dRoot` (copied, not modified) through the tape and writes every parameter's
   * gradient into `grads` (overwritten; zero for a parameter the root does not depend on).
   */
  backward(root: Var, dRoot: Float32Array, grads: Params): void {
    if (dRoot.length !== root.data.length) throw new Error(`autograd: backward got ${dRoot.length} values for an output of ${root.data.length}`);
    const n = this.vars.length;
    this.gradBuffers = new Array(n).fill(null);
    this.written = new Array(n).fill(false);
    this.paramGrads = grads;
    try {
      if (root.requiresGrad) {
        const seed = this.grad(root)!;
        seed.data.set(dRoot);
        for (let id = root.id; id >= 0; id--) {
          const vjp = this.vjps[id];
          if (vjp && this.written[id]) vjp(this.gradBuffers[id]!);
        }
      }
      for (const v of this.vars) if (v.param !== undefined && !this.written[v.id]) grads[v.param]?.data.fill(0);
    } finally {
      this.paramGrads = null;
    }
  }
}

function checkLength(what: string, shape: readonly number[], data: Float32Array): void {
  const n = sizeOf(shape);
  if (n !== data.length) throw new Error(`autograd: ${what} has ${data.length} values, shape [${shape.join(", ")}] needs ${n}`);
}

/** out += x elementwise (an accumulated gradient from a kernel that can only overwrite), on `backend`'s kernel when given. */
export function addInto(out: Float32Array, x: Float32Array, backend?: Backend): void {
  if (backend) backend.addArrays(out.length, out, x, out);
  else for (let i = 0; i < out.length; i++) out[i] += x[i];
}

/** Writes `x` into a gradient target (copy or add). */
export function writeGrad(t: GradTarget, x: Float32Array, backend?: Backend): void {
  if (t.accumulate) addInto(t.data, x, backend);
  else t.data.set(x);
}
