/**
 * `CyclicLR`: the cyclical learning-rate policy (Smith 2017), with momentum cycled inversely.
 * @module
 */
import type { Optimizer, ParamGroup } from "../optimizer.ts";
import {
  checkInt,
  checkNumber,
  checkScheduledGroups,
  type JsonValue,
  LRScheduler,
  perGroup,
  type SchedulerStateDict,
} from "./scheduler.ts";
import { checkOptions, describe } from "../../utils/options.ts";

/** The built-in cycle shapes of {@link CyclicLR}. */
export type CyclicMode = "triangular" | "triangular2" | "expRange";

/** Options of {@link CyclicLR} (PyTorch's defaults). */
export interface CyclicLROptions {
  /** Lower learning rate of the cycle (one, or one per group). Required. */
  baseLr: number | number[];
  /** Upper learning rate of the cycle (one, or one per group). Required. */
  maxLr: number | number[];
  /** Steps from baseLr up to maxLr; default 2000. */
  stepSizeUp?: number;
  /** Steps back down; default `stepSizeUp`. */
  stepSizeDown?: number;
  /** `"triangular"` (default), `"triangular2"` (amplitude halved each cycle) or `"expRange"` (× gamma^step). */
  mode?: CyclicMode;
  /** Base of `"expRange"`'s scaling; default 1. */
  gamma?: number;
  /** A custom amplitude scaling of the cycle number or step (overrides `mode`). */
  scaleFn?: (x: number) => number;
  /** What `scaleFn` is called with: `"cycle"` (default) or `"iterations"`. */
  scaleMode?: "cycle" | "iterations";
  /** Cycle momentum (or Adam's β₁) inversely to the rate; default true. */
  cycleMomentum?: boolean;
  /** Momentum at the top of the rate cycle; default 0.8. */
  baseMomentum?: number | number[];
  /** Momentum at the bottom of the rate cycle; default 0.9. */
  maxMomentum?: number | number[];
}

/**
 * Cycles every group's learning rate between `baseLr` and `maxLr` (PyTorch's `CyclicLR`; step it
 * after every batch). With c = ⌊1 + t/S⌋ (S = up + down steps) and x = 1 + t/S − c,
 * the position is s = x/r while x ≤ r (r = up/S), else (x − 1)/(r − 1), and
 *
 * lr = base + (max − base)·s·scale,  momentum = maxM − (maxM − baseM)·s·scale,
 *
 * where scale is 1 (`triangular`), 1/2^(c−1) (`triangular2`) or γ^t (`expRange`).
 * Momentum is cycled in the groups' `momentum` (SGD, RMSprop) or `betas[0]` (Adam family).
 *
 * @example
 * ```ts
 * import { CyclicLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1).momentum(0.9);
 * const scheduler = new CyclicLR(optimizer, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2000 });
 * ```
 */
export class CyclicLR extends LRScheduler {
  /** Upper rates, one per group. */
  maxLrs: number[];
  /** Lower rates, one per group. */
  cycleBaseLrs: number[];
  /** Steps in one full cycle. */
  totalSize: number;
  /** Fraction of the cycle spent rising. */
  stepRatio: number;
  /** The cycle shape. */
  mode: CyclicMode;
  /** Base of `expRange`'s scaling. */
  gamma: number;
  /** What the scale function is called with. */
  scaleMode: "cycle" | "iterations";
  /** Whether momentum is cycled. */
  readonly cycleMomentum: boolean;
  /** Whether the cycled momentum is `betas[0]` rather than `momentum`. */
  readonly useBeta1: boolean;
  /** Momentum at the top of the rate cycle, per group. */
  baseMomentums: number[] = [];
  /** Momentum at the bottom of the rate cycle, per group. */
  maxMomentums: number[] = [];
  /** The user's scale function, if any (not saved in state dicts). */
  readonly scaleFnCustom: ((x: number) => number) | undefined;

