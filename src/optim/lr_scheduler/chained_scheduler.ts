/**
 * `ChainedScheduler`: step several schedulers together, their factors multiplying.
 * @module
 */
import type { Optimizer } from "../optimizer.ts";
import {
  checkOwnOptimizer,
  checkStateType,
  type JsonValue,
  LRScheduler,
  type SchedulerStateDict,
} from "./scheduler.ts";
import { describe } from "../../utils/options.ts";

/**
 * Calls `step()` of every scheduler in order at each step (PyTorch's `ChainedScheduler`): with
 * chainable schedulers (each multiplies the groups' current rates) the factors compose, e.g. a
 * {@link ConstantLR} warm-up inside an {@link ExponentialLR} decay. Construct the schedulers
 * first, then chain them, then step only the chain.
 *
 * @example
 * ```ts
 * import { ChainedScheduler, ConstantLR, ExponentialLR, Linear, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1);
 * const scheduler = new ChainedScheduler([
 *   new ConstantLR(optimizer, { factor: 0.1, totalIters: 2 }),
 *   new ExponentialLR(optimizer, 0.9),
 * ]);
 * ```
 */
export class ChainedScheduler extends LRScheduler {
  /** The chained schedulers, stepped in order. */
  readonly schedulers: readonly LRScheduler[];

  /** Chains `schedulers` (at least one, all over the same optimizer; `optimizer` defaults to theirs). */
  constructor(schedulers: readonly LRScheduler[], optimizer?: Optimizer) {
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new TypeError(
        `ChainedScheduler: schedulers must be a non-empty array of schedulers, got ${describe(schedulers)}`,
      );
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        throw new TypeError(
          `ChainedScheduler: the scheduler at index ${i} is not a step-driven LRScheduler (ReduceLROnPlateau cannot be chained), got ${
            describe(s)
          }`,
        );
      }
    });
    super(optimizer ?? schedulers[0].optimizer);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== this.optimizer) {
        throw new RangeError(
          `ChainedScheduler: the scheduler at index ${i} (${s.constructor.name}) drives a different optimizer`,
        );
      }
      if (schedulers.indexOf(s) !== i) {
        throw new RangeError(`ChainedScheduler: the scheduler at index ${i} appears twice`);
      }
    });
    this.schedulers = [...schedulers];
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The groups' current rates (the chain computes nothing itself). */
  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** Steps every chained scheduler once, in order. */
  override step(optimizer?: Optimizer): void {
    checkOwnOptimizer(this.name, this.optimizer, optimizer, "step");
    for (const s of this.schedulers) s.step();
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The state of every chained scheduler, in order. */
  override stateDict(): SchedulerStateDict {
    return {
      type: this.name,
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict() as unknown as JsonValue),
    };
  }

  /** Restores every chained scheduler from a state saved by {@link ChainedScheduler.stateDict}. */
  override loadStateDict(state: SchedulerStateDict): void {
    checkStateType(this.name, state);
    const saved = state.schedulers;
    if (!Array.isArray(saved) || saved.length !== this.schedulers.length) {
      throw new RangeError(
        `${this.name}.loadStateDict: the state holds ${
          Array.isArray(saved) ? saved.length : "no"
        } scheduler states, the chain has ${this.schedulers.length}`,
      );
    }
    this.schedulers.forEach((s, i) => s.loadStateDict(saved[i] as unknown as SchedulerStateDict));
    this.lastLr = this.groups.map((g) => g.lr);
  }
}
