/**
 * `MultiheadAttention`, PyTorch's `nn.MultiheadAttention`: sequence-first inputs by default
 * (`batchFirst: false`), key/value widths `kdim`/`vdim`, boolean or additive `attnMask` and
 * `keyPaddingMask`, dropout on the attention weights, and PyTorch's parameter names
 * (`in_proj_weight`, or `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when kdim/vdim differ
 * from embedDim; `in_proj_bias`; `out_proj.*`), so state dicts interchange. Composed from matmul,
 * softmax and the seeded dropout, as PyTorch's `multi_head_attention_forward` (need_weights path).
 * @module
 */
import { arange, zeros } from "../ops/creation.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
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

/** Options of {@link MultiheadAttention}'s constructor (PyTorch's, camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Inputs `[N, L, E]` when true; `[L, N, E]` when false (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Feature width of keys (default embedDim). */
  kdim?: number;
  /** Feature width of values (default embedDim). */
  vdim?: number;
}

/** Options of {@link MultiheadAttention.forward} and {@link MultiheadAttention.forwardWithWeights}. */
export interface AttentionOptions {
  /**
   * `[L, S]` or `[N·heads, L, S]`: a boolean (u8) mask where 1 = not allowed, or a float mask added
   * to the scores.
   */
  attnMask?: Tensor | null;
  /** `[N, S]` (or `[S]` unbatched): a boolean (u8) mask where 1 = padding key to ignore, or a float mask added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Mask future positions (query i sees keys ≤ i), added to any `attnMask`. */
  isCausal?: boolean;
  /** Return attention weights from `forwardWithWeights` (default true); false returns `null` for them. */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true, as PyTorch). */
  averageAttnWeights?: boolean;
}

const FORWARD_KEYS = ["attnMask", "keyPaddingMask", "isCausal", "needWeights", "averageAttnWeights"];

/**
 * Multi-head scaled dot-product attention: softmax(Q·Kᵀ/√d + mask)·V per head, heads concatenated
 * and projected. Inputs are `[L, N, E]` (PyTorch's default), `[N, L, E]` with `batchFirst: true`,
 * or unbatched `[L, E]`.
 *
 * @example
 * ```ts
 * import { MultiheadAttention, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const mha = new MultiheadAttention(16, 4);           // sequence first, as PyTorch
 * const x = randn([10, 2, 16]);                        // [L, N, E]
 * const [out, weights] = mha.forwardWithWeights(x, x, x, { isCausal: true });
 * assert.deepEqual([out.shape, weights!.shape], [[10, 2, 16], [2, 10, 10]]);
 * ```
 */
export class MultiheadAttention extends Module {
  /** Model width E of queries and of the output. */
  readonly embedDim: number;
  /** Width of keys. */
  readonly kdim: number;
  /** Width of values. */
  readonly vdim: number;
  /** Number of parallel heads; each sees E / numHeads features. */
  readonly numHeads: number;
  /** Features per head, E / numHeads. */
  readonly headDim: number;
  /** Dropout probability on the attention weights in training. */
  readonly dropoutP: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  // Declared in PyTorch's state-dict order; the unused projection form stays null.
  /** Separate query projection `[E, E]` (only when kdim or vdim differ from E). */
  q_proj_weight: Parameter | null = null;
  /** Separate key projection `[E, kdim]` (only when kdim or vdim differ from E). */
  k_proj_weight: Parameter | null = null;
  /** Separate value projection `[E, vdim]` (only when kdim or vdim differ from E). */
  v_proj_weight: Parameter | null = null;
  /** Packed query, key and value projections `[3E, E]` (when kdim = vdim = E). */
  in_proj_weight: Parameter | null = null;
  /** Packed projection bias `[3E]`, or `null` without bias. */
  in_proj_bias: Parameter | null = null;
  /** Output projection E → E. */
  out_proj: Linear;

