/**
 * `LambdaLR`: the base learning rate times a user function of the step.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { LRScheduler, perGroup } from "./scheduler.ts";
import { describe } from "../../utils/options.ts";

/** A multiplicative factor as a function of the step index (0 at construction). */
export type LrLambda = (step: number) => number;

/**
 * The checked `lrLambda` argument of LambdaLR and MultiplicativeLR: one function per parameter
 * group (a single function serves every group).
 */
export function lrLambdasFor(
  name: string,
  lrLambda: LrLambda | readonly LrLambda[],
  groups: number,
): LrLambda[] {
  if (typeof lrLambda !== "function" && !Array.isArray(lrLambda)) {
    throw new TypeError(
      `${name}: lrLambda must be a function (epoch) => factor, or one per parameter group, got ${describe(lrLambda)}`,
    );
  }
  const fns = perGroup(name, "lrLambda", lrLambda, groups);
  fns.forEach((fn, i) => {
    if (typeof fn !== "function") {
      throw new TypeError(`${name}: lrLambda[${i}] must be a function, got ${describe(fn)}`);
    }
  });
  return fns;
}

/**
 * Sets every group's learning rate to its base learning rate times a function of the step
 * (PyTorch's `LambdaLR`): lr_t = base_lr · λ(t). Pass one function for all groups or one per
 * group. The functions are not part of the state dict (construct the scheduler with the same
 * functions when resuming).
 *
 * @example
 * ```ts
 * import { LambdaLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new LambdaLR(optimizer, (epoch) => 0.95 ** epoch);
 * // or one function per parameter group (this optimizer has one):
 * const perGroup = new LambdaLR(optimizer, [(e) => 0.95 ** e]);
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** One factor function per parameter group. */
  readonly lrLambdas: LrLambda[];

  /**
   * Creates the scheduler and takes the initial step, setting each rate to base_lr · λ(0).
   *
   * @param lrLambda a factor function, or one per parameter group
   */
  constructor(optimizer: Optimizer, lrLambda: LrLambda | readonly LrLambda[]) {
    super(optimizer);
    this.lrLambdas = lrLambdasFor(this.name, lrLambda, optimizer.paramGroups.length);
    this.start();
  }

  /** Returns base_lr · λ(t) for each group. */
  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}
