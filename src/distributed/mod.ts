/**
 * Data-parallel training across processes and machines on MPI (PyTorch's `torch.distributed`
 * names in camelCase). Launch one process per rank with `mpirun -np N deno run -A train.ts`.
 *
 * @example
 * ```ts
 * import { distributed } from "@axon/ml";
 * distributed.initProcessGroup({ backend: "mpi" });
 * const t = axon.full([4], distributed.getRank());
 * distributed.allReduce(t, "sum");
 * distributed.destroyProcessGroup();
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
