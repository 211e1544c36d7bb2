/**
 * Parameter initialisation as PyTorch does it, from the global seeded generator.
 * @module
 */
import { full } from "../ops/creation.ts";
import { clamp, where } from "../ops/elementwise.ts";
import { normal, uniform } from "../ops/random.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { checkInt, checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** fan_in and fan_out of a weight: `[out, in, ...kernel]`. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (!Array.isArray(shape)) throw new TypeError(`fans: shape must be an array of sizes, got ${describe(shape)}`);
  if (shape.length < 2) {
    throw new RangeError(`fans: fan in/out need a shape of at least 2 dims, got shape [${shape.join(", ")}]`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Fills `t` in place from U(low, high). */
export function uniform_(t: Tensor, low: number, high: number): Tensor {
  checkTensor("uniform_", "t", t);
  checkNumber("uniform_", "low", low);
  checkNumber("uniform_", "high", high);
  noGrad(() => t.copy_(uniform(t.shape as number[], low, high)));
  return t;
}

/**
 * PyTorch's default for Linear/Conv weights: `kaiming_uniform_(w, a=√5)`, i.e. U(−b, b) with
 * b = gain·√(3/fan_in), gain = √(2/(1+a²)) — which simplifies to b = 1/√fan_in.
 */
export function kaimingUniformDefault_(weight: Tensor): Tensor {
  const { fanIn } = fans(checkTensor("kaimingUniformDefault_", "weight", weight).shape);
  const gain = Math.sqrt(2 / (1 + 5));
  const bound = fanIn > 0 ? gain * Math.sqrt(3 / fanIn) : 0;
  return uniform_(weight, -bound, bound);
}

/** PyTorch's default bias rule: U(−1/√fan_in, 1/√fan_in). */
export function biasDefault_(bias: Tensor, fanIn: number): Tensor {
  checkTensor("biasDefault_", "bias", bias);
  checkInt("biasDefault_", "fanIn", fanIn, { min: 0 });
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform_(bias, -bound, bound);
}

// ---- PyTorch's torch.nn.init ------------------------------------------------------------------

/** A non-linearity {@link calculateGain} knows (PyTorch's names in camelCase). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "convTranspose1d"
  | "convTranspose2d"
  | "convTranspose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leakyRelu"
  | "selu";

const NONLINEARITIES: readonly Nonlinearity[] = [
  "linear",
  "conv1d",
  "conv2d",
  "conv3d",
  "convTranspose1d",
  "convTranspose2d",
  "convTranspose3d",
  "sigmoid",
  "tanh",
  "relu",
  "leakyRelu",
  "selu",
];

/**
 * The recommended gain for a non-linearity (PyTorch's `calculate_gain`): 1 for linear, the
 * convolutions and sigmoid; 5/3 for tanh; √2 for relu; √(2/(1 + s²)) for leakyRelu with negative
 * slope `param` (default 0.01); 3/4 for selu.
 *
 * @example
 * ```ts
 * calculateGain("relu");            // 1.4142…
 * calculateGain("leakyRelu", 0.2);  // 1.3868…
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (!NONLINEARITIES.includes(nonlinearity)) {
    throw new RangeError(
      `calculateGain: unsupported nonlinearity ${describe(nonlinearity)}; it must be one of ${
        NONLINEARITIES.join(", ")
      }`,
    );
  }
  switch (nonlinearity) {
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu": {
      const slope = param === undefined ? 0.01 : checkNumber("calculateGain", "param (negative slope)", param);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      return 1;
  }
}

/** Throws unless `t` is a floating tensor; returns it. */
function floatTarget(where: string, t: unknown): Tensor {
  const x = checkTensor(where, "tensor", t);
  if (!dtypeInfo(x.dtype).isFloat) throw new TypeError(`${where}: tensor must be floating point, got ${x.dtype}`);
  return x;
}

/** Writes `values` into `t` outside the graph and returns `t`. */
function fill(t: Tensor, values: Tensor): Tensor {
  if (t.numel === 0) return t;
  noGrad(() => t.copy_(values));
  return t;
}

/**
 * Fills `tensor` with `value` in place (PyTorch's `constant_`).
 *
 * @example
 * ```ts
 * import { constant_, Linear } from "@axon/ml";
 *
 * const linear = new Linear(4, 2);
 * constant_(linear.bias!, 0.1);
 * ```
 */
export function constant_(tensor: Tensor, value: number): Tensor {
  checkTensor("constant_", "tensor", tensor);
  checkNumber("constant_", "value", value, { allowInfinity: true });
  noGrad(() => tensor.fill_(value));
  return tensor;
}

/** Fills `tensor` with zeros in place (PyTorch's `zeros_`). */
export function zeros_(tensor: Tensor): Tensor {
  checkTensor("zeros_", "tensor", tensor);
  noGrad(() => tensor.fill_(0));
  return tensor;
}

/** Fills `tensor` with ones in place (PyTorch's `ones_`). */
export function ones_(tensor: Tensor): Tensor {
  checkTensor("ones_", "tensor", tensor);
  noGrad(() => tensor.fill_(1));
  return tensor;
}

/** Options of {@link xavierUniform_} and {@link xavierNormal_}. */
export interface XavierOptions {
  /** Scale (default 1; see {@link calculateGain}). */
  gain?: number;
}

/** The checked gain of the Xavier initialisers. */
function xavierStd(where: string, tensor: Tensor, options: XavierOptions): number {
  checkOptions(where, options, ["gain"]);
  const gain = checkNumber(where, "gain", options.gain ?? 1);
  const { fanIn, fanOut } = fans(tensor.shape);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Xavier/Glorot uniform initialisation in place (PyTorch's `xavier_uniform_`): U(−b, b) with
 * b = gain·√(6/(fan_in + fan_out)). Fans as {@link fans} (conv weights count the receptive field).
 *
 * @example
 * ```ts
 * import { calculateGain, Linear, xavierUniform_ } from "@axon/ml";
 *
 * const linear = new Linear(4, 2);
 * xavierUniform_(linear.weight, { gain: calculateGain("tanh") });
 * ```
 */
export function xavierUniform_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  const t = floatTarget("xavierUniform_", tensor);
  const bound = Math.sqrt(3) * xavierStd("xavierUniform_", t, options);
  return fill(t, uniform(t.shape as number[], -bound, bound));
}

/**
 * Xavier/Glorot normal initialisation in place (PyTorch's `xavier_normal_`): N(0, s²) with
 * s = gain·√(2/(fan_in + fan_out)).
 *
 * @example
 * ```ts
 * import { Linear, xavierNormal_ } from "@axon/ml";
 *
 * const linear = new Linear(4, 2);
 * xavierNormal_(linear.weight);
 * ```
 */
export function xavierNormal_(tensor: Tensor, options: XavierOptions = {}): Tensor {
  const t = floatTarget("xavierNormal_", tensor);
  return fill(t, normal(t.shape as number[], 0, xavierStd("xavierNormal_", t, options)));
}

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_} (PyTorch's defaults). */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0; used with `leakyRelu`). */
  a?: number;
  /** `"fanIn"` (default) keeps the forward variance, `"fanOut"` the backward one. */
  mode?: "fanIn" | "fanOut";
  /** The non-linearity that follows (default `"leakyRelu"`, which with a = 0 is ReLU's √2). */
  nonlinearity?: Nonlinearity;
}

/** std = gain/√fan of the Kaiming initialisers. */
function kaimingStd(where: string, tensor: Tensor, options: KaimingOptions): number {
  checkOptions(where, options, ["a", "mode", "nonlinearity"]);
  const a = checkNumber(where, "a", options.a ?? 0);
  const mode = options.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") {
    throw new RangeError(`${where}: invalid mode ${describe(mode)}; it must be "fanIn" or "fanOut"`);
  }
  const nonlinearity = options.nonlinearity ?? "leakyRelu";
  if (!NONLINEARITIES.includes(nonlinearity)) {
    throw new RangeError(
      `${where}: unsupported nonlinearity ${describe(nonlinearity)}; it must be one of ${NONLINEARITIES.join(", ")}`,
    );
  }
  const { fanIn, fanOut } = fans(tensor.shape);
  const fan = mode === "fanIn" ? fanIn : fanOut;
  // PyTorch leaves a tensor with no elements as it is (then fan 0 gives no division by zero here).
  if (tensor.numel === 0) return 0;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform initialisation in place (PyTorch's `kaiming_uniform_`): U(−b, b) with
 * b = gain·√(3/fan), gain = {@link calculateGain}(nonlinearity, a), fan = fan_in or fan_out.
 *
 * @example
 * ```ts
 * import { Conv2d, kaimingUniform_ } from "@axon/ml";
 *
 * const conv = new Conv2d(3, 8, 3);
 * kaimingUniform_(conv.weight, { mode: "fanOut", nonlinearity: "relu" });
 * ```
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const t = floatTarget("kaimingUniform_", tensor);
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, options);
  return fill(t, uniform(t.shape as number[], -bound, bound));
}

/**
 * Kaiming/He normal initialisation in place (PyTorch's `kaiming_normal_`): N(0, s²) with
 * s = gain/√fan.
 *
 * @example
 * ```ts
 * import { kaimingNormal_, Linear } from "@axon/ml";
 *
 * const linear = new Linear(4, 2);
 * kaimingNormal_(linear.weight, { nonlinearity: "relu" });
 * ```
 */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const t = floatTarget("kaimingNormal_", tensor);
  return fill(t, normal(t.shape as number[], 0, kaimingStd("kaimingNormal_", t, options)));
}

