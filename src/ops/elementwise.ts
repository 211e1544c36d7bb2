/**
 * Element-wise ops: unary math, binary arithmetic/comparison with broadcasting and PyTorch's type
 * promotion, `where`, `clamp`.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { checkFits, type DType, dtypeInfo, isHalf, promoteTypes } from "../tensor/dtype.ts";
import { broadcastShapes } from "../tensor/shape.ts";
import { type Device, Tensor, type TensorLike } from "../tensor/tensor.ts";
import type { BinaryOpName, UnaryOpName } from "./codes.ts";
import { record } from "../autograd/graph.ts";
import { sumToShape } from "./view_grad.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";

/** A unary op's backward: which of input `x` / output `y` it reads, and the rule. */
interface UnaryGrad {
  readonly saves: "x" | "y" | "xy" | "none";
  readonly rule: (g: Tensor, x: Tensor, y: Tensor, p0: number, p1: number) => Tensor;
}

const UNARY_GRADS: Partial<Record<UnaryOpName, UnaryGrad>> = {
  neg: { saves: "none", rule: (g) => g.neg() },
  exp: { saves: "y", rule: (g, _x, y) => g.mul(y) },
  log: { saves: "x", rule: (g, x) => g.div(x) },
  sqrt: { saves: "y", rule: (g, _x, y) => g.div(y.mul(2)) },
  rsqrt: { saves: "y", rule: (g, _x, y) => g.mul(y.mul(y).mul(y)).mul(-0.5) },
  abs: { saves: "x", rule: (g, x) => g.mul(x.sign()) },
  tanh: { saves: "y", rule: (g, _x, y) => binary("tanhBackward", g, y) },
  sigmoid: { saves: "y", rule: (g, _x, y) => binary("sigmoidBackward", g, y) },
  relu: { saves: "y", rule: (g, _x, y) => binary("reluBackward", g, y) },
  clamp: { saves: "x", rule: (g, x, _y, lo, hi) => where(binary("mul", x.ge(lo), x.le(hi)), g, 0) },
  powScalar: { saves: "x", rule: (g, x, _y, p) => g.mul(pow(x, p - 1).mul(p)) },
  reciprocal: { saves: "y", rule: (g, _x, y) => g.mul(y.mul(y)).neg() },
  square: { saves: "x", rule: (g, x) => g.mul(x.mul(2)) },
  sign: { saves: "none", rule: (g) => g.mul(0) },
  leakyRelu: { saves: "x", rule: (g, x, _y, slope) => where(x.gt(0), g, g.mul(slope)) },
  log1p: { saves: "x", rule: (g, x) => g.div(x.add(1)) },
  expm1: { saves: "y", rule: (g, _x, y) => g.mul(y.add(1)) },
  sin: { saves: "x", rule: (g, x) => g.mul(unary("cos", x)) },
  cos: { saves: "x", rule: (g, x) => g.mul(unary("sin", x)).neg() },
  floor: { saves: "none", rule: (g) => g.mul(0) },
  ceil: { saves: "none", rule: (g) => g.mul(0) },
  round: { saves: "none", rule: (g) => g.mul(0) },
  mulScalar: { saves: "none", rule: (g, _x, _y, p) => g.mul(p) },
  addScalar: { saves: "none", rule: (g) => g },
  gelu: { saves: "x", rule: (g, x) => binary("geluBackward", g, x) },
  geluTanh: { saves: "x", rule: (g, x) => binary("geluTanhBackward", g, x) },
};

/** Unary ops the native library also runs on i32 (others promote ints to f32, as PyTorch). */
const INTEGER_UNARY = new Set<UnaryOpName>(["neg", "abs", "relu", "clamp", "square", "sign", "mulScalar", "addScalar"]);

const COMPARISONS = new Set<BinaryOpName>(["eq", "ne", "lt", "le", "gt", "ge"]);

/** Applies a unary kernel; `p0`/`p1` are the op's scalar parameters. */
export function unary(op: UnaryOpName, x: Tensor, p0 = 0, p1 = 0): Tensor {
  [x] = autocastInputs(op, x);
  let input = x;
  if (!dtypeInfo(x.dtype).isFloat && !INTEGER_UNARY.has(op)) input = x.to("f32");
  input = input.contiguous();
  const backend = backendOf(op, input);
  const out = Tensor.empty(input.shape, input.dtype, input.device);
  const n = input.numel;
  if (n === 0) return out;
  backend.unary(op, n, input, out, p0, p1);
  const grad = UNARY_GRADS[op];
  if (grad === undefined || !input.requiresGrad) return out;
  const saved = grad.saves === "x" ? [input] : grad.saves === "y" ? [out] : grad.saves === "xy" ? [input, out] : [];
  return record(out, op, [input], (g) => [grad.rule(g, input, out, p0, p1)], saved);
}

