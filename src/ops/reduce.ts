/**
 * Reductions over any set of dims (sum, mean, prod, max, min) and arg-reductions over one dim.
 *
 * The kernel reduces the middle axis of a contiguous `[outer, r, inner]` layout. When the reduced
 * dims are already one consecutive block of a contiguous tensor that layout is free; otherwise the
 * tensor is permuted (kept dims first) and copied once.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { dtypeInfo, isHalf } from "../tensor/dtype.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { normalizeDim, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import type { ReduceOpName } from "./codes.ts";
import { record } from "../autograd/graph.ts";
import { where } from "./elementwise.ts";
import { describe } from "../utils/options.ts";

function reducedDims(x: Tensor, dim: number | readonly number[] | undefined, op: string): number[] {
  if (dim === undefined) return [...x.shape.keys()];
  if (typeof dim !== "number" && !Array.isArray(dim)) {
    throw new TypeError(`${op}: dim must be an integer or a list of integers, got ${describe(dim)}`);
  }
  const list = typeof dim === "number" ? [dim] : dim;
  if (list.length === 0) return [...x.shape.keys()];
  const dims = list.map((d) => normalizeDim(d, x.ndim, op));
  if (new Set(dims).size !== dims.length) {
    throw new RangeError(`${op}: dim ${JSON.stringify(list)} repeats a dimension`);
  }
  return dims.sort((a, b) => a - b);
}

function run(op: ReduceOpName, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  const reduced = new Set(dims);
  const keptDims = [...x.shape.keys()].filter((d) => !reduced.has(d));
  const outShape = keepdim ? x.shape.map((s, d) => (reduced.has(d) ? 1 : s)) : keptDims.map((d) => x.shape[d]);
  const outDtype = op === "argmax" || op === "argmin" ? "i32" : x.dtype;
  const out = Tensor.empty(outShape, outDtype, x.device);
  if (out.numel === 0) return out;

  let input = x;
  let outer: number, r: number, inner: number;
  const block = dims.length > 0 && dims[dims.length - 1] - dims[0] === dims.length - 1;
  if (x.isContiguous() && (block || dims.length === 0)) {
    const lo = dims.length > 0 ? dims[0] : x.ndim;
    const hi = dims.length > 0 ? dims[dims.length - 1] + 1 : x.ndim;
    outer = numelOf(x.shape.slice(0, lo));
    r = numelOf(x.shape.slice(lo, hi));
    inner = numelOf(x.shape.slice(hi));
  } else {
    input = x.permute([...keptDims, ...dims]).contiguous();
    outer = numelOf(keptDims.map((d) => x.shape[d]));
    r = numelOf(dims.map((d) => x.shape[d]));
    inner = 1;
  }
  backendOf(op, input, out).reduce(op, { outer, r, inner }, input, out);
  return out;
}

/** The shape left after reducing `dim` without keepdim. */
export function reducedShape(shape: readonly number[], dim: number | readonly number[]): number[] {
  if (typeof dim !== "number" && !Array.isArray(dim)) {
    throw new TypeError(`reduce: dim must be an integer or a list of integers, got ${describe(dim)}`);
  }
  const list = typeof dim === "number" ? [dim] : dim;
  if (list.length === 0) return [];
  const dims = new Set(list.map((d) => normalizeDim(d, shape.length, "reduce")));
  return shape.filter((_, i) => !dims.has(i));
}

/** sum / mean / prod / max / min over `dim` (a dim, a list of dims, or every dim). */
export function reduce(
  op: "sum" | "mean" | "prod" | "max" | "min" | "sumOfSquares",
  x: Tensor,
  dim?: number | readonly number[],
  keepdim = false,
): Tensor {
  if (typeof keepdim !== "boolean") {
    throw new TypeError(`${op}: keepdim must be true or false, got ${describe(keepdim)}`);
  }
  [x] = autocastInputs(op, x);
  // 16-bit floats accumulate in f32 and round the result once, as PyTorch does.
  if (isHalf(x.dtype)) return reduce(op, x.to("f32"), dim, keepdim).to(x.dtype);
  if (op === "mean" && !dtypeInfo(x.dtype).isFloat) {
    throw new TypeError(`mean: expected a floating point tensor, got dtype ${x.dtype}; convert with .to("f32")`);
  }
  const dims = reducedDims(x, dim, op);
  if ((x.dtype === "i32" || x.dtype === "u8") && (op === "sum" || op === "prod")) {
    return narrowToI32(run(op, x.to("i64"), dims, keepdim), op);
  }
  const out = run(op, x, dims, keepdim);
  if (!x.requiresGrad) return out;
  // Gradients arrive in the output's shape; with keepdim off, put the reduced dims back as 1s.
  const expandBack = (g: Tensor) =>
    (keepdim ? g : g.reshape(x.shape.map((s, d) => (dims.includes(d) ? 1 : s)))).expand(x.shape);
  const count = numelOf(dims.map((d) => x.shape[d]));
  switch (op) {
    case "sum":
      return record(out, op, [x], (g) => [expandBack(g).contiguous()]);
    case "mean":
      return record(out, op, [x], (g) => [expandBack(g).div(count)]);
    case "sumOfSquares":
      return record(out, op, [x], (g) => [expandBack(g).mul(x).mul(2)], [x]);
    case "max":
    case "min":
      // Ties share the gradient evenly (PyTorch's amax/amin).
      return record(out, op, [x], (g) => {
        const hits = x.eq(expandBack(out)).to(x.dtype);
        return [expandBack(g).mul(hits).div(expandBack(hits.sum(dims, keepdim)))];
      }, [x, out]);
    case "prod":
      // Zero-safe: with one zero in a group only that element gets the product of the others.
      return record(out, op, [x], (g) => {
        const isZero = x.eq(0);
        const zeros = expandBack(isZero.sum(dims, keepdim));
        const others = expandBack(where(isZero, 1, x).prod(dims, keepdim));
        const ge = expandBack(g);
        return [where(isZero, where(zeros.eq(1), ge.mul(others), 0), ge.mul(expandBack(out)).div(x))];
      }, [x, out]);
  }
}

/**
 * Integer sums and products accumulate in 64 bits, as PyTorch's do; their results are i32 while
 * Axon's index dtype is i32, so a result outside its range is an error rather than a wrapped value.
 */
export function narrowToI32(wide: Tensor, op: string): Tensor {
  const values = wide.toArray() as BigInt64Array;
  for (const v of values) {
    if (v > 2147483647n || v < -2147483648n) {
      throw new RangeError(
        `${op}: the integer result ${v} does not fit i32 (range -2147483648..2147483647); ` +
          `convert the input first, e.g. x.to("f64").${op}()`,
      );
    }
  }
  return wide.to("i32");
}

/** argmax / argmin over one dim, or over the flattened tensor when `dim` is omitted. */
export function argReduce(op: "argmax" | "argmin", x: Tensor, dim?: number, keepdim = false): Tensor {
  if (typeof keepdim !== "boolean") {
    throw new TypeError(`${op}: keepdim must be true or false, got ${describe(keepdim)}`);
  }
  if (isHalf(x.dtype)) return argReduce(op, x.detach().to("f32"), dim, keepdim); // exact: f32 holds every half
  if (dim === undefined) {
    const flat = x.reshape([-1]);
    const result = run(op, flat, [0], false);
    return keepdim ? result.reshape(x.shape.map(() => 1)) : result;
  }
  return run(op, x, [normalizeDim(dim, x.ndim, op)], keepdim);
}
