/**
 * `SequentialLR`: run schedulers one after another, switching at milestone steps.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import {
  checkInt,
  checkOwnOptimizer,
  checkStateType,
  type JsonValue,
  LRScheduler,
  numberList,
  type SchedulerStateDict,
} from "./scheduler.ts";
import { describe } from "../../utils/options.ts";

/**
 * Runs `schedulers[0]` until step `milestones[0]`, then `schedulers[1]` (restarted from its
 * step 0, i.e. from the base learning rates) until `milestones[1]`, and so on (PyTorch's
 * `SequentialLR`). All schedulers must drive `optimizer`; construct them first (their own initial
 * steps are undone), then pass them here, and from then on step only the `SequentialLR`.
 * {@link ReduceLROnPlateau} and nested `SequentialLR`s are not accepted.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, Linear, LinearLR, SequentialLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * // The usual recipe: 10 steps of linear warm-up, then cosine annealing
 * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 10 });
 * const cosine = new CosineAnnealingLR(optimizer, 290, 1e-5);
 * const scheduler = new SequentialLR(optimizer, [warmup, cosine], [10]);
 * for (let step = 0; step < 300; step++) {
 *   optimizer.step(); // after the step's backward
 *   scheduler.step(optimizer);
 * }
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers, in order. */
  readonly schedulers: readonly LRScheduler[];
  /** Steps at which the next scheduler takes over (strictly increasing integers >= 1). */
  readonly milestones: readonly number[];

  /**
   * Creates the scheduler, undoing the sequenced schedulers' initial steps and starting the first.
   *
   * @param schedulers at least one scheduler, all over `optimizer`
   * @param milestones one fewer than `schedulers`, strictly increasing integers >= 1
   */
  constructor(optimizer: Optimizer, schedulers: readonly LRScheduler[], milestones: readonly number[]) {
    super(optimizer);
    const name = this.name;
    if (!Array.isArray(schedulers)) {
      throw new TypeError(`${name}: schedulers must be an array of schedulers, got ${describe(schedulers)}`);
    }
    if (schedulers.length < 1) throw new RangeError(`${name}: expects at least one scheduler`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        throw new TypeError(
          `${name}: the scheduler at index ${i} is not a step-driven LRScheduler (ReduceLROnPlateau cannot be sequenced)`,
        );
      }
      if (s instanceof SequentialLR) {
        throw new TypeError(`${name}: the scheduler at index ${i} is a SequentialLR; nesting is not supported`);
      }
      if (s.optimizer !== optimizer) {
        throw new RangeError(
          `${name}: the scheduler at index ${i} (${s.constructor.name}) drives a different optimizer`,
        );
      }
      if (schedulers.indexOf(s) !== i) throw new RangeError(`${name}: the scheduler at index ${i} appears twice`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(
        `${name}: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ` +
          `${Array.isArray(milestones) ? milestones.length : "no"} milestones`,
      );
    }
    milestones.forEach((m, i) => {
      checkInt(name, `milestones[${i}]`, m, 1);
      if (i > 0 && m <= milestones[i - 1]) {
        throw new RangeError(
          `${name}: milestones must be strictly increasing, but ${m} at index ${i} follows ${milestones[i - 1]}`,
        );
      }
    });
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    // Reset the learning rates, undo the schedulers' initial steps, and start the first one.
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]._initialStep();
    this.stepCount = 1;
    this.lastLr = this.schedulers[0].getLastLr();
  }

  /** Index of the scheduler active at step `epoch` (bisect_right over the milestones). */
  private active(epoch: number): number {
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= epoch) idx++;
    return idx;
  }

  /** Never called: {@link SequentialLR.step} delegates to the sequenced schedulers. */
  protected computeLr(): number[] {
    throw new Error(`${this.name}: learning rates come from the sequenced schedulers`);
  }

  /** Advances one step: the active scheduler steps, or, at a milestone, the next one restarts at its step 0. */
  override step(optimizer?: Optimizer): void {
    checkOwnOptimizer(this.name, this.optimizer, optimizer, "step");
    this.lastEpoch++;
    this.stepCount++;
    const idx = this.active(this.lastEpoch);
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler._updateLr(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** Not supported (a SequentialLR cannot be nested). */
  override _initialStep(): void {
    throw new Error(`${this.name}: nesting is not supported`);
  }

  /** Not supported (a SequentialLR cannot be nested). */
  override _updateLr(): void {
    throw new Error(`${this.name}: nesting is not supported`);
  }

  /** The sequence's step, learning rates and milestones, and every scheduler's state dict. */
  override stateDict(): SchedulerStateDict {
    return {
      type: this.name,
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: [...this.baseLrs],
      lastLr: [...this.lastLr],
      milestones: [...this.milestones],
      schedulers: this.schedulers.map((s) => s.stateDict() as unknown as JsonValue),
    };
  }

  /** Restores a state saved by {@link SequentialLR.stateDict} (same schedulers in the same order). */
  override loadStateDict(state: SchedulerStateDict): void {
    checkStateType(this.name, state);
    const where = `${this.name}.loadStateDict`;
    const n = this.groups.length;
    const lastLr = numberList(this.name, state, "lastLr", n);
    const baseLrs = numberList(this.name, state, "baseLrs", n);
    const lastEpoch = checkInt(where, "lastEpoch", state.lastEpoch, 0);
    const stepCount = checkInt(where, "stepCount", state.stepCount, 0);
    const subs = state.schedulers;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new RangeError(
        `${where}: the state holds ${
          Array.isArray(subs) ? subs.length : "no"
        } schedulers, this SequentialLR ${this.schedulers.length}`,
      );
    }
    const ms = state.milestones;
    if (!Array.isArray(ms) || ms.length !== this.milestones.length || ms.some((m, i) => m !== this.milestones[i])) {
      throw new RangeError(
        `${where}: the state's milestones ${JSON.stringify(ms)} differ from ${JSON.stringify(this.milestones)}`,
      );
    }
    subs.forEach((sub, i) => {
      const t = sub !== null && typeof sub === "object" && !Array.isArray(sub) ? sub.type : undefined;
      if (t !== this.schedulers[i].constructor.name) {
        throw new TypeError(
          `${where}: scheduler ${i} is a ${this.schedulers[i].constructor.name}, the state holds a ${String(t)}`,
        );
      }
    });
    subs.forEach((sub, i) => this.schedulers[i].loadStateDict(sub as SchedulerStateDict));
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.baseLrs = baseLrs;
    this.lastLr = lastLr;
    this.groups.forEach((group, i) => (group.lr = lastLr[i]));
  }
}
