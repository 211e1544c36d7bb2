/**
 * `summary(model, inputShape)`: torchinfo's table (layer, output shape, parameters, trainable),
 * its totals and memory estimates, from one forward pass of zeros through the model.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import type { Module } from "../nn/module.ts";
import { zeros } from "../ops/creation.ts";
import { getRngState, setRngState } from "../ops/random.ts";
import { type DType, dtypeInfo } from "../tensor/dtype.ts";
import { checkShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkOptions } from "./options.ts";

/** Options of {@link summary}. */
export interface SummaryOptions {
  /** Dtype of the zeros fed through the model (default f32). */
  dtype?: DType;
  /** Deepest level of nested modules shown (default 3, as torchinfo). */
  depth?: number;
}

/** One row of the table: a module call in the forward pass. */
export interface LayerSummary {
  /** Class name of the module. */
  type: string;
  /** Dotted name in the model ("" for the model itself). */
  name: string;
  /** Nesting depth (0 for the model). */
  depth: number;
  /** Shape of the module's output. */
  outputShape: number[];
  /** Parameter elements of the module and its descendants. */
  params: number;
  /** Of which trainable (`requiresGrad`). */
  trainableParams: number;
  /** Whether the module has no children. */
  leaf: boolean;
  /** Whether the module was called before in this pass (shared layers). */
  recursive: boolean;
  /** Multiply-adds of the layer (leaves with weights), counted as torchinfo counts them. */
  multAdds: number;
}

const LAYER_WIDTH = 40;
const COLUMN_WIDTH = 25;

interface Row extends LayerSummary {
  module: Module;
  index: number;
  paramBytes: number;
  outputBytes: number;
  descendants: Row[];
}

function leftover(row: Row, key: "params" | "trainableParams"): number {
  return row[key] -
    row.descendants.filter((c) => !c.recursive).reduce((n, c) => n + (c.leaf ? c[key] : leftover(c, key)), 0);
}

const thousands = (n: number) => n.toLocaleString("en-US");

/**
 * What {@link summary} returns: the rows and totals; `toString()` (and `console.log`) gives
 * torchinfo's table.
 */
export class ModelSummary {
  /** One entry per module call, in call order. */
  readonly layers: LayerSummary[];
  /** Parameter elements in the model (shared ones once). */
  readonly totalParams: number;
  /** Of which trainable. */
  readonly trainableParams: number;
  /** Bytes of all parameters. */
  readonly paramBytes: number;
  /** Bytes of the input. */
  readonly inputBytes: number;
  /** Bytes of the outputs of layers with parameters, twice (activations and their gradients), as torchinfo estimates. */
  readonly forwardBackwardBytes: number;
  /** Total multiply-adds of one forward pass. */
  readonly multAdds: number;
  readonly #rows: Row[];
  readonly #depth: number;

  /** Low level: use {@link summary}. */
  constructor(rows: Row[], inputBytes: number, depth: number) {
    this.#rows = rows;
    this.#depth = depth;
    this.layers = rows.map((
      { type, name, depth, outputShape, params, trainableParams, leaf, recursive, multAdds },
    ) => ({
      type,
      name,
      depth,
      outputShape,
      params,
      trainableParams,
      leaf,
      recursive,
      multAdds,
    }));
    let total = 0, trainable = 0, paramBytes = 0, outputBytes = 0, macs = 0;
    for (const r of rows) {
      if (r.leaf) {
        macs += r.multAdds;
        if (r.params > 0) outputBytes += 2 * r.outputBytes;
        if (r.recursive) continue;
        total += r.params;
        paramBytes += r.paramBytes;
        trainable += r.trainableParams;
      } else if (!r.recursive) {
        total += Math.max(leftover(r, "params"), 0);
        trainable += Math.max(leftover(r, "trainableParams"), 0);
      }
    }
    this.totalParams = total;
    this.trainableParams = trainable;
    this.paramBytes = paramBytes;
    this.inputBytes = inputBytes;
    this.forwardBackwardBytes = outputBytes;
    this.multAdds = macs;
  }

