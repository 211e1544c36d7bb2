/**
 * Small helpers for a plain training loop (no Trainer framework): {@link EarlyStopping} and
 * {@link CheckpointEvery}.
 * @module
 */
import { existsSync, unlinkSync } from "node:fs";
import { saveCheckpoint, type SaveCheckpointOptions } from "../io/checkpoint.ts";
import { checkOptions, describe } from "./options.ts";

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Evaluations without improvement tolerated before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** `"min"` (default) when lower is better (a loss), `"max"` when higher is (an accuracy). */
  mode?: "min" | "max";
}

/** {@link EarlyStopping}'s state, JSON-safe (store it in a checkpoint's `extra`). */
export interface EarlyStoppingState {
  /** The best value so far (null before the first). */
  best: number | null;
  /** Index of the evaluation that gave `best` (-1 before the first). */
  bestIndex: number;
  /** Evaluations seen. */
  count: number;
  /** Evaluations since the last improvement. */
  badCount: number;
}

/**
 * Stops training when a monitored value has not improved for `patience` evaluations (Keras'
 * EarlyStopping): a value improves when it beats the best so far by more than `minDelta`.
 *
 * @example
 * ```ts
 * import { EarlyStopping } from "@axon/ml";
 *
 * const stopper = new EarlyStopping({ patience: 3, mode: "max" });
 * const accuracies = [90, 92, 91, 91.5, 91.8, 91.9];
 * let best = -1;
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   if (stopper.step(accuracies[epoch])) break; // true: no improvement for 3 epochs
 *   if (stopper.improved) best = epoch;          // e.g. saveModel(model, "best.safetensors")
 * }
 * ```
 */
export class EarlyStopping {
  /** Evaluations without improvement tolerated. */
  readonly patience: number;
  /** Smallest change that counts as an improvement. */
  readonly minDelta: number;
  /** Whether lower (`"min"`) or higher (`"max"`) values are better. */
  readonly mode: "min" | "max";
  #best: number | null = null;
  #bestIndex = -1;
  #count = 0;
  #badCount = 0;

  /** Creates the helper; see {@link EarlyStoppingOptions}. */
  constructor(options?: EarlyStoppingOptions) {
    const o = checkOptions<EarlyStoppingOptions>("EarlyStopping", options, ["patience", "minDelta", "mode"]);
    this.patience = o.patience ?? 5;
    this.minDelta = o.minDelta ?? 0;
    this.mode = o.mode ?? "min";
    if (!Number.isInteger(this.patience) || this.patience < 0) {
      throw new RangeError(`EarlyStopping: patience must be an integer >= 0, got ${describe(o.patience)}`);
    }
    if (!(typeof this.minDelta === "number" && this.minDelta >= 0)) {
      throw new RangeError(`EarlyStopping: minDelta must be a number >= 0, got ${describe(o.minDelta)}`);
    }
    if (this.mode !== "min" && this.mode !== "max") {
      throw new RangeError(`EarlyStopping: mode must be "min" or "max", got ${describe(o.mode)}`);
    }
  }

  /** Records one evaluation; returns true when training should stop. NaN never improves. */
  step(value: number): boolean {
    if (typeof value !== "number") {
      throw new TypeError(`EarlyStopping.step: value must be a number, got ${describe(value)}`);
    }
    const better = this.#best === null
      ? !Number.isNaN(value)
      : this.mode === "min"
      ? value < this.#best - this.minDelta
      : value > this.#best + this.minDelta;
    if (better) {
      this.#best = value;
      this.#bestIndex = this.#count;
      this.#badCount = 0;
    } else {
      this.#badCount++;
    }
    this.#count++;
    return this.shouldStop;
  }

  /** Whether the last {@link EarlyStopping.step} improved on the best value. */
  get improved(): boolean {
    return this.#count > 0 && this.#badCount === 0;
  }

  /** Whether the last `patience` evaluations (at least one) have not improved (Keras' rule). */
  get shouldStop(): boolean {
    return this.#badCount > 0 && this.#badCount >= this.patience;
  }

  /** The best value so far (null before the first evaluation). */
  get best(): number | null {
    return this.#best;
  }

  /** Index (from 0) of the evaluation that gave the best value, -1 before the first. */
  get bestIndex(): number {
    return this.#bestIndex;
  }

