/**
 * `Conv2d` and the pooling layers.
 * @module
 */
import { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d, type Pair, pair, type PoolOptions } from "../ops/conv.ts";
import { zeros } from "../ops/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { biasDefault_, fans, kaimingUniformDefault_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/**
 * 2-d convolution over `[N, C, H, W]`, weight `[out, in/groups, kh, kw]`, run as im2col + GEMM.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(1, 6, 5, { padding: 2 });
 * conv.forward(zeros([64, 1, 28, 28])).shape; // [64, 6, 28, 28]
 * ```
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "Conv2d kernel size", 1);
    this.stride = pair(options.stride ?? 1, "Conv2d stride", 1);
    this.padding = pair(options.padding ?? 0, "Conv2d padding", 0);
    this.dilation = pair(options.dilation ?? 1, "Conv2d dilation", 1);
    this.groups = groups;
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(kaimingUniformDefault_(zeros(shape)));
    this.bias = (options.bias ?? true) ? new Parameter(biasDefault_(zeros([outChannels]), fans(shape).fanIn)) : null;
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

/** Shared state of the fixed-window pooling layers. */
abstract class Pool2d extends Module {
  readonly kernelSize: Pair;
  readonly options: PoolOptions;
  constructor(kernelSize: Pair, options: PoolOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = options;
  }
}

/** Max pooling (stride defaults to the kernel size). */
export class MaxPool2d extends Pool2d {
  forward(input: Tensor): Tensor { return maxPool2d(input, this.kernelSize, this.options); }
}

/** Average pooling (stride defaults to the kernel size). */
export class AvgPool2d extends Pool2d {
  forward(input: Tensor): Tensor { return avgPool2d(input, this.kernelSize, this.options); }
}

/** Average pooling to a fixed output size. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: Pair;
  constructor(outputSize: Pair) {
    super();
    this.outputSize = outputSize;
  }
  forward(input: Tensor): Tensor { return adaptiveAvgPool2d(input, this.outputSize); }
}
