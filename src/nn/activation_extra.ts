/**
 * More activation layers (`SiLU`, `Mish`, `ELU`, `Softplus`, `Hardswish`, `PReLU`) and `Unflatten`:
 * thin modules over the functions in `functional/activations_extra.ts`. Options objects refuse
 * unknown keys; state-dict names are PyTorch's (`PReLU.weight`).
 * @module
 */
import { full } from "../ops/creation.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkInt, checkNumber } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { elu, hardswish, mish, prelu, silu, softplus } from "./functional/activations_extra.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/**
 * SiLU (swish): y = x·σ(x).
 *
 * @example
 * ```ts
 * import { randn, SiLU } from "@axon/ml";
 *
 * const y = new SiLU().forward(randn([4]));
 * ```
 */
export class SiLU extends Module {
  /** Applies the layer: y = x·σ(x). */
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/**
 * Mish: y = x·tanh(softplus(x)).
 *
 * @example
 * ```ts
 * import { Mish, randn } from "@axon/ml";
 *
 * const y = new Mish().forward(randn([4]));
 * ```
 */
export class Mish extends Module {
  /** Applies the layer: y = x·tanh(ln(1 + eˣ)). */
  forward(input: Tensor): Tensor {
    return mish(input);
  }
}

/**
 * Hardswish: y = x·min(max(x + 3, 0), 6)/6.
 *
 * @example
 * ```ts
 * import { Hardswish, randn } from "@axon/ml";
 *
 * const y = new Hardswish().forward(randn([4]));
 * ```
 */
export class Hardswish extends Module {
  /** Applies the layer: y = x·relu6(x + 3)/6. */
  forward(input: Tensor): Tensor {
    return hardswish(input);
  }
}

/** Options of {@link ELU}. */
export interface ELUOptions {
  /** Scale of the negative branch (default 1). */
  alpha?: number;
}

/**
 * ELU: y = x for x > 0, else α·(eˣ − 1).
 *
 * @example
 * ```ts
 * const layer = new ELU({ alpha: 0.5 });
 * ```
 */
export class ELU extends Module {
  /** Scale of the negative branch. */
  readonly alpha: number;
  /** Creates the layer; `alpha` defaults to 1 as in PyTorch. */
  constructor(options: ELUOptions = {}) {
    super();
    checkOptions("ELU", options, ["alpha"]);
    this.alpha = checkNumber("ELU", "alpha", options.alpha ?? 1);
  }
  /** Applies the layer: y = x for x > 0, else α·(eˣ − 1). */
  forward(input: Tensor): Tensor {
    return elu(input, { alpha: this.alpha });
  }
}

/** Options of {@link Softplus}. */
export interface SoftplusOptions {
  /** β in log(1 + e^(βx))/β (default 1, must be > 0). */
  beta?: number;
  /** Above βx > threshold the layer is the identity (default 20). */
  threshold?: number;
}

/**
 * Softplus: y = log(1 + e^(βx))/β, and y = x where βx > threshold.
 *
 * @example
 * ```ts
 * const layer = new Softplus({ beta: 2, threshold: 10 });
 * ```
 */
export class Softplus extends Module {
  /** β. */
  readonly beta: number;
  /** Linear above βx > threshold. */
  readonly threshold: number;
  /** Creates the layer with PyTorch's defaults β = 1, threshold = 20. */
  constructor(options: SoftplusOptions = {}) {
    super();
    checkOptions("Softplus", options, ["beta", "threshold"]);
    this.beta = checkNumber("Softplus", "beta", options.beta ?? 1, { lo: 0 });
    this.threshold = checkNumber("Softplus", "threshold", options.threshold ?? 20);
  }
  /** Applies the layer: y = log(1 + e^(βx))/β (x where βx > threshold). */
  forward(input: Tensor): Tensor {
    return softplus(input, { beta: this.beta, threshold: this.threshold });
  }
}

/** Options of {@link PReLU}. */
export interface PReLUOptions {
  /** Number of learnt slopes: 1, or the channel count (dim 1 of the input). Default 1. */
  numParameters?: number;
  /** Initial slope (default 0.25). */
  init?: number;
}

/**
 * PReLU (He et al. 2015): y = x for x > 0, else a·x, with learnt slopes `weight` (one, or one
 * per channel).
 *
 * @example
 * ```ts
 * const layer = new PReLU({ numParameters: 16 }); // per-channel slopes for [N, 16, H, W]
 * ```
 */
export class PReLU extends Module {
  /** Number of slopes (the `numParameters` option; `numParameters()` is Module's parameter count). */
  readonly numSlopes: number;
  /** The slopes `[numParameters]` (PyTorch's state-dict name `weight`). */
  weight: Parameter;
  /** Creates the layer with PyTorch's defaults: one slope initialised to 0.25. */
  constructor(options: PReLUOptions = {}) {
    super();
    checkOptions("PReLU", options, ["numParameters", "init"]);
    this.numSlopes = checkInt("PReLU", "numParameters", options.numParameters ?? 1, { min: 1 });
    const init = checkNumber("PReLU", "init", options.init ?? 0.25);
    this.weight = new Parameter(full([this.numSlopes], init));
  }
  /** Applies the layer: y = x for x > 0, else weight·x (per channel in dim 1). */
  forward(input: Tensor): Tensor {
    return prelu(input, this.weight);
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (PyTorch's `Unflatten`; one size may be −1).
 *
 * @example
 * ```ts
 * import { randn, Unflatten } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new Unflatten(1, [2, 5]).forward(randn([3, 10])).shape, [3, 2, 5]);
 * ```
 */
export class Unflatten extends Module {
  /** The dim that is split (negative counts from the end). */
  readonly dim: number;
  /** The sizes it becomes. */
  readonly unflattenedSize: readonly number[];
  /** Creates the layer. */
  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = checkInt("Unflatten", "dim", dim);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0) {
      throw new TypeError(
        `Unflatten: unflattenedSize must be a non-empty array of sizes, got ${describe(unflattenedSize)}`,
      );
    }
    unflattenedSize.forEach((s, i) => checkInt("Unflatten", `unflattenedSize[${i}]`, s, { min: -1 }));
    if (unflattenedSize.filter((s) => s === -1).length > 1) {
      throw new RangeError("Unflatten: at most one size in unflattenedSize may be -1");
    }
    this.unflattenedSize = [...unflattenedSize];
  }
  /** Reshapes `input` so that dim `dim` becomes `unflattenedSize`. */
  forward(input: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + input.ndim : this.dim;
    if (d < 0 || d >= input.ndim) {
      throw new RangeError(
        `Unflatten: dim ${this.dim} is out of range for an input of shape ${formatShape(input.shape)}`,
      );
    }
    const known = this.unflattenedSize.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
    const size = input.shape[d];
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? (known === 0 ? 0 : size / known) : s));
    if (sizes.reduce((a, b) => a * b, 1) !== size || sizes.some((s) => !Number.isInteger(s))) {
      throw new RangeError(
        `Unflatten: dim ${this.dim} of size ${size} (input ${formatShape(input.shape)}) cannot become ${
          formatShape(this.unflattenedSize)
        }`,
      );
    }
    return input.reshape([...input.shape.slice(0, d), ...sizes, ...input.shape.slice(d + 1)]);
  }
}
