/**
 * Activation functions PyTorch users reach for (`F.silu`, `F.mish`, `F.elu`, `F.softplus`,
 * `F.hardswish`, `F.prelu`), composed from existing tensor ops, so their gradients come from the
 * composition. Branches that PyTorch selects with a threshold are computed on clamped inputs, so
 * the branch that is not taken never overflows and never sends NaN into the gradient.
 * @module
 */
import { clamp, where } from "../../ops/elementwise.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkNumber } from "../../utils/check.ts";
import { checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions } from "../../utils/options.ts";

/** SiLU (swish): y = x·σ(x); the same function as `F.silu`. */
export { silu } from "./activation.ts";

/**
 * Softplus as PyTorch: y = log(1 + e^(βx))/β, and y = x where βx > threshold (for numerical
 * stability; the default threshold 20 keeps f32 exact).
 *
 * @example
 * ```ts
 * import { softplus, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const close = (t: ReturnType<typeof tensor>, want: number[]) =>
 *   [...t.toArray() as Float32Array].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-4));
 * close(softplus(tensor([0, 30])), [0.6931, 30]);
 * close(softplus(tensor([1]), { beta: 2 }), [1.0635]);
 * ```
 */
export function softplus(input: Tensor, options: { beta?: number; threshold?: number } = {}): Tensor {
  checkTensor("softplus", "input", input);
  checkOptions("softplus", options, ["beta", "threshold"]);
  const beta = checkNumber("softplus", "beta", options.beta ?? 1, { lo: 0 });
  const threshold = checkNumber("softplus", "threshold", options.threshold ?? 20);
  return softplusUnchecked(input, beta, threshold);
}

/** Softplus without the argument checks (for callers that checked already). */
function softplusUnchecked(input: Tensor, beta: number, threshold: number): Tensor {
  const scaled = beta === 1 ? input : input.mul(beta);
  // exp of the clamped input: the linear branch's inputs never reach exp, so no inf·0 in backward.
  let soft = clamp(scaled, undefined, threshold).exp().log1p();
  if (beta !== 1) soft = soft.div(beta);
  return where(scaled.gt(threshold), input, soft);
}

/**
 * Mish: y = x·tanh(softplus(x)) (softplus with PyTorch's threshold 20).
 *
 * @example
 * ```ts
 * import { mish, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(mish(tensor([1])).item() - 0.8651) < 1e-4);
 * ```
 */
export function mish(input: Tensor): Tensor {
  checkTensor("mish", "input", input);
  return input.mul(softplusUnchecked(input, 1, 20).tanh());
}

/**
 * ELU: y = x for x > 0, else α·(eˣ − 1).
 *
 * @example
 * ```ts
 * import { elu, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = elu(tensor([-1, 2]), { alpha: 1 }).toArray() as Float32Array;
 * assert.ok(Math.abs(a - -0.6321) < 1e-4 && b === 2);
 * ```
 */
export function elu(input: Tensor, options: { alpha?: number } = {}): Tensor {
  checkTensor("elu", "input", input);
  checkOptions("elu", options, ["alpha"]);
  const alpha = checkNumber("elu", "alpha", options.alpha ?? 1);
  const negative = clamp(input, undefined, 0).expm1().mul(alpha);
  return where(input.gt(0), input, negative);
}

/**
 * Hardswish (MobileNetV3): y = x·min(max(x + 3, 0), 6)/6; its gradient is 0 below −3, (2x + 3)/6
 * between −3 and 3 and 1 above, as PyTorch's.
 *
 * @example
 * ```ts
 * import { hardswish, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const [a, b, c] = hardswish(tensor([-4, 1, 4])).toArray() as Float32Array;
 * assert.ok(a === 0 && Math.abs(b - 0.6667) < 1e-4 && c === 4);
 * ```
 */
export function hardswish(input: Tensor): Tensor {
  checkTensor("hardswish", "input", input);
  return input.mul(clamp(input.add(3), 0, 6)).div(6);
}

/**
 * PReLU: y = x for x > 0, else a·x, with `weight` holding one slope `[1]` or one per channel
 * `[C]` (channels are dim 1 of the input, as PyTorch).
 *
 * @example
 * ```ts
 * import { prelu, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(prelu(tensor([[-1, 2]]), tensor([0.25])).toList(), [[-0.25, 2]]);
 * ```
 */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkTensor("prelu", "input", input);
  checkTensor("prelu", "weight", weight);
  if (weight.ndim !== 1) {
    throw new RangeError(`prelu: weight must be 1-d ([1] or [channels]), got shape ${formatShape(weight.shape)}`);
  }
  const c = weight.shape[0];
  let slope = weight;
  if (c !== 1) {
    if (input.ndim < 2 || input.shape[1] !== c) {
      throw new RangeError(
        `prelu: weight has ${c} slopes but the input of shape ${formatShape(input.shape)} has ${
          input.ndim < 2 ? "no channel dim" : `${input.shape[1]} channels`
        } in dim 1`,
      );
    }
    slope = weight.reshape(input.shape.map((s, i) => (i === 1 ? s : 1)));
  }
  return where(input.gt(0), input, input.mul(slope));
}
