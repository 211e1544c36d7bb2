/**
 * CPU fused optimizer steps (zig/abi/optim.zig): flag words and hyper-parameter arrays packed
 * from typed objects by the layouts Zig declares.
 * @module
 */
import {
  AdagradFlag,
  AdagradHyper,
  AdamFlag,
  AdamHyper,
  LambApplyHyper,
  LambFlag,
  LambHyper,
  RmspropFlag,
  RmspropHyper,
  SgdFlag,
  SgdHyper,
} from "../../native/abi_generated.ts";
import { native } from "../../native/library.ts";
import type { OptimizerKernels } from "../backend.ts";
import { packFlags, packHyper } from "../layout.ts";
import { bytesOf, check, lengthOf } from "./operand.ts";

/** The CPU's optimizer family. */
export const optim: OptimizerKernels = {
  sgdStep({ param, grad, momentumBuffer }, hyper, flags, context) {
    const h = packHyper(SgdHyper, hyper);
    check(
      native.axon_sgd_step(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(grad),
        lengthOf(grad),
        bytesOf(momentumBuffer),
        lengthOf(momentumBuffer),
        h,
        h.length,
        packFlags(SgdFlag, flags),
      ),
      context,
    );
  },
  adamStep({ param, grad, expAvg, expAvgSq, maxExpAvgSq }, hyper, flags, context) {
    const h = packHyper(AdamHyper, hyper);
    check(
      native.axon_adam_step(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(grad),
        lengthOf(grad),
        bytesOf(expAvg),
        lengthOf(expAvg),
        bytesOf(expAvgSq),
        lengthOf(expAvgSq),
        bytesOf(maxExpAvgSq),
        lengthOf(maxExpAvgSq),
        h,
        h.length,
        packFlags(AdamFlag, flags),
      ),
      context,
    );
  },
  rmspropStep({ param, grad, squareAvg, momentumBuffer, gradAvg }, hyper, flags, context) {
    const h = packHyper(RmspropHyper, hyper);
    check(
      native.axon_rmsprop_step(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(grad),
        lengthOf(grad),
        bytesOf(squareAvg),
        lengthOf(squareAvg),
        bytesOf(momentumBuffer),
        lengthOf(momentumBuffer),
        bytesOf(gradAvg),
        lengthOf(gradAvg),
        h,
        h.length,
        packFlags(RmspropFlag, flags),
      ),
      context,
    );
  },
  adagradStep({ param, grad, stateSum }, hyper, flags, context) {
    const h = packHyper(AdagradHyper, hyper);
    check(
      native.axon_adagrad_step(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(grad),
        lengthOf(grad),
        bytesOf(stateSum),
        lengthOf(stateSum),
        h,
        h.length,
        packFlags(AdagradFlag, flags),
      ),
      context,
    );
  },
  lambUpdate({ param, grad, expAvg, expAvgSq, update }, hyper, flags, context) {
    const h = packHyper(LambHyper, hyper);
    check(
      native.axon_lamb_update(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(grad),
        lengthOf(grad),
        bytesOf(expAvg),
        lengthOf(expAvg),
        bytesOf(expAvgSq),
        lengthOf(expAvgSq),
        bytesOf(update),
        lengthOf(update),
        h,
        h.length,
        packFlags(LambFlag, flags),
      ),
      context,
    );
  },
  lambApply(param, update, hyper, context) {
    const h = packHyper(LambApplyHyper, hyper);
    check(
      native.axon_lamb_apply(
        param.numel,
        bytesOf(param),
        lengthOf(param),
        bytesOf(update),
        lengthOf(update),
        h,
        h.length,
      ),
      context,
    );
  },
};
