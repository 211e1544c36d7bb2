/**
 * Normalisation functions (`F.groupNorm`, `F.rmsNorm`, `F.instanceNorm`) composed from tensor ops
 * (each op one native kernel; gradients come from the composition). Under autocast they run in
 * f32, under the same policy entries as LayerNorm and BatchNorm.
 * @module
 */
import { noGrad } from "../../autograd/grad_mode.ts";
import { autocastInputs } from "../../autograd/amp/policy.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkInt, checkNumber } from "../../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions, describe } from "../../utils/options.ts";

/** Machine epsilon of f32, PyTorch's RMSNorm default `eps` (`torch.finfo(torch.float32).eps`). */
export const F32_EPS = 1.1920928955078125e-7;

/** `[1, C, 1, …]` for an input of `ndim` dims with `c` channels in dim 1. */
function channelShape(ndim: number, c: number): number[] {
  return Array.from({ length: ndim }, (_, i) => (i === 1 ? c : 1));
}

/** Multiplies by `weight` and adds `bias` per channel (dim 1), each optional. */
function affinePerChannel(out: Tensor, weight: Tensor | null, bias: Tensor | null): Tensor {
  const shape = channelShape(out.ndim, out.shape[1]);
  if (weight !== null) out = out.mul(weight.reshape(shape));
  if (bias !== null) out = out.add(bias.reshape(shape));
  return out;
}

/** Throws unless `t` is null or a 1-d tensor of `c` elements. */
function checkPerChannel(where: string, name: string, t: Tensor | null, c: number): void {
  if (t !== null && (t.ndim !== 1 || t.shape[0] !== c)) {
    throw new RangeError(`${where}: ${name} must have shape [${c}] (one per channel), got ${formatShape(t.shape)}`);
  }
}

/** Options of {@link groupNorm}. */
export interface GroupNormFunctionOptions {
  /** Per-channel scale `[C]`. */
  weight?: Tensor | null;
  /** Per-channel shift `[C]`. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Group normalisation (Wu & He 2018): the C channels of each sample are split into `numGroups`
 * groups, and each group is normalised by its own mean and biased variance over its channels and
 * spatial positions: y = (x − E[x]) / √(Var[x] + ε)·γ + β (γ, β per channel).
 *
 * @example
 * ```ts
 * import { groupNorm, ones, randn, zeros } from "@axon/ml";
 *
 * const y = groupNorm(randn([2, 6, 4, 4]), 3, { weight: ones([6]), bias: zeros([6]) });
 * ```
 */
export function groupNorm(input: Tensor, numGroups: number, options: GroupNormFunctionOptions = {}): Tensor {
  const where = "groupNorm";
  checkTensor(where, "input", input);
  checkInt(where, "numGroups", numGroups, { min: 1 });
  checkOptions(where, options, ["weight", "bias", "eps"]);
  const weight = checkOptionalTensor(where, "weight", options.weight);
  const bias = checkOptionalTensor(where, "bias", options.bias);
  const eps = checkNumber(where, "eps", options.eps ?? 1e-5, { lo: 0, loInclusive: true });
  if (input.ndim < 2) {
    throw new RangeError(`${where}: expected an input [N, C, …] of at least 2 dims, got ${formatShape(input.shape)}`);
  }
  const c = input.shape[1];
  if (c % numGroups !== 0) {
    throw new RangeError(
      `${where}: ${c} channels (dim 1 of ${formatShape(input.shape)}) do not split into ${numGroups} groups`,
    );
  }
  checkPerChannel(where, "weight", weight, c);
  checkPerChannel(where, "bias", bias, c);
  [input] = autocastInputs("layerNorm", input);
  const n = input.shape[0];
  if (input.numel === 0) return affinePerChannel(input.mul(1), weight, bias);
  const grouped = input.reshape([n, numGroups, -1]);
  const mean = grouped.mean(2, true);
  const centered = grouped.sub(mean);
  const normed = centered.mul(centered.square().mean(2, true).add(eps).rsqrt()).reshape(input.shape as number[]);
  return affinePerChannel(normed, weight, bias);
}

/** Options of {@link rmsNorm}. */
export interface RMSNormFunctionOptions {
  /** Elementwise scale shaped `normalizedShape`. */
  weight?: Tensor | null;
  /** Added to the mean square; default f32's machine epsilon, as PyTorch (`eps=None`). */
  eps?: number;
}

/**
 * RMS normalisation (Zhang & Sennrich 2019) over the trailing `normalizedShape` dims:
 * y = x / √(mean(x²) + ε)·γ.
 *
 * @example
 * ```ts
 * import { ones, randn, rmsNorm } from "@axon/ml";
 *
 * const y = rmsNorm(randn([4, 16]), [16], { weight: ones([16]) });
 * ```
 */
export function rmsNorm(
  input: Tensor,
  normalizedShape: number | number[],
  options: RMSNormFunctionOptions = {},
): Tensor {
  const where = "rmsNorm";
  checkTensor(where, "input", input);
  const dims = normalizedDims(where, normalizedShape);
  checkOptions(where, options, ["weight", "eps"]);
  const weight = checkOptionalTensor(where, "weight", options.weight);
  const eps = checkNumber(where, "eps", options.eps ?? F32_EPS, { lo: 0, loInclusive: true });
  const k = dims.length;
  if (input.ndim < k || input.shape.slice(input.ndim - k).some((d, i) => d !== dims[i])) {
    throw new RangeError(
      `${where}: input of shape ${formatShape(input.shape)} does not end in normalized shape ${formatShape(dims)}`,
    );
  }
  if (weight !== null && (weight.ndim !== k || weight.shape.some((d, i) => d !== dims[i]))) {
    throw new RangeError(
      `${where}: weight must have the normalized shape ${formatShape(dims)}, got ${formatShape(weight.shape)}`,
    );
  }
  [input] = autocastInputs("layerNorm", input);
  const axes = Array.from({ length: k }, (_, i) => input.ndim - k + i);
  const out = input.mul(input.square().mean(axes, true).add(eps).rsqrt());
  return weight === null ? out : out.mul(weight);
}

/** `normalizedShape` as a checked list of sizes. */
export function normalizedDims(where: string, normalizedShape: unknown): number[] {
  const dims = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(dims) || dims.length === 0) {
    throw new TypeError(
      `${where}: normalizedShape must be a size or a non-empty array of sizes, got ${describe(normalizedShape)}`,
    );
  }
  dims.forEach((d) => checkInt(where, "normalizedShape", d, { min: 1 }));
  return [...dims];
}

