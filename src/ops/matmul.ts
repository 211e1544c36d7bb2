/**
 * Matrix products through the native blocked GEMM, with PyTorch's `matmul` rules: 1-d operands
 * are promoted and the added dim removed afterwards; batch dims broadcast.
 *
 * Transposed and strided operands are passed to the kernel as they lie (it packs them), so
 * `a.matmul(b.t())` costs no copy.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { isHalf } from "../tensor/dtype.ts";
import { autocastInputs } from "../autograd/amp/policy.ts";
import { broadcastShapes, formatShape, numelOf } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { record } from "../autograd/graph.ts";
import { sumToShape } from "./view_grad.ts";
import { copyStrided } from "./copy.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";

/** d(a·b): `g·bᵀ` and `aᵀ·g`, summed over broadcast batch dims. */
function recordMatmul(out: Tensor, a: Tensor, b: Tensor): Tensor {
  if (!(a.requiresGrad || b.requiresGrad)) return out;
  // b = Wᵀ (a Linear layer): compute (gᵀ·a)ᵀ so that W's gradient comes out contiguous after the
  // transpose's own backward, instead of as a transposed copy.
  const bIsTransposed = b.ndim === 2 && a.ndim === 2 && b.strides[0] === 1 && b.strides[1] === b.shape[0] &&
    b.shape[0] > 1;
  return record(out, "matmul", [a, b], (g) => [
    a.requiresGrad ? sumToShape(matmul(g, b.transpose(-1, -2)), a.shape) : null,
    !b.requiresGrad ? null : bIsTransposed ? matmul(g.t(), a).t() : sumToShape(matmul(a.transpose(-1, -2), g), b.shape),
  ], [a, b]);
}

/** How a (rows × cols) matrix view is handed to GEMM: row-major with `ld`, or transposed. */
interface MatrixLayout {
  readonly trans: boolean;
  readonly ld: number;
}

function matrixLayout(rows: number, cols: number, rowStride: number, colStride: number): MatrixLayout | null {
  if ((colStride === 1 || cols === 1) && (rowStride >= cols || rows === 1)) {
    return { trans: false, ld: rows === 1 ? Math.max(cols, 1) : rowStride };
  }
  if ((rowStride === 1 || rows === 1) && (colStride >= rows || cols === 1)) {
    return { trans: true, ld: cols === 1 ? Math.max(rows, 1) : colStride };
  }
  return null;
}

/** One stride that walks all batch dims in order, or null when they are not evenly spaced. */
function batchStride(shape: readonly number[], strides: readonly number[]): number | null {
  let stride: number | null = null;
  let span = 0; // elements one step of the dims to the right covers
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride === null) {
      stride = strides[i];
      span = strides[i] * shape[i];
    } else {
      if (strides[i] !== span) return null;
      span = strides[i] * shape[i];
    }
  }
  return stride ?? 0;
}

interface GemmOperand {
  readonly tensor: Tensor;
  readonly layout: MatrixLayout;
  readonly batchStride: number;
}

function prepare(t: Tensor, batch: readonly number[], rows: number, cols: number): GemmOperand {
  let x = t.expand([...batch, rows, cols]);
  const nd = x.ndim;
  let layout = matrixLayout(rows, cols, x.strides[nd - 2], x.strides[nd - 1]);
  let stride = batchStride(batch, x.strides.slice(0, nd - 2));
  if (layout === null || stride === null) {
    x = x.contiguous();
    layout = { trans: false, ld: Math.max(cols, 1) };
    stride = rows * cols;
  }
  return { tensor: x, layout, batchStride: stride };
}

/** out[i] = A[i]·B[i] for each of `batch` problems, out contiguous (on the operands' backend). */
function gemm(
  A: Tensor,
  la: MatrixLayout,
  aBatchStride: number,
  B: Tensor,
  lb: MatrixLayout,
  bBatchStride: number,
  out: Tensor,
  batch: number,
  m: number,
  n: number,
  k: number,
  beta = 0,
): void {
  backendOf("matmul", A, B, out).gemm({
    batch,
    m,
    n,
    k,
    alpha: 1,
    beta,
    a: { tensor: A, trans: la.trans, ld: la.ld, batchStride: aBatchStride },
    b: { tensor: B, trans: lb.trans, ld: lb.ld, batchStride: bBatchStride },
    c: { tensor: out, ld: Math.max(n, 1), batchStride: m * n },
  }, "matmul");
}

