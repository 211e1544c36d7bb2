/**
 * `WarmupLR`: linear warm-up from 0 to the base learning rate.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";

/**
 * Linear warm-up to the base learning rate over `warmupSteps` steps, then constant:
 *
 * lr_t = base_lr · min(1, t / warmupSteps)
 *
 * so the learning rate is 0 at construction (t = 0) and reaches base_lr at t = warmupSteps.
 * It equals PyTorch's `LambdaLR(optimizer, lambda t: min(1.0, t / warmup_steps))`. To warm up
 * and then decay, combine it with another scheduler in a {@link SequentialLR}.
 *
 * @example
 * ```ts
 * import { Linear, SGD, WarmupLR } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // Linear warm-up for 1000 steps
 * const scheduler = new WarmupLR(optimizer, 1000);
 * for (let step = 0; step < 10; step++) {
 *   optimizer.step(); // one training step
 *   scheduler.step(optimizer);
 * }
 * ```
 */
export class WarmupLR extends LRScheduler {
  /** Number of warm-up steps. */
  warmupSteps: number;

  /**
   * Creates the scheduler and takes the initial step, setting every rate to 0.
   *
   * @param warmupSteps number of steps to reach the base learning rate (an integer >= 1)
   */
  constructor(optimizer: Optimizer, warmupSteps: number) {
    super(optimizer);
    this.warmupSteps = checkInt(this.name, "warmupSteps", warmupSteps, 1);
    this.start();
  }

  /** Returns base_lr · min(1, t / warmupSteps). */
  protected computeLr(): number[] {
    return this.baseLrs.map((base) => base * Math.min(1, this.lastEpoch / this.warmupSteps));
  }

  /** Saves `warmupSteps` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { warmupSteps: this.warmupSteps };
  }

  /** Restores `warmupSteps` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    this.warmupSteps = checkInt(`${this.name}.loadStateDict`, "warmupSteps", state.warmupSteps, 1);
  }
}
