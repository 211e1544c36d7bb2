/**
 * `BatchNorm1d`, `BatchNorm2d` and `LayerNorm`, composed from tensor ops (every op is one native
 * kernel; their gradients come from the composition). Under autocast they run in f32.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { ones, zeros } from "../ops/creation.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { checkBool, checkInt, checkNumber } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** Options of the batch-norm layers (PyTorch's defaults). */
export interface BatchNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Running-statistics momentum; `null` for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running mean and variance for eval mode (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the channel dim 1. Property names follow PyTorch's state-dict names
 * (`running_mean`, `running_var`, `num_batches_tracked`) so checkpoints interchange.
 */
export abstract class BatchNorm extends Module {
  /** Channels C, the size of dim 1. */
  readonly numFeatures: number;
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Weight of the new batch in the running statistics; `null` for a cumulative average. */
  readonly momentum: number | null;
  /** Per-channel scale γ `[C]`, or `null` when not affine. */
  weight: Parameter | null;
  /** Per-channel shift β `[C]`, or `null` when not affine. */
  bias: Parameter | null;
  /** Running mean `[C]` used in eval mode, or `null` when not tracked. */
  declare running_mean: Tensor | null;
  /** Running unbiased variance `[C]` used in eval mode, or `null` when not tracked. */
  declare running_var: Tensor | null;
  /** Counted as i32 (PyTorch's int64 loads with a range check). */
  declare num_batches_tracked: Tensor | null;

  /** Creates the layer for `numFeatures` channels. */
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    const where = new.target.name;
    checkOptions(where, options, ["eps", "momentum", "affine", "trackRunningStats"]);
    checkInt(where, "numFeatures", numFeatures, { min: 1 });
    this.numFeatures = numFeatures;
    this.eps = checkNumber(where, "eps", options.eps ?? 1e-5, { lo: 0 });
    this.momentum = options.momentum === undefined
      ? 0.1
      : options.momentum === null
      ? null
      : checkNumber(where, "momentum", options.momentum, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
    const affine = checkBool(where, "affine", options.affine ?? true);
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    const track = checkBool(where, "trackRunningStats", options.trackRunningStats ?? true);
    this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? zeros([], { dtype: "i32" }) : null);
  }

  /** Throws unless `input` has a shape this layer accepts. */
  protected abstract checkInput(input: Tensor): void;

  /**
   * Applies the layer: y = (x − E[x]) / √(Var[x] + ε)·γ + β per channel, from batch statistics in
   * training (which also update the running ones) and from the running statistics in eval mode.
   */
  forward(input: Tensor): Tensor {
    this.checkInput(input);
    [input] = autocastInputs("batchNorm", input);
    if (input.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `${this.constructor.name}(${this.numFeatures}): input of shape ${formatShape(input.shape)} has ${
          input.shape[1]
        } channels`,
      );
    }
    const dims = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2)];
    const statShape = input.shape.map((s, i) => (i === 1 ? s : 1));
    const useBatchStats = this.training || this.running_mean === null;
    let mean: Tensor, variance: Tensor;
    if (useBatchStats) {
      const count = input.numel / this.numFeatures;
      if (this.training && count <= 1) {
        throw new RangeError(
          `${this.constructor.name}: expected more than 1 value per channel when training, got input of shape ${
            formatShape(input.shape)
          }`,
        );
      }
      mean = input.mean(dims, true);
      variance = input.sub(mean).square().mean(dims, true);
      if (this.training && this.running_mean !== null) {
        noGrad(() => {
          this.num_batches_tracked!.copy_(this.num_batches_tracked!.add(1));
          const m = this.momentum ?? 1 / this.num_batches_tracked!.item();
          const unbiased = variance.mul(count / (count - 1)).reshape([this.numFeatures]);
          this.running_mean!.copy_(this.running_mean!.mul(1 - m).add(mean.reshape([this.numFeatures]).mul(m)));
          this.running_var!.copy_(this.running_var!.mul(1 - m).add(unbiased.mul(m)));
        });
      }
    } else {
      mean = this.running_mean!.reshape(statShape);
      variance = this.running_var!.reshape(statShape);
    }
    let out = input.sub(mean).mul(variance.add(this.eps).rsqrt());
    if (this.weight !== null) out = out.mul(this.weight.reshape(statShape)).add(this.bias!.reshape(statShape));
    return out;
  }
}

/** Batch norm over `[N, C]` or `[N, C, L]`. */
export class BatchNorm1d extends BatchNorm {
  /** Accepts `[N, C]` or `[N, C, L]`. */
  protected checkInput(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new RangeError(`BatchNorm1d: expected 2-d or 3-d input, got shape ${formatShape(input.shape)}`);
    }
  }
}

/** Batch norm over `[N, C, H, W]`. */
export class BatchNorm2d extends BatchNorm {
  /** Accepts `[N, C, H, W]`. */
  protected checkInput(input: Tensor): void {
    if (input.ndim !== 4) {
      throw new RangeError(`BatchNorm2d: expected 4-d input [N, C, H, W], got shape ${formatShape(input.shape)}`);
    }
  }
}

/** Layer normalisation over the trailing `normalizedShape` dims. */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Elementwise scale shaped `normalizedShape`, or `null` without `elementwiseAffine`. */
  weight: Parameter | null;
  /** Elementwise shift shaped `normalizedShape`, or `null` without affine or bias. */
  bias: Parameter | null;

  /** Creates the layer over trailing dims `normalizedShape` (a number means one dim). */
  constructor(
    normalizedShape: number | number[],
    options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } = {},
  ) {
    super();
    checkOptions("LayerNorm", options, ["eps", "elementwiseAffine", "bias"]);
    const dims = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(dims) || dims.length === 0) {
      throw new TypeError(
        `LayerNorm: normalizedShape must be a size or a non-empty array of sizes, got ${describe(normalizedShape)}`,
      );
    }
    dims.forEach((d) => checkInt("LayerNorm", "normalizedShape", d, { min: 1 }));
    this.normalizedShape = [...dims];
    this.eps = checkNumber("LayerNorm", "eps", options.eps ?? 1e-5, { lo: 0 });
    const affine = checkBool("LayerNorm", "elementwiseAffine", options.elementwiseAffine ?? true);
    const withBias = checkBool("LayerNorm", "bias", options.bias ?? true);
    this.weight = affine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = affine && withBias ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  /** Applies the layer: y = (x − E[x]) / √(Var[x] + ε)·γ + β over the trailing dims. */
  forward(input: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = input.shape.slice(input.ndim - k);
    if (input.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new RangeError(
        `LayerNorm: input of shape ${formatShape(input.shape)} does not end in normalized shape ${
          formatShape(this.normalizedShape)
        }`,
      );
    }
    [input] = autocastInputs("layerNorm", input);
    const dims = Array.from({ length: k }, (_, i) => input.ndim - k + i);
    const mean = input.mean(dims, true);
    const centered = input.sub(mean);
    let out = centered.mul(centered.square().mean(dims, true).add(this.eps).rsqrt());
    if (this.weight !== null) out = out.mul(this.weight);
    if (this.bias !== null) out = out.add(this.bias);
    return out;
  }
}
