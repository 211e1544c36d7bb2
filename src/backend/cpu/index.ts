/**
 * CPU index selection, gathers, scatter-adds and background gathers (zig/abi/index.zig,
 * zig/abi/prefetch.zig).
 * @module
 */
import { native } from "../../native/library.ts";
import type { IndexKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/** Status the library returns when every prefetch slot is taken (zig/status.zig `busy`). */
const BUSY = -6;

/** The CPU's index family. */
export const index: IndexKernels = {
  indexSelect({ outer, dim, inner, count }, x, idx, out) {
    check(
      native.axon_index_select(
        dtypeCode(x),
        outer,
        dim,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(idx),
        lengthOf(idx),
        count,
        bytesOf(out),
        lengthOf(out),
      ),
      "indexSelect",
    );
  },
  indexAdd({ outer, dim, inner, count }, dx, idx, src, context = "indexSelect backward") {
    check(
      native.axon_index_add(
        dtypeCode(dx),
        outer,
        dim,
        inner,
        bytesOf(dx),
        lengthOf(dx),
        bytesOf(idx),
        lengthOf(idx),
        count,
        bytesOf(src),
        lengthOf(src),
      ),
      context,
    );
  },
  gather({ outer, dim, inner, count }, x, idx, out) {
    check(
      native.axon_gather(
        dtypeCode(x),
        outer,
        dim,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(idx),
        lengthOf(idx),
        count,
        bytesOf(out),
        lengthOf(out),
      ),
      "gather",
    );
  },
  scatterAdd({ outer, dim, inner, count }, dx, idx, src, context = "gather backward") {
    check(
      native.axon_scatter_add(
        dtypeCode(dx),
        outer,
        dim,
        inner,
        bytesOf(dx),
        lengthOf(dx),
        bytesOf(idx),
        lengthOf(idx),
        count,
        bytesOf(src),
        lengthOf(src),
      ),
      context,
    );
  },
  indexSelectAsync({ outer, dim, inner, count }, x, idx, out) {
    const slot = native.axon_index_select_async(
      dtypeCode(x),
      outer,
      dim,
      inner,
      bytesOf(x),
      lengthOf(x),
      x.offset,
      bytesOf(idx),
      lengthOf(idx),
      count,
      bytesOf(out),
      lengthOf(out),
    );
    if (slot === BUSY) return null;
    return check(slot, "prefetched gather");
  },
  asyncWait(slot, context) {
    check(native.axon_async_wait(slot), context);
  },
  asyncDiscard(slot) {
    native.axon_async_wait(slot);
  },
};
