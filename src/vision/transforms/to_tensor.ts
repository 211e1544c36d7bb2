/**
 * `ToTensor`: u8 pixels `[H, W]` / `[H, W, C]` → f32 `[C, H, W]` in [0, 1].
 * @module
 */
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import type { Transform } from "./transform.ts";

/**
 * Converts u8 pixels, `[H, W]` (grey) or `[H, W, C]` (channels last, as image files decode), to
 * f32 `[C, H, W]` scaled to [0, 1] by 1/255 (torchvision's `ToTensor` on a uint8 array). The MNIST
 * readers already give f32 `[1, 28, 28]` in [0, 1] and need no ToTensor.
 *
 * @example
 * ```ts
 * import { tensor, ToTensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const image = new ToTensor().apply(tensor(new Uint8Array([0, 255, 51, 102]), { shape: [2, 2] }));
 * assert.deepEqual(image.shape, [1, 2, 2]); // 0, 1, 0.2, 0.4
 * ```
 */
export class ToTensor implements Transform {
  /** Returns the scaled f32 image `[C, H, W]`. */
  apply(image: Tensor): Tensor {
    if (image.dtype !== "u8") {
      throw new TypeError(
        `ToTensor: expected u8 pixels, got ${image.dtype} (f32 images are already tensors in [0, 1])`,
      );
    }
    if (image.ndim === 2) return image.to("f32").div(255).unsqueeze(0);
    if (image.ndim === 3) return image.permute([2, 0, 1]).to("f32").div(255).contiguous();
    throw new RangeError(`ToTensor: expected u8 pixels [H, W] or [H, W, C], got shape ${formatShape(image.shape)}`);
  }
}
