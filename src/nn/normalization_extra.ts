/**
 * `GroupNorm`, `RMSNorm` and `InstanceNorm2d`: modules over the functions in
 * `functional/normalization_extra.ts`, with PyTorch's options (as an options object that refuses
 * unknown keys) and state-dict names (`weight`, `bias`, `running_mean`, `running_var`,
 * `num_batches_tracked`).
 * @module
 */
import { ones, zeros } from "../ops/creation.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt, checkNumber } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";
import { F32_EPS, groupNorm, instanceNorm, normalizedDims, rmsNorm } from "./functional/normalization_extra.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
}

/**
 * Group normalisation over `[N, C, …]`: channels split into `numGroups` groups, each normalised
 * per sample; then a per-channel affine map (PyTorch's `GroupNorm`).
 *
 * @example
 * ```ts
 * import { GroupNorm, randn } from "@axon/ml";
 *
 * const norm = new GroupNorm(4, 32);              // 4 groups of 8 channels
 * const y = norm.forward(randn([2, 32, 8, 8]));
 * ```
 */
export class GroupNorm extends Module {
  /** Number of groups. */
  readonly numGroups: number;
  /** Channels C (dim 1). */
  readonly numChannels: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Per-channel scale `[C]` (ones), or `null` without `affine`. */
  weight: Parameter | null;
  /** Per-channel shift `[C]` (zeros), or `null` without `affine`. */
  bias: Parameter | null;

  /** Creates the layer; `numChannels` must be divisible by `numGroups`. */
  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions("GroupNorm", options, ["eps", "affine"]);
    this.numGroups = checkInt("GroupNorm", "numGroups", numGroups, { min: 1 });
    this.numChannels = checkInt("GroupNorm", "numChannels", numChannels, { min: 1 });
    if (numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    }
    this.eps = checkNumber("GroupNorm", "eps", options.eps ?? 1e-5, { lo: 0, loInclusive: true });
    const affine = checkBool("GroupNorm", "affine", options.affine ?? true);
    this.weight = affine ? new Parameter(ones([numChannels])) : null;
    this.bias = affine ? new Parameter(zeros([numChannels])) : null;
  }

  /** Applies the layer to `[N, C, …]`. */
  forward(input: Tensor): Tensor {
    if (input.ndim >= 2 && input.shape[1] !== this.numChannels) {
      throw new RangeError(
        `GroupNorm(${this.numGroups}, ${this.numChannels}): input of shape ${formatShape(input.shape)} has ${
          input.shape[1]
        } channels`,
      );
    }
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

/** Options of {@link RMSNorm}. */
export interface RMSNormOptions {
  /** Added to the mean square; `null` (default) means the machine epsilon of the input's dtype, as PyTorch. */
  eps?: number | null;
  /** Learn an elementwise scale (default true). */
  elementwiseAffine?: boolean;
}

/** Machine epsilon per floating dtype (PyTorch's `torch.finfo(dtype).eps`). */
const MACHINE_EPS: Record<string, number> = {
  f32: F32_EPS,
  f64: 2.220446049250313e-16,
  f16: 0.0009765625,
  bf16: 0.0078125,
};

/**
 * RMS normalisation over the trailing `normalizedShape` dims: y = x / √(mean(x²) + ε)·γ
 * (PyTorch's `RMSNorm`; state-dict key `weight`).
 *
 * @example
 * ```ts
 * import { randn, RMSNorm } from "@axon/ml";
 *
 * const norm = new RMSNorm(64);
 * const y = norm.forward(randn([8, 10, 64]));
 * ```
 */
export class RMSNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** ε, or `null` for the input dtype's machine epsilon. */
  readonly eps: number | null;
  /** Elementwise scale shaped `normalizedShape` (ones), or `null` without `elementwiseAffine`. */
  weight: Parameter | null;

  /** Creates the layer over trailing dims `normalizedShape` (a number means one dim). */
  constructor(normalizedShape: number | number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = normalizedDims("RMSNorm", normalizedShape);
    checkOptions("RMSNorm", options, ["eps", "elementwiseAffine"]);
    this.eps = options.eps === undefined || options.eps === null
      ? null
      : checkNumber("RMSNorm", "eps", options.eps, { lo: 0, loInclusive: true });
    const affine = checkBool("RMSNorm", "elementwiseAffine", options.elementwiseAffine ?? true);
    this.weight = affine ? new Parameter(ones(this.normalizedShape)) : null;
  }

  /** Applies the layer over the trailing dims. */
  forward(input: Tensor): Tensor {
    const eps = this.eps ?? MACHINE_EPS[input.dtype] ?? F32_EPS;
    return rmsNorm(input, this.normalizedShape, { weight: this.weight, eps });
  }
}

