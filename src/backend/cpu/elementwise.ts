/**
 * CPU element-wise kernels: unary, binary, where, strided copy, fill, arange (zig/abi/elementwise.zig).
 * @module
 */
import { BinaryOp, UnaryOp } from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import { packMeta, stridedMeta } from "../../ops/meta.ts";
import { broadcastStrides } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import type { ElementwiseKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/**
 * The strided kernels' meta array for `operands` read over `out`'s shape (broadcast where their
 * shapes are smaller): `[ndim, shape…, off₀, strides₀…, off₁, strides₁…]`, out first.
 */
function broadcastMeta(out: Tensor, operands: readonly Tensor[]): number[] {
  const shape = out.shape;
  return stridedMeta(shape, [
    out,
    ...operands.map((t) => ({ offset: t.offset, strides: broadcastStrides(t.shape, t.strides, shape) })),
  ]);
}

/** The CPU's element-wise family. */
export const elementwise: ElementwiseKernels = {
  unary(op, n, x, out, p0, p1) {
    check(
      native.axon_unary(
        UnaryOp[op],
        dtypeCode(x),
        n,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(out),
        lengthOf(out),
        out.offset,
        p0,
        p1,
      ),
      op,
    );
  },
  binary(op, out, a, b) {
    const meta = broadcastMeta(out, [a, b]);
    check(
      native.axon_binary(
        BinaryOp[op],
        dtypeCode(a),
        packMeta(meta),
        meta.length,
        bytesOf(out),
        lengthOf(out),
        bytesOf(a),
        lengthOf(a),
        bytesOf(b),
        lengthOf(b),
      ),
      op,
    );
  },
  where(out, cond, x, y) {
    const meta = broadcastMeta(out, [cond, x, y]);
    check(
      native.axon_where(
        dtypeCode(x),
        packMeta(meta),
        meta.length,
        bytesOf(out),
        lengthOf(out),
        bytesOf(cond),
        lengthOf(cond),
        bytesOf(x),
        lengthOf(x),
        bytesOf(y),
        lengthOf(y),
      ),
      "where",
    );
  },
  copy(dst, src, context) {
    const meta = stridedMeta(dst.shape, [dst, src]);
    check(
      native.axon_copy(
        dtypeCode(dst),
        dtypeCode(src),
        packMeta(meta),
        meta.length,
        bytesOf(dst),
        lengthOf(dst),
        bytesOf(src),
        lengthOf(src),
      ),
      context,
    );
  },
  fill(n, out, value, context) {
    check(native.axon_fill(dtypeCode(out), n, bytesOf(out), lengthOf(out), out.offset, value), context);
  },
  arange(n, out, start, step) {
    check(native.axon_arange(dtypeCode(out), n, bytesOf(out), lengthOf(out), out.offset, start, step), "arange");
  },
};