/**
 * Matrix product of `a` and `b`, PyTorch's `torch.matmul`. f32, or f16/bf16 (products accumulate
 * in f32 inside the kernel; the result is rounded once). Under autocast it runs in the region's
 * dtype.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor("matmul", "a", a);
  checkTensor("matmul", "b", b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(
      `matmul: both arguments need at least 1 dimension, got shapes ${formatShape(a.shape)} and ${
        formatShape(b.shape)
      }`,
    );
  }
  [a, b] = autocastInputs("matmul", a, b);
  if (a.dtype !== b.dtype || !(a.dtype === "f32" || isHalf(a.dtype))) {
    throw new TypeError(
      `matmul: expected two f32, f16 or bf16 tensors of the same dtype, got ${a.dtype} and ${b.dtype}`,
    );
  }
  if (a.ndim === 2 && b.ndim === 2) {
    // The common case (every Linear layer) without the batch machinery: ~1 µs less per call.
    const [m, k] = a.shape;
    const n = b.shape[1];
    const lhs = matrixLayout(m, k, a.strides[0], a.strides[1]);
    const rhs = matrixLayout(k, n, b.strides[0], b.strides[1]);
    if (b.shape[0] === k && lhs !== null && rhs !== null) {
      const out = Tensor.empty([m, n], a.dtype, a.device);
      if (out.numel > 0) gemm(a, lhs, 0, b, rhs, 0, out, 1, m, n, k);
      return recordMatmul(out, a, b);
    }
  }
  const left = a.ndim === 1 ? a.unsqueeze(0) : a;
  const right = b.ndim === 1 ? b.unsqueeze(1) : b;
  const m = left.shape[left.ndim - 2];
  const k = left.shape[left.ndim - 1];
  const n = right.shape[right.ndim - 1];
  if (right.shape[right.ndim - 2] !== k) {
    throw new RangeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} != ${
        right.shape[right.ndim - 2]
      })`,
    );
  }
  const batch = broadcastShapes(left.shape.slice(0, -2), right.shape.slice(0, -2), "matmul");
  const out = Tensor.empty([...batch, m, n], a.dtype, a.device);
  if (out.numel > 0) {
    const lhs = prepare(left, batch, m, k);
    const rhs = prepare(right, batch, k, n);
    gemm(
      lhs.tensor,
      lhs.layout,
      lhs.batchStride,
      rhs.tensor,
      rhs.layout,
      rhs.batchStride,
      out,
      numelOf(batch),
      m,
      n,
      k,
    );
  }
  let result = recordMatmul(out, left, right);
  if (a.ndim === 1) result = result.squeeze(-2);
  if (b.ndim === 1) result = result.squeeze(-1);
  return result;
}

/**
 * `x·Wᵀ + b` (PyTorch's `F.linear`): x `[…, in]`, weight `[out, in]`, bias `[out]` or null.
 * With a bias this is one GEMM that starts from the broadcast bias (PyTorch's `addmm`): one pass
 * less, and in f16/bf16 one rounding of x·Wᵀ + b instead of two. Under autocast all three run in
 * the region's dtype, so the output is f16/bf16 as in PyTorch.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor("linear", "x", x);
  checkTensor("linear", "weight", weight);
  bias = checkOptionalTensor("linear", "bias", bias);
  [x, weight, bias] = autocastInputs("linear", x, weight, bias);
  const b = bias;
  const fusable = b !== null && weight.ndim === 2 && b.ndim === 1 && b.shape[0] === weight.shape[0] && x.ndim >= 1 &&
    x.shape[x.ndim - 1] === weight.shape[1] && x.dtype === weight.dtype && b.dtype === x.dtype &&
    (x.dtype === "f32" || isHalf(x.dtype));
  const rows = fusable ? (x.ndim === 2 ? x : x.reshape([-1, weight.shape[1]])) : x;
  const [outFeatures, inFeatures] = weight.shape;
  const m = rows.shape[0];
  const lhs = fusable ? matrixLayout(m, inFeatures, rows.strides[0], rows.strides[1]) : null;
  const rhs = fusable ? matrixLayout(inFeatures, outFeatures, weight.strides[1], weight.strides[0]) : null; // Wᵀ as it lies
  if (b === null || lhs === null || rhs === null) {
    // No bias, unusual operands or layouts: the composition gives the usual errors and promotion.
    const out = matmul(x, weight.t());
    return b === null ? out : out.add(b);
  }
  const out = Tensor.empty([m, outFeatures], x.dtype, x.device);
  if (out.numel > 0) {
    copyStrided(out, b.detach().expand([m, outFeatures]));
    gemm(rows, lhs, 0, weight, rhs, 0, out, 1, m, outFeatures, inFeatures, 1);
  }
  const result = record(out, "linear", [rows, weight, b], (g) => [
    rows.requiresGrad ? matmul(g, weight) : null,
    weight.requiresGrad ? matmul(g.t(), rows) : null, // [out, in], contiguous like the weight
    b.requiresGrad ? g.sum(0) : null,
  ], [rows, weight]);
  return x.ndim === 2 ? result : result.reshape([...x.shape.slice(0, -1), outFeatures]);
}
