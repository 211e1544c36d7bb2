/**
 * A smoke training run on the tensor core alone (autograd arrives with the nn issue): least
 * squares by full-batch gradient descent with the gradient written out by hand,
 * `∇w = 2/N · Xᵀ(Xw − y)`. Prints the loss falling and the recovered weights.
 *
 *   deno task train        bun examples/smoke_train.ts
 * @module
 */
import * as axon from "@axon/ml";

axon.manualSeed(0);
const samples = 4096;
const features = 16;
const trueW = axon.arange(features, undefined, 1, { dtype: "f32" }).sub(features / 2).mul(0.25).view(features, 1);
const x = axon.randn([samples, features]);
const y = x.matmul(trueW).add(axon.normal([samples, 1], 0, 0.01));

let w = axon.zeros([features, 1]);
const lr = 0.1;
const steps = 200;
for (let step = 1; step <= steps; step++) {
  const residual = x.matmul(w).sub(y);
  const loss = residual.square().mean().item();
  const grad = x.t().matmul(residual).mul(2 / samples);
  w = w.sub(grad.mul(lr));
  if (step === 1 || step % 50 === 0) console.log(`step ${String(step).padStart(3)}: loss=${loss.toFixed(6)}`);
}
const error = w.sub(trueW).abs().max().item();
console.log(`max |w - w_true| = ${error.toExponential(2)} (runtime: ${axon.RUNTIME})`);
if (!(error < 1e-2)) throw new Error(`smoke training did not converge (error ${error})`);
