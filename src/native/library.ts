/**
 * Finds, loads and checks the native library, once per process.
 *
 * `locate.ts` finds the file (`AXON_LIB`, this checkout's `zig-out/lib/`, the npm platform
 * package, the per-user cache, or a checked download). On x86-64 that file is the baseline build;
 * it reports the best level the CPU and OS run (zig/cpu/levels.zig) and the file of that level is
 * opened instead (`AXON_CPU` may ask for a lower one). The library's ABI version must equal
 * {@link ABI_VERSION}.
 *
 * @module
 */
import { openWithBun } from "./bun.ts";
import { CPU_LEVELS, wantedLevel } from "./cpu_levels.ts";
import { openWithDeno } from "./deno.ts";
import { denoFfiPermissionProblem, denoPermissionProblem } from "./permissions.ts";
import { isPermissionError, NativeError } from "./errors.ts";
import { readEnv, RUNTIME } from "./host.ts";
import { BUILD_COMMAND, type LibrarySource, locateLibrary } from "./locate.ts";
import { ABI_VERSION, CPU_SYMBOLS, type NativeSignature, type NativeSymbols, SYMBOLS } from "./symbols.ts";

export { BUILD_COMMAND, NativeError, RUNTIME };
export type { LibrarySource };

/** Which native library runs, and why (see {@link cpuInfo}). */
export interface CpuInfo {
  /** The x86-64 level whose kernels run (`"x86-64-v2"`, `"x86-64-v3"`, `"x86-64-v4"`, `"avx512-bf16"`, `"amx"`), or null when the library is not an x86-64 level build (arm64, or a build for an explicit `-Dcpu`). */
  readonly level: string | null;
  /** The highest level this CPU and OS support (null when not x86-64 or unknown). */
  readonly best: string | null;
  /** Whether `AXON_CPU` chose the level. */
  readonly forced: boolean;
  /** The library file loaded. */
  readonly library: string;
  /** Where it was found: `AXON_LIB`, this `checkout`'s build, the `npm` platform package, the per-user `cache`, or a `download`. */
  readonly source: LibrarySource;
}

interface OpenedLibrary {
  symbols: NativeSymbols;
  addressOf(view: ArrayBufferView): bigint;
  storage?: (bytes: number, zero: boolean) => ArrayBuffer | undefined;
  collect?: () => void;
  collectEvery?: boolean;
  watchBlock?: (owner: number, token: number) => ArrayBuffer | undefined;
}

/** What would fix a library from `source` that cannot be used. */
function remedy(source: LibrarySource): string {
  if (source === "checkout") return `run ${BUILD_COMMAND}`;
  if (source === "AXON_LIB") return "point AXON_LIB at a libaxon built from this version of Axon, or unset it";
  if (source === "npm") return "reinstall @axon/ml (its platform package holds the library)";
  return "delete the cached file and run again, or set AXON_LIB to a libaxon file";
}

function bind(path: string, symbols: Record<string, NativeSignature>): Promise<OpenedLibrary> {
  return RUNTIME === "deno" ? Promise.resolve(openWithDeno(path, symbols)) : openWithBun(path, symbols);
}

/** Opens `path` for its version and CPU level only: an old library lacking newer exports must still get the version message. */
async function probe(path: string, source: LibrarySource): Promise<{ build: number; best: number } | undefined> {
  let version: number;
  try {
    const opened = await bind(path, { axon_abi_version: SYMBOLS.axon_abi_version });
    version = Number(opened.symbols.axon_abi_version());
  } catch (error) {
    if (isPermissionError(error)) {
      throw new NativeError(
        `Axon runs its kernels from the native library ${path} through FFI: run deno with --allow-ffi`,
      );
    }
    throw new NativeError(`could not load the native library ${path} (${(error as Error).message}): ${remedy(source)}`);
  }
  if (version !== ABI_VERSION) {
    throw new NativeError(
      `native library is version ${version}, expected ${ABI_VERSION}: ${remedy(source)} (library: ${path})`,
    );
  }
  try {
    const cpu = (await bind(path, CPU_SYMBOLS)).symbols as unknown as Record<string, () => number>;
    return { build: cpu.axon_cpu_build_level(), best: cpu.axon_cpu_best_level() };
  } catch {
    return undefined; // built before the CPU-level exports: runs as it is
  }
}

