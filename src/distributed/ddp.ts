/**
 * `DistributedDataParallel`: data-parallel training of one model replica per rank, as PyTorch's
 * `torch.nn.parallel.DistributedDataParallel`.
 * @module
 */
import { queueBackwardCallback } from "../autograd/graph.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { Module } from "../nn/module.ts";
import type { Parameter } from "../nn/parameter.ts";
import { tensor } from "../ops/creation.ts";
import { cat } from "../ops/join.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkOptions } from "../utils/options.ts";
import { defaultGroup, type ProcessGroup, type Work } from "./process_group.ts";

/** Options of {@link DistributedDataParallel}. */
export interface DistributedDataParallelOptions {
  /** Size cap of a gradient bucket in MiB (default 25, as PyTorch; the first bucket is capped at 1 MiB). */
  bucketCapMb?: number;
  /** Broadcast rank 0's buffers (BatchNorm running statistics) before every forward in training mode (default true). */
  broadcastBuffers?: boolean;
}

/** Where the time of the gradient synchronisation went (for the overlap report). */
export interface DdpStats {
  /** Synchronised backward passes so far. */
  syncs: number;
  /** Milliseconds spent at the end of backward waiting for bucket all-reduces, summed. */
  waitMs: number;
  /** Buckets launched from a gradient hook (overlapping the rest of the backward), summed. */
  bucketsOverlapped: number;
  /** Buckets launched only when the backward had finished (the last bucket always is), summed. */
  bucketsAtEnd: number;
  /** Buckets reduced a second time because a gradient grew after they started (a parameter used twice). */
  bucketsRedone: number;
}

const FIRST_BUCKET_BYTES = 1024 * 1024;

interface Bucket {
  params: Parameter[];
  numel: number;
  /** Parameters whose gradient arrived in the current backward. */
  ready: Set<Parameter>;
  flat: Tensor | null;
  work: Work | null;
  /** A gradient arrived again after the bucket was launched (a parameter used twice). */
  stale: boolean;
}

/**
 * Wraps `module` for data-parallel training: at construction every rank receives rank 0's
 * parameters and buffers; in each `backward()` the gradients are averaged over the ranks in
 * buckets (reverse parameter order, `bucketCapMb` each), every bucket's all-reduce starting on the
 * communication thread as soon as its last gradient is accumulated, while the backward pass
 * continues; the backward returns once every bucket is averaged, so `optimizer.step()` sees the
 * same gradients on every rank. In training mode rank 0's buffers are broadcast before each
 * forward (BatchNorm statistics, as PyTorch's `broadcast_buffers`).
 *
 * Every rank must run the same model and call backward the same number of times; parameters that
 * get no gradient on a rank contribute zeros (their `.grad` is left as it was).
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss, distributed, Linear, randn, SGD, tensor } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const ddp = new distributed.DistributedDataParallel(new Linear(4, 3));
 * const opt = new SGD(ddp.parameters(), 0.1);
 * const lossFn = new CrossEntropyLoss();
 * opt.zeroGrad();
 * lossFn.compute(ddp.forward(randn([2, 4])), tensor([0, 2], { dtype: "i32" })).backward(); // gradients averaged over ranks
 * opt.step();
 * ```
 */
export class DistributedDataParallel<M extends Module = Module> extends Module {
  /** The wrapped model (state-dict keys are prefixed `module.`, as PyTorch's). */
  readonly module: M;
  /** Bucket cap in bytes. */
  readonly bucketCapBytes: number;
  /** Whether buffers are broadcast from rank 0 before each training forward. */
  readonly broadcastBuffers: boolean;
  /** Synchronisation timings, for the bucket overlap report. */
  readonly stats: DdpStats = { syncs: 0, waitMs: 0, bucketsOverlapped: 0, bucketsAtEnd: 0, bucketsRedone: 0 };
  readonly #group: ProcessGroup;
  readonly #buckets: Bucket[];
  readonly #bucketOf = new Map<Parameter, Bucket>();
  #sync = true;
  #inBackward = false;
  #nextLaunch = 0;

