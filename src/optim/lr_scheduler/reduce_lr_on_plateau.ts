/**
 * `ReduceLROnPlateau`: reduce the learning rate when a metric stops improving.
 * @module
 */
import { Optimizer } from "../optimizer.ts";
import { formatShape } from "../../tensor/shape.ts";
import { Tensor } from "../../tensor/tensor.ts";
import { checkOptions, describe } from "../../utils/options.ts";
import {
  checkInt,
  checkNumber,
  checkOwnOptimizer,
  checkStateType,
  type JsonValue,
  numberList,
  perGroup,
  type Scheduler,
  type SchedulerStateDict,
} from "./scheduler.ts";

/** Whether the metric should go down (`"min"`, e.g. a loss) or up (`"max"`, e.g. an accuracy). */
export type PlateauMode = "min" | "max";
/** Whether `threshold` is relative to the best value (`"rel"`) or absolute (`"abs"`). */
export type ThresholdMode = "rel" | "abs";

/** Options of {@link ReduceLROnPlateau} (PyTorch's defaults); each also has a builder method. */
export interface ReduceLROnPlateauOptions {
  /** Default "min". */
  mode?: PlateauMode;
  /** new lr = lr · factor, in (0, 1); default 0.1. */
  factor?: number;
  /** Bad steps tolerated before reducing (an integer >= 0); default 10. */
  patience?: number;
  /** Minimum significant improvement (>= 0); default 1e-4. */
  threshold?: number;
  /** Default "rel". */
  thresholdMode?: ThresholdMode;
  /** Steps after a reduction during which bad steps are not counted (an integer >= 0); default 0. */
  cooldown?: number;
  /** Lower bound on the learning rate, one value or one per group (>= 0); default 0. */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped (>= 0); default 1e-8. */
  eps?: number;
}

/** The keys of {@link ReduceLROnPlateauOptions}. */
const PLATEAU_OPTIONS = ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"];

/** A metric as a number: a number, or a tensor with one element (PyTorch's `float(metrics)`). */
function metricValue(where: string, metric: unknown): number {
  if (metric instanceof Tensor) {
    if (metric.numel !== 1) {
      throw new RangeError(
        `${where}: the metric must be a number or a one-element tensor, got a tensor of shape ${
          formatShape(metric.shape)
        }`,
      );
    }
    return Number(metric.detach().reshape([]).item());
  }
  if (typeof metric !== "number") {
    throw new TypeError(`${where}: the metric must be a number or a one-element tensor, got ${describe(metric)}`);
  }
  return metric;
}

function checkMode(name: string, mode: unknown): PlateauMode {
  if (mode !== "min" && mode !== "max") {
    throw new RangeError(`${name}: unknown mode ${JSON.stringify(mode)}; it must be "min" or "max"`);
  }
  return mode;
}

function checkThresholdMode(name: string, mode: unknown): ThresholdMode {
  if (mode !== "rel" && mode !== "abs") {
    throw new RangeError(`${name}: unknown thresholdMode ${JSON.stringify(mode)}; it must be "rel" or "abs"`);
  }
  return mode;
}

function encodeNumber(v: number): JsonValue {
  return Number.isFinite(v) ? v : String(v);
}

function decodeNumber(where: string, key: string, v: JsonValue): number {
  if (typeof v === "number") return v;
  if (v === "Infinity" || v === "-Infinity" || v === "NaN") return Number(v);
  throw new RangeError(`${where}: ${key} must be a number`);
}

