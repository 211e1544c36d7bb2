/**
 * Sort and scan kernels for the ops above (src/backend `SortKernels`): allocate the outputs on the
 * input's device and dispatch through its backend.
 * @module
 */
import { backendOf } from "../../backend/registry.ts";
import { Tensor } from "../../tensor/tensor.ts";

/** Name of a scan. */
export type ScanOpName = "cumsum" | "cumprod";

function assertContiguous(t: Tensor, what: string, op: string): void {
  if (!t.isContiguous()) throw new Error(`${op}: internal error, ${what} must be contiguous`);
}

/** Stable argsort (i32 indices) of each row of a contiguous `[rows, n]` tensor; NaN is largest. */
export function argsortRows(x: Tensor, rows: number, n: number, descending: boolean, op: string): Tensor {
  assertContiguous(x, "x", op);
  const idx = Tensor.empty([rows, n], "i32", x.device);
  if (rows * n === 0) return idx;
  backendOf(op, x).argsort(descending, rows, n, x, idx, op);
  return idx;
}

/**
 * PyTorch's CPU topk selection on each row of a contiguous `[rows, n]` tensor: i32 `[rows, k]`
 * indices in PyTorch's order, ties included.
 */
export function topkRows(x: Tensor, rows: number, n: number, k: number, largest: boolean, sorted: boolean): Tensor {
  assertContiguous(x, "x", "topk");
  const idx = Tensor.empty([rows, n], "i32", x.device);
  if (rows * n === 0) return idx.narrow(1, 0, k);
  backendOf("topk", x).topk(largest, sorted, rows, n, k, x, idx);
  return idx.narrow(1, 0, k).contiguous();
}

/** Inclusive scan along the middle axis of contiguous `[outer, r, inner]` (f32, f64, i64). */
export function scanLines(
  op: ScanOpName,
  x: Tensor,
  outer: number,
  r: number,
  inner: number,
  reverse: boolean,
): Tensor {
  assertContiguous(x, "x", op);
  const y = Tensor.empty(x.shape, x.dtype, x.device);
  if (y.numel === 0) return y;
  backendOf(op, x).scan(op, reverse, { outer, r, inner }, x, y);
  return y;
}

/** cumprod's gradient along the middle axis of contiguous `[outer, r, inner]` x and g (f32, f64). */
export function cumprodBackward(x: Tensor, g: Tensor, outer: number, r: number, inner: number): Tensor {
  assertContiguous(x, "x", "cumprod backward");
  assertContiguous(g, "grad", "cumprod backward");
  const dx = Tensor.empty(x.shape, x.dtype, x.device);
  if (dx.numel === 0) return dx;
  backendOf("cumprod backward", x, g).cumprodBackward({ outer, r, inner }, x, g, dx);
  return dx;
}