  /** torchinfo's table: layers, output shapes, parameters, trainable, totals and sizes. */
  toString(): string {
    const title = (r: Row) => (r.depth > 0 ? `${r.type}: ${r.depth}-${r.index}` : r.type);
    let nameWidth = LAYER_WIDTH;
    const longest = Math.max(0, ...this.#rows.map((r) => title(r).length + r.depth * 5 + 1));
    if (longest >= nameWidth) nameWidth = Math.ceil(longest / 5) * 5;
    const row = (name: string, cells: string[]) =>
      (name.padEnd(nameWidth) + " " + cells.map((c) => c.padEnd(COLUMN_WIDTH) + " ").join("")).trimEnd();
    const divider = "=".repeat(3 * COLUMN_WIDTH + nameWidth);
    const prefix = (depth: number) => (depth === 0 ? "" : depth === 1 ? "├─" : "│    ".repeat(depth - 1) + "└─");
    const lines = [divider, row("Layer (type:depth-idx)", ["Output Shape", "Param #", "Trainable"]), divider];
    for (const r of this.#rows) {
      if (r.depth > this.#depth) continue;
      const atMax = r.depth === this.#depth;
      let params: string;
      if (r.params === 0) params = "--";
      else if (r.recursive) params = "(recursive)";
      else if (atMax || r.leaf) params = r.trainableParams ? thousands(r.params) : `(${thousands(r.params)})`;
      else {
        const rest = leftover(r, "params");
        params = rest > 0 ? thousands(rest) : "--";
      }
      const trainable = r.params === 0
        ? "--"
        : r.trainableParams === 0
        ? "False"
        : r.trainableParams === r.params
        ? "True"
        : "Partial";
      const shape = r.outputShape.length > 0 ? `[${r.outputShape.join(", ")}]` : "--";
      lines.push(row(prefix(r.depth) + title(r), [shape, params, trainable]));
    }
    const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
    const [unit, scaled] = this.multAdds >= 1e12
      ? ["T", this.multAdds / 1e12]
      : this.multAdds >= 1e9
      ? ["G", this.multAdds / 1e9]
      : ["M", this.multAdds / 1e6];
    const macs = Number.isInteger(scaled)
      ? thousands(scaled)
      : scaled.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    lines.push(
      divider,
      `Total params: ${thousands(this.totalParams)}`,
      `Trainable params: ${thousands(this.trainableParams)}`,
      `Non-trainable params: ${thousands(this.totalParams - this.trainableParams)}`,
      `Total mult-adds (${unit}): ${macs}`,
      divider,
      `Input size (MB): ${mb(this.inputBytes)}`,
      `Forward/backward pass size (MB): ${mb(this.forwardBackwardBytes)}`,
      `Params size (MB): ${mb(this.paramBytes)}`,
      `Estimated Total Size (MB): ${mb(this.inputBytes + this.forwardBackwardBytes + this.paramBytes)}`,
      divider,
    );
    return lines.join("\n");
  }

  /** `console.log(summary(...))` on Deno prints the table. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** `console.log(summary(...))` on Bun and Node prints the table. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Runs zeros of `inputShape` through `model` (in eval mode, without gradients; the model's mode
 * and the random generator are restored afterwards) and returns torchinfo's summary: each module
 * call with its output shape, parameter count and trainability, then the totals, multiply-adds
 * and memory estimates. `console.log` it or `String(...)` it for the table.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential, summary } from "@axon/ml";
 *
 * const model = new Sequential(new Linear(784, 256), ReLU, new Linear(256, 10));
 * console.log(summary(model, [64, 784]));
 * // Layer (type:depth-idx)     Output Shape   Param #   Trainable
 * // Sequential                 [64, 10]       --        True
 * // ├─Linear: 1-1              [64, 256]      200,960   True …
 * ```
 */
export function summary(model: Module, inputShape: readonly number[], options?: SummaryOptions): ModelSummary {
  const o = checkOptions<SummaryOptions>("summary", options, ["dtype", "depth"]);
  if (!model || typeof (model as Module).namedModules !== "function") {
    throw new TypeError("summary: model must be a Module");
  }
  const shape = checkShape(inputShape as number[], "summary");
  const depth = o.depth ?? 3;
  if (!Number.isInteger(depth) || depth < 0) {
    throw new RangeError(`summary: depth must be a non-negative integer, got ${depth}`);
  }
  const dtype = o.dtype ?? "f32";

  const modules = model.namedModules();
  const depthOf = new Map(modules.map(([name, m]) => [m, name === "" ? 0 : name.split(".").length]));
  const nameOf = new Map(modules.map(([name, m]) => [m, name]));
  const rows: Row[] = [];
  const called = new Set<Module>();
  const restore: (() => void)[] = [];
  for (const m of new Set(modules.map(([, m]) => m))) {
    const own = Object.getOwnPropertyDescriptor(m, "forward");
    const original = m.forward;
    const parameters = m.parameters();
    const leaf = m.children().length === 0;
    (m as { forward: Module["forward"] }).forward = function (this: Module, ...args: Parameters<Module["forward"]>) {
      const params = parameters.reduce((n, p) => n + p.numel, 0);
      const row: Row = {
        module: m,
        type: m.constructor.name,
        name: nameOf.get(m)!,
        depth: depthOf.get(m)!,
        outputShape: [],
        params,
        trainableParams: parameters.filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel, 0),
        leaf,
        recursive: called.has(m),
        multAdds: 0,
        index: 0,
        paramBytes: parameters.reduce((n, p) => n + p.numel * dtypeInfo(p.dtype).size, 0),
        outputBytes: 0,
        descendants: [],
      };
      called.add(m);
      rows.push(row);
      const out = original.apply(this, args);
      if (out instanceof Tensor) {
        row.outputShape = [...out.shape];
        row.outputBytes = out.numel * dtypeInfo(out.dtype).size;
      }
      if (leaf) row.multAdds = multAdds(m, row);
      return out;
    };
    restore.push(() => (own ? Object.defineProperty(m, "forward", own) : delete (m as { forward?: unknown }).forward));
  }
  const training = model.modules().map((m) => m.training);
  const rng = getRngState();
  const input = zeros(shape, { dtype });
  try {
    model.eval();
    noGrad(() => model.forward(input));
  } finally {
    for (const undo of restore) undo();
    model.modules().forEach((m, i) => (m.training = training[i]));
    setRngState(rng);
  }
  const counters = new Map<number, number>();
  rows.forEach((r, i) => {
    counters.set(r.depth, (counters.get(r.depth) ?? 0) + 1);
    r.index = counters.get(r.depth)!;
    let end = i + 1;
    while (end < rows.length && rows[end].depth > r.depth) end++;
    r.descendants = rows.slice(i + 1, end);
  });
  return new ModelSummary(rows, input.numel * dtypeInfo(dtype).size, depth);
}

/** torchinfo's multiply-adds of a leaf: weights and biases times the output positions they serve. */
function multAdds(m: Module, row: Row): number {
  let macs = 0;
  const out = row.outputShape;
  const prod = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  for (const [name, p] of m.namedParameters("", false)) {
    if (name === "weight" || name === "bias") {
      macs += row.type.includes("Conv") ? p.numel * prod([out[0], ...out.slice(2)]) : out[0] * p.numel;
    } else if (name.includes("weight") || name.includes("bias")) {
      macs += prod(out.slice(0, 2)) * p.numel;
    }
  }
  return macs;
}
