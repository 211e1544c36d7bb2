/**
 * Normalisation functions of `F`: `layerNorm` and `normalize`.
 * @module
 */
import { autocastInputs } from "../../autograd/amp/policy.ts";
import { where } from "../../ops/elementwise.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkInt, checkNumber } from "../../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions, describe } from "../../utils/options.ts";

/**
 * Layer normalisation over the trailing dims `normalizedShape` (PyTorch's `F.layer_norm`):
 * `(x − E[x]) / √(Var[x] + eps) · weight + bias`, the variance biased (divided by n).
 *
 * @example
 * ```ts
 * import { F, randn } from "@axon/ml";
 *
 * const y = F.layerNorm(randn(4, 6), [6]); // each row: mean 0, variance ≈ 1
 * ```
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  checkTensor("F.layerNorm", "input", input);
  weight = checkOptionalTensor("F.layerNorm", "weight", weight);
  bias = checkOptionalTensor("F.layerNorm", "bias", bias);
  checkNumber("F.layerNorm", "eps", eps, { lo: 0, loInclusive: true });
  const dims = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(dims) || dims.length === 0) {
    throw new TypeError(
      `F.layerNorm: normalizedShape must be a size or a non-empty array of sizes, got ${describe(normalizedShape)}`,
    );
  }
  dims.forEach((d) => checkInt("F.layerNorm", "normalizedShape", d, { min: 1 }));
  const k = dims.length;
  const tail = input.shape.slice(input.ndim - k);
  if (input.ndim < k || tail.some((d, i) => d !== dims[i])) {
    throw new RangeError(
      `F.layerNorm: input of shape ${formatShape(input.shape)} does not end in normalized shape ${formatShape(dims)}`,
    );
  }
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t !== null && (t.ndim !== k || t.shape.some((d, i) => d !== dims[i]))) {
      throw new RangeError(
        `F.layerNorm: ${name} of shape ${formatShape(t.shape)} must have shape ${formatShape(dims)}`,
      );
    }
  }
  [input] = autocastInputs("layerNorm", input);
  const axes = Array.from({ length: k }, (_, i) => input.ndim - k + i);
  const centered = input.sub(input.mean(axes, true));
  let out = centered.mul(centered.square().mean(axes, true).add(eps).rsqrt());
  if (weight !== null) out = out.mul(weight);
  if (bias !== null) out = out.add(bias);
  return out;
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Exponent of the norm (default 2). */
  p?: number;
  /** Dim normalised over (default 1). */
  dim?: number;
  /** Lower bound of the divisor (default 1e-12). */
  eps?: number;
}

/**
 * `x / max(‖x‖_p, eps)` along `dim` (PyTorch's `F.normalize`); a zero vector stays zero with a
 * finite gradient.
 *
 * @example
 * ```ts
 * import { F, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = F.normalize(tensor([[3, 4]], { dtype: "f32" })).toArray() as Float32Array;
 * assert.ok(Math.abs(a - 0.6) < 1e-6 && Math.abs(b - 0.8) < 1e-6);
 * ```
 */
export function normalize(input: Tensor, options: NormalizeOptions = {}): Tensor {
  checkTensor("F.normalize", "input", input);
  const { p = 2, dim = 1, eps = 1e-12 } = checkOptions<NormalizeOptions>("F.normalize", options, ["p", "dim", "eps"]);
  checkNumber("F.normalize", "p", p, { lo: 0 });
  checkInt("F.normalize", "dim", dim);
  checkNumber("F.normalize", "eps", eps, { lo: 0, loInclusive: true });
  const powered = p === 2 ? input.square() : input.abs().pow(p);
  const total = powered.sum(dim, true);
  const zero = total.eq(0);
  const norm = where(zero, 0, where(zero, 1, total).pow(1 / p)); // no NaN gradient at a zero vector
  return input.div(norm.clamp(eps));
}