/** Options of {@link truncNormal_} (PyTorch's defaults). */
export interface TruncNormalOptions {
  /** Mean of the normal (default 0). */
  mean?: number;
  /** Standard deviation of the normal before truncation (default 1). */
  std?: number;
  /** Lower cut-off (default −2). */
  a?: number;
  /** Upper cut-off (default 2). */
  b?: number;
}

/** Φ(x), the standard normal CDF, in double precision (W. J. Cody's erfc rational approximation via Math). */
function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc(x) to ~1e-14 (Numerical Recipes' Chebyshev fit `erfccheb`). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = [
    -1.3026537197817094,
    6.4196979235649026e-1,
    1.9476473204185836e-2,
    -9.561514786808631e-3,
    -9.46595344482036e-4,
    3.66839497852761e-4,
    4.2523324806907e-5,
    -2.0278578112534e-5,
    -1.624290004647e-6,
    1.30365583558e-6,
    1.5626441722e-8,
    -8.5238095915e-8,
    6.529054439e-9,
    5.059343495e-9,
    -9.91364156e-10,
    -2.27365122e-10,
    9.6467911e-11,
    2.394038e-12,
    -6.886027e-12,
    8.94487e-13,
    3.13092e-13,
    -1.12708e-13,
    3.81e-16,
    7.106e-15,
    -1.523e-15,
    -9.4e-17,
    1.21e-16,
    -2.8e-17,
  ];
  let d = 0, dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j];
    dd = tmp;
  }
  const r = t * Math.exp(-z * z + 0.5 * (cof[0] + ty * d) - dd);
  return x >= 0 ? r : 2 - r;
}

