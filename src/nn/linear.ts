/**
 * `Linear`: y = x·Wᵀ + b.
 * @module
 */
import { zeros } from "../ops/creation.ts";
import { linear } from "../ops/matmul.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { biasDefault_, kaimingUniformDefault_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { checkBool, checkInt } from "../utils/check.ts";

/**
 * A fully connected layer; weight `[outFeatures, inFeatures]`, bias `[outFeatures]`, initialised
 * as PyTorch does.
 *
 * @example
 * ```ts
 * import { Linear, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const fc = new Linear(784, 256);
 * assert.deepEqual(fc.forward(zeros([64, 784])).shape, [64, 256]);
 * ```
 */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** Weight `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** Bias `[outFeatures]`, or `null` without bias. */
  bias: Parameter | null;

  /** Creates the layer, initialised from U(−1/√inFeatures, 1/√inFeatures) as PyTorch. */
  constructor(inFeatures: number, outFeatures: number, bias = true) {
    super();
    checkInt("Linear", "inFeatures", inFeatures, { min: 1 });
    checkInt("Linear", "outFeatures", outFeatures, { min: 1 });
    checkBool("Linear", "bias", bias);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(kaimingUniformDefault_(zeros([outFeatures, inFeatures])));
    this.bias = bias ? new Parameter(biasDefault_(zeros([outFeatures]), inFeatures)) : null;
  }

  /** Applies the layer: y = x·Wᵀ + b over the last dim of `input`. */
  forward(input: Tensor): Tensor {
    if (input.ndim === 0 || input.shape[input.ndim - 1] !== this.inFeatures) {
      throw new RangeError(
        `Linear(${this.inFeatures}, ${this.outFeatures}): input of shape ${
          formatShape(input.shape)
        } does not end in ${this.inFeatures} features`,
      );
    }
    return linear(input, this.weight, this.bias);
  }
}
