/**
 * The ops behind the Tensor methods added with issue 15's first op set, gathered in one module so
 * `tensor.ts` imports them in one line.
 * @module
 */
export { argsort, sort, topk } from "./sort.ts";
export type { SortOptions, TopkOptions, ValuesIndices } from "./sort.ts";
export { cumprod, cumsum } from "./cumulative.ts";
export { all, any, norm, std, variance } from "./statistics.ts";
export type { NormOrder, VarOptions } from "./statistics.ts";
export { chunk, flip, repeat, roll, split, tile, tril, triu } from "./shape_ops.ts";
export { isfinite, isinf, isnan, lerp, nanToNum, outer } from "./pointwise.ts";
export type { NanToNumOptions } from "./pointwise.ts";
export { multinomial } from "./sampling.ts";
export type { MultinomialOptions } from "./sampling.ts";
