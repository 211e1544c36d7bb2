/**
 * CPU reductions and softmax (zig/abi/reduce.zig).
 * @module
 */
import { ReduceOp } from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import type { ReduceKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/** The CPU's reduction family. */
export const reduce: ReduceKernels = {
  reduce(op, { outer, r, inner }, x, out) {
    check(
      native.axon_reduce(
        ReduceOp[op],
        dtypeCode(x),
        outer,
        r,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(out),
        lengthOf(out),
        out.offset,
      ),
      op,
    );
  },
  softmax(log, { outer, r, inner }, x, out, context) {
    check(
      native.axon_softmax(
        log ? 1 : 0,
        dtypeCode(x),
        outer,
        r,
        inner,
        bytesOf(x),
        lengthOf(x),
        x.offset,
        bytesOf(out),
        lengthOf(out),
        out.offset,
      ),
      context,
    );
  },
};
