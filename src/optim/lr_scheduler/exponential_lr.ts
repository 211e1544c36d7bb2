/**
 * `ExponentialLR`: multiply the learning rate by `gamma` every step.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";

/**
 * Decays every group's learning rate by `gamma` every step (PyTorch's `ExponentialLR`):
 *
 * lr_t = lr_{t-1} · γ (computed recursively, as PyTorch); in closed form lr_t = base_lr · γ^t.
 *
 * @example
 * ```ts
 * import { ExponentialLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // Multiply by gamma each epoch
 * const scheduler = new ExponentialLR(optimizer, 0.95);
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor per step. */
  gamma: number;

  /**
   * Creates the scheduler and takes the initial step (which keeps the current rates).
   *
   * @param gamma decay factor per step (> 0)
   */
  constructor(optimizer: Optimizer, gamma: number) {
    super(optimizer);
    this.gamma = checkNumber(this.name, "gamma", gamma, { lo: 0 });
    this.start();
  }

  /** Multiplies the current rates by γ. */
  protected computeLr(): number[] {
    // The initial step keeps the current lr (so resuming does not step one ahead).
    if (this.isInitial) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** Returns base_lr · γ^t. */
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }

  /** Saves `gamma` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { gamma: this.gamma };
  }

  /** Restores `gamma` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    this.gamma = checkNumber(`${this.name}.loadStateDict`, "gamma", state.gamma, { lo: 0 });
  }
}