/**
 * erf⁻¹ of `x` in (−1, 1), composed from tensor ops: M. Giles' single-precision approximation
 * ("Approximating the erfinv function", 2010), two polynomial branches in w = −ln(1 − x²).
 */
function erfinv(x: Tensor): Tensor {
  const w = x.square().neg().log1p().neg();
  const horner = (v: Tensor, coefficients: number[]): Tensor => {
    let p = full(v.shape as number[], coefficients[0]);
    for (const c of coefficients.slice(1)) p = p.mul(v).add(c);
    return p;
  };
  const central = horner(w.sub(2.5), [
    2.81022636e-8,
    3.43273939e-7,
    -3.5233877e-6,
    -4.39150654e-6,
    2.1858087e-4,
    -1.25372503e-3,
    -4.17768164e-3,
    2.46640727e-1,
    1.50140941,
  ]);
  const tail = horner(w.sqrt().sub(3), [
    -2.00214257e-4,
    1.00950558e-4,
    1.34934322e-3,
    -3.67342844e-3,
    5.73950773e-3,
    -7.6224613e-3,
    9.43887047e-3,
    1.00167406,
    2.83297682,
  ]);
  return where(w.lt(5), central, tail).mul(x);
}

/**
 * Truncated-normal initialisation in place (PyTorch's `trunc_normal_`): N(mean, std²) restricted
 * to [a, b], drawn as PyTorch does by the inverse CDF: u ~ U(2Φ(α) − 1, 2Φ(β) − 1),
 * x = mean + std·√2·erf⁻¹(u), clamped to [a, b] (α, β the standardised bounds).
 *
 * @example
 * ```ts
 * import { Embedding, truncNormal_ } from "@axon/ml";
 *
 * const embedding = new Embedding(100, 16);
 * truncNormal_(embedding.weight, { std: 0.02 }); // the ViT/BERT recipe (cut at ±2, i.e. ±100σ here)
 * ```
 */
