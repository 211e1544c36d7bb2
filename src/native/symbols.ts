/**
 * The C ABI of the native library for both runtimes, typed from the signatures generated from the
 * Zig exports (`src/native/abi_generated.ts`, `tools/dev.sh abi`; see `zig/ABI.md`).
 *
 * Types use a neutral vocabulary that `deno.ts` and `bun.ts` translate: `"buffer"` is a typed
 * array passed zero-copy (or `null` for an empty operand).
 *
 * @module
 */

import { ABI_VERSION, CPU_SYMBOLS as GENERATED_CPU_SYMBOLS, SYMBOLS as GENERATED_SYMBOLS } from "./abi_generated.ts";

/** Version of the C ABI this TypeScript expects; must equal `axon_abi_version()` (generated from zig/root.zig). */
export { ABI_VERSION };

/** A parameter or result type of a native export. */
export type NativeType = "u32" | "i32" | "i64" | "u64" | "f32" | "f64" | "buffer" | "pointer" | "void";

/** Signature of one native export. */
export interface NativeSignature {
  readonly parameters: readonly NativeType[];
  readonly result: NativeType;
}

/**
 * Every export of the native library with its signature, generated from the Zig exports
 * (src/native/abi_generated.ts; regenerate with `tools/dev.sh abi`).
 */
export const SYMBOLS = GENERATED_SYMBOLS satisfies Record<string, NativeSignature>;

/** Names of the native exports. */
export type SymbolName = keyof typeof SYMBOLS;

/** The JavaScript value a parameter of native type `T` takes. */
export type NativeArgument<T extends NativeType> = T extends "u32" | "i32" | "f32" | "f64" ? number
  : T extends "i64" | "u64" ? number | bigint
  : T extends "buffer" ? ArrayBufferView | null
  : T extends "pointer" ? unknown
  : never;

/** The JavaScript value a native result of type `T` comes back as (i64/u64 may be a bigint on Deno). */
export type NativeResult<T extends NativeType> = T extends "u32" | "i32" | "f32" | "f64" ? number
  : T extends "i64" | "u64" ? number | bigint
  : T extends "void" ? void
  : unknown;

/** The argument list of parameter types `P`. */
export type NativeArguments<P extends readonly NativeType[]> = {
  -readonly [I in keyof P]: NativeArgument<P[I] & NativeType>;
};

/** A bound native function, typed from its signature. */
export type NativeFunction<S extends NativeSignature> = (
  ...args: NativeArguments<S["parameters"]>
) => NativeResult<S["result"]>;

/** The loaded library: one typed callable per export. */
export type NativeSymbols = { readonly [K in SymbolName]: NativeFunction<(typeof SYMBOLS)[K]> };

/**
 * Exports bound apart from {@link SYMBOLS}, only when present: the CPU-level probe the loader asks
 * before choosing which library file to open (zig/abi/cpu.zig).
 */
export const CPU_SYMBOLS: Record<keyof typeof GENERATED_CPU_SYMBOLS, NativeSignature> = GENERATED_CPU_SYMBOLS;
