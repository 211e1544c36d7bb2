/**
 * Loss functions with PyTorch's semantics and `reduction: "mean" | "sum" | "none"`; each has
 * `compute(output, target)` as the seed calls it (and `forward`, the same). Under autocast every
 * loss runs in f32: half inputs are cast up first (PyTorch's autocast lists all losses as f32 ops).
 * @module
 */
import { indexAsI32 } from "../ops/index_dtype.ts";
import { arange } from "../ops/creation.ts";
import { checkIgnoreIndex, crossEntropyIndices, notIgnored } from "../ops/cross_entropy.ts";
import { unary, where } from "../ops/elementwise.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNumber } from "../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** A probability: [0, 1]. */
const UNIT = { lo: 0, hi: 1, loInclusive: true, hiInclusive: true };

/** How per-element losses are combined. */
export type Reduction = "mean" | "sum" | "none";

function checkReduction(reduction: string, loss: string): Reduction {
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new RangeError(`${loss}: reduction must be "mean", "sum" or "none", got ${describe(reduction)}`);
  }
  return reduction;
}

/** Checks a loss's options object (keys, `reduction`) and returns it. */
function lossOptions<T extends { reduction?: Reduction }>(name: string, options: unknown, keys: readonly string[]): T {
  return checkOptions<T>(name, options, ["reduction", ...keys]);
}

