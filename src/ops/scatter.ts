/**
 * Writes by index: `scatterAdd`, `scatter` and `indexAdd` (PyTorch's `Tensor.scatter_add`,
 * `scatter`, `index_add`), out of place, with autograd. The accumulation runs in the existing
 * deterministic f32 kernels (`axon_scatter_add`, `axon_index_add`: sums in index order, so equal
 * inputs give equal bits); f16/bf16 go through f32 and are rounded once.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { backendOf } from "../backend/registry.ts";
import { isHalf } from "../tensor/dtype.ts";
import { formatShape, normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { where } from "./elementwise.ts";
import { gather, indexSelect } from "./indexing.ts";
import { indexAsI32 } from "./index_dtype.ts";
import { pad } from "./pad.ts";

/** The dtype the accumulation runs in, or an error naming `op` (f32, f16, bf16 only). */
function accumulationDtype(op: string, x: Tensor): void {
  if (x.dtype !== "f32" && !isHalf(x.dtype)) {
    throw new TypeError(`${op}: expected an f32, f16 or bf16 tensor, got ${x.dtype} (the accumulation runs in f32)`);
  }
}

/** Checks `index` against `x` and `src` as PyTorch does; returns the normalised dim and i32 index. */
function scatterIndex(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | null): [number, Tensor] {
  checkTensor(op, "index", index);
  if (x.ndim === 0) throw new RangeError(`${op}: self must have at least one dimension, got a 0-d tensor`);
  const d = normalizeDim(dim, x.ndim, op);
  const size = x.shape[d];
  if (index.ndim !== x.ndim && index.numel > 0) {
    throw new RangeError(
      `${op}: index of shape ${formatShape(index.shape)} must have as many dims as self ${formatShape(x.shape)}`,
    );
  }
  if (index.numel > 0) {
    const bad = index.shape.findIndex((s, i) =>
      (i !== d && s > x.shape[i]) || (src !== null && s > (src.shape[i] ?? 0))
    );
    if (bad >= 0 || (src !== null && src.ndim !== index.ndim && src.numel > 0)) {
      throw new RangeError(
        `${op}: index of shape ${formatShape(index.shape)} must be no larger than self ${
          formatShape(x.shape)
        } (except in dimension ${d})${src === null ? "" : ` and no larger than src ${formatShape(src.shape)}`}`,
      );
    }
  }
  const idx = indexAsI32(op, "index", index, { lo: 0, hi: size - 1, what: `dimension ${d} of size ${size}` });
  return [d, idx.contiguous()];
}

/**
 * f32 zeros shaped like `index` except `shape[d] = dimSize`, with `src` (index-shaped, f32) added
 * at `acc[…, index[…, j, …], …]`; recorded: the gradient of `src` is `gather(g, d, index)`.
 */
function scatterAddZeros(src: Tensor, d: number, dimSize: number, index: Tensor): Tensor {
  const shape = [...index.shape];
  shape[d] = dimSize;
  const acc = Tensor.empty(shape, "f32", src.device);
  const values = src.contiguous();
  const outer = numelOf(index.shape.slice(0, d));
  const inner = numelOf(index.shape.slice(d + 1));
  const count = index.ndim === 0 ? 1 : index.shape[d];
  const backend = backendOf("scatterAdd", acc, index, values);
  backend.fill(acc.numel, acc, 0, "scatterAdd"); // the kernel adds into acc
  backend.scatterAdd({ outer, dim: dimSize, inner, count }, acc, index, values, "scatterAdd");
  return record(acc, "scatterAdd", [src], (g) => [gather(g, d, index)], [index]);
}

/** `t` zero-padded at the end of each dim up to `shape` (index smaller than self). */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  const amounts = shape.flatMap((_, i) => [0, shape[shape.length - 1 - i] - t.shape[shape.length - 1 - i]]);
  return amounts.every((a) => a === 0) ? t : pad(t, amounts);
}

