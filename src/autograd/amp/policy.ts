/**
 * The autocast op table: for every op Axon records or dispatches, the precision it runs in under
 * {@link autocast}, following PyTorch's autocast op lists (`torch/amp/autocast_mode.py`,
 * `aten/src/ATen/autocast_mode.cpp`, CUDA lists for the f32 ops, which are the stricter ones):
 *
 * - `"lowp"`: inputs cast to the region's dtype (f16/bf16) — the GEMM-bound ops, where half
 *   precision pays and f32 accumulation inside the kernel keeps the sums accurate;
 * - `"f32"`: half inputs cast up to f32 — ops whose range or accumulated error suffers in half
 *   (exp/log/pow, softmax, reductions, norms, losses);
 * - `"promote"`: float inputs cast to the widest float among them (what type promotion already
 *   does for element-wise arithmetic; matters for ops like `cat` that take several tensors).
 * @module
 */
import { BinaryOp, ReduceOp, UnaryOp } from "../../ops/codes.ts";
import { type DType, dtypeInfo, isHalf, promoteTypes } from "../../tensor/dtype.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { cachedCast, getAutocastDtype } from "./autocast.ts";

/** How an op's floating-point inputs are cast inside an autocast region. */
export type CastPolicy = "lowp" | "f32" | "promote";

/** Ops autocast runs in the region's half dtype: the GEMMs. */
export const AUTOCAST_LOWP_OPS = ["matmul", "linear", "conv2d"] as const;

/** Ops autocast runs in f32, where half precision loses too much range or accuracy. */
export const AUTOCAST_F32_OPS = [
  // unary/binary math with large range or cancellation
  "exp",
  "log",
  "log1p",
  "expm1",
  "reciprocal",
  "rsqrt",
  "powScalar",
  "pow",
  // softmax family
  "softmax",
  "logSoftmax",
  "logsumexp",
  // reductions and norms
  "sum",
  "mean",
  "prod",
  "sumOfSquares",
  "layerNorm",
  "batchNorm",
  // scans and vector norms (PyTorch's fp32_set_opt_dtype list: cumsum, cumprod, linalg_vector_norm)
  "cumsum",
  "cumprod",
  "norm",
  // losses
  "crossEntropy",
  "crossEntropyLoss",
  "nllLoss",
  "mseLoss",
  "l1Loss",
  "smoothL1Loss",
  "huberLoss",
  "bceLoss",
  "bceWithLogitsLoss",
] as const;

/** Ops that are neither GEMMs nor kernels, recorded in the graph or dispatched by name. */
export const AUTOCAST_STRUCTURAL_OPS = [
  "view",
  "reshape",
  "permute",
  "slice",
  "select",
  "unsqueeze",
  "squeeze",
  "expand",
  "clone",
  "to",
  "where",
  "cat",
  "stack",
  "indexSelect",
  "gather",
  "im2col",
  "maxPool2d",
  "avgPool2d",
  "adaptiveAvgPool2d",
  "dropout",
  "embedding",
  "checkpoint",
  // statistics recorded as one node each; PyTorch's autocast lists leave them in the input dtype
  "var",
  "std",
] as const;

/** Every op name autocast knows. */
export type AutocastOp =
  | (typeof AUTOCAST_LOWP_OPS)[number]
  | (typeof AUTOCAST_F32_OPS)[number]
  | (typeof AUTOCAST_STRUCTURAL_OPS)[number]
  | keyof typeof UnaryOp
  | keyof typeof BinaryOp
  | keyof typeof ReduceOp;

function buildTable(): Readonly<Record<AutocastOp, CastPolicy>> {
  const table: Partial<Record<AutocastOp, CastPolicy>> = {};
  const kernels = [...Object.keys(UnaryOp), ...Object.keys(BinaryOp), ...Object.keys(ReduceOp)] as AutocastOp[];
  for (const op of [...kernels, ...AUTOCAST_STRUCTURAL_OPS]) table[op] = "promote";
  for (const op of AUTOCAST_F32_OPS) table[op] = "f32";
  for (const op of AUTOCAST_LOWP_OPS) table[op] = "lowp";
  return Object.freeze(table as Record<AutocastOp, CastPolicy>);
}

/** The precision of every op under autocast (see the module doc). */
export const AUTOCAST_POLICY: Readonly<Record<AutocastOp, CastPolicy>> = buildTable();

/**
 * Casts `inputs` as `op`'s policy says when autocast is on (identity otherwise). Nulls (an absent
 * bias) and non-float tensors (indices, masks) pass through; f64 is never lowered, as PyTorch.
 */
export function autocastInputs<T extends readonly (Tensor | null)[]>(op: AutocastOp, ...inputs: T): T {
  const dtype = getAutocastDtype();
  if (dtype === null) return inputs;
  switch (AUTOCAST_POLICY[op]) {
    case "lowp":
      return inputs.map((t) => (t !== null && t.dtype === "f32" ? cachedCast(t, dtype) : t)) as unknown as T;
    case "f32":
      return inputs.map((t) => (t !== null && isHalf(t.dtype) ? t.to("f32") : t)) as unknown as T;
    case "promote": {
      let widest: DType | null = null;
      for (const t of inputs) {
        if (t !== null && dtypeInfo(t.dtype).isFloat) {
          widest = widest === null ? t.dtype : promoteTypes(widest, t.dtype);
        }
      }
      if (widest === null) return inputs;
      const to = widest;
      return inputs.map((
        t,
      ) => (t !== null && dtypeInfo(t.dtype).isFloat && t.dtype !== to ? t.to(to) : t)) as unknown as T;
    }
  }
}
