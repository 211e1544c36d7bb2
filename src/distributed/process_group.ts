/**
 * The process-group interface every communication backend implements (MPI now, NCCL with the
 * CUDA backend), and the default group that `initProcessGroup` creates.
 *
 * A backend queues collectives and hands back a {@link Work}; the collective runs on the
 * backend's own thread while JavaScript continues, and `wait()` completes it. Collectives run in
 * the order they were queued, on every rank.
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";

/** Reduction of `allReduce` / `reduceScatter` (PyTorch's `ReduceOp`, lower-case). */
export type ReduceOpName = "sum" | "avg" | "max" | "min";

/**
 * PyTorch's `dist.ReduceOp` spellings. `avg` is the sum divided by the world size in the tensor's
 * dtype (i32 truncates toward zero).
 *
 * @example
 * ```ts
 * import { distributed, ones } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const t = ones([2]);
 * distributed.allReduce(t, distributed.ReduceOp.MAX);
 * ```
 */
export const ReduceOp: { readonly SUM: "sum"; readonly AVG: "avg"; readonly MAX: "max"; readonly MIN: "min" } = {
  SUM: "sum",
  AVG: "avg",
  MAX: "max",
  MIN: "min",
};

/** A queued collective (PyTorch's `Work`): `wait()` blocks until it is done on this rank. */
export interface Work {
  /** Blocks until the collective is complete; throws its error (or a timeout). Idempotent. */
  wait(): void;
  /** Whether `wait()` has returned. */
  readonly completed: boolean;
}

/**
 * A group of processes that run collectives together; one implementation per backend. Every
 * collective is queued and returns at once, unless `blocking` is true: then it is complete when
 * the call returns (a backend may run it on the caller's thread) and the Work is already done.
 */
export interface ProcessGroup {
  /** Backend name (`"mpi"`). */
  readonly backend: string;
  /** This process's rank, 0 ≤ rank < size. */
  readonly rank: number;
  /** Number of processes. */
  readonly size: number;
  /** Reduces `t` over all ranks, in place. `t` must be contiguous. */
  allReduce(t: Tensor, op: ReduceOpName, blocking?: boolean): Work;
  /** Copies rank `src`'s `t` into every rank's `t`. */
  broadcast(t: Tensor, src: number, blocking?: boolean): Work;
  /** `output` (size·n elements, contiguous) receives every rank's `input` (n elements) in rank order. */
  allGather(output: Tensor, input: Tensor, blocking?: boolean): Work;
  /** Reduces `input` (size·n) over ranks; rank r receives block r into `output` (n). */
  reduceScatter(output: Tensor, input: Tensor, op: ReduceOpName, blocking?: boolean): Work;
  /** Completes when every rank has reached it. */
  barrier(blocking?: boolean): Work;
  /** Ends every process of the job with `code` (MPI_Abort); does not return. */
  abort(code: number): never;
  /** Finishes queued work and releases the backend; the group is unusable afterwards. */
  destroy(): void;
}

let current: ProcessGroup | null = null;

/** The default group, or an error telling the caller to create it. */
export function defaultGroup(where: string): ProcessGroup {
  if (current === null) {
    throw new Error(
      `${where}: the default process group is not initialized; call initProcessGroup({ backend: "mpi" }) first`,
    );
  }
  return current;
}

/** Installs (or clears) the default group. */
export function setDefaultGroup(group: ProcessGroup | null): void {
  current = group;
}

/** The default group when one is initialized. */
export function currentGroup(): ProcessGroup | null {
  return current;
}