/** `src` cut to `index`'s shape (PyTorch reads only the index-shaped corner of src). */
function corner(src: Tensor, index: Tensor): Tensor {
  let out = src;
  index.shape.forEach((s, i) => {
    if (out.shape[i] !== s) out = out.narrow(i, 0, s);
  });
  return out;
}

/**
 * `x` with `src` added at positions `index` along `dim` (PyTorch's `Tensor.scatter_add`):
 * `out[i][index[i][j][k]][k] += src[i][j][k]` for `dim = 1`. `index` has x's number of dims and
 * is no larger than `src`, nor than `x` outside `dim`; duplicate indices all add, in order.
 * Gradients: `x` gets `g`, `src` gets `gather(g, dim, index)`.
 *
 * @example
 * ```ts
 * import { scatterAdd, tensor, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const out = scatterAdd(zeros(3), 0, tensor([0, 2, 0], { dtype: "i64" }), tensor([1, 2, 3], { dtype: "f32" }));
 * assert.deepEqual(out.toList(), [4, 0, 2]);
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor("scatterAdd", "input", x);
  checkTensor("scatterAdd", "src", src);
  accumulationDtype("scatterAdd", x);
  if (src.dtype !== x.dtype) throw new TypeError(`scatterAdd: src dtype ${src.dtype} differs from self's ${x.dtype}`);
  const [d, idx] = scatterIndex("scatterAdd", x, dim, index, src);
  if (idx.numel === 0) return x.clone();
  const acc = scatterAddZeros(corner(src, idx).to("f32"), d, x.shape[d], idx);
  return x.to("f32").add(padTo(acc, x.shape)).to(x.dtype); // f16/bf16: one rounding of the sum
}

/**
 * `x` with `src` (a tensor, or one number) written at positions `index` along `dim` (PyTorch's
 * `Tensor.scatter`): `out[i][index[i][j][k]][k] = src[i][j][k]` for `dim = 1`. Several indices may
 * hit one position when they write the same value (a scalar `src` always does); when they would
 * write different values PyTorch picks one arbitrarily, and Axon throws a RangeError instead of
 * guessing (use unique indices, or `scatterAdd`). Gradients: `x` gets `g` where nothing was
 * written, `src` gets `gather(g, dim, index)` (shared among duplicates). A scalar `src` works for
 * every dtype; a tensor `src` needs f32, f16 or bf16.
 *
 * @example
 * ```ts
 * import { scatter, tensor, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const oneHot = scatter(zeros(2, 4), 1, tensor([[1], [3]]), 1);
 * assert.deepEqual(oneHot.toList(), [[0, 1, 0, 0], [0, 0, 0, 1]]);
 * ```
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  checkTensor("scatter", "input", x);
  if (typeof src !== "number" && !(src instanceof Tensor)) {
    throw new TypeError(`scatter: src must be a Tensor or a number, got ${describe(src)}`);
  }
  const srcTensor = typeof src === "number" ? null : src;
  if (srcTensor !== null) {
    accumulationDtype("scatter", x);
    if (srcTensor.dtype !== x.dtype) {
      throw new TypeError(`scatter: src dtype ${srcTensor.dtype} differs from self's ${x.dtype}`);
    }
  }
  const [d, idx] = scatterIndex("scatter", x, dim, index, srcTensor);
  if (idx.numel === 0) return x.clone();
  const ones = Tensor.empty(idx.shape, "f32", x.device);
  backendOf("scatter", ones).fill(ones.numel, ones, 1, "scatter");
  const count = padTo(scatterAddZeros(ones, d, x.shape[d], idx), x.shape);
  const written = count.gt(0);
  if (srcTensor === null) return where(written, src as number, x);
  const part = corner(srcTensor, idx).to("f32");
  const sums = scatterAddZeros(part, d, x.shape[d], idx);
  const values = padTo(sums, x.shape).div(count.clamp(1));
  if (count.max().item() > 1) rejectConflicts(values, part, d, idx);
  return where(written, values.to(x.dtype), x);
}

/**
 * Throws when duplicate indices of `scatter` write different values: each written value (the mean
 * of its writers) must give back every writer's value, to rounding.
 */
