/**
 * `Variable`, the seed's spelling for a tensor in the graph. In Axon (as in PyTorch today) a
 * variable *is* a tensor with `requiresGrad`; `new Variable(t, requiresGrad)` returns a tensor that
 * shares `t`'s data and has the flag set.
 * @module
 */
import { Tensor } from "../tensor/tensor.ts";
import { describe } from "../utils/options.ts";

/** Constructor signature of {@link Variable}. */
export interface VariableConstructor {
  /** A tensor sharing `data`'s memory, cut from any graph, with `requiresGrad` set as given. */
  new (data: Tensor, requiresGrad?: boolean): Tensor;
}

/**
 * Wraps a tensor for the graph, as the seed writes it.
 *
 * @example
 * ```ts
 * import { CrossEntropyLoss, Linear, randn, tensor, Variable } from "@axon/ml";
 *
 * const model = new Linear(4, 3);
 * const lossFn = new CrossEntropyLoss();
 * const x = new Variable(randn([2, 4]), false);
 * const loss = lossFn.compute(model.forward(x), tensor([0, 2], { dtype: "i32" }));
 * loss.backward();
 * ```
 */
export const Variable: VariableConstructor = function (this: unknown, data: Tensor, requiresGrad = false): Tensor {
  if (!new.target) throw new TypeError("Variable must be called with new");
  if (!(data instanceof Tensor)) {
    const hint = Array.isArray(data) || ArrayBuffer.isView(data)
      ? `; make one first, e.g. new Variable(tensor(data), ${requiresGrad})`
      : "";
    throw new TypeError(`Variable: data must be a Tensor, got ${describe(data)}${hint}`);
  }
  if (typeof requiresGrad !== "boolean") {
    throw new TypeError(`Variable: requiresGrad must be true or false, got ${describe(requiresGrad)}`);
  }
  return data.detach().requiresGrad_(requiresGrad);
} as unknown as VariableConstructor;
