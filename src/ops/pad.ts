/**
 * `pad` (PyTorch's `F.pad`): constant, reflect, replicate and circular padding, composed from a
 * filled tensor with a copied interior (constant) or one `indexSelect` per padded dim (the other
 * modes), so the gradient is the interior slice or the index-add of the selected rows.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { isHalf } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkNumber, checkOneOf } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";
import { full, tensor } from "./creation.ts";
import { indexSelect } from "./indexing.ts";

/** How `pad` fills the new elements. */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** The modes `pad` accepts. */
export const PAD_MODES: readonly PadMode[] = ["constant", "reflect", "replicate", "circular"];

/** `[dim, before, after]` for each padded dim, from PyTorch's last-dim-first pad list. */
function padPairs(x: Tensor, padding: unknown): [number, number, number][] {
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length === 0) {
    throw new TypeError(
      `pad: padding must be a non-empty array of an even number of integers (last dim first: [left, right, top, bottom, …]), got ${
        describe(padding)
      }${Array.isArray(padding) ? ` of length ${padding.length}` : ""}`,
    );
  }
  if (!padding.every((p) => Number.isSafeInteger(p))) {
    throw new TypeError(`pad: padding must hold integers, got [${padding.join(", ")}]`);
  }
  if (padding.length / 2 > x.ndim) {
    throw new RangeError(
      `pad: padding of length ${padding.length} pads ${padding.length / 2} dims, but the input of shape ${
        formatShape(x.shape)
      } has only ${x.ndim}`,
    );
  }
  return Array.from({ length: padding.length / 2 }, (_, i) => [x.ndim - 1 - i, padding[2 * i], padding[2 * i + 1]]);
}

/** `x` with negative pads cut off (PyTorch crops where a pad is negative). */
function crop(x: Tensor, pairs: readonly [number, number, number][]): Tensor {
  let out = x;
  for (const [d, before, after] of pairs) {
    const size = out.shape[d];
    const start = Math.max(-before, 0);
    const end = size - Math.max(-after, 0);
    if (end < start) {
      throw new RangeError(
        `pad: padding (${before}, ${after}) of dimension ${d} leaves a negative size (input shape ${
          formatShape(x.shape)
        })`,
      );
    }
    if (start > 0 || end < size) out = out.slice(d, start, end);
  }
  return out;
}

/**
 * Pads `x` (PyTorch's `torch.nn.functional.pad`). `padding` lists pads from the LAST dim
 * backwards: `[left, right]` pads the last dim, `[left, right, top, bottom]` the last two, …;
 * a negative pad crops. `mode`:
 * - `"constant"` (default): new elements are `value`; any number of dims.
 * - `"reflect"`: mirror without repeating the edge (`[1, 2, 3]` padded by 2 → `[3, 2, 1, 2, 3, 2, 1]`);
 *   each pad must be smaller than its dim.
 * - `"replicate"`: repeat the edge element; dims must be non-empty.
 * - `"circular"`: wrap around; each pad at most its dim.
 *
 * As PyTorch, the non-constant modes pad the last 1, 2 or 3 dims of an input with one or two more
 * dims (`[C, W]`/`[N, C, W]` for 1 padded dim, and so on).
 *
 * @example
 * ```ts
 * import { arange, pad } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const x = arange(6).reshape(2, 3);
 * assert.deepEqual(pad(x, [1, 1]).shape, [2, 5]); // zeros at both ends of each row
 * assert.deepEqual(pad(x, [2, 0], "reflect").toList(), [[2, 1, 0, 1, 2], [5, 4, 3, 4, 5]]);
 * ```
 */
export function pad(x: Tensor, padding: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  checkTensor("pad", "input", x);
  checkOneOf("pad", "mode", mode, PAD_MODES);
  const pairs = padPairs(x, padding);
  if (mode === "constant") {
    checkNumber("pad", "value", value, { allowInfinity: true, loInclusive: true, hiInclusive: true });
    return constantPad(crop(x, pairs), pairs, value);
  }
  if (value !== 0) throw new RangeError(`pad: value ${value} is only used by mode "constant", not "${mode}"`);
  const k = pairs.length;
  if (k > 3 || (x.ndim !== k + 1 && x.ndim !== k + 2)) {
    throw new RangeError(
      `pad: mode "${mode}" pads the last 1 to 3 dims of a ${k + 1}-d or ${
        k + 2
      }-d input (batch and channel dims first); got padding of length ${padding.length} for shape ${
        formatShape(x.shape)
      }`,
    );
  }
  // f16/bf16 through f32: the index-add of the backward accumulates in f32 only.
  if (isHalf(x.dtype)) return pad(x.to("f32"), padding, mode).to(x.dtype);
  let out = crop(x, pairs);
  for (const [d, before, after] of pairs) {
    const b = Math.max(before, 0);
    const a = Math.max(after, 0);
    if (b === 0 && a === 0) continue;
    out = indexSelect(out, d, sourceIndex(mode, out.shape[d], b, a, d, x.shape));
  }
  return out;
}

/** The source position of each output position of one dim (reflect / replicate / circular). */
function sourceIndex(mode: PadMode, n: number, before: number, after: number, d: number, shape: readonly number[]) {
  const limit = mode === "reflect" ? n - 1 : mode === "circular" ? n : Infinity;
  if (n === 0 || before > limit || after > limit) {
    const rule = mode === "reflect"
      ? "must be smaller than"
      : mode === "circular"
      ? "must be at most"
      : "needs a non-empty";
    throw new RangeError(
      `pad: ${mode} padding (${before}, ${after}) of dimension ${d} ${rule} the dimension's size ${n} (input shape ${
        formatShape(shape)
      })`,
    );
  }
  const index = new Int32Array(n + before + after);
  for (let i = 0; i < index.length; i++) {
    const j = i - before;
    index[i] = mode === "replicate"
      ? Math.min(Math.max(j, 0), n - 1)
      : mode === "circular"
      ? ((j % n) + n) % n
      : j < 0
      ? -j
      : j >= n
      ? 2 * (n - 1) - j
      : j;
  }
  return tensor(index);
}

/** `value` around `x` (pads already non-negative after cropping); gradient: the interior of g. */
function constantPad(x: Tensor, pairs: readonly [number, number, number][], value: number): Tensor {
  const shape = [...x.shape];
  for (const [d, before, after] of pairs) shape[d] += Math.max(before, 0) + Math.max(after, 0);
  const interior = (t: Tensor) => {
    let v = t;
    for (const [d, before] of pairs) v = v.narrow(d, Math.max(before, 0), x.shape[d]);
    return v;
  };
  const out: Tensor = full(shape, value, { dtype: x.dtype });
  if (x.numel > 0) noGrad(() => interior(out).copy_(x));
  return record(out, "pad", [x], (g) => [interior(g).contiguous()]);
}
