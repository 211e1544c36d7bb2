/**
 * Discrete sampling from Axon's seeded generator (src/ops/random.ts): `randint`, `randperm`,
 * `multinomial`. Each draws 48-bit uniforms (two Philox words per value), so results are the same
 * on Deno and Bun and for any thread count, and reproducible with `manualSeed`. The streams are
 * Axon's own; PyTorch's generator gives different numbers for the same seed.
 * @module
 */
import { type DType, dtypeInfo } from "../tensor/dtype.ts";
import { checkShape, formatShape, type Shape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { where } from "./elementwise.ts";
import { fillRandom } from "./random.ts";
import { cumsum } from "./cumulative.ts";
import { argsort, topk } from "./sort.ts";
import { cat } from "./join.ts";

/** Uniform f64 samples in [0, 1) with 48 random bits: `hi + lo·2⁻²⁴` from two 24-bit draws. */
function uniform48(shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const raw = fillRandom(Tensor.empty([2, n], "f32"), "uniform", 0, 1).to("f64");
  return raw.select(0, 0).add(raw.select(0, 1).mul(2 ** -24)).reshape([...shape]);
}

/** Options of {@link randint} and {@link randperm}. */
export interface IntSampleOptions {
  /** Result dtype: i32 (default; Axon's index dtype, where PyTorch uses int64), i64, f32 or f64. */
  dtype?: DType;
}

const SAMPLE_DTYPES: readonly DType[] = ["i32", "i64", "f32", "f64"];

function sampleDtype(where: string, options: unknown): DType {
  const o = checkOptions<IntSampleOptions>(where, options, ["dtype"]);
  const dtype = o.dtype ?? "i32";
  if (!SAMPLE_DTYPES.includes(dtype)) {
    throw new TypeError(`${where}: dtype must be one of ${SAMPLE_DTYPES.join(", ")}, got ${describe(dtype)}`);
  }
  return dtype;
}

/** Largest integer each sample dtype holds exactly. */
const INT_LIMIT: Record<string, [number, number]> = {
  i32: [-(2 ** 31), 2 ** 31 - 1],
  i64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  f32: [-(2 ** 24), 2 ** 24],
  f64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Uniform random integers in `[low, high)` (`torch.randint`): `randint(high, size)` or
 * `randint(low, high, size)`, with `{ dtype }` last. Each value is `low + ⌊u·(high − low)⌋` for a
 * 48-bit uniform u (bias below (high − low)/2⁴⁸; high − low at most 2⁴⁰).
 *
 * @example
 * ```ts
 * import { manualSeed, randint } from "@axon/ml";
 * import assert from "node:assert/strict";
 * manualSeed(0);
 * const r = randint(10, [2, 3]);
 * assert.deepEqual(r.shape, [2, 3]);
 * assert.ok(r.min().item() >= 0 && r.max().item() <= 9);
 * assert.deepEqual(randint(-5, 5, [4], { dtype: "f32" }).dtype, "f32");
 * ```
 */
export function randint(
  ...args: [number, Shape] | [number, Shape, IntSampleOptions] | [number, number, Shape] | [
    number,
    number,
    Shape,
    IntSampleOptions,
  ]
): Tensor {
  let low: unknown = 0, high: unknown, size: unknown, options: unknown;
  if (Array.isArray(args[1])) [high, size, options] = args;
  else [low, high, size, options] = args;
  checkInt("randint", "low", low);
  checkInt("randint", "high", high);
  if (!Array.isArray(size)) {
    throw new TypeError(`randint: size must be a list of sizes, e.g. randint(10, [2, 3]), got ${describe(size)}`);
  }
  const shape = checkShape(size as Shape, "randint");
  const dtype = sampleDtype("randint", options);
  const lo = low as number, hi = high as number;
  if (!(lo < hi)) throw new RangeError(`randint: low ${lo} must be less than high ${hi}`);
  if (hi - lo > 2 ** 40) throw new RangeError(`randint: the range high − low = ${hi - lo} is above 2^40`);
  const [min, max] = INT_LIMIT[dtype];
  if (lo < min || hi - 1 > max) {
    throw new RangeError(`randint: [${lo}, ${hi}) does not fit dtype ${dtype} (${min}..${max})`);
  }
  if (shape.includes(0)) return Tensor.empty(shape, dtype);
  return uniform48(shape).mul(hi - lo).floor().add(lo).to(dtype);
}

/**
 * A random permutation of `0 … n−1` (`torch.randperm`), i32 by default: the argsort of n 48-bit
 * uniform keys.
 *
 * @example
 * ```ts
 * import { randperm } from "@axon/ml";
 * import assert from "node:assert/strict";
 * assert.deepEqual(randperm(5).sort().values.toList(), [0, 1, 2, 3, 4]);
 * ```
 */
export function randperm(n: number, options: IntSampleOptions = {}): Tensor {
  checkInt("randperm", "n", n, { min: 0, max: 2 ** 31 - 1 });
  const dtype = sampleDtype("randperm", options);
  if (n - 1 > INT_LIMIT[dtype][1]) throw new RangeError(`randperm: n ${n} does not fit dtype ${dtype}`);
  if (n === 0) return Tensor.empty([0], dtype);
  return argsort(uniform48([n])).to(dtype);
}

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

/**
 * Draws `numSamples` category indices (i32) from each row of non-negative weights `input`
 * (1-d `[n]` or 2-d `[rows, n]`; need not sum to 1) — `torch.multinomial`. With replacement each
 * draw is independent (inverse CDF of a 48-bit uniform); without (the default) categories are
 * drawn in sequence, each draw proportional to the weights left (exponential races: the
 * `numSamples` smallest `Eᵢ/wᵢ`, Eᵢ ~ Exp(1)). Errors for negative, NaN or infinite weights, a
 * zero row, or fewer nonzero weights than samples without replacement, as PyTorch.
 *
 * @example
 * ```ts
 * import { manualSeed, multinomial, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 * manualSeed(0);
 * assert.deepEqual(multinomial(tensor([0, 0.3, 0.7], { dtype: "f32" }), 4, { replacement: true }).shape, [4]);
 * ```
 */
export function multinomial(input: Tensor, numSamples: number, options: MultinomialOptions | boolean = {}): Tensor {
  checkTensor("multinomial", "input", input);
  const replacement = typeof options === "boolean" ? options : checkBool(
    "multinomial",
    "replacement",
    checkOptions<MultinomialOptions>("multinomial", options, ["replacement"]).replacement ?? false,
  );
  if (input.ndim !== 1 && input.ndim !== 2) {
    throw new RangeError(`multinomial: input must be 1-d or 2-d, got shape ${formatShape(input.shape)}`);
  }
  if (!dtypeInfo(input.dtype).isFloat) {
    throw new TypeError(`multinomial: input must be a floating point tensor, got dtype ${input.dtype}`);
  }
  checkInt("multinomial", "numSamples", numSamples, { min: 1 });
  const n = input.shape[input.ndim - 1];
  if (n === 0) throw new RangeError("multinomial: input has no categories (its last dimension is 0)");
  if (!replacement && numSamples > n) {
    throw new RangeError(
      `multinomial: cannot sample ${numSamples} > ${n} categories without replacement; pass { replacement: true }`,
    );
  }
  const w = input.detach().to("f64").reshape([-1, n]);
  const rows = w.shape[0];
  if (rows === 0) return Tensor.empty(input.ndim === 1 ? [numSamples] : [0, numSamples], "i32");
  if (w.ge(0).min().item() !== 1 || w.sub(w).eq(0).min().item() !== 1) {
    throw new RangeError("multinomial: the weights must be finite and >= 0 (got a NaN, an infinity or a negative)");
  }
  const cdf = cumsum(w, 1); // [rows, n], in f64
  const total = cdf.narrow(1, n - 1, 1);
  if (total.gt(0).min().item() !== 1) {
    throw new RangeError("multinomial: a row of weights sums to 0; each row needs a positive weight");
  }
  let out: Tensor;
  if (replacement) {
    // u·total < total = cdf[n−1] strictly (u ≤ 1 − 2⁻⁴⁸), so the category found has weight > 0.
    const target = uniform48([rows, numSamples]).mul(total);
    // The category is the count of cdf entries ≤ target; compared in blocks of samples so the
    // [rows, block, n] comparison stays within ~16 MiB.
    const block = Math.max(1, Math.floor(2 ** 24 / (rows * n)));
    const parts: Tensor[] = [];
    for (let start = 0; start < numSamples; start += block) {
      const t = target.narrow(1, start, Math.min(block, numSamples - start));
      parts.push(cdf.unsqueeze(1).le(t.unsqueeze(2)).sum(2));
    }
    out = parts.length === 1 ? parts[0] : cat(parts, 1);
  } else {
    const nonzero = w.gt(0).to("i32").sum(1).min().item();
    if (nonzero < numSamples) {
      throw new RangeError(
        `multinomial: a row has only ${nonzero} nonzero weights, fewer than the ${numSamples} samples ` +
          "to draw without replacement",
      );
    }
    // Largest log(u)/w ⇔ smallest Exp(1)/w: the arrival order of the exponential races.
    const u = uniform48([rows, n]);
    const keys = where(w.gt(0), u.neg().log1p().div(w), -Infinity);
    out = topk(keys, numSamples, 1).indices;
  }
  return input.ndim === 1 ? out.reshape([numSamples]) : out;
}