  /** Wraps `module`; needs the default process group. */
  constructor(module: M, options: DistributedDataParallelOptions = {}) {
    super();
    if (!(module instanceof Module)) throw new TypeError("DistributedDataParallel: module must be a Module");
    const o = checkOptions<DistributedDataParallelOptions>("DistributedDataParallel", options, [
      "bucketCapMb",
      "broadcastBuffers",
    ]);
    const capMb = o.bucketCapMb ?? 25;
    if (typeof capMb !== "number" || !(capMb > 0) || !Number.isFinite(capMb)) {
      throw new RangeError(`DistributedDataParallel: bucketCapMb must be a positive number, got ${String(capMb)}`);
    }
    this.module = module;
    this.bucketCapBytes = Math.round(capMb * 1024 * 1024);
    this.broadcastBuffers = o.broadcastBuffers ?? true;
    this.#group = defaultGroup("DistributedDataParallel");
    this.#checkSameModelEverywhere();
    this.#broadcastState(true);
    this.#buckets = this.#makeBuckets();
    for (const bucket of this.#buckets) {
      for (const p of bucket.params) {
        this.#bucketOf.set(p, bucket);
        p.registerPostAccumulateGradHook(() => this.#gradReady(p));
      }
    }
  }

  /** Runs the wrapped module (after broadcasting rank 0's buffers, in training mode). */
  forward(input: Tensor, ...rest: unknown[]): Tensor {
    if (this.training && this.broadcastBuffers) this.#broadcastState(false);
    return this.module.forward(input, ...rest);
  }

  /**
   * Runs `fn` with gradient synchronisation off: backward passes inside only accumulate local
   * gradients, and the first synchronised backward afterwards averages the accumulated sum
   * (PyTorch's `no_sync()`, for gradient accumulation).
   *
   * @example
   * ```ts
   * import { CrossEntropyLoss, distributed, Linear, randn, tensor } from "@axon/ml";
   *
   * distributed.initProcessGroup();
   * const ddp = new distributed.DistributedDataParallel(new Linear(4, 3));
   * const lossFn = new CrossEntropyLoss();
   * const [x1, y1] = [randn([2, 4]), tensor([0, 1], { dtype: "i32" })];
   * const [x2, y2] = [randn([2, 4]), tensor([2, 1], { dtype: "i32" })];
   * ddp.noSync(() => lossFn.compute(ddp.forward(x1), y1).div(2).backward());
   * lossFn.compute(ddp.forward(x2), y2).div(2).backward(); // averages both micro-batches' gradients
   * ```
   */
  noSync<T>(fn: () => T): T {
    const previous = this.#sync;
    this.#sync = false;
    try {
      return fn();
    } finally {
      this.#sync = previous;
    }
  }

  /** Number of gradient buckets and the parameters in each (in launch order). */
  get bucketSizes(): number[] {
    return this.#buckets.map((b) => b.params.length);
  }

  #checkSameModelEverywhere(): void {
    const g = this.#group;
    if (g.size === 1) return;
    const shapes = this.module.namedParameters().map(([n, p]) => `${n}:${p.dtype}[${p.shape.join(",")}]`).join(";") +
      "|" + this.module.namedBuffers().map(([n, b]) => `${n}:${b.dtype}[${b.shape.join(",")}]`).join(";");
    let hash = 0x811c9dc5;
    for (let i = 0; i < shapes.length; i++) hash = Math.imul(hash ^ shapes.charCodeAt(i), 0x01000193);
    const mine = tensor(new Int32Array([this.module.parameters().length, hash | 0]));
    const all = Tensor.empty([2 * g.size], "i32");
    g.allGather(all, mine).wait();
    const values = all.toArray() as Int32Array;
    for (let r = 1; r < g.size; r++) {
      if (values[2 * r] !== values[0] || values[2 * r + 1] !== values[1]) {
        throw new Error(
          `DistributedDataParallel: rank ${r}'s model differs from rank 0's (${values[2 * r]} vs ${
            values[0]
          } parameters, or different names, shapes or dtypes); every rank must build the same model`,
        );
      }
    }
  }

