/**
 * `MultiStepLR`: multiply the learning rate by `gamma` at each milestone step.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";

function checkMilestones(scheduler: string, milestones: unknown): number[] {
  if (!Array.isArray(milestones)) throw new TypeError(`${scheduler}: milestones must be an array of step indices`);
  milestones.forEach((m, i) => {
    if (typeof m !== "number" || !Number.isInteger(m) || m < 1) {
      throw new RangeError(
        `${scheduler}: invalid milestone ${String(m)} at index ${i}; milestones must be integers >= 1`,
      );
    }
    if (i > 0 && m <= milestones[i - 1]) {
      throw new RangeError(
        `${scheduler}: milestones must be strictly increasing, but ${m} at index ${i} follows ${milestones[i - 1]}`,
      );
    }
  });
  return [...milestones];
}

/**
 * Decays every group's learning rate by `gamma` each time the step count reaches a milestone
 * (PyTorch's `MultiStepLR`):
 *
 * lr_t = lr_{t-1} · γ when t is a milestone, else lr_{t-1};
 * in closed form lr_t = base_lr · γ^(number of milestones ≤ t).
 *
 * @example
 * ```ts
 * import { Linear, MultiStepLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // Decay at epochs 30, 60, 90
 * const scheduler = new MultiStepLR(optimizer, [30, 60, 90], 0.1);
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** Step indices at which to decay (strictly increasing integers >= 1). */
  milestones: number[];
  /** Multiplicative factor of the decay. */
  gamma: number;

  /**
   * Creates the scheduler and takes the initial step.
   *
   * @param milestones strictly increasing step indices (integers >= 1)
   * @param gamma decay factor (> 0; default 0.1)
   */
  constructor(optimizer: Optimizer, milestones: readonly number[], gamma = 0.1) {
    super(optimizer);
    this.milestones = checkMilestones(this.name, milestones);
    this.gamma = checkNumber(this.name, "gamma", gamma, { lo: 0 });
    this.start();
  }

  /** Multiplies the current rates by γ when the step is a milestone. */
  protected computeLr(): number[] {
    if (!this.milestones.includes(this.lastEpoch)) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** Returns base_lr · γ^(number of milestones ≤ t). */
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }

  /** Saves `milestones` and `gamma` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }

  /** Restores `milestones` and `gamma` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const milestones = checkMilestones(`${this.name}.loadStateDict`, state.milestones);
    const gamma = checkNumber(`${this.name}.loadStateDict`, "gamma", state.gamma, { lo: 0 });
    this.milestones = milestones;
    this.gamma = gamma;
  }
}