export function truncNormal_(tensor: Tensor, options: TruncNormalOptions = {}): Tensor {
  const where = "truncNormal_";
  const t = floatTarget(where, tensor);
  checkOptions(where, options, ["mean", "std", "a", "b"]);
  const mean = checkNumber(where, "mean", options.mean ?? 0);
  const std = checkNumber(where, "std", options.std ?? 1, { lo: 0 });
  const a = checkNumber(where, "a", options.a ?? -2);
  const b = checkNumber(where, "b", options.b ?? 2);
  if (!(a < b)) throw new RangeError(`${where}: a ${a} must be < b ${b}`);
  const lo = 2 * normCdf((a - mean) / std) - 1;
  const hi = 2 * normCdf((b - mean) / std) - 1;
  if (!(hi > lo)) {
    throw new RangeError(
      `${where}: [a, b] = [${a}, ${b}] holds no probability mass of N(${mean}, ${std}²) in double precision`,
    );
  }
  const values = noGrad(() => {
    const u = uniform(t.shape as number[], lo, hi);
    return clamp(erfinv(u).mul(std * Math.SQRT2).add(mean), a, b);
  });
  return fill(t, values);
}

/** Options of {@link orthogonal_}. */
export interface OrthogonalOptions {
  /** Scale of the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * (Semi-)orthogonal initialisation in place (Saxe et al. 2013; PyTorch's `orthogonal_`): the
 * tensor viewed as `[rows, numel/rows]` becomes Q·gain, where Q has orthonormal columns (rows ≥
 * cols) or rows (rows < cols) and is the Q factor, with positive diagonal R, of a standard normal
 * matrix — Haar-distributed, as PyTorch's QR with the sign correction. Q comes from Gram–Schmidt
 * applied twice per column (CGS2), one matrix–vector pair per column.
 *
 * @example
 * ```ts
 * import { LSTM, orthogonal_ } from "@axon/ml";
 *
 * const rnn = new LSTM(8, 16);
 * const [, weightHh] = rnn.namedParameters().find(([name]) => name === "weight_hh_l0")!;
 * orthogonal_(weightHh, { gain: 1 });
 * ```
 */
export function orthogonal_(tensor: Tensor, options: OrthogonalOptions = {}): Tensor {
  const where = "orthogonal_";
  const t = floatTarget(where, tensor);
  checkOptions(where, options, ["gain"]);
  const gain = checkNumber(where, "gain", options.gain ?? 1);
  if (t.ndim < 2) {
    throw new RangeError(`${where}: only tensors with 2 or more dimensions are supported, got shape [${t.shape}]`);
  }
  if (t.numel === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel / rows;
  const q = noGrad(() => {
    const drawn = normal([rows, cols], 0, 1);
    const a = rows < cols ? drawn.t().contiguous() : drawn; // tall: [m, n] with m >= n
    const [m, n] = a.shape;
    const basis = full([m, n], 0);
    for (let j = 0; j < n; j++) {
      let v = a.narrow(1, j, 1);
      if (j > 0) {
        const done = basis.narrow(1, 0, j);
        for (let pass = 0; pass < 2; pass++) v = v.sub(done.matmul(done.t().matmul(v)));
      }
      const norm = v.square().sum().sqrt();
      basis.narrow(1, j, 1).copy_(v.div(norm));
    }
    const shaped = rows < cols ? basis.t() : basis;
    return shaped.mul(gain).reshape(t.shape as number[]);
  });
  return fill(t, q);
}
