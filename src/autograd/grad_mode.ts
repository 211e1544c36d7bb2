/**
 * Whether ops record the autograd graph: on by default, off inside {@link noGrad}.
 * @module
 */
import { describe } from "../utils/options.ts";

let enabled = true;

/** True when new ops record their backward rule. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with gradient recording off (evaluation, optimizer updates) and restores the previous
 * mode afterwards, even when `fn` throws.
 *
 * @example
 * ```ts
 * import { Linear, noGrad, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Linear(4, 3);
 * const predictions = noGrad(() => model.forward(randn([2, 4])).argmax(1));
 * assert.equal(predictions.requiresGrad, false);
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`noGrad: fn must be a function, got ${describe(fn)}`);
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** Runs `fn` with gradient recording on (inside a `noGrad` region, for instance). */
export function enableGrad<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`enableGrad: fn must be a function, got ${describe(fn)}`);
  const previous = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * The guard form of {@link noGrad}: recording is off from construction until `release()` (or the
 * end of a `using` block).
 *
 * @example
 * ```ts
 * import { Linear, NoGradGuard, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Linear(4, 3);
 * {
 *   using _guard = new NoGradGuard();
 *   const y = model.forward(randn([2, 4])); // not recorded
 *   assert.equal(y.gradFn, null);
 * }
 * ```
 */
export class NoGradGuard {
  #previous: boolean;
  #released = false;
  constructor() {
    this.#previous = enabled;
    enabled = false;
  }
  /** Restores the mode that was active at construction (idempotent). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    enabled = this.#previous;
  }
  /** Releases the guard at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }
}
