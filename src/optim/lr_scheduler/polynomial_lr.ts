/**
 * `PolynomialLR`: polynomial decay of the learning rate to zero over `totalIters` steps.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, type SchedulerStateDict } from "./scheduler.ts";
import { checkOptions } from "../../utils/options.ts";

/** Options of {@link PolynomialLR} (PyTorch's defaults). */
export interface PolynomialLROptions {
  /** Steps until the rate reaches 0, an integer >= 1; default 5. */
  totalIters?: number;
  /** Power of the polynomial, >= 0; default 1 (linear). */
  power?: number;
}

/**
 * Decays every group's learning rate as lr_t = base_lr · (1 − min(t, T)/T)^power (PyTorch's
 * `PolynomialLR`), computed recursively as PyTorch does:
 * lr_t = lr_{t−1} · ((1 − t/T) / (1 − (t − 1)/T))^power for 0 < t ≤ T.
 *
 * @example
 * ```ts
 * import { Linear, PolynomialLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new PolynomialLR(optimizer, { totalIters: 100, power: 2 });
 * ```
 */
export class PolynomialLR extends LRScheduler {
  /** Steps until the rate reaches 0. */
  totalIters: number;
  /** Power of the polynomial. */
  power: number;

  /** Creates the scheduler and takes the initial step (rates unchanged). */
  constructor(optimizer: Optimizer, options: PolynomialLROptions = {}) {
    super(optimizer);
    const { totalIters = 5, power = 1 } = checkOptions<PolynomialLROptions>(this.name, options, [
      "totalIters",
      "power",
    ]);
    this.totalIters = checkInt(this.name, "totalIters", totalIters, 1);
    this.power = checkNumber(this.name, "power", power, { lo: 0, loInclusive: true });
    this.start();
  }

  /** Multiplies the current rates by the step's decay factor. */
  protected computeLr(): number[] {
    const { totalIters: T, lastEpoch: t } = this;
    if (this.isInitial || t > T) return this.groups.map((g) => g.lr);
    const decay = ((1 - t / T) / (1 - (t - 1) / T)) ** this.power;
    return this.groups.map((g) => g.lr * decay);
  }

  /** Returns base_lr · (1 − min(t, T)/T)^power. */
  protected override closedFormLr(): number[] {
    const { totalIters: T, lastEpoch: t } = this;
    return this.baseLrs.map((base) => base * (1 - Math.min(T, t) / T) ** this.power);
  }

  /** Saves `totalIters` and `power`. */
  protected override options(): Record<string, JsonValue> {
    return { totalIters: this.totalIters, power: this.power };
  }

  /** Restores `totalIters` and `power`, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const T = checkInt(where, "totalIters", state.totalIters, 1);
    this.power = checkNumber(where, "power", state.power, { lo: 0, loInclusive: true });
    this.totalIters = T;
  }
}
