/**
 * `Parameter`: a tensor that a {@link Module} owns and trains (requiresGrad by default).
 * @module
 */
import { markParameterStorage } from "../autograd/memory.ts";
import { Tensor } from "../tensor/tensor.ts";

/** A trainable tensor; modules find their parameters by this type. */
export class Parameter extends Tensor {
  /** Wraps `data` (sharing its memory) as a parameter. */
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
    markParameterStorage(this);
  }
}
