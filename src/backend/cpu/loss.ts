/**
 * CPU fused losses (zig/abi/loss.zig).
 * @module
 */
import { native } from "../../native/library.ts";
import type { LossKernels } from "../backend.ts";
import { bytesOf, check, lengthOf } from "./operand.ts";

/** The CPU's loss family. */
export const loss: LossKernels = {
  crossEntropy({ n, c, logits, target, weight, ignoreIndex, labelSmoothing, lse }, out) {
    check(
      native.axon_cross_entropy(
        n,
        c,
        bytesOf(logits),
        lengthOf(logits),
        logits.offset,
        bytesOf(target),
        lengthOf(target),
        target.offset,
        bytesOf(weight),
        lengthOf(weight),
        ignoreIndex,
        labelSmoothing,
        bytesOf(out),
        lengthOf(out),
        bytesOf(lse),
        lengthOf(lse),
      ),
      "CrossEntropyLoss",
    );
  },
  crossEntropyBackward({ n, c, logits, target, weight, ignoreIndex, labelSmoothing, lse }, gradLoss, dlogits) {
    check(
      native.axon_cross_entropy_backward(
        n,
        c,
        bytesOf(logits),
        lengthOf(logits),
        logits.offset,
        bytesOf(target),
        lengthOf(target),
        target.offset,
        bytesOf(weight),
        lengthOf(weight),
        ignoreIndex,
        labelSmoothing,
        bytesOf(lse),
        lengthOf(lse),
        bytesOf(gradLoss),
        lengthOf(gradLoss),
        bytesOf(dlogits),
        lengthOf(dlogits),
      ),
      "CrossEntropyLoss backward",
    );
  },
};
