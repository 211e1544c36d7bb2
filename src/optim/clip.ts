/**
 * Gradient clipping: `clipGradNorm` and `clipGradValue`, as `torch.nn.utils.clip_grad_norm_` /
 * `clip_grad_value_`. Norms come from native reductions, the rescaling is one native kernel per
 * gradient.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { tensor } from "../ops/creation.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkBool } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (PyTorch's `error_if_nonfinite`). */
  errorIfNonfinite?: boolean;
}

function gradsOf(where: string, params: Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) return params.grad === null ? [] : [params.grad]; // PyTorch accepts a single tensor
  if (
    params === null || typeof params !== "object" ||
    typeof (params as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    const hint = params !== null && typeof params === "object" &&
        typeof (params as { parameters?: unknown }).parameters === "function"
      ? "; pass model.parameters()"
      : "";
    throw new TypeError(`${where}: params must be an iterable of tensors, got ${describe(params)}${hint}`);
  }
  return [...params].map((p, i) => checkTensor(where, `params[${i}]`, p).grad).filter((g): g is Tensor => g !== null);
}

/** The p-norm of one gradient as a 0-d f32 tensor (inf: max |g|). */
function norm(g: Tensor, normType: number): Tensor {
  if (normType === Infinity) return g.abs().max();
  if (normType === 2) return g.square().sum().sqrt();
  if (normType === 1) return g.abs().sum();
  return g.abs().pow(normType).sum().pow(1 / normType);
}

/**
 * Rescales the gradients of `params` in place so that their combined `normType`-norm is at most
 * `maxNorm`, and returns the norm before clipping. Coefficient: maxNorm / (total + 1e-6),
 * applied when below 1 (PyTorch's rule).
 *
 * @example
 * ```ts
 * import { clipGradNorm, Linear, randn, SGD } from "@axon/ml";
 *
 * const model = new Linear(4, 2);
 * const optimizer = new SGD(model.parameters(), 0.1);
 * const loss = model.forward(randn([8, 4])).square().sum();
 * loss.backward();
 * const totalNorm = clipGradNorm(model.parameters(), 1.0); // the norm before clipping
 * optimizer.step();
 * ```
 */
export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): number {
  const { errorIfNonfinite = false } = checkOptions<ClipGradNormOptions>("clipGradNorm", options, ["errorIfNonfinite"]);
  checkBool("clipGradNorm", "errorIfNonfinite", errorIfNonfinite);
  if (typeof maxNorm !== "number" || !(maxNorm >= 0)) {
    throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${describe(maxNorm)}`);
  }
  if (typeof normType !== "number" || !(normType > 0)) {
    throw new RangeError(`clipGradNorm: normType must be > 0 or Infinity, got ${describe(normType)}`);
  }
  const grads = gradsOf("clipGradNorm", params);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    const norms = grads.map((g) => norm(g.to("f32"), normType));
    const total = norm(tensor(Float32Array.from(norms, (n) => n.item())), normType).item();
    if (!Number.isFinite(total) && errorIfNonfinite) {
      throw new RangeError(
        `clipGradNorm: the total norm of order ${normType} for the gradients is non-finite (${total}), so it cannot be clipped; ` +
          "pass errorIfNonfinite: false to clip anyway",
      );
    }
    const coefficient = Math.fround(maxNorm / (total + 1e-6));
    if (coefficient < 1 || Number.isNaN(coefficient)) { for (const g of grads) g.mul_(coefficient); }
    return total;
  });
}

/** Clamps every gradient of `params` into `[-clipValue, clipValue]` in place. */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== "number" || !(clipValue >= 0)) {
    throw new RangeError(`clipGradValue: clipValue must be >= 0, got ${describe(clipValue)}`);
  }
  const grads = gradsOf("clipGradValue", params);
  noGrad(() => {
    for (const g of grads) g.copy_(g.clamp(-clipValue, clipValue));
  });
}
