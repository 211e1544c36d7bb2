/**
 * Element-wise ops composed from the elementwise kernels: `isnan`, `isinf`, `isfinite`,
 * `nanToNum`, `minimum`, `maximum`, `lerp`, `outer`.
 * @module
 */
import { dtypeInfo, isHalf } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor, TensorLike } from "../tensor/tensor.ts";
import { checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";
import { full } from "./creation.ts";
import { binary, where } from "./elementwise.ts";

/** f16/bf16 widened (exactly) to f32 so the tests below run on one float kernel. */
function wide(x: Tensor): Tensor {
  return isHalf(x.dtype) ? x.to("f32") : x;
}

function isFloat(x: Tensor): boolean {
  return dtypeInfo(x.dtype).isFloat;
}

/**
 * Where `x` is NaN (u8, Axon's bool) — `torch.isnan`. Integers are never NaN.
 *
 * @example
 * ```ts
 * import { isnan, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(isnan(tensor([1, NaN], { dtype: "f32" })).toList(), [0, 1]);
 * ```
 */
export function isnan(x: Tensor): Tensor {
  checkTensor("isnan", "x", x);
  if (!isFloat(x)) return full(x.shape, 0, { dtype: "u8" });
  const w = wide(x);
  return w.ne(w);
}

/**
 * Where `x` is +∞ or −∞ (u8) — `torch.isinf`.
 *
 * @example
 * ```ts
 * import { isinf, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(isinf(tensor([1, -Infinity, NaN], { dtype: "f32" })).toList(), [0, 1, 0]);
 * ```
 */
export function isinf(x: Tensor): Tensor {
  checkTensor("isinf", "x", x);
  if (!isFloat(x)) return full(x.shape, 0, { dtype: "u8" });
  return wide(x).abs().eq(Infinity);
}

/**
 * Where `x` is neither NaN nor ±∞ (u8) — `torch.isfinite`. Integers are always finite.
 *
 * @example
 * ```ts
 * import { isfinite, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(isfinite(tensor([1, Infinity, NaN], { dtype: "f32" })).toList(), [1, 0, 0]);
 * ```
 */
export function isfinite(x: Tensor): Tensor {
  checkTensor("isfinite", "x", x);
  if (!isFloat(x)) return full(x.shape, 1, { dtype: "u8" });
  const w = wide(x);
  return w.sub(w).eq(0); // ∞ − ∞ and NaN − NaN are NaN; every finite x − x is 0
}

/** Largest finite value of each float dtype (PyTorch's default replacement for ±∞). */
const FLOAT_MAX = { f32: 3.4028234663852886e38, f64: Number.MAX_VALUE, f16: 65504, bf16: 3.3895313892515355e38 };

/** Options of {@link nanToNum}. */
export interface NanToNumOptions {
  /** Replacement for NaN (default 0). */
  nan?: number;
  /** Replacement for +∞ (default the dtype's largest finite value). */
  posinf?: number;
  /** Replacement for −∞ (default the dtype's most negative finite value). */
  neginf?: number;
}

/**
 * Replaces NaN, +∞ and −∞ (`torch.nan_to_num`); integer tensors come back unchanged (a copy).
 * The gradient passes where `x` was finite and is 0 elsewhere.
 *
 * @example
 * ```ts
 * import { nanToNum, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nanToNum(tensor([NaN, Infinity, 2], { dtype: "f32" }), { posinf: 9 }).toList(), [0, 9, 2]);
 * ```
 */
export function nanToNum(x: Tensor, options: NanToNumOptions = {}): Tensor {
  checkTensor("nanToNum", "x", x);
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `nanToNum: options must be an object with keys { nan, posinf, neginf }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!["nan", "posinf", "neginf"].includes(key)) {
      throw new TypeError(`nanToNum: unknown option "${key}"; accepted keys: nan, posinf, neginf`);
    }
  }
  if (!isFloat(x)) return x.clone();
  const max = FLOAT_MAX[x.dtype as keyof typeof FLOAT_MAX];
  const nan = checkNumber("nanToNum", "nan", options.nan ?? 0, { allowInfinity: true });
  const posinf = checkNumber("nanToNum", "posinf", options.posinf ?? max, { allowInfinity: true });
  const neginf = checkNumber("nanToNum", "neginf", options.neginf ?? -max, { allowInfinity: true });
  return where(isnan(x), nan, where(x.eq(Infinity), posinf, where(x.eq(-Infinity), neginf, x)));
}

/**
 * Element-wise maximum with broadcasting (`torch.maximum`): NaN in either operand gives NaN.
 * Equal operands share the gradient (half each), as PyTorch.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(maximum(tensor([1, 5]), tensor([3, 2])).toList(), [3, 5]);
 * ```
 */
export function maximum(a: Tensor, b: TensorLike): Tensor {
  checkTensor("maximum", "a", a);
  return binary("maximum", a, b);
}

/**
 * Element-wise minimum with broadcasting (`torch.minimum`): NaN in either operand gives NaN.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(minimum(tensor([1, 5]), tensor([3, 2])).toList(), [1, 2]);
 * ```
 */
export function minimum(a: Tensor, b: TensorLike): Tensor {
  checkTensor("minimum", "a", a);
  return binary("minimum", a, b);
}

/**
 * Linear interpolation `start + weight·(end − start)` (`torch.lerp`), with PyTorch's two-sided
 * formula (`end − (end − start)·(1 − weight)` for weight ≥ 0.5, exact at weight 1). `weight` is a
 * number or a tensor; all three broadcast. Differentiable in start, end and a tensor weight.
 *
 * @example
 * ```ts
 * import { lerp, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(lerp(tensor([0, 10], { dtype: "f32" }), tensor([10, 20], { dtype: "f32" }), 0.25).toList(), [2.5, 12.5]);
 * ```
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorLike): Tensor {
  checkTensor("lerp", "start", start);
  checkTensor("lerp", "end", end);
  if (!isFloat(start) || !isFloat(end)) {
    throw new TypeError(`lerp: expected floating point tensors, got ${start.dtype} and ${end.dtype}`);
  }
  const diff = end.sub(start);
  if (typeof weight === "number") {
    checkNumber("lerp", "weight", weight, { allowInfinity: true });
    return Math.abs(weight) < 0.5 ? start.add(diff.mul(weight)) : end.sub(diff.mul(1 - weight));
  }
  checkTensor("lerp", "weight", weight);
  return where(weight.abs().lt(0.5), start.add(diff.mul(weight)), end.sub(diff.mul(binary("sub", 1, weight))));
}

/**
 * Outer product of two 1-d tensors: `out[i, j] = a[i]·b[j]` (`torch.outer`). Differentiable.
 *
 * @example
 * ```ts
 * import { outer, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(outer(tensor([1, 2]), tensor([3, 4, 5])).toList(), [[3, 4, 5], [6, 8, 10]]);
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor("outer", "a", a);
  checkTensor("outer", "b", b);
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(
      `outer: expected two 1-d tensors, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}
