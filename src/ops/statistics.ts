/**
 * Statistics and norms over dims: `variance` (`var`), `std`, `norm`, `any`, `all`, composed from
 * the reductions; `std` and `norm` carry PyTorch's backward rules, which mask the 0/0 at a zero
 * result instead of returning NaN.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { record } from "../autograd/graph.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { dtypeInfo, isHalf } from "../tensor/dtype.ts";
import { normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { full } from "./creation.ts";
import { where } from "./elementwise.ts";

/** Dims to reduce: one, a list, or every dim when omitted (or an empty list, as PyTorch). */
function dimsOf(op: string, x: Tensor, dim: unknown): number[] {
  if (dim === undefined || dim === null) return [...x.shape.keys()];
  if (typeof dim !== "number" && !Array.isArray(dim)) {
    throw new TypeError(`${op}: dim must be an integer or a list of integers, got ${describe(dim)}`);
  }
  const list = typeof dim === "number" ? [dim] : dim as unknown[];
  if (list.length === 0) return [...x.shape.keys()];
  const dims = list.map((d) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d)) {
      throw new TypeError(`${op}: dim must be an integer or a list of integers, got ${describe(dim)}`);
    }
    return normalizeDim(d, Math.max(x.ndim, 1), op);
  });
  if (new Set(dims).size !== dims.length) throw new RangeError(`${op}: dim ${JSON.stringify(dim)} repeats a dimension`);
  return x.ndim === 0 ? [] : dims.sort((a, b) => a - b);
}

/** The reduced tensor's shape with (keepdim) or without the reduced dims. */
function outShape(x: Tensor, dims: number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((s, d) => (dims.includes(d) ? 1 : s)) : x.shape.filter((_, d) => !dims.includes(d));
}

function requireFloat(op: string, x: Tensor): void {
  if (!dtypeInfo(x.dtype).isFloat) {
    throw new TypeError(`${op}: expected a floating point tensor, got dtype ${x.dtype}; convert with .to("f32")`);
  }
}

