/**
 * Activation layers: thin modules over tensor ops.
 * @module
 */
import { unary } from "../ops/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { checkInt, checkNumber, checkOneOf } from "../utils/check.ts";

/** max(x, 0). */
export class ReLU extends Module {
  /** Applies the layer: y = max(x, 0). */
  forward(input: Tensor): Tensor {
    return input.relu();
  }
}

/** GELU, exact (erf) by default or `approximate: "tanh"`, as PyTorch. */
export class GELU extends Module {
  /** `"tanh"` for the tanh approximation of GELU, `"none"` for the exact erf form. */
  readonly approximate: "none" | "tanh";
  /** Creates the layer; `approximate` selects the exact (erf) or tanh form. */
  constructor(approximate: "none" | "tanh" = "none") {
    super();
    this.approximate = checkOneOf("GELU", "approximate", approximate, ["none", "tanh"]);
  }
  /** Applies the layer: y = x·Φ(x), Φ the standard normal CDF (or its tanh approximation). */
  forward(input: Tensor): Tensor {
    return unary(this.approximate === "tanh" ? "geluTanh" : "gelu", input);
  }
}

/** 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  /** Applies the layer: y = 1 / (1 + e⁻ˣ). */
  forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/** tanh(x). */
export class Tanh extends Module {
  /** Applies the layer: y = tanh(x). */
  forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/** x for x > 0, else slope·x (default slope 0.01). */
export class LeakyReLU extends Module {
  /** Slope applied to negative inputs. */
  readonly negativeSlope: number;
  /** Creates the layer with the given slope for negative inputs. */
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkNumber("LeakyReLU", "negativeSlope", negativeSlope);
  }
  /** Applies the layer: y = x for x > 0, else negativeSlope·x. */
  forward(input: Tensor): Tensor {
    return unary("leakyRelu", input, this.negativeSlope);
  }
}

/** Softmax over `dim`. */
export class Softmax extends Module {
  /** Dim the softmax normalises over. */
  readonly dim: number;
  /** Creates the layer over `dim` (default the last). */
  constructor(dim = -1) {
    super();
    this.dim = checkInt("Softmax", "dim", dim);
  }
  /** Applies the layer: y = eˣ / Σ eˣ along `dim`. */
  forward(input: Tensor): Tensor {
    return input.softmax(this.dim);
  }
}

/** Log-softmax over `dim`. */
export class LogSoftmax extends Module {
  /** Dim the log-softmax normalises over. */
  readonly dim: number;
  /** Creates the layer over `dim` (default the last). */
  constructor(dim = -1) {
    super();
    this.dim = checkInt("LogSoftmax", "dim", dim);
  }
  /** Applies the layer: y = x − log Σ eˣ along `dim`, computed stably. */
  forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim);
  }
}

/** Flattens dims `startDim..endDim` (default: all but the batch dim). */
export class Flatten extends Module {
  /** First dim to flatten. */
  readonly startDim: number;
  /** Last dim to flatten (inclusive; negative counts from the end). */
  readonly endDim: number;
  /** Creates the layer; the defaults keep dim 0 (the batch) and flatten the rest. */
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = checkInt("Flatten", "startDim", startDim);
    this.endDim = checkInt("Flatten", "endDim", endDim);
  }
  /** Reshapes `input` so dims `startDim..endDim` become one. */
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
}

/** Passes its input through unchanged. */
export class Identity extends Module {
  /** Returns `input` itself. */
  forward(input: Tensor): Tensor {
    return input;
  }
}
