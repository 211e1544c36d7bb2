/**
 * `Dropout`: zeroes elements with probability p in training, scaling the rest by 1/(1−p).
 * @module
 */
import { bernoulli } from "../ops/random.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { checkBool } from "../utils/check.ts";
import { describe } from "../utils/options.ts";
import { checkTensor } from "../utils/check_tensor.ts";

/** Throws unless the dropout probability `p` is a number in [0, 1]. */
function checkProbability(where: string, p: unknown): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new RangeError(
      `${where}: probability p has to be between 0 and 1, but got ${typeof p === "number" ? p : describe(p)}`,
    );
  }
}

/** Functional dropout; identity when not training or p = 0. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  checkTensor("dropout", "input", input);
  checkProbability("dropout", p);
  checkBool("dropout", "training", training);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const keep = bernoulli(input.shape as number[], 1 - p, { dtype: input.dtype });
  return input.mul(keep.mul(1 / (1 - p)));
}

/** Randomly zeroes elements during training (inverted dropout); a no-op in eval mode. */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Creates the layer; `p` must be in [0, 1]. */
  constructor(p = 0.5) {
    super();
    checkProbability("Dropout", p);
    this.p = p;
  }
  /** Applies the layer: zeroes elements with probability p and scales the rest by 1/(1−p) in training. */
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
}
