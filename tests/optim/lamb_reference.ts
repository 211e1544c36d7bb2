/**
 * Reference LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning", Algorithm 2),
 * transcribed element by element in float64 for tests/optim/optimizers_test.ts.
 *
 * Per parameter tensor x with gradient g, at step t (starting at 1):
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)   (m̂ = m, v̂ = v without bias correction)
 *   r = m̂/(√v̂ + ε) + λx
 *   trust = ‖x‖/‖r‖   (1 when either norm is 0)
 *   x ← x − lr·trust·r
 * @module
 */

/** LAMB hyper-parameters. */
export interface LambOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  biasCorrection: boolean;
}

/** State of one parameter tensor. */
export interface LambState {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

/** A LAMB optimizer over flat float64 parameter arrays. */
export class LambReference {
  readonly params: Float64Array[];
  readonly state: LambState[];

  constructor(params: ArrayLike<number>[], readonly options: LambOptions) {
    this.params = params.map((p) => Float64Array.from(p));
    this.state = this.params.map((p) => ({ step: 0, m: new Float64Array(p.length), v: new Float64Array(p.length) }));
  }

  /** One step; `grads[i]` is the gradient of `params[i]` (null: that parameter is skipped). */
  step(grads: (ArrayLike<number> | null)[]): void {
    const { lr, beta1, beta2, eps, weightDecay, biasCorrection } = this.options;
    this.params.forEach((x, i) => {
      const g = grads[i];
      if (g === null) return;
      if (g.length !== x.length) {
        throw new RangeError(`LambReference: gradient ${i} has ${g.length} elements, parameter ${x.length}`);
      }
      const s = this.state[i];
      s.step += 1;
      const c1 = biasCorrection ? 1 - beta1 ** s.step : 1;
      const c2 = biasCorrection ? 1 - beta2 ** s.step : 1;
      const r = new Float64Array(x.length);
      let xNorm2 = 0;
      let rNorm2 = 0;
      for (let k = 0; k < x.length; k++) {
        s.m[k] = beta1 * s.m[k] + (1 - beta1) * g[k];
        s.v[k] = beta2 * s.v[k] + (1 - beta2) * g[k] * g[k];
        const mHat = s.m[k] / c1;
        const vHat = s.v[k] / c2;
        r[k] = mHat / (Math.sqrt(vHat) + eps) + weightDecay * x[k];
        xNorm2 += x[k] * x[k];
        rNorm2 += r[k] * r[k];
      }
      const xNorm = Math.sqrt(xNorm2);
      const rNorm = Math.sqrt(rNorm2);
      const trust = xNorm > 0 && rNorm > 0 ? xNorm / rNorm : 1;
      for (let k = 0; k < x.length; k++) x[k] -= lr * trust * r[k];
    });
  }
}
