/**
 * `MultiplicativeLR`: multiply the learning rate by a user factor at every step.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { LRScheduler, perGroup } from "./scheduler.ts";
import type { LrLambda } from "./lambda_lr.ts";
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
    if (typeof lrLambda !== "function" && !Array.isArray(lrLambda)) {
      throw new TypeError(
        `${this.name}: lrLambda must be a function (epoch) => factor, or one per parameter group, got ${
          describe(lrLambda)
        }`,
      );
    }
    this.lrLambdas = perGroup(this.name, "lrLambda", lrLambda, optimizer.paramGroups.length);
    this.lrLambdas.forEach((fn, i) => {
      if (typeof fn !== "function") {
        throw new TypeError(`${this.name}: lrLambda[${i}] must be a function, got ${describe(fn)}`);
      }
    });
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
