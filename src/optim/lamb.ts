/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
 * Algorithm 2), the layer-wise adaptive variant of Adam:
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) (with bias correction);
 * r = m̂/(√v̂ + ε) + λθ; θ ← θ − lr · φ(‖θ‖)/‖r‖ · r with φ the identity (trust ratio 1 when either
 * norm is 0). Two kernels per parameter with the norms (native reductions) in between.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { AdamFamily } from "./adam.ts";
import { stateBuffer } from "./fused.ts";
import { checkFlag, type ParamGroup, type ParamsInput, type ParamState } from "./optimizer.ts";

/**
 * LAMB optimizer (defaults: betas 0.9/0.999, eps 1e-6, weight decay 0, bias correction on).
 *
 * @example
 * ```ts
 * import { LAMB, Linear } from "@axon/ml";
 *
 * const model = new Linear(784, 10);
 * const optimizer = new LAMB(model.parameters(), 0.001).betas(0.9, 0.999).weightDecay(0.01);
 * ```
 */
export class LAMB extends AdamFamily {
  /** Name used in error messages. */
  protected readonly name: string = "LAMB";
  #scratch = new WeakMap<Tensor, Tensor>();

  /** Creates the optimizer with betas (0.9, 0.999), eps 1e-6, no weight decay and bias correction on. */
  constructor(params: ParamsInput, lr = 1e-3) {
    super(params, { lr, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0, biasCorrection: true, maximize: false });
    for (const g of this.paramGroups) this.checkGroup(g);
  }

  /** Whether m and v are bias-corrected (default true). */
  biasCorrection(enabled = true): this {
    return this.setOption("biasCorrection", checkFlag(this.name, "biasCorrection", enabled));
  }

  /** Runs one LAMB step: the Adam-style update, its norm and the parameter's, then the trust-ratio step. */
  protected update(param: Tensor, grad: Tensor, group: ParamGroup, state: ParamState): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = stateBuffer(param);
      state.exp_avg_sq = stateBuffer(param);
    }
    state.step = (state.step as number) + 1;
    let update = this.#scratch.get(state.exp_avg as Tensor);
    if (update === undefined || update.numel !== param.numel) {
      update = stateBuffer(param);
      this.#scratch.set(state.exp_avg as Tensor, update);
    }
    const [beta1, beta2] = group.betas as [number, number];
    const backend = backendOf("LAMB", param, grad, update);
    backend.lambUpdate(
      { param, grad, expAvg: state.exp_avg as Tensor, expAvgSq: state.exp_avg_sq as Tensor, update },
      {
        beta1,
        beta2,
        eps: group.eps as number,
        weightDecay: group.weightDecay as number,
        step: state.step as number,
      },
      { biasCorrection: Boolean(group.biasCorrection), maximize: Boolean(group.maximize) },
      "LAMB",
    );
    const paramNorm = Math.sqrt(param.reshape([-1]).sumOfSquares().item());
    const updateNorm = Math.sqrt(update.reshape([-1]).sumOfSquares().item());
    backend.lambApply(param, update, { lr: group.lr, paramNorm, updateNorm }, this.name);
  }
}
