/**
 * Random tensors from one global, seeded, counter-based generator (Philox4x32-10 in Zig), so the
 * same seed gives the same numbers on Deno and Bun and for any thread count.
 * @module
 */
import { parseSizeArgs, type SizeArgs } from "./size_args.ts";
import { backendOf } from "../backend/registry.ts";
import { type DType, isHalf } from "../tensor/dtype.ts";
import { copyStrided } from "./copy.ts";
import { checkShape, type Shape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { DistributionName } from "./codes.ts";
import { createDtype } from "./creation.ts";
import { checkNumber } from "../utils/check.ts";
import { describe } from "../utils/options.ts";

const DEFAULT_SEED = 67280421310721n; // PyTorch's default seed, for familiarity

const MASK_64 = (1n << 64n) - 1n;
let seed = DEFAULT_SEED;
let counter = 0n;

/** Seeds the global generator (any integer; used modulo 2^64). */
export function manualSeed(value: number | bigint): void {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`manualSeed: seed must be an integer, got ${value}`);
  }
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw new TypeError(`manualSeed: seed must be an integer or a bigint, got ${describe(value)}`);
  }
  seed = BigInt(value) & MASK_64;
  counter = 0n;
}

/** The generator's state, to save and restore with {@link setRngState}. */
export interface RngState {
  /** Seed of the generator, modulo 2⁶⁴. */
  readonly seed: bigint;
  /** Philox blocks drawn since seeding (4 values each), modulo 2⁶⁴. */
  readonly counter: bigint;
}

/**
 * The current generator state. `JSON.stringify` writes it with decimal strings
 * (`{"seed":"…","counter":"…"}`), which {@link setRngState} accepts back.
 */
export function getRngState(): RngState {
  const state = { seed, counter };
  // JSON has no 64-bit integers: without this, JSON.stringify throws on the BigInts.
  Object.defineProperty(state, "toJSON", {
    value: () => ({ seed: state.seed.toString(), counter: state.counter.toString() }),
  });
  return state;
}

/** Restores a state from {@link getRngState}, or its JSON form (decimal strings). */
export function setRngState(state: RngState | { readonly seed: string; readonly counter: string }): void {
  if (state === null || typeof state !== "object") {
    throw new TypeError(`setRngState: state must be { seed, counter } from getRngState(), got ${describe(state)}`);
  }
  for (const key of ["seed", "counter"] as const) {
    const v = state[key];
    if (typeof v !== "bigint" && !(typeof v === "string" && /^\d+$/.test(v))) {
      throw new TypeError(
        `setRngState: state.${key} must be a bigint or a decimal string, got ${
          typeof v === "string" ? JSON.stringify(v) : typeof v
        }`,
      );
    }
  }
  seed = BigInt(state.seed) & MASK_64;
  counter = BigInt(state.counter) & MASK_64;
}

/** Fills `out` (contiguous) from a distribution, advancing the counter by one block per 4 values. */
export function fillRandom(out: Tensor, distribution: DistributionName, p0: number, p1: number): Tensor {
  if (!out.isContiguous()) throw new RangeError("fillRandom: output must be contiguous");
  const n = out.numel;
  if (n === 0) return out;
  if (isHalf(out.dtype)) {
    // Same stream as an f32 draw, rounded to the 16-bit format.
    copyStrided(out, fillRandom(Tensor.empty(out.shape, "f32", out.device), distribution, p0, p1));
    return out;
  }
  backendOf(distribution, out).rng(distribution, n, out, seed, counter, p0, p1);
  counter = (counter + BigInt(Math.ceil(n / 4))) & MASK_64;
  return out;
}

/** The dtype of a continuous distribution's options: a float dtype (default f32). */
function floatDtype(where: string, options: unknown): DType {
  const dtype = createDtype(where, options, "f32");
  if (dtype !== "f32" && !isHalf(dtype)) {
    throw new TypeError(
      `${where}: dtype must be a float dtype the generator supports (f32, f16, bf16), got ${describe(dtype)}`,
    );
  }
  return dtype;
}

/** Uniform samples in `[0, 1)`: `rand(3, 4)` or `rand([3, 4])`, with an options object last. */
export function rand(...args: SizeArgs<{ dtype?: DType }>): Tensor {
  const [shape, options] = parseSizeArgs("rand", args);
  return fillRandom(Tensor.empty(shape, floatDtype("rand", options)), "uniform", 0, 1);
}

/** Uniform samples in `[low, high)`. */
export function uniform(shape: Shape, low = 0, high = 1, options: { dtype?: DType } = {}): Tensor {
  const dims = checkShape(shape, "uniform");
  checkNumber("uniform", "low", low);
  checkNumber("uniform", "high", high);
  if (!(low <= high)) throw new RangeError(`uniform: low ${low} must be <= high ${high}`);
  return fillRandom(Tensor.empty(dims, floatDtype("uniform", options)), "uniform", low, high);
}

/**
 * Standard normal samples: `randn(3, 4)` or `randn([3, 4])`, with an options object last.
 *
 * @example
 * ```ts
 * randn(2, 3, { dtype: "bf16" }).shape; // [2, 3]
 * ```
 */
export function randn(...args: SizeArgs<{ dtype?: DType }>): Tensor {
  const [shape, options] = parseSizeArgs("randn", args);
  return fillRandom(Tensor.empty(shape, floatDtype("randn", options)), "normal", 0, 1);
}

/** Normal samples with the given mean and standard deviation. */
export function normal(shape: Shape, mean = 0, std = 1, options: { dtype?: DType } = {}): Tensor {
  const dims = checkShape(shape, "normal");
  checkNumber("normal", "mean", mean);
  checkNumber("normal", "std", std, { lo: 0, loInclusive: true });
  return fillRandom(Tensor.empty(dims, floatDtype("normal", options)), "normal", mean, std);
}

/** 1 with probability `p`, else 0 (f32 by default, or u8). */
export function bernoulli(shape: Shape, p: number, options: { dtype?: DType } = {}): Tensor {
  const dims = checkShape(shape, "bernoulli");
  checkNumber("bernoulli", "p", p, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
  const dtype = createDtype("bernoulli", options, "f32");
  if (dtype !== "f32" && dtype !== "u8" && !isHalf(dtype)) {
    throw new TypeError(
      `bernoulli: dtype must be one the generator supports (f32, f16, bf16, u8), got ${describe(dtype)}`,
    );
  }
  return fillRandom(Tensor.empty(dims, dtype), "bernoulli", p, 0);
}
