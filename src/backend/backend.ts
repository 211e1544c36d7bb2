/**
 * The typed kernel layer every op calls: one {@link Backend} per device (src/backend/cpu/ now,
 * CUDA next to it), chosen by the tensors' device (src/backend/registry.ts). Arguments are
 * tensors and typed objects; the backend turns them into its own calls (for the CPU: the C ABI's
 * pointers, lengths, flag words and hyper-parameter/meta arrays, laid out as Zig declares them).
 * Every method checks its call and throws a {@link NativeError} naming `context` or the op on
 * failure. Outputs are written into tensors the caller allocated (on this backend's device).
 * @module
 */
import type {
  AdagradFlag,
  AdagradHyper,
  AdamFlag,
  AdamHyper,
  BinaryOp,
  CollectiveKind,
  CollectiveOp,
  Distribution,
  LambApplyHyper,
  LambFlag,
  LambHyper,
  ReduceOp,
  RmspropFlag,
  RmspropHyper,
  ScanOp,
  SgdFlag,
  SgdHyper,
  UnaryOp,
} from "../native/abi_generated.ts";
import type { Storage } from "../tensor/storage.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { Device } from "./device.ts";
import type { FlagsOf, ValuesOf } from "./layout.ts";

/** Name of a unary op (`axon_unary`). */
export type UnaryOpName = keyof typeof UnaryOp;
/** Name of a binary op (`axon_binary`). */
export type BinaryOpName = keyof typeof BinaryOp;
/** Name of a reduction (`axon_reduce`). */
export type ReduceOpName = keyof typeof ReduceOp;
/** Name of a scan (`axon_scan`). */
export type ScanOpName = keyof typeof ScanOp;
/** Name of a random distribution (`axon_rng`). */
export type DistributionName = keyof typeof Distribution;

/** A tensor split for a reduction along one block of dims: `[outer, r, inner]`, r reduced. */
export interface ReduceExtent {
  readonly outer: number;
  readonly r: number;
  readonly inner: number;
}

/** One operand of a GEMM: its tensor, whether it is stored transposed, leading dim, batch stride. */
export interface GemmOperand {
  readonly tensor: Tensor;
  readonly trans: boolean;
  readonly ld: number;
  readonly batchStride: number;
}

/** `C_i = alpha·op(A_i)·op(B_i) + beta·C_i` for each of `batch` problems (row-major; zig/ABI.md). */
export interface GemmCall {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly alpha: number;
  readonly beta: number;
  readonly a: GemmOperand;
  readonly b: GemmOperand;
  readonly c: { readonly tensor: Tensor; readonly ld: number; readonly batchStride: number };
}

/** A sliding window over `[N, C, H, W]`: sizes, kernel, stride, padding, dilation. */
export interface Window2d {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
}

/** A pooling window with PyTorch's options (divisorOverride 0: none). */
export interface PoolWindow2d extends Window2d {
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number;
}

/** Kind of 2-d pooling. */
export type PoolKindName = "max" | "avg";

/** Adaptive average pooling geometry: `[N, C, H, W]` → `[N, C, OH, OW]`. */
export interface AdaptivePool2d {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
}

/** A gather or scatter along a dim of a tensor seen as `[outer, dim, inner]`. */
export interface IndexExtent {
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
  /** Number of indices (index_select) or the gathered dim's size (gather). */
  readonly count: number;
}

/** Tensors and options of a cross-entropy call (class-index targets). */
export interface CrossEntropyCall {
  readonly n: number;
  readonly c: number;
  readonly logits: Tensor;
  readonly target: Tensor;
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  /** Per-row logsumexp, written by the forward and read by the backward. */
  readonly lse: Tensor;
}

/** SGD buffers (contiguous f32 from element 0); `momentumBuffer` null without momentum. */
export interface SgdBuffers {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly momentumBuffer: Tensor | null;
}
/** Adam buffers; `maxExpAvgSq` null without AMSGrad. */
export interface AdamBuffers {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly expAvg: Tensor;
  readonly expAvgSq: Tensor;
  readonly maxExpAvgSq: Tensor | null;
}
/** RMSprop buffers; `momentumBuffer` null without momentum, `gradAvg` null unless centered. */
export interface RmspropBuffers {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly squareAvg: Tensor;
  readonly momentumBuffer: Tensor | null;
  readonly gradAvg: Tensor | null;
}
/** Adagrad buffers. */
export interface AdagradBuffers {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly stateSum: Tensor;
}
/** LAMB's first half: moments updated, the raw update written into `update`. */
export interface LambBuffers {
  readonly param: Tensor;
  readonly grad: Tensor;
  readonly expAvg: Tensor;
  readonly expAvgSq: Tensor;
  readonly update: Tensor;
}

/** Name of a collective (`axon_dist_*`). */
export type CollectiveKindName = Exclude<keyof typeof CollectiveKind, "finalize">;
/** Name of a collective's reduction. */
export type CollectiveOpName = keyof typeof CollectiveOp;

