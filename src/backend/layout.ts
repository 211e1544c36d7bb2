/**
 * Packs typed objects into the flag words, hyper-parameter arrays and meta arrays of the C ABI,
 * by the layouts generated from the Zig declarations (src/native/abi_generated.ts). Call sites
 * pass objects; positions and bits live only in Zig.
 * @module
 */

/** A layout: field name → position (hyper/meta) or bit value (flags), as generated from Zig. */
export type Layout = { readonly [field: string]: number };

/** One number for each field of `L`. */
export type ValuesOf<L extends Layout> = { readonly [K in keyof L]: number };

/** One boolean for each flag of `F`. */
export type FlagsOf<F extends Layout> = { readonly [K in keyof F]: boolean };

/** The f64 hyper-parameter array of `layout` filled from `values`. */
export function packHyper<L extends Layout>(layout: L, values: ValuesOf<L>): Float64Array {
  const out = new Float64Array(Object.keys(layout).length);
  for (const key in layout) out[layout[key]] = values[key];
  return out;
}

/** The flag word of `bits` from `flags`. */
export function packFlags<F extends Layout>(bits: F, flags: FlagsOf<F>): number {
  let word = 0;
  for (const key in bits) if (flags[key]) word |= bits[key];
  return word;
}

let metaScratch = new BigInt64Array(64);

/**
 * The i64 meta array of `layout` filled from `values`, in a reused buffer valid until the next
 * call (native calls are synchronous).
 */
export function packLayoutMeta<L extends Layout>(layout: L, values: ValuesOf<L>): BigInt64Array {
  const n = Object.keys(layout).length;
  if (n > metaScratch.length) metaScratch = new BigInt64Array(n * 2);
  for (const key in layout) metaScratch[layout[key]] = BigInt(values[key]);
  return metaScratch.subarray(0, n);
}
