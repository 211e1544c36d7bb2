/**
 * Finds, loads and checks the native library, once per process.
 *
 * The path is `AXON_LIB` when set, else the build output `zig-out/lib/libaxon.<ext>` of this
 * checkout. The library's ABI version must equal {@link ABI_VERSION}.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openWithBun } from "./bun.ts";
import { openWithDeno } from "./deno.ts";
import { denoPermissionProblem } from "./permissions.ts";
import { ABI_VERSION, type NativeSymbols, SYMBOLS } from "./symbols.ts";

/** The command that builds the native library (named in every load error). */
export const BUILD_COMMAND = "tools/dev.sh build   (or: zig build -Doptimize=ReleaseFast)";

/** The runtime this process runs on. */
export const RUNTIME: "deno" | "bun" = "Deno" in globalThis ? "deno" : "bun";

/** An environment variable, or undefined when unset or unreadable (Deno without --allow-env). */
export function readEnv(name: string): string | undefined {
  if (RUNTIME === "deno") {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env: behave as if unset
    }
  }
  // deno-lint-ignore no-explicit-any
  return (globalThis as any).process?.env?.[name];
}

function platformLibraryName(): string {
  // deno-lint-ignore no-explicit-any
  const os = RUNTIME === "deno" ? Deno.build.os : (globalThis as any).process?.platform;
  if (os === "darwin") return "libaxon.dylib";
  if (os === "windows" || os === "win32") return "axon.dll";
  return "libaxon.so";
}

/** Where the library is loaded from. */
export function libraryPath(): string {
  const fromEnv = readEnv("AXON_LIB");
  if (fromEnv) return fromEnv;
  const dir = platformLibraryName() === "axon.dll" ? "bin" : "lib";
  return fileURLToPath(new URL(`../../zig-out/${dir}/${platformLibraryName()}`, import.meta.url));
}

/** An error raised by the native library or by loading it. */
export class NativeError extends Error {
  /** The negative status code returned by the native export (0 for load errors). */
  readonly code: number;
  /** Creates the error with the native status `code` (0 when loading failed). */
  constructor(message: string, code = 0) {
    super(message);
    this.name = "NativeError";
    this.code = code;
  }
}

interface OpenedLibrary {
  symbols: NativeSymbols;
  addressOf(view: ArrayBufferView): bigint;
  allocate?: (bytes: number) => ArrayBuffer;
  watchBlock?: (owner: number, token: number) => ArrayBuffer | undefined;
}

async function open(): Promise<OpenedLibrary> {
  const path = libraryPath();
  const denied = denoPermissionProblem(path);
  if (denied !== null) throw new NativeError(denied);
  if (!existsSync(path)) {
    throw new NativeError(`native library not found at ${path}: run ${BUILD_COMMAND}`);
  }
  const bind = (symbols: Partial<typeof SYMBOLS>) =>
    RUNTIME === "deno" ? Promise.resolve(openWithDeno(path, symbols)) : openWithBun(path, symbols);
  // Version first, with one symbol: an old library lacking newer exports must still get the
  // version message rather than a missing-symbol error.
  let version: number;
  try {
    const probe = await bind({ axon_abi_version: SYMBOLS.axon_abi_version });
    version = Number(probe.symbols.axon_abi_version());
  } catch (error) {
    throw new NativeError(`could not load the native library ${path} (${(error as Error).message}): run ${BUILD_COMMAND}`);
  }
  if (version !== ABI_VERSION) {
    throw new NativeError(
      `native library is version ${version}, expected ${ABI_VERSION}: run ${BUILD_COMMAND} (library: ${path})`,
    );
  }
  try {
    return await bind(SYMBOLS);
  } catch (error) {
    throw new NativeError(`native library ${path} is incomplete (${(error as Error).message}): run ${BUILD_COMMAND}`);
  }
}

const opened = await open();

/** The native exports, loaded and version-checked. */
export const native: NativeSymbols = opened.symbols;

/** The address of a typed array's first byte (used to align tensor storage). */
export const addressOf: (view: ArrayBufferView) => bigint = opened.addressOf;

/**
 * Zeroed, 64-byte-aligned native memory owned by the garbage collector, where the runtime supports
 * it (Bun); undefined elsewhere (Deno's ArrayBuffers already reuse freed memory).
 */
export const allocateHostBuffer: ((bytes: number) => ArrayBuffer) | undefined = opened.allocate;

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
    throw new RangeError(`setNumThreads: invalid threads; the thread count must be an integer >= 1, got ${typeof threads === "number" ? threads : `${typeof threads} ${JSON.stringify(threads)}`}`);
  }
  return check(native.axon_set_num_threads(threads), "setNumThreads");
}
