/**
 * `ConstantLR`: a constant factor on the learning rate for the first `totalIters` steps.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";
import { checkOptions } from "../../utils/options.ts";

/** Options of {@link ConstantLR} (PyTorch's defaults). */
export interface ConstantLROptions {
  /** The factor until step `totalIters`, in [0, 1]; default 1/3. */
  factor?: number;
  /** Steps during which the factor applies, an integer >= 0; default 5. */
  totalIters?: number;
}

/**
 * Multiplies every group's learning rate by `factor` until step `totalIters`, then restores it
 * (PyTorch's `ConstantLR`): lr_t = base_lr · (t < T ? factor : 1). Computed as PyTorch does:
 * × factor at step 0, × (1/factor) at step T.
 *
 * @example
 * ```ts
 * import { ConstantLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new ConstantLR(optimizer, { factor: 0.5, totalIters: 4 }); // half rate for 4 steps
 * ```
 */
export class ConstantLR extends LRScheduler {
  /** The factor before `totalIters`. */
  factor: number;
  /** Steps during which the factor applies. */
  totalIters: number;

  /** Creates the scheduler and takes the initial step (rates × factor). */
  constructor(optimizer: Optimizer, options: ConstantLROptions = {}) {
    super(optimizer);
    const { factor = 1 / 3, totalIters = 5 } = checkOptions<ConstantLROptions>(this.name, options, [
      "factor",
      "totalIters",
    ]);
    this.factor = checkNumber(this.name, "factor", factor, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
    this.totalIters = checkInt(this.name, "totalIters", totalIters, 0);
    this.start();
  }

  /** × factor at step 0, × 1/factor at step `totalIters`, unchanged otherwise. */
  protected computeLr(): number[] {
    const t = this.lastEpoch;
    if (t === 0) return this.groups.map((g) => g.lr * this.factor);
    if (t !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }

  /** Returns base_lr · (factor + [t ≥ T]·(1 − factor)). */
  protected override closedFormLr(): number[] {
    const past = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((base) => base * (this.factor + past * (1 - this.factor)));
  }

  /** Saves `factor` and `totalIters`. */
  protected override options(): Record<string, JsonValue> {
    return { factor: this.factor, totalIters: this.totalIters };
  }

  /** Restores `factor` and `totalIters`, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const factor = checkNumber(where, "factor", state.factor, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
    this.totalIters = checkInt(where, "totalIters", state.totalIters, 0);
    this.factor = factor;
  }
}
