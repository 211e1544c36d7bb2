/**
 * `RandomHorizontalFlip`: mirror the image left–right with probability p.
 * @module
 */
import { arange } from "../../ops/creation.ts";
import { indexSelect } from "../../ops/indexing.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkNumber } from "../../utils/check.ts";
import { checkOptions } from "../../utils/options.ts";
import { drawUniforms, imageSize, type Transform } from "./transform.ts";

/** The image mirrored along its last dim (W), one native gather. */
export function hflip(image: Tensor): Tensor {
  const [, w] = imageSize("hflip", image);
  return indexSelect(image, image.ndim - 1, arange(w - 1, -1, -1, { dtype: "i32" }));
}

/**
 * Flips the image horizontally when a uniform draw u from Axon's generator is < p (torchvision's
 * `RandomHorizontalFlip`); one draw per call.
 *
 * @example
 * ```ts
 * const flip = new RandomHorizontalFlip({ p: 0.5 });
 * ```
 */
export class RandomHorizontalFlip implements Transform {
  /** Probability of a flip. */
  readonly p: number;

  /** Creates the transform (default p 0.5). */
  constructor(options: { p?: number } = {}) {
    checkOptions("RandomHorizontalFlip", options, ["p"]);
    this.p = checkNumber("RandomHorizontalFlip", "p", options.p ?? 0.5, {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    });
  }

  /** The image, flipped with probability p. */
  apply(image: Tensor): Tensor {
    imageSize("RandomHorizontalFlip", image);
    return drawUniforms(1)[0] < this.p ? hflip(image) : image.clone();
  }
}
