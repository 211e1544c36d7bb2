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
 * reuse cache (so `native` counts live memory and scratch buffers only) and reads memory.
 */
export function readMemory(): MemoryReading {
  collectGarbage();
  collectGarbage();
  memory.emptyCache();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, native: memory.nativeBytes() };
}
