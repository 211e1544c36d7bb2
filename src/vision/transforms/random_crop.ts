/**
 * `RandomCrop`: a random window of the (optionally padded) image.
 * @module
 */
import { noGrad } from "../../autograd/grad_mode.ts";
import { full } from "../../ops/creation.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkBool, checkInt, checkNumber } from "../../utils/check.ts";
import { checkOptions, describe } from "../../utils/options.ts";
import { drawUniforms, imageSize, type Transform } from "./transform.ts";

/** Options of {@link RandomCrop} (torchvision's, constant padding only). */
export interface RandomCropOptions {
  /** Border added before cropping: one size for all sides, `[leftRight, topBottom]` or `[left, top, right, bottom]`. */
  padding?: number | readonly number[];
  /** Pad an image smaller than the crop up to its size (default false). */
  padIfNeeded?: boolean;
  /** Value of the padded pixels (default 0). */
  fill?: number;
}

/** Padding as [left, top, right, bottom]. */
function sides(value: unknown): [number, number, number, number] {
  const list = typeof value === "number" ? [value] : value;
  if (!Array.isArray(list) || ![1, 2, 4].includes(list.length)) {
    throw new TypeError(
      `RandomCrop: padding must be a size, [leftRight, topBottom] or [left, top, right, bottom], got ${
        describe(value)
      }`,
    );
  }
  const p = list.map((v, i) => checkInt("RandomCrop", `padding[${i}]`, v, { min: 0 }));
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  return [p[0], p[1], p[2], p[3]];
}

/** `image` with `fill`-valued borders [left, top, right, bottom] on its last two dims. */
export function padConstant(image: Tensor, [left, top, right, bottom]: readonly number[], fill = 0): Tensor {
  const [h, w] = imageSize("pad", image);
  if (left + top + right + bottom === 0) return image.clone();
  return noGrad(() => {
    const lead = image.shape.slice(0, image.ndim - 2);
    const out = full([...lead, h + top + bottom, w + left + right], fill, { dtype: image.dtype });
    out.narrow(image.ndim - 2, top, h).narrow(image.ndim - 1, left, w).copy_(image);
    return out;
  });
}

/**
 * Crops a random `size` window (torchvision's `RandomCrop`), after adding `padding` (constant
 * `fill`) and, with `padIfNeeded`, enough padding to fit the crop. The window's top-left corner
 * is (⌊u₀·(H − h + 1)⌋, ⌊u₁·(W − w + 1)⌋) for two uniforms from Axon's generator (two draws per call).
 *
 * @example
 * ```ts
 * const crop = new RandomCrop(32, { padding: 4 }); // CIFAR's augmentation
 * ```
 */
export class RandomCrop implements Transform {
  /** Crop height and width. */
  readonly size: [number, number];
  /** Padding [left, top, right, bottom]. */
  readonly padding: [number, number, number, number];
  /** Whether small images are padded up to the crop size. */
  readonly padIfNeeded: boolean;
  /** Value of padded pixels. */
  readonly fill: number;

  /** Creates the transform; `size` is one side (square) or `[height, width]`. */
  constructor(size: number | readonly [number, number], options: RandomCropOptions = {}) {
    const s = typeof size === "number" ? [size, size] : size;
    if (!Array.isArray(s) || s.length !== 2) {
      throw new TypeError(`RandomCrop: size must be a size or [height, width], got ${describe(size)}`);
    }
    this.size = [
      checkInt("RandomCrop", "size[0]", s[0], { min: 1 }),
      checkInt("RandomCrop", "size[1]", s[1], { min: 1 }),
    ];
    checkOptions("RandomCrop", options, ["padding", "padIfNeeded", "fill"]);
    this.padding = sides(options.padding ?? 0);
    this.padIfNeeded = checkBool("RandomCrop", "padIfNeeded", options.padIfNeeded ?? false);
    this.fill = checkNumber("RandomCrop", "fill", options.fill ?? 0);
  }

  /** A random `size` window of the padded image. */
  apply(image: Tensor): Tensor {
    let x = padConstant(image, this.padding, this.fill);
    let [h, w] = imageSize("RandomCrop", x);
    const [th, tw] = this.size;
    if (this.padIfNeeded && (h < th || w < tw)) {
      const dw = Math.max(0, tw - w), dh = Math.max(0, th - h);
      x = padConstant(x, [dw, dh, dw, dh], this.fill);
      [h, w] = imageSize("RandomCrop", x);
    }
    if (h < th || w < tw) {
      throw new RangeError(
        `RandomCrop: crop size [${th}, ${tw}] is larger than the (padded) image ${
          formatShape(x.shape)
        }; pass padIfNeeded: true`,
      );
    }
    const [u0, u1] = drawUniforms(2);
    const i = Math.floor(u0 * (h - th + 1)), j = Math.floor(u1 * (w - tw + 1));
    return x.narrow(x.ndim - 2, i, th).narrow(x.ndim - 1, j, tw).contiguous();
  }
}
