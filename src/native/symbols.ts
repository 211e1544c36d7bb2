/**
 * The C ABI of the native library, declared once for both runtimes (see `zig/ABI.md`).
 *
 * Types use a neutral vocabulary that `deno.ts` and `bun.ts` translate: `"buffer"` is a typed
 * array passed zero-copy (or `null` for an empty operand).
 *
 * @module
 */

/** Version of the C ABI this TypeScript expects; must equal `axon_abi_version()`. */
export const ABI_VERSION = 8;

/** A parameter or result type of a native export. */
export type NativeType = "u32" | "i32" | "i64" | "u64" | "f32" | "f64" | "buffer" | "pointer" | "void";

/** Signature of one native export. */
export interface NativeSignature {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

const tensorOperand = ["buffer", "i64", "i64"] as const; // ptr, byte length, element offset

/** Every export of the native library with its signature. */
export const SYMBOLS = {
  axon_abi_version: { parameters: [], result: "u32" },
  axon_last_error: { parameters: ["buffer", "i64"], result: "i64" },
  axon_get_num_threads: { parameters: [], result: "i32" },
  axon_set_num_threads: { parameters: ["i32"], result: "i32" },
  axon_gemm: {
    parameters: [
      "u32",
      "u32",
      "u32",
      "i64",
      "i64",
      "i64",
      "i64",
      "f32",
      ...tensorOperand,
      "i64",
      "i64",
      ...tensorOperand,
      "i64",
      "i64",
      "f32",
      ...tensorOperand,
      "i64",
      "i64",
    ],
    result: "i32",
  },
  axon_unary: {
    parameters: ["u32", "u32", "i64", ...tensorOperand, ...tensorOperand, "f64", "f64"],
    result: "i32",
  },
  axon_binary: {
    parameters: ["u32", "u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_where: {
    parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_copy: {
    parameters: ["u32", "u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_fill: { parameters: ["u32", "i64", ...tensorOperand, "f64"], result: "i32" },
  axon_arange: { parameters: ["u32", "i64", ...tensorOperand, "f64", "f64"], result: "i32" },
  axon_reduce: {
    parameters: ["u32", "u32", "i64", "i64", "i64", ...tensorOperand, ...tensorOperand],
    result: "i32",
  },
  axon_softmax: {
    parameters: ["u32", "u32", "i64", "i64", "i64", ...tensorOperand, ...tensorOperand],
    result: "i32",
  },
  axon_rng: {
    parameters: ["u32", "u32", "i64", ...tensorOperand, "u64", "u64", "f64", "f64"],
    result: "i32",
  },
  // ---- version 2: autograd and nn ----
  axon_im2col: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_col2im: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_pool2d: {
    parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_pool2d_backward: {
    parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_adaptive_avg_pool2d: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_index_select: {
    parameters: ["u32", "i64", "i64", "i64", ...tensorOperand, "buffer", "i64", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_index_add: {
    parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "buffer", "i64", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_gather: {
    parameters: ["u32", "i64", "i64", "i64", ...tensorOperand, "buffer", "i64", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_scatter_add: {
    parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "buffer", "i64", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_cross_entropy: {
    parameters: [
      "i64",
      "i64",
      ...tensorOperand,
      ...tensorOperand,
      "buffer",
      "i64",
      "i64",
      "f64",
      "buffer",
      "i64",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
  axon_cross_entropy_backward: {
    parameters: [
      "i64",
      "i64",
      ...tensorOperand,
      ...tensorOperand,
      "buffer",
      "i64",
      "i64",
      "f64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
  // ---- version 5: background row gathers (DataLoader prefetch); version 8: the library claims the slot ----
  axon_index_select_async: {
    parameters: ["u32", "i64", "i64", "i64", ...tensorOperand, "buffer", "i64", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_async_wait: { parameters: ["u32"], result: "i32" },
  // ---- version 9: tensor storage from the caching allocator (replaces version 4's axon_alloc/axon_free) ----
  axon_storage_new: { parameters: ["i64", "i32"], result: "pointer" },
  axon_storage_lease: { parameters: ["pointer"], result: "pointer" },
  axon_storage_finalize: { parameters: ["pointer", "pointer"], result: "void" },
  axon_storage_release: { parameters: ["buffer"], result: "i32" },
  axon_memory_stats: { parameters: ["u32", "buffer", "i64"], result: "i32" },
  axon_memory_reset_peak: { parameters: ["u32"], result: "i32" },
  // ---- version 7: native memory count, fused f32 convolution ----
  axon_native_bytes: { parameters: [], result: "i64" },
  axon_empty_cache: { parameters: [], result: "i64" },
  axon_conv2d: {
    parameters: ["buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"],
    result: "i32",
  },
  axon_conv2d_backward: {
    parameters: [
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
  // ---- version 8: death watch (objects the collector freed, told synchronously) ----
  axon_watch_owner: { parameters: [], result: "u32" },
  axon_watch_new: { parameters: ["u32", "u32"], result: "pointer" },
  axon_watch_fired: { parameters: ["pointer", "pointer"], result: "void" },
  axon_watch_drain: { parameters: ["u32", "buffer", "i64"], result: "i64" },
  axon_process_alive: { parameters: ["i64"], result: "i32" },
  // ---- version 3: optimizers ----
  axon_sgd_step: {
    parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"],
    result: "i32",
  },
  axon_adam_step: {
    parameters: [
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "u32",
    ],
    result: "i32",
  },
  axon_rmsprop_step: {
    parameters: [
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "u32",
    ],
    result: "i32",
  },
  axon_adagrad_step: {
    parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"],
    result: "i32",
  },
  axon_lamb_update: {
    parameters: [
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "u32",
    ],
    result: "i32",
  },
  axon_lamb_apply: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_scale_inplace: { parameters: ["i64", "buffer", "i64", "f64"], result: "i32" },
  axon_clamp_inplace: { parameters: ["i64", "buffer", "i64", "f64", "f64"], result: "i32" },
  axon_nonfinite_count: { parameters: ["i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_amp_unscale: { parameters: ["u32", "i64", ...tensorOperand, "f64", "buffer", "i64"], result: "i32" },
  // ---- version 8: collectives over MPI (zig/abi/distributed.zig) ----
  axon_dist_init: { parameters: ["buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_dist_submit: {
    parameters: ["u32", "u32", "u32", "i64", ...tensorOperand, ...tensorOperand, "i64"],
    result: "i64",
  },
  axon_dist_wait: { parameters: ["i64", "i64"], result: "i32" },
  axon_dist_run: {
    parameters: ["u32", "u32", "u32", "i64", ...tensorOperand, ...tensorOperand, "i64", "i64"],
    result: "i32",
  },
  axon_dist_finalize: { parameters: ["i64"], result: "i32" },
  axon_dist_abort: { parameters: ["i32"], result: "i32" },
} as const satisfies Record<string, NativeSignature>;

/** Names of the native exports. */
export type SymbolName = keyof typeof SYMBOLS;

/** A bound native function: numbers, bigints and typed arrays in, a number (or bigint) out. */
// deno-lint-ignore no-explicit-any
export type NativeFunction = (...args: any[]) => any;

/** The loaded library: one callable per export. */
export type NativeSymbols = { readonly [K in SymbolName]: NativeFunction };

/**
 * Exports bound apart from {@link SYMBOLS}, only when present: the CPU-level probe the loader asks
 * before choosing which library file to open (zig/abi/cpu.zig).
 */
export const CPU_SYMBOLS: Record<"axon_cpu_build_level" | "axon_cpu_best_level", NativeSignature> = {
  axon_cpu_build_level: { parameters: [], result: "i32" },
  axon_cpu_best_level: { parameters: [], result: "i32" },
};
