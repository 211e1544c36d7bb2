/**
 * `F`: Axon's `torch.nn.functional`, one namespace of stateless functions (`F.relu`,
 * `F.crossEntropy`, `F.conv2d`, `F.scaledDotProductAttention` …), one file per family.
 *
 * @example
 * ```ts
 * import { F, randn, tensor } from "@axon/ml";
 * const logits = F.linear(F.gelu(randn(8, 16)), randn(4, 16));
 * const loss = F.crossEntropy(logits, tensor([0, 1, 2, 3, 0, 1, 2, 3]));
 * ```
 * @module
 */
export * from "./activation.ts";
export * from "./loss.ts";
export * from "./conv.ts";
export * from "./shape.ts";
export * from "./normalization.ts";
export * from "./sparse.ts";
export * from "./dropout.ts";
export * from "./attention.ts";
export { elu, hardswish, mish, prelu, softplus } from "./activations_extra.ts";
export { groupNorm, instanceNorm, rmsNorm } from "./normalization_extra.ts";
export type {
  GroupNormFunctionOptions,
  InstanceNormFunctionOptions,
  RMSNormFunctionOptions,
} from "./normalization_extra.ts";
