/**
 * CPU sorting and scans (zig/abi/sort.zig).
 * @module
 */
import { ScanOp } from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import type { SortKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/** The CPU's sort family. */
export const sort: SortKernels = {
  argsort(descending, rows, n, x, idx, context) {
    check(
      native.axon_argsort(
        dtypeCode(x),
        descending ? 1 : 0,
        rows,
        n,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(idx),
        lengthOf(idx),
        idx.offset,
      ),
      context,
    );
  },
  topk(largest, sorted, rows, n, k, x, idx) {
    check(
      native.axon_topk(
        dtypeCode(x),
        largest ? 1 : 0,
        sorted ? 1 : 0,
        rows,
        n,
        k,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(idx),
        lengthOf(idx),
        idx.offset,
      ),
      "topk",
    );
  },
  scan(op, reverse, { outer, r, inner }, x, y) {
    check(
      native.axon_scan(
        ScanOp[op],
        dtypeCode(x),
        reverse ? 1 : 0,
        outer,
        r,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(y),
        lengthOf(y),
        y.offset,
      ),
      op,
    );
  },
  cumprodBackward({ outer, r, inner }, x, g, dx) {
    check(
      native.axon_cumprod_backward(
        dtypeCode(x),
        outer,
        r,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(g),
        lengthOf(g),
        g.offset,
        bytesOf(dx),
        lengthOf(dx),
        dx.offset,
      ),
      "cumprod backward",
    );
  },
};
