/**
 * Binds the native library with `Deno.dlopen`.
 * @module
 */
import type { NativeSignature, NativeSymbols, NativeType } from "./symbols.ts";

const DENO_TYPES: Record<NativeType, Deno.NativeType | "void"> = {
  u32: "u32",
  i32: "i32",
  i64: "i64",
  u64: "u64",
  f32: "f32",
  f64: "f64",
  buffer: "buffer",
  void: "void",
};

/** Opens `path` and returns its exports as plain functions, plus a way to read addresses. */
export function openWithDeno(
  path: string,
  symbols: Record<string, NativeSignature>,
): { symbols: NativeSymbols; addressOf(view: ArrayBufferView): bigint } {
  const table: Record<string, Deno.ForeignFunction> = {};
  for (const [name, signature] of Object.entries(symbols)) {
    table[name] = {
      parameters: signature.parameters.map((t) => DENO_TYPES[t] as Deno.NativeType),
      result: DENO_TYPES[signature.result] as Deno.NativeResultType,
    };
  }
  const library = Deno.dlopen(path, table);
  return {
    symbols: library.symbols as unknown as NativeSymbols,
    addressOf(view: ArrayBufferView): bigint {
      return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(view as Uint8Array<ArrayBuffer>)));
    },
  };
}
