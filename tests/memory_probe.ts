/**
 * Memory readings for the leak tests, taken after a full garbage collection so that they measure
 * what is still reachable rather than when the collector last ran.
 * @module
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import { memory } from "../mod.ts";

/** A full, synchronous garbage collection on either runtime. */
export const collectGarbage: () => void = (() => {
  // deno-lint-ignore no-explicit-any
  const bun = (globalThis as any).Bun;
  if (bun) return () => bun.gc(true);
  // V8 exposes gc() only behind a flag; set it now and fetch the function from a fresh context.
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();

/**
 * glibc's `malloc_trim(0)`: gives the free memory malloc keeps in its arenas back to the OS, so
 * RSS measures memory in use. Without it a loop that leaks nothing showed RSS steps of 60–300 MB
 * (memory freed by V8's sweeper threads stays in glibc's arenas), depending on what ran before.
 * A no-op where libc.so.6 cannot be opened.
 */
const trimMalloc: () => void = await (async () => {
  try {
    if ("Deno" in globalThis) {
      const libc = Deno.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } });
      return () => void libc.symbols.malloc_trim(0n);
    }
    const ffi = await import(["bun", "ffi"].join(":"));
    const libc = ffi.dlopen("libc.so.6", { malloc_trim: { args: ["u64"], returns: "i32" } });
    return () => void libc.symbols.malloc_trim(0);
  } catch {
    return () => {};
  }
})();

/** One reading, in bytes. */
export interface MemoryReading {
  /** Resident set size of the process. */
  rss: number;
  /** Live JavaScript heap (objects, including every Tensor and typed-array wrapper). */
  heapUsed: number;
  /** What the native library holds ({@link memory}.nativeBytes). */
  native: number;
}

/**
 * Collects garbage (twice: finalizers of the first pass free native memory), empties the native
 * reuse cache (so `native` counts live memory and scratch buffers only), returns malloc's free
 * memory to the OS (so `rss` counts memory in use) and reads memory.
 */
export function readMemory(): MemoryReading {
  collectGarbage();
  collectGarbage();
  // Graphs the collections freed are reported through the death watch; draining releases their
  // bookkeeping, which the last collection then frees (else it counts as live heap).
  memory.stats();
  collectGarbage();
  memory.emptyCache();
  trimMalloc();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, native: memory.nativeBytes() };
}

/**
 * `memory.stats().savedBytes` once graphs dropped earlier have been collected and reported:
 * collects, then waits synchronously (no event-loop turn) until two readings 10 ms apart agree, or
 * `expected` is reached (Deno runs the watch blocks' finalizers on its concurrent sweeper). Take
 * baselines with it: a baseline that still counts dead graphs drops while a test runs.
 */
export function settledSavedBytes(expected?: number): number {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let previous = -1;
  let reading = -1;
  for (let tries = 0; tries < 200; tries++) {
    readMemory();
    reading = memory.stats().savedBytes;
    if (expected === undefined ? reading === previous : reading === expected) return reading;
    previous = reading;
    Atomics.wait(sleeper, 0, 0, 10);
  }
  return reading;
}
