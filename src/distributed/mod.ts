/**
 * Data-parallel training across processes and machines on MPI (PyTorch's `torch.distributed`
 * names in camelCase). Launch one process per rank with `mpirun -np N deno run -A train.ts`.
 *
 * @example
 * ```ts
 * import { distributed, full } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * // Under `mpirun -n 2 deno run -A train.ts` each rank runs this; alone it is a group of one.
 * distributed.initProcessGroup();
 * const t = full([4], distributed.getRank() + 1);
 * distributed.allReduce(t, "sum");
 * const world = distributed.getWorldSize();
 * assert.deepEqual([...t.toArray()], Array(4).fill((world * (world + 1)) / 2));
 * ```
 * @module
 */
export { destroyProcessGroup, getBackend, getRank, getWorldSize, initProcessGroup, isInitialized } from "./init.ts";
export type { InitProcessGroupOptions } from "./init.ts";
export {
  allGather,
  allGatherIntoTensor,
  allReduce,
  barrier,
  broadcast,
  reduceScatter,
  reduceScatterTensor,
} from "./collectives.ts";
export type { CollectiveOptions } from "./collectives.ts";
export { ReduceOp } from "./process_group.ts";
export type { ProcessGroup, ReduceOpName, Work } from "./process_group.ts";
export { MPI_INSTALL_HINT, MpiProcessGroup } from "./mpi.ts";
export type { MpiFlavor } from "./mpi.ts";
export { DistributedSampler } from "./sampler.ts";
export type { DistributedSamplerOptions } from "./sampler.ts";
export { DistributedDataParallel } from "./ddp.ts";
export type { DdpStats, DistributedDataParallelOptions } from "./ddp.ts";
