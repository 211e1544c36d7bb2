/**
 * Op codes of the C ABI's kernel families (`zig/ABI.md`), one table per family, so no op is ever
 * dispatched by a string.
 * @module
 */

/** `axon_unary` op codes. */
export const UnaryOp = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  abs: 5,
  tanh: 6,
  sigmoid: 7,
  relu: 8,
  clamp: 9,
  powScalar: 10,
  reciprocal: 11,
  square: 12,
  sign: 13,
  gelu: 14,
  geluTanh: 15,
  leakyRelu: 16,
  log1p: 17,
  expm1: 18,
  sin: 19,
  cos: 20,
  floor: 21,
  ceil: 22,
  round: 23,
  mulScalar: 24,
  addScalar: 25,
} as const;
/** Name of a unary op. */
export type UnaryOpName = keyof typeof UnaryOp;

/** `axon_binary` op codes. */
export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  lt: 9,
  le: 10,
  gt: 11,
  ge: 12,
  reluBackward: 13,
  geluBackward: 14,
  geluTanhBackward: 15,
  sigmoidBackward: 16,
  tanhBackward: 17,
} as const;
/** Name of a binary op. */
export type BinaryOpName = keyof typeof BinaryOp;

/** `axon_reduce` op codes. */
export const ReduceOp = {
  sum: 0,
  mean: 1,
  max: 2,
  min: 3,
  argmax: 4,
  argmin: 5,
  prod: 6,
  sumOfSquares: 7,
} as const;
/** Name of a reduction. */
export type ReduceOpName = keyof typeof ReduceOp;

/** `axon_rng` distributions. */
export const Distribution = { uniform: 0, normal: 1, bernoulli: 2 } as const;