/** Options of {@link instanceNorm}. */
export interface InstanceNormFunctionOptions {
  /** Running mean `[C]`, updated in place when `useInputStats` (training). */
  runningMean?: Tensor | null;
  /** Running unbiased variance `[C]`, updated in place when `useInputStats`. */
  runningVar?: Tensor | null;
  /** Per-channel scale `[C]`. */
  weight?: Tensor | null;
  /** Per-channel shift `[C]`. */
  bias?: Tensor | null;
  /** Normalise by each instance's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running ones (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Instance normalisation (Ulyanov et al. 2016): every channel of every sample of `[N, C, …]` is
 * normalised by its own mean and biased variance over the spatial dims. When running statistics
 * are given and `useInputStats`, they move toward the batch average of the instance means and of
 * the unbiased instance variances, as PyTorch's `F.instance_norm`:
 * r ← (1 − m)·r + m·mean_N(stat).
 *
 * @example
 * ```ts
 * import { instanceNorm, randn } from "@axon/ml";
 *
 * const y = instanceNorm(randn([2, 3, 8, 8])); // each [8, 8] plane has mean 0, variance ≈ 1
 * ```
 */
export function instanceNorm(input: Tensor, options: InstanceNormFunctionOptions = {}): Tensor {
  const where = "instanceNorm";
  checkTensor(where, "input", input);
  checkOptions(where, options, ["runningMean", "runningVar", "weight", "bias", "useInputStats", "momentum", "eps"]);
  const runningMean = checkOptionalTensor(where, "runningMean", options.runningMean);
  const runningVar = checkOptionalTensor(where, "runningVar", options.runningVar);
  const weight = checkOptionalTensor(where, "weight", options.weight);
  const bias = checkOptionalTensor(where, "bias", options.bias);
  const useInputStats = options.useInputStats ?? true;
  if (typeof useInputStats !== "boolean") {
    throw new TypeError(`${where}: useInputStats must be true or false, got ${describe(useInputStats)}`);
  }
  const momentum = checkNumber(where, "momentum", options.momentum ?? 0.1, {
    lo: 0,
    hi: 1,
    loInclusive: true,
    hiInclusive: true,
  });
  const eps = checkNumber(where, "eps", options.eps ?? 1e-5, { lo: 0, loInclusive: true });
  if (input.ndim < 3) {
    throw new RangeError(
      `${where}: expected an input [N, C, …] with at least one spatial dim, got ${formatShape(input.shape)}`,
    );
  }
  const c = input.shape[1];
  for (
    const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], [
      "bias",
      bias,
    ]] as const
  ) {
    checkPerChannel(where, name, t, c);
  }
  if ((runningMean === null) !== (runningVar === null)) {
    throw new TypeError(`${where}: pass both runningMean and runningVar, or neither`);
  }
  if (!useInputStats && runningMean === null) {
    throw new TypeError(`${where}: useInputStats false needs runningMean and runningVar`);
  }
  [input] = autocastInputs("batchNorm", input);
  const spatial = Array.from({ length: input.ndim - 2 }, (_, i) => i + 2);
  const count = input.numel / (input.shape[0] * c);
  let mean: Tensor, variance: Tensor;
  if (useInputStats) {
    if (count <= 1) {
      throw new RangeError(
        `${where}: expected more than 1 spatial element per channel, got input of shape ${formatShape(input.shape)}`,
      );
    }
    mean = input.mean(spatial, true);
    variance = input.sub(mean).square().mean(spatial, true);
    if (runningMean !== null) {
      noGrad(() => {
        const batchMean = mean.reshape([input.shape[0], c]).mean(0);
        const batchVar = variance.reshape([input.shape[0], c]).mean(0).mul(count / (count - 1));
        runningMean.copy_(runningMean.mul(1 - momentum).add(batchMean.mul(momentum)));
        runningVar!.copy_(runningVar!.mul(1 - momentum).add(batchVar.mul(momentum)));
      });
    }
  } else {
    const shape = channelShape(input.ndim, c);
    mean = runningMean!.reshape(shape);
    variance = runningVar!.reshape(shape);
  }
  return affinePerChannel(input.sub(mean).mul(variance.add(eps).rsqrt()), weight, bias);
}
