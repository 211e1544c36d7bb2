/**
 * `CosineAnnealingWarmRestarts`: SGDR, cosine annealing restarted every T_i epochs.
 * @module
 */
import { Optimizer } from "../optimizer.ts";
import {
  checkInt,
  checkNumber,
  checkOwnOptimizer,
  checkScheduledGroups,
  type JsonValue,
  LRScheduler,
  pyMod,
  type SchedulerStateDict,
} from "./scheduler.ts";
import { checkOptions, describe } from "../../utils/options.ts";

/** Options of {@link CosineAnnealingWarmRestarts} (PyTorch's defaults). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Factor by which the period grows after each restart, an integer >= 1; default 1. */
  tMult?: number;
  /** Minimum learning rate; default 0. */
  etaMin?: number;
}

/**
 * SGDR (Loshchilov & Hutter 2017; PyTorch's `CosineAnnealingWarmRestarts`):
 *
 * η = η_min + ½ (η_base − η_min) (1 + cos(π T_cur / T_i)),
 *
 * where T_cur counts epochs since the last restart and the period T_i starts at `t0` and is
 * multiplied by `tMult` at every restart. `step()` advances one epoch; `step(epoch)` jumps to a
 * (possibly fractional) epoch, e.g. `step(epoch + i / itersPerEpoch)` inside an epoch, with
 * PyTorch's closed form for T_cur and T_i.
 *
 * @example
 * ```ts
 * import { CosineAnnealingWarmRestarts, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new CosineAnnealingWarmRestarts(optimizer, 10, { tMult: 2, etaMin: 1e-5 });
 * const iters = 5; // batches per epoch
 * for (let epoch = 0; epoch < 70; epoch++) {
 *   for (let i = 0; i < iters; i++) {
 *     optimizer.step(); // one training step
 *     scheduler.step(epoch + i / iters);
 *   }
 * }
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Period of the first cycle, in epochs. */
  t0: number;
  /** Growth factor of the period at each restart. */
  tMult: number;
  /** Minimum learning rate. */
  etaMin: number;
  /** Period of the current cycle. */
  tI: number;
  /** Epochs since the last restart (fractional after `step(epoch)`). */
  tCur: number;

  /**
   * Creates the scheduler and takes the initial step.
   *
   * @param t0 epochs until the first restart (an integer >= 1)
   */
  constructor(optimizer: Optimizer, t0: number, options: CosineAnnealingWarmRestartsOptions = {}) {
    super(optimizer);
    const { tMult = 1, etaMin = 0 } = checkOptions<CosineAnnealingWarmRestartsOptions>(this.name, options, [
      "tMult",
      "etaMin",
    ]);
    this.t0 = checkInt(this.name, "t0", t0, 1);
    this.tI = this.t0;
    this.tMult = checkInt(this.name, "tMult", tMult, 1);
    this.etaMin = checkNumber(this.name, "etaMin", etaMin, { lo: 0, loInclusive: true });
    this.tCur = -1;
    this.start();
  }

  /** η_min + (η_base − η_min)(1 + cos(π T_cur/T_i))/2 per group. */
  protected computeLr(): number[] {
    return this.baseLrs.map((base) =>
      this.etaMin + (base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI)) / 2
    );
  }

  /**
   * Advances one epoch, or jumps to `epoch` (a number >= 0, fractional allowed). Passing the
   * scheduler's own optimizer is accepted too, as for the other schedulers.
   */
  override step(epochOrOptimizer?: number | Optimizer): void {
    let epoch: number | undefined;
    if (epochOrOptimizer instanceof Optimizer) checkOwnOptimizer(this.name, this.optimizer, epochOrOptimizer, "step");
    else if (epochOrOptimizer !== undefined) {
      if (typeof epochOrOptimizer !== "number" || !Number.isFinite(epochOrOptimizer) || epochOrOptimizer < 0) {
        throw new RangeError(
          `${this.name}.step: epoch must be a finite number >= 0, got ${describe(epochOrOptimizer)}`,
        );
      }
      epoch = epochOrOptimizer;
    }
    this.stepCount++;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = pyMod(this.tCur, this.tI);
        this.tI = this.tI * this.tMult;
      }
    } else if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = pyMod(epoch, this.t0);
      } else {
        const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
        this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
        this.tI = this.t0 * this.tMult ** n;
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.computeLr();
    checkScheduledGroups(this.name, this.groups.length, this.baseLrs.length, values);
    this.groups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** Saves the periods, the position in the cycle and `etaMin`. */
  protected override options(): Record<string, JsonValue> {
    return { t0: this.t0, tMult: this.tMult, etaMin: this.etaMin, tI: this.tI, tCur: this.tCur };
  }

  /** Restores the periods, the position in the cycle and `etaMin`, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const t0 = checkInt(where, "t0", state.t0, 1);
    const tMult = checkInt(where, "tMult", state.tMult, 1);
    const etaMin = checkNumber(where, "etaMin", state.etaMin, { lo: 0, loInclusive: true });
    const tI = checkNumber(where, "tI", state.tI, { lo: 0 });
    const tCur = checkNumber(where, "tCur", state.tCur, { lo: -1, loInclusive: true });
    Object.assign(this, { t0, tMult, etaMin, tI, tCur });
  }
}
