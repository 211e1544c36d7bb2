/**
 * `LRScheduler`: the base of the epoch/step learning-rate schedulers, with PyTorch's semantics
 * (`torch.optim.lr_scheduler.LRScheduler`, 2.13): construction records each group's `initialLr`
 * and performs the initial step (`lastEpoch` 0), every {@link LRScheduler.step} advances
 * `lastEpoch` by one and writes the new learning rates into the optimizer's groups.
 * @module
 */
import { Optimizer, type ParamGroup } from "../optimizer.ts";
import { describe } from "../../utils/options.ts";

/** A JSON value (what scheduler state dicts are made of). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Serialised scheduler state: a plain JSON-able object; `type` names the scheduler class. */
export interface SchedulerStateDict {
  /** Class name of the scheduler that saved the state. */
  type: string;
  /** The scheduler's counters, learning rates and options. */
  [key: string]: JsonValue;
}

/** What every scheduler (including {@link ReduceLROnPlateau}) offers. */
export interface Scheduler {
  /** The optimizer whose groups the scheduler drives. */
  readonly optimizer: Optimizer;
  /** The learning rate of every group as last set by the scheduler. */
  getLastLr(): number[];
  /** A JSON-able copy of the scheduler's state. */
  stateDict(): SchedulerStateDict;
  /** Restores state saved by {@link Scheduler.stateDict} from a scheduler of the same class. */
  loadStateDict(state: SchedulerStateDict): void;
}

/** A value as messages show it: numbers plainly, anything else with its type. */
function shown(value: unknown): string {
  return typeof value === "number" ? String(value) : describe(value);
}

