/**
 * `Embedding`: a lookup table of vectors indexed by i32 or i64 ids.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { randn } from "../ops/random.ts";
import { indexSelect } from "../ops/indexing.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { checkInt } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { indexAsI32 } from "../ops/index_dtype.ts";

/** Rows of `weight [numEmbeddings, embeddingDim]` (N(0, 1) init) looked up by i32 or i64 indices. */
export class Embedding extends Module {
  /** Size of the vocabulary (rows of the table). */
  readonly numEmbeddings: number;
  /** Length of each vector. */
  readonly embeddingDim: number;
  /** Row that stays zero and gets no gradient, normalised to ≥ 0; `null` for none. */
  readonly paddingIdx: number | null;
  /** The table `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  /** Creates the table; a negative `paddingIdx` counts from the end. */
  constructor(numEmbeddings: number, embeddingDim: number, options: { paddingIdx?: number | null } = {}) {
    super();
    checkOptions("Embedding", options, ["paddingIdx"]);
    checkInt("Embedding", "numEmbeddings", numEmbeddings, { min: 1 });
    checkInt("Embedding", "embeddingDim", embeddingDim, { min: 1 });
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let padding = options.paddingIdx ?? null;
    if (padding !== null) {
      checkInt("Embedding", "paddingIdx", padding, { min: -numEmbeddings, max: numEmbeddings - 1 });
      if (padding < 0) padding += numEmbeddings;
    }
    this.paddingIdx = padding;
    this.weight = new Parameter(randn([numEmbeddings, embeddingDim]));
    if (padding !== null) noGrad(() => this.weight.select(0, padding!).copy_(this.weight.select(0, padding!).mul(0)));
  }

  /** Looks up rows: i32 or i64 `indices` of any shape give `[...indices.shape, embeddingDim]`. */
  forward(indices: Tensor): Tensor {
    checkTensor("Embedding", "indices", indices);
    indices = indexAsI32("Embedding", "indices", indices, {
      lo: 0,
      hi: this.numEmbeddings - 1,
      what: `${this.numEmbeddings} embeddings`,
    });
    const rows = indexSelect(this.weight, 0, indices.reshape([-1]));
    const out = rows.reshape([...indices.shape, this.embeddingDim]);
    if (this.paddingIdx === null || !this.weight.requiresGrad) return out;
    // The padding row receives no gradient (PyTorch): mask it out of the incoming gradient.
    const keep = indices.ne(this.paddingIdx).unsqueeze(-1).to(out.dtype);
    return out.mul(keep).add(out.detach().mul(keep.neg().add(1)));
  }
}