/** A one-element tensor holding `value` on `device`, for mixing numbers into tensor ops. */
export function scalarTensor(value: number, dtype: DType, device: Device = "cpu"): Tensor {
  if (device !== "cpu") return scalarTensor(value, dtype).to(device);
  if (isHalf(dtype)) return scalarTensor(value, "f32").to(dtype); // rounds to the 16-bit format
  if (!dtypeInfo(dtype).isFloat) checkFits(value, dtype, `a number with an ${dtype} tensor`);
  const t = Tensor.empty([], dtype);
  const view = dtypeInfo(dtype).view(t.storage.bytes.buffer, t.storage.bytes.byteOffset, 1);
  if (view instanceof BigInt64Array) view[0] = BigInt(Math.trunc(value));
  else view[0] = value;
  return t;
}

/** The dtype a number takes next to a tensor of `dtype` (PyTorch: a float scalar makes ints f32). */
function scalarDType(value: number, dtype: DType): DType {
  return !dtypeInfo(dtype).isFloat && !Number.isInteger(value) ? "f32" : dtype;
}

function asTensor(value: TensorLike, partner: Tensor): Tensor {
  return value instanceof Tensor ? value : scalarTensor(value, scalarDType(value, partner.dtype), partner.device);
}

/** Applies a binary kernel with broadcasting; comparisons return u8. */
export function binary(op: BinaryOpName, left: TensorLike, right: TensorLike): Tensor {
  if (!(left instanceof Tensor) && !(right instanceof Tensor)) {
    throw new TypeError(`${op}: at least one operand must be a Tensor`);
  }
  // A string, array or null would be coerced by the native call (to a number or NaN): refuse it.
  checkTensorLike(op, left instanceof Tensor ? "other" : "self", left);
  checkTensorLike(op, op === "pow" ? "exponent" : "other", right);
  if (op === "pow") [left, right] = autocastTensors("pow", left, right);
  const half = halfResult(left, right);
  if (half !== null && !(left instanceof Tensor && right instanceof Tensor)) {
    // A number next to a 16-bit tensor stays an unrounded f32 scalar (PyTorch's opmath), so
    // this one computes in f32 and rounds once; tensor pairs run natively, with the same bits.
    const up = (v: TensorLike) => (v instanceof Tensor ? v.to("f32") : v);
    const out = binary(op, up(left), up(right));
    return COMPARISONS.has(op) ? out : out.to(half);
  }
  let a = left instanceof Tensor ? left : asTensor(left, right as Tensor);
  let b = right instanceof Tensor ? right : asTensor(right, a);
  // Numbers took their partner's dtype (or f32 beside ints), so they never widen a float tensor.
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (a.dtype !== dtype) a = a.to(dtype);
  if (b.dtype !== dtype) b = b.to(dtype);
  const backend = backendOf(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = Tensor.empty(shape, COMPARISONS.has(op) ? "u8" : dtype, a.device);
  if (out.numel === 0) return out;
  backend.binary(op, out, a, b);
  if (COMPARISONS.has(op) || !(a.requiresGrad || b.requiresGrad)) return out;
  return recordBinary(op, a, b, out);
}

function recordBinary(op: BinaryOpName, a: Tensor, b: Tensor, out: Tensor): Tensor {
  const fit = (g: Tensor | null, like: Tensor) => (g === null || !like.requiresGrad ? null : sumToShape(g, like.shape));
  switch (op) {
    case "add":
      return record(out, op, [a, b], (g) => [fit(g, a), fit(g, b)]);
    case "sub":
      return record(out, op, [a, b], (g) => [fit(g, a), b.requiresGrad ? fit(g.neg(), b) : null]);
    case "mul":
      return record(
        out,
        op,
        [a, b],
        (g) => [a.requiresGrad ? fit(g.mul(b), a) : null, b.requiresGrad ? fit(g.mul(a), b) : null],
        [a, b],
      );
    case "div":
      return record(out, op, [a, b], (g) => [
        a.requiresGrad ? fit(g.div(b), a) : null,
        b.requiresGrad ? fit(g.mul(a).div(b.mul(b)).neg(), b) : null,
      ], [a, b]);
    case "pow":
      return record(out, op, [a, b], (g) => [
        a.requiresGrad ? fit(g.mul(b).mul(binary("pow", a, b.sub(1))), a) : null,
        // PyTorch masks the exponent's gradient where base == 0 and exponent >= 0 (log 0 = -inf).
        b.requiresGrad ? fit(where(binary("mul", a.eq(0), b.ge(0)), 0, g.mul(out).mul(unary("log", a))), b) : null,
      ], [a, b, out]);
    case "maximum":
    case "minimum": {
      // PyTorch's rule: the full gradient unless this side lost (so both sides get it where a NaN
      // made the comparison false), half of it on a tie.
      const wins = (x: Tensor, y: Tensor) =>
        binary("sub", 1, (op === "maximum" ? x.lt(y) : x.gt(y)).to(out.dtype).add(x.eq(y).to(out.dtype).mul(0.5)));
      return record(out, op, [a, b], (g) => [
        a.requiresGrad ? fit(g.mul(wins(a, b)), a) : null,
        b.requiresGrad ? fit(g.mul(wins(b, a)), b) : null,
      ], [a, b]);
    }
    default:
      return out; // activation-backward ops are never differentiated again
  }
}

/** The 16-bit float a binary op's result would have, or null when it computes natively. */
function halfResult(left: TensorLike, right: TensorLike): "f16" | "bf16" | null {
  const dtype = left instanceof Tensor
    ? (right instanceof Tensor ? promoteTypes(left.dtype, right.dtype) : left.dtype)
    : (right as Tensor).dtype;
  return isHalf(dtype) ? dtype : null;
}

/** {@link autocastInputs} for operands that may be numbers. */
function autocastTensors(op: "pow", left: TensorLike, right: TensorLike): [TensorLike, TensorLike] {
  const [a, b] = autocastInputs(op, left instanceof Tensor ? left : null, right instanceof Tensor ? right : null);
  return [a ?? left, b ?? right];
}

/** True division: integer operands are promoted to f32 first (PyTorch's `/`). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const toFloat = (x: TensorLike) => (x instanceof Tensor && !dtypeInfo(x.dtype).isFloat ? x.to("f32") : x);
  return binary("div", toFloat(a), toFloat(b));
}

/** `base ** exponent`, with PyTorch's exact special cases for common scalar exponents. */
export function pow(base: Tensor, exponent: TensorLike): Tensor {
  checkTensor("pow", "base", base);
  checkTensorLike("pow", "exponent", exponent);
  if (exponent instanceof Tensor) return binary("pow", base, exponent);
  if (!dtypeInfo(base.dtype).isFloat && Number.isInteger(exponent) && exponent >= 0) {
    return binary("pow", base, exponent);
  }
  switch (exponent) {
    case 1:
      return unary("mulScalar", base, 1);
    case 2:
      return unary("square", base);
    case 0.5:
      return unary("sqrt", base);
    case -0.5:
      return unary("rsqrt", base);
    case -1:
      return unary("reciprocal", base);
    default:
      return unary("powScalar", base, exponent);
  }
}

/** Throws unless `value` is a Tensor or a number. */
function checkTensorLike(where: string, name: string, value: unknown): void {
  if (!(value instanceof Tensor) && typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`${where}: ${name} must be a Tensor or a number, got ${describe(value)}`);
  }
}

