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
export async function openWithBun(
  path: string,
  symbols: Record<string, NativeSignature>,
): Promise<{ symbols: NativeSymbols; addressOf(view: ArrayBufferView): bigint; allocate?: (bytes: number) => ArrayBuffer }> {
  // A computed specifier keeps Deno's module graph from trying to resolve `bun:ffi`.
  const specifier = ["bun", "ffi"].join(":");
  // deno-lint-ignore no-explicit-any
  const ffi: any = await import(specifier);
  const table: Record<string, { args: string[]; returns: string }> = {};
  for (const [name, signature] of Object.entries(symbols)) {
    table[name] = {
      args: signature.parameters.map((t) => BUN_TYPES[t]),
      returns: BUN_TYPES[signature.result],
    };
  }
  const library = ffi.dlopen(path, table);
  const bound = library.symbols as NativeSymbols;
  const free = (library.symbols as Record<string, { ptr?: number }>).axon_free?.ptr;
  return {
    symbols: bound,
    addressOf(view: ArrayBufferView): bigint {
      return BigInt(ffi.ptr(view));
    },
    // Native memory the garbage collector frees through axon_free (see zig/abi/memory.zig).
    allocate: free === undefined ? undefined : (bytes: number): ArrayBuffer => {
      const pointer = bound.axon_alloc(bytes);
      if (!pointer) throw new RangeError(`out of memory allocating ${bytes} bytes`);
      return ffi.toArrayBuffer(pointer, 0, bytes, pointer, free);
    },
  };
}
