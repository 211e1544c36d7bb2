/**
 * Data loading: datasets and the `DataLoader`.
 *
 * @example
 * ```ts
 * import { arange, DataLoader, randn, TensorDataset } from "@axon/ml";
 *
 * const loader = new DataLoader(new TensorDataset(randn([100, 4]), arange(100)), 32, true, { seed: 1 });
 * for (const [x, y] of loader) console.log(x.shape, y.shape); // [32, 4] [32] … [4, 4] [4]
 * ```
 * @module
 */
export { Dataset, TensorDataset } from "./dataset.ts";
export type { BatchedDataset, Collated, DatasetLike } from "./dataset.ts";
export { BatchIterator, DataLoader, defaultCollate } from "./dataloader.ts";
export type { DataLoaderOptions } from "./dataloader.ts";
export { randomPermutation } from "./sampler.ts";
