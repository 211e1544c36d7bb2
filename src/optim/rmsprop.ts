/**
 * RMSprop and Adagrad, PyTorch's updates in one kernel each.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { FusedOptimizer, stateBuffer } from "./fused.ts";
import { checkFlag, checkHyper, type ParamGroup, type ParamsInput, type ParamState } from "./optimizer.ts";

/**
 * RMSprop (Hinton): v ← αv + (1−α)g²; centered: ḡ ← αḡ + (1−α)g, v̂ = v − ḡ²; with momentum μ:
 * b ← μb + g/(√v̂ + ε), θ ← θ − lr·b; else θ ← θ − lr·g/(√v̂ + ε).
 *
 * @example
 * ```ts
 * import { Linear, RMSprop } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const optimizer = new RMSprop(model.parameters(), 0.01).alpha(0.99).eps(1e-8).momentum(0.0);
 * ```
 */
export class RMSprop extends FusedOptimizer {
  /** Name used in error messages. */
  protected readonly name = "RMSprop";
  /** Creates the optimizer with PyTorch's defaults: alpha 0.99, eps 1e-8, no momentum or weight decay. */
  constructor(params: ParamsInput, lr = 1e-2) {
    super(params, { lr, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }
  /** Smoothing constant α ≥ 0. */
  alpha(alpha: number): this {
    return this.setOption("alpha", checkHyper("RMSprop", "alpha", alpha, 0));
  }
  /** Term added to the denominator (≥ 0). */
  eps(eps: number): this {
    return this.setOption("eps", checkHyper("RMSprop", "eps", eps, 0));
  }
  /** Momentum factor μ ≥ 0. */
  momentum(momentum: number): this {
    return this.setOption("momentum", checkHyper("RMSprop", "momentum", momentum, 0));
  }
  /** Normalise by the estimated variance of the gradient. */
  centered(enabled = true): this {
    return this.setOption("centered", checkFlag(this.name, "centered", enabled));
  }
  /** L2 penalty λ ≥ 0. */
  weightDecay(weightDecay: number): this {
    return this.setOption("weightDecay", checkHyper("RMSprop", "weightDecay", weightDecay, 0));
  }
  /** Maximise the objective instead. */
  maximize(enabled = true): this {
    return this.setOption("maximize", checkFlag(this.name, "maximize", enabled));
  }

  /** Validates alpha, eps, momentum and weight decay of a group before each step. */
  protected override checkGroup(group: ParamGroup): void {
    for (const option of ["alpha", "eps", "momentum", "weightDecay"]) checkHyper("RMSprop", option, group[option], 0);
  }

  /** Runs one RMSprop step on `param` in a single kernel. */
  protected update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    if (state.step === undefined) {
      state.step = 0;
      state.square_avg = stateBuffer(param);
    }
    if ((group.momentum as number) > 0 && state.momentum_buffer === undefined) {
      state.momentum_buffer = stateBuffer(param);
    }
    if (group.centered && state.grad_avg === undefined) state.grad_avg = stateBuffer(param);
    state.step = (state.step as number) + 1;
    backendOf(this.name, param, grad).rmspropStep(
      {
        param,
        grad,
        squareAvg: state.square_avg as Tensor,
        momentumBuffer: (group.momentum as number) > 0 ? state.momentum_buffer as Tensor : null,
        gradAvg: group.centered ? state.grad_avg as Tensor : null,
      },
      {
        lr: group.lr,
        alpha: group.alpha as number,
        eps: group.eps as number,
        weightDecay: group.weightDecay as number,
        momentum: group.momentum as number,
      },
      { centered: Boolean(group.centered), maximize: Boolean(group.maximize) },
      this.name,
    );
  }
}

/**
 * Adagrad (Duchi et al. 2011) as PyTorch: clr = lr/(1 + (t−1)·lrDecay); s ← s + g²;
 * θ ← θ − clr·g/(√s + ε); s starts at `initialAccumulatorValue`.
 */
export class Adagrad extends FusedOptimizer {
  /** Name used in error messages. */
  protected readonly name = "Adagrad";
  /** Creates the optimizer with PyTorch's defaults: no lr decay or weight decay, accumulator 0, eps 1e-10. */
  constructor(params: ParamsInput, lr = 1e-2) {
    super(params, { lr, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }
  /** Learning-rate decay ≥ 0. */
  lrDecay(lrDecay: number): this {
    return this.setOption("lrDecay", checkHyper("Adagrad", "lrDecay", lrDecay, 0));
  }
  /** L2 penalty λ ≥ 0. */
  weightDecay(weightDecay: number): this {
    return this.setOption("weightDecay", checkHyper("Adagrad", "weightDecay", weightDecay, 0));
  }
  /** Starting value of the squared-gradient sum (≥ 0). */
  initialAccumulatorValue(value: number): this {
    return this.setOption("initialAccumulatorValue", checkHyper("Adagrad", "initialAccumulatorValue", value, 0));
  }
  /** Term added to the denominator (≥ 0). */
  eps(eps: number): this {
    return this.setOption("eps", checkHyper("Adagrad", "eps", eps, 0));
  }
  /** Maximise the objective instead. */
  maximize(enabled = true): this {
    return this.setOption("maximize", checkFlag(this.name, "maximize", enabled));
  }

  /** Validates the lr decay, weight decay, initial accumulator and eps of a group before each step. */
  protected override checkGroup(group: ParamGroup): void {
    for (const option of ["lrDecay", "weightDecay", "initialAccumulatorValue", "eps"]) {
      checkHyper("Adagrad", option, group[option], 0);
    }
  }

  /** Runs one Adagrad step on `param` in a single kernel. */
  protected update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    if (state.step === undefined) {
      state.step = 0;
      state.sum = stateBuffer(param, group.initialAccumulatorValue as number);
    }
    state.step = (state.step as number) + 1;
    backendOf(this.name, param, grad).adagradStep(
      { param, grad, stateSum: state.sum as Tensor },
      {
        lr: group.lr,
        lrDecay: group.lrDecay as number,
        weightDecay: group.weightDecay as number,
        eps: group.eps as number,
        step: state.step as number,
      },
      { maximize: Boolean(group.maximize) },
      this.name,
    );
  }
}
