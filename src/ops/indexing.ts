/**
 * Index ops: `indexSelect` (rows by index; Embedding) and `gather`, with scatter-add backward
 * kernels. Indices are i32 (range-checked natively) or i64 (range-checked and converted at the
 * boundary, src/ops/index_dtype.ts).
 * @module
 */
import { record } from "../autograd/graph.ts";
import { check, native } from "../native/library.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { formatShape, normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { indexAsI32 } from "./index_dtype.ts";

/** The index as contiguous i32 (an i64 one range-checked against `size`, PyTorch's default dtype). */
function requireIndex(index: Tensor, op: string, dim: number, size: number): Tensor {
  return indexAsI32(op, "index", index, { lo: 0, hi: size - 1, what: `dimension ${dim} of size ${size}` }).contiguous();
}

/** Elements of `x` at `index` (1-d, i32) along `dim`: `torch.index_select`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, "indexSelect");
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-d, got shape ${formatShape(index.shape)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const idx = requireIndex(index, "indexSelect", d, size);
  const input = x.contiguous();
  const outer = numelOf(x.shape.slice(0, d));
  const inner = numelOf(x.shape.slice(d + 1));
  const shape = [...x.shape];
  shape[d] = idx.numel;
  const out = Tensor.empty(shape, x.dtype);
  check(
    native.axon_index_select(
      dtypeInfo(x.dtype).code,
      outer,
      size,
      inner,
      input.storage.bytes,
      input.storage.byteLength,
      input.offset,
      idx.storage.bytes,
      idx.storage.byteLength,
      idx.numel,
      out.storage.bytes,
      out.storage.byteLength,
    ),
    "indexSelect",
  );
  return record(out, "indexSelect", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype);
    grad.storage.bytes.fill(0); // the kernel adds into it; empty storage is not zeroed
    const src = g.contiguous();
    check(
      native.axon_index_add(
        dtypeInfo(g.dtype).code,
        outer,
        size,
        inner,
        grad.storage.bytes,
        grad.storage.byteLength,
        idx.storage.bytes,
        idx.storage.byteLength,
        idx.numel,
        src.storage.bytes,
        src.storage.byteLength,
      ),
      "indexSelect backward",
    );
    return [grad];
  }, [idx]);
}

/** `out[…, j, …] = x[…, index[…, j, …], …]` along `dim` (`torch.gather`); index has x's rank. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, "gather");
  const idx = requireIndex(index, "gather", d, x.ndim === 0 ? 1 : x.shape[d]);
  if (idx.ndim !== x.ndim || idx.shape.some((s, i) => i !== d && s !== x.shape[i])) {
    throw new RangeError(
      `gather: index of shape ${formatShape(index.shape)} must match input ${
        formatShape(x.shape)
      } except in dimension ${d}`,
    );
  }
  const input = x.contiguous();
  const outer = numelOf(x.shape.slice(0, d));
  const inner = numelOf(x.shape.slice(d + 1));
  const k = idx.shape[d];
  const out = Tensor.empty(idx.shape, x.dtype);
  check(
    native.axon_gather(
      dtypeInfo(x.dtype).code,
      outer,
      x.shape[d],
      inner,
      input.storage.bytes,
      input.storage.byteLength,
      input.offset,
      idx.storage.bytes,
      idx.storage.byteLength,
      k,
      out.storage.bytes,
      out.storage.byteLength,
    ),
    "gather",
  );
  return record(out, "gather", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype);
    grad.storage.bytes.fill(0); // the kernel adds into it; empty storage is not zeroed
    const src = g.contiguous();
    check(
      native.axon_scatter_add(
        dtypeInfo(g.dtype).code,
        outer,
        x.shape[d],
        inner,
        grad.storage.bytes,
        grad.storage.byteLength,
        idx.storage.bytes,
        idx.storage.byteLength,
        k,
        src.storage.bytes,
        src.storage.byteLength,
      ),
      "gather backward",
    );
    return [grad];
  }, [idx]);
}

/** Status the library returns when every prefetch slot is taken (see zig/status.zig). */
const BUSY = -6;
/**
 * Gathers this thread has queued and not yet waited for: their buffers are kept alive here until
 * the wait, whatever the caller drops. Slots themselves are claimed by the library (they are
 * shared by every Worker of the process).
 */
const inFlight = new Map<number, readonly Tensor[]>();

function waitSlot(slot: number): void {
  const status = native.axon_async_wait(slot);
  inFlight.delete(slot);
  check(status, "prefetched gather");
}

/** Queues one gather of rows `index` of `x` into `out`; returns its slot, or -1 when all are busy. */
function submitGather(x: Tensor, index: Tensor, out: Tensor): number {
  const slot = native.axon_index_select_async(
    dtypeInfo(x.dtype).code,
    1,
    x.shape[0],
    numelOf(x.shape.slice(1)),
    x.storage.bytes,
    x.storage.byteLength,
    x.offset,
    index.storage.bytes,
    index.storage.byteLength,
    index.numel,
    out.storage.bytes,
    out.storage.byteLength,
  );
  if (slot === BUSY) return -1;
  check(slot, "prefetched gather");
  inFlight.set(slot, [x, index, out]);
  return slot;
}

/**
 * Starts gathering rows `indices` (dim 0) of each tensor on the native prefetch thread and returns
 * a function that waits for them and returns the gathered tensors. A tensor whose gather finds no
 * free prefetch slot (all taken, by this or other Workers) is gathered at once instead. No
 * autograd graph is recorded.
 */
export function startGatherRows(tensors: readonly Tensor[], indices: Tensor): () => Tensor[] {
  // Rows of every tensor: an i64 index is checked against the first one's (the kernels check each).
  const index = indexAsI32(
    "gather rows",
    "index",
    indices,
    tensors.length > 0 && tensors[0].ndim > 0
      ? { lo: 0, hi: tensors[0].shape[0] - 1, what: `dimension 0 of size ${tensors[0].shape[0]}` }
      : { lo: 0, hi: 2147483647, what: "rows" },
  ).contiguous();
  const sources = tensors.map((t) => t.detach().contiguous());
  const outs = sources.map((t) => Tensor.empty([index.numel, ...t.shape.slice(1)], t.dtype));
  const used: number[] = [];
  try {
    sources.forEach((x, i) => {
      let slot = submitGather(x, index, outs[i]);
      if (slot < 0 && inFlight.size > 0) {
        // Batches this thread abandoned (an iterator dropped mid-epoch) hold slots: finish them.
        for (const s of [...inFlight.keys()]) if (!used.includes(s)) waitSlot(s);
        slot = submitGather(x, index, outs[i]);
      }
      if (slot >= 0) used.push(slot);
      else outs[i] = indexSelect(x, 0, index); // x is detached: no graph is recorded
    });
  } catch (e) {
    // Drain what was queued before the failure, so no slot or buffer is left behind.
    for (const s of used) {
      native.axon_async_wait(s);
      inFlight.delete(s);
    }
    throw e;
  }
  // A slot this call queued may have been waited for already by another call that ran short of
  // slots (above); it is then free, possibly claimed by someone else, and must not be waited again.
  const mine = used.map((slot) => [slot, inFlight.get(slot)] as const);
  let finished = false;
  return () => {
    if (!finished) {
      finished = true;
      for (const [slot, entry] of mine) if (inFlight.get(slot) === entry) waitSlot(slot);
    }
    return outs;
  };
}
