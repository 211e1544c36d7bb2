/**
 * `StepLR`: multiply the learning rate by `gamma` every `stepSize` steps.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";

/**
 * Decays every group's learning rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`):
 *
 * lr_t = lr_{t-1} · γ when t > 0 and t mod stepSize = 0, else lr_{t-1};
 * in closed form lr_t = base_lr · γ^⌊t / stepSize⌋.
 *
 * The update is applied to the groups' current `lr` (chainable, as PyTorch), so other changes to
 * the learning rate compose with it.
 *
 * @example
 * ```ts
 * import { Adam, Linear, StepLR } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const optimizer = new Adam(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new StepLR(optimizer, 10, 0.1); // 0.1 for steps 0–9, 0.01 for 10–19, …
 * for (let epoch = 0; epoch < 15; epoch++) {
 *   optimizer.step(); // one epoch of training
 *   scheduler.step(optimizer);
 * }
 * assert.ok(Math.abs(optimizer.getLr() - 0.01) < 1e-12);
 * ```
 */
export class StepLR extends LRScheduler {
  /** Period of the decay, in steps. */
  stepSize: number;
  /** Multiplicative factor of the decay. */
  gamma: number;

  /**
   * Creates the scheduler and takes the initial step.
   *
   * @param stepSize period of the decay (an integer >= 1)
   * @param gamma decay factor (> 0; default 0.1)
   */
  constructor(optimizer: Optimizer, stepSize: number, gamma = 0.1) {
    super(optimizer);
    this.stepSize = checkInt(this.name, "stepSize", stepSize, 1);
    this.gamma = checkNumber(this.name, "gamma", gamma, { lo: 0 });
    this.start();
  }

  /** Multiplies the current rates by γ at every multiple of `stepSize`. */
  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** Returns base_lr · γ^⌊t / stepSize⌋. */
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  /** Saves `stepSize` and `gamma` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  /** Restores `stepSize` and `gamma` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const stepSize = checkInt(`${this.name}.loadStateDict`, "stepSize", state.stepSize, 1);
    const gamma = checkNumber(`${this.name}.loadStateDict`, "gamma", state.gamma, { lo: 0 });
    this.stepSize = stepSize;
    this.gamma = gamma;
  }
}