  /** Creates the layer; `embedDim` must divide by `numHeads`. */
  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const o = checkOptions<MultiheadAttentionOptions>("MultiheadAttention", options, [
      "dropout",
      "bias",
      "batchFirst",
      "kdim",
      "vdim",
    ]);
    checkInt("MultiheadAttention", "embedDim", embedDim, { min: 1 });
    checkInt("MultiheadAttention", "numHeads", numHeads, { min: 1 });
    if (embedDim % numHeads !== 0) {
      throw new RangeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = o.kdim === undefined ? embedDim : checkInt("MultiheadAttention", "kdim", o.kdim, { min: 1 });
    this.vdim = o.vdim === undefined ? embedDim : checkInt("MultiheadAttention", "vdim", o.vdim, { min: 1 });
    this.batchFirst = checkBool("MultiheadAttention", "batchFirst", o.batchFirst ?? false);
    this.dropoutP = checkNumber("MultiheadAttention", "dropout", o.dropout ?? 0, {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    });
    const bias = checkBool("MultiheadAttention", "bias", o.bias ?? true);
    // PyTorch: xavier_uniform_ on each projection weight, zero biases.
    const xavier = (rows: number, cols: number) => {
      const bound = Math.sqrt(6 / (rows + cols));
      return new Parameter(uniform_(zeros([rows, cols]), -bound, bound));
    };
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.in_proj_weight = xavier(3 * embedDim, embedDim);
    } else {
      this.q_proj_weight = xavier(embedDim, embedDim);
      this.k_proj_weight = xavier(embedDim, this.kdim);
      this.v_proj_weight = xavier(embedDim, this.vdim);
    }
    this.in_proj_bias = bias ? new Parameter(zeros([3 * embedDim])) : null;
    this.out_proj = new Linear(embedDim, embedDim, bias);
    if (bias) this.out_proj.bias = new Parameter(zeros([embedDim]));
  }

  /**
   * Self- or cross-attention output, `[L, N, E]` (`[N, L, E]` batch first, `[L, E]` unbatched);
   * key and value default to query.
   */
  forward(query: Tensor, key?: Tensor, value?: Tensor, options: AttentionOptions = {}): Tensor {
    const o = checkOptions<AttentionOptions>("MultiheadAttention.forward", options, FORWARD_KEYS);
    if (o.needWeights !== undefined) checkBool("MultiheadAttention.forward", "needWeights", o.needWeights);
    // The weights are not returned here, so they are not averaged either.
    return this.#attend(query, key ?? query, value ?? key ?? query, { ...o, needWeights: false })[0];
  }

  /**
   * Output and attention weights, PyTorch's `mha(q, k, v)`: the weights are `[N, L, S]` averaged
   * over heads, `[N, heads, L, S]` with `averageAttnWeights: false` (unbatched: without N), taken
   * after dropout as PyTorch returns them; `null` with `needWeights: false`.
   */
  forwardWithWeights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: AttentionOptions & { needWeights?: true },
  ): [Tensor, Tensor];
  /** With `needWeights: false` the weights are not returned (`null`). */
  forwardWithWeights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: AttentionOptions & { needWeights: false },
  ): [Tensor, null];
  /** Output and attention weights (or `null` when `needWeights` is false). */
  forwardWithWeights(query: Tensor, key: Tensor, value: Tensor, options?: AttentionOptions): [Tensor, Tensor | null];
  forwardWithWeights(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: AttentionOptions = {},
  ): [Tensor, Tensor | null] {
    const o = checkOptions<AttentionOptions>("MultiheadAttention.forward", options, FORWARD_KEYS);
    return this.#attend(query, key, value, o);
  }

  #attend(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions): [Tensor, Tensor | null] {
    const where = "MultiheadAttention.forward";
    const e = this.embedDim;
    const h = this.numHeads;
    checkTensor(where, "query", query);
    checkTensor(where, "key", key);
    checkTensor(where, "value", value);
    checkOptionalTensor(where, "attnMask", o.attnMask);
    checkOptionalTensor(where, "keyPaddingMask", o.keyPaddingMask);
    const isCausal = checkBool(where, "isCausal", o.isCausal ?? false);
    const needWeights = checkBool(where, "needWeights", o.needWeights ?? true);
    const average = checkBool(where, "averageAttnWeights", o.averageAttnWeights ?? true);
    const batched = query.ndim === 3;
    const layout = batched ? (this.batchFirst ? "[N, L, E]" : "[L, N, E]") : "[L, E]";
    const widths = { query: e, key: this.kdim, value: this.vdim };
    for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if ((t.ndim !== 2 && t.ndim !== 3) || t.ndim !== query.ndim || t.shape[t.ndim - 1] !== widths[name]) {
        throw new RangeError(
          `MultiheadAttention: ${name} must be ${
            layout.replace("E", String(widths[name]))
          } (batchFirst: ${this.batchFirst}, query ${query.ndim}-d), got ${formatShape(t.shape)}`,
        );
      }
    }
    // Everything below works on [N, len, width].
    const toBatchFirst = (t: Tensor) => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = toBatchFirst(query);
    const k0 = toBatchFirst(key);
    const v0 = toBatchFirst(value);
    const [n, l] = q0.shape;
    const s = k0.shape[1];
    if (k0.shape[0] !== n || v0.shape[0] !== n || v0.shape[1] !== s) {
      throw new RangeError(
        `MultiheadAttention: batch/sequence sizes disagree (${layout}): query ${formatShape(query.shape)}, key ${
          formatShape(key.shape)
        }, value ${formatShape(value.shape)}`,
      );
    }
    const project = (x: Tensor, i: number) => {
      const w = this.in_proj_weight !== null
        ? this.in_proj_weight.narrow(0, i * e, e)
        : [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!][i];
      const y = x.matmul(w.t());
      return this.in_proj_bias === null ? y : y.add(this.in_proj_bias.narrow(0, i * e, e));
    };
    const heads = (x: Tensor, len: number) => x.reshape([n, len, h, this.headDim]).permute(0, 2, 1, 3); // [N, H, len, D]
    const q = heads(project(q0, 0), l);
    const k = heads(project(k0, 1), s);
    const v = heads(project(v0, 2), s);
    // PyTorch scales q before the product: (q / √d)·kᵀ.
    let scores = q.mul(1 / Math.sqrt(this.headDim)).matmul(k.transpose(-1, -2)); // [N, H, L, S]
    if (isCausal) {
      const future = arange(0, s, 1, { dtype: "i32" }).unsqueeze(0).gt(arange(0, l, 1, { dtype: "i32" }).unsqueeze(1));
      scores = scores.maskedFill(future, -Infinity);
    }
    if (o.attnMask) {
      const mask = o.attnMask;
      const ok2 = mask.ndim === 2 && mask.shape[0] === l && mask.shape[1] === s;
      const ok3 = mask.ndim === 3 && mask.shape[0] === n * h && mask.shape[1] === l && mask.shape[2] === s;
      if (!ok2 && !ok3) {
        throw new RangeError(
          `MultiheadAttention: attnMask must be [${l}, ${s}] or [${n * h}, ${l}, ${s}] (N·heads, L, S), got ${
            formatShape(mask.shape)
          }`,
        );
      }
      scores = applyMask(scores, ok3 ? mask.reshape([n, h, l, s]) : mask, "attnMask");
    }
    if (o.keyPaddingMask) {
      const mask = o.keyPaddingMask;
      const expected = batched ? [n, s] : [s];
      if (mask.ndim !== expected.length || mask.shape.some((d, i) => d !== expected[i])) {
        throw new RangeError(
          `MultiheadAttention: keyPaddingMask must be ${formatShape(expected)}, got ${formatShape(mask.shape)}`,
        );
      }
      scores = applyMask(scores, mask.reshape([n, 1, 1, s]), "keyPaddingMask");
    }
    const weights = dropout(scores.softmax(-1), this.dropoutP, this.training);
    const attended = weights.matmul(v); // [N, H, L, D]
    let out = this.out_proj.forward(attended.permute(0, 2, 1, 3).reshape([n, l, e]));
    out = !batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (!needWeights) return [out, null];
    let returned = average ? weights.mean(1) : weights;
    if (!batched) returned = returned.squeeze(0);
    return [out, returned];
  }
}

/** Adds a float mask, or fills -inf where a boolean (u8) mask is set (PyTorch's canonical masks). */
function applyMask(scores: Tensor, mask: Tensor, name: string): Tensor {
  if (mask.dtype === "u8") return scores.maskedFill(mask, -Infinity);
  if (!dtypeInfo(mask.dtype).isFloat) {
    throw new TypeError(`MultiheadAttention: ${name} must be a boolean (u8) or float mask, got ${mask.dtype}`);
  }
  return scores.add(mask.to(scores.dtype));
}
