/**
 * {@link Subset} (a dataset restricted to some indices) and {@link randomSplit} (PyTorch's
 * `random_split`: disjoint random subsets by lengths or fractions, seeded).
 * @module
 */
import { checkInt } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { checkIndex, type Collated, Dataset, type DatasetLike } from "./dataset.ts";
import { drawSeed, randomPermutation } from "./sampler.ts";

/** Throws unless `value` has a numeric `length` and a `get` method. */
export function checkDataset(where: string, name: string, value: unknown): void {
  const d = value as { length?: unknown; get?: unknown } | null;
  if (d === null || typeof d !== "object" || typeof d.get !== "function" || !Number.isSafeInteger(d.length)) {
    throw new TypeError(`${where}: ${name} must be a dataset (with length and get(i)), got ${describe(value)}`);
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`): sample `i` is
 * `dataset.get(indices[i])`. When the dataset assembles batches natively (`getBatch`), so does
 * the subset, through the mapped indices.
 *
 * @example
 * ```ts
 * import { MNIST, Subset } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const mnist = MNIST.npmDigits(true);
 * const firstTen = new Subset(mnist, Int32Array.from({ length: 10 }, (_, i) => i));
 * assert.equal(firstTen.length, 10);
 * ```
 */
export class Subset<S> extends Dataset<S> {
  /** The underlying dataset. */
  readonly dataset: DatasetLike<S>;
  /** Indices into `dataset`. */
  readonly indices: Int32Array;

  /** Creates the subset; every index must lie in `[0, dataset.length)`. */
  constructor(dataset: DatasetLike<S>, indices: ArrayLike<number>) {
    super();
    checkDataset("Subset", "dataset", dataset);
    if (indices === null || typeof indices !== "object" || typeof (indices as ArrayLike<number>).length !== "number") {
      throw new TypeError(`Subset: indices must be an array of integers, got ${describe(indices)}`);
    }
    const list = Int32Array.from(indices as ArrayLike<number>);
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i];
      if (!Number.isInteger(v) || v < 0 || v >= dataset.length) {
        throw new RangeError(`Subset: indices[${i}] = ${v} is out of range for a dataset of ${dataset.length} samples`);
      }
    }
    this.dataset = dataset;
    this.indices = list;
  }

  /** Number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** `dataset.get(indices[index])`. */
  get(index: number): S {
    checkIndex(index, this.length, "Subset.get");
    return this.dataset.get(this.indices[index]);
  }

  /** The dataset's native batch of the mapped indices, when it has one. */
  get getBatch(): ((indices: Int32Array) => Collated<S>) | undefined {
    const base = this.dataset;
    if (typeof base.getBatch !== "function") return undefined;
    return (indices: Int32Array) =>
      base.getBatch!(indices.map((i) => this.indices[checkIndex(i, this.length, "Subset.getBatch")]));
  }
}

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** Seed of the permutation; default: one drawn from the global generator (so `manualSeed` fixes it). */
  seed?: number | bigint;
}

/**
 * Splits `dataset` into disjoint random subsets (PyTorch's `random_split`). `lengths` are either
 * sizes summing to `dataset.length`, or fractions summing to 1: each subset then gets
 * ⌊n·fraction⌋ samples and the remainder is dealt one by one round-robin from the first subset,
 * as PyTorch does. The permutation is Axon's Philox-driven Fisher–Yates ({@link randomPermutation}),
 * so a seed gives the same split on Deno and Bun (not PyTorch's split, whose generator differs).
 *
 * @example
 * ```ts
 * import { arange, randn, randomSplit, TensorDataset } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const dataset = new TensorDataset(randn([100, 4]), arange(100));
 * const [train, val] = randomSplit(dataset, [0.9, 0.1], { seed: 42 });
 * assert.deepEqual([train.length, val.length], [90, 10]);
 * ```
 */
export function randomSplit<S>(
  dataset: DatasetLike<S>,
  lengths: readonly number[],
  options: RandomSplitOptions = {},
): Subset<S>[] {
  checkDataset("randomSplit", "dataset", dataset);
  checkOptions("randomSplit", options, ["seed"]);
  if (!Array.isArray(lengths) || lengths.length === 0) {
    throw new TypeError(
      `randomSplit: lengths must be a non-empty array of sizes or fractions, got ${describe(lengths)}`,
    );
  }
  const n = dataset.length;
  const sizes = splitLengths(n, lengths);
  let seed: bigint;
  if (options.seed === undefined) seed = drawSeed();
  else if (typeof options.seed === "bigint") seed = options.seed;
  else seed = BigInt(checkInt("randomSplit", "seed", options.seed, { min: 0 }));
  const perm = randomPermutation(n, seed);
  const parts: Subset<S>[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(new Subset(dataset, perm.subarray(offset, offset + size)));
    offset += size;
  }
  return parts;
}

/** The subset sizes of {@link randomSplit}: integer lengths as given, or fractions resolved as PyTorch. */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  lengths.forEach((l, i) => {
    if (typeof l !== "number" || !Number.isFinite(l) || l < 0) {
      throw new RangeError(`randomSplit: lengths[${i}] must be a non-negative number, got ${describe(l)}`);
    }
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[];
  if (Math.abs(total - 1) < 1e-9 && total !== n) {
    lengths.forEach((l, i) => {
      if (l > 1) throw new RangeError(`randomSplit: fraction lengths[${i}] = ${l} is above 1`);
    });
    sizes = lengths.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  } else {
    lengths.forEach((l, i) => {
      if (!Number.isInteger(l)) {
        throw new RangeError(
          `randomSplit: lengths[${i}] = ${l} is not an integer, and the lengths do not sum to 1 as fractions would (sum ${total})`,
        );
      }
    });
    sizes = [...lengths];
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) {
    throw new RangeError(`randomSplit: the lengths sum to ${sum}, but the dataset has ${n} samples`);
  }
  return sizes;
}
