/**
 * Printing tensors: nested lists and PyTorch-like text.
 * @module
 */
import type { DType, TypedArray } from "./dtype.ts";

/** Nested arrays of `shape` from flat row-major `data` (a number for a 0-d shape). */
export function toNested(data: TypedArray, shape: readonly number[]): number | unknown[] {
  const values = Array.from(data as ArrayLike<number | bigint>, Number);
  if (shape.length === 0) return values[0];
  const build = (dim: number, start: number): unknown[] => {
    const size = shape[dim];
    if (dim === shape.length - 1) return values.slice(start, start + size);
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, i) => build(dim + 1, start + i * step));
  };
  return build(0, 0);
}

const EDGE = 3; // items shown at each end of a summarised dim
const SUMMARISE_ABOVE = 1000;

/** Formats like PyTorch: fixed 4 decimals for floats, dims summarised with `...` when large. */
export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const values = Array.from(data as ArrayLike<number | bigint>, Number);
  const isFloat = dtype === "f32" || dtype === "f64" || dtype === "f16" || dtype === "bf16";
  const summarise = values.length > SUMMARISE_ABOVE;
  const fmt = (v: number) =>
    isFloat ? (Number.isFinite(v) ? v.toFixed(4) : String(v === Infinity ? "inf" : v === -Infinity ? "-inf" : "nan")) : String(v);
  const width = Math.max(1, ...values.map((v) => fmt(v).length));
  const cell = (v: number) => fmt(v).padStart(width);
  const render = (dim: number, start: number, indent: string): string => {
    if (shape.length === 0) return cell(values[0]);
    const size = shape[dim];
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    let indices = [...Array(size).keys()];
    let elided = false;
    if (summarise && size > 2 * EDGE) {
      indices = [...indices.slice(0, EDGE), ...indices.slice(size - EDGE)];
      elided = true;
    }
    const parts = indices.map((i) => (dim === shape.length - 1 ? cell(values[start + i * step]) : render(dim + 1, start + i * step, indent + " ")));
    if (elided) parts.splice(EDGE, 0, "...");
    const separator = dim === shape.length - 1 ? ", " : ",\n" + "\n".repeat(Math.max(0, shape.length - dim - 2)) + indent + " ";
    return "[" + parts.join(separator) + "]";
  };
  return `tensor(${render(0, 0, "       ")}, dtype=${dtype})`;
}
