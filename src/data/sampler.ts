/**
 * Seeded, reproducible permutations for shuffling: Fisher–Yates driven by Philox uniforms drawn
 * natively from an explicit `(seed, counter)` — the global generator's position is left untouched —
 * so the same seed gives the same order on Deno and Bun and for any thread count.
 * @module
 */
import { getRngState, rand, setRngState } from "../ops/random.ts";
import { describe } from "../utils/options.ts";

const MASK_64 = (1n << 64n) - 1n;
const TWO_24 = 16777216;
const TWO_48 = TWO_24 * TWO_24;

/** Counter blocks reserved per epoch: epoch `e` draws from Philox counter `e · 2³²`. */
export const EPOCH_COUNTER_STRIDE = 1n << 32n;

/**
 * `n` uniform f32 samples in `[0, 1)` from the Philox stream `(seed, counter)`, exactly as
 * `manualSeed(seed); rand([n])` would give for counter 0. The global generator state is saved
 * and restored around the draw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const u = philoxUniforms(8, 42n, 0n); // Float32Array(8), each a multiple of 2⁻²⁴
 * assert.ok(u.every((v: number) => v >= 0 && v < 1 && Number.isInteger(v * 2 ** 24)));
 * ```
 */
export function philoxUniforms(n: number, seed: bigint, counter: bigint): Float32Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`philoxUniforms: n must be a non-negative integer, got ${n}`);
  }
  if (n === 0) return new Float32Array(0);
  const saved = getRngState();
  try {
    setRngState({ seed: seed & MASK_64, counter: counter & MASK_64 });
    return rand([n]).toArray() as Float32Array;
  } finally {
    setRngState(saved);
  }
}

/**
 * A random permutation of `0 … n-1` for `(seed, epoch)`: the Fisher–Yates shuffle
 *
 * ```text
 * u = philoxUniforms(2(n−1), seed, epoch · 2³²)
 * perm = [0, 1, …, n−1]
 * for t = 0 … n−2:  i = n−1−t
 *   r = (2²⁴·u[2t] · 2²⁴ + 2²⁴·u[2t+1]) / 2⁴⁸      // a 48-bit uniform in [0, 1)
 *   j = floor(r · (i + 1));  swap(perm[i], perm[j])
 * ```
 *
 * The uniforms come from one native call; the loop only moves indices.
 *
 * @example
 * ```ts
 * import { randomPermutation } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const p = randomPermutation(5, 7n, 0); // e.g. Int32Array [3, 0, 4, 1, 2], the same on Deno and Bun
 * assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export function randomPermutation(n: number, seed: bigint, epoch = 0): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(`randomPermutation: n must be an integer in [0, 2^31), got ${n}`);
  }
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new RangeError(`randomPermutation: epoch must be a non-negative integer, got ${epoch}`);
  }
  if (typeof seed !== "bigint") {
    throw new TypeError(`randomPermutation: seed must be a bigint (e.g. 7n), got ${describe(seed)}`);
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  const u = philoxUniforms(2 * (n - 1), seed, BigInt(epoch) * EPOCH_COUNTER_STRIDE);
  for (let t = 0; t < n - 1; t++) {
    const i = n - 1 - t;
    const r = (u[2 * t] * TWO_24 * TWO_24 + u[2 * t + 1] * TWO_24) / TWO_48;
    const j = Math.floor(r * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

/**
 * A 48-bit seed drawn from the global generator (advancing it), so `manualSeed` makes a
 * `DataLoader`'s shuffling reproducible without naming a seed.
 *
 * @example
 * ```ts
 * import { manualSeed } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0);
 * const s = drawSeed();
 * manualSeed(0);
 * assert.equal(drawSeed(), s); // the same bigint after every manualSeed(0)
 * ```
 */
export function drawSeed(): bigint {
  const u = rand([2]).toArray() as Float32Array;
  return BigInt(u[0] * TWO_24) * BigInt(TWO_24) + BigInt(u[1] * TWO_24);
}
