/**
 * Softmax and log-softmax over one dim, in one stable native pass.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { dtypeInfo, isHalf } from "../tensor/dtype.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { record } from "../autograd/graph.ts";
import { checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";

function run(log: boolean, x: Tensor, dim: number): Tensor {
  const name = log ? "logSoftmax" : "softmax";
  if (!dtypeInfo(x.dtype).isFloat) {
    throw new TypeError(`${name}: expected a floating point tensor, got dtype ${x.dtype}; convert with .to("f32")`);
  }
  [x] = autocastInputs(name, x);
  if (isHalf(x.dtype)) return run(log, x.to("f32"), dim).to(x.dtype); // computed in f32, rounded once
  const d = normalizeDim(dim, x.ndim, name);
  const input = x.contiguous();
  const backend = backendOf(name, input);
  const out = Tensor.empty(input.shape, input.dtype, input.device);
  if (out.numel === 0) return out;
  const outer = numelOf(input.shape.slice(0, d));
  const r = input.ndim === 0 ? 1 : input.shape[d];
  const inner = numelOf(input.shape.slice(d + 1));
  backend.softmax(log, { outer, r, inner }, input, out, name);
  if (!x.requiresGrad) return out;
  return log
    ? record(out, name, [x], (g) => [g.sub(out.exp().mul(g.sum(d, true)))], [out])
    : record(out, name, [x], (g) => [out.mul(g.sub(g.mul(out).sum(d, true)))], [out]);
}

/** `exp(x) / sum(exp(x))` over `dim`, computed stably (max subtracted). */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor("softmax", "x", x);
  checkInt("softmax", "dim", dim);
  return run(false, x, dim);
}

/** `x - logsumexp(x)` over `dim`, computed stably. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor("logSoftmax", "x", x);
  checkInt("logSoftmax", "dim", dim);
  return run(true, x, dim);
}
