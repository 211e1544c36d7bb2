/**
 * `DistributedSampler`: each rank's share of a dataset, exactly as PyTorch's
 * `torch.utils.data.distributed.DistributedSampler` splits it.
 * @module
 */
import { torchRandperm } from "../data/mt19937.ts";
import { checkOptions } from "../utils/options.ts";
import { currentGroup } from "./process_group.ts";

/** Options of {@link DistributedSampler}. */
export interface DistributedSamplerOptions {
  /** Number of ranks sharing the dataset. Default: the default group's world size. */
  numReplicas?: number;
  /** This process's rank. Default: the default group's rank. */
  rank?: number;
  /** Shuffle every epoch (default true, as PyTorch). */
  shuffle?: boolean;
  /** Seed of the shuffle, the same on every rank (default 0). Epoch e uses seed + e. */
  seed?: number;
  /**
   * Drop the tail that does not divide evenly among the ranks (default false: pad by repeating
   * the first indices so every rank gets the same number of samples).
   */
  dropLast?: boolean;
}

/**
 * The indices of one rank's share of a dataset of `length` samples, PyTorch's split:
 *
 * ```text
 * indices = shuffle ? torch.randperm(length, generator seeded seed + epoch) : 0 … length-1
 * numSamples = dropLast && length % replicas ≠ 0 ? ceil((length − replicas) / replicas) : ceil(length / replicas)
 * total = numSamples · replicas
 * dropLast ? indices = indices[:total] : pad indices with its own head (repeated) up to total
 * this rank: indices[rank], indices[rank + replicas], …   (numSamples of them)
 * ```
 *
 * Call {@link setEpoch} before each epoch so the shuffle changes (as in PyTorch); pass the
 * sampler to `DataLoader`'s `sampler` option.
 *
 * @example
 * ```ts
 * import { arange, DataLoader, distributed, randn, TensorDataset } from "@axon/ml";
 *
 * const dataset = new TensorDataset(randn([100, 4]), arange(100));
 * const sampler = new distributed.DistributedSampler(dataset, { numReplicas: 2, rank: 0, seed: 0 });
 * const loader = new DataLoader(dataset, 32, false, { sampler });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   sampler.setEpoch(epoch);
 *   for (const [x, y] of loader) console.log(epoch, x.shape, y.shape); // this rank's half
 * }
 * ```
 */
export class DistributedSampler implements Iterable<number> {
  /** Number of ranks. */
  readonly numReplicas: number;
  /** This rank. */
  readonly rank: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** The shuffle seed (epoch e uses seed + e). */
  readonly seed: number;
  /** Whether the uneven tail is dropped instead of padded. */
  readonly dropLast: boolean;
  /** Samples this rank gets per epoch. */
  readonly numSamples: number;
  /** Samples over all ranks per epoch (numSamples · numReplicas). */
  readonly totalSize: number;
  /** The epoch whose order {@link indices} returns. */
  epoch = 0;
  readonly #datasetLength: number;

  /** Creates the sampler for `dataset` (anything with a `length`). */
  constructor(dataset: { readonly length: number }, options: DistributedSamplerOptions = {}) {
    const o = checkOptions<DistributedSamplerOptions>("DistributedSampler", options, [
      "numReplicas",
      "rank",
      "shuffle",
      "seed",
      "dropLast",
    ]);
    const n = dataset?.length;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`DistributedSampler: the dataset's length must be a non-negative integer, got ${n}`);
    }
    const group = currentGroup();
    if ((o.numReplicas === undefined || o.rank === undefined) && group === null) {
      throw new Error("DistributedSampler: pass numReplicas and rank, or call initProcessGroup() first");
    }
    const replicas = o.numReplicas ?? group!.size;
    const rank = o.rank ?? group!.rank;
    if (!Number.isSafeInteger(replicas) || replicas < 1) {
      throw new RangeError(`DistributedSampler: numReplicas must be a positive integer, got ${replicas}`);
    }
    if (!Number.isSafeInteger(rank) || rank < 0 || rank >= replicas) {
      throw new RangeError(
        `DistributedSampler: invalid rank ${rank}, rank should be in the interval [0, ${replicas - 1}]`,
      );
    }
    const seed = o.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new RangeError(`DistributedSampler: seed must be an integer, got ${seed}`);
    for (const key of ["shuffle", "dropLast"] as const) {
      if (o[key] !== undefined && typeof o[key] !== "boolean") {
        throw new TypeError(`DistributedSampler: ${key} must be a boolean, got ${String(o[key])}`);
      }
    }
    this.numReplicas = replicas;
    this.rank = rank;
    this.shuffle = o.shuffle ?? true;
    this.seed = seed;
    this.dropLast = o.dropLast ?? false;
    this.#datasetLength = n;
    this.numSamples = Math.max(
      0,
      this.dropLast && n % replicas !== 0 ? Math.ceil((n - replicas) / replicas) : Math.ceil(n / replicas),
    );
    this.totalSize = this.numSamples * replicas;
  }

  /** Samples this rank gets per epoch (PyTorch's `len(sampler)`). */
  get length(): number {
    return this.numSamples;
  }

  /** Sets the epoch: the shuffle of epoch e is seeded with seed + e (PyTorch's `set_epoch`). */
  setEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      throw new RangeError(`DistributedSampler.setEpoch: epoch must be a non-negative integer, got ${epoch}`);
    }
    this.epoch = epoch;
  }

  /** This rank's indices for the current epoch. */
  indices(): Int32Array {
    const n = this.#datasetLength;
    let all: Int32Array;
    if (this.shuffle) {
      all = torchRandperm(n, this.seed + this.epoch);
    } else {
      all = new Int32Array(n);
      for (let i = 0; i < n; i++) all[i] = i;
    }
    const total = this.totalSize;
    let padded: Int32Array;
    if (this.dropLast) {
      padded = all.subarray(0, total);
    } else {
      padded = new Int32Array(total);
      padded.set(all.subarray(0, Math.min(n, total)));
      // Pad with the head of the list, repeated as often as needed (only when n < replicas).
      for (let i = n; i < total; i++) padded[i] = all[(i - n) % n];
    }
    const mine = new Int32Array(this.numSamples);
    for (let i = 0; i < this.numSamples; i++) mine[i] = padded[this.rank + i * this.numReplicas];
    return mine;
  }

  /** Iterates {@link indices}. */
  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }
}
