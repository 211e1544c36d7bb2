/**
 * `Conv2d` and the pooling layers.
 * @module
 */
import {
  adaptiveAvgPool2d,
  avgPool2d,
  checkPoolOptions,
  conv2d,
  maxPool2d,
  type Pair,
  pair,
  type PoolOptions,
} from "../ops/conv.ts";
import { zeros } from "../ops/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { biasDefault_, fans, kaimingUniformDefault_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { checkBool, checkInt } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  /** Step of the window (default 1). */
  stride?: Pair;
  /** Zero padding added on each side (default 0). */
  padding?: Pair;
  /** Spacing between kernel elements (default 1). */
  dilation?: Pair;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * 2-d convolution over `[N, C, H, W]`, weight `[out, in/groups, kh, kw]`, run as im2col + GEMM.
 *
 * @example
 * ```ts
 * import { Conv2d, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const conv = new Conv2d(1, 6, 5, { padding: 2 });
 * assert.deepEqual(conv.forward(zeros([64, 1, 28, 28])).shape, [64, 6, 28, 28]);
 * ```
 */
export class Conv2d extends Module {
  /** Channels C of the input. */
  readonly inChannels: number;
  /** Channels of the output (the number of filters). */
  readonly outChannels: number;
  /** Kernel height and width. */
  readonly kernelSize: [number, number];
  /** Step of the window along H and W. */
  readonly stride: [number, number];
  /** Zero padding along H and W. */
  readonly padding: [number, number];
  /** Spacing between kernel elements along H and W. */
  readonly dilation: [number, number];
  /** Number of channel groups; each output channel sees inChannels / groups inputs. */
  readonly groups: number;
  /** Filters `[outChannels, inChannels / groups, kh, kw]`, Kaiming-uniform initialised as PyTorch. */
  weight: Parameter;
  /** Per-output-channel bias `[outChannels]`, or `null` without bias. */
  bias: Parameter | null;

  /** Creates the layer; both channel counts must divide by `options.groups`. */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    checkOptions("Conv2d", options, ["stride", "padding", "dilation", "groups", "bias"]);
    checkInt("Conv2d", "inChannels", inChannels, { min: 1 });
    checkInt("Conv2d", "outChannels", outChannels, { min: 1 });
    const groups = checkInt("Conv2d", "groups", options.groups ?? 1, { min: 1 });
    const withBias = checkBool("Conv2d", "bias", options.bias ?? true);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(
        `Conv2d: inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`,
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "Conv2d kernelSize", 1);
    this.stride = pair(options.stride ?? 1, "Conv2d stride", 1);
    this.padding = pair(options.padding ?? 0, "Conv2d padding", 0);
    this.dilation = pair(options.dilation ?? 1, "Conv2d dilation", 1);
    this.groups = groups;
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(kaimingUniformDefault_(zeros(shape)));
    this.bias = withBias ? new Parameter(biasDefault_(zeros([outChannels]), fans(shape).fanIn)) : null;
  }

  /** Applies the layer: the cross-correlation of `input` with `weight`, plus `bias`. */
  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

/** Shared state of the fixed-window pooling layers. */
export abstract class Pool2d extends Module {
  /** Window height and width. */
  readonly kernelSize: Pair;
  /** Stride, padding, dilation and rounding of the window, as the functional op takes them. */
  readonly options: PoolOptions;
  /** Creates the layer; the stride defaults to the kernel size. */
  constructor(kernelSize: Pair, options: PoolOptions = {}) {
    super();
    const where = new.target.name;
    pair(kernelSize, `${where} kernelSize`, 1);
    this.kernelSize = kernelSize;
    this.options = checkPoolOptions(where, options);
  }
}

/** Max pooling (stride defaults to the kernel size). */
export class MaxPool2d extends Pool2d {
  /** Applies the layer: the maximum of each window. */
  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.options);
  }
}

/** Average pooling (stride defaults to the kernel size). */
export class AvgPool2d extends Pool2d {
  /** Applies the layer: the mean of each window. */
  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options);
  }
}

/** Average pooling to a fixed output size. */
export class AdaptiveAvgPool2d extends Module {
  /** Output height and width. */
  readonly outputSize: Pair;
  /** Creates the layer for a fixed output size. */
  constructor(outputSize: Pair) {
    super();
    pair(outputSize, "AdaptiveAvgPool2d outputSize", 1);
    this.outputSize = outputSize;
  }
  /** Applies the layer: the mean over windows sized so the output is `outputSize`. */
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
}
