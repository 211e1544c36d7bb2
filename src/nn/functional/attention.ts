/**
 * `scaledDotProductAttention` (PyTorch's `F.scaled_dot_product_attention`), composed from matmul,
 * softmax and the seeded dropout.
 * @module
 */
import { arange } from "../../ops/creation.ts";
import { dtypeInfo } from "../../tensor/dtype.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkBool, checkNumber } from "../../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions } from "../../utils/options.ts";
import { dropout } from "../dropout.ts";

/** Options of {@link scaledDotProductAttention}. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`: boolean (u8) where 1 = may attend (PyTorch's SDPA convention,
   * the opposite of MultiheadAttention's), or a float mask added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0, as PyTorch). */
  dropoutP?: number;
  /** Query i attends to keys ≤ i (cannot be combined with `attnMask`). */
  isCausal?: boolean;
  /** Multiplier of q·kᵀ (default 1/√E). */
  scale?: number | null;
}

/**
 * `softmax(q·kᵀ·scale + mask)·v` over `query [..., L, E]`, `key [..., S, E]`, `value [..., S, Ev]`
 * → `[..., L, Ev]` (leading dims broadcast).
 *
 * @example
 * ```ts
 * import { F, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const q = randn(2, 4, 10, 16); // [N, heads, L, E]
 * assert.deepEqual(F.scaledDotProductAttention(q, q, q, { isCausal: true }).shape, [2, 4, 10, 16]);
 * ```
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const where = "F.scaledDotProductAttention";
  checkTensor(where, "query", query);
  checkTensor(where, "key", key);
  checkTensor(where, "value", value);
  const o = checkOptions<ScaledDotProductAttentionOptions>(where, options, [
    "attnMask",
    "dropoutP",
    "isCausal",
    "scale",
  ]);
  const mask = checkOptionalTensor(where, "attnMask", o.attnMask);
  const p = checkNumber(where, "dropoutP", o.dropoutP ?? 0, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
  const isCausal = checkBool(where, "isCausal", o.isCausal ?? false);
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new RangeError(
      `${where}: query, key and value must be at least 2-d [..., L, E], got ${formatShape(query.shape)}, ${
        formatShape(key.shape)
      }, ${formatShape(value.shape)}`,
    );
  }
  const [l, e] = query.shape.slice(-2);
  const [s, ek] = key.shape.slice(-2);
  if (ek !== e || value.shape[value.ndim - 2] !== s) {
    throw new RangeError(
      `${where}: shapes do not fit query [..., L, E], key [..., S, E], value [..., S, Ev]: ${
        formatShape(query.shape)
      }, ${formatShape(key.shape)}, ${formatShape(value.shape)}`,
    );
  }
  if (isCausal && mask !== null) throw new RangeError(`${where}: attnMask cannot be given together with isCausal`);
  const scale = o.scale ?? 1 / Math.sqrt(e);
  checkNumber(where, "scale", scale);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale); // [..., L, S]
  if (isCausal) {
    const future = arange(0, s, 1, { dtype: "i32" }).unsqueeze(0).gt(arange(0, l, 1, { dtype: "i32" }).unsqueeze(1));
    scores = scores.maskedFill(future, -Infinity);
  } else if (mask !== null) {
    if (mask.dtype === "u8") scores = scores.maskedFill(mask.eq(0), -Infinity);
    else if (dtypeInfo(mask.dtype).isFloat) scores = scores.add(mask.to(scores.dtype));
    else throw new TypeError(`${where}: attnMask must be boolean (u8) or float, got ${mask.dtype}`);
  }
  return dropout(scores.softmax(-1), p, p > 0).matmul(value);
}