  /** Creates the scheduler: sets every group's rate to `baseLr` (and momentum to `maxMomentum`). */
  constructor(optimizer: Optimizer, options: CyclicLROptions) {
    super(optimizer);
    const o = checkOptions<CyclicLROptions>(this.name, options, [
      "baseLr",
      "maxLr",
      "stepSizeUp",
      "stepSizeDown",
      "mode",
      "gamma",
      "scaleFn",
      "scaleMode",
      "cycleMomentum",
      "baseMomentum",
      "maxMomentum",
    ]);
    const n = this.groups.length;
    if (o.baseLr === undefined || o.maxLr === undefined) {
      throw new TypeError(`${this.name}: options must give baseLr and maxLr`);
    }
    const rates = (name: string, v: number | number[]) =>
      perGroup(this.name, name, v, n).map((x, i) =>
        checkNumber(this.name, `${name}[${i}]`, x, { lo: 0, loInclusive: true })
      );
    this.cycleBaseLrs = rates("baseLr", o.baseLr);
    this.maxLrs = rates("maxLr", o.maxLr);
    const up = checkInt(this.name, "stepSizeUp", o.stepSizeUp ?? 2000, 1);
    const down = o.stepSizeDown === undefined ? up : checkInt(this.name, "stepSizeDown", o.stepSizeDown, 1);
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    const mode = o.mode ?? "triangular";
    if (!["triangular", "triangular2", "expRange"].includes(mode)) {
      throw new RangeError(
        `${this.name}: invalid mode ${describe(mode)}; it must be "triangular", "triangular2" or "expRange"`,
      );
    }
    this.mode = mode;
    this.gamma = checkNumber(this.name, "gamma", o.gamma ?? 1, { lo: 0 });
    if (o.scaleFn !== undefined && typeof o.scaleFn !== "function") {
      throw new TypeError(`${this.name}: scaleFn must be a function, got ${describe(o.scaleFn)}`);
    }
    this.scaleFnCustom = o.scaleFn;
    const scaleMode = o.scaleMode ?? "cycle";
    if (scaleMode !== "cycle" && scaleMode !== "iterations") {
      throw new RangeError(
        `${this.name}: invalid scaleMode ${describe(scaleMode)}; it must be "cycle" or "iterations"`,
      );
    }
    // As PyTorch: the built-in modes fix the scale mode; a custom function uses the option.
    this.scaleMode = o.scaleFn !== undefined ? scaleMode : mode === "expRange" ? "iterations" : "cycle";
    this.cycleMomentum = o.cycleMomentum ?? true;
    if (typeof this.cycleMomentum !== "boolean") {
      throw new TypeError(`${this.name}: cycleMomentum must be true or false, got ${describe(this.cycleMomentum)}`);
    }
    this.useBeta1 = "betas" in this.groups[0];
    if (this.cycleMomentum) {
      if (!this.groups.every((g) => "momentum" in g || "betas" in g)) {
        throw new RangeError(
          `${this.name}: the optimizer has no momentum or betas option to cycle; pass cycleMomentum: false`,
        );
      }
      const momenta = (name: string, v: number | number[]) =>
        perGroup(this.name, name, v, n).map((x, i) =>
          checkNumber(this.name, `${name}[${i}]`, x, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true })
        );
      this.baseMomentums = momenta("baseMomentum", o.baseMomentum ?? 0.8);
      this.maxMomentums = momenta("maxMomentum", o.maxMomentum ?? 0.9);
      this.groups.forEach((g, i) => this.setMomentum(g, this.maxMomentums[i]));
    }
    this.groups.forEach((g, i) => (g.lr = this.cycleBaseLrs[i]));
    this.start();
    this.baseLrs = [...this.cycleBaseLrs];
  }

  /** Writes the cycled momentum: `betas[0]` for the Adam family, else `momentum`. */
  private setMomentum(group: ParamGroup, value: number): void {
    if (this.useBeta1) group.betas = [value, ...(group.betas as number[]).slice(1)];
    else group.momentum = value;
  }

  /** The amplitude scale at cycle `x` (or step `x` in `iterations` mode). */
  private scale(x: number): number {
    if (this.scaleFnCustom !== undefined) {
      const value = this.scaleFnCustom(x);
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new RangeError(`${this.name}: scaleFn(${x}) returned ${describe(value)}; it must return a finite number`);
      }
      return value;
    }
    if (this.mode === "triangular") return 1;
    if (this.mode === "triangular2") return 1 / 2 ** (x - 1);
    return this.gamma ** x;
  }

  /** The closed form at `lastEpoch`; also writes the cycled momentum. */
  protected computeLr(): number[] {
    checkScheduledGroups(this.name, this.groups.length, this.cycleBaseLrs.length, this.cycleBaseLrs);
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const factor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scale(this.scaleMode === "cycle" ? cycle : t);
    const lrs = this.cycleBaseLrs.map((base, i) => base + (this.maxLrs[i] - base) * factor * scale);
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        const height = (this.maxMomentums[i] - this.baseMomentums[i]) * factor;
        this.setMomentum(g, this.maxMomentums[i] - height * scale);
      });
    }
    return lrs;
  }

  /** Saves the cycle's rates, momenta, sizes and mode. */
  protected override options(): Record<string, JsonValue> {
    return {
      maxLrs: [...this.maxLrs],
      cycleBaseLrs: [...this.cycleBaseLrs],
      totalSize: this.totalSize,
      stepRatio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      scaleMode: this.scaleMode,
      baseMomentums: [...this.baseMomentums],
      maxMomentums: [...this.maxMomentums],
    };
  }

  /** Restores the cycle's rates, momenta, sizes and mode, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const list = (key: string, length: number) => {
      const v = state[key];
      if (!Array.isArray(v) || v.length !== length || v.some((x) => typeof x !== "number")) {
        throw new RangeError(`${where}: ${key} must be a list of ${length} numbers`);
      }
      return [...(v as number[])];
    };
    const n = this.groups.length;
    const m = this.cycleMomentum ? n : 0;
    const restored = {
      maxLrs: list("maxLrs", n),
      cycleBaseLrs: list("cycleBaseLrs", n),
      baseMomentums: list("baseMomentums", m),
      maxMomentums: list("maxMomentums", m),
      totalSize: checkNumber(where, "totalSize", state.totalSize, { lo: 0 }),
      stepRatio: checkNumber(where, "stepRatio", state.stepRatio, { lo: 0, hi: 1 }),
      gamma: checkNumber(where, "gamma", state.gamma, { lo: 0 }),
    };
    if (!["triangular", "triangular2", "expRange"].includes(state.mode as string)) {
      throw new RangeError(`${where}: invalid mode ${describe(state.mode)}`);
    }
    if (state.scaleMode !== "cycle" && state.scaleMode !== "iterations") {
      throw new RangeError(`${where}: invalid scaleMode ${describe(state.scaleMode)}`);
    }
    Object.assign(this, restored, { mode: state.mode, scaleMode: state.scaleMode });
  }
}
