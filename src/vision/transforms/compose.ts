/**
 * `Compose`: several transforms applied in order.
 * @module
 */
import type { Tensor } from "../../tensor/tensor.ts";
import { describe } from "../../utils/options.ts";
import { toTransformFunction, type Transform, type TransformLike } from "./transform.ts";

/**
 * Applies `transforms` one after another (torchvision's `Compose`).
 *
 * @example
 * ```ts
 * import { Compose, MNIST, Normalize, RandomCrop, RandomHorizontalFlip } from "@axon/ml";
 *
 * const augment = new Compose([
 *   new RandomCrop(28, { padding: 4 }),
 *   new RandomHorizontalFlip(),
 *   new Normalize([0.1307], [0.3081]),
 * ]);
 * const train = MNIST.npmDigits(true, { transform: augment });
 * ```
 */
export class Compose implements Transform {
  /** The transforms, in order. */
  readonly transforms: readonly TransformLike[];
  readonly #functions: ((image: Tensor) => Tensor)[];

  /** Creates the composition; `transforms` may be empty (the identity). */
  constructor(transforms: readonly TransformLike[]) {
    if (!Array.isArray(transforms)) {
      throw new TypeError(`Compose: transforms must be an array of transforms, got ${describe(transforms)}`);
    }
    this.#functions = transforms.map((t, i) => toTransformFunction(`Compose: transforms[${i}]`, t));
    this.transforms = [...transforms];
  }

  /** Applies every transform in order. */
  apply(image: Tensor): Tensor {
    return this.#functions.reduce((x, f) => f(x), image);
  }
}
