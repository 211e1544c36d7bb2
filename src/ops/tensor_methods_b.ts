/**
 * The ops behind the Tensor methods of ops B (issue 15), gathered so tensor.ts imports one module.
 * @module
 */
export { indexAdd, scatter, scatterAdd } from "./scatter.ts";
export type { IndexAddOptions } from "./scatter.ts";
export { baddbmm, bmm } from "./bmm.ts";
export type { BaddbmmOptions } from "./bmm.ts";