/** Clamps into `[min, max]`; an omitted bound is open. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkTensor("clamp", "x", x);
  if (min !== undefined && min !== null) checkNumber("clamp", "min", min, { allowInfinity: true });
  if (max !== undefined && max !== null) checkNumber("clamp", "max", max, { allowInfinity: true });
  if (min === null) min = undefined;
  if (max === null) max = undefined;
  if (min === undefined && max === undefined) throw new TypeError("clamp: at least one of min and max must be given");
  if (min !== undefined && max !== undefined && min > max) {
    // PyTorch sets everything to max in this case; follow it.
    return unary("clamp", x, max, max);
  }
  const isFloat = dtypeInfo(x.dtype).isFloat;
  if (!isFloat && ((min !== undefined && !Number.isInteger(min)) || (max !== undefined && !Number.isInteger(max)))) {
    return unary("clamp", x.to("f32"), min ?? -Infinity, max ?? Infinity);
  }
  const lo = min ?? (isFloat ? -Infinity : -2147483648);
  const hi = max ?? (isFloat ? Infinity : 2147483647);
  return unary("clamp", x, lo, hi);
}

/** `condition ? a : b`, broadcasting all three; a non-u8 condition means `condition != 0`. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor("where", "condition", condition);
  checkTensorLike("where", "a", a);
  checkTensorLike("where", "b", b);
  const cond = condition.dtype === "u8" ? condition : condition.ne(0);
  let x = a instanceof Tensor ? a : scalarTensor(
    a,
    b instanceof Tensor ? scalarDType(a, b.dtype) : "f32",
    b instanceof Tensor ? b.device : cond.device,
  );
  let y = b instanceof Tensor ? b : scalarTensor(b, scalarDType(b, x.dtype), x.device);
  const dtype = promoteTypes(x.dtype, y.dtype);
  if (x.dtype !== dtype) x = x.to(dtype);
  if (y.dtype !== dtype) y = y.to(dtype);
  const backend = backendOf("where", cond, x, y);
  const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape, "where"), y.shape, "where");
  const out = Tensor.empty(shape, dtype, x.device);
  if (out.numel === 0) return out;
  backend.where(out, cond, x, y);
  if (!(x.requiresGrad || y.requiresGrad)) return out;
  return record(out, "where", [x, y], (g) => [
    x.requiresGrad ? sumToShape(where(cond, g, 0), x.shape) : null,
    y.requiresGrad ? sumToShape(where(cond, 0, g), y.shape) : null,
  ], [cond]);
}
