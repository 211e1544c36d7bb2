/**
 * One-file training checkpoints: the model's parameters and buffers, the optimizer's state
 * tensors, and everything else needed to resume bit for bit (optimizer hyper-parameters and group
 * layout, scheduler, GradScaler, random generator, DataLoader epoch and seed, the caller's JSON)
 * in a single safetensors file.
 *
 * ```text
 * tensors:       model.<name>                  (the model's stateDict, PyTorch's names)
 *                optimizer.state.<i>.<key>     (exp_avg, exp_avg_sq, momentum_buffer …)
 * __metadata__:  format = "axon-checkpoint", checkpoint_version = "1",
 *                optimizer, scheduler, scaler, rng, data_loader, epoch, step, extra  (JSON strings)
 * ```
 *
 * Saving is atomic (a temporary file renamed over the target, {@link saveSafetensors}), so a
 * process killed mid-save leaves the previous checkpoint intact. Loading checks everything (the
 * file, the model's names and shapes, the optimizer's class, group layout, parameter counts and
 * state shapes, the scheduler's class, the scaler) before it changes anything: on any error the
 * model, optimizer, scheduler and scaler are left as they were.
 * @module
 */
import type { DataLoader } from "../data/dataloader.ts";
import type { Module } from "../nn/module.ts";
import { getRngState, setRngState } from "../ops/random.ts";
import type { Scheduler, SchedulerStateDict } from "../optim/lr_scheduler/scheduler.ts";
import type { GradScaler, GradScalerStateDict } from "../optim/grad_scaler.ts";
import type { Optimizer, OptimizerStateDict, ParamState } from "../optim/optimizer.ts";
import { formatShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { loadSafetensors, type SafetensorsMetadata, saveSafetensors } from "./safetensors.ts";

/** The `format` tag in a checkpoint's metadata. */
export const CHECKPOINT_FORMAT = "axon-checkpoint";
/** Version of the checkpoint layout written by {@link saveCheckpoint}. */
export const CHECKPOINT_VERSION = 1;

/** A JSON value, as `extra` holds. */
export type CheckpointJson = null | boolean | number | string | CheckpointJson[] | { [key: string]: CheckpointJson };

/** What {@link saveCheckpoint} saves. Only `model` is required. */
export interface SaveCheckpointOptions {
  /** The model; its `stateDict()` is saved under `model.<name>`. */
  model: Module;
  /** Optimizer state tensors (`optimizer.state.<i>.<key>`), hyper-parameters and group layout. */
  optimizer?: Optimizer;
  /** Learning-rate scheduler state. */
  scheduler?: Scheduler;
  /** GradScaler state (scale, growth tracker). */
  scaler?: GradScaler;
  /** DataLoader seed and the epoch its next `iter()` produces. */
  dataLoader?: DataLoader<any, any>;
  /** Epoch number to store (returned by {@link loadCheckpoint}). */
  epoch?: number;
  /** Step number to store (returned by {@link loadCheckpoint}). */
  step?: number;
  /** Any JSON value (finite numbers only), returned by {@link loadCheckpoint}. */
  extra?: CheckpointJson;
  /** Save the global random generator's state (default true). */
  rng?: boolean;
}

/** What {@link loadCheckpoint} restores into. Only `model` is required. */
export interface LoadCheckpointOptions {
  /** The model to load into (same architecture as the one saved). */
  model: Module;
  /** An optimizer of the saved class over the model's parameters (same groups). */
  optimizer?: Optimizer;
  /** A scheduler of the saved class over `optimizer`. */
  scheduler?: Scheduler;
  /** The GradScaler to restore. */
  scaler?: GradScaler;
  /** The DataLoader whose seed and epoch to restore. */
  dataLoader?: DataLoader<any, any>;
  /** Restore the global random generator's state (default true when the file has one). */
  rng?: boolean;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadCheckpointResult {
  /** The saved `epoch`, or null. */
  epoch: number | null;
  /** The saved `step`, or null. */
  step: number | null;
  /** The saved `extra`, or null. */
  extra: CheckpointJson;
  /** The raw `__metadata__` strings. */
  metadata: SafetensorsMetadata;
}

const SAVE_KEYS = ["model", "optimizer", "scheduler", "scaler", "dataLoader", "epoch", "step", "extra", "rng"] as const;
const LOAD_KEYS = ["model", "optimizer", "scheduler", "scaler", "dataLoader", "rng"] as const;

/** The checkpoint's error: names the file and what does not line up. */
export class CheckpointError extends Error {
  /** Creates the error; the message is prefixed with the file path. */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.name = "CheckpointError";
  }
}

/** JSON text of `value`, refusing what JSON would silently change (NaN, Infinity, undefined, functions, bigint, tensors). */
function strictJson(value: unknown, where: string): string {
  const visit = (v: unknown, path: string): void => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new TypeError(`${where}: ${path} is ${v}, which JSON cannot hold`);
      return;
    }
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${path}[${i}]`));
    if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      for (const [k, x] of Object.entries(v as object)) visit(x, `${path}.${k}`);
      return;
    }
    throw new TypeError(
      `${where}: ${path} is ${
        describe(v)
      }, which is not JSON (numbers, strings, booleans, null, arrays, plain objects)`,
    );
  };
  visit(value, "value");
  return JSON.stringify(value);
}

function checkCount(where: string, name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new TypeError(`${where}: ${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value as number;
}

/**
 * Saves a training checkpoint to `path` (one safetensors file, written atomically). Only `model`
 * is required; the random generator's state is included unless `rng: false`.
 *
 * @example
 * ```ts
 * import { Adam, Linear, loadCheckpoint, saveCheckpoint, StepLR } from "@axon/ml";
 *
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters(), 1e-3);
 * const scheduler = new StepLR(optimizer, 10, 0.5);
 * const path = `${Deno.makeTempDirSync()}/ckpt.safetensors`;
 * saveCheckpoint(path, { model, optimizer, scheduler, epoch: 3, step: 120 });
 * // later, after building the same objects:
 * const { epoch, step } = loadCheckpoint(path, { model, optimizer, scheduler });
 * ```
 */
export function saveCheckpoint(path: string, options: SaveCheckpointOptions): void {
  const where = "saveCheckpoint";
  if (typeof path !== "string" || path === "") throw new TypeError(`${where}: path must be a non-empty string`);
  const o = checkOptions<SaveCheckpointOptions>(where, options, SAVE_KEYS);
  if (!o.model || typeof (o.model as Module).stateDict !== "function") {
    throw new TypeError(`${where}: model must be a Module, got ${describe(o.model)}`);
  }
  const epoch = checkCount(where, "epoch", o.epoch);
  const step = checkCount(where, "step", o.step);

  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(o.model.stateDict())) tensors[`model.${name}`] = t;
  const metadata: SafetensorsMetadata = { format: CHECKPOINT_FORMAT, checkpoint_version: String(CHECKPOINT_VERSION) };

  if (o.optimizer !== undefined) {
    const dict = o.optimizer.stateDict();
    const scalars: Record<string, Record<string, number>> = {};
    for (const [index, state] of Object.entries(dict.state)) {
      for (const [key, v] of Object.entries(state)) {
        if (v instanceof Tensor) tensors[`optimizer.state.${index}.${key}`] = v;
        else (scalars[index] ??= {})[key] = v;
      }
    }
    metadata.optimizer = strictJson({
      type: o.optimizer.constructor.name,
      paramGroups: dict.paramGroups,
      state: scalars,
    }, `${where}: optimizer`);
  }
  if (o.scheduler !== undefined) metadata.scheduler = strictJson(o.scheduler.stateDict(), `${where}: scheduler`);
  if (o.scaler !== undefined) metadata.scaler = strictJson(o.scaler.stateDict(), `${where}: scaler`);
  if (o.dataLoader !== undefined) {
    metadata.data_loader = JSON.stringify({ seed: o.dataLoader.seed.toString(), epoch: o.dataLoader.epoch });
  }
  if (o.rng ?? true) {
    const { seed, counter } = getRngState();
    metadata.rng = JSON.stringify({ seed: seed.toString(), counter: counter.toString() });
  }
  if (epoch !== undefined) metadata.epoch = String(epoch);
  if (step !== undefined) metadata.step = String(step);
  if (o.extra !== undefined) metadata.extra = strictJson(o.extra, `${where}: extra`);
  saveSafetensors(path, tensors, metadata);
}

