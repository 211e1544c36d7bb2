/**
 * The shared step loop of the fused optimizers: for each parameter with a gradient, hand
 * contiguous f32 buffers to one native kernel call.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { zeros } from "../ops/creation.ts";
import { lifetime, type Tensor } from "../tensor/tensor.ts";
import { Optimizer, type ParamGroup, type ParamState } from "./optimizer.ts";

/** Contiguous f32 starting at element 0, as the optimizer exports require. */
function packed(t: Tensor): Tensor {
  const f = t.dtype === "f32" ? t.detach() : t.detach().to("f32");
  return f.isContiguous() && f.offset === 0 ? f : f.clone();
}

/** A state buffer of zeros shaped like `p` (or filled with `value`). */
export function stateBuffer(p: Tensor, value = 0): Tensor {
  const t = zeros(p.shape, { dtype: "f32" }).to(p.device);
  lifetime.keep(t); // optimizer state, even when the first step() runs inside tidy()
  return value === 0 ? t : t.fill_(value);
}

/** Base of optimizers whose step is one native kernel per parameter. */
export abstract class FusedOptimizer extends Optimizer {
  /** Updates `param` (contiguous f32 at offset 0) in place from `grad` (on their backend). */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void;

  /** Hook for per-step checks of a group's options. */
  protected override checkGroup(_group: ParamGroup): void {}

  /** Updates every parameter that has a gradient, one native kernel call each; parameters must be f32. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        this.checkGroup(group);
        for (const p of group.params) {
          if (p.grad === null) continue;
          if (p.dtype !== "f32") throw new TypeError(`${this.name}: parameters must be f32, got ${p.dtype}`);
          let state = this.state.get(p);
          if (state === undefined) this.state.set(p, state = {});
          const buffer = packed(p);
          const grad = packed(p.grad);
          this.update(buffer, grad, group, state);
          if (buffer.storage === p.storage) p.storage.version++;
          else p.copy_(buffer);
        }
      }
    });
  }
}
