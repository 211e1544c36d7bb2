/**
 * CPU counter-based random numbers (zig/abi/rng.zig).
 * @module
 */
import { Distribution } from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import type { RngKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

/** The CPU's random-number family. */
export const rng: RngKernels = {
  rng(distribution, n, out, seed, counter, p0, p1) {
    check(
      native.axon_rng(
        Distribution[distribution],
        dtypeCode(out),
        n,
        bytesOf(out),
        lengthOf(out),
        out.offset,
        seed,
        counter,
        p0,
        p1,
      ),
      distribution,
    );
  },
};
