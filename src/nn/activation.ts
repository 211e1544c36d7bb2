/**
 * Activation layers: thin modules over tensor ops.
 * @module
 */
import { unary } from "../ops/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";

/** max(x, 0). */
export class ReLU extends Module {
  forward(input: Tensor): Tensor { return input.relu(); }
}

/** GELU, exact (erf) by default or `approximate: "tanh"`, as PyTorch. */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(approximate: "none" | "tanh" = "none") {
    super();
    this.approximate = approximate;
  }
  forward(input: Tensor): Tensor { return unary(this.approximate === "tanh" ? "geluTanh" : "gelu", input); }
}

/** 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor { return input.sigmoid(); }
}

/** tanh(x). */
export class Tanh extends Module {
  forward(input: Tensor): Tensor { return input.tanh(); }
}

/** x for x > 0, else slope·x (default slope 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = negativeSlope;
  }
  forward(input: Tensor): Tensor { return unary("leakyRelu", input, this.negativeSlope); }
}

/** Softmax over `dim`. */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  forward(input: Tensor): Tensor { return input.softmax(this.dim); }
}

/** Log-softmax over `dim`. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim = -1) {
    super();
    this.dim = dim;
  }
  forward(input: Tensor): Tensor { return input.logSoftmax(this.dim); }
}

/** Flattens dims `startDim..endDim` (default: all but the batch dim). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(input: Tensor): Tensor { return input.flatten(this.startDim, this.endDim); }
}

/** Passes its input through unchanged. */
export class Identity extends Module {
  forward(input: Tensor): Tensor { return input; }
}
