/**
 * `MultiheadAttention` (batch-first), composed from matmul, softmax and the seeded dropout.
 * Parameter names follow PyTorch (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, …).
 * @module
 */
import { arange, zeros } from "../ops/creation.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { dropout } from "./dropout.ts";
import { uniform_ } from "./init.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { checkBool, checkInt, checkNumber } from "../utils/check.ts";
import { checkOptions } from "../utils/options.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";

/** Options of {@link MultiheadAttention.forwardWithWeights}. */
export interface AttentionOptions {
  /** Additive float mask `[L, S]` or `[N·heads, L, S]`, or u8 mask where 1 = not allowed. */
  attnMask?: Tensor | null;
  /** u8 `[N, S]`, 1 = padding key to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Mask future positions (query i sees keys ≤ i). */
  isCausal?: boolean;
  /** Average the returned weights over heads (default true, as PyTorch). */
  averageAttnWeights?: boolean;
}

/** Multi-head scaled dot-product attention with inputs `[N, L, E]` (batch first). */
export class MultiheadAttention extends Module {
  /** Model width E of queries and of the output. */
  readonly embedDim: number;
  /** Number of parallel heads; each sees E / numHeads features. */
  readonly numHeads: number;
  /** Features per head, E / numHeads. */
  readonly headDim: number;
  /** Dropout probability on the attention weights in training. */
  readonly dropoutP: number;
  /** Packed query, key and value projections `[3E, E]` (PyTorch's name, so checkpoints interchange). */
  in_proj_weight: Parameter;
  /** Packed projection bias `[3E]`, or `null` without bias. */
  in_proj_bias: Parameter | null;
  /** Output projection E → E. */
  out_proj: Linear;

  /** Creates the layer; `embedDim` must divide by `numHeads`, and only `batchFirst: true` is supported. */
  constructor(embedDim: number, numHeads: number, options: { dropout?: number; bias?: boolean; batchFirst?: boolean } = {}) {
    super();
    checkOptions("MultiheadAttention", options, ["dropout", "bias", "batchFirst"]);
    if (options.batchFirst !== undefined) checkBool("MultiheadAttention", "batchFirst", options.batchFirst);
    if (options.batchFirst === false) throw new RangeError("MultiheadAttention: only batchFirst: true is supported");
    checkInt("MultiheadAttention", "embedDim", embedDim, { min: 1 });
    checkInt("MultiheadAttention", "numHeads", numHeads, { min: 1 });
    if (embedDim % numHeads !== 0) {
      throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropoutP = checkNumber("MultiheadAttention", "dropout", options.dropout ?? 0, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true });
    const bias = checkBool("MultiheadAttention", "bias", options.bias ?? true);
    // PyTorch: xavier_uniform_ on the packed projection, zero biases.
    const bound = Math.sqrt(6 / (embedDim + 3 * embedDim));
    this.in_proj_weight = new Parameter(uniform_(zeros([3 * embedDim, embedDim]), -bound, bound));
    this.in_proj_bias = bias ? new Parameter(zeros([3 * embedDim])) : null;
    this.out_proj = new Linear(embedDim, embedDim, bias);
    if (bias) this.out_proj.bias = new Parameter(zeros([embedDim]));
  }

  /** Self- or cross-attention output `[N, L, E]` (key and value default to query). */
  forward(query: Tensor, key?: Tensor, value?: Tensor, options: AttentionOptions = {}): Tensor {
    return this.forwardWithWeights(query, key ?? query, value ?? key ?? query, options)[0];
  }

  /** Output and attention weights (`[N, L, S]` averaged over heads, or `[N, heads, L, S]`). */
  forwardWithWeights(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): [Tensor, Tensor] {
    const e = this.embedDim;
    const o = checkOptions<AttentionOptions>("MultiheadAttention.forward", options, ["attnMask", "keyPaddingMask", "isCausal", "averageAttnWeights"]);
    for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
      checkTensor("MultiheadAttention.forward", name, t);
      if (t.ndim !== 3 || t.shape[2] !== e) throw new RangeError(`MultiheadAttention: ${name} must be [N, L, ${e}], got ${formatShape(t.shape)}`);
    }
    checkOptionalTensor("MultiheadAttention.forward", "attnMask", o.attnMask);
    checkOptionalTensor("MultiheadAttention.forward", "keyPaddingMask", o.keyPaddingMask);
    if (o.isCausal !== undefined) checkBool("MultiheadAttention.forward", "isCausal", o.isCausal);
    if (o.averageAttnWeights !== undefined) checkBool("MultiheadAttention.forward", "averageAttnWeights", o.averageAttnWeights);
    const [n, l] = query.shape;
    const s = key.shape[1];
    if (key.shape[0] !== n || value.shape[0] !== n || value.shape[1] !== s) {
      throw new RangeError(`MultiheadAttention: batch/sequence sizes disagree: query ${formatShape(query.shape)}, key ${formatShape(key.shape)}, value ${formatShape(value.shape)}`);
    }
    const project = (x: Tensor, i: number) => {
      const w = this.in_proj_weight.narrow(0, i * e, e);
      const y = x.matmul(w.t());
      return this.in_proj_bias === null ? y : y.add(this.in_proj_bias.narrow(0, i * e, e));
    };
    const heads = (x: Tensor, len: number) => x.reshape([n, len, this.numHeads, this.headDim]).permute(0, 2, 1, 3); // [N, H, len, D]
    const q = heads(project(query, 0), l);
    const k = heads(project(key, 1), s);
    const v = heads(project(value, 2), s);
    let scores = q.matmul(k.transpose(-1, -2)).mul(1 / Math.sqrt(this.headDim)); // [N, H, L, S]
    if (options.isCausal) {
      const future = arange(0, s, 1, { dtype: "i32" }).unsqueeze(0).gt(arange(0, l, 1, { dtype: "i32" }).unsqueeze(1));
      scores = scores.maskedFill(future, -Infinity);
    }
    if (options.attnMask) {
      const mask = options.attnMask;
      const shaped = mask.ndim === 3 ? mask.reshape([n, this.numHeads, l, s]) : mask;
      scores = mask.dtype === "u8" ? scores.maskedFill(shaped, -Infinity) : scores.add(shaped);
    }
    if (options.keyPaddingMask) {
      scores = scores.maskedFill(options.keyPaddingMask.reshape([n, 1, 1, s]), -Infinity);
    }
    const weights = scores.softmax(-1);
    const attended = dropout(weights, this.dropoutP, this.training).matmul(v); // [N, H, L, D]
    const merged = attended.permute(0, 2, 1, 3).reshape([n, l, e]);
    const out = this.out_proj.forward(merged);
    const returned = (options.averageAttnWeights ?? true) ? weights.mean(1) : weights;
    return [out, returned];
  }
}
