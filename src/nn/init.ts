/**
 * Parameter initialisation as PyTorch does it, from the global seeded generator.
 * @module
 */
import { uniform } from "../ops/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";

/** fan_in and fan_out of a weight: `[out, in, ...kernel]`. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new RangeError(`fan in/out need at least 2 dims, got shape [${shape.join(", ")}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Fills `t` in place from U(low, high). */
export function uniform_(t: Tensor, low: number, high: number): Tensor {
  noGrad(() => t.copy_(uniform(t.shape as number[], low, high)));
  return t;
}

/**
 * PyTorch's default for Linear/Conv weights: `kaiming_uniform_(w, a=√5)`, i.e. U(−b, b) with
 * b = gain·√(3/fan_in), gain = √(2/(1+a²)) — which simplifies to b = 1/√fan_in.
 */
export function kaimingUniformDefault_(weight: Tensor): Tensor {
  const { fanIn } = fans(weight.shape);
  const gain = Math.sqrt(2 / (1 + 5));
  const bound = fanIn > 0 ? gain * Math.sqrt(3 / fanIn) : 0;
  return uniform_(weight, -bound, bound);
}

/** PyTorch's default bias rule: U(−1/√fan_in, 1/√fan_in). */
export function biasDefault_(bias: Tensor, fanIn: number): Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform_(bias, -bound, bound);
}
