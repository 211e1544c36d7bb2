/**
 * `interpolate` (PyTorch's `F.interpolate`): nearest, nearest-exact, linear and bilinear resizing
 * of `[N, C, W]` / `[N, C, H, W]`, separable per spatial dim: `indexSelect` of the source rows
 * (nearest), or two of them blended by per-position weights (linear), so autograd is the
 * index-add of the selections. Source positions follow PyTorch's CPU kernels in f32
 * (`area_pixel_compute_source_index`, `nearest_idx`), so the same pixels are picked.
 * @module
 */
import { isHalf } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt, checkNumber, checkOneOf } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { tensor } from "./creation.ts";
import { indexSelect } from "./indexing.ts";

/** Resizing modes of {@link interpolate}. */
export type InterpolateMode = "nearest" | "nearest-exact" | "linear" | "bilinear";

/** Options of {@link interpolate}: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size (output = floor(input · scaleFactor)); one or one per dim. */
  scaleFactor?: number | readonly number[] | null;
  /** `"nearest"` (default), `"nearest-exact"`, `"linear"` (3-d input) or `"bilinear"` (4-d input). */
  mode?: InterpolateMode;
  /**
   * Linear modes only: align the centres of the corner pixels (true) or their outer edges
   * (false, the default, as PyTorch).
   */
  alignCorners?: boolean | null;
  /** Compute the source positions from the output size instead of from `scaleFactor` (default false). */
  recomputeScaleFactor?: boolean | null;
}

/** The accepted keys of {@link InterpolateOptions}. */
export const INTERPOLATE_OPTIONS: readonly string[] = [
  "size",
  "scaleFactor",
  "mode",
  "alignCorners",
  "recomputeScaleFactor",
];

const f = Math.fround;

/** One value per spatial dim from a number or a list. */
function perDim(where: string, name: string, value: number | readonly number[], dims: number): number[] {
  const list = typeof value === "number" ? Array(dims).fill(value) : Array.isArray(value) ? [...value] : null;
  if (list === null || list.length !== dims) {
    throw new TypeError(
      `${where}: ${name} must be a number or ${dims} numbers (one per spatial dim), got ${describe(value)}`,
    );
  }
  return list;
}

/** PyTorch's `nearest_idx` (f32 scale; `exact` shifts to pixel centres). */
function nearestIndex(n: number, out: number, scale: number | null, exact: boolean): Int32Array {
  const index = new Int32Array(out);
  const s = scale !== null && scale > 0 ? f(1 / scale) : f(n / out);
  for (let i = 0; i < out; i++) {
    if (!exact && out === n) index[i] = i;
    else if (!exact && out === 2 * n) index[i] = i >> 1;
    else index[i] = Math.min(Math.floor(f((exact ? i + 0.5 : i) * s)), n - 1);
  }
  return index;
}

/** PyTorch's linear source indices and weights (`compute_indices_weights_linear`, f32). */
function linearIndex(n: number, out: number, scale: number | null, alignCorners: boolean) {
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  const w0 = new Float32Array(out);
  const w1 = new Float32Array(out);
  const s = alignCorners
    ? (out > 1 ? f((n - 1) / (out - 1)) : 0)
    : scale !== null && scale > 0
    ? f(1 / scale)
    : f(n / out);
  for (let i = 0; i < out; i++) {
    const real = alignCorners ? f(s * i) : Math.max(f(f(s * f(i + 0.5)) - 0.5), 0);
    const lo = Math.floor(real);
    const l1 = Math.min(Math.max(f(real - lo), 0), 1);
    i0[i] = lo;
    i1[i] = lo + (lo < n - 1 ? 1 : 0);
    w1[i] = l1;
    w0[i] = f(1 - l1);
  }
  return { i0, i1, w0, w1 };
}