/** Options of {@link InstanceNorm2d} (PyTorch's defaults). */
export interface InstanceNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new statistics in the running ones (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale and shift (default false, unlike BatchNorm). */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode (default false). */
  trackRunningStats?: boolean;
}

/**
 * Instance normalisation over `[N, C, H, W]` (or unbatched `[C, H, W]`): each channel of each
 * image is normalised by its own statistics (PyTorch's `InstanceNorm2d`). With
 * `trackRunningStats`, training updates `running_mean`/`running_var` and eval mode uses them.
 *
 * @example
 * ```ts
 * import { InstanceNorm2d, randn } from "@axon/ml";
 *
 * const norm = new InstanceNorm2d(3, { affine: true });
 * const y = norm.forward(randn([2, 3, 16, 16]));
 * ```
 */
export class InstanceNorm2d extends Module {
  /** Channels C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of the new statistics in the running ones. */
  readonly momentum: number;
  /** Per-channel scale `[C]`, or `null` without `affine`. */
  weight: Parameter | null;
  /** Per-channel shift `[C]`, or `null` without `affine`. */
  bias: Parameter | null;
  /** Running mean `[C]`, or `null` without `trackRunningStats`. */
  declare running_mean: Tensor | null;
  /** Running unbiased variance `[C]`, or `null` without `trackRunningStats`. */
  declare running_var: Tensor | null;
  /** Kept for PyTorch's state-dict layout; instance norm never counts batches (as PyTorch). */
  declare num_batches_tracked: Tensor | null;

  /** Creates the layer for `numFeatures` channels. */
  constructor(numFeatures: number, options: InstanceNormOptions = {}) {
    super();
    const where = "InstanceNorm2d";
    checkOptions(where, options, ["eps", "momentum", "affine", "trackRunningStats"]);
    this.numFeatures = checkInt(where, "numFeatures", numFeatures, { min: 1 });
    this.eps = checkNumber(where, "eps", options.eps ?? 1e-5, { lo: 0, loInclusive: true });
    this.momentum = checkNumber(where, "momentum", options.momentum ?? 0.1, {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    });
    const affine = checkBool(where, "affine", options.affine ?? false);
    const track = checkBool(where, "trackRunningStats", options.trackRunningStats ?? false);
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? zeros([], { dtype: "i32" }) : null);
  }

  /** Applies the layer: instance statistics in training (or without running ones), running ones in eval. */
  forward(input: Tensor): Tensor {
    if (input.ndim !== 3 && input.ndim !== 4) {
      throw new RangeError(`InstanceNorm2d: expected [N, C, H, W] or [C, H, W], got shape ${formatShape(input.shape)}`);
    }
    const batched = input.ndim === 4 ? input : input.unsqueeze(0);
    if (batched.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `InstanceNorm2d(${this.numFeatures}): input of shape ${formatShape(input.shape)} has ${
          batched.shape[1]
        } channels`,
      );
    }
    const out = instanceNorm(batched, {
      runningMean: this.running_mean,
      runningVar: this.running_var,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || this.running_mean === null,
      momentum: this.momentum,
      eps: this.eps,
    });
    return input.ndim === 4 ? out : out.squeeze(0);
  }
}
