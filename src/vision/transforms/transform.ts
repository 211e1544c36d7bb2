/**
 * The transform contract of the vision datasets: an object with `apply(image)` or a plain
 * function, and the seeded uniform draws the random transforms share.
 * @module
 */
import { rand } from "../../ops/random.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { formatShape } from "../../tensor/shape.ts";
import { describe } from "../../utils/options.ts";

/** An image transform: `apply` maps one image `[C, H, W]` (or `[H, W]`) to the transformed one. */
export interface Transform {
  /** Returns the transformed image (a new tensor; the input is not modified). */
  apply(image: Tensor): Tensor;
}

/** A {@link Transform} object or a plain function of the image. */
export type TransformLike = Transform | ((image: Tensor) => Tensor);

/** Throws unless `value` is a transform object or a function; returns it as a function. */
export function toTransformFunction(where: string, value: unknown): (image: Tensor) => Tensor {
  if (typeof value === "function") return value as (image: Tensor) => Tensor;
  if (value !== null && typeof value === "object" && typeof (value as Transform).apply === "function") {
    const t = value as Transform;
    return (image) => t.apply(image);
  }
  throw new TypeError(
    `${where}: a transform must be an object with apply(image) (e.g. new RandomCrop(28)) or a function, got ${
      describe(value)
    }`,
  );
}

/**
 * `n` uniforms in `[0, 1)` from Axon's global Philox generator (advancing it): the only source of
 * randomness of the random transforms, so `manualSeed` fixes the augmentations and Deno and Bun
 * draw the same ones. Each transform draws a fixed count per call, whatever it decides.
 */
export function drawUniforms(n: number): Float32Array {
  return rand([n]).toArray() as Float32Array;
}

/** Throws unless `image` has at least two dims (…, H, W); returns [H, W]. */
export function imageSize(where: string, image: Tensor): [number, number] {
  if (image.ndim < 2) {
    throw new RangeError(`${where}: expected an image [C, H, W] or [H, W], got shape ${formatShape(image.shape)}`);
  }
  return [image.shape[image.ndim - 2], image.shape[image.ndim - 1]];
}
