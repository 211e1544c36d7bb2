/**
 * Joining tensors: `cat` and `stack`.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { promoteTypes } from "../tensor/dtype.ts";
import { formatShape, normalizeDim } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";

/** Throws unless `tensors` is a non-empty array of tensors. */
function checkTensorList(where: string, tensors: unknown): void {
  if (!Array.isArray(tensors)) {
    throw new TypeError(`${where}: tensors must be an array of tensors, got ${describe(tensors)}`);
  }
  if (tensors.length === 0) throw new RangeError(`${where}: expected a non-empty list of tensors`);
  tensors.forEach((t, i) => checkTensor(where, `tensors[${i}]`, t));
}

/** Concatenates along `dim`; all other dims must match. The gradient is sliced back. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList("cat", tensors);
  checkInt("cat", "dim", dim);
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, "cat");
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new RangeError(
        `cat: sizes must match except in dimension ${d}; got shapes ${
          tensors.map((x) => formatShape(x.shape)).join(", ")
        }`,
      );
    }
  }
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const shape = [...first.shape];
  shape[d] = tensors.reduce((n, t) => n + t.shape[d], 0);
  const out = Tensor.empty(shape, dtype);
  const offsets: number[] = [];
  noGrad(() => {
    let offset = 0;
    for (const t of tensors) {
      offsets.push(offset);
      if (t.shape[d] > 0) out.narrow(d, offset, t.shape[d]).copy_(t);
      offset += t.shape[d];
    }
  });
  return record(
    out,
    "cat",
    tensors,
    (g) => tensors.map((t, i) => (t.requiresGrad ? g.narrow(d, offsets[i], t.shape[d]).contiguous() : null)),
  );
}

/** Stacks equally shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList("stack", tensors);
  checkInt("stack", "dim", dim);
  const shape = tensors[0].shape;
  for (const t of tensors) {
    if (t.ndim !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new RangeError(
        `stack: expects each tensor to be equal size, got ${tensors.map((x) => formatShape(x.shape)).join(", ")}`,
      );
    }
  }
  const d = normalizeDim(dim, shape.length + 1, "stack");
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}
