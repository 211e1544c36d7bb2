/**
 * Index tensors at the op boundary: the kernels take i32 indices; PyTorch's default index dtype is
 * int64. An i64 index is range-checked (two native reductions, no element loop in JavaScript) and
 * converted to i32, so a value out of range is a RangeError naming the op instead of a wrapped
 * index.
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { where } from "./elementwise.ts";

/** The inclusive range an index may take, and what it indexes (for the message). */
export interface IndexRange {
  lo: number;
  hi: number;
  /** e.g. "dimension 0 of size 10" or "10 classes". */
  what: string;
  /** A value that is always allowed besides the range (a loss's ignoreIndex). */
  also?: number;
}

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/**
 * The first value of the i64 tensor `t` outside `[lo, hi]` that is not `also`, exactly (an error
 * path only: it reads the values back).
 */
function firstBad(t: Tensor, lo: bigint, hi: bigint, also: bigint | undefined): bigint | undefined {
  for (const v of t.toArray() as BigInt64Array) if ((v < lo || v > hi) && v !== also) return v;
  return undefined;
}

/**
 * `index` as an i32 tensor for the kernels. i32 passes through (the kernels check its range);
 * i64 must lie in `range` (or i32 when no range is given); other dtypes are a TypeError.
 */
export function indexAsI32(op: string, name: string, index: Tensor, range?: IndexRange): Tensor {
  if (index.dtype === "i32") return index;
  if (index.dtype !== "i64") {
    throw new TypeError(`${op}: ${name} must be an integer tensor (i32 or i64), got ${index.dtype}`);
  }
  if (index.numel === 0) return index.to("i32");
  const lo = range?.lo ?? I32_MIN;
  const hi = range?.hi ?? I32_MAX;
  const also = range?.also;
  // The native reductions have no i64 min/max, so the check runs on an f32 copy. Rounding is
  // monotone and ±2^31 are exact in f32, so a value outside i32 always fails it (never wraps); a
  // value inside i32 that rounding lets through (dimensions above 2^24) is caught by the i32
  // kernels' own range checks. Values equal to `also` (a loss's ignoreIndex) are skipped.
  const wide = index.to("f32");
  // An `also` beyond 2^24 could equal other values after rounding: then nothing is skipped.
  const skip = also !== undefined && Math.abs(also) <= 2 ** 24;
  const checked = skip ? where(wide.ne(also), wide, lo) : wide;
  const min = checked.min().item();
  const max = checked.max().item();
  if (min < lo || max > hi) {
    const bad = firstBad(index, BigInt(lo), BigInt(hi), also === undefined ? undefined : BigInt(also)) ??
      BigInt(min < lo ? min : max);
    const where_ = range ? ` for ${range.what}` : "";
    const allowed = `${lo}..${hi}${also !== undefined ? ` or ${also}` : ""}`;
    throw new RangeError(`${op}: ${name} value ${bad} is out of range${where_} (valid: ${allowed})`);
  }
  return index.to("i32");
}
