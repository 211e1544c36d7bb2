/**
 * Index ops: `indexSelect` (rows by index; Embedding) and `gather`, with scatter-add backward
 * kernels. Indices are i32 (range-checked natively) or i64 (range-checked and converted at the
 * boundary, src/ops/index_dtype.ts).
 * @module
 */
import { record } from "../autograd/graph.ts";
import { backendOf } from "../backend/registry.ts";
import type { Backend } from "../backend/backend.ts";
import { formatShape, normalizeDim, numelOf } from "../tensor/shape.ts";
import { lifetime, Tensor } from "../tensor/tensor.ts";
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
  const extent = { outer, dim: size, inner, count: idx.numel };
  const backend = backendOf("indexSelect", input, idx);
  const out = Tensor.empty(shape, x.dtype, x.device);
  backend.indexSelect(extent, input, idx, out);
  return record(out, "indexSelect", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype, g.device);
    backendOf("index backward", grad).fill(grad.numel, grad, 0, "index backward"); // the kernel adds into it
    const src = g.contiguous();
    backendOf("indexSelect backward", grad, idx, src).indexAdd(extent, grad, idx, src);
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
  const extent = { outer, dim: x.shape[d], inner, count: k };
  const backend = backendOf("gather", input, idx);
  const out = Tensor.empty(idx.shape, x.dtype, x.device);
  backend.gather(extent, input, idx, out);
  return record(out, "gather", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype, g.device);
    backendOf("index backward", grad).fill(grad.numel, grad, 0, "index backward"); // the kernel adds into it
    const src = g.contiguous();
    backendOf("gather backward", grad, idx, src).scatterAdd(extent, grad, idx, src);
    return [grad];
  }, [idx]);
}

/**
 * Gathers this thread has queued and not yet waited for: their buffers are kept alive here until
 * the wait, whatever the caller drops. Slots themselves are claimed by the library (they are
 * shared by every Worker of the process).
 */
const inFlight = new Map<number, readonly Tensor[]>();

/** The backend each queued gather runs on (its slot numbers are that backend's). */
const slotBackends = new Map<number, Backend>();

function waitSlot(slot: number): void {
  const backend = slotBackends.get(slot)!;
  slotBackends.delete(slot);
  try {
    backend.asyncWait(slot, "prefetched gather");
  } finally {
    release(slot);
  }
}

/** Queues one gather of rows `index` of `x` into `out`; returns its slot, or -1 when all are busy. */
function submitGather(x: Tensor, index: Tensor, out: Tensor): number {
  const backend = backendOf("prefetched gather", x, index, out);
  const extent = { outer: 1, dim: x.shape[0], inner: numelOf(x.shape.slice(1)), count: index.numel };
  const slot = backend.indexSelectAsync(extent, x, index, out);
  if (slot === null) return -1;
  // Held, so that no dispose() (or tidy) frees memory the prefetch thread still reads or writes.
  for (const t of [x, index, out]) lifetime.hold(t);
  inFlight.set(slot, [x, index, out]);
  slotBackends.set(slot, backend);
  return slot;
}

function release(slot: number): void {
  for (const t of inFlight.get(slot) ?? []) lifetime.unhold(t);
  inFlight.delete(slot);
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
  const outs = sources.map((t) => Tensor.empty([index.numel, ...t.shape.slice(1)], t.dtype, t.device));
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
      slotBackends.get(s)?.asyncDiscard(s);
      slotBackends.delete(s);
      release(s);
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
