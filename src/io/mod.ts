/**
 * Model files: safetensors reading and writing, and whole-model save/load.
 * @module
 */
export {
  loadSafetensors,
  MAX_HEADER_BYTES,
  parseSafetensors,
  SafetensorsError,
  saveSafetensors,
  serializeSafetensors,
} from "./safetensors.ts";
export type { SafetensorsContents, SafetensorsMetadata } from "./safetensors.ts";
export { loadModel, saveModel } from "./model_io.ts";
export type { LoadModelOptions, LoadModelResult } from "./model_io.ts";
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export type {
  CheckpointJson,
  LoadCheckpointOptions,
  LoadCheckpointResult,
  SaveCheckpointOptions,
} from "./checkpoint.ts";
