/**
 * Index ops: `indexSelect` (rows by index; Embedding) and `gather`, with scatter-add backward
 * kernels. Indices are i32 and range-checked natively.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { check, native } from "../native/library.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { formatShape, normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";

function requireIndex(index: Tensor, op: string): Tensor {
  if (index.dtype !== "i32") throw new TypeError(`${op}: index must be an i32 tensor, got ${index.dtype}`);
  return index.contiguous();
}

/** Elements of `x` at `index` (1-d, i32) along `dim`: `torch.index_select`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, "indexSelect");
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-d, got shape ${formatShape(index.shape)}`);
  const idx = requireIndex(index, "indexSelect");
  const input = x.contiguous();
  const outer = numelOf(x.shape.slice(0, d));
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const inner = numelOf(x.shape.slice(d + 1));
  const shape = [...x.shape];
  shape[d] = idx.numel;
  const out = Tensor.empty(shape, x.dtype);
  check(
    native.axon_index_select(
      dtypeInfo(x.dtype).code, outer, size, inner,
      input.storage.bytes, input.storage.byteLength, input.offset,
      idx.storage.bytes, idx.storage.byteLength, idx.numel,
      out.storage.bytes, out.storage.byteLength,
    ),
    "indexSelect",
  );
  return record(out, "indexSelect", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype);
    const src = g.contiguous();
    check(
      native.axon_index_add(
        dtypeInfo(g.dtype).code, outer, size, inner, grad.storage.bytes, grad.storage.byteLength,
        idx.storage.bytes, idx.storage.byteLength, idx.numel, src.storage.bytes, src.storage.byteLength,
      ),
      "indexSelect backward",
    );
    return [grad];
  }, [idx]);
}

/** `out[…, j, …] = x[…, index[…, j, …], …]` along `dim` (`torch.gather`); index has x's rank. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, x.ndim, "gather");
  const idx = requireIndex(index, "gather");
  if (idx.ndim !== x.ndim || idx.shape.some((s, i) => i !== d && s !== x.shape[i])) {
    throw new RangeError(`gather: index of shape ${formatShape(index.shape)} must match input ${formatShape(x.shape)} except in dimension ${d}`);
  }
  const input = x.contiguous();
  const outer = numelOf(x.shape.slice(0, d));
  const inner = numelOf(x.shape.slice(d + 1));
  const k = idx.shape[d];
  const out = Tensor.empty(idx.shape, x.dtype);
  check(
    native.axon_gather(
      dtypeInfo(x.dtype).code, outer, x.shape[d], inner,
      input.storage.bytes, input.storage.byteLength, input.offset,
      idx.storage.bytes, idx.storage.byteLength, k, out.storage.bytes, out.storage.byteLength,
    ),
    "gather",
  );
  return record(out, "gather", [x], (g) => {
    const grad = Tensor.empty(x.shape, g.dtype);
    const src = g.contiguous();
    check(
      native.axon_scatter_add(
        dtypeInfo(g.dtype).code, outer, x.shape[d], inner, grad.storage.bytes, grad.storage.byteLength,
        idx.storage.bytes, idx.storage.byteLength, k, src.storage.bytes, src.storage.byteLength,
      ),
      "gather backward",
    );
    return [grad];
  }, [idx]);
}