  /** A JSON-safe copy of the counters, to resume with {@link EarlyStopping.loadStateDict}. */
  stateDict(): EarlyStoppingState {
    return { best: this.#best, bestIndex: this.#bestIndex, count: this.#count, badCount: this.#badCount };
  }

  /** Restores counters saved by {@link EarlyStopping.stateDict}. */
  loadStateDict(state: EarlyStoppingState): void {
    const ints = [state?.bestIndex, state?.count, state?.badCount];
    if (!ints.every((n) => Number.isInteger(n)) || !(state.best === null || typeof state.best === "number")) {
      throw new TypeError(
        "EarlyStopping.loadStateDict: expected { best, bestIndex, count, badCount } from stateDict()",
      );
    }
    this.#best = state.best;
    this.#bestIndex = state.bestIndex;
    this.#count = state.count;
    this.#badCount = state.badCount;
  }
}

/** Options of {@link CheckpointEvery}. */
export interface CheckpointEveryOptions {
  /** With `{step}` in the path: keep only the newest this many files (default: keep all). */
  keepLast?: number;
}

/**
 * Saves a checkpoint every `every` steps from a plain loop. The path may contain `{step}`
 * (`ckpt-{step}.safetensors`) to keep one file per save, pruned to the newest `keepLast`;
 * without it each save replaces the last one (atomically).
 *
 * @example
 * ```ts
 * import { CheckpointEvery, Linear, SGD } from "@axon/ml";
 *
 * const model = new Linear(4, 2);
 * const optimizer = new SGD(model.parameters(), 0.1);
 * const saver = new CheckpointEvery(`${Deno.makeTempDirSync()}/ckpt-{step}.safetensors`, 500, { keepLast: 3 });
 * for (let step = 1; step <= 1500; step++) {
 *   optimizer.step(); // a training step
 *   saver.maybeSave(step, { model, optimizer, epoch: 0 });
 * }
 * ```
 */
export class CheckpointEvery {
  /** The path, possibly with `{step}`. */
  readonly path: string;
  /** Steps between saves. */
  readonly every: number;
  /** Files kept with `{step}` (Infinity: all). */
  readonly keepLast: number;
  #saved: string[] = [];

  /** Creates the helper: a save at every step that is a positive multiple of `every`. */
  constructor(path: string, every: number, options?: CheckpointEveryOptions) {
    const o = checkOptions<CheckpointEveryOptions>("CheckpointEvery", options, ["keepLast"]);
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`CheckpointEvery: path must be a non-empty string, got ${describe(path)}`);
    }
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(`CheckpointEvery: every must be an integer >= 1, got ${describe(every)}`);
    }
    const keepLast = o.keepLast ?? Infinity;
    if (keepLast !== Infinity && (!Number.isInteger(keepLast) || keepLast < 1)) {
      throw new RangeError(`CheckpointEvery: keepLast must be an integer >= 1, got ${describe(o.keepLast)}`);
    }
    if (o.keepLast !== undefined && !path.includes("{step}")) {
      throw new RangeError("CheckpointEvery: keepLast needs {step} in the path (one file per save)");
    }
    this.path = path;
    this.every = every;
    this.keepLast = keepLast;
  }

  /** The file a save at `step` writes. */
  pathAt(step: number): string {
    return this.path.replaceAll("{step}", String(step));
  }

  /** The files written so far by this helper (newest last), after pruning. */
  get saved(): readonly string[] {
    return this.#saved;
  }

  /**
   * Saves `contents` (with `step`) when `step` is a positive multiple of `every`; returns the path
   * written, or null.
   */
  maybeSave(step: number, contents: Omit<SaveCheckpointOptions, "step">): string | null {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(`CheckpointEvery.maybeSave: step must be an integer >= 0, got ${describe(step)}`);
    }
    if (step === 0 || step % this.every !== 0) return null;
    const file = this.pathAt(step);
    saveCheckpoint(file, { ...contents, step });
    this.#saved = [...this.#saved.filter((f) => f !== file), file];
    while (this.#saved.length > this.keepLast) {
      const old = this.#saved.shift()!;
      if (existsSync(old)) unlinkSync(old);
    }
    return file;
  }
}
