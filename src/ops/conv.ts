/**
 * 2-d convolution through im2col and the blocked GEMM (no direct loops), and pooling.
 * im2col is one recorded op (backward: col2im); the rest is matmul, whose gradients give dW and
 * d(cols).
 * @module
 */
import { record } from "../autograd/graph.ts";
import { backendOf } from "../backend/registry.ts";
import type { PoolKindName, PoolWindow2d, Window2d } from "../backend/backend.ts";
import { formatShape } from "../tensor/shape.ts";
import { isHalf } from "../tensor/dtype.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { Tensor } from "../tensor/tensor.ts";
import { cat } from "./join.ts";
import { checkBool, checkInt } from "../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** A pair of sizes (height, width); a number means both. */
export type Pair = number | readonly [number, number];

/** [h, w] from a number or pair, validated. */
export function pair(value: Pair, name: string, min: number): [number, number] {
  const isPair = Array.isArray(value) && value.length === 2;
  if (typeof value !== "number" && !isPair) {
    throw new TypeError(`${name} must be an integer or a pair of integers >= ${min}, got ${describe(value)}`);
  }
  const p: [number, number] = typeof value === "number" ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isSafeInteger(v) && v >= min)) {
    throw new RangeError(`${name} must be integers >= ${min}, got ${String(value)}`);
  }
  return p;
}

/** Geometry of a sliding window over H×W. */
export interface Window {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** Output size of a window along one axis (floor mode). */
export function outputSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** The backend's window of `w` over the image shape of `x` (`[N, C, H, W]`). */
export function window2d(x: { readonly shape: readonly number[] }, w: Window): Window2d {
  const [n, c, h, wd] = x.shape;
  return {
    n,
    c,
    h,
    w: wd,
    kh: w.kernel[0],
    kw: w.kernel[1],
    sh: w.stride[0],
    sw: w.stride[1],
    ph: w.padding[0],
    pw: w.padding[1],
    dh: w.dilation[0],
    dw: w.dilation[1],
  };
}

/** [OH, OW] of a convolution window over `x [N, C, H, W]`; an error when either is below 1. */
function convOutputSize(x: Tensor, w: Window): [number, number] {
  const oh = outputSize(x.shape[2], w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]);
  const ow = outputSize(x.shape[3], w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `conv2d: input of shape ${formatShape(x.shape)} is too small for kernel ${formatShape(w.kernel)} (padding ${
        formatShape(w.padding)
      }, dilation ${formatShape(w.dilation)})`,
    );
  }
  return [oh, ow];
}

/** `x [N, C, H, W]` → columns `[N, C·KH·KW, OH·OW]` (F.unfold), recorded with col2im as backward. */
export function im2col(x: Tensor, w: Window): Tensor {
  const input = x.contiguous();
  const [n, c, h, wd] = x.shape;
  const [oh, ow] = convOutputSize(x, w);
  const backend = backendOf("im2col", input);
  const cols = Tensor.empty([n, c * w.kernel[0] * w.kernel[1], oh * ow], x.dtype, x.device);
  backend.im2col(window2d(x, w), input, cols);
  return record(cols, "im2col", [x], (grad) => {
    // col2im sums overlapping windows: in f32 for 16-bit gradients, rounded once afterwards.
    const g = isHalf(grad.dtype) ? grad.to("f32") : grad;
    const gx = Tensor.empty([n, c, h, wd], g.dtype, g.device);
    const gc = g.contiguous();
    backendOf("col2im", gc, gx).col2im(window2d(x, w), gc, gx);
    return [gx.to(grad.dtype)];
  });
}

