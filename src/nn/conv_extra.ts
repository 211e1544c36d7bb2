/**
 * `Conv1d` and `ConvTranspose2d`, with PyTorch's weight layouts, defaults, initialisation and
 * state-dict names (`weight`, `bias`), so PyTorch checkpoints load as they are.
 * @module
 */
import { type Pair, pair } from "../ops/conv.ts";
import { conv1d, convTranspose2d, type Padding1d } from "../ops/conv_transpose.ts";
import { zeros } from "../ops/creation.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";
import { biasDefault_, fans, kaimingUniformDefault_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { pyValue } from "./repr.ts";

/** PyTorch's `_ConvNd.extra_repr` over sizes given as tuples. */
function convRepr(
  m: {
    inChannels: number;
    outChannels: number;
    groups: number;
    bias: unknown;
  },
  sizes: Record<"kernel" | "stride" | "padding" | "dilation" | "outputPadding", number[]>,
  named: string | null = null,
): string {
  let s = `${m.inChannels}, ${m.outChannels}, kernel_size=${pyValue(sizes.kernel)}, stride=${pyValue(sizes.stride)}`;
  if (named !== null) s += `, padding=${named}`; // PyTorch prints the string unquoted
  else if (sizes.padding.some((p) => p !== 0)) s += `, padding=${pyValue(sizes.padding)}`;
  if (sizes.dilation.some((d) => d !== 1)) s += `, dilation=${pyValue(sizes.dilation)}`;
  if (sizes.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyValue(sizes.outputPadding)}`;
  if (m.groups !== 1) s += `, groups=${m.groups}`;
  if (m.bias === null) s += ", bias=False";
  return s;
}

/** Options of {@link Conv1d}. */
export interface Conv1dOptions {
  /** Step of the window (default 1). */
  stride?: number;
  /** Zero padding added on both ends (default 0), or `"same"` (stride 1) / `"valid"`. */
  padding?: Padding1d;
  /** Spacing between kernel elements (default 1). */
  dilation?: number;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
}

/** Checks channel counts against groups for `where`; returns groups. */
function checkChannels(where: string, inChannels: number, outChannels: number, groups: unknown): number {
  checkInt(where, "inChannels", inChannels, { min: 1 });
  checkInt(where, "outChannels", outChannels, { min: 1 });
  const g = checkInt(where, "groups", groups, { min: 1 });
  if (inChannels % g !== 0 || outChannels % g !== 0) {
    throw new RangeError(
      `${where}: inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${g}`,
    );
  }
  return g;
}

/**
 * 1-d convolution over `[N, C, L]`, weight `[out, in/groups, k]` (PyTorch's `nn.Conv1d`).
 *
 * @example
 * ```ts
 * import { Conv1d, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const conv = new Conv1d(3, 8, 5, { padding: 2 });
 * assert.deepEqual(conv.forward(randn(4, 3, 100)).shape, [4, 8, 100]);
 * ```
 */
export class Conv1d extends Module {
  /** Channels C of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Kernel length. */
  readonly kernelSize: number;
  /** Step of the window. */
  readonly stride: number;
  /** Zero padding on both ends, or `"same"` / `"valid"`. */
  readonly padding: number | "same" | "valid";
  /** Spacing between kernel elements. */
  readonly dilation: number;
  /** Number of channel groups. */
  readonly groups: number;
  /** Filters `[outChannels, inChannels / groups, kernelSize]`, Kaiming-uniform initialised as PyTorch. */
  weight: Parameter;
  /** Per-output-channel bias `[outChannels]`, or `null` without bias. */
  bias: Parameter | null;

  /** Creates the layer; both channel counts must divide by `options.groups`. */
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    super();
    const o = checkOptions<Conv1dOptions>("Conv1d", options, ["stride", "padding", "dilation", "groups", "bias"]);
    this.groups = checkChannels("Conv1d", inChannels, outChannels, o.groups ?? 1);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = checkInt("Conv1d", "kernelSize", kernelSize, { min: 1 });
    this.stride = checkInt("Conv1d", "stride", o.stride ?? 1, { min: 1 });
    const padding = o.padding ?? 0;
    this.padding = padding === "same" || padding === "valid"
      ? padding
      : checkInt("Conv1d", "padding", padding, { min: 0 });
    if (this.padding === "same" && this.stride !== 1) {
      throw new RangeError(`Conv1d: padding "same" needs stride 1, got stride ${this.stride}`);
    }
    this.dilation = checkInt("Conv1d", "dilation", o.dilation ?? 1, { min: 1 });
    const withBias = checkBool("Conv1d", "bias", o.bias ?? true);
    const shape = [outChannels, inChannels / this.groups, kernelSize];
    this.weight = new Parameter(kaimingUniformDefault_(zeros(shape)));
    this.bias = withBias ? new Parameter(biasDefault_(zeros([outChannels]), fans(shape).fanIn)) : null;
  }

  /** PyTorch's description: `3, 8, kernel_size=(5,), stride=(1,), padding=(2,)`. */
  override extraRepr(): string {
    return convRepr(this, {
      kernel: [this.kernelSize],
      stride: [this.stride],
      padding: [typeof this.padding === "number" ? this.padding : 0],
      dilation: [this.dilation],
      outputPadding: [0],
    }, typeof this.padding === "string" ? this.padding : null);
  }

  /** Applies the layer: the cross-correlation of `input [N, C, L]` with `weight`, plus `bias`. */
  forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

/** Options of {@link ConvTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Step of the (forward) convolution whose gradient this is (default 1). */
  stride?: Pair;
  /** Padding of the matching convolution: `dilation·(k − 1) − padding` zeros around the input (default 0). */
  padding?: Pair;
  /** Extra rows/columns added to one side of the output (default 0; < stride or dilation). */
  outputPadding?: Pair;
  /** Number of blocked connections from input to output channels (default 1). */
  groups?: number;
  /** Whether to learn an additive bias (default true). */
  bias?: boolean;
  /** Spacing between kernel elements (default 1). */
  dilation?: Pair;
}

/**
 * 2-d transposed convolution (PyTorch's `nn.ConvTranspose2d`, sometimes called a deconvolution):
 * weight `[in, out/groups, kh, kw]`; output height `(H − 1)·stride − 2·padding + dilation·(kh − 1)
 * + outputPadding + 1`.
 *
 * @example
 * ```ts
 * import { ConvTranspose2d, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const up = new ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * assert.deepEqual(up.forward(randn(1, 16, 7, 7)).shape, [1, 8, 14, 14]);
 * ```
 */
export class ConvTranspose2d extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** Kernel height and width. */
  readonly kernelSize: [number, number];
  /** Stride along H and W. */
  readonly stride: [number, number];
  /** Padding along H and W (of the matching convolution). */
  readonly padding: [number, number];
  /** Extra output size along H and W. */
  readonly outputPadding: [number, number];
  /** Number of channel groups. */
  readonly groups: number;
  /** Spacing between kernel elements along H and W. */
  readonly dilation: [number, number];
  /** Filters `[inChannels, outChannels / groups, kh, kw]`, initialised as PyTorch. */
  weight: Parameter;
  /** Per-output-channel bias `[outChannels]`, or `null` without bias. */
  bias: Parameter | null;

  /** Creates the layer; both channel counts must divide by `options.groups`. */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvTranspose2dOptions = {}) {
    super();
    const o = checkOptions<ConvTranspose2dOptions>("ConvTranspose2d", options, [
      "stride",
      "padding",
      "outputPadding",
      "groups",
      "bias",
      "dilation",
    ]);
    this.groups = checkChannels("ConvTranspose2d", inChannels, outChannels, o.groups ?? 1);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, "ConvTranspose2d kernelSize", 1);
    this.stride = pair(o.stride ?? 1, "ConvTranspose2d stride", 1);
    this.padding = pair(o.padding ?? 0, "ConvTranspose2d padding", 0);
    this.outputPadding = pair(o.outputPadding ?? 0, "ConvTranspose2d outputPadding", 0);
    this.dilation = pair(o.dilation ?? 1, "ConvTranspose2d dilation", 1);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new RangeError(
          `ConvTranspose2d: outputPadding [${this.outputPadding}] must be smaller than either stride [${this.stride}] or dilation [${this.dilation}]`,
        );
      }
    }
    const withBias = checkBool("ConvTranspose2d", "bias", o.bias ?? true);
    const shape = [inChannels, outChannels / this.groups, ...this.kernelSize];
    this.weight = new Parameter(kaimingUniformDefault_(zeros(shape)));
    this.bias = withBias ? new Parameter(biasDefault_(zeros([outChannels]), fans(shape).fanIn)) : null;
  }

  /** PyTorch's description: `16, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)`. */
  override extraRepr(): string {
    return convRepr(this, {
      kernel: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      outputPadding: this.outputPadding,
    });
  }

  /** Applies the layer to `input [N, inChannels, H, W]`. */
  forward(input: Tensor): Tensor {
    return convTranspose2d(
      input,
      this.weight,
      this.bias,
      this.stride,
      this.padding,
      this.outputPadding,
      this.groups,
      this.dilation,
    );
  }
}
