/**
 * Shape ops composed from views, `cat`, `indexSelect` and `where`: `tril`, `triu`, `chunk`,
 * `split`, `repeat`, `tile`, `flip`, `roll`. Each is differentiable through the ops it is made of.
 * @module
 */
import { formatShape, normalizeDim } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";
import { arange } from "./creation.ts";
import { where } from "./elementwise.ts";
import { indexSelect } from "./indexing.ts";
import { cat } from "./join.ts";

function triangle(op: "tril" | "triu", x: Tensor, diagonal: number): Tensor {
  checkTensor(op, "x", x);
  checkInt(op, "diagonal", diagonal);
  if (x.ndim < 2) {
    throw new RangeError(`${op}: input tensor must have at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  }
  const [rows, cols] = x.shape.slice(-2);
  const offset = arange(cols).reshape([1, cols]).sub(arange(rows).reshape([rows, 1])); // j − i
  return where(op === "tril" ? offset.le(diagonal) : offset.ge(diagonal), x, 0);
}

/**
 * The lower triangle of the last two dims (`torch.tril`): elements with `j − i ≤ diagonal` kept,
 * the rest 0. `diagonal` > 0 keeps diagonals above the main one, < 0 drops some below it.
 *
 * @example
 * ```ts
 * import { ones, tril } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(tril(ones(3, 3)).toList(), [[1, 0, 0], [1, 1, 0], [1, 1, 1]]);
 * ```
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, diagonal);
}

/**
 * The upper triangle of the last two dims (`torch.triu`): elements with `j − i ≥ diagonal` kept.
 *
 * @example
 * ```ts
 * import { ones, triu } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(triu(ones(2, 3), 1).toList(), [[0, 1, 1], [0, 0, 1]]);
 * ```
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, diagonal);
}

/**
 * Splits along `dim` (default 0) into pieces of `splitSize` (the last may be smaller), or of the
 * sizes in a list, which must add up to the dim's size (`torch.split`). The pieces are views.
 *
 * @example
 * ```ts
 * import { arange, split } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(split(arange(5), 2).map((t) => t.toList()), [[0, 1], [2, 3], [4]]);
 * assert.deepEqual(split(arange(5), [1, 4]).map((t) => t.shape), [[1], [4]]);
 * ```
 */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  checkTensor("split", "x", x);
  checkInt("split", "dim", dim);
  if (x.ndim === 0) throw new RangeError("split: expected a tensor with at least one dimension, got a 0-d tensor");
  const d = normalizeDim(dim, x.ndim, "split");
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === "number") {
    checkInt("split", "splitSize", splitSize, { min: 0 });
    if (splitSize === 0 && size > 0) {
      throw new RangeError(`split: splitSize 0 cannot split dimension ${d} of size ${size}; it must be >= 1`);
    }
    const count = size === 0 ? 1 : Math.ceil(size / splitSize);
    sizes = Array.from({ length: count }, (_, i) => Math.min(splitSize, size - i * splitSize));
  } else if (Array.isArray(splitSize)) {
    sizes = splitSize.map((s, i) => checkInt("split", `splitSize[${i}]`, s, { min: 0 }));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new RangeError(
        `split: split sizes ${JSON.stringify(sizes)} add up to ${total}, but dimension ${d} has size ${size}`,
      );
    }
  } else {
    throw new TypeError(`split: splitSize must be an integer or a list of integers, got ${describe(splitSize)}`);
  }
  let start = 0;
  return sizes.map((length) => {
    const piece = x.narrow(d, start, length);
    start += length;
    return piece;
  });
}

/**
 * Splits along `dim` (default 0) into `chunks` pieces of `ceil(size / chunks)` elements, the last
 * smaller; fewer pieces come back when the size does not allow `chunks` (`torch.chunk`).
 *
 * @example
 * ```ts
 * import { arange, chunk } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(chunk(arange(6), 4).map((t) => t.toList()), [[0, 1], [2, 3], [4, 5]]);
 * ```
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor("chunk", "x", x);
  checkInt("chunk", "chunks", chunks, { min: 1 });
  checkInt("chunk", "dim", dim);
  if (x.ndim === 0) throw new RangeError("chunk: expected a tensor with at least one dimension, got a 0-d tensor");
  const size = x.shape[normalizeDim(dim, x.ndim, "chunk")];
  if (size === 0) return Array.from({ length: chunks }, () => x.narrow(dim, 0, 0));
  return split(x, Math.ceil(size / chunks), dim);
}

function sizeList(op: string, args: readonly unknown[]): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] as unknown[] : args;
  return list.map((v, i) => checkInt(op, `sizes[${i}]`, v, { min: 0 }));
}

/**
 * Repeats the tensor `sizes[i]` times along each dim (`Tensor.repeat`); `sizes` may have more
 * entries than the tensor has dims (new leading dims). Copies; differentiable (the gradient sums
 * the copies).
 *
 * @example
 * ```ts
 * import { repeat, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(repeat(tensor([1, 2]), 2, 2).toList(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
 * ```
 */
export function repeat(x: Tensor, ...sizes: number[] | [readonly number[]]): Tensor {
  checkTensor("repeat", "x", x);
  const reps = sizeList("repeat", sizes);
  if (reps.length < x.ndim) {
    throw new RangeError(
      `repeat: the number of repeat dims (${reps.length}) can not be smaller than the number of dims of the tensor (${x.ndim})`,
    );
  }
  const shape = [...Array(reps.length - x.ndim).fill(1), ...x.shape];
  // [s0, s1, …] → [1, s0, 1, s1, …] → expand to [r0, s0, r1, s1, …] → [r0·s0, r1·s1, …]
  const interleaved = shape.flatMap((s) => [1, s]);
  const expanded = shape.flatMap((s, i) => [reps[i], s]);
  return x.reshape(interleaved).expand(expanded).reshape(shape.map((s, i) => s * reps[i]));
}

/**
 * Repeats like {@link repeat}, but `dims` shorter than the tensor's rank is padded with leading
 * 1s (`torch.tile`).
 *
 * @example
 * ```ts
 * import { tensor, tile } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(tile(tensor([[1, 2]]), [2]).toList(), [[1, 2, 1, 2]]);
 * ```
 */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor("tile", "x", x);
  if (!Array.isArray(dims)) throw new TypeError(`tile: dims must be a list of integers, got ${describe(dims)}`);
  const reps = sizeList("tile", [dims]);
  return repeat(x, [...Array(Math.max(0, x.ndim - reps.length)).fill(1), ...reps]);
}

function dimList(op: string, x: Tensor, dims: unknown): number[] {
  const list = typeof dims === "number" ? [dims] : dims;
  if (!Array.isArray(list)) {
    throw new TypeError(`${op}: dims must be an integer or a list of integers, got ${describe(dims)}`);
  }
  const out = list.map((d, i) => normalizeDim(checkInt(op, `dims[${i}]`, d), Math.max(x.ndim, 1), op));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dims ${JSON.stringify(list)} repeat a dimension`);
  return out;
}

/**
 * Reverses the order of elements along each of `dims` (`torch.flip`). Copies (Axon's strides are
 * non-negative); differentiable.
 *
 * @example
 * ```ts
 * import { flip, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(flip(tensor([[1, 2], [3, 4]]), [1]).toList(), [[2, 1], [4, 3]]);
 * ```
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor("flip", "x", x);
  let out = x;
  for (const d of dimList("flip", x, dims)) {
    const n = x.ndim === 0 ? 1 : x.shape[d];
    if (n > 1) out = indexSelect(out, d, arange(n - 1, -1, -1));
  }
  return out === x ? x.clone() : out;
}

/**
 * Rolls elements along `dims` by `shifts` (`torch.roll`): element i moves to `(i + shift) mod n`.
 * Without `dims` the tensor is flattened, rolled and reshaped back. `shifts` and `dims` are an
 * integer each or lists of the same length. Differentiable.
 *
 * @example
 * ```ts
 * import { roll, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(roll(tensor([1, 2, 3, 4]), 1).toList(), [4, 1, 2, 3]);
 * ```
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  checkTensor("roll", "x", x);
  const shiftList = typeof shifts === "number" ? [shifts] : shifts;
  if (!Array.isArray(shiftList)) {
    throw new TypeError(`roll: shifts must be an integer or a list of integers, got ${describe(shifts)}`);
  }
  shiftList.forEach((s, i) => checkInt("roll", `shifts[${i}]`, s));
  if (dims === undefined) {
    if (shiftList.length !== 1) {
      throw new RangeError(`roll: without dims, shifts must be one integer, got ${JSON.stringify(shifts)}`);
    }
    return roll(x.reshape([-1]), shiftList[0], 0).reshape(x.shape);
  }
  const dimsList = dimList("roll", x, dims);
  if (dimsList.length !== shiftList.length) {
    throw new RangeError(
      `roll: shifts and dims must have the same length, got ${shiftList.length} shifts and ${dimsList.length} dims`,
    );
  }
  let out = x;
  dimsList.forEach((d, i) => {
    const n = x.ndim === 0 ? 1 : x.shape[d];
    const s = n === 0 ? 0 : ((shiftList[i] % n) + n) % n;
    if (s !== 0) out = cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d);
  });
  return out === x ? x.clone() : out;
}
