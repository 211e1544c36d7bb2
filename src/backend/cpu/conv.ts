/**
 * CPU convolution and pooling (zig/abi/conv.zig); meta arrays laid out as Zig declares them.
 * @module
 */
import {
  AdaptivePool2dMeta,
  Conv2dBackwardMeta,
  Conv2dMeta,
  Im2colMeta,
  Pool2dMeta,
  PoolKind,
} from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import type { ConvKernels, PoolWindow2d } from "../backend.ts";
import { packLayoutMeta } from "../layout.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

function poolMeta(window: PoolWindow2d, xOff: number): BigInt64Array {
  return packLayoutMeta(Pool2dMeta, {
    ...window,
    ceilMode: window.ceilMode ? 1 : 0,
    countIncludePad: window.countIncludePad ? 1 : 0,
    xOff,
  });
}

/** The CPU's convolution and pooling family. */
export const conv: ConvKernels = {
  im2col(window, x, cols) {
    const meta = packLayoutMeta(Im2colMeta, { ...window, xOff: x.offset, colsOff: cols.offset });
    check(
      native.axon_im2col(dtypeCode(x), meta, meta.length, bytesOf(x), lengthOf(x), bytesOf(cols), lengthOf(cols)),
      "im2col",
    );
  },
  col2im(window, cols, x) {
    const meta = packLayoutMeta(Im2colMeta, { ...window, xOff: x.offset, colsOff: cols.offset });
    check(
      native.axon_col2im(dtypeCode(x), meta, meta.length, bytesOf(cols), lengthOf(cols), bytesOf(x), lengthOf(x)),
      "col2im",
    );
  },
  conv2d(window, oc, x, weight, bias, y) {
    const meta = packLayoutMeta(Conv2dMeta, {
      ...window,
      oc,
      xOff: x.offset,
      wOff: weight.offset,
      biasOff: bias?.offset ?? 0,
    });
    check(
      native.axon_conv2d(
        meta,
        meta.length,
        bytesOf(x),
        lengthOf(x),
        bytesOf(weight),
        lengthOf(weight),
        bytesOf(bias),
        lengthOf(bias),
        bytesOf(y),
        lengthOf(y),
      ),
      "conv2d",
    );
  },
  conv2dBackward(window, oc, x, weight, dy, { dx, dw, db }) {
    const meta = packLayoutMeta(Conv2dBackwardMeta, {
      ...window,
      oc,
      xOff: x.offset,
      wOff: weight.offset,
      dyOff: dy.offset,
    });
    check(
      native.axon_conv2d_backward(
        meta,
        meta.length,
        bytesOf(x),
        lengthOf(x),
        bytesOf(weight),
        lengthOf(weight),
        bytesOf(dy),
        lengthOf(dy),
        bytesOf(dx),
        lengthOf(dx),
        bytesOf(dw),
        lengthOf(dw),
        bytesOf(db),
        lengthOf(db),
      ),
      "conv2d backward",
    );
  },
  pool2d(kind, window, x, out, indices, context) {
    const meta = poolMeta(window, x.offset);
    check(
      native.axon_pool2d(
        PoolKind[kind],
        meta,
        meta.length,
        bytesOf(x),
        lengthOf(x),
        bytesOf(out),
        lengthOf(out),
        bytesOf(indices),
        lengthOf(indices),
      ),
      context,
    );
  },
  pool2dBackward(kind, window, dy, indices, dx, context) {
    const meta = poolMeta(window, 0); // dy is read from element 0
    check(
      native.axon_pool2d_backward(
        PoolKind[kind],
        meta,
        meta.length,
        bytesOf(dy),
        lengthOf(dy),
        bytesOf(indices),
        lengthOf(indices),
        bytesOf(dx),
        lengthOf(dx),
      ),
      context,
    );
  },
  adaptiveAvgPool2d(backward, geometry, src, dst) {
    const meta = packLayoutMeta(AdaptivePool2dMeta, geometry);
    check(
      native.axon_adaptive_avg_pool2d(
        backward ? 1 : 0,
        meta,
        meta.length,
        bytesOf(src),
        lengthOf(src),
        bytesOf(dst),
        lengthOf(dst),
      ),
      backward ? "adaptiveAvgPool2d backward" : "adaptiveAvgPool2d",
    );
  },
};
