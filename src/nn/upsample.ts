/**
 * `Upsample` (PyTorch's `nn.Upsample`): a module over `interpolate`.
 * @module
 */
import { interpolate, INTERPOLATE_OPTIONS, type InterpolateOptions } from "../ops/interpolate.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkOneOf } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";
import { Module } from "./module.ts";
import { pyValue } from "./repr.ts";

/**
 * Resizes `[N, C, W]` / `[N, C, H, W]` inputs to `size` or by `scaleFactor` with `"nearest"`
 * (default), `"nearest-exact"`, `"linear"` or `"bilinear"` (see `interpolate`).
 *
 * @example
 * ```ts
 * import { randn, Upsample } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const up = new Upsample({ scaleFactor: 2, mode: "bilinear" });
 * assert.deepEqual(up.forward(randn(1, 3, 8, 8)).shape, [1, 3, 16, 16]);
 * ```
 */
export class Upsample extends Module {
  /** The options passed to `interpolate` on every call. */
  readonly options: InterpolateOptions;
  /** Creates the layer: give `size` or `scaleFactor`. */
  constructor(options: InterpolateOptions) {
    super();
    const o = checkOptions<InterpolateOptions>("Upsample", options, INTERPOLATE_OPTIONS);
    const hasSize = o.size !== undefined && o.size !== null;
    const hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
    if (hasSize === hasScale) throw new RangeError("Upsample: options must give exactly one of size and scaleFactor");
    if (o.mode !== undefined) {
      checkOneOf("Upsample", "mode", o.mode, ["nearest", "nearest-exact", "linear", "bilinear"]);
    }
    this.options = { ...o };
  }
  /** PyTorch's description: `scale_factor=2.0, mode='bilinear'` (or `size=…`). */
  override extraRepr(): string {
    const { size, scaleFactor, mode = "nearest" } = this.options;
    const what = scaleFactor != null ? `scale_factor=${pyValue(scaleFactor, true)}` : `size=${pyValue(size)}`;
    return `${what}, mode=${pyValue(mode)}`;
  }

  /** Applies the layer: `interpolate(input, options)`. */
  forward(input: Tensor): Tensor {
    return interpolate(input, this.options);
  }
}
