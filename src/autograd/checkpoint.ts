/**
 * Gradient checkpointing: trade compute for memory. The forward of a checkpointed function keeps
 * only its input; the backward runs the function again (same RNG state, same autocast state, so
 * Dropout masks and precisions match), then back-propagates through the recomputed graph.
 * Gradients equal those of the plain run bit for bit on CPU.
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { getRngState, type RngState, setRngState } from "../ops/random.ts";
import { type AutocastDType, getAutocastDtype, withAutocastState } from "./amp/autocast.ts";
import { enableGrad, isGradEnabled } from "./grad_mode.ts";
import { Node, probeGradUse, runBackward } from "./graph.ts";
import { checkFunction } from "../utils/check.ts";
import { describe } from "../utils/options.ts";

function checkOutput(value: unknown, where: string): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${where}: the function must return a Tensor, got ${describe(value)}`);
  }
  return value;
}

/**
 * Runs `fn(input)` without keeping its intermediate tensors; they are recomputed during
 * `backward()`. `fn` must be deterministic apart from the global RNG (which is replayed), and
 * should not modify tensors in place.
 *
 * @example
 * ```ts
 * import { checkpoint, Linear, randn } from "@axon/ml";
 *
 * const heavyLayer = new Linear(16, 16);
 * const input = randn([4, 16]).requiresGrad_();
 * const output = checkpoint((x) => heavyLayer.forward(x).tanh(), input);
 * output.sum().backward(); // heavyLayer's forward runs a second time here
 * ```
 */
export function checkpoint(fn: (input: Tensor) => Tensor, input: Tensor): Tensor {
  checkFunction("checkpoint", "fn", fn);
  if (!(input instanceof Tensor)) throw new TypeError(`checkpoint: input must be a Tensor, got ${describe(input)}`);
  if (!isGradEnabled()) return checkOutput(fn(input), "checkpoint");
  const rng = getRngState();
  const amp = getAutocastDtype();
  const { result, usesGrad } = probeGradUse(() => checkOutput(fn(input.detach()), "checkpoint"));
  if (!usesGrad && !input.requiresGrad) return result;
  // A fresh tensor object, so a function that returns a captured tensor never gets a gradFn.
  const out = result.detach();
  out.gradFn = new Node("checkpoint", [input], (grad) => recompute(fn, input, rng, amp, grad, out), [input]);
  out.requiresGrad = true;
  return out;
}

function recompute(
  fn: (input: Tensor) => Tensor,
  input: Tensor,
  rng: RngState,
  amp: AutocastDType | null,
  grad: Tensor,
  forwardOutput: Tensor,
): (Tensor | null)[] {
  const after = getRngState();
  setRngState(rng);
  try {
    const x = input.detach();
    x.requiresGrad = input.requiresGrad; // a private leaf: its .grad is this segment's input gradient
    const y = enableGrad(() => withAutocastState(amp, () => checkOutput(fn(x), "checkpoint")));
    if (y.shape.length !== forwardOutput.shape.length || y.shape.some((d, i) => d !== forwardOutput.shape[i])) {
      throw new Error(
        `checkpoint: the recomputed output has shape ${formatShape(y.shape)} but the forward gave ${
          formatShape(forwardOutput.shape)
        }; the function must be deterministic`,
      );
    }
    if (y.requiresGrad) runBackward(y, grad);
    return [x.grad];
  } finally {
    setRngState(after);
  }
}

/**
 * Runs `numLayers` layers as `segments` checkpointed segments: `layer(i, x)` applies layer `i`.
 * Only the segment inputs stay alive between forward and backward; each segment is recomputed
 * during backward. Every segment is checkpointed (PyTorch's `checkpoint_sequential` runs its last
 * segment plainly; here the last one is checkpointed too, so the forward keeps nothing but
 * segment inputs). Segments hold ⌊numLayers / segments⌋ layers, the last one the remainder.
 *
 * @example
 * ```ts
 * import { checkpointSequential, Linear, randn } from "@axon/ml";
 *
 * const layers = Array.from({ length: 24 }, () => new Linear(8, 8));
 * const input = randn([2, 8]).requiresGrad_();
 * const output = checkpointSequential(24, 4, input, (i, x) => layers[i].forward(x).relu());
 * output.sum().backward();
 * ```
 */
export function checkpointSequential(
  numLayers: number,
  segments: number,
  input: Tensor,
  layer: (layerIndex: number, x: Tensor) => Tensor,
): Tensor {
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new RangeError(`checkpointSequential: numLayers must be a positive integer, got ${numLayers}`);
  }
  if (!Number.isInteger(segments) || segments < 1 || segments > numLayers) {
    throw new RangeError(`checkpointSequential: segments must be an integer in [1, ${numLayers}], got ${segments}`);
  }
  if (!(input instanceof Tensor)) {
    throw new TypeError(`checkpointSequential: input must be a Tensor, got ${describe(input)}`);
  }
  checkFunction("checkpointSequential", "layer", layer);
  const size = Math.floor(numLayers / segments);
  let x = input;
  for (let s = 0; s < segments; s++) {
    const start = s * size;
    const end = s === segments - 1 ? numLayers : start + size;
    x = checkpoint((h) => {
      let y = h;
      for (let i = start; i < end; i++) y = checkOutput(layer(i, y), `checkpointSequential (layer ${i})`);
      return y;
    }, x);
  }
  return x;
}
