/**
 * Saving and loading a whole model's state dict as safetensors, with PyTorch's names, so files move
 * freely between Axon and PyTorch (`safetensors.torch.load_file` / `save_file`).
 * @module
 */
import { type LoadStateDictResult, Module } from "../nn/module.ts";
import { checkBool } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { loadSafetensors, type SafetensorsMetadata, saveSafetensors } from "./safetensors.ts";

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Refuse missing and unexpected names (default true, as PyTorch's `load_state_dict`). */
  strict?: boolean;
}

/** What {@link loadModel} returns: the keys that did not line up (non-strict) and the file's metadata. */
export interface LoadModelResult extends LoadStateDictResult {
  /** The file's `__metadata__` strings. */
  metadata: SafetensorsMetadata;
}

/** Throws unless `metadata` is a plain object of strings (safetensors' `__metadata__`). */
function checkMetadata(where: string, metadata: unknown): void {
  if (
    metadata === null || typeof metadata !== "object" || Array.isArray(metadata) ||
    Object.getPrototypeOf(metadata) !== Object.prototype
  ) {
    throw new TypeError(`${where}: metadata must be an object of strings, got ${describe(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new TypeError(`${where}: metadata["${key}"] must be a string, got ${describe(value)}`);
    }
  }
}

/**
 * Saves `module.stateDict()` (parameters and buffers under PyTorch's dotted names, in PyTorch's
 * order) to `path` as safetensors, atomically (temporary file + rename). The metadata defaults to
 * `{ format: "pt" }`, the tag Hugging Face loaders expect; keys given here are added to it.
 * Throws on error.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, saveModel, Sequential } from "@axon/ml";
 *
 * const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
 * const path = `${Deno.makeTempDirSync()}/mnist_model.safetensors`;
 * saveModel(model, path);
 * // Python: model.load_state_dict(safetensors.torch.load_file("mnist_model.safetensors"))
 * ```
 */
export function saveModel(module: Module, path: string, metadata: SafetensorsMetadata = {}): void {
  if (!(module instanceof Module)) throw new TypeError(`saveModel: module must be a Module, got ${describe(module)}`);
  if (typeof path !== "string") throw new TypeError(`saveModel: path must be a string, got ${describe(path)}`);
  checkMetadata("saveModel", metadata);
  saveSafetensors(path, module.stateDict(), { format: "pt", ...metadata });
}

/**
 * Loads a safetensors file (from Axon or from PyTorch's `safetensors.torch.save_file(model.state_dict())`)
 * into `module`'s parameters and buffers. Strict by default: missing or unexpected names, and
 * shape mismatches, are errors. Dtypes are converted to the module's (PyTorch's int64
 * `num_batches_tracked` loads into Axon's i32 buffer after a range check; f16/bf16 weights load
 * into f32 parameters). Nothing is modified unless every check passes. Throws on error.
 *
 * @example
 * ```ts
 * import { Linear, loadModel, ReLU, saveModel, Sequential } from "@axon/ml";
 *
 * const path = `${Deno.makeTempDirSync()}/mnist_model.safetensors`;
 * saveModel(new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10)), path);
 * const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
 * loadModel(model, path);
 * ```
 */
export function loadModel(module: Module, path: string, options: LoadModelOptions = {}): LoadModelResult {
  const { strict = true } = checkOptions<LoadModelOptions>("loadModel", options, ["strict"]);
  checkBool("loadModel", "strict", strict);
  if (!(module instanceof Module)) throw new TypeError(`loadModel: module must be a Module, got ${describe(module)}`);
  if (typeof path !== "string") throw new TypeError(`loadModel: path must be a string, got ${describe(path)}`);
  const { tensors, metadata } = loadSafetensors(path);
  try {
    return { ...module.loadStateDict(tensors, { strict }), metadata };
  } catch (e) {
    if (e instanceof Error) e.message = `${path}: ${e.message}`;
    throw e;
  }
}