/** The memory of one device. */
export interface BackendMemory {
  /** `byteLength` bytes of zeroed, 64-byte-aligned memory on this device. */
  allocate(byteLength: number): Storage;
  /** The bytes of `storage`, readable on the host (the CPU's own memory; a device's: a copy). */
  read(storage: Storage): Uint8Array<ArrayBuffer>;
  /** Copies host `bytes` into the start of `storage` (moving a tensor onto this device). */
  write(storage: Storage, bytes: Uint8Array): void;
  /** Bytes the backend's allocator holds now (live and cached). */
  nativeBytes(): number;
  /** Gives cached free memory back; returns the bytes released. */
  emptyCache(): number;
}

/** Element-wise kernels, fills and strided copies. */
export interface ElementwiseKernels {
  /** `out = op(x)` over `n` contiguous elements of x's dtype (`p0`, `p1`: the op's scalars). */
  unary(op: UnaryOpName, n: number, x: Tensor, out: Tensor, p0: number, p1: number): void;
  /**
   * `out = a op b`, a and b (one dtype, any strides) broadcast to `out`'s shape; out contiguous.
   * Comparisons write u8.
   */
  binary(op: BinaryOpName, out: Tensor, a: Tensor, b: Tensor): void;
  /** `out = cond ? x : y`, the three broadcast to `out`'s shape. */
  where(out: Tensor, cond: Tensor, x: Tensor, y: Tensor): void;
  /** Copies `src` (same shape, any strides and dtype) into `dst`, converting dtype. */
  copy(dst: Tensor, src: Tensor, context: string): void;
  /** Sets `n` contiguous elements of `out` from its offset to `value`. */
  fill(n: number, out: Tensor, value: number, context: string): void;
  /** `out[i] = start + i·step` for `n` contiguous elements. */
  arange(n: number, out: Tensor, start: number, step: number): void;
}

/** Reductions and softmax. */
export interface ReduceKernels {
  /** Reduces `x` (contiguous `[outer, r, inner]`) over r into `out` (`[outer, inner]`). */
  reduce(op: ReduceOpName, extent: ReduceExtent, x: Tensor, out: Tensor): void;
  /** (Log-)softmax of contiguous `x` over r. */
  softmax(log: boolean, extent: ReduceExtent, x: Tensor, out: Tensor, context: string): void;
}

/** Matrix products. */
export interface GemmKernels {
  /** One batched GEMM (f32, f16, bf16; all operands one dtype). */
  gemm(call: GemmCall, context: string): void;
}

/** Convolution and pooling (contiguous `[N, C, H, W]`). */
export interface ConvKernels {
  /** `x` → columns `[N, C·KH·KW, OH·OW]` (cols from element 0). */
  im2col(window: Window2d, x: Tensor, cols: Tensor): void;
  /** Columns → `x` (overwritten with the sums; x from element 0; f32). */
  col2im(window: Window2d, cols: Tensor, x: Tensor): void;
  /** f32 convolution, groups 1: y (from element 0) = conv2d(x, weight, bias). */
  conv2d(window: Window2d, oc: number, x: Tensor, weight: Tensor, bias: Tensor | null, y: Tensor): void;
  /** Gradients of {@link conv2d} (each from element 0; null: not computed). */
  conv2dBackward(
    window: Window2d,
    oc: number,
    x: Tensor,
    weight: Tensor,
    dy: Tensor,
    grads: { readonly dx: Tensor | null; readonly dw: Tensor | null; readonly db: Tensor | null },
  ): void;
  /** Max or average pooling; `indices` (i32 argmax) only for max. */
  pool2d(
    kind: PoolKindName,
    window: PoolWindow2d,
    x: Tensor,
    out: Tensor,
    indices: Tensor | null,
    context: string,
  ): void;
  /** Gradient of {@link pool2d}: dy (from element 0) → dx (overwritten). */
  pool2dBackward(
    kind: PoolKindName,
    window: PoolWindow2d,
    dy: Tensor,
    indices: Tensor | null,
    dx: Tensor,
    context: string,
  ): void;
  /** Adaptive average pooling forward (`src` x → `dst` y) or backward (dy → dx); both from element 0. */
  adaptiveAvgPool2d(backward: boolean, geometry: AdaptivePool2d, src: Tensor, dst: Tensor): void;
}

