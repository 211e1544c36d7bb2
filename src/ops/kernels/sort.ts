/**
 * The one TypeScript caller of the sort/scan kernel family (zig/abi/sort.zig): typed wrappers
 * that take tensors, so the ops above never spread storage fields by hand.
 * @module
 */
import { check, native } from "../../native/library.ts";
import { dtypeInfo } from "../../tensor/dtype.ts";
import { Tensor } from "../../tensor/tensor.ts";

/** `axon_scan` op codes. */
export const ScanOp = { cumsum: 0, cumprod: 1 } as const;

function assertContiguous(t: Tensor, what: string, op: string): void {
  if (!t.isContiguous()) throw new Error(`${op}: internal error, ${what} must be contiguous`);
}

/** Stable argsort (i32 indices) of each row of a contiguous `[rows, n]` tensor; NaN is largest. */
export function argsortRows(x: Tensor, rows: number, n: number, descending: boolean, op: string): Tensor {
  assertContiguous(x, "x", op);
  const idx = Tensor.empty([rows, n], "i32");
  if (rows * n === 0) return idx;
  check(
    native.axon_argsort(
      dtypeInfo(x.dtype).code,
      descending ? 1 : 0,
      rows,
      n,
      x.storage.bytes,
      x.storage.byteLength,
      x.offset,
      idx.storage.bytes,
      idx.storage.byteLength,
      0,
    ),
    op,
  );
  return idx;
}

/**
 * PyTorch's CPU topk selection on each row of a contiguous `[rows, n]` tensor: i32 `[rows, k]`
 * indices in PyTorch's order, ties included.
 */
export function topkRows(x: Tensor, rows: number, n: number, k: number, largest: boolean, sorted: boolean): Tensor {
  assertContiguous(x, "x", "topk");
  const idx = Tensor.empty([rows, n], "i32");
  if (rows * n === 0) return idx.narrow(1, 0, k);
  check(
    native.axon_topk(
      dtypeInfo(x.dtype).code,
      largest ? 1 : 0,
      sorted ? 1 : 0,
      rows,
      n,
      k,
      x.storage.bytes,
      x.storage.byteLength,
      x.offset,
      idx.storage.bytes,
      idx.storage.byteLength,
      0,
    ),
    "topk",
  );
  return idx.narrow(1, 0, k).contiguous();
}

/** Inclusive scan along the middle axis of contiguous `[outer, r, inner]` (f32, f64, i64). */
export function scanLines(
  op: keyof typeof ScanOp,
  x: Tensor,
  outer: number,
  r: number,
  inner: number,
  reverse: boolean,
): Tensor {
  assertContiguous(x, "x", op);
  const y = Tensor.empty(x.shape, x.dtype);
  if (y.numel === 0) return y;
  check(
    native.axon_scan(
      ScanOp[op],
      dtypeInfo(x.dtype).code,
      reverse ? 1 : 0,
      outer,
      r,
      inner,
      x.storage.bytes,
      x.storage.byteLength,
      x.offset,
      y.storage.bytes,
      y.storage.byteLength,
      0,
    ),
    op,
  );
  return y;
}

/** cumprod's gradient along the middle axis of contiguous `[outer, r, inner]` x and g (f32, f64). */
export function cumprodBackward(x: Tensor, g: Tensor, outer: number, r: number, inner: number): Tensor {
  assertContiguous(x, "x", "cumprod backward");
  assertContiguous(g, "grad", "cumprod backward");
  const dx = Tensor.empty(x.shape, x.dtype);
  if (dx.numel === 0) return dx;
  check(
    native.axon_cumprod_backward(
      dtypeInfo(x.dtype).code,
      outer,
      r,
      inner,
      x.storage.bytes,
      x.storage.byteLength,
      x.offset,
      g.storage.bytes,
      g.storage.byteLength,
      g.offset,
      dx.storage.bytes,
      dx.storage.byteLength,
      0,
    ),
    "cumprod backward",
  );
  return dx;
}
