/**
 * Cumulative ops along one dim: `cumsum` and `cumprod`, on one native scan kernel.
 *
 * Floats scan in their own dtype (f32 accumulating in f64, as PyTorch's CPU kernel; f16/bf16
 * through f32, rounded once); integers and bools scan in 64 bits and, like `sum`, come back as
 * i32 (Axon's index dtype) with an error if a value does not fit.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { dtypeInfo, isHalf } from "../tensor/dtype.ts";
import { normalizeDim, numelOf } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { cumprodBackward, scanLines } from "./kernels/sort.ts";
import { narrowToI32 } from "./reduce.ts";

/** `[outer, r, inner]` of `shape` around dim `d` (a 0-d tensor is one element). */
function lineShape(shape: readonly number[], d: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  return [numelOf(shape.slice(0, d)), shape[d], numelOf(shape.slice(d + 1))];
}

function scan(op: "cumsum" | "cumprod", x: Tensor, dim: number): Tensor {
  checkTensor(op, "x", x);
  checkInt(op, "dim", dim);
  const d = normalizeDim(dim, Math.max(x.ndim, 1), op);
  [x] = autocastInputs(op, x);
  if (isHalf(x.dtype)) return scan(op, x.to("f32"), dim).to(x.dtype);
  const [outer, r, inner] = lineShape(x.shape, d);
  if (!dtypeInfo(x.dtype).isFloat) {
    return narrowToI32(scanLines(op, x.to("i64").contiguous(), outer, r, inner, false), op);
  }
  const input = x.contiguous();
  const out = scanLines(op, input, outer, r, inner, false);
  if (!x.requiresGrad) return out;
  if (op === "cumsum") {
    // d/dx_k Σ_{j≥k} g_j: the reverse cumulative sum of the gradient.
    return record(out, op, [x], (g) => [scanLines("cumsum", g.contiguous(), outer, r, inner, true)]);
  }
  return record(out, op, [x], (g) => [cumprodBackward(input, g.contiguous(), outer, r, inner)], [input]);
}

/**
 * Cumulative sum along `dim`: `y[i] = x[0] + … + x[i]` (`torch.cumsum`). Differentiable; the
 * gradient is the reverse cumulative sum of the output's gradient.
 *
 * @example
 * ```ts
 * import { cumsum, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(cumsum(tensor([1, 2, 3]), 0).toList(), [1, 3, 6]);
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  return scan("cumsum", x, dim);
}

/**
 * Cumulative product along `dim`: `y[i] = x[0] · … · x[i]` (`torch.cumprod`). Differentiable,
 * exactly also where `x` has zeros (PyTorch's rule: no division by a zero).
 *
 * @example
 * ```ts
 * import { cumprod, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(cumprod(tensor([1, 2, 3]), 0).toList(), [1, 2, 6]);
 * ```
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan("cumprod", x, dim);
}
