/**
 * The MPI backend of {@link ProcessGroup}: the native library loads MPI with `dlopen` and runs
 * every MPI call on one communication thread (zig/comm/worker.zig); this file queues collectives
 * there and waits for them with a timeout.
 * @module
 */
import { check, lastNativeError, native, NativeError } from "../native/library.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { bytesOf, lengthOf } from "../backend/cpu/operand.ts";
import { lifetime, type Tensor } from "../tensor/tensor.ts";
import type { ProcessGroup, ReduceOpName, Work } from "./process_group.ts";

const KIND = { allReduce: 0, broadcast: 1, allGather: 2, reduceScatter: 3, barrier: 4 } as const;
const OP: Record<ReduceOpName, number> = { sum: 0, avg: 1, max: 2, min: 3 };
const DTYPES = new Set(["f32", "f16", "bf16", "i32"]);

/** What `initProcessGroup` says when MPI cannot be loaded. */
export const MPI_INSTALL_HINT = "install openmpi-bin (Debian) or set AXON_MPI_LIB";

/** Which MPI was loaded. */
export type MpiFlavor = "open-mpi" | "mpich";

class MpiWork implements Work {
  completed = false;
  #ticket: number;
  #timeoutMs: number;
  #what: string;
  /** The tensors the native thread reads or writes: kept alive until the wait. */
  #keep: Tensor[] | null;

  constructor(ticket: number, timeoutMs: number, what: string, keep: Tensor[]) {
    this.#ticket = ticket;
    this.#timeoutMs = timeoutMs;
    this.#what = what;
    this.#keep = keep;
    for (const t of keep) lifetime.hold(t); // a dispose() meanwhile must not free their memory
  }

  wait(): void {
    if (this.completed) return;
    const status = native.axon_dist_wait(this.#ticket, this.#timeoutMs);
    this.completed = true;
    for (const t of this.#keep ?? []) lifetime.unhold(t);
    this.#keep = null;
    if (status < 0) throw new NativeError(`${this.#what}: ${lastNativeError()}`, status);
  }
}

/** The Work of a blocking collective: complete when returned. */
const DONE: Work = Object.freeze({ completed: true, wait() {} });

function checkTensor(t: Tensor, what: string, role: string): void {
  if (!DTYPES.has(t.dtype)) throw new TypeError(`${what}: ${role} must be f32, f16, bf16 or i32, got ${t.dtype}`);
  if (!t.isContiguous()) throw new TypeError(`${what}: ${role} must be contiguous (call .contiguous() first)`);
}

/** A process group over MPI_COMM_WORLD. */
export class MpiProcessGroup implements ProcessGroup {
  readonly backend = "mpi";
  readonly rank: number;
  readonly size: number;
  /** Which MPI implementation was loaded. */
  readonly flavor: MpiFlavor;
  /** Milliseconds a collective may wait for the other ranks before it fails. */
  readonly timeoutMs: number;
  #destroyed = false;

  /**
   * Loads MPI (`libraryPath`, else Open MPI's or MPICH's usual library names) and initialises it.
   * Throws "MPI is not available: <reason>, install openmpi-bin (Debian) or set AXON_MPI_LIB".
   */
  constructor(libraryPath: string | undefined, timeoutMs: number) {
    const path = new TextEncoder().encode(libraryPath ?? "");
    const info = new BigInt64Array(3);
    const status = native.axon_dist_init(
      path.length > 0 ? path : null,
      path.length,
      timeoutMs,
      new Uint8Array(info.buffer),
      24,
    );
    if (status < 0) {
      const reason = lastNativeError();
      if (/could not load|lacks|MPI_Init_thread|thread level/.test(reason)) {
        throw new NativeError(`MPI is not available: ${reason}, ${MPI_INSTALL_HINT}`, status);
      }
      throw new NativeError(`initProcessGroup: ${reason}`, status);
    }
    this.rank = Number(info[0]);
    this.size = Number(info[1]);
    this.flavor = info[2] === 1n ? "open-mpi" : "mpich";
    this.timeoutMs = timeoutMs;
  }

  #submit(
    what: string,
    kind: number,
    op: number,
    t: Tensor | null,
    n: number,
    out: Tensor | null,
    root: number,
    blocking: boolean,
  ): Work {
    if (this.#destroyed) throw new Error(`${what}: the process group was destroyed`);
    const dtype = t === null ? 0 : dtypeInfo(t.dtype).code;
    const args = [
      kind,
      op,
      dtype,
      n,
      bytesOf(t),
      lengthOf(t),
      t === null ? 0 : t.offset,
      bytesOf(out),
      lengthOf(out),
      out === null ? 0 : out.offset,
      root,
    ] as const;
    // These storages are written natively: saved copies in an autograd graph are invalidated.
    const written = () => {
      if (kind === KIND.allReduce || kind === KIND.broadcast) t!.storage.version++;
      if (out !== null) out.storage.version++;
    };
    if (blocking) {
      check(native.axon_dist_run(...args, this.timeoutMs), what);
      written();
      return DONE;
    }
    const ticket = Number(native.axon_dist_submit(...args));
    check(ticket, what);
    written();
    return new MpiWork(ticket, this.timeoutMs, what, [t, out].filter((x): x is Tensor => x !== null));
  }

  allReduce(t: Tensor, op: ReduceOpName, blocking = false): Work {
    checkTensor(t, "allReduce", "the tensor");
    return this.#submit("allReduce", KIND.allReduce, OP[op], t, t.numel, null, 0, blocking);
  }

  broadcast(t: Tensor, src: number, blocking = false): Work {
    checkTensor(t, "broadcast", "the tensor");
    return this.#submit("broadcast", KIND.broadcast, 0, t, t.numel, null, src, blocking);
  }

  allGather(output: Tensor, input: Tensor, blocking = false): Work {
    checkTensor(input, "allGather", "the input");
    checkTensor(output, "allGather", "the output");
    if (output.dtype !== input.dtype) {
      throw new TypeError(`allGather: output dtype ${output.dtype} differs from input dtype ${input.dtype}`);
    }
    if (output.numel !== input.numel * this.size) {
      throw new RangeError(
        `allGather: output holds ${output.numel} elements, needs world size ${this.size} × ${input.numel}`,
      );
    }
    return this.#submit("allGather", KIND.allGather, 0, input, input.numel, output, 0, blocking);
  }

  reduceScatter(output: Tensor, input: Tensor, op: ReduceOpName, blocking = false): Work {
    checkTensor(input, "reduceScatter", "the input");
    checkTensor(output, "reduceScatter", "the output");
    if (output.dtype !== input.dtype) {
      throw new TypeError(`reduceScatter: output dtype ${output.dtype} differs from input dtype ${input.dtype}`);
    }
    if (input.numel !== output.numel * this.size) {
      throw new RangeError(
        `reduceScatter: input holds ${input.numel} elements, needs world size ${this.size} × ${output.numel}`,
      );
    }
    return this.#submit("reduceScatter", KIND.reduceScatter, OP[op], input, output.numel, output, 0, blocking);
  }

  barrier(blocking = false): Work {
    return this.#submit("barrier", KIND.barrier, 0, null, 0, null, 0, blocking);
  }

  abort(code: number): never {
    native.axon_dist_abort(code);
    // MPI_Abort does not return; if the library's did, still end this process.
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    if (g.Deno) g.Deno.exit(code);
    g.process.exit(code);
    throw new Error("unreachable");
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    check(native.axon_dist_finalize(this.timeoutMs), "destroyProcessGroup");
  }
}
