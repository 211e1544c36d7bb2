/**
 * Gradient helpers shared by view ops and broadcasting ops.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { Tensor } from "../tensor/tensor.ts";

/** Sums a broadcast gradient back down to `shape` (the input's shape before broadcasting). */
export function sumToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (grad.ndim === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length > 0 ? grad.sum(dims, true) : grad;
  return summed.reshape(shape);
}

/** Fills a contiguous tensor with ones in place (the seed gradient of backward()). */
export function fillOnes(t: Tensor): void {
  backendOf("fill", t).fill(t.numel, t, 1, "fill");
}

/** Gradient of a strided sub-view: zeros of the input's shape with `grad` written into the view. */
export function scatterIntoZeros(
  inputShape: readonly number[],
  dtype: Tensor["dtype"],
  grad: Tensor,
  view: (t: Tensor) => Tensor,
): Tensor {
  const out = Tensor.empty(inputShape, dtype);
  out.storage.bytes.fill(0); // empty storage is not zeroed
  view(out).copy_(grad);
  return out;
}
