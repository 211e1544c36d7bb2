/**
 * Parameter initialisation as PyTorch does it, from the global seeded generator.
 * @module
 */
import { uniform } from "../ops/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { checkInt, checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";

/** fan_in and fan_out of a weight: `[out, in, ...kernel]`. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (!Array.isArray(shape)) throw new TypeError(`fans: shape must be an array of sizes, got ${describe(shape)}`);
  if (shape.length < 2) {
    throw new RangeError(`fans: fan in/out need a shape of at least 2 dims, got shape [${shape.join(", ")}]`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Fills `t` in place from U(low, high). */
export function uniform_(t: Tensor, low: number, high: number): Tensor {
  checkTensor("uniform_", "t", t);
  checkNumber("uniform_", "low", low);
  checkNumber("uniform_", "high", high);
  noGrad(() => t.copy_(uniform(t.shape as number[], low, high)));
  return t;
}

/**
 * PyTorch's default for Linear/Conv weights: `kaiming_uniform_(w, a=√5)`, i.e. U(−b, b) with
 * b = gain·√(3/fan_in), gain = √(2/(1+a²)) — which simplifies to b = 1/√fan_in.
 */
export function kaimingUniformDefault_(weight: Tensor): Tensor {
  const { fanIn } = fans(checkTensor("kaimingUniformDefault_", "weight", weight).shape);
  const gain = Math.sqrt(2 / (1 + 5));
  const bound = fanIn > 0 ? gain * Math.sqrt(3 / fanIn) : 0;
  return uniform_(weight, -bound, bound);
}

/** PyTorch's default bias rule: U(−1/√fan_in, 1/√fan_in). */
export function biasDefault_(bias: Tensor, fanIn: number): Tensor {
  checkTensor("biasDefault_", "bias", bias);
  checkInt("biasDefault_", "fanIn", fanIn, { min: 0 });
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform_(bias, -bound, bound);
}
