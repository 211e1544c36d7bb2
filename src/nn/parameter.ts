/**
 * `Parameter`: a tensor that a {@link Module} owns and trains (requiresGrad by default).
 * @module
 */
import { markParameterStorage } from "../autograd/memory.ts";
import { lifetime, Tensor } from "../tensor/tensor.ts";
import { describe } from "../utils/options.ts";

/** A trainable tensor; modules find their parameters by this type. */
export class Parameter extends Tensor {
  /** Wraps `data` (sharing its memory) as a parameter. */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new TypeError(`Parameter: data must be a Tensor, got ${describe(data)}`);
    if (typeof requiresGrad !== "boolean") {
      throw new TypeError(`Parameter: requiresGrad must be true or false, got ${describe(requiresGrad)}`);
    }
    super(data.storage, data.shape, data.strides, data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
    markParameterStorage(this);
    lifetime.keep(this); // a module owns it: no tidy() disposes it
  }
}