  #broadcastState(withParameters: boolean): void {
    const g = this.#group;
    if (g.size === 1) return;
    const tensors = [...(withParameters ? this.module.parameters() : []), ...this.module.buffers()];
    const works = tensors.map((t) => g.broadcast(t.isContiguous() ? t : t.contiguous(), 0));
    for (const w of works) w.wait();
  }

  #makeBuckets(): Bucket[] {
    // Reverse registration order approximates the order gradients become ready in backward.
    const params = this.module.parameters().filter((p) => p.requiresGrad).reverse();
    const buckets: Bucket[] = [];
    let current: Parameter[] = [];
    let bytes = 0;
    const close = () => {
      if (current.length === 0) return;
      buckets.push({
        params: current,
        numel: current.reduce((s, p) => s + p.numel, 0),
        ready: new Set(),
        flat: null,
        work: null,
        stale: false,
      });
      current = [];
      bytes = 0;
    };
    for (const p of params) {
      if (current.length > 0 && current[0].dtype !== p.dtype) close();
      current.push(p);
      bytes += p.numel * dtypeInfo(p.dtype).size;
      if (bytes >= (buckets.length === 0 ? Math.min(FIRST_BUCKET_BYTES, this.bucketCapBytes) : this.bucketCapBytes)) {
        close();
      }
    }
    close();
    return buckets;
  }

  #gradReady(p: Parameter): void {
    if (!this.#sync || this.#group.size === 1 || this.#buckets.length === 0) return;
    if (!this.#inBackward) {
      this.#inBackward = true;
      this.#nextLaunch = 0;
      queueBackwardCallback(() => this.#finish());
    }
    const bucket = this.#bucketOf.get(p)!;
    if (bucket.work !== null) {
      bucket.stale = true;
      return;
    }
    bucket.ready.add(p);
    // Buckets start strictly in order, so every rank issues the same sequence of collectives. The
    // last one holds the first layers, whose gradients end the backward: nothing is left to
    // overlap it with, so it runs blocking at the end, on this thread, without two thread hand-offs.
    while (this.#nextLaunch < this.#buckets.length - 1) {
      const next = this.#buckets[this.#nextLaunch];
      if (next.ready.size < next.params.length) break;
      this.#launch(next);
      this.stats.bucketsOverlapped++;
      this.#nextLaunch++;
    }
  }

  #launch(bucket: Bucket, blocking = false): void {
    bucket.flat = noGrad(() =>
      cat(bucket.params.map((p) => (p.grad ?? Tensor.empty(p.shape, p.dtype).fill_(0)).detach().reshape([-1])))
    );
    bucket.work = this.#group.allReduce(bucket.flat, "avg", blocking);
  }

  #finish(): void {
    const began = performance.now();
    try {
      const last = this.#buckets.length - 1;
      for (; this.#nextLaunch < last; this.#nextLaunch++) {
        this.#launch(this.#buckets[this.#nextLaunch]);
        this.stats.bucketsAtEnd++;
      }
      for (const bucket of this.#buckets.slice(0, last)) bucket.work!.wait();
      this.#launch(this.#buckets[last], true);
      this.stats.bucketsAtEnd++;
      for (const bucket of this.#buckets) {
        if (bucket.stale) {
          // A gradient grew after the bucket left: reduce the final sum again.
          this.#launch(bucket, true);
          this.stats.bucketsRedone++;
        }
        this.#writeBack(bucket);
      }
    } finally {
      for (const bucket of this.#buckets) {
        bucket.ready.clear();
        bucket.flat = null;
        bucket.work = null;
        bucket.stale = false;
      }
      this.#inBackward = false;
      this.stats.syncs++;
      this.stats.waitMs += performance.now() - began;
    }
  }

  #writeBack(bucket: Bucket): void {
    const flat = bucket.flat!;
    let at = 0;
    noGrad(() => {
      for (const p of bucket.params) {
        if (p.grad !== null) p.grad.copy_(flat.narrow(0, at, p.numel).view(p.shape));
        at += p.numel;
      }
    });
  }
}