/** 2-d convolution (PyTorch's `F.conv2d`): x `[N, C, H, W]`, weight `[OC, C/groups, KH, KW]`. */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  stride: Pair = 1,
  padding: Pair = 0,
  dilation: Pair = 1,
  groups = 1,
): Tensor {
  checkTensor("conv2d", "input", x);
  checkTensor("conv2d", "weight", weight);
  bias = checkOptionalTensor("conv2d", "bias", bias);
  checkInt("conv2d", "groups", groups, { min: 1 });
  if (x.ndim !== 4) throw new RangeError(`conv2d: expected 4-d input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  [x, weight, bias] = autocastInputs("conv2d", x, weight, bias);
  if (x.dtype !== weight.dtype || !(x.dtype === "f32" || isHalf(x.dtype))) {
    throw new TypeError(
      `conv2d: expected input and weight of the same dtype (f32, f16 or bf16), got ${x.dtype} and ${weight.dtype}`,
    );
  }
  const [n, c] = x.shape;
  const [oc, cg, kh, kw] = weight.shape;
  if (weight.ndim !== 4 || c !== cg * groups || oc % groups !== 0) {
    throw new RangeError(
      `conv2d: weight of shape ${formatShape(weight.shape)} with groups=${groups} does not fit input of shape ${
        formatShape(x.shape)
      } (${c} channels)`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== oc)) {
    throw new RangeError(`conv2d: bias of shape ${formatShape(bias.shape)} does not match ${oc} output channels`);
  }
  const win: Window = {
    kernel: [kh, kw],
    stride: pair(stride, "conv2d stride", 1),
    padding: pair(padding, "conv2d padding", 0),
    dilation: pair(dilation, "conv2d dilation", 1),
  };
  const [oh, ow] = convOutputSize(x, win);
  if (groups === 1 && x.dtype === "f32" && (bias === null || bias.dtype === "f32")) {
    return fusedConv2d(x, weight, bias, win, oh, ow);
  }
  const cols = im2col(x, win); // [N, C·KH·KW, L]
  const ocg = oc / groups;
  const kk = cg * kh * kw;
  const w2 = weight.reshape([oc, kk]);
  const outs: Tensor[] = [];
  for (let g = 0; g < groups; g++) {
    const wg = groups === 1 ? w2 : w2.narrow(0, g * ocg, ocg);
    const cg2 = groups === 1 ? cols : cols.narrow(1, g * kk, kk);
    outs.push(wg.matmul(cg2)); // [N, OC/g, L]
  }
  let out = (groups === 1 ? outs[0] : cat(outs, 1)).reshape([n, oc, oh, ow]);
  if (bias !== null) out = out.add(bias.reshape([1, oc, 1, 1]));
  return out;
}

/**
 * f32, groups = 1: one native call per pass (zig/cpu/conv2d.zig), which builds each image's columns
 * in a reused buffer instead of the whole batch's (no [N, C·KH·KW, L] tensor is allocated or
 * saved); backward recomputes the columns from the saved input.
 */
function fusedConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, win: Window, oh: number, ow: number): Tensor {
  const input = x.contiguous();
  const w = weight.contiguous();
  const b = bias?.contiguous() ?? null;
  const [n, c, h, wd] = x.shape;
  const oc = weight.shape[0];
  const geometry = window2d(x, win);
  const backend = backendOf("conv2d", input, w, b);
  const y = Tensor.empty([n, oc, oh, ow], "f32", x.device);
  backend.conv2d(geometry, oc, input, w, b, y);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record(
    y,
    "conv2d",
    inputs,
    (grad) => {
      const dy = grad.contiguous();
      const dx = x.requiresGrad ? Tensor.empty([n, c, h, wd], "f32", x.device) : null;
      const dw = weight.requiresGrad ? Tensor.empty(weight.shape, "f32", x.device) : null;
      const db = bias?.requiresGrad ? Tensor.empty([oc], "f32", x.device) : null;
      backendOf("conv2d backward", input, dy).conv2dBackward(geometry, oc, input, w, dy, { dx, dw, db });
      return bias === null ? [dx, dw] : [dx, dw, db];
    },
    [input, w],
    [input === x ? null : input, w === weight ? null : w],
  ); // contiguous copies: the node's own
}

/** Options of the 2-d pooling ops. */
export interface PoolOptions {
  /** Step of the window (default, and `null`: the kernel size). */
  stride?: Pair | null;
  /** Implicit padding on each side (default 0); max pooling pads with −inf. */
  padding?: Pair;
  /** Spacing between window elements (default 1). */
  dilation?: Pair;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Average pooling: count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Average pooling: divide by this instead of the window size (default `null`). */
  divisorOverride?: number | null;
}

/** The accepted keys of {@link PoolOptions}. */
export const POOL_OPTIONS: readonly string[] = [
  "stride",
  "padding",
  "dilation",
  "ceilMode",
  "countIncludePad",
  "divisorOverride",
];

/** Validates pooling options (keys and values) for `where`. */
export function checkPoolOptions(where: string, options: unknown): PoolOptions {
  const o = checkOptions<PoolOptions>(where, options, POOL_OPTIONS);
  if (o.stride !== undefined && o.stride !== null) pair(o.stride, `${where} stride`, 1);
  if (o.padding !== undefined) pair(o.padding, `${where} padding`, 0);
  if (o.dilation !== undefined) pair(o.dilation, `${where} dilation`, 1);
  if (o.ceilMode !== undefined) checkBool(where, "ceilMode", o.ceilMode);
  if (o.countIncludePad !== undefined) checkBool(where, "countIncludePad", o.countIncludePad);
  if (o.divisorOverride !== undefined && o.divisorOverride !== null) {
    checkInt(where, "divisorOverride", o.divisorOverride, { min: 1 });
  }
  return o;
}

function pooled(kind: PoolKindName, x: Tensor, kernel: Pair, options: PoolOptions): Tensor {
  const name = kind === "max" ? "maxPool2d" : "avgPool2d";
  checkTensor(name, "input", x);
  checkPoolOptions(name, options);
  if (x.ndim !== 4) throw new RangeError(`${name}: expected 4-d input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  if (isHalf(x.dtype)) return pooled(kind, x.to("f32"), kernel, options).to(x.dtype); // computed in f32, rounded once
  if (x.dtype !== "f32") throw new TypeError(`${name}: expected an f32 tensor, got ${x.dtype}`);
  const k = pair(kernel, `${name} kernel size`, 1);
  const s = pair(options.stride ?? kernel, `${name} stride`, 1);
  const p = pair(options.padding ?? 0, `${name} padding`, 0);
  const d = pair(options.dilation ?? 1, `${name} dilation`, 1);
  const ceilMode = options.ceilMode ?? false;
  const [n, c, h, w] = x.shape;
  const oh = poolOutputSize(h, k[0], s[0], p[0], d[0], ceilMode);
  const ow = poolOutputSize(w, k[1], s[1], p[1], d[1], ceilMode);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${name}: input of shape ${formatShape(x.shape)} is too small for kernel ${formatShape(k)}`);
  }
  const input = x.contiguous();
  const window: PoolWindow2d = {
    n,
    c,
    h,
    w,
    kh: k[0],
    kw: k[1],
    sh: s[0],
    sw: s[1],
    ph: p[0],
    pw: p[1],
    dh: d[0],
    dw: d[1],
    ceilMode,
    countIncludePad: options.countIncludePad ?? true,
    divisorOverride: options.divisorOverride ?? 0,
  };
  const backend = backendOf(name, input);
  const out = Tensor.empty([n, c, oh, ow], x.dtype, x.device);
  const indices = kind === "max" ? Tensor.empty([n, c, oh, ow], "i32", x.device) : null;
  backend.pool2d(kind, window, input, out, indices, name);
  return record(
    out,
    name,
    [x],
    (g) => {
      const gx = Tensor.empty(x.shape, g.dtype, g.device);
      const gc = g.isContiguous() && g.offset === 0 ? g : g.clone(); // dy is read from element 0
      backendOf(`${name} backward`, gc, gx).pool2dBackward(kind, window, gc, indices, gx, `${name} backward`);
      return [gx];
    },
    [],
    [indices],
  ); // the indices: the node's own, freed with it
}

/** PyTorch's pooling output size, including the ceil-mode rule that the last window must start inside. */
export function poolOutputSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

/** Max pooling over `[N, C, H, W]` (padding counts as −inf). */
export function maxPool2d(x: Tensor, kernel: Pair, options: PoolOptions = {}): Tensor {
  return pooled("max", x, kernel, options);
}

/** Average pooling over `[N, C, H, W]`. */
export function avgPool2d(x: Tensor, kernel: Pair, options: PoolOptions = {}): Tensor {
  return pooled("avg", x, kernel, options);
}

/** Adaptive average pooling to `[OH, OW]` (PyTorch's window rule). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  checkTensor("adaptiveAvgPool2d", "input", x);
  pair(outputSize, "adaptiveAvgPool2d outputSize", 1);
  if (x.ndim !== 4) {
    throw new RangeError(`adaptiveAvgPool2d: expected 4-d input [N, C, H, W], got shape ${formatShape(x.shape)}`);
  }
  if (isHalf(x.dtype)) return adaptiveAvgPool2d(x.to("f32"), outputSize).to(x.dtype);
  const [oh, ow] = pair(outputSize, "adaptiveAvgPool2d outputSize", 1);
  const [n, c, h, w] = x.shape;
  const input = x.isContiguous() && x.offset === 0 ? x : x.detach().clone(); // the export takes no offset
  const geometry = { n, c, h, w, oh, ow };
  const backend = backendOf("adaptiveAvgPool2d", input);
  const out = Tensor.empty([n, c, oh, ow], x.dtype, x.device);
  backend.adaptiveAvgPool2d(false, geometry, input, out);
  return record(out, "adaptiveAvgPool2d", [x], (g) => {
    const gx = Tensor.empty(x.shape, g.dtype, g.device);
    const gc = g.isContiguous() && g.offset === 0 ? g : g.clone(); // the export takes no offset
    backendOf("adaptiveAvgPool2d backward", gc, gx).adaptiveAvgPool2d(true, geometry, gc, gx);
    return [gx];
  });
}
