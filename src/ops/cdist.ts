/**
 * `cdist` (PyTorch's `torch.cdist`): p-norm distances between two sets of row vectors, composed
 * from broadcast differences and reductions.
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { where } from "./elementwise.ts";

/** `root(s)` with a zero gradient where `s` is 0 (PyTorch's cdist backward at equal rows). */
function safeRoot(s: Tensor, root: (t: Tensor) => Tensor): Tensor {
  const zero = s.eq(0);
  return where(zero, 0, root(where(zero, 1, s)));
}

/**
 * Distances `out[…, i, j] = ‖x1[…, i, :] − x2[…, j, :]‖_p` between the rows of `x1 [..., P, M]`
 * and `x2 [..., R, M]` (leading dims broadcast) → `[..., P, R]`. `p ≥ 0`: 2 (default, Euclidean),
 * 1 (Manhattan), any other p, `Infinity` (the largest difference) and 0 (the number of
 * differing coordinates, no gradient). Gradients are 0 where two rows are equal, as PyTorch's.
 *
 * @example
 * ```ts
 * import { cdist, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cdist(tensor([[0, 0], [3, 4]], { dtype: "f32" }), tensor([[0, 0]], { dtype: "f32" })).toList(), [[0], [5]]);
 * ```
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor {
  checkTensor("cdist", "x1", x1);
  checkTensor("cdist", "x2", x2);
  checkNumber("cdist", "p", p, { lo: 0, loInclusive: true, hiInclusive: true, allowInfinity: true });
  if (x1.ndim < 2 || x2.ndim < 2 || x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new RangeError(
      `cdist: expected x1 [..., P, M] and x2 [..., R, M] with the same M (at least 2-d), got shapes ${
        formatShape(x1.shape)
      } and ${formatShape(x2.shape)}`,
    );
  }
  if (x1.dtype !== x2.dtype || (x1.dtype !== "f32" && x1.dtype !== "f64")) {
    throw new TypeError(`cdist: expected two f32 (or f64) tensors of one dtype, got ${x1.dtype} and ${x2.dtype}`);
  }
  const diff = x1.unsqueeze(-2).sub(x2.unsqueeze(-3)); // [..., P, R, M]
  if (p === 0) return diff.abs().sign().sum(-1); // counts non-zeros; sign has a zero gradient, as PyTorch
  if (p === Infinity) return diff.abs().max(-1);
  if (p === 1) return diff.abs().sum(-1);
  if (p === 2) return safeRoot(diff.square().sum(-1), (t) => t.sqrt());
  return safeRoot(diff.abs().pow(p).sum(-1), (t) => t.pow(1 / p));
}