/** Parses one JSON metadata entry, or returns undefined when absent. */
function jsonEntry(path: string, metadata: SafetensorsMetadata, key: string): unknown {
  if (!Object.hasOwn(metadata, key)) return undefined;
  try {
    return JSON.parse(metadata[key]);
  } catch (e) {
    throw new CheckpointError(path, `metadata entry ${key} is not valid JSON (${(e as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function intEntry(path: string, metadata: SafetensorsMetadata, key: string): number | null {
  if (!Object.hasOwn(metadata, key)) return null;
  const n = Number(metadata[key]);
  if (!/^\d+$/.test(metadata[key]) || !Number.isSafeInteger(n)) {
    throw new CheckpointError(
      path,
      `metadata ${key} must be a non-negative integer, got ${JSON.stringify(metadata[key])}`,
    );
  }
  return n;
}

function bigintText(path: string, what: string, v: unknown): bigint {
  if (typeof v !== "string" || !/^\d+$/.test(v)) {
    throw new CheckpointError(path, `${what} must be a decimal integer string, got ${JSON.stringify(v)}`);
  }
  return BigInt(v);
}

/** Rebuilds the optimizer state dict from the metadata and the `optimizer.state.*` tensors, checking it against `optimizer`. */
function optimizerDict(
  path: string,
  saved: unknown,
  tensors: Record<string, Tensor>,
  optimizer: Optimizer,
): OptimizerStateDict {
  if (!isRecord(saved) || !Array.isArray(saved.paramGroups) || !isRecord(saved.state)) {
    throw new CheckpointError(path, "metadata entry optimizer must be an object with type, paramGroups and state");
  }
  const own = optimizer.constructor.name;
  if (saved.type !== own) {
    throw new CheckpointError(path, `the checkpoint holds ${String(saved.type)} state, but the optimizer is ${own}`);
  }
  const groups = optimizer.paramGroups;
  if (saved.paramGroups.length !== groups.length) {
    throw new CheckpointError(
      path,
      `the checkpoint's ${own} has ${saved.paramGroups.length} parameter groups, the optimizer ${groups.length}`,
    );
  }
  const byIndex: Tensor[] = [];
  saved.paramGroups.forEach((g: unknown, i: number) => {
    if (!isRecord(g) || !Array.isArray(g.params) || typeof g.lr !== "number") {
      throw new CheckpointError(path, `optimizer parameter group ${i} must be an object with params (indices) and lr`);
    }
    if (g.params.length !== groups[i].params.length) {
      throw new CheckpointError(
        path,
        `optimizer parameter group ${i} has ${g.params.length} parameters in the checkpoint, ${
          groups[i].params.length
        } in the optimizer`,
      );
    }
    g.params.forEach((k: unknown, j: number) => {
      if (!Number.isSafeInteger(k) || (k as number) < 0 || byIndex[k as number] !== undefined) {
        throw new CheckpointError(
          path,
          `optimizer parameter group ${i}: bad or repeated parameter index ${JSON.stringify(k)}`,
        );
      }
      byIndex[k as number] = groups[i].params[j];
    });
  });
  const state: Record<number, ParamState> = {};
  const define = (index: number, key: string, value: Tensor | number) => {
    const p = byIndex[index];
    if (p === undefined) {
      throw new CheckpointError(path, `optimizer state for parameter index ${index}, which no group holds`);
    }
    if (value instanceof Tensor && value.numel !== 1 && formatShape(value.shape) !== formatShape(p.shape)) {
      throw new CheckpointError(
        path,
        `optimizer state ${key} of parameter ${index} has shape ${formatShape(value.shape)}, the parameter ${
          formatShape(p.shape)
        }`,
      );
    }
    (state[index] ??= {})[key] = value;
  };
  for (const [index, scalars] of Object.entries(saved.state)) {
    if (!/^\d+$/.test(index) || !isRecord(scalars)) {
      throw new CheckpointError(path, `optimizer state entry ${JSON.stringify(index)} is malformed`);
    }
    for (const [key, v] of Object.entries(scalars)) {
      if (typeof v !== "number") {
        throw new CheckpointError(
          path,
          `optimizer state ${key} of parameter ${index} must be a number, got ${JSON.stringify(v)}`,
        );
      }
      define(Number(index), key, v);
    }
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith("optimizer.")) continue;
    const m = /^optimizer\.state\.(\d+)\.(.+)$/.exec(name);
    if (!m) {
      throw new CheckpointError(
        path,
        `unexpected tensor ${name} (optimizer tensors are named optimizer.state.<index>.<key>)`,
      );
    }
    define(Number(m[1]), m[2], t);
  }
  const paramGroups = saved.paramGroups as OptimizerStateDict["paramGroups"];
  return { state, paramGroups };
}

