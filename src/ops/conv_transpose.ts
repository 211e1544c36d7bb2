/**
 * `convTranspose2d` and `conv1d`. The transposed convolution is the adjoint of `conv2d`: one GEMM
 * per group gives each input pixel's contribution columns (`Wᵀ·x`), and `col2im` (the native
 * kernel conv2d's backward uses) sums them into the output image; `col2im`'s own gradient is
 * `im2col`. `conv1d` is `conv2d` over a height-1 image.
 * @module
 */
import { record } from "../autograd/graph.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { backendOf } from "../backend/registry.ts";
import { isHalf } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkInt } from "../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";
import { conv2d, im2col, type Pair, pair, type Window, window2d } from "./conv.ts";
import { cat } from "./join.ts";
import { pad } from "./pad.ts";

/** Columns `[N, C·KH·KW, L]` summed into the image `[N, C, H, W]` (F.fold); gradient: im2col. */
function col2im(cols: Tensor, image: readonly number[], win: Window): Tensor {
  const [n, c, h, w] = image;
  const input = cols.contiguous();
  const out = Tensor.empty([n, c, h, w], "f32", input.device);
  backendOf("convTranspose2d (col2im)", input, out).col2im(window2d(out, win), input, out);
  return record(out, "col2im", [cols], (g) => [im2col(g, win)]);
}

/**
 * 2-d transposed convolution (PyTorch's `F.conv_transpose2d`, the gradient of `conv2d` with
 * respect to its input): x `[N, C_in, H, W]`, weight `[C_in, C_out/groups, KH, KW]` (PyTorch's
 * layout), bias `[C_out]`. The output is `(H − 1)·stride − 2·padding + dilation·(KH − 1) +
 * outputPadding + 1` high (likewise wide); `outputPadding` must be smaller than stride or dilation.
 * f32, or f16/bf16 computed in f32.
 *
 * @example
 * ```ts
 * import { convTranspose2d, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const up = convTranspose2d(randn(1, 4, 8, 8), randn(4, 2, 3, 3), null, 2, 1, 1);
 * assert.deepEqual(up.shape, [1, 2, 16, 16]);
 * ```
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  stride: Pair = 1,
  padding: Pair = 0,
  outputPadding: Pair = 0,
  groups = 1,
  dilation: Pair = 1,
): Tensor {
  checkTensor("convTranspose2d", "input", x);
  checkTensor("convTranspose2d", "weight", weight);
  bias = checkOptionalTensor("convTranspose2d", "bias", bias);
  checkInt("convTranspose2d", "groups", groups, { min: 1 });
  if (x.ndim !== 4) {
    throw new RangeError(`convTranspose2d: expected 4-d input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  }
  [x, weight, bias] = autocastInputs("conv2d", x, weight, bias);
  if (x.dtype !== weight.dtype || !(x.dtype === "f32" || isHalf(x.dtype))) {
    throw new TypeError(
      `convTranspose2d: expected input and weight of the same dtype (f32, f16 or bf16), got ${x.dtype} and ${weight.dtype}`,
    );
  }
  const [n, cin, h, w] = x.shape;
  if (weight.ndim !== 4 || weight.shape[0] !== cin || cin % groups !== 0) {
    throw new RangeError(
      `convTranspose2d: weight of shape ${
        formatShape(weight.shape)
      } (expected [in, out/groups, kH, kW]) with groups=${groups} does not fit input of shape ${
        formatShape(x.shape)
      } (${cin} channels)`,
    );
  }
  const [, coutG, kh, kw] = weight.shape;
  const cout = coutG * groups;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== cout)) {
    throw new RangeError(
      `convTranspose2d: bias of shape ${formatShape(bias.shape)} does not match ${cout} output channels`,
    );
  }
  const win: Window = {
    kernel: [kh, kw],
    stride: pair(stride, "convTranspose2d stride", 1),
    padding: pair(padding, "convTranspose2d padding", 0),
    dilation: pair(dilation, "convTranspose2d dilation", 1),
  };
  const extra = pair(outputPadding, "convTranspose2d outputPadding", 0);
  for (let i = 0; i < 2; i++) {
    if (extra[i] >= win.stride[i] && extra[i] >= win.dilation[i]) {
      throw new RangeError(
        `convTranspose2d: outputPadding ${formatShape(extra)} must be smaller than either stride ${
          formatShape(win.stride)
        } or dilation ${formatShape(win.dilation)}`,
      );
    }
  }
  const size = (i: number, k: number, len: number) =>
    (len - 1) * win.stride[i] - 2 * win.padding[i] + win.dilation[i] * (k - 1) + extra[i] + 1;
  const oh = size(0, kh, h);
  const ow = size(1, kw, w);
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `convTranspose2d: output size ${oh}x${ow} is too small (input ${
        formatShape(x.shape)
      }, kernel ${kh}x${kw}, padding ${formatShape(win.padding)})`,
    );
  }
  const dtype = x.dtype;
  const cinG = cin / groups;
  const flat = x.reshape([n, cin, h * w]);
  const w2 = weight.reshape([cin, coutG * kh * kw]);
  const parts: Tensor[] = [];
  for (let g = 0; g < groups; g++) {
    const xg = groups === 1 ? flat : flat.narrow(1, g * cinG, cinG);
    const wg = groups === 1 ? w2 : w2.narrow(0, g * cinG, cinG);
    parts.push(wg.t().matmul(xg)); // [N, C_out/g·KH·KW, H·W]
  }
  const cols = (groups === 1 ? parts[0] : cat(parts, 1)).to("f32");
  let out = col2im(cols, [n, cout, oh, ow], win).to(dtype);
  if (bias !== null) out = out.add(bias.to(dtype).reshape([1, cout, 1, 1]));
  return out;
}

/** A single number from a 1-d size given as a number or a one-element list. */
function single(value: unknown, name: string, min: number): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    const also = name === "padding" ? ', "same" or "valid"' : "";
    throw new RangeError(
      `conv1d: ${name} must be an integer >= ${min} (or a list of one)${also}, got ${describe(value)}`,
    );
  }
  return v;
}

