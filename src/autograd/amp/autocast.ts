/**
 * Autocast: regions in which ops pick their own precision — matmul, linear and convolution in
 * f16/bf16, precision-sensitive ops (softmax, losses, reductions, norms, exp/log) in f32 — the way
 * PyTorch's `torch.autocast` does. Which op does what is one table, {@link AUTOCAST_POLICY}.
 *
 * Parameters stay f32 ("master weights"): an op casts them on the way in, and the cast's backward
 * brings the gradient back to f32.
 * @module
 */
import type { DType } from "../../tensor/dtype.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkBool, checkFunction } from "../../utils/check.ts";
import { checkOptions, describe } from "../../utils/options.ts";

/** The low-precision dtypes autocast can run in. */
export type AutocastDType = "f16" | "bf16";

let active: AutocastDType | null = null;
/** Enabled regions currently open; the cast cache lives as long as the outermost one. */
let openRegions = 0;
/**
 * Casts of f32 leaves that require grad (parameters), reused within one outermost region as
 * PyTorch does: a weight used by several ops is converted once and its gradient flows through
 * one cast node.
 */
const castCache = new Map<Tensor, { cast: Tensor; version: number }>();

function checkDtype(dtype: DType | string, where: string): AutocastDType {
  if (dtype === "f16" || dtype === "bf16") return dtype;
  throw new TypeError(
    `${where}: autocast runs in "f16" or "bf16" (DType.F16, DType.BF16), got ${
      typeof dtype === "string" ? JSON.stringify(dtype) : describe(dtype)
    } as dtype`,
  );
}

/** The `enabled` option of {@link AutocastOptions}, checked. */
function autocastEnabled(where: string, options: unknown): boolean {
  const { enabled = true } = checkOptions<AutocastOptions>(where, options, ["enabled"]);
  return checkBool(where, "enabled", enabled);
}

/** True inside an enabled autocast region. */
export function isAutocastEnabled(): boolean {
  return active !== null;
}

/** The dtype of the innermost enabled autocast region, or null outside autocast. */
export function getAutocastDtype(): AutocastDType | null {
  return active;
}

/** Options of {@link autocast} and {@link AutocastGuard}. */
export interface AutocastOptions {
  /** `false` turns autocast off inside the region (default true). */
  enabled?: boolean;
}

function enter(dtype: AutocastDType | null): AutocastDType | null {
  const previous = active;
  active = dtype;
  if (dtype !== null) openRegions++;
  return previous;
}

function leave(dtype: AutocastDType | null, previous: AutocastDType | null): void {
  active = previous;
  if (dtype !== null && --openRegions === 0) castCache.clear();
}

/**
 * Runs `fn` with autocast in `dtype` and restores the previous state afterwards, even when `fn`
 * throws. Regions nest; the innermost one decides. `fn` must be synchronous.
 *
 * @example
 * ```ts
 * import { autocast, CrossEntropyLoss, DType, Linear, randn, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Linear(4, 3);
 * const lossFn = new CrossEntropyLoss();
 * const x = randn([2, 4]);
 * const loss = autocast(DType.BF16, () => lossFn.compute(model.forward(x), tensor([0, 2], { dtype: "i32" })));
 * assert.equal(loss.dtype, "f32");
 * loss.backward(); // gradients reach the f32 parameters
 * assert.equal(model.weight.grad!.dtype, "f32");
 * ```
 */
export function autocast<T>(dtype: DType | AutocastDType, fn: () => T, options: AutocastOptions = {}): T {
  const enabled = autocastEnabled("autocast", options);
  checkFunction("autocast", "fn", fn);
  const target = enabled ? checkDtype(dtype, "autocast") : null;
  const previous = enter(target);
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError(
        "autocast: fn returned a Promise; autocast regions are synchronous (await outside, or use AutocastGuard)",
      );
    }
    return result;
  } finally {
    leave(target, previous);
  }
}

/**
 * The guard form of {@link autocast} (the seed's RAII guard): autocast is on from construction
 * until `release()`, or the end of a `using` block.
 *
 * @example
 * ```ts
 * import { AutocastGuard, DType, Linear, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Linear(4, 3);
 * {
 *   using _guard = new AutocastGuard(DType.F16);
 *   const output = model.forward(randn([2, 4]));
 *   assert.equal(output.dtype, "f16"); // f16 matmuls
 * } // autocast restored here
 * ```
 */
export class AutocastGuard {
  readonly #dtype: AutocastDType | null;
  readonly #previous: AutocastDType | null;
  #released = false;

  /** Turns autocast on in `dtype` (f16 or bf16) until release; `enabled: false` turns it off instead. */
  constructor(dtype: DType | AutocastDType, options: AutocastOptions = {}) {
    this.#dtype = autocastEnabled("AutocastGuard", options) ? checkDtype(dtype, "AutocastGuard") : null;
    this.#previous = enter(this.#dtype);
  }

  /** Restores the state from before construction (idempotent). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    leave(this.#dtype, this.#previous);
  }

  /** Releases the guard at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Runs `fn` under a given autocast state: null for off (the backward pass), or the state a
 * checkpoint's forward ran in (its recomputation repeats it).
 */
export function withAutocastState<T>(dtype: AutocastDType | null, fn: () => T): T {
  const previous = enter(dtype);
  try {
    return fn();
  } finally {
    leave(dtype, previous);
  }
}

/** `t` cast to `dtype`, through the region's cache when `t` is a parameter-like leaf. */
export function cachedCast(t: Tensor, dtype: DType): Tensor {
  const cacheable = t.requiresGrad && t.isLeaf && active !== null;
  if (!cacheable) return t.to(dtype);
  const hit = castCache.get(t);
  // An in-place update of the parameter (an optimizer step inside the region) makes a new cast.
  if (hit !== undefined && hit.cast.dtype === dtype && hit.version === t.storage.version && !hit.cast.isDisposed) {
    return hit.cast; // (a tidy() inside the region may have disposed the cached cast)
  }
  const cast = t.to(dtype);
  castCache.set(t, { cast, version: t.storage.version });
  return cast;
}