/** Index selection, gathers and their scatter-add gradients. */
export interface IndexKernels {
  /** `out[o, i, :] = x[o, index[i], :]` (x from its offset, out contiguous). */
  indexSelect(extent: IndexExtent, x: Tensor, index: Tensor, out: Tensor): void;
  /** `dx[o, index[i], :] += src[o, i, :]` (f32). */
  indexAdd(extent: IndexExtent, dx: Tensor, index: Tensor, src: Tensor, context?: string): void;
  /** `out[o, j, i] = x[o, index[o, j, i], i]`. */
  gather(extent: IndexExtent, x: Tensor, index: Tensor, out: Tensor): void;
  /** `dx[o, index[o, j, i], i] += src[o, j, i]` (f32). */
  scatterAdd(extent: IndexExtent, dx: Tensor, index: Tensor, src: Tensor, context?: string): void;
  /**
   * {@link indexSelect} started in the background: a slot to {@link asyncWait} on, or null when
   * every slot is busy (gather synchronously then).
   */
  indexSelectAsync(extent: IndexExtent, x: Tensor, index: Tensor, out: Tensor): number | null;
  /** Waits for a background gather; the error of the gather, if any, is thrown here. */
  asyncWait(slot: number, context: string): void;
  /** Waits for a background gather, ignoring its result (abandoned gathers). */
  asyncDiscard(slot: number): void;
}

/** Fused losses. */
export interface LossKernels {
  /** Per-row loss (f32 `[n]`) and logsumexp (into `call.lse`). */
  crossEntropy(call: CrossEntropyCall, loss: Tensor): void;
  /** Gradient of the per-row loss w.r.t. the logits, scaled by `gradLoss` (`[n]`). */
  crossEntropyBackward(call: CrossEntropyCall, gradLoss: Tensor, dlogits: Tensor): void;
}

/** Counter-based random numbers. */
export interface RngKernels {
  /** Fills `n` contiguous elements of `out` from `distribution` (Philox at seed/counter). */
  rng(
    distribution: DistributionName,
    n: number,
    out: Tensor,
    seed: bigint,
    counter: bigint,
    p0: number,
    p1: number,
  ): void;
}

/** Fused optimizer steps (contiguous f32 buffers from element 0, updated in place). */
export interface OptimizerKernels {
  /** One SGD step. */
  sgdStep(buffers: SgdBuffers, hyper: ValuesOf<typeof SgdHyper>, flags: FlagsOf<typeof SgdFlag>, context: string): void;
  /** One Adam/AdamW step. */
  adamStep(
    buffers: AdamBuffers,
    hyper: ValuesOf<typeof AdamHyper>,
    flags: FlagsOf<typeof AdamFlag>,
    context: string,
  ): void;
  /** One RMSprop step. */
  rmspropStep(
    buffers: RmspropBuffers,
    hyper: ValuesOf<typeof RmspropHyper>,
    flags: FlagsOf<typeof RmspropFlag>,
    context: string,
  ): void;
  /** One Adagrad step. */
  adagradStep(
    buffers: AdagradBuffers,
    hyper: ValuesOf<typeof AdagradHyper>,
    flags: FlagsOf<typeof AdagradFlag>,
    context: string,
  ): void;
  /** LAMB's first half (moments and raw update). */
  lambUpdate(
    buffers: LambBuffers,
    hyper: ValuesOf<typeof LambHyper>,
    flags: FlagsOf<typeof LambFlag>,
    context: string,
  ): void;
  /** LAMB's second half: `param += −lr·trust·update`, trust from the two norms. */
  lambApply(
    param: Tensor,
    update: Tensor,
    hyper: ValuesOf<typeof LambApplyHyper>,
    context: string,
  ): void;
}

/** Mixed precision. */
export interface AmpKernels {
  /** `x *= invScale` over `n` elements from x's offset; returns whether any was inf/NaN. */
  ampUnscale(n: number, x: Tensor, invScale: number, context: string): boolean;
}

/** Sorting and scans along rows or lines of contiguous tensors. */
export interface SortKernels {
  /** Writes into i32 `idx` `[rows, n]` the stable sorting permutation of each row of `x` (NaN largest). */
  argsort(descending: boolean, rows: number, n: number, x: Tensor, idx: Tensor, context: string): void;
  /** PyTorch's topk selection per row of `x` `[rows, n]`: the first k of each row of i32 `idx` `[rows, n]`. */
  topk(largest: boolean, sorted: boolean, rows: number, n: number, k: number, x: Tensor, idx: Tensor): void;
  /** Inclusive cumsum/cumprod along the middle axis of contiguous `[outer, r, inner]`, `reverse` from the end. */
  scan(op: ScanOpName, reverse: boolean, extent: ReduceExtent, x: Tensor, y: Tensor): void;
  /** `dx` of `y = cumprod(x)` along the middle axis from `x` and the output gradient `g`. */
  cumprodBackward(extent: ReduceExtent, x: Tensor, g: Tensor, dx: Tensor): void;
}

/** Everything a device provides: memory and every kernel family. */
export interface Backend
  extends
    BackendMemory,
    ElementwiseKernels,
    ReduceKernels,
    GemmKernels,
    ConvKernels,
    IndexKernels,
    LossKernels,
    RngKernels,
    OptimizerKernels,
    AmpKernels,
    SortKernels {
  /** The device whose memory and kernels this is. */
  readonly device: Device;
}
