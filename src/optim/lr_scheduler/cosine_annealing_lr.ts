/**
 * `CosineAnnealingLR`: cosine annealing from the base learning rate to `etaMin` over `tMax` steps.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, pyMod, type SchedulerStateDict } from "./scheduler.ts";

/**
 * Cosine annealing without restarts (PyTorch's `CosineAnnealingLR`, from SGDR):
 *
 * η_t = η_min + ½ (η_base − η_min) (1 + cos(π t / T_max)),
 *
 * computed recursively as PyTorch does (so the values match it to the last bits):
 *
 * η_t = η_min + (η_{t−1} − η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t−1) / T_max)),
 *
 * except at t − 1 − T_max ≡ 0 (mod 2 T_max), where η_t = η_{t−1} + (η_base − η_min)(1 − cos(π / T_max)) / 2.
 * Past `tMax` the learning rate rises again along the cosine (period 2 `tMax`), as in PyTorch.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // Cosine annealing over 100 epochs
 * const scheduler = new CosineAnnealingLR(optimizer, 100, 0.0);
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period of the cosine, in steps. */
  tMax: number;
  /** Minimum learning rate. */
  etaMin: number;

  /**
   * Creates the scheduler and takes the initial step.
   *
   * @param tMax number of steps from the base learning rate down to `etaMin` (an integer >= 1)
   * @param etaMin minimum learning rate (>= 0; default 0)
   */
  constructor(optimizer: Optimizer, tMax: number, etaMin = 0) {
    super(optimizer);
    this.tMax = checkInt(this.name, "tMax", tMax, 1);
    this.etaMin = checkNumber(this.name, "etaMin", etaMin, { lo: 0, loInclusive: true });
    this.start();
  }

  /** Steps the current rates along the cosine, recursively as PyTorch (restarting the rise past `tMax`). */
  protected computeLr(): number[] {
    const { etaMin, tMax, lastEpoch } = this;
    if (this.isInitial) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax)) / 2);
    }
    if (pyMod(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + (this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
    }
    return this.groups.map((g) =>
      ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) *
        (g.lr - etaMin) + etaMin
    );
  }

  /** Returns η_min + ½ (η_base − η_min) (1 + cos(π t / T_max)). */
  protected override closedFormLr(): number[] {
    const { etaMin, tMax, lastEpoch } = this;
    return this.baseLrs.map((base) => etaMin + (base - etaMin) * (1 + Math.cos((Math.PI * lastEpoch) / tMax)) / 2);
  }

  /** Saves `tMax` and `etaMin` in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  /** Restores `tMax` and `etaMin` from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const tMax = checkInt(`${this.name}.loadStateDict`, "tMax", state.tMax, 1);
    const etaMin = checkNumber(`${this.name}.loadStateDict`, "etaMin", state.etaMin, { lo: 0, loInclusive: true });
    this.tMax = tMax;
    this.etaMin = etaMin;
  }
}
