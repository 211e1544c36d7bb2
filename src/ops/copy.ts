/**
 * Strided copies with dtype conversion: `contiguous`, `clone`, `to(dtype)`, `copy_`.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** Copies `src` into `dst` element by element (same shape), converting dtype. */
export function copyStrided(dst: Tensor, src: Tensor): void {
  if (dst.shape.length !== src.shape.length || dst.shape.some((d, i) => d !== src.shape[i])) {
    throw new RangeError(
      `copy: destination shape ${formatShape(dst.shape)} differs from source shape ${formatShape(src.shape)}`,
    );
  }
  const backend = backendOf("copy", dst, src);
  if (dst.numel === 0) return;
  backend.copy(dst, src, `copy ${src.dtype} → ${dst.dtype}`);
}
