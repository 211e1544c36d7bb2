/**
 * Binds the native library with `bun:ffi`.
 * @module
 */
import type { NativeSignature, NativeSymbols, NativeType } from "./symbols.ts";

const BUN_TYPES: Record<NativeType, string> = {
  u32: "u32",
  i32: "i32",
  i64: "i64",
  u64: "u64",
  f32: "f32",
  f64: "f64",
  buffer: "ptr",
  pointer: "ptr",
  void: "void",
};

/** Opens `path` and returns its exports as plain functions, plus a way to read addresses. */
// deno-lint-ignore require-await -- async keeps the contract of a loader that may import lazily
export async function openWithBun(
  path: string,
  symbols: Record<string, NativeSignature>,
): Promise<{
  symbols: NativeSymbols;
  addressOf(view: ArrayBufferView): bigint;
  storage?: (bytes: number, zero: boolean) => ArrayBuffer | undefined;
  collect?: () => void;
  collectEvery?: boolean;
  watchBlock?: (owner: number, token: number) => ArrayBuffer | undefined;
}> {
  // Bun's synchronous `import.meta.require` keeps `bun:ffi` out of Deno's module graph (a static
  // import would not resolve there) without a dynamic import that JSR cannot analyse.
  // deno-lint-ignore no-explicit-any
  const ffi: any = (import.meta as any).require("bun:ffi");
  const table: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, signature] of Object.entries(symbols)) {
    table[name] = {
      args: signature.parameters.map((t) => BUN_TYPES[t]),
      returns: BUN_TYPES[signature.result],
    };
  }
  const library = ffi.dlopen(path, table);
  const bound = library.symbols as NativeSymbols;
  // deno-lint-ignore no-explicit-any
  const bun = (globalThis as any).Bun;
  const finalize = (library.symbols as Record<string, { ptr?: number }>).axon_storage_finalize?.ptr;
  const fired = (library.symbols as Record<string, { ptr?: number }>).axon_watch_fired?.ptr;
  return {
    symbols: bound,
    addressOf(view: ArrayBufferView): bigint {
      return BigInt(ffi.ptr(view));
    },
    // Storage from the caching allocator; the collector returns it through axon_storage_finalize
    // unless a dispose did already (zig/abi/memory.zig).
    storage: finalize === undefined ? undefined : (bytes: number, zero: boolean): ArrayBuffer | undefined => {
      const data = bound.axon_storage_new(bytes, zero ? 1 : 0);
      if (!data) return undefined;
      return ffi.toArrayBuffer(data, 0, bytes, bound.axon_storage_lease(data), finalize);
    },
    // JavaScriptCore does not count memory behind `toArrayBuffer` against its collection trigger:
    // without help a training loop held 1–2 GB of dead tensors between collections.
    // Measured on the seed loop without dispose (3,000 steps): a synchronous collection every
    // 64 MB holds 26 MB of native memory at ~780 steps per CPU-second; `Bun.gc(false)` or none
    // hold ~50 MB at about the same speed.
    collect: () => bun.gc(true),
    collectEvery: true,
    // A block whose deallocator tells zig/cpu/death_watch.zig that its holder was collected.
    watchBlock: fired === undefined ? undefined : (owner: number, token: number): ArrayBuffer | undefined => {
      const block = bound.axon_watch_new(owner, token);
      return block ? ffi.toArrayBuffer(block, 0, 8, block, fired) : undefined;
    },
  };
}
