/**
 * The x86-64 levels of the release library (the same list, in the same order, as
 * zig/cpu/levels.zig; a test checks each file's own idea of its level), and the choice among them.
 * @module
 */
import { NativeError } from "./errors.ts";

/** x86-64 levels, lowest first: baseline SSE4.2, AVX2+FMA, AVX-512, AVX-512 with BF16, AMX. */
export const CPU_LEVELS: readonly string[] = ["x86-64-v2", "x86-64-v3", "x86-64-v4", "avx512-bf16", "amx"];

/**
 * The level to run: the highest the CPU supports (`best`), or `forced` (`AXON_CPU`) when set,
 * which must name a level at or below `best`.
 */
export function wantedLevel(best: number, forced: string | undefined): number {
  if (forced === undefined || forced === "") return best;
  const index = CPU_LEVELS.indexOf(forced);
  if (index < 0) {
    throw new NativeError(`AXON_CPU=${forced} is not a CPU level; the levels are ${CPU_LEVELS.join(", ")}`);
  }
  if (index > best) {
    throw new NativeError(
      `AXON_CPU=${forced} is above what this CPU runs (${
        CPU_LEVELS[best] ?? "none"
      }): choose a lower level or unset AXON_CPU`,
    );
  }
  return index;
}
