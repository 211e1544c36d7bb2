/**
 * Fused cross-entropy with class-index targets: log-softmax and NLL in one stable native pass,
 * forward and backward. Returns per-row losses and the total weight that "mean" divides by
 * (PyTorch: Σ w[tᵢ] over rows whose target is not ignored).
 *
 * Per row: loss = (1−ε)·w[t]·(lse − z[t]) + ε/C·Σⱼ w[j]·(lse − z[j]); 0 for ignored rows.
 * The op-by-op composition it replaces is kept as the test reference
 * (tests/reference/cross_entropy_composed.ts).
 * @module
 */
import { record } from "../autograd/graph.ts";
import { backendOf } from "../backend/registry.ts";
import { isHalf } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { where } from "./elementwise.ts";
import { indexSelect } from "./indexing.ts";

/** Contiguous and starting at element 0 (the exports take no offset for these operands). */
function packedAtZero(t: Tensor): Tensor {
  return t.isContiguous() && t.offset === 0 ? t.detach() : t.detach().clone();
}

/**
 * Checks a loss's `ignoreIndex` (PyTorch's `ignore_index`, an int64): any integer is accepted,
 * one that no i32 target can equal simply ignores nothing.
 */
export function checkIgnoreIndex(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(
      `${where}: ignoreIndex must be an integer (default -100), got ${
        typeof value === "number" ? value : typeof value
      }`,
    );
  }
  return value;
}

/** u8 mask of the targets that are not `ignoreIndex` (all of them when it lies outside i32). */
export function notIgnored(target: Tensor, ignoreIndex: number): Tensor {
  if (ignoreIndex < -2147483648 || ignoreIndex > 2147483647) return target.eq(target);
  return target.ne(ignoreIndex);
}

/** Per-row losses `[n]` of logits `[n, c]` against i32 targets `[n]`, and the mean's divisor. */
export function crossEntropyIndices(
  logits: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  smoothing: number,
): { loss: Tensor; weightSum: Tensor } {
  if (isHalf(logits.dtype)) {
    // Computed in f32 (the kernel's logsumexp), the per-row losses rounded once, as PyTorch.
    const wide = crossEntropyIndices(logits.to("f32"), target, weight, ignoreIndex, smoothing);
    return { loss: wide.loss.to(logits.dtype), weightSum: wide.weightSum.to(logits.dtype) };
  }
  if (logits.dtype !== "f32") throw new TypeError(`CrossEntropyLoss: expected f32 logits, got ${logits.dtype}`);
  const [n, c] = logits.shape;
  const z = packedAtZero(logits);
  const t = packedAtZero(target);
  const w = weight === null ? null : packedAtZero(weight.to("f32"));
  if (w !== null && w.numel !== c) {
    throw new RangeError(`CrossEntropyLoss: weight of shape ${formatShape(w.shape)} does not match ${c} classes`);
  }
  const backend = backendOf("CrossEntropyLoss", z, t, w);
  const loss = Tensor.empty([n], "f32", z.device);
  const lse = Tensor.empty([n], "f32", z.device);
  const call = { n, c, logits: z, target: t, weight: w, ignoreIndex, labelSmoothing: smoothing, lse };
  backend.crossEntropy(call, loss);
  const valid = notIgnored(t, ignoreIndex);
  const safeTarget = where(valid, t, 0);
  const targetWeight = w === null ? valid.to("f32") : indexSelect(w.reshape([c]), 0, safeTarget).mul(valid.to("f32"));
  const out = record(
    loss,
    "crossEntropy",
    [logits],
    (g) => {
      const gl = packedAtZero(g);
      const dz = Tensor.empty([n, c], "f32", z.device);
      backendOf("CrossEntropyLoss backward", z, gl).crossEntropyBackward(call, gl, dz);
      return [dz];
    },
    [z],
    [z, t, w, lse],
  ); // packed copies and lse: the node's own, freed with it
  return { loss: out, weightSum: targetWeight.sum() };
}