function rejectConflicts(values: Tensor, part: Tensor, d: number, idx: Tensor): void {
  const back = gather(values.detach(), d, idx);
  const src = part.detach();
  const gap = back.sub(src).abs().sub(src.abs().mul(1e-6)).max().item();
  if (gap > 1e-7) {
    throw new RangeError(
      `scatter: index writes different values to the same position along dimension ${d}; PyTorch picks one ` +
        "arbitrarily — make the indices unique, or use scatterAdd to sum them",
    );
  }
}

/** Options of {@link indexAdd}. */
export interface IndexAddOptions {
  /** Multiplier of `source` (default 1). */
  alpha?: number;
}

/**
 * `x` with `alpha · source` added at rows `index` of `dim` (PyTorch's `Tensor.index_add`):
 * `out[…, index[i], …] += alpha · source[…, i, …]`. `index` is 1-d (i32 or i64) and `source` has
 * x's shape except `source.shape[dim] = index.numel`; duplicate indices all add, in order.
 * Gradients: `x` gets `g`, `source` gets `alpha · indexSelect(g, dim, index)`.
 *
 * @example
 * ```ts
 * import { indexAdd, ones, tensor, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(indexAdd(zeros(3, 2), 0, tensor([2, 0, 2]), ones(3, 2)).toList(), [[1, 1], [0, 0], [2, 2]]);
 * ```
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options: IndexAddOptions = {}): Tensor {
  checkTensor("indexAdd", "input", x);
  checkTensor("indexAdd", "source", source);
  checkTensor("indexAdd", "index", index);
  const { alpha = 1 } = checkOptions<IndexAddOptions>("indexAdd", options, ["alpha"]);
  checkNumber("indexAdd", "alpha", alpha);
  accumulationDtype("indexAdd", x);
  if (source.dtype !== x.dtype) {
    throw new TypeError(`indexAdd: source dtype ${source.dtype} differs from self's ${x.dtype}`);
  }
  if (x.ndim === 0) throw new RangeError("indexAdd: self must have at least one dimension, got a 0-d tensor");
  const d = normalizeDim(dim, x.ndim, "indexAdd");
  if (index.ndim > 1) throw new RangeError(`indexAdd: index must be 1-d, got shape ${formatShape(index.shape)}`);
  const shape = x.shape;
  const expected = [...shape];
  expected[d] = index.numel;
  const src = source;
  if (src.ndim !== expected.length || src.shape.some((s, i) => s !== expected[i])) {
    throw new RangeError(
      `indexAdd: source of shape ${formatShape(source.shape)} must have shape ${
        formatShape(expected)
      } (self's, with dimension ${d} the number of indices ${index.numel})`,
    );
  }
  const size = shape[d];
  const idx = indexAsI32("indexAdd", "index", index, { lo: 0, hi: size - 1, what: `dimension ${d} of size ${size}` })
    .contiguous();
  if (idx.numel === 0) return x.clone();
  const values = src.to("f32");
  const contiguous = values.contiguous();
  const acc = Tensor.empty(shape, "f32", contiguous.device);
  const extent = { outer: numelOf(shape.slice(0, d)), dim: size, inner: numelOf(shape.slice(d + 1)), count: idx.numel };
  const backend = backendOf("indexAdd", acc, idx, contiguous);
  backend.fill(acc.numel, acc, 0, "indexAdd"); // the kernel adds into acc
  backend.indexAdd(extent, acc, idx, contiguous, "indexAdd");
  const added = record(acc, "indexAdd", [values], (g) => [indexSelect(g, d, idx)], [idx]);
  const scaled = alpha === 1 ? added : added.mul(alpha);
  return x.to("f32").add(scaled).to(x.dtype); // f16/bf16: one rounding of the sum
}
