/**
 * Binds the native library with `Deno.dlopen`.
 * @module
 */
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import type { NativeSignature, NativeSymbols, NativeType } from "./symbols.ts";

const DENO_TYPES: Record<NativeType, Deno.NativeType | "void"> = {
  u32: "u32",
  i32: "i32",
  i64: "i64",
  u64: "u64",
  f32: "f32",
  f64: "f64",
  buffer: "buffer",
  pointer: "pointer",
  void: "void",
};

/** Opens `path` and returns its exports as plain functions, plus a way to read addresses. */
export function openWithDeno(
  path: string,
  symbols: Record<string, NativeSignature>,
): {
  symbols: NativeSymbols;
  addressOf(view: ArrayBufferView): bigint;
  watchBlock?: (owner: number, token: number) => ArrayBuffer | undefined;
  storage?: (bytes: number, zero: boolean) => ArrayBuffer | undefined;
  collect?: () => void;
} {
  const table: Record<string, Deno.ForeignFunction> = {};
  for (const [name, signature] of Object.entries(symbols)) {
    table[name] = {
      parameters: signature.parameters.map((t) => DENO_TYPES[t] as Deno.NativeType),
      result: DENO_TYPES[signature.result] as Deno.NativeResultType,
    };
  }
  const library = Deno.dlopen(path, table);
  const wrapped: Record<string, unknown> = {};
  for (const [name, signature] of Object.entries(symbols)) {
    wrapped[name] = withBigIntArguments((library.symbols as Record<string, unknown>)[name], signature.parameters);
  }
  // Only for the full binding: the version and CPU-level probes need no Node-API module.
  const napi = "axon_watch_new" in symbols ? napiModuleOf(path) : undefined;
  return {
    symbols: wrapped as unknown as NativeSymbols,
    watchBlock: napi?.watch,
    storage: napi?.storage === undefined ? undefined : storageOf(napi.storage),
    collect: napi?.storage === undefined ? undefined : fullCollection(),
    addressOf(view: ArrayBufferView): bigint {
      return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>)));
    },
  };
}

/**
 * Deno's FFI gives native memory to the collector without a deallocator, but Deno is also a
 * Node-API host, and it frees a Node-API external ArrayBuffer during collection, while a
 * synchronous loop runs. The library is a Node-API module too (zig/abi/death_watch.zig); loading
 * it that way (the same file, so the same native state) gives its `watch` function. Undefined
 * where that is refused (callers fall back to FinalizationRegistry). Its `storage` function makes
 * tensor storage the same way: an external ArrayBuffer whose collection returns the block.
 */
function napiModuleOf(path: string): NapiModule | undefined {
  try {
    const module = { exports: {} as NapiModule };
    process.dlopen(module, path);
    return module.exports;
  } catch {
    return undefined;
  }
}

/**
 * V8's full garbage collection (exposed behind `--expose-gc`; the flag set now gives `gc` to a new
 * context), or undefined where that is refused. The allocator's backstop: V8 schedules its
 * collections by JavaScript allocation, and a loop of large ops allocates little of that while
 * its dead outputs hold native memory (measured: 1.7 GB for a loop of ReLUs over 6.4 MB).
 */
function fullCollection(): (() => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

function storageOf(
  make: (bytes: number, zero: number) => ArrayBuffer | undefined,
): (bytes: number, zero: boolean) => ArrayBuffer | undefined {
  return (bytes, zero) => make(bytes, zero ? 1 : 0) ?? undefined;
}

/** The Node-API functions of the library (zig/abi/death_watch.zig). */
interface NapiModule {
  /** A death-watch block (src/autograd/death_watch.ts). */
  watch?: (owner: number, token: number) => ArrayBuffer | undefined;
  /** Tensor storage whose collection returns its block to the allocator (src/tensor/storage.ts). */
  storage?: (bytes: number, zero: number) => ArrayBuffer | undefined;
}

/**
 * Deno's fast FFI path takes 64-bit integer arguments only as BigInt; a plain number sends the call
 * down the slow path (measured: 360 ns instead of 90 ns per kernel call). This wraps `fn` in an
 * adapter of the same arity that converts those arguments. The adapter is generated as source
 * because a generic `(...args)` wrapper costs more than the slow path it avoids (480 ns).
 */
function withBigIntArguments(fn: unknown, parameters: readonly NativeType[]): unknown {
  if (!parameters.some((t) => t === "i64" || t === "u64")) return fn;
  const names = parameters.map((_, i) => `a${i}`);
  const args = parameters.map((t, i) => (t === "i64" || t === "u64" ? `BigInt(a${i})` : `a${i}`));
  return new Function("fn", `return (${names.join(", ")}) => fn(${args.join(", ")});`)(fn);
}
