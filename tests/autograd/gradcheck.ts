/**
 * Central-difference gradient checking in f32, for tests.
 *
 * For a function f of tensors, checks d⟨f(x), w⟩/dx from backward() against
 * (⟨f(x+εeᵢ), w⟩ − ⟨f(x−εeᵢ), w⟩) / 2ε for every element of every input, with a fixed random
 * projection w. Sums are accumulated in f64; with ε = 1e-2 on O(1) inputs the truncation error is
 * O(ε²) ≈ 1e-4 and the f32 rounding error O(1e-7/ε) ≈ 1e-5, hence the default tolerances.
 * @module
 */
import { assert } from "../harness.ts";
import { manualSeed, noGrad, randn, type Tensor } from "../../mod.ts";

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  name?: string;
}

function project(out: Tensor, w: Float32Array): number {
  const values = out.contiguous().toArray() as Float32Array;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * w[i];
  return s;
}

/** Asserts that backward() of `fn` matches central differences for every input element. */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 1e-2, rtol = 2e-2, atol = 2e-3, name = "gradcheck" } = options;
  for (const x of inputs) {
    x.grad = null;
    x.requiresGrad_(true);
  }
  const out = fn(...inputs);
  manualSeed(99);
  const wTensor = randn(out.shape as number[]);
  const w = wTensor.toArray() as Float32Array;
  out.backward(wTensor);
  inputs.forEach((x, k) => {
    assert.ok(x.grad !== null, `${name}: input ${k} received no gradient`);
    assert.ok(x.isContiguous(), `${name}: gradcheck needs contiguous inputs`);
    const analytic = x.grad!.toArray() as Float32Array;
    const data = new Float32Array(x.storage.bytes.buffer, x.storage.bytes.byteOffset + x.offset * 4, x.numel);
    for (let i = 0; i < x.numel; i++) {
      const saved = data[i];
      data[i] = saved + eps;
      const plus = noGrad(() => project(fn(...inputs), w));
      data[i] = saved - eps;
      const minus = noGrad(() => project(fn(...inputs), w));
      data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const error = Math.abs(numeric - analytic[i]);
      if (error > atol + rtol * Math.abs(numeric)) {
        assert.fail(
          `${name}: input ${k} element ${i}: analytic ${analytic[i]}, numeric ${numeric} (|Δ| ${
            error.toExponential(2)
          })`,
        );
      }
    }
  });
}
