/**
 * Vision transforms (torchvision's names), applied by the datasets' `transform` option; the random
 * ones draw from Axon's seeded generator, so `manualSeed` gives the same augmentations on Deno and Bun.
 *
 * @example
 * ```ts
 * import { Compose, RandomCrop, RandomHorizontalFlip } from "./mod.ts";
 * const augment = new Compose([new RandomCrop(28, { padding: 2 }), new RandomHorizontalFlip()]);
 * ```
 * @module
 */
export type { Transform, TransformLike } from "./transform.ts";
export { Compose } from "./compose.ts";
export { Normalize } from "./normalize.ts";
export { ToTensor } from "./to_tensor.ts";
export { hflip, RandomHorizontalFlip } from "./random_horizontal_flip.ts";
export { padConstant, RandomCrop } from "./random_crop.ts";
export type { RandomCropOptions } from "./random_crop.ts";
export { RandomRotation, rotate } from "./random_rotation.ts";
export type { Interpolation, RandomRotationOptions } from "./random_rotation.ts";
