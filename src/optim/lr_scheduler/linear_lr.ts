/**
 * `LinearLR`: scale the learning rate by a factor moving linearly from `startFactor` to `endFactor`.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";
import { checkOptions } from "../../utils/options.ts";

/** Options of {@link LinearLR} (PyTorch's defaults). */
export interface LinearLROptions {
  /** Factor at step 0, in (0, 1]; default 1/3. */
  startFactor?: number;
  /** Factor from step `totalIters` on, in [0, 1]; default 1. */
  endFactor?: number;
  /** Steps over which the factor moves, an integer >= 1; default 5. */
  totalIters?: number;
}

/**
 * Multiplies every group's base learning rate by a factor that moves linearly from
 * `startFactor` to `endFactor` over `totalIters` steps, then stays (PyTorch's `LinearLR`):
 *
 * lr_t = base_lr · (s + (e − s) · min(t, T) / T),
 *
 * computed recursively as PyTorch does: lr_0 = base_lr · s and, for 0 < t ≤ T,
 * lr_t = lr_{t−1} · (1 + (e − s) / (T · s + (t − 1)(e − s))).
 *
 * @example
 * ```ts
 * import { Linear, LinearLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // Warm up from 0.25·lr to lr over 20 steps
 * const scheduler = new LinearLR(optimizer, { startFactor: 0.25, totalIters: 20 });
 * ```
 */
export class LinearLR extends LRScheduler {
  /** Factor at step 0. */
  startFactor: number;
  /** Factor from step `totalIters` on. */
  endFactor: number;
  /** Steps over which the factor moves. */
  totalIters: number;

  /** Creates the scheduler and takes the initial step, scaling each rate by `startFactor`. */
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer);
    if (arguments.length > 2) {
      throw new TypeError(
        `${this.name}: takes (optimizer, options); pass { startFactor, endFactor, totalIters } instead of positional numbers`,
      );
    }
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = checkOptions<LinearLROptions>(this.name, options, [
      "startFactor",
      "endFactor",
      "totalIters",
    ]);
    this.startFactor = checkNumber(this.name, "startFactor", startFactor, { lo: 0, hi: 1, hiInclusive: true });
    this.endFactor = checkNumber(this.name, "endFactor", endFactor, {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    });
    this.totalIters = checkInt(this.name, "totalIters", totalIters, 1);
    this.start();
  }

  /** Scales the current rates by the step's ratio of factors (by `startFactor` at t = 0). */
  protected computeLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T, lastEpoch: t } = this;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (this.isInitial || t > T) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (T * s + (t - 1) * (e - s))));
  }

  /** Returns base_lr · (s + (e − s) · min(t, T) / T). */
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T, lastEpoch: t } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(T, t)) / T));
  }

  /** Saves `startFactor`, `endFactor` and `totalIters` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  /** Restores `startFactor`, `endFactor` and `totalIters` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const s = checkNumber(where, "startFactor", state.startFactor, { lo: 0, hi: 1, hiInclusive: true });
    const e = checkNumber(where, "endFactor", state.endFactor, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
    const T = checkInt(where, "totalIters", state.totalIters, 1);
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = T;
  }
}
