/**
 * Adam and AdamW (decoupled weight decay), PyTorch's single-tensor updates in one kernel each.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { FusedOptimizer, stateBuffer } from "./fused.ts";
import { checkFlag, checkHyper, type ParamGroup, type ParamsInput, type ParamState } from "./optimizer.ts";

/** Shared surface of Adam, AdamW and LAMB: betas, eps, weight decay. */
export abstract class AdamFamily extends FusedOptimizer {
  /** Decay rates of the first and second moment estimates, each in [0, 1). */
  betas(beta1: number, beta2: number): this {
    checkHyper(this.name, "beta1", beta1, 0, 1);
    checkHyper(this.name, "beta2", beta2, 0, 1);
    return this.setOption("betas", [beta1, beta2]);
  }
  /** Term added to the denominator for stability (≥ 0). */
  eps(eps: number): this {
    return this.setOption("eps", checkHyper(this.name, "eps", eps, 0));
  }
  /** Weight decay λ ≥ 0. */
  weightDecay(weightDecay: number): this {
    return this.setOption("weightDecay", checkHyper(this.name, "weightDecay", weightDecay, 0));
  }
  /** Maximise the objective instead. */
  maximize(enabled = true): this {
    return this.setOption("maximize", checkFlag(this.name, "maximize", enabled));
  }

  /** Validates the betas, eps and weight decay of a group before each step. */
  protected override checkGroup(group: ParamGroup): void {
    const betas = group.betas as [number, number];
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new RangeError(`${this.name}: betas must be a pair [beta1, beta2]`);
    }
    checkHyper(this.name, "beta1", betas[0], 0, 1);
    checkHyper(this.name, "beta2", betas[1], 0, 1);
    checkHyper(this.name, "eps", group.eps, 0);
    checkHyper(this.name, "weightDecay", group.weightDecay, 0);
  }
}

function adamStep(
  name: string,
  param: Tensor,
  grad: Tensor,
  group: ParamGroup,
  state: ParamState,
  decoupled: boolean,
): void {
  if (state.step === undefined) {
    state.step = 0;
    state.exp_avg = stateBuffer(param);
    state.exp_avg_sq = stateBuffer(param);
    if (group.amsgrad) state.max_exp_avg_sq = stateBuffer(param);
  }
  if (group.amsgrad && state.max_exp_avg_sq === undefined) state.max_exp_avg_sq = stateBuffer(param);
  state.step = (state.step as number) + 1;
  const [beta1, beta2] = group.betas as [number, number];
  const buffers = {
    param,
    grad,
    expAvg: state.exp_avg as Tensor,
    expAvgSq: state.exp_avg_sq as Tensor,
    maxExpAvgSq: group.amsgrad ? state.max_exp_avg_sq as Tensor : null,
  };
  backendOf(name, param, grad).adamStep(
    buffers,
    {
      lr: group.lr,
      beta1,
      beta2,
      eps: group.eps as number,
      weightDecay: group.weightDecay as number,
      step: state.step as number,
    },
    { amsgrad: Boolean(group.amsgrad), decoupled, maximize: Boolean(group.maximize) },
    name,
  );
}

/**
 * Adam (Kingma & Ba 2015) as PyTorch: g ← g + λθ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε); AMSGrad keeps the running max of v.
 *
 * @example
 * ```ts
 * import { Adam, Linear } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const optimizer = new Adam(model.parameters(), 0.001).betas(0.9, 0.999).eps(1e-8);
 * ```
 */
export class Adam extends AdamFamily {
  /** Name used in error messages. */
  protected readonly name: string = "Adam";
  /** Creates the optimizer with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
  constructor(params: ParamsInput, lr = 1e-3) {
    super(params, { lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }
  /** Use the AMSGrad variant. */
  amsgrad(enabled = true): this {
    return this.setOption("amsgrad", checkFlag(this.name, "amsgrad", enabled));
  }
  /** Runs one Adam step on `param` in a single kernel (weight decay added to the gradient). */
  protected update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    adamStep(this.name, param, grad, group, state, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay θ ← θ·(1 − lr·λ) before the
 * Adam update; weight decay defaults to 0.01 as in PyTorch.
 *
 * @example
 * ```ts
 * import { AdamW, Linear } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const optimizer = new AdamW(model.parameters(), 0.001).betas(0.9, 0.999).weightDecay(0.01);
 * ```
 */
export class AdamW extends AdamFamily {
  /** Name used in error messages. */
  protected readonly name: string = "AdamW";
  /** Creates the optimizer with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  constructor(params: ParamsInput, lr = 1e-3) {
    super(params, { lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }
  /** Use the AMSGrad variant. */
  amsgrad(enabled = true): this {
    return this.setOption("amsgrad", checkFlag(this.name, "amsgrad", enabled));
  }
  /** Runs one AdamW step on `param` in a single kernel (weight decay applied to the weights). */
  protected override update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    adamStep(this.name, param, grad, group, state, true);
  }
}