async function open(): Promise<{ opened: OpenedLibrary; info: CpuInfo }> {
  const noFfi = denoFfiPermissionProblem();
  if (noFfi !== null) throw new NativeError(noFfi);
  const located = await locateLibrary();
  const denied = denoPermissionProblem(located.path);
  if (denied !== null) throw new NativeError(denied);
  const levels = await probe(located.path, located.source);
  const forcedName = readEnv("AXON_CPU") || undefined;
  let path = located.path;
  let level = levels && levels.build >= 0 ? levels.build : -1;
  if (levels === undefined || levels.build < 0) {
    if (forcedName !== undefined) {
      throw new NativeError(
        `AXON_CPU=${forcedName} chooses among x86-64 level builds, and ${path} is not one: unset AXON_CPU`,
      );
    }
  } else {
    const wanted = wantedLevel(levels.best, forcedName);
    let chosen: string | undefined;
    for (let l = wanted; l >= 0 && chosen === undefined; l--) {
      chosen = l === levels.build ? located.path : await located.levelFile(CPU_LEVELS[l]);
      if (chosen !== undefined) level = l;
    }
    if (chosen === undefined) {
      throw new NativeError(
        `${path} is built for ${CPU_LEVELS[levels.build]}, but ${
          forcedName ? `AXON_CPU asks for` : "this CPU runs only"
        } ` +
          `${CPU_LEVELS[wanted]} and no file of that level lies beside it: ${
            forcedName ? "unset AXON_CPU, or build every level with tools/dev.sh release" : remedy(located.source)
          }`,
      );
    }
    if (chosen !== path) {
      const own = await probe(chosen, located.source);
      if (own?.build !== level) {
        throw new NativeError(
          `${chosen} should hold the ${CPU_LEVELS[level]} kernels but is built for ${
            CPU_LEVELS[own?.build ?? -1] ?? "no x86-64 level"
          }: ${remedy(located.source)}`,
        );
      }
      path = chosen;
    }
  }
  let opened: OpenedLibrary;
  try {
    opened = await bind(path, SYMBOLS);
  } catch (error) {
    throw new NativeError(
      `native library ${path} is incomplete (${(error as Error).message}): ${remedy(located.source)}`,
    );
  }
  const info: CpuInfo = {
    level: level >= 0 ? CPU_LEVELS[level] : null,
    best: levels && levels.best >= 0 ? CPU_LEVELS[levels.best] ?? null : null,
    forced: forcedName !== undefined && level >= 0,
    library: path,
    source: located.source,
  };
  return { opened, info };
}

const { opened, info } = await open();

/**
 * Which native library runs: its x86-64 level (chosen at load from what the CPU and OS support,
 * or lowered by `AXON_CPU`), the best level available, and where the file came from.
 *
 * @example
 * ```ts
 * import { cpuInfo } from "jsr:@axon/ml";
 * console.log(cpuInfo().level); // e.g. "avx512-bf16"; null on arm64
 * ```
 */
export function cpuInfo(): CpuInfo {
  return info;
}

/** The native exports, loaded and version-checked. */
export const native: NativeSymbols = opened.symbols;

/** The address of a typed array's first byte (used to align tensor storage). */
export const addressOf: (view: ArrayBufferView) => bigint = opened.addressOf;

/**
 * Tensor storage: `bytes` bytes (at least 1) of the caching allocator (zig/cpu/host_memory.zig),
 * 64-byte aligned, zeroed when `zero`, as an ArrayBuffer whose collection returns the block
 * unless `axon_storage_release` did already; undefined when out of memory. Undefined where the
 * runtime cannot attach a finalizer to native memory (Deno refusing the Node-API module).
 */
export const storageBuffer: ((bytes: number, zero: boolean) => ArrayBuffer | undefined) | undefined = opened.storage;

/** A full garbage collection, where the runtime lets a library ask for one; else undefined. */
export const collectGarbage: (() => void) | undefined = opened.collect;

/**
 * Whether the collector never collects for native memory by itself (JavaScriptCore), so that
 * Axon should ask after every 64 MB allocated and not disposed; else Axon asks only when native
 * memory piles up (see src/tensor/storage.ts).
 */
export const collectEvery64MB: boolean = opened.collectEvery === true;

/**
 * An 8-byte ArrayBuffer whose collection records `token` of `owner` in the native death watch
 * (zig/cpu/death_watch.zig), where the runtime frees native memory during collection (Bun, and
 * Deno as a Node-API host); undefined elsewhere. See src/autograd/death_watch.ts.
 */
export const watchBlock: ((owner: number, token: number) => ArrayBuffer | undefined) | undefined = opened.watchBlock;

const messageBuffer = new Uint8Array(2048);
const decoder = new TextDecoder();

/** The calling thread's last native error message. */
export function lastNativeError(): string {
  const length = Number(native.axon_last_error(messageBuffer, messageBuffer.length));
  return decoder.decode(messageBuffer.subarray(0, Math.min(length, messageBuffer.length)));
}

/**
 * Throws a {@link NativeError} when `status` (a native export's return value) is negative.
 * `context` prefixes the message, e.g. the op name.
 */
export function check(status: number, context: string): number {
  if (status < 0) throw new NativeError(`${context}: ${lastNativeError()}`, status);
  return status;
}

/** Number of threads native kernels use (the calling thread included). */
export function getNumThreads(): number {
  return native.axon_get_num_threads();
}

/** Sets the number of threads native kernels use; returns the number actually available. */
export function setNumThreads(threads: number): number {
  if (typeof threads !== "number" || !Number.isSafeInteger(threads) || threads < 1) {
    throw new RangeError(
      `setNumThreads: invalid threads; the thread count must be an integer >= 1, got ${
        typeof threads === "number" ? threads : `${typeof threads} ${JSON.stringify(threads)}`
      }`,
    );
  }
  return check(native.axon_set_num_threads(threads), "setNumThreads");
}
