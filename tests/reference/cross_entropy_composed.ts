/**
 * The composed (op-by-op) cross-entropy: the test reference for the fused kernel. Cross-entropy with class-index targets: per-row losses and the weight total that "mean"
 * divides by (PyTorch: Σ w[tᵢ] over rows whose target is not ignored).
 *
 * Per row: loss = (1−ε)·w[t]·(lse − z[t]) + ε/C·Σⱼ w[j]·(lse − z[j]); 0 for ignored rows.
 * @module
 */
import { arange } from "../../src/ops/creation.ts";
import { where } from "../../src/ops/elementwise.ts";
import type { Tensor } from "../../src/tensor/tensor.ts";

/** Per-row losses `[n]` of logits `[n, c]` against i32 targets `[n]`, and the mean's divisor. */
export function crossEntropyIndices(
  logits: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  smoothing: number,
): { loss: Tensor; weightSum: Tensor } {
  const c = logits.shape[1];
  const valid = target.ne(ignoreIndex);
  const outOfRange = valid.mul(target.lt(0).add(target.ge(c)));
  if (outOfRange.sum().item() > 0) {
    const bad = target.toArray()[outOfRange.argmax().item()];
    throw new RangeError(
      `CrossEntropyLoss: target ${bad} is out of bounds for ${c} classes (and is not ignoreIndex ${ignoreIndex})`,
    );
  }
  const onehot = where(valid, target, 0).unsqueeze(1).eq(arange(0, c, 1, { dtype: "i32" }));
  const logp = logits.logSoftmax(1);
  const validF = valid.to(logits.dtype);
  const targetWeight = weight === null ? validF : where(onehot, weight, 0).sum(1).mul(validF);
  let loss = where(onehot, logp, 0).sum(1).neg().mul(targetWeight);
  if (smoothing > 0) {
    const all = (weight === null ? logp : logp.mul(weight)).sum(1).neg().mul(validF);
    loss = loss.mul(1 - smoothing).add(all.mul(smoothing / c));
  }
  return { loss, weightSum: targetWeight.sum() };
}