/** Checks that a loss was given two tensors. */
function lossInputs(name: string, input: unknown, target: unknown): void {
  checkTensor(name, "input", input);
  checkTensor(name, "target", target);
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

function requireSameShape(name: string, input: Tensor, target: Tensor): void {
  lossInputs(name, input, target);
  if (input.ndim !== target.ndim || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(
      `${name}: input shape ${formatShape(input.shape)} and target shape ${formatShape(target.shape)} differ`,
    );
  }
  if (target.dtype !== input.dtype) {
    throw new TypeError(`${name}: target dtype ${target.dtype} differs from input dtype ${input.dtype}`);
  }
}

/** Base of the losses: `compute` is the seed's name for `forward`. */
export abstract class Loss {
  /** How per-element losses are combined into the result. */
  readonly reduction: Reduction;
  /** Validates `reduction`; `name` labels the error when it is invalid. */
  constructor(reduction: Reduction, name: string) {
    this.reduction = checkReduction(reduction, name);
  }
  /** The loss of `input` against `target`. */
  abstract forward(input: Tensor, target: Tensor): Tensor;
  /** Same as `forward` (the seed's spelling). */
  compute(input: Tensor, target: Tensor): Tensor {
    return this.forward(input, target);
  }
}

/** Options of {@link CrossEntropyLoss}. */
export interface CrossEntropyOptions {
  /** Per-class weights `[C]`. */
  weight?: Tensor | null;
  /** Class index whose samples are skipped (default -100). */
  ignoreIndex?: number;
  /** How per-sample losses are combined (default `"mean"`). */
  reduction?: Reduction;
  /** ε in [0, 1]: targets become (1−ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits `[N, C]` (or `[N, C, d…]`, or `[C]`) and targets given as class
 * indices (i32 or i64 `[N]`, PyTorch's int64) or probabilities (f32, same shape as the input). Log-softmax and NLL run
 * fused in one stable native kernel for index targets.
 */
export class CrossEntropyLoss extends Loss {
  /** Per-class weights `[C]`, or `null` for equal weights. */
  readonly weight: Tensor | null;
  /** Class index whose samples contribute neither loss nor gradient. */
  readonly ignoreIndex: number;
  /** Label smoothing ε in [0, 1]. */
  readonly labelSmoothing: number;

  /** Creates the loss; the defaults are PyTorch's (mean, ignoreIndex −100, no smoothing). */
  constructor(options: CrossEntropyOptions = {}) {
    super(
      lossOptions<CrossEntropyOptions>("CrossEntropyLoss", options, ["weight", "ignoreIndex", "labelSmoothing"])
        .reduction ?? "mean",
      "CrossEntropyLoss",
    );
    this.weight = checkOptionalTensor("CrossEntropyLoss", "weight", options.weight);
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, "CrossEntropyLoss");
    this.labelSmoothing = checkNumber("CrossEntropyLoss", "labelSmoothing", options.labelSmoothing ?? 0, UNIT);
  }

  /** Computes −Σ_c w_c·t_c·log softmax(x)_c per sample, with `t` one-hot (smoothed) or given probabilities. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("CrossEntropyLoss", input, target);
    [input, target] = autocastInputs("crossEntropyLoss", input, target);
    if (input.ndim === 0) throw new RangeError("CrossEntropyLoss: input must have a class dimension, got a 0-d tensor");
    const unbatched = input.ndim === 1;
    const logits = unbatched ? input.unsqueeze(0) : input;
    const c = logits.shape[1];
    if (this.weight !== null && (this.weight.ndim !== 1 || this.weight.shape[0] !== c)) {
      throw new RangeError(
        `CrossEntropyLoss: weight of shape ${formatShape(this.weight.shape)} does not match ${c} classes`,
      );
    }
    // Classes last, everything else flattened into rows.
    const rows = logits.ndim > 2 ? logits.movedim(1, -1).reshape([-1, c]) : logits;
    if (target.dtype === "i32" || target.dtype === "i64") {
      target = indexAsI32("CrossEntropyLoss", "target", target, {
        lo: 0,
        hi: c - 1,
        what: `${c} classes`,
        also: this.ignoreIndex,
      });
      const expected = [logits.shape[0], ...logits.shape.slice(2)];
      const t = unbatched ? target.unsqueeze(0) : target;
      if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
        throw new RangeError(
          `CrossEntropyLoss: class-index target of shape ${formatShape(target.shape)} does not match input ${
            formatShape(input.shape)
          } (expected ${formatShape(unbatched ? [] : expected)})`,
        );
      }
      const { loss, weightSum } = crossEntropyIndices(
        rows,
        t.reshape([-1]),
        this.weight,
        this.ignoreIndex,
        this.labelSmoothing,
      );
      if (this.reduction === "none") return loss.reshape(unbatched ? [] : expected);
      if (this.reduction === "sum") return loss.sum();
      return loss.sum().div(weightSum);
    }
    if (
      target.dtype !== input.dtype || target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])
    ) {
      throw new TypeError(
        `CrossEntropyLoss: target must be class indices (i32 or i64) or probabilities (${input.dtype}, shape ${
          formatShape(input.shape)
        }); got ${target.dtype} ${formatShape(target.shape)}`,
      );
    }
    const probs = unbatched ? target.unsqueeze(0) : target;
    const probRows = probs.ndim > 2 ? probs.movedim(1, -1).reshape([-1, c]) : probs;
    const smoothed = this.labelSmoothing > 0
      ? probRows.mul(1 - this.labelSmoothing).add(this.labelSmoothing / c)
      : probRows;
    let terms = rows.logSoftmax(1).mul(smoothed);
    if (this.weight !== null) terms = terms.mul(this.weight);
    const loss = terms.sum(1).neg();
    if (this.reduction === "none") return loss.reshape(unbatched ? [] : [logits.shape[0], ...logits.shape.slice(2)]);
    return reduce(loss, this.reduction);
  }
}

/** Options of {@link NLLLoss}. */
export interface NLLOptions {
  /** Per-class weights `[C]`. */
  weight?: Tensor | null;
  /** Class index whose samples are skipped (default -100). */
  ignoreIndex?: number;
  /** How per-sample losses are combined (default `"mean"`, divided by the summed target weights). */
  reduction?: Reduction;
}

/** Negative log-likelihood of log-probabilities `[N, C]` at class indices (i32 or i64 `[N]`). */
export class NLLLoss extends Loss {
  /** Per-class weights `[C]`, or `null` for equal weights. */
  readonly weight: Tensor | null;
  /** Class index whose samples contribute neither loss nor gradient. */
  readonly ignoreIndex: number;
  /** Creates the loss; the defaults are PyTorch's (mean, ignoreIndex −100). */
  constructor(options: NLLOptions = {}) {
    super(lossOptions<NLLOptions>("NLLLoss", options, ["weight", "ignoreIndex"]).reduction ?? "mean", "NLLLoss");
    this.weight = checkOptionalTensor("NLLLoss", "weight", options.weight);
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, "NLLLoss");
  }
  /** Computes −w_t·x[n, t] per sample `n` with target class `t`. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("NLLLoss", input, target);
    [input, target] = autocastInputs("nllLoss", input, target);
    if (input.ndim !== 2) {
      throw new RangeError(`NLLLoss: expected input of shape [N, C], got ${formatShape(input.shape)}`);
    }
    if (target.dtype !== "i32" && target.dtype !== "i64") {
      throw new TypeError(`NLLLoss: target must be class indices of dtype i32 or i64, got ${target.dtype}`);
    }
    if (target.ndim !== 1 || target.shape[0] !== input.shape[0]) {
      throw new RangeError(
        `NLLLoss: target shape ${formatShape(target.shape)} does not match input ${
          formatShape(input.shape)
        } (expected [${input.shape[0]}])`,
      );
    }
    const c = input.shape[1];
    target = indexAsI32("NLLLoss", "target", target, {
      lo: 0,
      hi: c - 1,
      what: `${c} classes`,
      also: this.ignoreIndex,
    });
    const valid = notIgnored(target, this.ignoreIndex);
    const bad = valid.mul(target.lt(0).add(target.ge(c))).sum().item();
    if (bad > 0) {
      throw new RangeError(`NLLLoss: target values must be in [0, ${c}) or equal ignoreIndex ${this.ignoreIndex}`);
    }
    const onehot = target.unsqueeze(1).eq(arange(0, c, 1, { dtype: "i32" }));
    const perClass = this.weight === null ? onehot.to(input.dtype) : where(onehot, this.weight, 0);
    const w = perClass.mul(valid.unsqueeze(1).to(input.dtype));
    const loss = input.mul(w).sum(1).neg();
    if (this.reduction === "none") return loss;
    if (this.reduction === "sum") return loss.sum();
    return loss.sum().div(w.sum());
  }
}

/** Mean squared error. */
export class MSELoss extends Loss {
  /** Creates the loss with the given reduction. */
  constructor(reduction: Reduction = "mean") {
    super(reduction, "MSELoss");
  }
  /** Computes (x − y)² elementwise, then reduces; shapes and dtypes must match. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("MSELoss", input, target);
    [input, target] = autocastInputs("mseLoss", input, target);
    requireSameShape("MSELoss", input, target);
    return reduce(input.sub(target).square(), this.reduction);
  }
}

/** Mean absolute error. */
export class L1Loss extends Loss {
  /** Creates the loss with the given reduction. */
  constructor(reduction: Reduction = "mean") {
    super(reduction, "L1Loss");
  }
  /** Computes |x − y| elementwise, then reduces; shapes and dtypes must match. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("L1Loss", input, target);
    [input, target] = autocastInputs("l1Loss", input, target);
    requireSameShape("L1Loss", input, target);
    return reduce(input.sub(target).abs(), this.reduction);
  }
}

/** Smooth L1: 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 0 gives L1). */
export class SmoothL1Loss extends Loss {
  /** Threshold β ≥ 0 between the quadratic and the linear part. */
  readonly beta: number;
  /** Creates the loss; β defaults to 1. */
  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(
      lossOptions<{ reduction?: Reduction }>("SmoothL1Loss", options, ["beta"]).reduction ?? "mean",
      "SmoothL1Loss",
    );
    this.beta = checkNumber("SmoothL1Loss", "beta", options.beta ?? 1, { lo: 0, loInclusive: true });
  }
  /** Computes the smooth L1 loss elementwise, then reduces; shapes and dtypes must match. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("SmoothL1Loss", input, target);
    [input, target] = autocastInputs("smoothL1Loss", input, target);
    requireSameShape("SmoothL1Loss", input, target);
    const d = input.sub(target).abs();
    if (this.beta === 0) return reduce(d, this.reduction);
    return reduce(where(d.lt(this.beta), d.square().mul(0.5 / this.beta), d.sub(0.5 * this.beta)), this.reduction);
  }
}

/** Huber: 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ). */
export class HuberLoss extends Loss {
  /** Threshold δ > 0 between the quadratic and the linear part. */
  readonly delta: number;
  /** Creates the loss; δ defaults to 1. */
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(lossOptions<{ reduction?: Reduction }>("HuberLoss", options, ["delta"]).reduction ?? "mean", "HuberLoss");
    this.delta = checkNumber("HuberLoss", "delta", options.delta ?? 1, { lo: 0 });
  }
  /** Computes the Huber loss elementwise, then reduces; shapes and dtypes must match. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("HuberLoss", input, target);
    [input, target] = autocastInputs("huberLoss", input, target);
    requireSameShape("HuberLoss", input, target);
    const d = input.sub(target).abs();
    return reduce(
      where(d.lt(this.delta), d.square().mul(0.5), d.sub(0.5 * this.delta).mul(this.delta)),
      this.reduction,
    );
  }
}

/** Binary cross-entropy on probabilities; logs are clamped at −100 as PyTorch does. */
export class BCELoss extends Loss {
  /** Elementwise rescaling weight (broadcast against the input), or `null`. */
  readonly weight: Tensor | null;
  /** Creates the loss with an optional rescaling weight. */
  constructor(options: { reduction?: Reduction; weight?: Tensor | null } = {}) {
    super(lossOptions<{ reduction?: Reduction }>("BCELoss", options, ["weight"]).reduction ?? "mean", "BCELoss");
    this.weight = checkOptionalTensor("BCELoss", "weight", options.weight);
  }
  /** Computes −w·(y·log x + (1 − y)·log(1 − x)) elementwise, then reduces; `input` must lie in [0, 1]. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("BCELoss", input, target);
    [input, target] = autocastInputs("bceLoss", input, target);
    requireSameShape("BCELoss", input, target);
    const outside = input.lt(0).add(input.gt(1)).sum().item();
    if (outside > 0) throw new RangeError("BCELoss: all input elements must be between 0 and 1");
    const logP = input.log().clamp(-100);
    const log1mP = input.neg().add(1).log().clamp(-100);
    let loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
    if (this.weight !== null) loss = loss.mul(this.weight);
    return reduce(loss, this.reduction);
  }
}

/** Sigmoid + binary cross-entropy in one numerically stable expression, with `posWeight`. */
export class BCEWithLogitsLoss extends Loss {
  /** Elementwise rescaling weight (broadcast against the input), or `null`. */
  readonly weight: Tensor | null;
  /** Weight of positive examples, broadcast against the target (one per class), or `null`. */
  readonly posWeight: Tensor | null;
  /** Creates the loss with optional rescaling and positive-class weights. */
  constructor(options: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(
      lossOptions<{ reduction?: Reduction }>("BCEWithLogitsLoss", options, ["weight", "posWeight"]).reduction ?? "mean",
      "BCEWithLogitsLoss",
    );
    this.weight = checkOptionalTensor("BCEWithLogitsLoss", "weight", options.weight);
    this.posWeight = checkOptionalTensor("BCEWithLogitsLoss", "posWeight", options.posWeight);
  }
  /** Computes −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))) elementwise, then reduces. */
  forward(input: Tensor, target: Tensor): Tensor {
    lossInputs("BCEWithLogitsLoss", input, target);
    [input, target] = autocastInputs("bceWithLogitsLoss", input, target);
    requireSameShape("BCEWithLogitsLoss", input, target);
    // log(1 + e^{-|x|}) + max(-x, 0) = -log σ(x), stable for any x
    const logSigmoidNeg = unary("log1p", input.abs().neg().exp()).add(input.neg().relu());
    let loss: Tensor;
    if (this.posWeight === null) {
      loss = target.neg().add(1).mul(input).add(logSigmoidNeg);
    } else {
      const coefficient = this.posWeight.sub(1).mul(target).add(1);
      loss = target.neg().add(1).mul(input).add(coefficient.mul(logSigmoidNeg));
    }
    if (this.weight !== null) loss = loss.mul(this.weight);
    return reduce(loss, this.reduction);
  }
}