/** Options of {@link variance} and {@link std} (the keyword arguments of `torch.var`). */
export interface VarOptions {
  /** Subtracted from the element count in the divisor (default 1, Bessel's correction). */
  correction?: number;
  /** Legacy form: `true` = correction 1, `false` = correction 0. Give one of the two. */
  unbiased?: boolean;
  /** Keep the reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

function parseVar(op: string, dimOrOptions: unknown, options: unknown) {
  let dim: unknown = dimOrOptions;
  let opts: unknown = options;
  if (typeof dimOrOptions === "object" && dimOrOptions !== null && !Array.isArray(dimOrOptions)) {
    if (options !== undefined) throw new TypeError(`${op}: give dim inside the options object or before it, not both`);
    dim = (dimOrOptions as { dim?: unknown }).dim;
    const { dim: _dim, ...rest } = dimOrOptions as Record<string, unknown>;
    opts = rest;
  }
  const o = checkOptions<VarOptions>(op, opts, ["correction", "unbiased", "keepdim"]);
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new TypeError(`${op}: give correction or unbiased, not both`);
  }
  const correction = o.unbiased !== undefined
    ? (checkBool(op, "unbiased", o.unbiased) ? 1 : 0)
    : checkNumber(op, "correction", o.correction ?? 1, { lo: 0, loInclusive: true });
  const keepdim = checkBool(op, "keepdim", o.keepdim ?? false);
  return { dim, correction, keepdim };
}

/**
 * Σ (x − mean)² / max(0, N − correction) over `dims`. The gradient is PyTorch's
 * `2/(N − correction) · g · (x − mean)`, whose divisor is not clamped at 0 (finite where the
 * forward's is infinite).
 */
function varianceOf(x: Tensor, dims: number[], correction: number, keepdim: boolean): Tensor {
  const n = numelOf(dims.map((d) => x.shape[d]));
  const dev = noGrad(() => x.sub(x.mean(dims, true)));
  const out = noGrad(() => dev.mul(dev).sum(dims, keepdim).div(Math.max(0, n - correction)));
  if (!x.requiresGrad) return out;
  const kept = x.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  return record(out, "var", [x], (g) => [g.reshape(kept).mul(dev).mul(2 / (n - correction))], [dev]);
}

/**
 * Variance over `dim` (a dim, a list, or all when omitted): `Σ(x − x̄)² / max(0, N − correction)`,
 * `correction` 1 by default (`torch.var`; exported as `var` too). N − correction ≤ 0 divides by
 * zero (inf, or NaN for a zero sum) as PyTorch does. Call as `variance(x, dim, options)` or
 * `variance(x, { dim, correction, unbiased, keepdim })`. Differentiable.
 *
 * @example
 * ```ts
 * import { tensor, variance } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(variance(tensor([1, 2, 3, 4], { dtype: "f32" })).item() - 5 / 3) < 1e-6);
 * assert.deepEqual(variance(tensor([1, 2, 3, 4], { dtype: "f32" }), { correction: 0 }).item(), 1.25);
 * ```
 */
export function variance(
  x: Tensor,
  dim?: number | readonly number[] | (VarOptions & { dim?: number | readonly number[] }),
  options?: VarOptions,
): Tensor {
  checkTensor("var", "x", x);
  requireFloat("var", x);
  const o = parseVar("var", dim, options);
  const dims = dimsOf("var", x, o.dim);
  if (isHalf(x.dtype)) return varianceOf(x.to("f32"), dims, o.correction, o.keepdim).to(x.dtype);
  return varianceOf(x, dims, o.correction, o.keepdim);
}

/**
 * Standard deviation: the square root of {@link variance} with the same arguments (`torch.std`).
 * Its gradient is 0 where the result is 0 (PyTorch's rule), not NaN.
 *
 * @example
 * ```ts
 * import { std, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * const [a, b] = std(tensor([[1, 3], [2, 2]], { dtype: "f32" }), 1).toList() as number[];
 * assert.ok(Math.abs(a - Math.SQRT2) < 1e-6 && b === 0);
 * ```
 */
export function std(
  x: Tensor,
  dim?: number | readonly number[] | (VarOptions & { dim?: number | readonly number[] }),
  options?: VarOptions,
): Tensor {
  checkTensor("std", "x", x);
  requireFloat("std", x);
  const o = parseVar("std", dim, options);
  const dims = dimsOf("std", x, o.dim);
  const wide = isHalf(x.dtype) ? x.to("f32") : x;
  const v = varianceOf(wide, dims, o.correction, o.keepdim);
  const out = noGrad(() => v.sqrt());
  const result = v.requiresGrad ? record(out, "std", [v], (g) => [where(out.eq(0), 0, g.div(out.mul(2)))], [out]) : out;
  return isHalf(x.dtype) ? result.to(x.dtype) : result;
}

/** The order of a norm: a number (including ±Infinity and 0) or `"fro"` (the 2-norm). */
export type NormOrder = number | "fro";

/**
 * The vector p-norm over `dim` (a dim, a list, or every element when omitted) — `torch.norm`
 * and `torch.linalg.vector_norm`: `p` 2 (default, also `"fro"`), 1, any positive or negative
 * number (`(Σ|x|^p)^(1/p)`), `Infinity` (max |x|), `-Infinity` (min |x|), 0 (count of nonzeros).
 * Differentiable with PyTorch's rules (gradient 0, not NaN, where the norm is 0; ties of the ∞-norm
 * share the gradient). Matrix norms such as `"nuc"` are not supported.
 *
 * @example
 * ```ts
 * import { norm, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(norm(tensor([3, 4], { dtype: "f32" })).item(), 5);
 * assert.deepEqual(norm(tensor([3, -4], { dtype: "f32" }), Infinity).item(), 4);
 * ```
 */
export function norm(x: Tensor, p: NormOrder = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor("norm", "x", x);
  requireFloat("norm", x);
  if (p === "fro") p = 2;
  if (typeof p !== "number" || Number.isNaN(p)) {
    throw new TypeError(
      `norm: p must be a number (±Infinity and 0 included) or "fro", got ${describe(p)}` +
        ((p as unknown) === "nuc" ? ' (the nuclear norm "nuc" is not supported)' : ""),
    );
  }
  checkBool("norm", "keepdim", keepdim);
  const dims = dimsOf("norm", x, dim);
  [x] = autocastInputs("norm", x);
  if (isHalf(x.dtype)) return norm(x.to("f32"), p, dim, keepdim).to(x.dtype);
  const order = p;
  if (Math.abs(order) === Infinity && numelOf(dims.map((d) => x.shape[d])) === 0) {
    throw new RangeError(
      `norm: the ${order}-norm of an empty tensor is undefined (it reduces an empty dimension), as in PyTorch`,
    );
  }
  const kept = noGrad(() => {
    const a = x.abs();
    if (order === 2) return x.sumOfSquares(dims, true).sqrt();
    if (order === Infinity) return a.max(dims, true);
    if (order === -Infinity) return a.min(dims, true);
    if (order === 0) return a.ne(0).to(x.dtype).sum(dims, true);
    if (order === 1) return a.sum(dims, true);
    return a.pow(order).sum(dims, true).pow(1 / order);
  });
  const out = keepdim ? kept : kept.reshape(outShape(x, dims, false));
  if (!x.requiresGrad) return out;
  return record(out, "norm", [x], (grad) => {
    const g = grad.reshape(kept.shape);
    const zeroNorm = kept.eq(0);
    if (order === 0) return [Tensor.empty(x.shape, x.dtype).fill_(0)];
    if (order === 1) return [x.sign().mul(g)];
    if (order === 2) return [x.mul(where(zeroNorm, 0, g.div(kept)))];
    if (order === Infinity || order === -Infinity) {
      const hits = x.abs().eq(kept).to(x.dtype);
      return [x.sign().mul(hits).mul(g.div(hits.sum(dims, true)))];
    }
    if (order < 1) {
      // sgn(x)·|x|^(p−1) with 0 at x = 0, times g·‖x‖^(1−p).
      const scaled = where(x.eq(0), 0, x.sign().mul(x.abs().pow(order - 1)));
      return [scaled.mul(g.mul(kept.pow(1 - order)))];
    }
    const scale = where(zeroNorm, 0, g.div(kept.pow(order - 1)));
    const scaled = order < 2 ? x.sign().mul(x.abs().pow(order - 1)) : x.mul(x.abs().pow(order - 2));
    return [scaled.mul(scale)];
  }, [x, kept]);
}

function logical(op: "any" | "all", x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  checkTensor(op, "x", x);
  checkBool(op, "keepdim", keepdim);
  const dims = dimsOf(op, x, dim);
  const shape = outShape(x, dims, keepdim);
  if (numelOf(dims.map((d) => x.shape[d])) === 0) return full(shape, op === "all" ? 1 : 0, { dtype: "u8" });
  const truth = x.ne(0);
  return op === "any" ? truth.max(dims, keepdim) : truth.min(dims, keepdim);
}

/**
 * Whether any element (over `dim`, or all) is nonzero — `torch.any`; u8 (Axon's bool) result,
 * false over an empty dim.
 *
 * @example
 * ```ts
 * import { any, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(any(tensor([[0, 1], [0, 0]]), 1).toList(), [1, 0]);
 * ```
 */
export function any(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return logical("any", x, dim, keepdim);
}

/**
 * Whether every element (over `dim`, or all) is nonzero — `torch.all`; u8 (Axon's bool) result,
 * true over an empty dim.
 *
 * @example
 * ```ts
 * import { all, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(all(tensor([[1, 1], [0, 1]]), 1).toList(), [1, 0]);
 * ```
 */
export function all(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return logical("all", x, dim, keepdim);
}
