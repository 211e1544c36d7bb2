/**
 * Saving and loading a whole model's state dict as safetensors, with PyTorch's names, so files move
 * freely between Axon and PyTorch (`safetensors.torch.load_file` / `save_file`).
 * @module
 */
import type { LoadStateDictResult, Module } from "../nn/module.ts";
import { loadSafetensors, saveSafetensors, type SafetensorsMetadata } from "./safetensors.ts";

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

/**
 * Saves `module.stateDict()` (parameters and buffers under PyTorch's dotted names, in PyTorch's
 * order) to `path` as safetensors, atomically (temporary file + rename). The metadata defaults to
 * `{ format: "pt" }`, the tag Hugging Face loaders expect; keys given here are added to it.
 * Throws on error.
 *
 * @example
 * ```ts
 * const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
 * saveModel(model, "mnist_model.safetensors");
 * // Python: model.load_state_dict(safetensors.torch.load_file("mnist_model.safetensors"))
 * ```
 */
export function saveModel(module: Module, path: string, metadata: SafetensorsMetadata = {}): void {
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
 * const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
 * loadModel(model, "mnist_model.safetensors");
 * ```
 */
export function loadModel(module: Module, path: string, options: LoadModelOptions = {}): LoadModelResult {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    return { ...module.loadStateDict(tensors, { strict: options.strict ?? true }), metadata };
  } catch (e) {
    if (e instanceof Error) e.message = `${path}: ${e.message}`;
    throw e;
  }
}
