/**
 * Datasets: the {@link Dataset} contract (`length`, `get(i)`), the optional batched fast path
 * (`getBatch(indices)`, one native gather per tensor), and {@link TensorDataset}.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { tensor } from "../ops/creation.ts";
import { indexSelect, startGatherRows as startGather } from "../ops/indexing.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensor } from "../utils/check_tensor.ts";

/**
 * What a batch of samples `S` becomes after collation: a tuple keeps its arity with every field a
 * tensor (numbers become a 1-d tensor), a single sample becomes one tensor.
 */
export type Collated<S> = S extends readonly unknown[] ? { -readonly [K in keyof S]: Tensor } : Tensor;

/**
 * A map-style dataset: `length` samples, each read with `get(i)` (PyTorch's `__len__` and
 * `__getitem__`). Any object with these two members works where a `Dataset` is expected; extending
 * this class is optional.
 *
 * A dataset that holds its samples as big contiguous tensors should also implement
 * {@link BatchedDataset.getBatch}, which the {@link DataLoader} prefers over `get`.
 *
 * @example
 * ```ts
 * import { DataLoader, Dataset, type Tensor, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * class Squares extends Dataset<[Tensor, number]> {
 *   get length() { return 100; }
 *   get(i: number): [Tensor, number] { return [tensor([i], { dtype: "f32" }), i * i]; }
 * }
 * const loader = new DataLoader(new Squares(), 10, true);
 * for (const [x, y] of loader) assert.deepEqual([x.shape, y.shape], [[10, 1], [10]]);
 * ```
 */
export abstract class Dataset<S = [Tensor, Tensor]> {
  /** Number of samples. */
  abstract get length(): number;
  /** Sample `index` (0 ≤ index < length). */
  abstract get(index: number): S;
}

/** The structural form of {@link Dataset} accepted by the `DataLoader`. */
export interface DatasetLike<S> {
  /** Number of samples. */
  readonly length: number;
  /** Sample `index`. */
  get(index: number): S;
  /** Optional fast path: the collated batch of the samples at `indices` (see {@link BatchedDataset}). */
  getBatch?(indices: Int32Array): Collated<S>;
}

/**
 * A dataset that assembles whole batches itself, natively: `getBatch(indices)` returns the same
 * value as collating `get(i)` for each index, typically with one `indexSelect` per tensor.
 *
 * @example
 * ```ts
 * import { arange, randn, TensorDataset } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const ds = new TensorDataset(randn([100, 3]), arange(100));
 * const [x, y] = ds.getBatch(Int32Array.of(5, 1, 7));
 * assert.deepEqual([x.shape, [...y.toArray()]], [[3, 3], [5, 1, 7]]);
 * ```
 */
export interface BatchedDataset<B> {
  /** The batch of the samples at `indices` (each in `[0, length)`), assembled natively. */
  getBatch(indices: Int32Array): B;
  /**
   * Optional: starts assembling that batch in the background and returns a function that waits
   * for it (the DataLoader uses it to prefetch the next batch while the model trains).
   */
  startBatch?(indices: Int32Array): () => B;
}

/** Throws a RangeError naming `where` unless `index` is an integer in `[0, length)`. */
export function checkIndex(index: number, length: number, where: string): number {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${where}: index ${index} out of range for a dataset of ${length} samples`);
  }
  return index;
}

/** Like {@link gatherRows}, but gathered on the native prefetch thread; call the result to wait. */
export function startGatherRows<T extends readonly Tensor[]>(
  tensors: T,
  indices: Int32Array,
): () => { -readonly [K in keyof T]: Tensor } {
  for (const t of tensors) checkRowCount(t, tensors[0]);
  return startGather(tensors, tensor(indices)) as () => { -readonly [K in keyof T]: Tensor };
}

function checkRowCount(t: Tensor, first: Tensor): void {
  if (t.ndim === 0 || t.shape[0] !== first.shape[0]) {
    throw new RangeError("gather rows: tensors must share their first dimension");
  }
}

/** Rows `indices` of each tensor (first dim), one native gather each, outside the autograd graph. */
export function gatherRows<T extends readonly Tensor[]>(
  tensors: T,
  indices: Int32Array,
): { -readonly [K in keyof T]: Tensor } {
  const index = tensor(indices);
  return noGrad(() => tensors.map((t) => indexSelect(t, 0, index))) as { -readonly [K in keyof T]: Tensor };
}

/**
 * A dataset over tensors that share their first dimension: sample `i` is `[t0[i], t1[i], …]`
 * (PyTorch's `TensorDataset`). Batches are gathered natively, one `indexSelect` per tensor.
 *
 * @example
 * ```ts
 * import { DataLoader, randn, TensorDataset, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const ds = new TensorDataset(randn([1000, 784]), zeros([1000], { dtype: "i32" }));
 * const [x, y] = ds.get(3);
 * assert.deepEqual([x.shape, y.shape], [[784], []]);
 * const loader = new DataLoader(ds, 64, true);
 * ```
 */
export class TensorDataset<T extends Tensor[] = [Tensor, Tensor]> extends Dataset<T> implements BatchedDataset<T> {
  /** The tensors, each with `length` rows. */
  readonly tensors: Readonly<T>;

  /** Creates the dataset; every tensor needs the same size in dim 0. */
  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new RangeError("TensorDataset: expected at least one tensor in tensors");
    tensors.forEach((t, i) => checkTensor("TensorDataset", `tensors[${i}]`, t));
    const n = tensors[0].ndim === 0 ? -1 : tensors[0].shape[0];
    for (const t of tensors) {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new RangeError(
          `TensorDataset: all tensors need the same size in dimension 0; got shapes ${
            tensors.map((x) => formatShape(x.shape)).join(", ")
          }`,
        );
      }
    }
    this.tensors = tensors;
  }

  /** Number of rows. */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of every tensor (views, no copy). */
  get(index: number): T {
    checkIndex(index, this.length, "TensorDataset.get");
    return this.tensors.map((t) => t.detach().select(0, index)) as T;
  }

  /** Rows `indices` of every tensor, one native `indexSelect` each (copies). */
  getBatch(indices: Int32Array): T {
    return gatherRows(this.tensors, indices) as unknown as T;
  }

  /** `getBatch` on the native prefetch thread; call the result to wait for the batch. */
  startBatch(indices: Int32Array): () => T {
    return startGatherRows(this.tensors, indices) as unknown as () => T;
  }
}
