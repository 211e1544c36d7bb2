/**
 * Memory accounting of the autograd graph: bytes of tensor storage that recorded ops hold for
 * their backward pass ("saved tensors"), now and at the peak. Counted by Axon itself when nodes
 * are created and released — deterministic, independent of garbage-collector timing — so the
 * effect of gradient checkpointing can be measured exactly.
 *
 * What counts: each distinct storage saved by at least one live node, once, with its byte
 * length. `nn` Parameters are excluded: they exist whether or not a graph saves them, and counting
 * them would hide what checkpointing saves.
 * @module
 */
import { backendFor } from "../backend/registry.ts";
import { check, native } from "../native/library.ts";
import type { Storage } from "../tensor/storage.ts";
import { DeathWatch, type Watched } from "./death_watch.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** Figures returned by {@link memory}`.stats()`. */
export interface MemoryStats {
  /** Bytes of storage currently saved for backward by live graph nodes. */
  savedBytes: number;
  /** Largest `savedBytes` since start-up or the last `resetPeak()`. */
  peakSavedBytes: number;
  /** Distinct storages currently saved. */
  savedStorages: number;
  /** The caching allocator of each device (only `cpu` today). */
  devices: { cpu: DeviceMemoryStats };
}

/**
 * Figures of one device's caching allocator (zig/cpu/host_memory.zig), counted natively at every
 * allocation and free. Sizes are those of the allocator's blocks: a request is rounded up to its
 * size class (at most 25 % more) plus a 64-byte header, and tensors of at most 4 kB are carved
 * from shared 64 kB blocks, which count as one allocation each.
 */
export interface DeviceMemoryStats {
  /** Bytes of blocks in use by storage (PyTorch's `memory_allocated`). */
  allocatedBytes: number;
  /** Bytes of freed blocks kept for reuse; `emptyCache()` returns them to the OS. */
  cachedBytes: number;
  /** `allocatedBytes + cachedBytes` (PyTorch's `memory_reserved`). */
  reservedBytes: number;
  /** Largest `allocatedBytes` since start-up or the last `resetPeakStats()` (PyTorch's `max_memory_allocated`). */
  peakAllocatedBytes: number;
  /** Blocks handed out, in all. */
  allocations: number;
  /** Blocks freed (by `dispose()` or the garbage collector), in all. */
  frees: number;
  /** Allocations served from the cache. */
  cacheHits: number;
  /** Allocations that asked the OS for memory. */
  osAllocations: number;
  /** Blocks given back to the OS. */
  osFrees: number;
}

const statsBuffer = new BigInt64Array(8);

function deviceStats(device: number): DeviceMemoryStats {
  check(native.axon_memory_stats(device, statsBuffer, statsBuffer.byteLength), "memory.stats");
  const [allocatedBytes, cachedBytes, peakAllocatedBytes, allocations, frees, cacheHits, osAllocations, osFrees] = Array
    .from(statsBuffer, Number);
  return {
    allocatedBytes,
    cachedBytes,
    reservedBytes: allocatedBytes + cachedBytes,
    peakAllocatedBytes,
    allocations,
    frees,
    cacheHits,
    osAllocations,
    osFrees,
  };
}

let current = 0;
let peak = 0;
let nextId = 1;
/** Storage → id; weak, so accounting never keeps memory alive. */
const ids = new WeakMap<Storage, number>();
/** id → how many live nodes save that storage, and its size. Holds no storage. */
const holders = new Map<number, { count: number; bytes: number }>();
/** Storages of `nn` Parameters, left out of the count. */
const parameterStorages = new WeakSet<Storage>();

/** Marks `t`'s storage as parameter memory (the Parameter constructor calls this). */
export function markParameterStorage(t: Tensor): void {
  parameterStorages.add(t.storage);
}

/** Counts the storages of `saved` as held by one more node; returns the ids to release later. */
export function retainSaved(saved: readonly Tensor[]): number[] {
  const taken: number[] = [];
  for (const t of saved) {
    const storage = t.storage;
    if (parameterStorages.has(storage) || storage.byteLength === 0) continue;
    let id = ids.get(storage);
    if (id === undefined) {
      id = nextId++;
      ids.set(storage, id);
    }
    if (taken.includes(id)) continue;
    taken.push(id);
    const entry = holders.get(id);
    if (entry === undefined) {
      holders.set(id, { count: 1, bytes: storage.byteLength });
      current += storage.byteLength;
      if (current > peak) peak = current;
    } else {
      entry.count++;
    }
  }
  return taken;
}

