/**
 * `MultiplicativeLR`: multiply the learning rate by a user factor at every step.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { LRScheduler } from "./scheduler.ts";
import { type LrLambda, lrLambdasFor } from "./lambda_lr.ts";
import { describe } from "../../utils/options.ts";

/**
 * Multiplies every group's current learning rate by λ(t) at each step t ≥ 1 (PyTorch's
 * `MultiplicativeLR`): lr_t = lr_{t−1} · λ(t). One function for all groups or one per group;
 * the functions are not part of the state dict.
 *
 * @example
 * ```ts
 * import { Linear, MultiplicativeLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new MultiplicativeLR(optimizer, () => 0.95);
 * ```
 */
export class MultiplicativeLR extends LRScheduler {
  /** One factor function per parameter group. */
  readonly lrLambdas: LrLambda[];

  /** Creates the scheduler and takes the initial step (rates unchanged). */
  constructor(optimizer: Optimizer, lrLambda: LrLambda | readonly LrLambda[]) {
    super(optimizer);
    this.lrLambdas = lrLambdasFor(this.name, lrLambda, optimizer.paramGroups.length);
    this.start();
  }

  /** lr · λ(t) for each group (unchanged at the initial step). */
  protected computeLr(): number[] {
    if (this.isInitial) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) => {
      const factor = this.lrLambdas[i](this.lastEpoch);
      if (typeof factor !== "number" || !Number.isFinite(factor)) {
        throw new RangeError(
          `${this.name}: lrLambda returned ${
            describe(factor)
          } at step ${this.lastEpoch}; it must return a finite number`,
        );
      }
      return g.lr * factor;
    });
  }
}
