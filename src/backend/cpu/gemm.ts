/**
 * CPU matrix products (zig/abi/gemm.zig).
 * @module
 */
import { native } from "../../native/library.ts";
import type { GemmKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/** The CPU's GEMM family. */
export const gemm: GemmKernels = {
  gemm({ batch, m, n, k, alpha, beta, a, b, c }, context) {
    const A = a.tensor, B = b.tensor, C = c.tensor;
    check(
      native.axon_gemm(
        dtypeCode(C),
        a.trans ? 1 : 0,
        b.trans ? 1 : 0,
        batch,
        m,
        n,
        k,
        alpha,
        bytesOf(A),
        lengthOf(A),
        A.offset,
        a.ld,
        a.batchStride,
        bytesOf(B),
        lengthOf(B),
        B.offset,
        b.ld,
        b.batchStride,
        beta,
        bytesOf(C),
        lengthOf(C),
        C.offset,
        c.ld,
        c.batchStride,
      ),
      context,
    );
  },
};