/** Undoes one {@link retainSaved}. */
export function releaseSaved(taken: readonly number[]): void {
  for (const id of taken) {
    const entry = holders.get(id);
    if (entry === undefined) continue;
    if (--entry.count === 0) {
      holders.delete(id);
      current -= entry.bytes;
    }
  }
}

/**
 * The saved storages of one graph's nodes that are not released yet, watched as one: a graph
 * dropped without a backward pass releases its count when its nodes are collected, learnt
 * during the loop that drops them (see death_watch.ts); a backward releases each node at once.
 * One watch per graph rather than per node keeps the cost to one native block per forward pass.
 */
export class SavedGroup {
  /** Each live node's accounting ids (what {@link retainSaved} returned). */
  readonly #held = new Set<number[]>();
  /** Stored on every node of the graph: the group's watch. */
  readonly watched: Watched = droppedGraphs.watch(this.#held);
  #closed = false;

  /** True once every node was released: later nodes start a new group. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Counts one node's saved storages in this group. */
  add(ids: number[]): void {
    this.#held.add(ids);
  }

  /** Releases one node's saved storages (its backward ran); closes the group when none remain. */
  release(ids: number[]): void {
    if (!this.#held.delete(ids)) return;
    releaseSaved(ids);
    if (this.#held.size === 0) {
      this.#closed = true;
      droppedGraphs.forget(this.watched);
    }
  }
}

/** Releases every node of a graph the collector freed without a backward. */
const droppedGraphs: DeathWatch<Set<number[]>> = new DeathWatch((held) => {
  for (const ids of held) releaseSaved(ids);
});

/**
 * Memory accounting of the autograd graph.
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss, Linear, memory, randn, tensor } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const lossFn = new CrossEntropyLoss();
 * memory.resetPeak();
 * const loss = lossFn.compute(model.forward(randn([64, 784])), tensor(new Int32Array(64)));
 * console.log(memory.stats().savedBytes); // activations held for backward
 * loss.backward();
 * console.log(memory.stats().peakSavedBytes);
 * console.log(memory.stats().devices.cpu.peakAllocatedBytes); // the allocator's high-water mark
 * memory.emptyCache(); // cached free blocks back to the OS
 * ```
 */
export const memory: {
  /**
   * Current and peak bytes saved for backward (graphs collected so far no longer count), and the
   * figures of each device's caching allocator (`devices.cpu`).
   */
  stats(): MemoryStats;
  /** Starts a new peak measurement of the saved bytes from the current figure. */
  resetPeak(): void;
  /**
   * Starts new peak measurements of everything: the saved bytes and each allocator's
   * `peakAllocatedBytes` (PyTorch's `reset_peak_memory_stats`).
   */
  resetPeakStats(): void;
  /**
   * Bytes the native library holds now: tensor storage (live, and freed blocks it keeps for reuse,
   * see `emptyCache`), and the kernels' per-thread scratch buffers, which only grow to the largest
   * problem seen. Counted by the library itself at every allocation and free, so a loop that
   * leaks native memory shows here exactly (after a garbage collection and `emptyCache`).
   */
  nativeBytes(): number;
  /**
   * Gives the freed tensor memory the caching allocator keeps for reuse (at most 256 MiB) back
   * to the OS, as `torch.cuda.empty_cache()` does for PyTorch's; returns the bytes released.
   */
  emptyCache(): number;
} = {
  stats(): MemoryStats {
    droppedGraphs.drain();
    return {
      savedBytes: current,
      peakSavedBytes: peak,
      savedStorages: holders.size,
      devices: { cpu: deviceStats(0) },
    };
  },
  resetPeak(): void {
    peak = current;
  },
  resetPeakStats(): void {
    peak = current;
    check(native.axon_memory_reset_peak(0), "memory.resetPeakStats");
  },
  nativeBytes(): number {
    return backendFor("cpu").nativeBytes();
  },
  emptyCache(): number {
    return backendFor("cpu").emptyCache();
  },
};