/** Checks the model's names and shapes against the `model.*` tensors, without changing the model. */
function modelState(path: string, tensors: Record<string, Tensor>, model: Module): Record<string, Tensor> {
  const state: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith("model.")) state[name.slice(6)] = t;
  const own = model.stateDict();
  const missing = Object.keys(own).filter((k) => !Object.hasOwn(state, k));
  const unexpected = Object.keys(state).filter((k) => !Object.hasOwn(own, k));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [];
    if (missing.length) parts.push(`the model has ${missing.join(", ")}, which the checkpoint lacks`);
    if (unexpected.length) parts.push(`the checkpoint has ${unexpected.join(", ")}, which the model lacks`);
    throw new CheckpointError(path, `the checkpoint does not match the model: ${parts.join("; ")}`);
  }
  for (const [key, target] of Object.entries(own)) {
    const source = state[key];
    if (formatShape(source.shape) !== formatShape(target.shape)) {
      throw new CheckpointError(
        path,
        `model.${key} has shape ${formatShape(source.shape)} in the checkpoint, ${
          formatShape(target.shape)
        } in the model`,
      );
    }
  }
  return state;
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint} into `model` and whichever of `optimizer`,
 * `scheduler`, `scaler` and `dataLoader` are given, and restores the random generator (unless
 * `rng: false`). Everything is checked before anything changes, and each mismatch is a
 * {@link CheckpointError} naming it (another optimizer class, a different parameter count, a
 * shape); a corrupt file is a `SafetensorsError`. Returns the saved `epoch`, `step` and `extra`.
 *
 * Resuming mid-epoch: the DataLoader's epoch is restored to the one its next `iter()` produces,
 * so save it before the epoch's `iter()` (or save `epoch` and the batch index yourself and skip
 * the batches already done; skipping does not touch the random generator).
 *
 * @example
 * ```ts
 * import { Adam, Linear, loadCheckpoint, saveCheckpoint } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Linear(4, 2);
 * const optimizer = new Adam(model.parameters(), 1e-3);
 * const path = `${Deno.makeTempDirSync()}/ckpt.safetensors`;
 * saveCheckpoint(path, { model, optimizer, epoch: 3, step: 120 });
 * const { epoch, step } = loadCheckpoint(path, { model, optimizer });
 * assert.deepEqual([epoch, step], [3, 120]);
 * ```
 */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions): LoadCheckpointResult {
  const where = "loadCheckpoint";
  if (typeof path !== "string" || path === "") throw new TypeError(`${where}: path must be a non-empty string`);
  const o = checkOptions<LoadCheckpointOptions>(where, options, LOAD_KEYS);
  if (!o.model || typeof (o.model as Module).stateDict !== "function") {
    throw new TypeError(`${where}: model must be a Module, got ${describe(o.model)}`);
  }
  const { tensors, metadata } = loadSafetensors(path);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      path,
      `not an Axon checkpoint (metadata format is ${
        JSON.stringify(metadata.format ?? null)
      }); for model weights use loadModel`,
    );
  }
  if (metadata.checkpoint_version !== String(CHECKPOINT_VERSION)) {
    throw new CheckpointError(
      path,
      `checkpoint version ${metadata.checkpoint_version} is not supported (this Axon reads version ${CHECKPOINT_VERSION})`,
    );
  }

  // 1. Check everything; nothing changes yet.
  const modelDict = modelState(path, tensors, o.model);
  const savedOptimizer = jsonEntry(path, metadata, "optimizer");
  let optimizer: OptimizerStateDict | undefined;
  if (o.optimizer !== undefined) {
    if (savedOptimizer === undefined) {
      throw new CheckpointError(path, "an optimizer was given but the checkpoint holds no optimizer state");
    }
    optimizer = optimizerDict(path, savedOptimizer, tensors, o.optimizer);
  }
  const savedScheduler = jsonEntry(path, metadata, "scheduler") as SchedulerStateDict | undefined;
  if (o.scheduler !== undefined) {
    if (savedScheduler === undefined) {
      throw new CheckpointError(path, "a scheduler was given but the checkpoint holds no scheduler state");
    }
    const own = o.scheduler.stateDict().type;
    if (!isRecord(savedScheduler) || savedScheduler.type !== own) {
      throw new CheckpointError(
        path,
        `the checkpoint holds ${
          isRecord(savedScheduler) ? String(savedScheduler.type) : "malformed"
        } scheduler state, but the scheduler is ${own}`,
      );
    }
  }
  const savedScaler = jsonEntry(path, metadata, "scaler") as GradScalerStateDict | undefined;
  if (o.scaler !== undefined) {
    if (!isRecord(savedScaler)) {
      throw new CheckpointError(path, "a GradScaler was given but the checkpoint holds no scaler state");
    }
    const enabledNow = o.scaler.isEnabled();
    const enabledThen = Object.keys(savedScaler).length > 0;
    if (enabledNow !== enabledThen) {
      throw new CheckpointError(
        path,
        `the checkpoint's GradScaler was ${enabledThen ? "enabled" : "disabled"}, this one is ${
          enabledNow ? "enabled" : "disabled"
        }`,
      );
    }
  }
  let loaderState: { seed: bigint; epoch: number } | undefined;
  if (o.dataLoader !== undefined) {
    const saved = jsonEntry(path, metadata, "data_loader");
    if (!isRecord(saved)) {
      throw new CheckpointError(path, "a DataLoader was given but the checkpoint holds no DataLoader state");
    }
    if (!Number.isSafeInteger(saved.epoch) || (saved.epoch as number) < 0) {
      throw new CheckpointError(path, `data_loader epoch must be a non-negative integer`);
    }
    loaderState = { seed: bigintText(path, "data_loader seed", saved.seed), epoch: saved.epoch as number };
  }
  let rng: { seed: bigint; counter: bigint } | undefined;
  const savedRng = jsonEntry(path, metadata, "rng");
  if ((o.rng ?? true) && savedRng !== undefined) {
    if (!isRecord(savedRng)) throw new CheckpointError(path, "metadata entry rng must be an object");
    rng = {
      seed: bigintText(path, "rng seed", savedRng.seed),
      counter: bigintText(path, "rng counter", savedRng.counter),
    };
  } else if (o.rng === true) {
    throw new CheckpointError(path, "rng: true was given but the checkpoint holds no random generator state");
  }
  const epoch = intEntry(path, metadata, "epoch");
  const step = intEntry(path, metadata, "step");
  const extra = (jsonEntry(path, metadata, "extra") ?? null) as CheckpointJson;

  // 2. The scheduler and scaler validate their own fields: restore both on failure.
  const schedulerBefore = o.scheduler?.stateDict();
  const scalerBefore = o.scaler?.stateDict();
  const lrsBefore = o.optimizer?.paramGroups.map((g) => g.lr);
  try {
    if (o.scheduler !== undefined) o.scheduler.loadStateDict(savedScheduler!);
    if (o.scaler !== undefined) o.scaler.loadStateDict(savedScaler!);
  } catch (e) {
    if (o.scheduler !== undefined) o.scheduler.loadStateDict(schedulerBefore!);
    if (o.scaler !== undefined) o.scaler.loadStateDict(scalerBefore as GradScalerStateDict);
    o.optimizer?.paramGroups.forEach((g, i) => (g.lr = lrsBefore![i]));
    throw new CheckpointError(path, (e as Error).message, { cause: e });
  }
  // 3. Already checked: these cannot fail.
  if (o.optimizer !== undefined) o.optimizer.loadStateDict(optimizer!);
  o.model.loadStateDict(modelDict);
  if (loaderState !== undefined) {
    (o.dataLoader as unknown as { seed: bigint }).seed = loaderState.seed;
    o.dataLoader!.setEpoch(loaderState.epoch);
  }
  if (rng !== undefined) setRngState(rng);
  return { epoch, step, extra, metadata };
}
