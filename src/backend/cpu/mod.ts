/**
 * The CPU backend: the native library's kernels (zig/), one small file per family.
 * @module
 */
import type { Backend } from "../backend.ts";
import { amp } from "./amp.ts";
import { conv } from "./conv.ts";
import { elementwise } from "./elementwise.ts";
import { gemm } from "./gemm.ts";
import { index } from "./index.ts";
import { loss } from "./loss.ts";
import { memory } from "./memory.ts";
import { optim } from "./optim.ts";
import { reduce } from "./reduce.ts";
import { rng } from "./rng.ts";
import { sort } from "./sort.ts";

/** The CPU backend. */
export const cpuBackend: Backend = {
  device: "cpu",
  ...memory,
  ...elementwise,
  ...reduce,
  ...gemm,
  ...conv,
  ...index,
  ...loss,
  ...rng,
  ...optim,
  ...amp,
  ...sort,
};
