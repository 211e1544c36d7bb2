/**
 * `RandomRotation` and `rotate`: rotation about the image centre, nearest or bilinear sampling.
 * @module
 */
import { noGrad } from "../../autograd/grad_mode.ts";
import { arange } from "../../ops/creation.ts";
import { indexSelect } from "../../ops/indexing.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkNumber, checkOneOf } from "../../utils/check.ts";
import { checkOptions, describe } from "../../utils/options.ts";
import { drawUniforms, imageSize, type Transform } from "./transform.ts";

/** How {@link rotate} samples the source image. */
export type Interpolation = "nearest" | "bilinear";

/**
 * The image rotated by `angle` degrees counter-clockwise about its centre ((W − 1)/2, (H − 1)/2),
 * same size, pixels from outside the source set to `fill` (torchvision's `rotate` with
 * `expand=False`, which samples its affine grid with `grid_sample`). Output pixel (x, y) reads the
 * source at c + R(−θ)·((x, y) − c) with y pointing down; `nearest` rounds half to even, `bilinear`
 * weighs the four neighbours (those outside count as `fill`). Composed from tensor ops: the
 * coordinates are f32 tensors and each neighbour is one native gather.
 *
 * @example
 * ```ts
 * import { rand, rotate } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const image = rand(1, 28, 28);
 * const turned = rotate(image, 90); // [C, H, W] → [C, H, W]
 * const smooth = rotate(image, 12.5, "bilinear");
 * assert.deepEqual([turned.shape, smooth.shape], [[1, 28, 28], [1, 28, 28]]);
 * ```
 */
export function rotate(image: Tensor, angle: number, interpolation: Interpolation = "nearest", fill = 0): Tensor {
  const [h, w] = imageSize("rotate", image);
  checkNumber("rotate", "angle", angle);
  checkOneOf("rotate", "interpolation", interpolation, ["nearest", "bilinear"]);
  checkNumber("rotate", "fill", fill);
  return noGrad(() => {
    const theta = (angle * Math.PI) / 180;
    const a = Math.cos(theta), b = Math.sin(theta);
    // torchvision's arithmetic, in f32: pixel-centre offsets, the inverse rotation scaled into
    // grid_sample's [-1, 1] coordinates, then grid_sample's unnormalisation ((g + 1)·W − 1)/2. The
    // same rounding steps make ties of "nearest" (a source exactly between two pixels) fall the
    // same way as in PyTorch.
    const xo = arange(0, w).to("f32").add(-w * 0.5 + 0.5).reshape([1, w]);
    const yo = arange(0, h).to("f32").add(-h * 0.5 + 0.5).reshape([h, 1]);
    const gx = xo.mul(a / (0.5 * w)).add(yo.mul(-b / (0.5 * w)));
    const gy = xo.mul(b / (0.5 * h)).add(yo.mul(a / (0.5 * h)));
    const xs = gx.add(1).mul(w).sub(1).div(2).reshape([h * w]); // source column of each output pixel
    const ys = gy.add(1).mul(h).sub(1).div(2).reshape([h * w]); // source row
    const lead = image.shape.slice(0, image.ndim - 2);
    const flat = image.to("f32").reshape([...lead, h * w]);
    const dim = flat.ndim - 1;
    /** Source pixels at integer coordinates (ix, iy), `fill` where outside. */
    const sample = (ix: Tensor, iy: Tensor): Tensor => {
      const inside = ix.ge(0).mul(ix.le(w - 1)).mul(iy.ge(0)).mul(iy.le(h - 1));
      const index = iy.clamp(0, h - 1).mul(w).add(ix.clamp(0, w - 1)).to("i32");
      return indexSelect(flat, dim, index).where(inside, fill);
    };
    let out: Tensor;
    if (interpolation === "nearest") {
      out = sample(xs.round(), ys.round());
    } else {
      const x0 = xs.floor(), y0 = ys.floor();
      const wx = xs.sub(x0), wy = ys.sub(y0);
      const x1 = x0.add(1), y1 = y0.add(1);
      out = sample(x0, y0).mul(wx.neg().add(1).mul(wy.neg().add(1)))
        .add(sample(x1, y0).mul(wx.mul(wy.neg().add(1))))
        .add(sample(x0, y1).mul(wx.neg().add(1).mul(wy)))
        .add(sample(x1, y1).mul(wx.mul(wy)));
    }
    out = out.reshape(image.shape as number[]);
    return image.dtype === "f32" ? out : out.to(image.dtype);
  });
}

/** Options of {@link RandomRotation}. */
export interface RandomRotationOptions {
  /** `"nearest"` (default, as torchvision) or `"bilinear"`. */
  interpolation?: Interpolation;
  /** Value of pixels rotated in from outside (default 0). */
  fill?: number;
}

/**
 * Rotates by an angle drawn uniformly from `degrees` (torchvision's `RandomRotation`): a number d
 * means [−d, d], a pair [min, max]. The angle is min + u·(max − min) for one uniform u from Axon's
 * generator (one draw per call). See {@link rotate}.
 *
 * @example
 * ```ts
 * const spin = new RandomRotation(15, { interpolation: "bilinear" });
 * ```
 */
export class RandomRotation implements Transform {
  /** The angle range [min, max] in degrees. */
  readonly degrees: [number, number];
  /** Sampling of the source. */
  readonly interpolation: Interpolation;
  /** Value of pixels from outside. */
  readonly fill: number;

  /** Creates the transform. */
  constructor(degrees: number | readonly [number, number], options: RandomRotationOptions = {}) {
    if (typeof degrees === "number") {
      const d = checkNumber("RandomRotation", "degrees", degrees, { lo: 0, loInclusive: true });
      this.degrees = [-d, d];
    } else if (Array.isArray(degrees) && degrees.length === 2) {
      const lo = checkNumber("RandomRotation", "degrees[0]", degrees[0]);
      const hi = checkNumber("RandomRotation", "degrees[1]", degrees[1]);
      if (lo > hi) throw new RangeError(`RandomRotation: degrees [${lo}, ${hi}] must have min <= max`);
      this.degrees = [lo, hi];
    } else {
      throw new TypeError(`RandomRotation: degrees must be a number >= 0 or [min, max], got ${describe(degrees)}`);
    }
    checkOptions("RandomRotation", options, ["interpolation", "fill"]);
    this.interpolation = checkOneOf("RandomRotation", "interpolation", options.interpolation ?? "nearest", [
      "nearest",
      "bilinear",
    ]);
    this.fill = checkNumber("RandomRotation", "fill", options.fill ?? 0);
  }

  /** The image rotated by a random angle from `degrees`. */
  apply(image: Tensor): Tensor {
    imageSize("RandomRotation", image);
    const [lo, hi] = this.degrees;
    const angle = lo + drawUniforms(1)[0] * (hi - lo);
    return rotate(image, angle, this.interpolation, this.fill);
  }
}
