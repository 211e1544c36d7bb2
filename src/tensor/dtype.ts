/**
 * Element types. The string values are the public spelling (`"f32"`); `code` is the C ABI's.
 * @module
 */

/** Element type of a tensor. `f16`/`bf16` are stored as 16-bit patterns. */
export type DType = "f32" | "f64" | "f16" | "bf16" | "i32" | "i64" | "u8";

/** The dtypes by name, so `DType.F32 === "f32"`: both spellings work everywhere. */
export const DType = {
  F32: "f32",
  F64: "f64",
  F16: "f16",
  BF16: "bf16",
  I32: "i32",
  I64: "i64",
  U8: "u8",
} as const;

/** A typed array able to hold a dtype's elements. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array;

/** What the library knows about a dtype. */
export interface DTypeInfo {
  /** Code in the C ABI (`zig/abi/check.zig`). */
  readonly code: number;
  /** Bytes per element. */
  readonly size: number;
  /** Floating point (takes part in float promotion, mean, softmax …). */
  readonly isFloat: boolean;
  /** Typed-array view over storage bytes. */
  readonly view: (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
}

const INFO: Record<DType, DTypeInfo> = {
  f32: { code: 0, size: 4, isFloat: true, view: (b, o, n) => new Float32Array(b, o, n) },
  f64: { code: 1, size: 8, isFloat: true, view: (b, o, n) => new Float64Array(b, o, n) },
  f16: { code: 2, size: 2, isFloat: true, view: (b, o, n) => new Uint16Array(b, o, n) },
  bf16: { code: 3, size: 2, isFloat: true, view: (b, o, n) => new Uint16Array(b, o, n) },
  i32: { code: 4, size: 4, isFloat: false, view: (b, o, n) => new Int32Array(b, o, n) },
  i64: { code: 5, size: 8, isFloat: false, view: (b, o, n) => new BigInt64Array(b, o, n) },
  u8: { code: 6, size: 1, isFloat: false, view: (b, o, n) => new Uint8Array(b, o, n) },
};

/** Facts about `dtype`; throws a clear error for an unknown name. */
export function dtypeInfo(dtype: DType): DTypeInfo {
  const info = Object.hasOwn(INFO, dtype) ? INFO[dtype] : undefined;
  if (!info) {
    throw new TypeError(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(INFO).join(", ")}`);
  }
  return info;
}

/** True for the 16-bit floats (f16, bf16), which most kernels compute in f32. */
export function isHalf(dtype: DType): dtype is "f16" | "bf16" {
  return dtype === "f16" || dtype === "bf16";
}

/** True when `value` names a dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.hasOwn(INFO, value);
}

/**
 * The dtype of a binary op's result, as PyTorch promotes: any float beats ints (the wider float
 * wins), wider ints beat narrower ones.
 */
export function promoteTypes(a: DType, b: DType): DType {
  for (const [name, v] of [["a", a], ["b", b]] as const) {
    if (!isDType(v)) {
      throw new TypeError(
        `promoteTypes: ${name} must be a dtype (f32, f64, f16, bf16, i32, i64, u8), got ${
          typeof v === "string" ? JSON.stringify(v) : String(v)
        }`,
      );
    }
  }
  if (a === b) return a;
  const rank: Record<DType, number> = { u8: 0, i32: 1, i64: 2, bf16: 3, f16: 3, f32: 4, f64: 5 };
  if ((a === "f16" && b === "bf16") || (a === "bf16" && b === "f16")) return "f32";
  return rank[a] >= rank[b] ? a : b;
}

/** Inclusive ranges of the integer dtypes. */
const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  i32: [-2147483648, 2147483647],
  i64: [-(2 ** 63), 2 ** 63 - 1],
  u8: [0, 255],
};

/** Per float dtype: its largest finite value, and the magnitude from which rounding gives infinity. */
const FLOAT_LIMIT: Partial<Record<DType, readonly [number, number]>> = {
  f32: [3.4028234663852886e38, 2 ** 128 * (1 - 2 ** -25)],
  f16: [65504, 65520],
  bf16: [3.3895313892515355e38, 2 ** 128 * (1 - 2 ** -9)],
};

/**
 * Checks that the number `value` can be stored as `dtype` and returns it. Integer dtypes take
 * finite numbers whose integer part (PyTorch truncates toward zero) lies in the dtype's range;
 * float dtypes take any number that does not overflow to infinity (NaN and ±Infinity themselves
 * are fine). PyTorch raises "value cannot be converted to type int32_t without overflow" for the
 * same cases; Axon must not wrap 3e9 into -1,294,967,296.
 *
 * @throws RangeError naming `where`, the value and the dtype's range
 */
export function checkFits(value: number, dtype: DType, where: string): number {
  const range = INT_RANGE[dtype];
  if (range) {
    const whole = Math.trunc(value);
    if (!Number.isFinite(value) || whole < range[0] || whole > range[1]) {
      throw new RangeError(`${where}: ${value} cannot be stored as ${dtype} (integers in ${range[0]}..${range[1]})`);
    }
    return value;
  }
  const limit = FLOAT_LIMIT[dtype];
  if (limit && Number.isFinite(value) && Math.abs(value) >= limit[1]) {
    throw new RangeError(`${where}: ${value} overflows ${dtype} (largest finite value ${limit[0]})`);
  }
  return value;
}
