/**
 * CPU mixed-precision helpers (zig/abi/amp.zig).
 * @module
 */
import { native } from "../../native/library.ts";
import type { AmpKernels } from "../backend.ts";
import { bytesOf, check, dtypeCode, lengthOf } from "./operand.ts";

const found = new Uint8Array(1);

/** The CPU's mixed-precision family. */
export const amp: AmpKernels = {
  ampUnscale(n, x, invScale, context) {
    found[0] = 0;
    check(native.axon_amp_unscale(dtypeCode(x), n, bytesOf(x), lengthOf(x), x.offset, invScale, found, 1), context);
    return found[0] !== 0;
  },
};
