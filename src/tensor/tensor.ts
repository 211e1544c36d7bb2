/**
 * The Tensor: a strided view (shape, strides, offset, dtype, device) over a {@link Storage}.
 *
 * View methods (`view`, `permute`, `slice` …) only change metadata and share storage, as in
 * PyTorch. Arithmetic lives in `src/ops/` and is reached through the methods here.
 * @module
 */
import type { DType, TypedArray } from "./dtype.ts";
import { checkFits, dtypeInfo, isDType, isHalf } from "./dtype.ts";
import {
  broadcastStrides,
  checkShape,
  contiguousStrides,
  formatShape,
  inferShape,
  normalizeDim,
  numelOf,
  type Shape,
  viewStrides,
} from "./shape.ts";
import { Storage } from "./storage.ts";
import * as elementwise from "../ops/elementwise.ts";
import * as reduce from "../ops/reduce.ts";
import { copyStrided } from "../ops/copy.ts";
import { matmul } from "../ops/matmul.ts";
import { logSoftmax, softmax } from "../ops/softmax.ts";
import { formatTensor, gradFnName, toNested } from "./format.ts";
import {
  type BackwardOptions,
  type Node,
  type PostAccumulateGradHook,
  record,
  registerPostAccumulateGradHook,
  runBackward,
} from "../autograd/graph.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import * as views from "../ops/view_grad.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { checkOptions, describe } from "../utils/options.ts";
import * as opsA from "../ops/ops_a_methods.ts";
import * as opsB from "../ops/tensor_methods_b.ts";
import { currentScope, currentTidy, disposedError, graphAccess } from "./lifetime.ts";

import { type Device, isDevice } from "../backend/device.ts";
import { backendFor } from "../backend/registry.ts";
export type { Device };

/** A scalar or a tensor, accepted by binary ops. */
export type TensorLike = Tensor | number;

/**
 * Set just before the library constructs a view it has already proven (views of a checked
 * tensor, fresh allocations); the constructor clears it, so it never outlives one construction.
 */
let trustedConstruction = false;

const KEPT = 1;
const AS_GRAD = 2;

/** Lifetime hooks into Tensor's private state, for lifetime.ts, tidy.ts and the autograd graph (not public API). */
export let lifetime: {
  /** Marks `t` as escaping every tidy scope. */
  keep(t: Tensor): void;
  /** Whether `t` escapes tidy scopes. */
  isKept(t: Tensor): boolean;
  /** A live graph node now reads `t` in its backward. */
  hold(t: Tensor): void;
  /** Undoes one {@link hold}; a disposed tensor's memory is released with the last hold. */
  unhold(t: Tensor): void;
  /** Throws "tensor was disposed" when `t` is. */
  assertLive(t: Tensor): void;
};

