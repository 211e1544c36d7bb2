/**
 * Ordering ops: `sort`, `argsort`, `topk`.
 *
 * One native kernel computes the stable sorting permutation of each row (NaN ordered as the
 * largest value, as PyTorch does); values are then `gather`ed, so gradients flow back through
 * gather's scatter-add with no backward rule of their own.
 * @module
 */
import { isHalf } from "../tensor/dtype.ts";
import { normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { gather } from "./indexing.ts";
import { argsortRows, topkRows } from "./kernels/sort.ts";

/**
 * A pair of values and their indices, as PyTorch's `torch.return_types`: destructure it
 * (`const [values, indices] = x.sort()`) or read `.values` / `.indices`.
 */
export type ValuesIndices = readonly [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

/** Builds a {@link ValuesIndices}. */
export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.freeze(Object.assign([values, indices] as const, { values, indices })) as ValuesIndices;
}

/** Options of {@link sort} and {@link argsort} (the keyword arguments of `torch.sort`). */
export interface SortOptions {
  /** Dimension to sort along (default -1). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch compatibility; Axon's sort is always stable. */
  stable?: boolean;
}

function parseSort(op: string, dimOrOptions: number | SortOptions | undefined, descending: boolean | undefined) {
  let dim: unknown = dimOrOptions;
  let desc: unknown = descending ?? false;
  if (typeof dimOrOptions === "object" && dimOrOptions !== null) {
    if (descending !== undefined) {
      throw new TypeError(`${op}: pass descending inside the options object, not after it`);
    }
    const o = checkOptions<SortOptions>(op, dimOrOptions, ["dim", "descending", "stable"]);
    dim = o.dim;
    desc = o.descending ?? false;
    if (o.stable !== undefined) checkBool(op, "stable", o.stable);
  } else if (dimOrOptions !== undefined && typeof dimOrOptions !== "number") {
    throw new TypeError(
      `${op}: expected dim (an integer) or an options object { dim, descending, stable }, got ${
        describe(dimOrOptions)
      }`,
    );
  }
  return { dim: checkInt(op, "dim", dim ?? -1), descending: checkBool(op, "descending", desc) };
}

/** The sorting permutation of `x` along `dim` (i32, x's shape). */
function sortIndices(x: Tensor, dim: number, descending: boolean, op: string): Tensor {
  if (x.ndim === 0) {
    normalizeDim(dim, 1, op);
    return Tensor.empty([], "i32").fill_(0);
  }
  const d = normalizeDim(dim, x.ndim, op);
  // f16/bf16 widen exactly to f32, so the order is the same.
  const keys = (isHalf(x.dtype) ? x.detach().to("f32") : x.detach()).movedim(d, -1).contiguous();
  const n = x.shape[d];
  const rows = numelOf(keys.shape.slice(0, -1));
  return argsortRows(keys, rows, n, descending, op).reshape(keys.shape).movedim(-1, d);
}

/**
 * Sorts along `dim` (default -1), ascending unless `descending`; returns `[values, indices]`
 * (also `.values`, `.indices`). Stable: equal values keep their order (PyTorch's `stable=True`).
 * NaN sorts as the largest value: last ascending, first descending. Indices are i32 (Axon's
 * index dtype). Differentiable in `x`.
 *
 * @example
 * ```ts
 * import { sort, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * const [values, indices] = sort(tensor([3, 1, 2]));
 * assert.deepEqual(values.toList(), [1, 2, 3]);
 * assert.deepEqual(indices.toList(), [1, 2, 0]);
 * ```
 */
export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean): ValuesIndices {
  checkTensor("sort", "x", x);
  const o = parseSort("sort", dim, descending);
  const indices = sortIndices(x, o.dim, o.descending, "sort");
  if (x.ndim === 0) return valuesIndices(x.clone(), indices);
  return valuesIndices(gatherAlong(x, o.dim, indices), indices);
}

/** The indices that sort `x` along `dim` (i32); see {@link sort} for order, ties and NaN. */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean): Tensor {
  checkTensor("argsort", "x", x);
  const o = parseSort("argsort", dim, descending);
  return sortIndices(x, o.dim, o.descending, "argsort");
}

function gatherAlong(x: Tensor, dim: number, indices: Tensor): Tensor {
  if (indices.numel === 0) return Tensor.empty(indices.shape, x.dtype);
  return gather(x, dim, indices.contiguous());
}

/** Options of {@link topk} (the keyword arguments of `torch.topk`). */
export interface TopkOptions {
  /** Dimension to select along (default -1). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Sort the k results (default true); false leaves PyTorch's selection order. */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest, with `largest: false`) elements along `dim`, sorted, as
 * `[values, indices]` (also `.values`, `.indices`; indices i32). NaN counts as the largest value.
 * Runs PyTorch's CPU selection algorithm (libstdc++'s `partial_sort` / `nth_element` + `sort`), so
 * the order among equal values — which no simple rule describes — is PyTorch's too. With
 * `sorted: false` the k values come in that algorithm's unsorted order, as PyTorch's. Differentiable
 * in `x`.
 *
 * @example
 * ```ts
 * import { tensor, topk } from "@axon/ml";
 * import assert from "node:assert/strict";
 * const { values, indices } = topk(tensor([1, 5, 3, 4]), 2);
 * assert.deepEqual(values.toList(), [5, 4]);
 * assert.deepEqual(indices.toList(), [1, 3]);
 * ```
 */
export function topk(
  x: Tensor,
  k: number,
  dim?: number | TopkOptions,
  largest?: boolean,
  sorted?: boolean,
): ValuesIndices {
  checkTensor("topk", "x", x);
  let o: TopkOptions;
  if (typeof dim === "object" && dim !== null) {
    if (largest !== undefined || sorted !== undefined) {
      throw new TypeError("topk: pass largest and sorted inside the options object, not after it");
    }
    o = checkOptions<TopkOptions>("topk", dim, ["dim", "largest", "sorted"]);
  } else {
    o = { dim: dim as number | undefined, largest, sorted };
  }
  const d = checkInt("topk", "dim", o.dim ?? -1);
  const big = checkBool("topk", "largest", o.largest ?? true);
  const sortResult = checkBool("topk", "sorted", o.sorted ?? true);
  const size = x.ndim === 0 ? 1 : x.shape[normalizeDim(d, x.ndim, "topk")];
  checkInt("topk", "k", k);
  if (k < 0 || k > size) {
    throw new RangeError(`topk: k ${k} is out of range for dimension ${d} of size ${size}; it must be in [0, ${size}]`);
  }
  if (x.ndim === 0) {
    // PyTorch: a 0-d input gives itself (and index 0) for k = 0 or 1.
    return valuesIndices(x.clone(), Tensor.empty([], "i32").fill_(0));
  }
  const dd = normalizeDim(d, x.ndim, "topk");
  const keys = (isHalf(x.dtype) ? x.detach().to("f32") : x.detach()).movedim(dd, -1).contiguous();
  const rows = numelOf(keys.shape.slice(0, -1));
  const shape = [...keys.shape.slice(0, -1), k];
  const indices = topkRows(keys, rows, size, k, big, sortResult).reshape(shape).movedim(-1, dd).contiguous();
  return valuesIndices(gatherAlong(x, dd, indices), indices);
}