/**
 * Reduces every group's learning rate by `factor` when a monitored metric has not improved for
 * more than `patience` steps (PyTorch's `ReduceLROnPlateau`). Call
 * {@link ReduceLROnPlateau.step} (or the seed's {@link ReduceLROnPlateau.stepWithMetric}) once
 * per evaluation, with a number or a one-element tensor. A value a is an improvement on
 * the best so far b when
 *
 * - mode "min", "rel": a < b · (1 − threshold);  "abs": a < b − threshold
 * - mode "max", "rel": a > b · (1 + threshold);  "abs": a > b + threshold
 *
 * Each non-improving step counts as bad (not during the `cooldown` steps after a reduction);
 * when more than `patience` bad steps accumulate, lr ← max(lr · factor, minLr) (skipped when the
 * change is at most `eps`), the cooldown starts and the count resets.
 *
 * Configure it with builder methods (each is also a getter when called without an argument) or
 * an options object.
 *
 * @example
 * ```ts
 * import { Linear, ReduceLROnPlateau, SGD } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new ReduceLROnPlateau(optimizer).mode("min").factor(0.1).patience(2);
 * for (const valLoss of [1.0, 1.0, 1.0, 1.0]) scheduler.step(valLoss); // or: scheduler.stepWithMetric(optimizer, valLoss)
 * assert.ok(Math.abs(optimizer.getLr() - 0.01) < 1e-12); // no improvement for more than 2 epochs
 * ```
 */
export class ReduceLROnPlateau implements Scheduler {
  /** The optimizer whose groups the scheduler drives. */
  readonly optimizer: Optimizer;
  /** Number of metrics seen. */
  lastEpoch = 0;
  /** Best metric value so far (±Infinity before the first). */
  best: number;
  /** Bad steps since the last improvement or reduction. */
  numBadEpochs = 0;
  /** Cooldown steps left. */
  cooldownCounter = 0;
  private readonly name: string;
  private modeValue: PlateauMode = "min";
  private factorValue = 0.1;
  private patienceValue = 10;
  private thresholdValue = 1e-4;
  private thresholdModeValue: ThresholdMode = "rel";
  private cooldownValue = 0;
  private minLrs: number[];
  private epsValue = 1e-8;
  private lastLr: number[];