/** Padding of {@link conv1d}: a size, or PyTorch's `"same"` (output as long as the input; stride 1) or `"valid"` (0). */
export type Padding1d = number | readonly [number] | "same" | "valid";

/**
 * 1-d convolution (PyTorch's `F.conv1d`): x `[N, C, L]`, weight `[OC, C/groups, K]`, bias `[OC]`,
 * run as `conv2d` over `[N, C, 1, L]`. `padding: "same"` pads `dilation·(K − 1)` in all, the extra
 * element on the right when it is odd (as PyTorch).
 *
 * @example
 * ```ts
 * import { conv1d, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(conv1d(randn(2, 3, 10), randn(4, 3, 5), null, 1, 2).shape, [2, 4, 10]);
 * ```
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  stride: number | readonly [number] = 1,
  padding: Padding1d = 0,
  dilation: number | readonly [number] = 1,
  groups = 1,
): Tensor {
  checkTensor("conv1d", "input", x);
  checkTensor("conv1d", "weight", weight);
  if (x.ndim !== 3) throw new RangeError(`conv1d: expected 3-d input [N, C, L], got shape ${formatShape(x.shape)}`);
  if (weight.ndim !== 3) {
    throw new RangeError(`conv1d: expected 3-d weight [OC, C/groups, K], got shape ${formatShape(weight.shape)}`);
  }
  const s = single(stride, "stride", 1);
  const d = single(dilation, "dilation", 1);
  if (padding === "valid") padding = 0;
  if (padding === "same") {
    if (s !== 1) throw new RangeError(`conv1d: padding "same" needs stride 1, got stride ${s}`);
    const total = d * (weight.shape[2] - 1);
    const left = Math.floor(total / 2);
    // An odd total puts the extra element on the right, as PyTorch's _conv_forward does.
    const input = total % 2 === 0 ? x : pad(x, [0, 1]);
    return conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, [1, 1], [0, left], [1, d], groups).squeeze(2);
  }
  const p = single(padding, "padding", 0);
  return conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, [1, s], [0, p], [1, d], groups).squeeze(2);
}
