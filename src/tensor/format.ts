/**
 * Printing tensors: nested lists, and text laid out as PyTorch's `str(tensor)` (torch/_tensor_str.py,
 * default print options: precision 4, threshold 1000 elements, 3 edge items, line width 80).
 * One formatter per tensor chooses fixed (`0.1235`), integer (`3.`) or scientific (`1.2346e+05`)
 * notation and one width from the values shown; tensors over 1000 elements show 3 items at each
 * end of every dim with `...` between; rows wrap at 80 columns.
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

const PRECISION = 4;
const EDGE = 3; // items shown at each end of a summarised dim
const THRESHOLD = 1000; // more elements than this are summarised
const LINE_WIDTH = 80;

/** Python's `f"{x:.{digits}f}"`: exact value, ties to even, "-0.0000" for negative zero. */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  // toFixed rounds ties away from zero; 25 more digits show whether x is exactly a tie.
  const long = Math.abs(x).toFixed(digits + 25);
  const cut = long.length - 25;
  let out = Math.abs(x).toFixed(digits);
  if (long.slice(cut) === "5" + "0".repeat(24)) {
    const down = long.slice(0, digits === 0 ? cut - 1 : cut);
    if (Number(down[down.length - 1]) % 2 === 0) out = down;
  }
  return (x < 0 || Object.is(x, -0) ? "-" : "") + out;
}

/** Python's `f"{x:.{digits}e}"` (`1.0000e-05`); ties follow JavaScript's toExponential. */
export function pyExponential(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const [mantissa, exp] = x.toExponential(digits).split("e");
  const e = Number(exp);
  return `${Object.is(x, -0) ? "-" : ""}${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** PyTorch's `_Formatter`: one notation and width for every value of a tensor. */
class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(private readonly isFloat: boolean, values: readonly number[]) {
    if (!isFloat) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, String(v).length);
      return;
    }
    const shown = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (shown.length === 0) return;
    let min = Infinity, max = 0;
    for (const v of shown) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    this.intMode = shown.every((v) => v === Math.ceil(v));
    this.sciMode = max / min > 1000 || max > 1e8 || (!this.intMode && min < 1e-4);
    for (const v of shown) {
      const width = this.sciMode
        ? pyExponential(v, PRECISION).length
        : this.intMode
        ? pyFixed(v, 0).length + 1
        : pyFixed(v, PRECISION).length;
      this.maxWidth = Math.max(this.maxWidth, width);
    }
  }

  get width(): number {
    return this.maxWidth;
  }

  format(v: number): string {
    let s: string;
    if (!this.isFloat) s = String(v);
    else if (this.sciMode) s = pyExponential(v, PRECISION);
    else if (this.intMode) s = pyFixed(v, 0) + (Number.isFinite(v) ? "." : "");
    else s = pyFixed(v, PRECISION);
    return s.padStart(this.maxWidth);
  }
}

/** A view of flat row-major values by shape (no copies while recursing). */
interface Block {
  values: ArrayLike<number | bigint>; // read element by element: a large tensor is never converted whole
  shape: readonly number[];
  start: number;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const sub = (b: Block, i: number): Block => ({
  values: b.values,
  shape: b.shape.slice(1),
  start: b.start + i * sizeOf(b.shape.slice(1)),
});

/** Indices shown along the first dim: all, or the edge items when summarising. */
const shownIndices = (size: number, summarise: boolean): number[] =>
  summarise && size > 2 * EDGE ? [0, 1, 2, size - 3, size - 2, size - 1] : [...Array(size).keys()];

/** The values the formatter sees (PyTorch's `get_summarized_data`). */
function summarisedValues(b: Block, summarise: boolean, out: number[]): void {
  if (b.shape.length === 0) {
    out.push(Number(b.values[b.start]));
    return;
  }
  if (b.shape.length === 1) {
    for (const i of shownIndices(b.shape[0], summarise)) out.push(Number(b.values[b.start + i]));
    return;
  }
  for (const i of shownIndices(b.shape[0], summarise)) summarisedValues(sub(b, i), summarise, out);
}

function vectorText(b: Block, indent: number, summarise: boolean, f: Formatter): string {
  const size = b.shape[0];
  const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (f.width + 2)));
  const cell = (i: number) => f.format(Number(b.values[b.start + i]));
  const data = summarise && size > 2 * EDGE
    ? [cell(0), cell(1), cell(2), " ...", cell(size - 3), cell(size - 2), cell(size - 1)]
    : Array.from({ length: size }, (_, i) => cell(i));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function blockText(b: Block, indent: number, summarise: boolean, f: Formatter): string {
  const dims = b.shape.length;
  if (dims === 0) return f.format(Number(b.values[b.start]));
  if (dims === 1) return vectorText(b, indent, summarise, f);
  const size = b.shape[0];
  const slices = summarise && size > 2 * EDGE
    ? [0, 1, 2, -1, size - 3, size - 2, size - 1].map((
      i,
    ) => (i < 0 ? "..." : blockText(sub(b, i), indent + 1, summarise, f)))
    : Array.from({ length: size }, (_, i) => blockText(sub(b, i), indent + 1, summarise, f));
  return "[" + slices.join("," + "\n".repeat(dims - 1) + " ".repeat(indent + 1)) + "]";
}

/** Appends `, suffix` items, starting a new line where the line would pass 80 columns (PyTorch's `_add_suffixes`). */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  let out = text;
  let lastLine = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > LINE_WIDTH) {
      out += ",\n" + " ".repeat(indent) + suffix;
      lastLine = indent + suffix.length;
    } else {
      out += ", " + suffix;
      lastLine += suffix.length + 2;
    }
  }
  return out + ")";
}

/**
 * Formats like PyTorch's `str(tensor)`: a device other than the CPU, the shape of an empty
 * tensor that is not 1-d, always the dtype (`dtype=f32`), then `suffixes` (`requiresGrad=true` …).
 *
 * @example
 * ```ts
 * formatTensor(new Float32Array([1, 2.5]), [2], "f32"); // "tensor([1.0000, 2.5000], dtype=f32)"
 * ```
 */
export function formatTensor(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
  suffixes: readonly string[] = [],
  device = "cpu",
): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const numel = sizeOf(shape);
  const all: string[] = device === "cpu" ? [] : [`device=${device}`];
  let body: string;
  if (numel === 0) {
    body = "[]";
    if (shape.length !== 1) all.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
  } else {
    const values = data as ArrayLike<number | bigint>;
    const summarise = numel > THRESHOLD;
    const block: Block = { values, shape, start: 0 };
    const shown: number[] = [];
    summarisedValues(block, summarise, shown);
    const isFloat = dtype === "f32" || dtype === "f64" || dtype === "f16" || dtype === "bf16";
    body = blockText(block, indent, summarise, new Formatter(isFloat, shown));
  }
  all.push(`dtype=${dtype}`, ...suffixes);
  return addSuffixes(prefix + body, all, indent);
}

/** The backward node's display name: op `add` gives `AddBackward`, `cross_entropy` `CrossEntropyBackward`. */
export function gradFnName(op: string): string {
  return op.split(/[_\s]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("") + "Backward";
}