  /** Creates the scheduler; options not given keep PyTorch's defaults (min mode, factor 0.1, patience 10). */
  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    this.name = new.target.name;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${this.name}: expected an Optimizer as optimizer, got ${describe(optimizer)}`);
    }
    if (arguments.length > 2) {
      throw new TypeError(
        `${this.name}: takes (optimizer, options); pass { mode, factor, patience, … } instead of positional arguments`,
      );
    }
    checkOptions(this.name, options, PLATEAU_OPTIONS);
    this.optimizer = optimizer;
    this.minLrs = new Array<number>(optimizer.paramGroups.length).fill(0);
    if (options.mode !== undefined) this.mode(options.mode);
    if (options.factor !== undefined) this.factor(options.factor);
    if (options.patience !== undefined) this.patience(options.patience);
    if (options.threshold !== undefined) this.threshold(options.threshold);
    if (options.thresholdMode !== undefined) this.thresholdMode(options.thresholdMode);
    if (options.cooldown !== undefined) this.cooldown(options.cooldown);
    if (options.minLr !== undefined) this.minLr(options.minLr);
    if (options.eps !== undefined) this.eps(options.eps);
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The worst possible metric in the current mode, where `best` starts. */
  private get modeWorse(): number {
    return this.modeValue === "min" ? Infinity : -Infinity;
  }

  /** The current mode. */
  mode(): PlateauMode;
  /** Sets the mode ("min" or "max") and resets the best value and counters. */
  mode(mode: PlateauMode): this;
  mode(mode?: PlateauMode): PlateauMode | this {
    if (mode === undefined) return this.modeValue;
    this.modeValue = checkMode(this.name, mode);
    this.reset();
    return this;
  }

  /** The current factor. */
  factor(): number;
  /** Sets the reduction factor, in (0, 1). */
  factor(factor: number): this;
  factor(factor?: number): number | this {
    if (factor === undefined) return this.factorValue;
    this.factorValue = checkNumber(this.name, "factor", factor, { lo: 0, hi: 1 });
    return this;
  }

  /** The current patience. */
  patience(): number;
  /** Sets the number of bad steps tolerated before a reduction (an integer >= 0). */
  patience(patience: number): this;
  patience(patience?: number): number | this {
    if (patience === undefined) return this.patienceValue;
    this.patienceValue = checkInt(this.name, "patience", patience, 0);
    return this;
  }

  /** The current threshold. */
  threshold(): number;
  /** Sets the minimum significant improvement (>= 0). */
  threshold(threshold: number): this;
  threshold(threshold?: number): number | this {
    if (threshold === undefined) return this.thresholdValue;
    this.thresholdValue = checkNumber(this.name, "threshold", threshold, { lo: 0, loInclusive: true });
    return this;
  }

  /** The current threshold mode. */
  thresholdMode(): ThresholdMode;
  /** Sets whether the threshold is relative ("rel") or absolute ("abs"). */
  thresholdMode(mode: ThresholdMode): this;
  thresholdMode(mode?: ThresholdMode): ThresholdMode | this {
    if (mode === undefined) return this.thresholdModeValue;
    this.thresholdModeValue = checkThresholdMode(this.name, mode);
    return this;
  }

  /** The current cooldown. */
  cooldown(): number;
  /** Sets the number of steps after a reduction during which bad steps are ignored (an integer >= 0). */
  cooldown(cooldown: number): this;
  cooldown(cooldown?: number): number | this {
    if (cooldown === undefined) return this.cooldownValue;
    this.cooldownValue = checkInt(this.name, "cooldown", cooldown, 0);
    return this;
  }

  /** The current lower bound of every group's learning rate. */
  minLr(): number[];
  /** Sets the lower bound on the learning rate: one value, or one per parameter group (>= 0). */
  minLr(minLr: number | readonly number[]): this;
  minLr(minLr?: number | readonly number[]): number[] | this {
    if (minLr === undefined) return [...this.minLrs];
    const values = perGroup(this.name, "minLr", minLr, this.optimizer.paramGroups.length);
    values.forEach((v) => checkNumber(this.name, "minLr", v, { lo: 0, loInclusive: true }));
    this.minLrs = values;
    return this;
  }

  /** The current eps. */
  eps(): number;
  /** Sets the smallest learning-rate change that is applied (>= 0). */
  eps(eps: number): this;
  eps(eps?: number): number | this {
    if (eps === undefined) return this.epsValue;
    this.epsValue = checkNumber(this.name, "eps", eps, { lo: 0, loInclusive: true });
    return this;
  }

  /** True during the cooldown after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Forgets the best value and clears the bad-step and cooldown counters. */
  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /** Whether `a` beats `best` by more than the threshold, in the current mode and threshold mode. */
  private isBetter(a: number, best: number): boolean {
    if (this.modeValue === "min" && this.thresholdModeValue === "rel") return a < best * (1.0 - this.thresholdValue);
    if (this.modeValue === "min") return a < best - this.thresholdValue;
    if (this.thresholdModeValue === "rel") return a > best * (this.thresholdValue + 1.0);
    return a > best + this.thresholdValue;
  }

  /**
   * Records a metric value (e.g. the validation loss: a number, or a tensor with one element as
   * PyTorch accepts) and reduces the learning rates if it has plateaued. PyTorch's spelling;
   * the same as {@link ReduceLROnPlateau.stepWithMetric}.
   *
   * @example
   * ```ts
   * import { Linear, ReduceLROnPlateau, SGD, tensor } from "@axon/ml";
   *
   * const scheduler = new ReduceLROnPlateau(new SGD(new Linear(2, 1).parameters(), 0.1));
   * scheduler.step(0.52); // valLoss: a number
   * scheduler.step(tensor(0.5)); // or a 0-d tensor
   * ```
   */
  step(metric: number | Tensor): void {
    if (arguments.length !== 1 || metric instanceof Optimizer) {
      throw new TypeError(
        `${this.name}.step: takes one metric (a number or a one-element tensor); use stepWithMetric(optimizer, metric) to pass the optimizer too`,
      );
    }
    this.record(metricValue(`${this.name}.step`, metric));
  }

  /** Records a metric value (a number or a one-element tensor) and reduces the learning rates if it has plateaued. */
  stepWithMetric(metric: number | Tensor): void;
  /** As the seed: `scheduler.stepWithMetric(optimizer, valLoss)`; `optimizer` must be the scheduler's own. */
  stepWithMetric(optimizer: Optimizer, metric: number | Tensor): void;
  stepWithMetric(a: Optimizer | number | Tensor, b?: number | Tensor): void {
    const where = `${this.name}.stepWithMetric`;
    let metric: unknown = a;
    if (a instanceof Optimizer) {
      checkOwnOptimizer(this.name, this.optimizer, a, "stepWithMetric");
      if (arguments.length !== 2) {
        throw new TypeError(`${where}: after the optimizer, pass the metric (a number or a one-element tensor)`);
      }
      metric = b;
    } else if (arguments.length !== 1) {
      throw new TypeError(
        `${where}: takes (metric) or (optimizer, metric); got ${arguments.length} arguments starting with ${
          describe(a)
        }`,
      );
    }
    this.record(metricValue(where, metric));
  }

  /** One step of the plateau logic with the metric's value. */
  private record(current: number): void {
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // bad steps during the cooldown are ignored
    }
    if (this.numBadEpochs > this.patienceValue) {
      this.reduceLr();
      this.cooldownCounter = this.cooldownValue;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Multiplies each group's rate by the factor, floored at its `minLr`; changes below eps are skipped. */
  private reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      throw new RangeError(
        `${this.name}: the optimizer has ${groups.length} parameter groups but minLr has ${this.minLrs.length} values`,
      );
    }
    groups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factorValue, this.minLrs[i]);
      if (oldLr - newLr > this.epsValue) group.lr = newLr;
    });
  }

  /** The learning rate of every group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** A JSON-able copy of the options and state (an infinite `best` is stored as a string). */
  stateDict(): SchedulerStateDict {
    return {
      type: this.name,
      mode: this.modeValue,
      factor: this.factorValue,
      patience: this.patienceValue,
      threshold: this.thresholdValue,
      thresholdMode: this.thresholdModeValue,
      cooldown: this.cooldownValue,
      minLrs: [...this.minLrs],
      eps: this.epsValue,
      lastEpoch: this.lastEpoch,
      best: encodeNumber(this.best),
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores a state saved by {@link ReduceLROnPlateau.stateDict}, including the groups' learning rates. */
  loadStateDict(state: SchedulerStateDict): void {
    checkStateType(this.name, state);
    const where = `${this.name}.loadStateDict`;
    const n = this.optimizer.paramGroups.length;
    const mode = checkMode(where, state.mode);
    const factor = checkNumber(where, "factor", state.factor, { lo: 0, hi: 1 });
    const patience = checkInt(where, "patience", state.patience, 0);
    const threshold = checkNumber(where, "threshold", state.threshold, { lo: 0, loInclusive: true });
    const thresholdMode = checkThresholdMode(where, state.thresholdMode);
    const cooldown = checkInt(where, "cooldown", state.cooldown, 0);
    const minLrs = numberList(this.name, state, "minLrs", n);
    const eps = checkNumber(where, "eps", state.eps, { lo: 0, loInclusive: true });
    const lastEpoch = checkInt(where, "lastEpoch", state.lastEpoch, 0);
    const best = decodeNumber(where, "best", state.best);
    const numBadEpochs = checkInt(where, "numBadEpochs", state.numBadEpochs, 0);
    const cooldownCounter = checkInt(where, "cooldownCounter", state.cooldownCounter, 0);
    const lastLr = numberList(this.name, state, "lastLr", n);
    Object.assign(this, {
      modeValue: mode,
      factorValue: factor,
      patienceValue: patience,
      thresholdValue: threshold,
      thresholdModeValue: thresholdMode,
      cooldownValue: cooldown,
      minLrs,
      epsValue: eps,
      lastEpoch,
      best,
      numBadEpochs,
      cooldownCounter,
      lastLr,
    });
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = lastLr[i]));
  }
}