/** The public constructor's checks: a view that stays inside its storage. */
function checkGeometry(storage: unknown, shape: unknown, strides: unknown, offset: unknown, dtype: unknown): void {
  const where = "new Tensor(storage, shape, strides, offset, dtype)";
  if (!(storage instanceof Storage)) {
    throw new TypeError(`${where}: storage must be a Storage, got ${describe(storage)}`);
  }
  if (!isDType(dtype)) throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
  const isIndexList = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && x >= 0);
  if (!isIndexList(shape)) {
    throw new TypeError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  if (!isIndexList(strides) || (strides as number[]).length !== dims.length) {
    throw new TypeError(
      `${where}: strides must be ${dims.length} non-negative integers (one per dimension of shape ${
        formatShape(dims)
      }), got ${JSON.stringify(strides)}`,
    );
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw new TypeError(`${where}: offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (dims.includes(0)) return;
  const last = dims.reduce((end, size, d) => end + (size - 1) * (strides as number[])[d], offset as number);
  const capacity = Math.floor(storage.byteLength / dtypeInfo(dtype).size);
  if (last >= capacity) {
    throw new RangeError(
      `${where}: the view reaches element ${last}, past the end of its storage (${capacity} ${dtype} elements): ` +
        `shape ${formatShape(dims)}, strides ${formatShape(strides as number[])}, offset ${offset}`,
    );
  }
}

/** An n-dimensional array of one dtype. Create with `zeros`, `tensor`, `randn` …. */
export class Tensor {
  // ---- lifetime (issue 12, item 4; the model is described in lifetime.ts) ----------------------
  #storage: Storage;
  #disposed = false;
  /** Live autograd nodes whose backward reads this tensor: its storage reference outlives dispose(). */
  #holds = 0;
  /** Escapes every tidy scope: `KEPT` (keep, Parameters, buffers, optimizer state) or `AS_GRAD` (a `.grad`). */
  #kept: 0 | typeof KEPT | typeof AS_GRAD = 0;
  #grad: Tensor | null = null;

  /** Backing memory, possibly shared with other views. Throws "tensor was disposed" once this tensor was. */
  get storage(): Storage {
    const s = this.#storage;
    if (this.#disposed || s.disposed) {
      if (s.disposed || this.#holds === 0 || graphAccess === 0) throw disposedError(this.shape, this.dtype);
    }
    return s;
  }

  /** True once {@link dispose} ran on this tensor (or on the tidy scope that made it), or its memory was freed. */
  get isDisposed(): boolean {
    return this.#disposed || this.#storage.disposed;
  }

  /**
   * Ends this tensor: any later use is an error "tensor was disposed" naming its shape and dtype.
   * Its memory is freed when no other tensor viewing the same storage is alive (views share
   * storage, so disposing a base never breaks a view) and no recorded op still needs it for
   * backward. Idempotent. TensorFlow.js's `dispose()`; `using t = …` calls it at block end.
   *
   * @example
   * ```ts
   * import { randn } from "@axon/ml";
   * const t = randn(1000, 1000);
   * t.sum().item();
   * t.dispose(); // the 4 MB are released now, not at the next garbage collection
   * {
   *   using u = randn(10); // disposed at the end of the block
   * }
   * ```
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#kept = 0;
    if (this.#holds === 0) this.#release();
  }

  /** `using t = …` disposes `t` at the end of the block (TypeScript 5.2 explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** This tensor, after the same check as reading its storage (for methods that may return `this`). */
  #live(): this {
    void this.storage;
    return this;
  }

  #release(): void {
    const s = this.#storage;
    if (--s.views === 0) s.dispose();
  }

  /** Accumulated gradient of a leaf after `backward()`; null until a backward reaches it. Never freed by `tidy`. */
  get grad(): Tensor | null {
    return this.#grad;
  }
  set grad(value: Tensor | null) {
    const old = this.#grad;
    if (old === value) return;
    if (value !== null && value.#kept === 0) value.#kept = AS_GRAD;
    this.#grad = value;
    // A gradient replaced inside a tidy (zeroGrad, accumulation) belongs to that tidy from now on,
    // so a loop written with tidy frees each step's gradients deterministically. Outside any
    // tidy it is left to the collector: whoever still holds it may use it, as in PyTorch.
    if (old !== null && old.#kept === AS_GRAD && currentTidy !== null) {
      old.#kept = 0;
      currentTidy.push(old);
    }
  }

  static {
    lifetime = {
      keep(t) {
        if (!t.#disposed) t.#kept = KEPT;
      },
      isKept: (t) => t.#kept !== 0,
      hold(t) {
        t.#holds++;
      },
      unhold(t) {
        if (--t.#holds === 0 && t.#disposed) t.#release();
      },
      assertLive(t) {
        if (t.isDisposed) throw disposedError(t.shape, t.dtype);
      },
    };
  }
  // ---- end lifetime --------------------------------------------------------------------------

  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Element step of each dimension in storage (0 = broadcast). */
  readonly strides: readonly number[];
  /** Index, in elements, of the first element in storage. */
  readonly offset: number;
  /** Element type. */
  readonly dtype: DType;
  /** Device holding the memory (its backend runs this tensor's ops). */
  get device(): Device {
    return this.storage.device;
  }
  /** Whether gradients flow to this tensor (set on parameters; propagated by ops). */
  requiresGrad = false;
  /** The recorded op that produced this tensor (null for leaves). */
  gradFn: Node | null = null;

  /**
   * Low level: wraps storage as a view. Prefer the creation functions. Every argument is checked
   * (a Storage, a known dtype, sizes, strides and offset non-negative integers, every element
   * inside the storage), so a hand-made view cannot read past its memory; the library's own
   * views, already proven, skip the check.
   */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType) {
    if (trustedConstruction) trustedConstruction = false;
    else checkGeometry(storage, shape, strides, offset, dtype);
    this.#storage = storage;
    storage.views++;
    if (currentScope !== null) currentScope.push(this);
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
  }

  /**
   * An uninitialised contiguous tensor on `device` (default the CPU): its elements are whatever the
   * allocator's block held.
   */
  static empty(shape: Shape, dtype: DType = "f32", device: Device = "cpu"): Tensor {
    const dims = checkShape(shape, "empty");
    const bytes = numelOf(dims) * dtypeInfo(dtype).size;
    const storage = device === "cpu" ? Storage.allocate(bytes) : backendFor(device).allocate(bytes);
    trustedConstruction = true;
    return new Tensor(storage, dims, contiguousStrides(dims), 0, dtype);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    return numelOf(this.shape);
  }

  /** The shape (PyTorch's `size()`), or one dimension's size. */
  size(dim?: number): number | readonly number[] {
    return dim === undefined ? this.shape : this.shape[normalizeDim(dim, this.ndim, "size")];
  }

  /** True when elements are laid out row-major without gaps. */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** A tensor on the same storage with the given geometry, not recorded in the graph. */
  private withView(shape: readonly number[], strides: readonly number[], offset = this.offset): Tensor {
    trustedConstruction = true;
    return new Tensor(this.storage, shape, strides, offset, this.dtype);
  }

  /** A view whose gradient is the incoming gradient reshaped back (view, reshape, (un)squeeze). */
  private viewOf(shape: readonly number[], strides: readonly number[], offset: number, op: string): Tensor {
    const out = this.withView(shape, strides, offset);
    return record(out, op, [this], (g) => [g.reshape(this.shape)]);
  }

  // ---- autograd ------------------------------------------------------------------------------

  /** True for tensors not produced by a recorded op (parameters, inputs). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Sets `requiresGrad` in place (float tensors only) and returns this tensor. */
  requiresGrad_(requiresGrad = true): this {
    if (typeof requiresGrad !== "boolean") {
      throw new TypeError(`requiresGrad_: requiresGrad must be true or false, got ${describe(requiresGrad)}`);
    }
    if (requiresGrad && !dtypeInfo(this.dtype).isFloat) {
      throw new TypeError(`requiresGrad_: only floating point tensors can require gradients, got dtype ${this.dtype}`);
    }
    if (!requiresGrad && this.gradFn !== null) {
      throw new Error("requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()");
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** The same data, cut from the graph (shares storage, never requires grad). */
  detach(): Tensor {
    trustedConstruction = true;
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }

  /**
   * Points this leaf at `data`'s memory, shape and dtype, keeping the object (PyTorch's
   * `t.data = data`; `Module.to` uses it so optimizers keep their parameters). No graph is
   * recorded.
   */
  setData(data: Tensor): void {
    lifetime.assertLive(this);
    if (this.gradFn !== null) {
      throw new Error("setData: only leaf tensors can take new data; this tensor was produced by an op");
    }
    if (this.requiresGrad && !dtypeInfo(data.dtype).isFloat) {
      throw new TypeError(`setData: this tensor requires grad, so its data must be floating point, got ${data.dtype}`);
    }
    const self = this as unknown as {
      shape: readonly number[];
      strides: readonly number[];
      offset: number;
      dtype: DType;
    };
    const storage = data.storage;
    storage.views++;
    this.#release();
    this.#storage = storage;
    self.shape = data.shape;
    self.strides = data.strides;
    self.offset = data.offset;
    self.dtype = data.dtype;
  }

  /** The detached tensor (the seed's `loss.data().item()`). */
  data(): Tensor {
    return this.detach();
  }

  /**
   * Back-propagates from this tensor. Without `gradient` the tensor must hold one element
   * (a loss); otherwise `gradient` has this tensor's shape. Gradients accumulate into `.grad`
   * of the leaves that require grad; the graph is freed unless `retainGraph` is set.
   */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    lifetime.assertLive(this);
    if (gradient instanceof Tensor) lifetime.assertLive(gradient);
    const { retainGraph = false } = checkOptions<BackwardOptions>("backward", options, ["retainGraph"]);
    if (typeof retainGraph !== "boolean") {
      throw new TypeError(`backward: retainGraph must be true or false, got ${describe(retainGraph)}`);
    }
    if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor)) {
      throw new TypeError(`backward: gradient must be a Tensor (or null), got ${describe(gradient)}`);
    }
    if (!this.requiresGrad) {
      throw new Error(
        "backward: this tensor does not require grad and has no grad_fn (did the forward run inside noGrad, or on tensors without requiresGrad?)",
      );
    }
    let grad: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel !== 1) {
        throw new RangeError(
          `backward: grad can be implicitly created only for scalar outputs; this tensor has shape ${
            formatShape(this.shape)
          }, pass a gradient of that shape`,
        );
      }
      grad = Tensor.empty(this.shape, this.dtype, this.device);
      views.fillOnes(grad);
    } else {
      if (gradient.shape.length !== this.ndim || gradient.shape.some((d, i) => d !== this.shape[i])) {
        throw new RangeError(
          `backward: gradient shape ${formatShape(gradient.shape)} does not match tensor shape ${
            formatShape(this.shape)
          }`,
        );
      }
      grad = gradient.detach();
    }
    runBackward(this, grad, options, true);
  }

  /**
   * Runs `hook(this)` after each backward accumulates a gradient into this leaf's `.grad`
   * (PyTorch's `register_post_accumulate_grad_hook`). Returns a handle whose `remove()` unregisters it.
   */
  registerPostAccumulateGradHook(hook: PostAccumulateGradHook): { remove(): void } {
    if (this.gradFn !== null) throw new Error("registerPostAccumulateGradHook: only leaf tensors accumulate gradients");
    return registerPostAccumulateGradHook(this, hook);
  }

  /**
   * Marks an in-place write: refuses a tensor whose elements share memory (an `expand`ed view),
   * as PyTorch does, since the result would depend on the order of the writes; then bumps the
   * storage version (see Storage.version).
   */
  private markModified(op: string): void {
    if (this.shape.some((size, d) => size > 1 && this.strides[d] === 0)) {
      throw new Error(
        `${op}: more than one element of the written-to tensor refers to a single memory location ` +
          `(shape ${formatShape(this.shape)}, strides ${formatShape(this.strides)}, e.g. from expand); ` +
          `write into a copy instead: t.clone().${op}(…)`,
      );
    }
    if (this.requiresGrad && this.gradFn === null && isGradEnabled()) {
      throw new Error(
        `${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad(() => …)`,
      );
    }
    this.storage.version++;
  }

  // ---- views --------------------------------------------------------------------------------

  /** Same data, new shape (one size may be -1); fails when the layout forbids it (use `reshape`). */
  view(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape(flattenArgs(shape), this.numel, "view", this.shape);
    const strides = viewStrides(this.shape, this.strides, target);
    if (strides === null) {
      throw new RangeError(
        `view: cannot view a tensor of shape ${formatShape(this.shape)} with strides ${formatShape(this.strides)} as ${
          formatShape(target)
        }; use reshape()`,
      );
    }
    return this.viewOf(target, strides, this.offset, "view");
  }

  /** Like `view`, copying when the layout requires it. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    const target = inferShape(flattenArgs(shape), this.numel, "reshape", this.shape);
    const strides = viewStrides(this.shape, this.strides, target);
    return strides === null ? this.contiguous().view(target) : this.viewOf(target, strides, this.offset, "reshape");
  }

  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    if (this.ndim === 0) return this.reshape([1]);
    const s = normalizeDim(startDim, this.ndim, "flatten");
    const e = normalizeDim(endDim, this.ndim, "flatten");
    if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
    const shape = [...this.shape.slice(0, s), numelOf(this.shape.slice(s, e + 1)), ...this.shape.slice(e + 1)];
    return this.reshape(shape);
  }

  /** Reorders dimensions. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    const order = flattenArgs(dims).map((d) => normalizeDim(d, this.ndim, "permute"));
    if (order.length !== this.ndim || new Set(order).size !== this.ndim) {
      throw new RangeError(
        `permute: ${formatShape(order)} is not a permutation of the ${this.ndim} dims of ${formatShape(this.shape)}`,
      );
    }
    const out = this.withView(order.map((d) => this.shape[d]), order.map((d) => this.strides[d]));
    const inverse = order.map((_, i) => order.indexOf(i));
    return record(out, "permute", [this], (g) => [g.permute(inverse)]);
  }

  /** Moves dim `source` to position `destination`, keeping the others in order. */
  movedim(source: number, destination: number): Tensor {
    const s = normalizeDim(source, this.ndim, "movedim");
    const d = normalizeDim(destination, this.ndim, "movedim");
    const order = [...this.shape.keys()].filter((k) => k !== s);
    order.splice(d, 0, s);
    return this.permute(order);
  }

  /** Swaps two dimensions. */
  transpose(dim0: number, dim1: number): Tensor {
    const a = normalizeDim(dim0, this.ndim, "transpose");
    const b = normalizeDim(dim1, this.ndim, "transpose");
    const order = [...this.shape.keys()];
    [order[a], order[b]] = [order[b], order[a]];
    return this.permute(order);
  }

  /** Transpose of a matrix (≤ 2-d, as PyTorch's `t()`). */
  t(): Tensor {
    if (this.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, got shape ${formatShape(this.shape)}`);
    return this.ndim < 2 ? this.#live() : this.transpose(0, 1);
  }

  /** Elements `start, start+step, …` (< end) of one dim, Python-style negative indices clamped. */
  slice(dim: number, start = 0, end: number = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    const d = normalizeDim(dim, this.ndim, "slice");
    for (const [name, v] of [["start", start], ["end", end]] as const) {
      if (typeof v !== "number" || !Number.isInteger(v)) {
        throw new RangeError(`slice: ${name} must be an integer, got ${describe(v)}`);
      }
    }
    if (!Number.isInteger(step) || step <= 0) {
      throw new RangeError(`slice: step must be a positive integer, got ${step}`);
    }
    const size = this.shape[d];
    const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
    const s = clampIndex(start);
    const e = Math.max(clampIndex(end), s);
    const shape = [...this.shape];
    const strides = [...this.strides];
    shape[d] = Math.ceil((e - s) / step);
    strides[d] = this.strides[d] * step;
    const out = this.withView(shape, strides, this.offset + s * this.strides[d]);
    return record(
      out,
      "slice",
      [this],
      (g) => [views.scatterIntoZeros(this.shape, this.dtype, g, (z) => z.slice(d, s, e, step))],
    );
  }

  /** `length` elements of dim starting at `start` (no clamping: out of range is an error). */
  narrow(dim: number, start: number, length: number): Tensor {
    const d = normalizeDim(dim, this.ndim, "narrow");
    const size = this.shape[d];
    const s = start < 0 ? start + size : start;
    if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
      throw new RangeError(
        `narrow: start ${start} and length ${length} exceed dimension ${dim} of size ${size} (shape ${
          formatShape(this.shape)
        })`,
      );
    }
    return this.slice(d, s, s + length);
  }

  /** The sub-tensor at `index` of `dim`, with that dim removed. */
  select(dim: number, index: number): Tensor {
    const d = normalizeDim(dim, this.ndim, "select");
    const size = this.shape[d];
    const i = index < 0 ? index + size : index;
    if (!Number.isInteger(i) || i < 0 || i >= size) {
      throw new RangeError(
        `select: index ${index} out of range for dimension ${dim} of size ${size} (shape ${formatShape(this.shape)})`,
      );
    }
    const shape = this.shape.filter((_, k) => k !== d);
    const strides = this.strides.filter((_, k) => k !== d);
    const out = this.withView(shape, strides, this.offset + i * this.strides[d]);
    return record(
      out,
      "select",
      [this],
      (g) => [views.scatterIntoZeros(this.shape, this.dtype, g, (z) => z.select(d, i))],
    );
  }

  /** Inserts a size-1 dim at `dim`. */
  unsqueeze(dim: number): Tensor {
    const d = normalizeDim(dim, this.ndim + 1, "unsqueeze");
    const shape = [...this.shape];
    const strides = [...this.strides];
    const stride = d < this.ndim ? this.shape[d] * this.strides[d] : 1;
    shape.splice(d, 0, 1);
    strides.splice(d, 0, stride);
    return this.viewOf(shape, strides, this.offset, "unsqueeze");
  }

  /** Removes size-1 dims (all of them, or only `dim`). */
  squeeze(dim?: number): Tensor {
    if (dim === undefined) {
      const keep = [...this.shape.keys()].filter((k) => this.shape[k] !== 1);
      return this.viewOf(keep.map((k) => this.shape[k]), keep.map((k) => this.strides[k]), this.offset, "squeeze");
    }
    const d = normalizeDim(dim, this.ndim, "squeeze");
    if (this.shape[d] !== 1) return this.#live();
    return this.viewOf(
      this.shape.filter((_, k) => k !== d),
      this.strides.filter((_, k) => k !== d),
      this.offset,
      "squeeze",
    );
  }

  /** Broadcasts to `shape` without copying (-1 keeps a size). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    const target = flattenArgs(shape);
    if (target.length < this.ndim) {
      throw new RangeError(
        `expand: cannot expand shape ${formatShape(this.shape)} to fewer dims ${formatShape(target)}`,
      );
    }
    const lead = target.length - this.ndim;
    const resolved = target.map((d, i) => {
      if (d === -1) {
        if (i < lead) throw new RangeError(`expand: -1 not allowed for new leading dim in ${formatShape(target)}`);
        return this.shape[i - lead];
      }
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new RangeError(`expand: invalid size ${d} in shape ${formatShape(target)}`);
      }
      if (i >= lead && this.shape[i - lead] !== 1 && this.shape[i - lead] !== d) {
        throw new RangeError(`expand: shape ${formatShape(this.shape)} cannot be expanded to ${formatShape(target)}`);
      }
      return d;
    });
    const out = this.withView(resolved, broadcastStrides(this.shape, this.strides, resolved));
    return record(out, "expand", [this], (g) => [views.sumToShape(g, this.shape)]);
  }

  /** Same as `expand(other.shape)`. */
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }

  /** This tensor when contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    if (this.isContiguous()) return this.#live();
    return this.clone();
  }

  /** A contiguous copy with its own storage. */
  clone(): Tensor {
    const out = Tensor.empty(this.shape, this.dtype, this.device);
    copyStrided(out, this);
    return record(out, "clone", [this], (g) => [g]);
  }

  /**
   * A copy converted to `dtype`, or moved to `device` (this tensor itself when it already has it).
   * A device without a registered backend is an error ("CUDA backend is not available…").
   */
  to(dtype: DType | Device): Tensor {
    if (dtype === this.dtype || dtype === this.device) return this.#live();
    if (isDevice(dtype)) return this.#toDevice(dtype);
    if (!isDType(dtype)) {
      throw new TypeError(
        `to: unknown dtype or device ${describe(dtype)}; expected one of f32, f64, f16, bf16, i32, i64, u8, cpu, cuda`,
      );
    }
    const out = Tensor.empty(this.shape, dtype, this.device);
    copyStrided(out, this);
    if (!dtypeInfo(dtype).isFloat || !dtypeInfo(this.dtype).isFloat) return out;
    return record(out, "to", [this], (g) => [g.to(this.dtype)]);
  }

  #toDevice(device: Device): Tensor {
    const target = backendFor(device);
    const source = this.contiguous();
    const host = backendFor(this.device).read(source.storage);
    const size = dtypeInfo(this.dtype).size;
    const storage = target.allocate(source.numel * size);
    target.write(storage, host.subarray(source.offset * size, (source.offset + source.numel) * size));
    trustedConstruction = true;
    const out = new Tensor(storage, this.shape, contiguousStrides(this.shape), 0, this.dtype);
    return record(out, "to", [this], (g) => [g.to(this.device)]);
  }

  /** Copies `src` (broadcast to this shape, cast to this dtype) into this tensor in place. */
  copy_(src: Tensor): this {
    if (!(src instanceof Tensor)) throw new TypeError(`copy_: src must be a Tensor, got ${describe(src)}`);
    this.markModified("copy_");
    copyStrided(this, src.detach().expand(this.shape));
    return this;
  }

  /** Writes `result` (this shape) into this tensor's memory as an in-place op named `op`. */
  private assign(op: string, result: Tensor): this {
    this.markModified(op);
    copyStrided(this, result.detach().expand(this.shape));
    return this;
  }

  /** In place: `this += other` (no graph is recorded; saved copies of this tensor are invalidated). */
  add_(other: TensorLike): this {
    return this.assign("add_", this.detach().add(other));
  }
  /** In place: `this -= other`. */
  sub_(other: TensorLike): this {
    return this.assign("sub_", this.detach().sub(other));
  }
  /** In place: `this *= other`. */
  mul_(other: TensorLike): this {
    return this.assign("mul_", this.detach().mul(other));
  }
  /** In place: `this /= other`. */
  div_(other: TensorLike): this {
    return this.assign("div_", this.detach().div(other));
  }
  /** In place: fill with `value`. */
  fill_(value: number): this {
    if (typeof value !== "number" && typeof value !== "boolean") {
      throw new TypeError(`fill_: value must be a number, got ${describe(value)}`);
    }
    checkFits(value, this.dtype, "fill_");
    this.markModified("fill_");
    copyStrided(this, elementwise.scalarTensor(value, this.dtype).expand(this.shape));
    return this;
  }
  /** In place: fill with zeros. */
  zero_(): this {
    return this.fill_(0);
  }

  // ---- element-wise math ---------------------------------------------------------------------

  /** `this + other` (broadcasting). */
  add(other: TensorLike): Tensor {
    return elementwise.binary("add", this, other);
  }
  /** `this - other` (broadcasting). */
  sub(other: TensorLike): Tensor {
    return elementwise.binary("sub", this, other);
  }
  /** `this * other` (broadcasting). */
  mul(other: TensorLike): Tensor {
    return elementwise.binary("mul", this, other);
  }
  /** `this / other` (broadcasting; true division, ints promote to f32 as PyTorch). */
  div(other: TensorLike): Tensor {
    return elementwise.div(this, other);
  }
  /** `this ** exponent`. */
  pow(exponent: TensorLike): Tensor {
    return elementwise.pow(this, exponent);
  }
  /** Element-wise maximum (NaN propagates). */
  maximum(other: TensorLike): Tensor {
    return elementwise.binary("maximum", this, other);
  }
  /** Element-wise minimum (NaN propagates). */
  minimum(other: TensorLike): Tensor {
    return elementwise.binary("minimum", this, other);
  }
  /** `this == other` as u8. */
  eq(other: TensorLike): Tensor {
    return elementwise.binary("eq", this, other);
  }
  /** `this != other` as u8. */
  ne(other: TensorLike): Tensor {
    return elementwise.binary("ne", this, other);
  }
  /** `this < other` as u8. */
  lt(other: TensorLike): Tensor {
    return elementwise.binary("lt", this, other);
  }
  /** `this <= other` as u8. */
  le(other: TensorLike): Tensor {
    return elementwise.binary("le", this, other);
  }
  /** `this > other` as u8. */
  gt(other: TensorLike): Tensor {
    return elementwise.binary("gt", this, other);
  }
  /** `this >= other` as u8. */
  ge(other: TensorLike): Tensor {
    return elementwise.binary("ge", this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return elementwise.unary("neg", this);
  }
  /** e^x. */
  exp(): Tensor {
    return elementwise.unary("exp", this);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return elementwise.unary("log", this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return elementwise.unary("sqrt", this);
  }
  /** 1/√x. */
  rsqrt(): Tensor {
    return elementwise.unary("rsqrt", this);
  }
  /** |x|. */
  abs(): Tensor {
    return elementwise.unary("abs", this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return elementwise.unary("tanh", this);
  }
  /** 1 / (1 + e^-x). */
  sigmoid(): Tensor {
    return elementwise.unary("sigmoid", this);
  }
  /** Sine (radians); gradient cos x. Integer tensors give f32, as PyTorch. */
  sin(): Tensor {
    return elementwise.unary("sin", this);
  }
  /** Cosine (radians); gradient -sin x. */
  cos(): Tensor {
    return elementwise.unary("cos", this);
  }
  /** ln(1 + x), accurate for small x; gradient 1 / (1 + x). */
  log1p(): Tensor {
    return elementwise.unary("log1p", this);
  }
  /** e^x - 1, accurate for small x; gradient e^x. */
  expm1(): Tensor {
    return elementwise.unary("expm1", this);
  }
  /** Largest integer ≤ x (zero gradient; integer tensors are copied unchanged, as PyTorch). */
  floor(): Tensor {
    return this.#rounding("floor");
  }
  /** Smallest integer ≥ x (zero gradient; integer tensors are copied unchanged). */
  ceil(): Tensor {
    return this.#rounding("ceil");
  }
  /**
   * Nearest integer, halves to even as PyTorch (`round(2.5) = 2`, `round(-0.5) = -0`); zero
   * gradient; integer tensors are copied unchanged.
   */
  round(): Tensor {
    return this.#rounding("round");
  }
  #rounding(op: "floor" | "ceil" | "round"): Tensor {
    return dtypeInfo(this.dtype).isFloat ? elementwise.unary(op, this) : this.clone();
  }
  /** max(x, 0). */
  relu(): Tensor {
    return elementwise.unary("relu", this);
  }
  /** x². */
  square(): Tensor {
    return elementwise.unary("square", this);
  }
  /** Sign (-1, 0, 1). */
  sign(): Tensor {
    return elementwise.unary("sign", this);
  }
  /** 1/x. */
  reciprocal(): Tensor {
    return elementwise.unary("reciprocal", this);
  }
  /** Clamps into `[min, max]` (either bound may be omitted). */
  clamp(min?: number | null, max?: number | null): Tensor {
    return elementwise.clamp(this, min ?? undefined, max ?? undefined);
  }
  /** `cond ? this : other` where `cond` is this tensor's `where` partner (PyTorch's `x.where(cond, y)`). */
  where(condition: Tensor, other: TensorLike): Tensor {
    return elementwise.where(condition, this, other);
  }

  // ---- reductions ----------------------------------------------------------------------------

  /** Sum over `dim` (a dim, a list, or all). */
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("sum", this, dim, keepdim);
  }
  /** Mean over `dim` (float tensors only). */
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("mean", this, dim, keepdim);
  }
  /** Product over `dim`. */
  prod(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("prod", this, dim, keepdim);
  }
  /** Σ x² over `dim` (one native pass; used for norms). */
  sumOfSquares(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("sumOfSquares", this, dim, keepdim);
  }
  /** Maximum values over `dim` (PyTorch's `amax`; NaN propagates). Indices: `argmax`. */
  max(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("max", this, dim, keepdim);
  }
  /** Minimum values over `dim` (PyTorch's `amin`). */
  min(dim?: number | readonly number[], keepdim = false): Tensor {
    return reduce.reduce("min", this, dim, keepdim);
  }
  /** Index (i32) of the maximum over `dim`, or of the flattened tensor; first index on ties. */
  argmax(dim?: number, keepdim = false): Tensor {
    return reduce.argReduce("argmax", this, dim, keepdim);
  }
  /** Index (i32) of the minimum over `dim`, or of the flattened tensor. */
  argmin(dim?: number, keepdim = false): Tensor {
    return reduce.argReduce("argmin", this, dim, keepdim);
  }

  /** log(Σ exp(x)) over `dim`, computed stably (the max is subtracted first). */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    if (typeof dim !== "number" && !Array.isArray(dim)) {
      throw new TypeError(`logsumexp: dim must be an integer or a list of integers, got ${describe(dim)}`);
    }
    const [x] = autocastInputs("logsumexp", this as Tensor);
    const m = x.detach().max(dim, true);
    const shift = elementwise.where(m.eq(Infinity).add(m.eq(-Infinity)), 0, m); // keep ±inf rows finite
    const out = x.sub(shift).exp().sum(dim, true).log().add(shift);
    return keepdim ? out : out.reshape(reduce.reducedShape(this.shape, dim));
  }

  /** `value` where `mask` (u8, broadcastable) is set, this tensor elsewhere. */
  maskedFill(mask: Tensor, value: number): Tensor {
    if (!(mask instanceof Tensor)) throw new TypeError(`maskedFill: mask must be a Tensor, got ${describe(mask)}`);
    if (typeof value !== "number") throw new TypeError(`maskedFill: value must be a number, got ${describe(value)}`);
    return elementwise.where(mask, value, this);
  }

  /** Softmax over `dim`. */
  softmax(dim: number): Tensor {
    return softmax(this, dim);
  }
  /** Log-softmax over `dim`. */
  logSoftmax(dim: number): Tensor {
    return logSoftmax(this, dim);
  }
  /** Matrix product with PyTorch's `matmul` rules (1-d, 2-d, batched with broadcasting). */
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }

  // ---- ops A (issue 15): ordering, cumulative, statistics, shape and pointwise ops -----------
  // Thin methods over src/ops/{sort,cumulative,statistics,shape_ops,pointwise,sampling}.ts.

  /** All dims reversed (`x.T`); a 0-d or 1-d tensor comes back as it is. A view. */
  get T(): Tensor {
    return this.ndim < 2 ? this : this.permute([...this.shape.keys()].reverse());
  }

  /** The last two dims swapped (`x.mT`, a batch of matrices transposed). A view; needs ≥ 2 dims. */
  get mT(): Tensor {
    if (this.ndim < 2) {
      throw new RangeError(
        `mT: needs a matrix or a batch of matrices (>= 2 dims), got shape ${formatShape(this.shape)}`,
      );
    }
    return this.transpose(-2, -1);
  }

  /** Sorted values and their indices along `dim`; see {@link opsA.sort}. */
  sort(dim?: number | opsA.SortOptions, descending?: boolean): opsA.ValuesIndices {
    return opsA.sort(this, dim, descending);
  }

  /** Indices that sort along `dim`; see {@link opsA.argsort}. */
  argsort(dim?: number | opsA.SortOptions, descending?: boolean): Tensor {
    return opsA.argsort(this, dim, descending);
  }

  /** The k largest (or smallest) values and indices along `dim`; see {@link opsA.topk}. */
  topk(k: number, dim?: number | opsA.TopkOptions, largest?: boolean, sorted?: boolean): opsA.ValuesIndices {
    return opsA.topk(this, k, dim, largest, sorted);
  }

  /** Cumulative sum along `dim`; see {@link opsA.cumsum}. */
  cumsum(dim: number): Tensor {
    return opsA.cumsum(this, dim);
  }

  /** Cumulative product along `dim`; see {@link opsA.cumprod}. */
  cumprod(dim: number): Tensor {
    return opsA.cumprod(this, dim);
  }

  /** Variance over `dim` (correction 1 by default); see {@link opsA.variance}. */
  var(
    dim?: number | readonly number[] | (opsA.VarOptions & { dim?: number | readonly number[] }),
    options?: opsA.VarOptions,
  ): Tensor {
    return opsA.variance(this, dim, options);
  }

  /** Standard deviation over `dim`; see {@link opsA.std}. */
  std(
    dim?: number | readonly number[] | (opsA.VarOptions & { dim?: number | readonly number[] }),
    options?: opsA.VarOptions,
  ): Tensor {
    return opsA.std(this, dim, options);
  }

  /** Vector p-norm over `dim`; see {@link opsA.norm}. */
  norm(p?: opsA.NormOrder, dim?: number | readonly number[], keepdim = false): Tensor {
    return opsA.norm(this, p, dim, keepdim);
  }

  /** Whether any element (over `dim`) is nonzero (u8); see {@link opsA.any}. */
  any(dim?: number | readonly number[], keepdim = false): Tensor {
    return opsA.any(this, dim, keepdim);
  }

  /** Whether every element (over `dim`) is nonzero (u8); see {@link opsA.all}. */
  all(dim?: number | readonly number[], keepdim = false): Tensor {
    return opsA.all(this, dim, keepdim);
  }

  /** Where the tensor is NaN (u8). */
  isnan(): Tensor {
    return opsA.isnan(this);
  }

  /** Where the tensor is ±∞ (u8). */
  isinf(): Tensor {
    return opsA.isinf(this);
  }

  /** Where the tensor is finite (u8). */
  isfinite(): Tensor {
    return opsA.isfinite(this);
  }

  /** NaN and ±∞ replaced; see {@link opsA.nanToNum}. */
  nanToNum(options?: opsA.NanToNumOptions): Tensor {
    return opsA.nanToNum(this, options);
  }

  /** `this + weight·(end − this)`; see {@link opsA.lerp}. */
  lerp(end: Tensor, weight: TensorLike): Tensor {
    return opsA.lerp(this, end, weight);
  }

  /** Outer product with another 1-d tensor. */
  outer(other: Tensor): Tensor {
    return opsA.outer(this, other);
  }

  /** Lower triangle of the last two dims; see {@link opsA.tril}. */
  tril(diagonal = 0): Tensor {
    return opsA.tril(this, diagonal);
  }

  /** Upper triangle of the last two dims; see {@link opsA.triu}. */
  triu(diagonal = 0): Tensor {
    return opsA.triu(this, diagonal);
  }

  /** Views of `chunks` near-equal pieces along `dim`; see {@link opsA.chunk}. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return opsA.chunk(this, chunks, dim);
  }

  /** Views of pieces of `splitSize` (or the listed sizes) along `dim`; see {@link opsA.split}. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return opsA.split(this, splitSize, dim);
  }

  /** Repeated `sizes[i]` times along each dim; see {@link opsA.repeat}. */
  repeat(...sizes: number[] | [readonly number[]]): Tensor {
    return opsA.repeat(this, ...sizes);
  }

  /** Repeated like `repeat`, short `dims` padded with leading 1s; see {@link opsA.tile}. */
  tile(dims: readonly number[]): Tensor {
    return opsA.tile(this, dims);
  }

  /** Reversed along `dims` (a copy); see {@link opsA.flip}. */
  flip(dims: number | readonly number[]): Tensor {
    return opsA.flip(this, dims);
  }

  /** Rolled by `shifts` along `dims`; see {@link opsA.roll}. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return opsA.roll(this, shifts, dims);
  }

  /** Category indices drawn from this tensor's weights; see {@link opsA.multinomial}. */
  multinomial(numSamples: number, options?: opsA.MultinomialOptions | boolean): Tensor {
    return opsA.multinomial(this, numSamples, options);
  }

  // ---- ops B (issue 15): writes by index, batched products --------------------------------------

  /** Out of place: `src` (tensor or number) written at `index` along `dim` (see `scatter`). */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return opsB.scatter(this, dim, index, src);
  }
  /** Out of place: `src` added at `index` along `dim` (PyTorch's `scatter_add`; see `scatterAdd`). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return opsB.scatterAdd(this, dim, index, src);
  }
  /** Out of place: `alpha · source` added at rows `index` of `dim` (PyTorch's `index_add`; see `indexAdd`). */
  indexAdd(dim: number, index: Tensor, source: Tensor, options: opsB.IndexAddOptions = {}): Tensor {
    return opsB.indexAdd(this, dim, index, source, options);
  }
  /** Batched matrix product `[B, N, M] × [B, M, P]` (see `bmm`). */
  bmm(other: Tensor): Tensor {
    return opsB.bmm(this, other);
  }
  /** `beta · this + alpha · (batch1 @ batch2)` (see `baddbmm`). */
  baddbmm(batch1: Tensor, batch2: Tensor, options: opsB.BaddbmmOptions = {}): Tensor {
    return opsB.baddbmm(this, batch1, batch2, options);
  }

  // ---- reading values ------------------------------------------------------------------------

  /** The single element of a one-element tensor as a number. */
  item(): number {
    if (this.numel !== 1) {
      throw new RangeError(
        `item: only one-element tensors can be converted to a number, got shape ${formatShape(this.shape)}`,
      );
    }
    const value = this.contiguous().toArray()[0];
    return Number(value);
  }

  /** The elements, row-major, as a new flat typed array (Float32Array for f32 …). */
  toArray(): TypedArray {
    const packed = this.isContiguous() ? this : this.clone();
    const info = dtypeInfo(this.dtype);
    const bytes = packed.device === "cpu" ? packed.storage.bytes : backendFor(packed.device).read(packed.storage);
    const start = bytes.byteOffset + packed.offset * info.size;
    const view = info.view(bytes.buffer, start, packed.numel);
    const copy = view.slice() as TypedArray; // a copy: no JavaScript view of tensor memory outlives it
    if (packed !== this) packed.dispose();
    return copy;
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toList(): number | unknown[] {
    return toNested(this.toArray(), this.shape);
  }

  /** Iterates the first dim: numbers for a 1-d tensor, sub-tensors otherwise. */
  *[Symbol.iterator](): IterableIterator<number | Tensor> {
    if (this.ndim === 0) throw new TypeError("iteration over a 0-d tensor");
    if (this.ndim === 1) {
      yield* Array.from(this.toArray() as ArrayLike<number>, Number);
      return;
    }
    for (let i = 0; i < this.shape[0]; i++) yield this.select(0, i);
  }

  /**
   * PyTorch-style printout, with the dtype, a non-CPU device and `requiresGrad`/`gradFn`:
   * `tensor([[1.0000, 2.5000]], dtype=f32, requiresGrad=true)`. Tensors over 1000 elements show
   * three items at each end of every dim.
   */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
    const suffixes: string[] = [];
    if (this.gradFn !== null) suffixes.push(`gradFn=<${gradFnName(this.gradFn.name)}>`);
    else if (this.requiresGrad) suffixes.push("requiresGrad=true");
    const values = isHalf(this.dtype) ? this.detach().to("f32").toArray() : this.toArray(); // 16-bit storage holds raw bits
    return formatTensor(values, this.shape, this.dtype, suffixes, this.device);
  }

  /** `console.log(t)` on Deno prints {@link Tensor.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** `console.log(t)` on Bun and Node prints {@link Tensor.toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function flattenArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : [...(args as number[])];
}
