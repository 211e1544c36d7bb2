/**
 * Op codes of the C ABI's kernel families, one table per family, so no op is ever dispatched by a
 * string. Generated from the Zig enums (src/native/abi.generated.ts, `tools/dev.sh abi`): adding
 * an op is its line in the kernel's enum, its kernel and its backward rule.
 * @module
 */
import type { BinaryOp, Distribution, ReduceOp, UnaryOp } from "../native/abi.generated.ts";

export { BinaryOp, Distribution, ReduceOp, UnaryOp } from "../native/abi.generated.ts";
/** Name of a unary op. */
export type UnaryOpName = keyof typeof UnaryOp;
/** Name of a binary op. */
export type BinaryOpName = keyof typeof BinaryOp;
/** Name of a reduction. */
export type ReduceOpName = keyof typeof ReduceOp;
/** Name of a random distribution. */
export type DistributionName = keyof typeof Distribution;
