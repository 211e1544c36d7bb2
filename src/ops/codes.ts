/**
 * Op codes of the C ABI's kernel families, one table per family, so no op is ever dispatched by a
 * string. Generated from the Zig enums (src/native/abi_generated.ts, `tools/dev.sh abi`): adding
 * an op is its line in the kernel's enum, its kernel and its backward rule.
 * @module
 */
export { BinaryOp, Distribution, ReduceOp, UnaryOp } from "../native/abi_generated.ts";
export type { BinaryOpName, DistributionName, ReduceOpName, UnaryOpName } from "../backend/backend.ts";
