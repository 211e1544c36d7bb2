/**
 * `initProcessGroup` and the queries about the default group (PyTorch's `torch.distributed`
 * names in camelCase).
 *
 * Once a group exists, an uncaught error or unhandled rejection on any rank prints the error and
 * calls `MPI_Abort`, which ends every rank of the job with a non-zero status: a failed rank never
 * leaves the others waiting in a collective it will not join. A normal exit finalizes MPI.
 * @module
 */
import { readEnv, RUNTIME } from "../native/host.ts";
import { checkOptions } from "../utils/options.ts";
import { MpiProcessGroup } from "./mpi.ts";
import { currentGroup, defaultGroup, type ProcessGroup, setDefaultGroup } from "./process_group.ts";

/** Options of {@link initProcessGroup}. */
export interface InitProcessGroupOptions {
  /** `"mpi"` (the only backend until the CUDA backend brings `"nccl"`). Default `"mpi"`. */
  backend?: "mpi";
  /**
   * Milliseconds a collective (and start-up) may wait for the other ranks before it fails and
   * the job is aborted. Default 1,800,000 (30 minutes, PyTorch's default).
   */
  timeout?: number;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Joins the job's default process group. Rank and world size come from the launcher
 * (`mpirun -np N deno run …`); a process started without a launcher is rank 0 of 1.
 *
 * MPI is loaded at run time: `AXON_MPI_LIB` when set, else Open MPI's `libmpi.so.40` or MPICH's
 * `libmpi.so.12`. Throws "MPI is not available: <what was missing>, install openmpi-bin (Debian)
 * or set AXON_MPI_LIB" when none loads; single-process use of Axon never needs MPI.
 *
 * @example
 * ```ts
 * import { distributed } from "@axon/ml";
 * distributed.initProcessGroup({ backend: "mpi" });
 * console.log(distributed.getRank(), distributed.getWorldSize());
 * distributed.destroyProcessGroup();
 * ```
 */
export function initProcessGroup(options: InitProcessGroupOptions = {}): void {
  const o = checkOptions<InitProcessGroupOptions>("initProcessGroup", options, ["backend", "timeout"]);
  const backend = o.backend ?? "mpi";
  if (backend !== "mpi") {
    throw new RangeError(
      `initProcessGroup: backend ${
        JSON.stringify(backend)
      } is not available; Axon supports "mpi" (NCCL comes with the CUDA backend)`,
    );
  }
  const timeout = o.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new RangeError(`initProcessGroup: timeout must be a positive integer of milliseconds, got ${timeout}`);
  }
  if (currentGroup() !== null) throw new Error("initProcessGroup: the default process group is already initialized");
  const group = new MpiProcessGroup(readEnv("AXON_MPI_LIB") || undefined, timeout);
  setDefaultGroup(group);
  installFailureHandlers(group);
}

/** Whether the default process group exists. */
export function isInitialized(): boolean {
  return currentGroup() !== null;
}

/** This process's rank in the default group (0 ≤ rank < world size). */
export function getRank(): number {
  return defaultGroup("getRank").rank;
}

/** Number of processes in the default group. */
export function getWorldSize(): number {
  return defaultGroup("getWorldSize").size;
}

/** The backend of the default group (`"mpi"`). */
export function getBackend(): string {
  return defaultGroup("getBackend").backend;
}

/**
 * Completes queued collectives, finalizes MPI and forgets the default group. MPI cannot be
 * initialised again in the same process afterwards.
 */
export function destroyProcessGroup(): void {
  const group = defaultGroup("destroyProcessGroup");
  setDefaultGroup(null);
  group.destroy();
}

let handlersInstalled = false;

function exitProcess(code: number): never {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (RUNTIME === "deno") g.Deno.exit(code);
  g.process.exit(code);
  throw new Error("unreachable");
}

function installFailureHandlers(group: ProcessGroup): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const fail = (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    if (currentGroup() !== group) {
      // MPI is finalized: fail this process alone, as the runtime would have.
      console.error(`Uncaught ${text}`);
      exitProcess(1);
    }
    console.error(`[rank ${group.rank}] uncaught error, aborting the job (MPI_Abort):\n${text}`);
    group.abort(1);
  };
  const exit = (code: number) => {
    if (currentGroup() !== group) return;
    setDefaultGroup(null);
    if (code !== 0) group.abort(code);
    try {
      group.destroy();
    } catch (error) {
      console.error(`[rank ${group.rank}] ${(error as Error).message}`);
    }
  };
  if (RUNTIME === "deno") {
    globalThis.addEventListener("error", (event) => {
      event.preventDefault();
      fail((event as ErrorEvent).error);
    });
    globalThis.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      fail((event as PromiseRejectionEvent).reason);
    });
    globalThis.addEventListener("unload", () => exit(Deno.exitCode));
  } else {
    // deno-lint-ignore no-explicit-any
    const process = (globalThis as any).process;
    process.on("uncaughtException", fail);
    process.on("unhandledRejection", fail);
    process.on("exit", (code: number) => exit(code));
  }
}
