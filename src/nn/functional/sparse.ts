/**
 * Lookup functions of `F`: `embedding` and `oneHot`.
 * @module
 */
import { arange } from "../../ops/creation.ts";
import { indexAsI32 } from "../../ops/index_dtype.ts";
import { indexSelect } from "../../ops/indexing.ts";
import { formatShape } from "../../tensor/shape.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { checkInt } from "../../utils/check.ts";
import { checkTensor } from "../../utils/check_tensor.ts";
import { checkOptions } from "../../utils/options.ts";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** A row that receives no gradient (negative counts from the end); default none. */
  paddingIdx?: number | null;
}

/**
 * Rows of `weight [numEmbeddings, dim]` at the i32/i64 `input` indices → `[...input.shape, dim]`
 * (PyTorch's `F.embedding`).
 *
 * @example
 * ```ts
 * import { F, randn, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(F.embedding(tensor([[0, 2]]), randn(3, 4)).shape, [1, 2, 4]);
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkTensor("F.embedding", "input", input);
  checkTensor("F.embedding", "weight", weight);
  if (weight.ndim !== 2) {
    throw new RangeError(`F.embedding: weight must be 2-d [numEmbeddings, dim], got ${formatShape(weight.shape)}`);
  }
  const { paddingIdx = null } = checkOptions<EmbeddingOptions>("F.embedding", options, ["paddingIdx"]);
  const rows = weight.shape[0];
  const index = indexAsI32("F.embedding", "input", input, { lo: 0, hi: rows - 1, what: `${rows} embeddings` });
  let rowsOut: Tensor;
  try {
    rowsOut = indexSelect(weight, 0, index.reshape([-1]));
  } catch (e) {
    throw new RangeError(`F.embedding: input holds an index outside [0, ${rows}): ${(e as Error).message}`);
  }
  const out = rowsOut.reshape([...input.shape, weight.shape[1]]);
  if (paddingIdx === null || !weight.requiresGrad) return out;
  const pad = checkInt("F.embedding", "paddingIdx", paddingIdx, { min: -rows, max: rows - 1 });
  const keep = index.ne(pad < 0 ? pad + rows : pad).unsqueeze(-1).to(out.dtype);
  return out.mul(keep).add(out.detach().mul(keep.neg().add(1))); // the padding row gets no gradient
}

/**
 * One-hot encoding of class indices (PyTorch's `F.one_hot`): i32/i64 `input` → i64
 * `[...input.shape, numClasses]`; `numClasses = -1` (default) takes the largest index + 1.
 *
 * @example
 * ```ts
 * import { F, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(F.oneHot(tensor([0, 2]), 3).toList(), [[1, 0, 0], [0, 0, 1]]);
 * ```
 */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  checkTensor("F.oneHot", "input", input);
  checkInt("F.oneHot", "numClasses", numClasses, { min: -1 });
  let classes = numClasses;
  if (classes === -1) {
    if (input.numel === 0) throw new RangeError("F.oneHot: cannot infer numClasses from an empty tensor");
    const index = indexAsI32("F.oneHot", "input", input, { lo: 0, hi: 2147483646, what: "class indices" });
    classes = Number(index.max().item()) + 1;
  }
  const index = indexAsI32("F.oneHot", "input", input, { lo: 0, hi: classes - 1, what: `${classes} classes` });
  if (index.numel > 0) {
    const [lo, hi] = [Number(index.min().item()), Number(index.max().item())];
    if (lo < 0 || hi >= classes) {
      throw new RangeError(`F.oneHot: class index ${lo < 0 ? lo : hi} is outside [0, ${classes})`);
    }
  }
  return index.unsqueeze(-1).eq(arange(0, classes, 1, { dtype: "i32" })).to("i64");
}
