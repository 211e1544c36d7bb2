/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch's SGD).
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { FusedOptimizer, stateBuffer } from "./fused.ts";
import { checkFlag, checkHyper, type ParamGroup, type ParamsInput, type ParamState } from "./optimizer.ts";

/**
 * SGD. With g ← g + λθ (weight decay), momentum μ and dampening τ:
 * b ← μ·b + (1−τ)·g (b = g on the first step); g ← g + μ·b (Nesterov) or g ← b; θ ← θ − lr·g.
 *
 * @example
 * ```ts
 * import { Linear, SGD } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const optimizer = new SGD(model.parameters(), 0.01).momentum(0.9).nesterov(true).weightDecay(1e-4);
 * ```
 */
export class SGD extends FusedOptimizer {
  /** Name used in error messages. */
  protected readonly name = "SGD";

  /** Creates the optimizer; like PyTorch, no momentum, dampening or weight decay until set. */
  constructor(params: ParamsInput, lr: number) {
    super(params, { lr, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }

  /** Momentum factor μ ≥ 0. */
  momentum(momentum: number): this {
    return this.setOption("momentum", checkHyper("SGD", "momentum", momentum, 0));
  }
  /** Dampening τ of the momentum. */
  dampening(dampening: number): this {
    return this.setOption("dampening", checkHyper("SGD", "dampening", dampening, -Infinity));
  }
  /** Nesterov momentum (needs momentum > 0 and zero dampening). */
  nesterov(enabled = true): this {
    return this.setOption("nesterov", checkFlag(this.name, "nesterov", enabled));
  }
  /** L2 penalty λ ≥ 0 added to the gradient. */
  weightDecay(weightDecay: number): this {
    return this.setOption("weightDecay", checkHyper("SGD", "weightDecay", weightDecay, 0));
  }
  /** Maximise the objective instead. */
  maximize(enabled = true): this {
    return this.setOption("maximize", checkFlag(this.name, "maximize", enabled));
  }

  /** Validates momentum and weight decay, and that Nesterov has momentum and no dampening. */
  protected override checkGroup(group: ParamGroup): void {
    checkHyper("SGD", "momentum", group.momentum, 0);
    checkHyper("SGD", "dampening", group.dampening, -Infinity);
    checkHyper("SGD", "weightDecay", group.weightDecay, 0);
    if (group.nesterov && ((group.momentum as number) <= 0 || group.dampening !== 0)) {
      throw new RangeError("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
  }

  /** Runs one SGD step on `param` in a single kernel. */
  protected update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    const momentum = group.momentum as number;
    const firstStep = momentum !== 0 && state.momentum_buffer === undefined;
    if (firstStep) state.momentum_buffer = stateBuffer(param);
    backendOf("SGD", param, grad).sgdStep(
      { param, grad, momentumBuffer: (state.momentum_buffer as Tensor | undefined) ?? null },
      { lr: group.lr, momentum, dampening: group.dampening as number, weightDecay: group.weightDecay as number },
      { nesterov: Boolean(group.nesterov), maximize: Boolean(group.maximize), firstStep },
      "SGD",
    );
  }
}
