/**
 * `Normalize`: per-channel (x − mean) / std.
 * @module
 */
import { tensor } from "../../ops/creation.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkNumber } from "../../utils/check.ts";
import { describe } from "../../utils/options.ts";
import type { Transform } from "./transform.ts";

/** The checked list of per-channel values. */
function channelValues(name: string, value: unknown, positive: boolean): number[] {
  const list = typeof value === "number" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`Normalize: ${name} must be a number or a non-empty array of numbers, got ${describe(value)}`);
  }
  return list.map((v, i) => checkNumber("Normalize", `${name}[${i}]`, v, positive ? { lo: 0 } : {}));
}

/**
 * Normalises each channel c of an image `[C, H, W]`: y = (x − mean[c]) / std[c] (torchvision's
 * `Normalize`). One value applies to every channel.
 *
 * @example
 * ```ts
 * const norm = new Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
 * ```
 */
export class Normalize implements Transform {
  /** Per-channel means. */
  readonly mean: readonly number[];
  /** Per-channel standard deviations (> 0). */
  readonly std: readonly number[];

  /** Creates the transform. */
  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    this.mean = channelValues("mean", mean, false);
    this.std = channelValues("std", std, true);
    if (this.mean.length !== this.std.length) {
      throw new RangeError(`Normalize: mean has ${this.mean.length} values but std has ${this.std.length}`);
    }
  }

  /** Returns (image − mean) / std per channel (dim −3; a 2-d image is one channel). */
  apply(image: Tensor): Tensor {
    const c = image.ndim >= 3 ? image.shape[image.ndim - 3] : 1;
    const n = this.mean.length;
    if (image.ndim < 2 || (n !== 1 && n !== c)) {
      throw new RangeError(`Normalize: ${n} channel statistics for an image of shape ${formatShape(image.shape)}`);
    }
    const shape = image.ndim >= 3 ? [n, 1, 1] : [1, 1];
    const mean = tensor(Float32Array.from(this.mean), { shape });
    const std = tensor(Float32Array.from(this.std), { shape });
    return image.sub(mean).div(std);
  }
}
