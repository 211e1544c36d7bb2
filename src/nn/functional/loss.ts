/**
 * Loss functions of `F`: each is the matching loss class applied once (same checks, same
 * kernels), with the class's options object.
 * @module
 */
import type { Tensor } from "../../tensor/tensor.ts";
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  type CrossEntropyOptions,
  HuberLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  type NLLOptions,
  type Reduction,
  SmoothL1Loss,
} from "../loss.ts";
import { checkOneOf } from "../../utils/check.ts";
import { checkOptions } from "../../utils/options.ts";

const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** Options with only a reduction. */
export interface ReductionOptions {
  /** How per-element losses are combined (default `"mean"`). */
  reduction?: Reduction;
}

/** Cross-entropy of logits and class indices or probabilities (see {@link CrossEntropyLoss}). */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return new CrossEntropyLoss(options).forward(input, target);
}

/** Negative log-likelihood of log-probabilities at class indices (see {@link NLLLoss}). */
export function nllLoss(input: Tensor, target: Tensor, options: NLLOptions = {}): Tensor {
  return new NLLLoss(options).forward(input, target);
}

/** Mean squared error (x − y)². */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = checkOptions<ReductionOptions>("F.mseLoss", options, ["reduction"]);
  checkOneOf("F.mseLoss", "reduction", reduction, REDUCTIONS);
  return new MSELoss(reduction).forward(input, target);
}

/** Mean absolute error |x − y|. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = checkOptions<ReductionOptions>("F.l1Loss", options, ["reduction"]);
  checkOneOf("F.l1Loss", "reduction", reduction, REDUCTIONS);
  return new L1Loss(reduction).forward(input, target);
}

/** Smooth L1 loss with threshold `beta` (see {@link SmoothL1Loss}). */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; beta?: number } = {},
): Tensor {
  return new SmoothL1Loss(options).forward(input, target);
}

/** Huber loss with threshold `delta` (see {@link HuberLoss}). */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; delta?: number } = {},
): Tensor {
  return new HuberLoss(options).forward(input, target);
}

/** Binary cross-entropy of probabilities in [0, 1] (see {@link BCELoss}). */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; weight?: Tensor | null } = {},
): Tensor {
  return new BCELoss(options).forward(input, target);
}

/** Binary cross-entropy of logits, computed stably (see {@link BCEWithLogitsLoss}). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  return new BCEWithLogitsLoss(options).forward(input, target);
}