/** Throws a clear `RangeError` unless `value` is an integer >= `min`. */
export function checkInt(scheduler: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${scheduler}: invalid ${name} ${shown(value)}; it must be an integer >= ${min}`);
  }
  return value;
}

/**
 * Throws a clear `RangeError` unless `value` is a finite number in the given range; `lo`/`hi`
 * bounds are exclusive unless marked inclusive.
 */
export function checkNumber(
  scheduler: string,
  name: string,
  value: unknown,
  { lo = -Infinity, hi = Infinity, loInclusive = false, hiInclusive = false } = {},
): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (loInclusive ? value >= lo : value > lo) && (hiInclusive ? value <= hi : value < hi);
  if (!ok) {
    const parts: string[] = [];
    if (lo !== -Infinity) parts.push(`${loInclusive ? ">=" : ">"} ${lo}`);
    if (hi !== Infinity) parts.push(`${hiInclusive ? "<=" : "<"} ${hi}`);
    const range = parts.length > 0 ? `a finite number ${parts.join(" and ")}` : "a finite number";
    throw new RangeError(`${scheduler}: invalid ${name} ${shown(value)}; it must be ${range}`);
  }
  return value as number;
}

/** One value per parameter group: a scalar is repeated, a list must have one entry per group. */
export function perGroup<T>(scheduler: string, name: string, value: T | readonly T[], groups: number): T[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) {
      throw new RangeError(
        `${scheduler}: ${name} has ${value.length} values but the optimizer has ${groups} parameter groups`,
      );
    }
    return [...value];
  }
  return new Array<T>(groups).fill(value as T);
}

/** Python's `%` (the result has the sign of the divisor). */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** Throws unless `optimizer` is absent or the scheduler's own optimizer. */
export function checkOwnOptimizer(
  scheduler: string,
  own: Optimizer,
  optimizer: Optimizer | undefined,
  method: string,
): void {
  if (optimizer !== undefined && optimizer !== own) {
    throw new Error(`${scheduler}.${method}: the optimizer passed is not the one this scheduler was constructed with`);
  }
}

/** Throws unless `state` is a state dict of scheduler class `type`. */
export function checkStateType(scheduler: string, state: SchedulerStateDict): void {
  if (state === null || typeof state !== "object" || state.type !== scheduler) {
    const got = state !== null && typeof state === "object" ? String(state.type) : String(state);
    throw new TypeError(`${scheduler}.loadStateDict: the state is not a ${scheduler} state dict (its type is ${got})`);
  }
}

/**
 * Throws unless the scheduler computed a number for every parameter group: a group added with
 * `addParamGroup` after a scheduler that needs a base rate per group was built gets no (or a NaN)
 * rate, which must not reach the optimizer silently.
 */
export function checkScheduledGroups(
  scheduler: string,
  groups: number,
  known: number,
  values: readonly unknown[],
): void {
  const bad = values.findIndex((v) => typeof v !== "number" || Number.isNaN(v));
  if (values.length !== groups || (bad >= 0 && bad >= known)) {
    throw new RangeError(
      `${scheduler}: the optimizer has ${groups} parameter groups but the scheduler was built for ${known}; a group added with addParamGroup after the scheduler cannot be scheduled by it (build the scheduler after adding the group)`,
    );
  }
  if (bad >= 0) {
    throw new RangeError(`${scheduler}: computed the learning rate ${String(values[bad])} for parameter group ${bad}`);
  }
}

/** Reads a list of numbers (one per group) from a state dict. */
export function numberList(scheduler: string, state: SchedulerStateDict, key: string, groups: number): number[] {
  const v = state[key];
  if (!Array.isArray(v) || v.length !== groups || v.some((x) => typeof x !== "number")) {
    throw new RangeError(
      `${scheduler}.loadStateDict: ${key} must be a list of ${groups} numbers (one per parameter group)`,
    );
  }
  return [...(v as number[])];
}

/**
 * Base class of the schedulers that advance once per {@link LRScheduler.step} (every scheduler
 * but {@link ReduceLROnPlateau}). Subclasses implement {@link LRScheduler.computeLr} — PyTorch's
 * chainable `get_lr`, which reads the groups' current `lr` — and may implement
 * {@link LRScheduler.closedFormLr}; their constructors validate everything, then call
 * {@link LRScheduler.start}.
 *
 * Construction sets each group's `initialLr` option (unless a scheduler already did) and
 * `baseLrs` from it, then takes the initial step, so the optimizer holds the schedule's value at
 * `lastEpoch` 0. Call `scheduler.step(optimizer)` after `optimizer.step()`.
 *
 * When resuming, construct the optimizer and scheduler as in the original run, then load the
 * optimizer's and the scheduler's state dicts (in either order).
 *
 * @example
 * ```ts
 * import { Linear, SGD, StepLR } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new StepLR(optimizer, 30, 0.1);
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   optimizer.step(); // one epoch of training
 *   scheduler.step(optimizer);
 * }
 * ```
 */
export abstract class LRScheduler implements Scheduler {
  /** The optimizer whose groups the scheduler drives. */
  readonly optimizer: Optimizer;
  /** Index of the last step taken: 0 after construction, +1 per {@link LRScheduler.step}. */
  lastEpoch: number = -1;
  /** Each group's `initialLr` when the scheduler was constructed. */
  baseLrs: number[] = [];
  /** Steps taken since the initial step began (PyTorch's `_step_count`; 1 after construction). */
  protected stepCount = 0;
  /** True while the initial step runs (PyTorch's `_is_initial`). */
  protected isInitial = false;
  /** The groups' learning rates after the last step. */
  protected lastLr: number[] = [];
  /** Class name used in messages and state dicts. */
  protected readonly name: string;

  /** Binds the scheduler to `optimizer`; subclass constructors validate their options, then call `start`. */
  constructor(optimizer: Optimizer) {
    this.name = new.target.name;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${this.name}: expected an Optimizer as optimizer, got ${describe(optimizer)}`);
    }
    this.optimizer = optimizer;
  }

  /** The optimizer's parameter groups. */
  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** Records `initialLr`/`baseLrs` and takes the initial step; subclass constructors call it last. */
  protected start(): void {
    for (const group of this.groups) if (!("initialLr" in group)) group.initialLr = group.lr;
    this.baseLrs = this.groups.map((group) => group.initialLr as number);
    this.lastEpoch = -1;
    this._initialStep();
  }

  /**
   * The learning rates for `lastEpoch` (already advanced), usually from the groups' current
   * `lr` (PyTorch's chainable `get_lr`).
   */
  protected abstract computeLr(): number[];

  /** The learning rates at `lastEpoch` from `baseLrs` alone, where a closed form exists. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /**
   * Advances the schedule one step and sets every group's `lr`. The optional argument must be the
   * scheduler's own optimizer (as in the seed: `scheduler.step(&mut optimizer)`).
   */
  step(optimizer?: Optimizer): void {
    checkOwnOptimizer(this.name, this.optimizer, optimizer, "step");
    this.stepCount++;
    this._updateLr();
  }

  /** The learning rate of every group as last set by the scheduler. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** @internal PyTorch's `_initial_step` (used by the constructor and {@link SequentialLR}). */
  _initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /**
   * @internal PyTorch's `_update_lr`: advance `lastEpoch` (or jump to `epoch`, using the closed
   * form where there is one) and write the learning rates.
   */
  _updateLr(epoch?: number): void {
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.computeLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.computeLr();
    }
    checkScheduledGroups(this.name, this.groups.length, this.baseLrs.length, values);
    this.groups.forEach((group, i) => (group.lr = values[i]));
    this.lastLr = this.groups.map((group) => group.lr);
  }

  /** The scheduler's own options, saved in and restored from the state dict. */
  protected options(): Record<string, JsonValue> {
    return {};
  }

  /** Restores the options saved by {@link LRScheduler.options} (validated). */
  protected loadOptions(_state: SchedulerStateDict): void {}

  /**
   * A JSON-able copy of the state: `lastEpoch`, `stepCount`, `baseLrs`, `lastLr` and the
   * scheduler's options (PyTorch saves the same fields).
   */
  stateDict(): SchedulerStateDict {
    return {
      type: this.name,
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
      ...structuredClone(this.options()),
    };
  }

  /**
   * Restores a state saved by {@link LRScheduler.stateDict} from the same kind of scheduler over
   * an optimizer with as many groups, and puts the saved learning rates back into the groups.
   */
  loadStateDict(state: SchedulerStateDict): void {
    checkStateType(this.name, state);
    const n = this.groups.length;
    const baseLrs = numberList(this.name, state, "baseLrs", n);
    const lastLr = numberList(this.name, state, "lastLr", n);
    const lastEpoch = checkInt(`${this.name}.loadStateDict`, "lastEpoch", state.lastEpoch, 0);
    const stepCount = checkInt(`${this.name}.loadStateDict`, "stepCount", state.stepCount, 0);
    this.loadOptions(state);
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.groups.forEach((group, i) => (group.lr = lastLr[i]));
  }
}
