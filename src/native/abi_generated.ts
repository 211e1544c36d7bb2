// GENERATED from zig/ by zig/abi_gen.zig (`tools/dev.sh abi`): do not edit. Change the Zig
// declarations and regenerate; tests/native/abi_generated_test.ts fails while they differ.
/**
 * The C ABI as Zig declares it: export signatures, op codes, flag bits and the layouts of the
 * hyper-parameter and meta arrays (see zig/ABI.md).
 * @module
 */

/** Version of the C ABI (zig/root.zig `abi_version`). */
export const ABI_VERSION = 9;

/** Every export of the native library with its signature, by family. */
export const SYMBOLS = {
  // core (zig/abi/core.zig)
  axon_abi_version: { parameters: [], result: "u32" },
  axon_last_error: { parameters: ["buffer", "i64"], result: "i64" },
  axon_get_num_threads: { parameters: [], result: "i32" },
  axon_set_num_threads: { parameters: ["i32"], result: "i32" },
  // gemm (zig/abi/gemm.zig)
  axon_gemm: { parameters: ["u32", "u32", "u32", "i64", "i64", "i64", "i64", "f32", "buffer", "i64", "i64", "i64", "i64", "buffer", "i64", "i64", "i64", "i64", "f32", "buffer", "i64", "i64", "i64", "i64"], result: "i32" },
  // elementwise (zig/abi/elementwise.zig)
  axon_unary: { parameters: ["u32", "u32", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "f64", "f64"], result: "i32" },
  axon_binary: { parameters: ["u32", "u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_where: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_copy: { parameters: ["u32", "u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_fill: { parameters: ["u32", "i64", "buffer", "i64", "i64", "f64"], result: "i32" },
  axon_arange: { parameters: ["u32", "i64", "buffer", "i64", "i64", "f64", "f64"], result: "i32" },
  // reduce (zig/abi/reduce.zig)
  axon_reduce: { parameters: ["u32", "u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
  axon_softmax: { parameters: ["u32", "u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
  // rng (zig/abi/rng.zig)
  axon_rng: { parameters: ["u32", "u32", "i64", "buffer", "i64", "i64", "u64", "u64", "f64", "f64"], result: "i32" },
  // conv (zig/abi/conv.zig)
  axon_im2col: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_col2im: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_conv2d: { parameters: ["buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_conv2d_backward: { parameters: ["buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_pool2d: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_pool2d_backward: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_adaptive_avg_pool2d: { parameters: ["u32", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  // index (zig/abi/index.zig)
  axon_index_select: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_index_add: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_gather: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_scatter_add: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  // loss (zig/abi/loss.zig)
  axon_cross_entropy: { parameters: ["i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "f64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_cross_entropy_backward: { parameters: ["i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "f64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  // prefetch (zig/abi/prefetch.zig)
  axon_index_select_async: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_async_wait: { parameters: ["u32"], result: "i32" },
  // memory (zig/abi/memory.zig)
  axon_storage_new: { parameters: ["i64", "i32"], result: "pointer" },
  axon_storage_lease: { parameters: ["pointer"], result: "pointer" },
  axon_storage_finalize: { parameters: ["pointer", "pointer"], result: "void" },
  axon_storage_release: { parameters: ["buffer"], result: "i32" },
  axon_memory_stats: { parameters: ["u32", "buffer", "i64"], result: "i32" },
  axon_memory_reset_peak: { parameters: ["u32"], result: "i32" },
  axon_native_bytes: { parameters: [], result: "i64" },
  axon_empty_cache: { parameters: [], result: "i64" },
  // death_watch (zig/abi/death_watch.zig)
  axon_watch_owner: { parameters: [], result: "u32" },
  axon_watch_new: { parameters: ["u32", "u32"], result: "pointer" },
  axon_watch_fired: { parameters: ["pointer", "pointer"], result: "void" },
  axon_watch_drain: { parameters: ["u32", "buffer", "i64"], result: "i64" },
  // process (zig/abi/process.zig)
  axon_process_alive: { parameters: ["i64"], result: "i32" },
  // optim (zig/abi/optim.zig)
  axon_sgd_step: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"], result: "i32" },
  axon_adam_step: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"], result: "i32" },
  axon_rmsprop_step: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"], result: "i32" },
  axon_adagrad_step: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"], result: "i32" },
  axon_lamb_update: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "buffer", "i64", "u32"], result: "i32" },
  axon_lamb_apply: { parameters: ["i64", "buffer", "i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  axon_scale_inplace: { parameters: ["i64", "buffer", "i64", "f64"], result: "i32" },
  axon_clamp_inplace: { parameters: ["i64", "buffer", "i64", "f64", "f64"], result: "i32" },
  axon_nonfinite_count: { parameters: ["i64", "buffer", "i64", "buffer", "i64"], result: "i32" },
  // amp (zig/abi/amp.zig)
  axon_amp_unscale: { parameters: ["u32", "i64", "buffer", "i64", "i64", "f64", "buffer", "i64"], result: "i32" },
  // distributed (zig/abi/distributed.zig)
  axon_dist_init: { parameters: ["buffer", "i64", "i64", "buffer", "i64"], result: "i32" },
  axon_dist_submit: { parameters: ["u32", "u32", "u32", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "i64"], result: "i64" },
  axon_dist_run: { parameters: ["u32", "u32", "u32", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "i64", "i64"], result: "i32" },
  axon_dist_wait: { parameters: ["i64", "i64"], result: "i32" },
  axon_dist_finalize: { parameters: ["i64"], result: "i32" },
  axon_dist_abort: { parameters: ["i32"], result: "i32" },
  // sort (zig/abi/sort.zig)
  axon_argsort: { parameters: ["u32", "u32", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
  axon_topk: { parameters: ["u32", "u32", "u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
  axon_scan: { parameters: ["u32", "u32", "u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
  axon_cumprod_backward: { parameters: ["u32", "i64", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64", "buffer", "i64", "i64"], result: "i32" },
} as const;

/** The CPU-level probe (zig/abi/cpu.zig), bound apart by the loader. */
export const CPU_SYMBOLS = {
  axon_cpu_build_level: { parameters: [], result: "i32" },
  axon_cpu_best_level: { parameters: [], result: "i32" },
} as const;

/** `DTypeCode` codes (zig/abi/core.zig). */
export const DTypeCode = { f32: 0, f64: 1, f16: 2, bf16: 3, i32: 4, i64: 5, u8: 6 } as const;

/** `UnaryOp` codes (zig/abi/elementwise.zig). */
export const UnaryOp = { neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, abs: 5, tanh: 6, sigmoid: 7, relu: 8, clamp: 9, powScalar: 10, reciprocal: 11, square: 12, sign: 13, gelu: 14, geluTanh: 15, leakyRelu: 16, log1p: 17, expm1: 18, sin: 19, cos: 20, floor: 21, ceil: 22, round: 23, mulScalar: 24, addScalar: 25 } as const;

/** `BinaryOp` codes (zig/abi/elementwise.zig). */
export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12, reluBackward: 13, geluBackward: 14, geluTanhBackward: 15, sigmoidBackward: 16, tanhBackward: 17 } as const;

/** `ReduceOp` codes (zig/abi/reduce.zig). */
export const ReduceOp = { sum: 0, mean: 1, max: 2, min: 3, argmax: 4, argmin: 5, prod: 6, sumOfSquares: 7 } as const;

/** `Distribution` codes (zig/abi/rng.zig). */
export const Distribution = { uniform: 0, normal: 1, bernoulli: 2 } as const;

/** `Im2colMeta` meta layout (positions in the i64 array) (zig/abi/conv.zig). */
export const Im2colMeta = { n: 0, c: 1, h: 2, w: 3, kh: 4, kw: 5, sh: 6, sw: 7, ph: 8, pw: 9, dh: 10, dw: 11, xOff: 12, colsOff: 13 } as const;

/** `Conv2dMeta` meta layout (positions in the i64 array) (zig/abi/conv.zig). */
export const Conv2dMeta = { n: 0, c: 1, h: 2, w: 3, kh: 4, kw: 5, sh: 6, sw: 7, ph: 8, pw: 9, dh: 10, dw: 11, oc: 12, xOff: 13, wOff: 14, biasOff: 15 } as const;

/** `Conv2dBackwardMeta` meta layout (positions in the i64 array) (zig/abi/conv.zig). */
export const Conv2dBackwardMeta = { n: 0, c: 1, h: 2, w: 3, kh: 4, kw: 5, sh: 6, sw: 7, ph: 8, pw: 9, dh: 10, dw: 11, oc: 12, xOff: 13, wOff: 14, dyOff: 15 } as const;

/** `Pool2dMeta` meta layout (positions in the i64 array) (zig/abi/conv.zig). */
export const Pool2dMeta = { n: 0, c: 1, h: 2, w: 3, kh: 4, kw: 5, sh: 6, sw: 7, ph: 8, pw: 9, dh: 10, dw: 11, ceilMode: 12, countIncludePad: 13, divisorOverride: 14, xOff: 15 } as const;

/** `AdaptivePool2dMeta` meta layout (positions in the i64 array) (zig/abi/conv.zig). */
export const AdaptivePool2dMeta = { n: 0, c: 1, h: 2, w: 3, oh: 4, ow: 5 } as const;

/** `PoolKind` codes (zig/abi/conv.zig). */
export const PoolKind = { max: 0, avg: 1 } as const;

/** `SgdFlag` flag bits (zig/abi/optim.zig). */
export const SgdFlag = { nesterov: 1, maximize: 2, firstStep: 4 } as const;

/** `SgdHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const SgdHyper = { lr: 0, momentum: 1, dampening: 2, weightDecay: 3 } as const;

/** `AdamFlag` flag bits (zig/abi/optim.zig). */
export const AdamFlag = { amsgrad: 1, decoupled: 2, maximize: 4 } as const;

/** `AdamHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const AdamHyper = { lr: 0, beta1: 1, beta2: 2, eps: 3, weightDecay: 4, step: 5 } as const;

/** `RmspropFlag` flag bits (zig/abi/optim.zig). */
export const RmspropFlag = { centered: 1, maximize: 2 } as const;

/** `RmspropHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const RmspropHyper = { lr: 0, alpha: 1, eps: 2, weightDecay: 3, momentum: 4 } as const;

/** `AdagradFlag` flag bits (zig/abi/optim.zig). */
export const AdagradFlag = { maximize: 1 } as const;

/** `AdagradHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const AdagradHyper = { lr: 0, lrDecay: 1, weightDecay: 2, eps: 3, step: 4 } as const;

/** `LambFlag` flag bits (zig/abi/optim.zig). */
export const LambFlag = { biasCorrection: 1, maximize: 2 } as const;

/** `LambHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const LambHyper = { beta1: 0, beta2: 1, eps: 2, weightDecay: 3, step: 4 } as const;

/** `LambApplyHyper` hyper-parameter layout (positions in the f64 array) (zig/abi/optim.zig). */
export const LambApplyHyper = { lr: 0, paramNorm: 1, updateNorm: 2 } as const;

/** `CollectiveKind` codes (zig/abi/distributed.zig). */
export const CollectiveKind = { allReduce: 0, broadcast: 1, allGather: 2, reduceScatter: 3, barrier: 4, finalize: 5 } as const;

/** `CollectiveOp` codes (zig/abi/distributed.zig). */
export const CollectiveOp = { sum: 0, avg: 1, max: 2, min: 3 } as const;

/** `ScanOp` codes (zig/abi/sort.zig). */
export const ScanOp = { cumsum: 0, cumprod: 1 } as const;
