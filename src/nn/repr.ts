/**
 * Printing modules as PyTorch's `print(model)` does: `Name(extra)` for a leaf, and one indented
 * `(name): child` line per sub-module for containers, with each layer's PyTorch `extra_repr`
 * (`Linear(in_features=784, out_features=256, bias=True)`). The layers' descriptions live in one
 * table here, keyed by class name and found along the prototype chain (so a subclass of `Linear`
 * prints as its own name with Linear's fields), to keep the layer files free of printing code.
 * @module
 */
import type { Module } from "./module.ts";

/** Python's `repr` of a float: shortest round-trip digits, exponent outside [1e-4, 1e16). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = x.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const s = String(x); // JavaScript writes fixed notation in this range
  return s.includes(".") ? s : `${s}.0`;
}

/** Python's repr of a value as PyTorch's extra_repr shows it: ints, floats, bools, tuples, strings. */
export function pyValue(v: unknown, float = false): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return float || !Number.isInteger(v) ? pyFloat(v) : String(v);
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) {
    return v.length === 1 ? `(${pyValue(v[0], float)},)` : `(${v.map((x) => pyValue(x, float)).join(", ")})`;
  }
  return String(v);
}

type Fields = Record<string, any>;

/** A pair given as a number stays a number; a pair stays a tuple (as PyTorch keeps what it was given). */
const pair = (v: unknown) => pyValue(v);

const poolOption = (m: Fields, key: string, fallback: unknown) => m.options?.[key] ?? fallback;

/** PyTorch's `extra_repr` of each built-in layer, by class name. */
const EXTRA_REPR: Record<string, (m: Fields) => string> = {
  Linear: (m) => `in_features=${m.inFeatures}, out_features=${m.outFeatures}, bias=${pyValue(m.bias !== null)}`,
  Conv2d: (m) => {
    let s = `${m.inChannels}, ${m.outChannels}, kernel_size=${pair(m.kernelSize)}, stride=${pair(m.stride)}`;
    if (m.padding.some((p: number) => p !== 0)) s += `, padding=${pair(m.padding)}`;
    if (m.dilation.some((d: number) => d !== 1)) s += `, dilation=${pair(m.dilation)}`;
    if (m.groups !== 1) s += `, groups=${m.groups}`;
    if (m.bias === null) s += ", bias=False";
    return s;
  },
  MaxPool2d: (m) =>
    `kernel_size=${pair(m.kernelSize)}, stride=${pair(poolOption(m, "stride", m.kernelSize))}, padding=${
      pair(poolOption(m, "padding", 0))
    }, ` +
    `dilation=${pair(poolOption(m, "dilation", 1))}, ceil_mode=${pyValue(poolOption(m, "ceilMode", false))}`,
  AvgPool2d: (m) =>
    `kernel_size=${pair(m.kernelSize)}, stride=${pair(poolOption(m, "stride", m.kernelSize))}, padding=${
      pair(poolOption(m, "padding", 0))
    }`,
  AdaptiveAvgPool2d: (m) => `output_size=${pair(m.outputSize)}`,
  Flatten: (m) => `start_dim=${m.startDim}, end_dim=${m.endDim}`,
  Dropout: (m) => `p=${pyFloat(m.p)}, inplace=False`,
  BatchNorm: (m) =>
    `${m.numFeatures}, eps=${pyFloat(m.eps)}, momentum=${m.momentum === null ? "None" : pyFloat(m.momentum)}, ` +
    `affine=${pyValue(m.weight !== null)}, bias=${pyValue(m.bias !== null)}, track_running_stats=${
      pyValue(m.running_mean != null)
    }`,
  LayerNorm: (m) =>
    `${pyValue(m.normalizedShape)}, eps=${pyFloat(m.eps)}, elementwise_affine=${pyValue(m.weight !== null)}, bias=${
      pyValue(m.bias !== null)
    }`,
  Embedding: (m) =>
    `${m.numEmbeddings}, ${m.embeddingDim}${m.paddingIdx !== null ? `, padding_idx=${m.paddingIdx}` : ""}`,
  GELU: (m) => `approximate=${pyValue(m.approximate)}`,
  LeakyReLU: (m) => `negative_slope=${pyFloat(m.negativeSlope)}`,
  Softmax: (m) => `dim=${m.dim}`,
  LogSoftmax: (m) => `dim=${m.dim}`,
};

/** The built-in `extra_repr` for `module`'s class or its nearest built-in ancestor, or "". */
export function defaultExtraRepr(module: Module): string {
  for (
    let proto = Object.getPrototypeOf(module);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const describe = EXTRA_REPR[proto.constructor.name];
    if (describe) return describe(module as unknown as Fields);
  }
  return "";
}

/** Indents every line but the first by `spaces` (PyTorch's `_addindent`). */
function addIndent(text: string, spaces: number): string {
  const lines = text.split("\n");
  if (lines.length === 1) return text;
  return [lines[0], ...lines.slice(1).map((l) => " ".repeat(spaces) + l)].join("\n");
}

/** PyTorch's `Module.__repr__`, over `module.extraRepr()` and the named children. */
export function moduleRepr(module: Module): string {
  const extra = module.extraRepr();
  const extraLines = extra ? extra.split("\n") : [];
  const childLines = module.namedChildren().map(([name, child]) => `(${name}): ${addIndent(moduleRepr(child), 2)}`);
  const lines = [...extraLines, ...childLines];
  let out = `${module.constructor.name}(`;
  if (lines.length > 0) {
    out += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join("\n  ")}\n`;
  }
  return `${out})`;
}