/**
 * Resizes the spatial dims of `x` (`[N, C, W]` or `[N, C, H, W]`), PyTorch's
 * `torch.nn.functional.interpolate`: give `size` or `scaleFactor`. `"nearest"` copies the pixel at
 * `floor(i · in/out)` (PyTorch's legacy rule), `"nearest-exact"` the one at `floor((i + ½) · in/out)`;
 * `"linear"`/`"bilinear"` blend the two (four) nearest pixels, with `alignCorners` choosing how
 * positions map. With `scaleFactor` the source positions use `1/scaleFactor` (as PyTorch, unless
 * `recomputeScaleFactor`). f32, or f16/bf16 computed in f32 and rounded once.
 *
 * @example
 * ```ts
 * import { arange, interpolate } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const x = arange(4).to("f32").reshape(1, 1, 2, 2);
 * assert.deepEqual(interpolate(x, { scaleFactor: 2 }).shape, [1, 1, 4, 4]);
 * const y = interpolate(x, { size: [3, 3], mode: "bilinear", alignCorners: true }).toList() as number[][][][];
 * assert.deepEqual([y[0][0][0][0], y[0][0][2][2]], [0, 3]); // corners kept
 * ```
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  checkTensor("interpolate", "input", x);
  const o = checkOptions<InterpolateOptions>("interpolate", options, INTERPOLATE_OPTIONS);
  const mode = checkOneOf("interpolate", "mode", o.mode ?? "nearest", [
    "nearest",
    "nearest-exact",
    "linear",
    "bilinear",
  ]);
  const linear = mode === "linear" || mode === "bilinear";
  const spatial = x.ndim - 2;
  if (spatial < 1 || spatial > 2 || (mode === "linear" && spatial !== 1) || (mode === "bilinear" && spatial !== 2)) {
    throw new RangeError(
      `interpolate: mode "${mode}" expects ${
        mode === "linear" ? "3-d [N, C, W]" : mode === "bilinear" ? "4-d [N, C, H, W]" : "3-d or 4-d"
      } input, got shape ${formatShape(x.shape)}`,
    );
  }
  if (o.alignCorners !== undefined && o.alignCorners !== null) {
    checkBool("interpolate", "alignCorners", o.alignCorners);
    if (!linear) {
      throw new RangeError(
        `interpolate: alignCorners can only be set with the interpolating modes linear and bilinear, not "${mode}"`,
      );
    }
  }
  const alignCorners = o.alignCorners ?? false;
  const hasSize = o.size !== undefined && o.size !== null;
  const hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw new RangeError("interpolate: options must give exactly one of size and scaleFactor");
  }
  const inSizes = x.shape.slice(2);
  let outSizes: number[];
  let scales: (number | null)[] = inSizes.map(() => null);
  if (hasSize) {
    outSizes = perDim("interpolate", "size", o.size!, spatial);
    outSizes.forEach((s) => checkInt("interpolate", "size", s, { min: 1 }));
  } else {
    const factors = perDim("interpolate", "scaleFactor", o.scaleFactor!, spatial);
    factors.forEach((s) => checkNumber("interpolate", "scaleFactor", s, { lo: 0 }));
    outSizes = inSizes.map((n, i) => Math.floor(n * factors[i]));
    if (outSizes.some((s) => s < 1)) {
      throw new RangeError(
        `interpolate: scaleFactor ${String(o.scaleFactor)} gives an empty output for input of shape ${
          formatShape(x.shape)
        }`,
      );
    }
    const recompute = o.recomputeScaleFactor ?? false;
    checkBool("interpolate", "recomputeScaleFactor", recompute);
    if (!recompute) scales = factors;
  }
  if (isHalf(x.dtype)) return interpolate(x.to("f32"), options).to(x.dtype); // computed in f32, rounded once
  if (x.dtype !== "f32") throw new TypeError(`interpolate: expected an f32, f16 or bf16 tensor, got ${x.dtype}`);
  if (inSizes.some((n) => n === 0)) {
    throw new RangeError(`interpolate: input of shape ${formatShape(x.shape)} has an empty spatial dim`);
  }
  let out = x;
  for (let i = 0; i < spatial; i++) {
    const d = 2 + i;
    const [n, size, scale] = [inSizes[i], outSizes[i], scales[i]];
    if (!linear) {
      out = indexSelect(out, d, tensor(nearestIndex(n, size, scale, mode === "nearest-exact")));
      continue;
    }
    const { i0, i1, w0, w1 } = linearIndex(n, size, scale, alignCorners);
    const shape = Array(x.ndim).fill(1);
    shape[d] = size;
    const a = indexSelect(out, d, tensor(i0)).mul(tensor(w0, { shape }));
    out = a.add(indexSelect(out, d, tensor(i1)).mul(tensor(w1, { shape })));
  }
  return out;
}
