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

/**
 * JavaScriptCore does not count memory behind `toArrayBuffer` against its collection trigger,
 * so without help it collects by JS-heap size alone: measured, a training loop then held 1–2 GB
 * of dead tensors in native memory between collections, and every allocation page-faulted fresh
 * memory. Asking for a collection after this many new native bytes keeps the dead memory near
 * this size and lets zig/cpu/host_memory.zig recycle it.
 */
const COLLECTION_INTERVAL_BYTES = 64 * 1024 * 1024;

/** Opens `path` and returns its exports as plain functions, plus a way to read addresses. */
// deno-lint-ignore require-await -- async keeps the contract of a loader that may import lazily
export async function openWithBun(
  path: string,
  symbols: Record<string, NativeSignature>,
): Promise<{
  symbols: NativeSymbols;
  addressOf(view: ArrayBufferView): bigint;
  allocate?: (bytes: number) => ArrayBuffer;
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
  let allocatedSinceCollection = 0;
  const free = (library.symbols as Record<string, { ptr?: number }>).axon_free?.ptr;
  const fired = (library.symbols as Record<string, { ptr?: number }>).axon_watch_fired?.ptr;
  return {
    symbols: bound,
    addressOf(view: ArrayBufferView): bigint {
      return BigInt(ffi.ptr(view));
    },
    // Native memory the garbage collector frees through axon_free (see zig/abi/memory.zig).
    allocate: free === undefined ? undefined : (bytes: number): ArrayBuffer => {
      // Collect before allocating, so that this block can already be one the collection freed.
      allocatedSinceCollection += bytes;
      if (allocatedSinceCollection > COLLECTION_INTERVAL_BYTES) {
        allocatedSinceCollection = 0;
        bun.gc(true);
      }
      const pointer = bound.axon_alloc(bytes);
      if (!pointer) throw new RangeError(`out of memory allocating ${bytes} bytes`);
      return ffi.toArrayBuffer(pointer, 0, bytes, pointer, free);
    },
    // A block whose deallocator tells zig/cpu/death_watch.zig that its holder was collected.
    watchBlock: fired === undefined ? undefined : (owner: number, token: number): ArrayBuffer | undefined => {
      const block = bound.axon_watch_new(owner, token);
      return block ? ffi.toArrayBuffer(block, 0, 8, block, fired) : undefined;
    },
  };
}
