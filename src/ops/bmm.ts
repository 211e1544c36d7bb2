/**
 * Batched matrix products with PyTorch's strict shapes: `bmm` and `baddbmm` (through `matmul`,
 * whose batched GEMM and gradients they reuse).
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions } from "../utils/options.ts";
import { matmul } from "./matmul.ts";

/** Checks two `[B, N, M]`, `[B, M, P]` operands of `op`. */
function checkBatches(op: string, a: Tensor, b: Tensor): void {
  checkTensor(op, "batch1", a);
  checkTensor(op, "batch2", b);
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new RangeError(
      `${op}: expected two 3-d tensors [B, N, M] and [B, M, P], got shapes ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new RangeError(
      `${op}: shapes ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      } do not fit [B, N, M] × [B, M, P] (batch sizes must be equal, no broadcasting)`,
    );
  }
}

/**
 * Batched matrix product `[B, N, M] × [B, M, P] → [B, N, P]` (PyTorch's `torch.bmm`: no
 * broadcasting; use `matmul` for that).
 *
 * @example
 * ```ts
 * import { bmm, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(bmm(randn(4, 2, 3), randn(4, 3, 5)).shape, [4, 2, 5]);
 * ```
 */
export function bmm(batch1: Tensor, batch2: Tensor): Tensor {
  checkBatches("bmm", batch1, batch2);
  return matmul(batch1, batch2);
}

/** Options of {@link baddbmm}. */
export interface BaddbmmOptions {
  /** Multiplier of `input` (default 1); with 0, `input` is ignored (NaN in it does not propagate). */
  beta?: number;
  /** Multiplier of the product (default 1). */
  alpha?: number;
}

/**
 * `beta · input + alpha · (batch1 @ batch2)` (PyTorch's `torch.baddbmm`); `input` broadcasts to
 * `[B, N, P]`.
 *
 * @example
 * ```ts
 * import { baddbmm, randn, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(baddbmm(zeros(1, 2, 5), randn(4, 2, 3), randn(4, 3, 5), { beta: 0.5, alpha: 2 }).shape, [4, 2, 5]);
 * ```
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options: BaddbmmOptions = {}): Tensor {
  checkTensor("baddbmm", "input", input);
  checkBatches("baddbmm", batch1, batch2);
  const { beta = 1, alpha = 1 } = checkOptions<BaddbmmOptions>("baddbmm", options, ["beta", "alpha"]);
  checkNumber("baddbmm", "beta", beta);
  checkNumber("baddbmm", "alpha", alpha);
  const shape = [batch1.shape[0], batch1.shape[1], batch2.shape[2]];
  let base: Tensor;
  try {
    base = input.expand(shape);
  } catch {
    throw new RangeError(
      `baddbmm: input of shape ${formatShape(input.shape)} does not broadcast to the product's shape ${
        formatShape(shape)
      }`,
    );
  }
  const product = matmul(batch1, batch2);
  const scaled = alpha === 1 ? product : product.mul(alpha);
  if (beta === 0) return scaled;
  return scaled.add(beta === 1 ? base : base.mul(beta));
}
