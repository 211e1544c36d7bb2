/**
 * Strided copies with dtype conversion: `contiguous`, `clone`, `to(dtype)`, `copy_`.
 * @module
 */
import { check, native } from "../native/library.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { packMeta, stridedMeta } from "./meta.ts";

/** Copies `src` into `dst` element by element (same shape), converting dtype. */
export function copyStrided(dst: Tensor, src: Tensor): void {
  if (dst.shape.length !== src.shape.length || dst.shape.some((d, i) => d !== src.shape[i])) {
    throw new RangeError(
      `copy: destination shape ${formatShape(dst.shape)} differs from source shape ${formatShape(src.shape)}`,
    );
  }
  if (dst.numel === 0) return;
  const values = stridedMeta(dst.shape, [dst, src]);
  const meta = packMeta(values);
  check(
    native.axon_copy(
      dtypeInfo(dst.dtype).code,
      dtypeInfo(src.dtype).code,
      meta,
      values.length,
      dst.storage.bytes,
      dst.storage.byteLength,
      src.storage.bytes,
      src.storage.byteLength,
    ),
    `copy ${src.dtype} → ${dst.dtype}`,
  );
}
