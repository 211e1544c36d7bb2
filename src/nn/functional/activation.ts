/**
 * Activation functions of `F` (PyTorch's `torch.nn.functional`). Other families' activations
 * (elu, mish, softplus, hardswish …) join this file as one-line entries.
 * @module
 */
import { unary } from "../../ops/elementwise.ts";
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from "../../ops/softmax.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkInt, checkNumber, checkOneOf } from "../../utils/check.ts";
import { checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions } from "../../utils/options.ts";

/** max(x, 0). */
export function relu(input: Tensor): Tensor {
  return checkTensor("F.relu", "input", input).relu();
}

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `"none"` (default): the exact x·Φ(x) with erf; `"tanh"`: PyTorch's tanh approximation. */
  approximate?: "none" | "tanh";
}

/** GELU, x·Φ(x) (exact erf form by default, or `{ approximate: "tanh" }`). */
export function gelu(input: Tensor, options: GeluOptions = {}): Tensor {
  checkTensor("F.gelu", "input", input);
  const { approximate = "none" } = checkOptions<GeluOptions>("F.gelu", options, ["approximate"]);
  checkOneOf("F.gelu", "approximate", approximate, ["none", "tanh"]);
  return unary(approximate === "tanh" ? "geluTanh" : "gelu", input);
}

/** SiLU (swish): x·sigmoid(x). */
export function silu(input: Tensor): Tensor {
  checkTensor("F.silu", "input", input);
  return input.mul(input.sigmoid());
}

/** 1 / (1 + e⁻ˣ). */
export function sigmoid(input: Tensor): Tensor {
  return checkTensor("F.sigmoid", "input", input).sigmoid();
}

/** Hyperbolic tangent. */
export function tanh(input: Tensor): Tensor {
  return checkTensor("F.tanh", "input", input).tanh();
}

/** max(x, 0) + negativeSlope·min(x, 0) (default slope 0.01). */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor("F.leakyRelu", "input", input);
  checkNumber("F.leakyRelu", "negativeSlope", negativeSlope);
  return unary("leakyRelu", input, negativeSlope);
}

/** Softmax over `dim`: exp(x) / Σ exp(x), computed stably. */
export function softmax(input: Tensor, dim: number): Tensor {
  checkTensor("F.softmax", "input", input);
  checkInt("F.softmax", "dim", dim);
  return softmaxOp(input, dim);
}

/** log(softmax(x)) over `dim`, computed stably. */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  checkTensor("F.logSoftmax", "input", input);
  checkInt("F.logSoftmax", "dim", dim);
  return logSoftmaxOp(input, dim);
}
