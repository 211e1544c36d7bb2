/**
 * Transformer layers, PyTorch's `nn.TransformerEncoderLayer`, `nn.TransformerEncoder`,
 * `nn.TransformerDecoderLayer`, `nn.TransformerDecoder` and `nn.Transformer`: the same constructor arguments
 * (camelCase), post-norm by default or pre-norm with `normFirst`, ReLU/GELU or any activation, and
 * PyTorch's state-dict names (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.bias`,
 * `layers.0.…`), so weights interchange. Composed from {@link MultiheadAttention}, `Linear`,
 * `LayerNorm` and `Dropout` exactly as PyTorch's Python forward (not its inference fast path).
 * @module
 */
import { getRngState, setRngState } from "../ops/random.ts";
import { arange, zeros } from "../ops/creation.ts";
import { unary } from "../ops/elementwise.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt, checkNumber } from "../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { MultiheadAttention } from "./attention.ts";
import { ModuleList } from "./containers.ts";
import { Dropout } from "./dropout.ts";
import { Linear } from "./linear.ts";
import { Module } from "./module.ts";
import { LayerNorm } from "./normalization.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { formatShape } from "../tensor/shape.ts";
import { fans, uniform_ } from "./init.ts";

/** The feed-forward activation: PyTorch's `"relu"` / `"gelu"` (exact), a function, or a Module. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

/** Options of the Transformer layers' constructors (PyTorch's, camelCase, same defaults). */
export interface TransformerLayerOptions {
  /** Width of the feed-forward hidden layer (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability in attention, after attention and in the feed-forward block (default 0.1). */
  dropout?: number;
  /** Feed-forward activation (default `"relu"`). */
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Inputs `[N, L, E]` when true, `[L, N, E]` when false (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before attention and feed-forward, inside the residual (default false: post-norm). */
  normFirst?: boolean;
  /** Biases in the linear layers, attention and LayerNorms (default true). */
  bias?: boolean;
}

const LAYER_KEYS = ["dimFeedforward", "dropout", "activation", "layerNormEps", "batchFirst", "normFirst", "bias"];

/** Options of {@link TransformerEncoderLayer.forward}. */
export interface EncoderLayerForwardOptions {
  /** `[L, L]` or `[N·nhead, L, L]` attention mask: bool (u8, 1 = not allowed) or float (added). */
  srcMask?: Tensor | null;
  /** `[N, L]` bool (u8, 1 = padding) or float mask of keys. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (position i sees positions ≤ i); combined with any `srcMask`. */
  isCausal?: boolean;
}

/** Options of {@link TransformerEncoder.forward}. */
export interface EncoderForwardOptions {
  /** `[L, L]` or `[N·nhead, L, L]` attention mask for every layer: bool (u8, 1 = not allowed) or float. */
  mask?: Tensor | null;
  /** `[N, L]` bool (u8, 1 = padding) or float mask of keys. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention in every layer; combined with any `mask`. */
  isCausal?: boolean;
}

/** Options of {@link TransformerDecoderLayer.forward} and {@link TransformerDecoder.forward}. */
export interface DecoderForwardOptions {
  /** `[T, T]` or `[N·nhead, T, T]` self-attention mask: bool (u8, 1 = not allowed) or float. */
  tgtMask?: Tensor | null;
  /** `[T, S]` or `[N·nhead, T, S]` cross-attention mask over the memory. */
  memoryMask?: Tensor | null;
  /** `[N, T]` padding mask of the target keys. */
  tgtKeyPaddingMask?: Tensor | null;
  /** `[N, S]` padding mask of the memory keys. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Causal self-attention; combined with any `tgtMask`. */
  tgtIsCausal?: boolean;
  /** Causal cross-attention (target i sees memory positions ≤ i); combined with any `memoryMask`. */
  memoryIsCausal?: boolean;
}

const DECODER_FORWARD_KEYS = [
  "tgtMask",
  "memoryMask",
  "tgtKeyPaddingMask",
  "memoryKeyPaddingMask",
  "tgtIsCausal",
  "memoryIsCausal",
];

/**
 * PyTorch's `Transformer.generate_square_subsequent_mask(sz)`: a float `[size, size]` mask with
 * −∞ above the diagonal and 0 elsewhere (position i attends to positions ≤ i).
 *
 * @example
 * ```ts
 * import { generateSquareSubsequentMask } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(generateSquareSubsequentMask(3).toList(), [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
 * ```
 */
export function generateSquareSubsequentMask(size: number): Tensor {
  checkInt("generateSquareSubsequentMask", "size", size, { min: 0 });
  const future = arange(0, size, 1, { dtype: "i32" }).unsqueeze(0).gt(
    arange(0, size, 1, { dtype: "i32" }).unsqueeze(1),
  );
  return zeros([size, size]).maskedFill(future, -Infinity);
}

/** The parsed constructor options shared by encoder and decoder layers. */
interface LayerConfig {
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
}

/** An option's value, or `fallback` when it is absent (`null` is a value, refused by the check that follows). */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function parseConfig(where: string, dModel: unknown, nhead: unknown, options: unknown): LayerConfig {
  const o = checkOptions<TransformerLayerOptions>(where, options, LAYER_KEYS);
  const activation = o.activation === undefined ? "relu" : o.activation;
  if (
    activation !== "relu" && activation !== "gelu" && typeof activation !== "function" &&
    !(activation instanceof Module)
  ) {
    throw new TypeError(
      `${where}: activation must be "relu", "gelu", a function of a Tensor or a Module, got ${describe(activation)}`,
    );
  }
  checkInt(where, "dModel", dModel, { min: 1 });
  checkInt(where, "nhead", nhead, { min: 1 });
  if ((dModel as number) % (nhead as number) !== 0) {
    throw new RangeError(`${where}: dModel ${dModel} must be divisible by nhead ${nhead}`);
  }
  return {
    dModel: dModel as number,
    nhead: nhead as number,
    dimFeedforward: checkInt(where, "dimFeedforward", given(o.dimFeedforward, 2048), { min: 1 }),
    dropout: checkNumber(where, "dropout", given(o.dropout, 0.1), {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    }),
    activation,
    layerNormEps: checkNumber(where, "layerNormEps", given(o.layerNormEps, 1e-5), { lo: 0 }),
    batchFirst: checkBool(where, "batchFirst", given(o.batchFirst, false)),
    normFirst: checkBool(where, "normFirst", given(o.normFirst, false)),
    bias: checkBool(where, "bias", given(o.bias, true)),
  };
}

function applyActivation(activation: TransformerActivation, x: Tensor): Tensor {
  if (activation === "relu") return x.relu();
  if (activation === "gelu") return unary("gelu", x);
  if (activation instanceof Module) return activation.forward(x);
  return activation(x);
}

function activationRepr(activation: TransformerActivation): string {
  return typeof activation === "string"
    ? activation
    : activation instanceof Module
    ? activation.constructor.name
    : "function";
}

/** Creates a module with the RNG untouched (PyTorch's deep copies draw no random numbers), then copies `source`'s weights. */
function cloneLayer<M extends Module>(make: () => M, source: M): M {
  const state = getRngState();
  const copy = make();
  setRngState(state);
  noGrad(() => copy.loadStateDict(source.stateDict()));
  copy.train(source.training);
  return copy;
}

/**
 * One encoder block, PyTorch's `nn.TransformerEncoderLayer`: self-attention and a feed-forward
 * network, each with a residual connection and LayerNorm —
 * post-norm `x = norm1(x + sa(x)); x = norm2(x + ff(x))`, or with `normFirst`
 * `x = x + sa(norm1(x)); x = x + ff(norm2(x))`; ff(x) = linear2(dropout(act(linear1(x)))).
 *
 * @example
 * ```ts
 * import { randn, TransformerEncoderLayer } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true, normFirst: true });
 * assert.deepEqual(layer.forward(randn([2, 10, 32]), { isCausal: true }).shape, [2, 10, 32]);
 * ```
 */
export class TransformerEncoderLayer extends Module {
  /** Model width E. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Feed-forward hidden width. */
  readonly dimFeedforward: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  /** Whether LayerNorm comes before each block (pre-norm). */
  readonly normFirst: boolean;
  /** Self-attention. */
  self_attn: MultiheadAttention;
  /** E → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** dimFeedforward → E. */
  linear2: Linear;
  /** LayerNorm of the attention block. */
  norm1: LayerNorm;
  /** LayerNorm of the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout after attention. */
  dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  dropout2: Dropout;
  /** The feed-forward activation. */
  activation: TransformerActivation;
  readonly #config: LayerConfig;

  /** Creates the layer with PyTorch's defaults (dimFeedforward 2048, dropout 0.1, ReLU, post-norm, sequence first). */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const c = parseConfig("TransformerEncoderLayer", dModel, nhead, options);
    this.#config = c;
    this.dModel = c.dModel;
    this.nhead = c.nhead;
    this.dimFeedforward = c.dimFeedforward;
    this.batchFirst = c.batchFirst;
    this.normFirst = c.normFirst;
    this.self_attn = new MultiheadAttention(c.dModel, c.nhead, {
      dropout: c.dropout,
      bias: c.bias,
      batchFirst: c.batchFirst,
    });
    this.linear1 = new Linear(c.dModel, c.dimFeedforward, c.bias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, c.dModel, c.bias);
    this.norm1 = new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.norm2 = new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.activation = c.activation;
  }

  /** A copy with the same configuration and weights (PyTorch's `copy.deepcopy` in `TransformerEncoder`). */
  clone(): TransformerEncoderLayer {
    const { dModel, nhead, ...rest } = this.#config;
    return cloneLayer(() => new TransformerEncoderLayer(dModel, nhead, rest), this);
  }

  /** Applies the block to `src` (`[L, N, E]`, batch first `[N, L, E]`, or unbatched `[L, E]`). */
  forward(src: Tensor, options: EncoderLayerForwardOptions = {}): Tensor {
    const where = "TransformerEncoderLayer.forward";
    const o = checkOptions<EncoderLayerForwardOptions>(where, options, ["srcMask", "srcKeyPaddingMask", "isCausal"]);
    checkTensor(where, "src", src);
    const attnMask = checkOptionalTensor(where, "srcMask", o.srcMask);
    const keyPaddingMask = checkOptionalTensor(where, "srcKeyPaddingMask", o.srcKeyPaddingMask);
    const isCausal = checkBool(where, "isCausal", given(o.isCausal, false));
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, { attnMask, keyPaddingMask, isCausal, needWeights: false }),
      );
    const ff = (x: Tensor) =>
      this.dropout2.forward(
        this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))),
      );
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      return x.add(ff(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(sa(x)));
    return this.norm2.forward(x.add(ff(x)));
  }

  /** PyTorch shows the activation as a child only when it is a Module. */
  override extraRepr(): string {
    return this.activation instanceof Module ? "" : `activation=${activationRepr(this.activation)}`;
  }
}

/**
 * A stack of `numLayers` copies of an encoder layer, PyTorch's `nn.TransformerEncoder`, with an
 * optional final `norm`. As in PyTorch, every copy starts with the given layer's weights (state
 * dict `layers.0.…`, `layers.1.…`, `norm.…`).
 *
 * @example
 * ```ts
 * import { generateSquareSubsequentMask, LayerNorm, randn, TransformerEncoder, TransformerEncoderLayer } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const layer = new TransformerEncoderLayer(32, 4, { dimFeedforward: 64 });
 * const encoder = new TransformerEncoder(layer, 2, { norm: new LayerNorm(32) });
 * const out = encoder.forward(randn([10, 2, 32]), { mask: generateSquareSubsequentMask(10) });
 * assert.deepEqual(out.shape, [10, 2, 32]);
 * ```
 */
export class TransformerEncoder extends Module {
  /** The layers, `layers.0` … `layers.{numLayers−1}`. */
  layers: ModuleList<TransformerEncoderLayer>;
  /** Number of layers. */
  readonly numLayers: number;
  /** Final normalisation, or `null`. */
  norm: Module | null;

  /** Stacks `numLayers` copies of `encoderLayer`; `norm` (e.g. a LayerNorm) is applied last. */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    const o = checkOptions<{ norm?: Module | null }>("TransformerEncoder", options, ["norm"]);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new TypeError(
        `TransformerEncoder: encoderLayer must be a TransformerEncoderLayer, got ${describe(encoderLayer)}`,
      );
    }
    this.numLayers = checkInt("TransformerEncoder", "numLayers", numLayers, { min: 1 });
    if (o.norm !== undefined && o.norm !== null && !(o.norm instanceof Module)) {
      throw new TypeError(`TransformerEncoder: norm must be a Module or null, got ${describe(o.norm)}`);
    }
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = o.norm ?? null;
  }

  /** Passes `src` through every layer (with the same masks), then `norm`. */
  forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    const where = "TransformerEncoder.forward";
    const o = checkOptions<EncoderForwardOptions>(where, options, ["mask", "srcKeyPaddingMask", "isCausal"]);
    let x = checkTensor(where, "src", src);
    checkOptionalTensor(where, "mask", o.mask);
    checkOptionalTensor(where, "srcKeyPaddingMask", o.srcKeyPaddingMask);
    if (o.isCausal !== undefined) checkBool(where, "isCausal", o.isCausal);
    for (const layer of this.layers) {
      x = layer.forward(x, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal });
    }
    return this.norm === null ? x : this.norm.forward(x);
  }
}

/**
 * One decoder block, PyTorch's `nn.TransformerDecoderLayer`: self-attention, cross-attention
 * over `memory` and a feed-forward network, each with a residual connection and LayerNorm
 * (post-norm by default, pre-norm with `normFirst`).
 *
 * @example
 * ```ts
 * import { randn, TransformerDecoderLayer } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const layer = new TransformerDecoderLayer(32, 4, { dimFeedforward: 64 });
 * assert.deepEqual(layer.forward(randn([7, 2, 32]), randn([10, 2, 32]), { tgtIsCausal: true }).shape, [7, 2, 32]);
 * ```
 */
export class TransformerDecoderLayer extends Module {
  /** Model width E. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Feed-forward hidden width. */
  readonly dimFeedforward: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  /** Whether LayerNorm comes before each block (pre-norm). */
  readonly normFirst: boolean;
  /** Self-attention over the target. */
  self_attn: MultiheadAttention;
  /** Cross-attention from the target to the memory. */
  multihead_attn: MultiheadAttention;
  /** E → dimFeedforward. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** dimFeedforward → E. */
  linear2: Linear;
  /** LayerNorm of the self-attention block. */
  norm1: LayerNorm;
  /** LayerNorm of the cross-attention block. */
  norm2: LayerNorm;
  /** LayerNorm of the feed-forward block. */
  norm3: LayerNorm;
  /** Dropout after self-attention. */
  dropout1: Dropout;
  /** Dropout after cross-attention. */
  dropout2: Dropout;
  /** Dropout after the feed-forward block. */
  dropout3: Dropout;
  /** The feed-forward activation. */
  activation: TransformerActivation;
  readonly #config: LayerConfig;

  /** Creates the layer with PyTorch's defaults (dimFeedforward 2048, dropout 0.1, ReLU, post-norm, sequence first). */
  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const c = parseConfig("TransformerDecoderLayer", dModel, nhead, options);
    this.#config = c;
    this.dModel = c.dModel;
    this.nhead = c.nhead;
    this.dimFeedforward = c.dimFeedforward;
    this.batchFirst = c.batchFirst;
    this.normFirst = c.normFirst;
    const mha = { dropout: c.dropout, bias: c.bias, batchFirst: c.batchFirst };
    this.self_attn = new MultiheadAttention(c.dModel, c.nhead, mha);
    this.multihead_attn = new MultiheadAttention(c.dModel, c.nhead, mha);
    this.linear1 = new Linear(c.dModel, c.dimFeedforward, c.bias);
    this.dropout = new Dropout(c.dropout);
    this.linear2 = new Linear(c.dimFeedforward, c.dModel, c.bias);
    this.norm1 = new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.norm2 = new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.norm3 = new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.dropout1 = new Dropout(c.dropout);
    this.dropout2 = new Dropout(c.dropout);
    this.dropout3 = new Dropout(c.dropout);
    this.activation = c.activation;
  }

  /** A copy with the same configuration and weights (PyTorch's `copy.deepcopy` in `TransformerDecoder`). */
  clone(): TransformerDecoderLayer {
    const { dModel, nhead, ...rest } = this.#config;
    return cloneLayer(() => new TransformerDecoderLayer(dModel, nhead, rest), this);
  }

  /** Applies the block to `tgt` attending to `memory` (both `[len, N, E]`, batch first `[N, len, E]`, or unbatched). */
  forward(tgt: Tensor, memory: Tensor, options: DecoderForwardOptions = {}): Tensor {
    const where = "TransformerDecoderLayer.forward";
    const o = checkOptions<DecoderForwardOptions>(where, options, DECODER_FORWARD_KEYS);
    checkTensor(where, "tgt", tgt);
    checkTensor(where, "memory", memory);
    const tgtMask = checkOptionalTensor(where, "tgtMask", o.tgtMask);
    const memoryMask = checkOptionalTensor(where, "memoryMask", o.memoryMask);
    const tgtPad = checkOptionalTensor(where, "tgtKeyPaddingMask", o.tgtKeyPaddingMask);
    const memoryPad = checkOptionalTensor(where, "memoryKeyPaddingMask", o.memoryKeyPaddingMask);
    const tgtIsCausal = checkBool(where, "tgtIsCausal", given(o.tgtIsCausal, false));
    const memoryIsCausal = checkBool(where, "memoryIsCausal", given(o.memoryIsCausal, false));
    const sa = (x: Tensor) =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, {
          attnMask: tgtMask,
          keyPaddingMask: tgtPad,
          isCausal: tgtIsCausal,
          needWeights: false,
        }),
      );
    const mha = (x: Tensor) =>
      this.dropout2.forward(
        this.multihead_attn.forward(x, memory, memory, {
          attnMask: memoryMask,
          keyPaddingMask: memoryPad,
          isCausal: memoryIsCausal,
          needWeights: false,
        }),
      );
    const ff = (x: Tensor) =>
      this.dropout3.forward(
        this.linear2.forward(this.dropout.forward(applyActivation(this.activation, this.linear1.forward(x)))),
      );
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(mha(this.norm2.forward(x)));
      return x.add(ff(this.norm3.forward(x)));
    }
    x = this.norm1.forward(x.add(sa(x)));
    x = this.norm2.forward(x.add(mha(x)));
    return this.norm3.forward(x.add(ff(x)));
  }

  /** PyTorch shows the activation as a child only when it is a Module. */
  override extraRepr(): string {
    return this.activation instanceof Module ? "" : `activation=${activationRepr(this.activation)}`;
  }
}

/**
 * A stack of `numLayers` copies of a decoder layer, PyTorch's `nn.TransformerDecoder`, with an
 * optional final `norm`; every copy starts with the given layer's weights, as in PyTorch.
 *
 * @example
 * ```ts
 * import { randn, TransformerDecoder, TransformerDecoderLayer } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(32, 4, { dimFeedforward: 64 }), 2);
 * assert.deepEqual(decoder.forward(randn([7, 2, 32]), randn([10, 2, 32]), { tgtIsCausal: true }).shape, [7, 2, 32]);
 * ```
 */
export class TransformerDecoder extends Module {
  /** The layers, `layers.0` … `layers.{numLayers−1}`. */
  layers: ModuleList<TransformerDecoderLayer>;
  /** Number of layers. */
  readonly numLayers: number;
  /** Final normalisation, or `null`. */
  norm: Module | null;

  /** Stacks `numLayers` copies of `decoderLayer`; `norm` (e.g. a LayerNorm) is applied last. */
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    const o = checkOptions<{ norm?: Module | null }>("TransformerDecoder", options, ["norm"]);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) {
      throw new TypeError(
        `TransformerDecoder: decoderLayer must be a TransformerDecoderLayer, got ${describe(decoderLayer)}`,
      );
    }
    this.numLayers = checkInt("TransformerDecoder", "numLayers", numLayers, { min: 1 });
    if (o.norm !== undefined && o.norm !== null && !(o.norm instanceof Module)) {
      throw new TypeError(`TransformerDecoder: norm must be a Module or null, got ${describe(o.norm)}`);
    }
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = o.norm ?? null;
  }

  /** Passes `tgt` through every layer (each attending to `memory`, with the same masks), then `norm`. */
  forward(tgt: Tensor, memory: Tensor, options: DecoderForwardOptions = {}): Tensor {
    const where = "TransformerDecoder.forward";
    const o = checkOptions<DecoderForwardOptions>(where, options, DECODER_FORWARD_KEYS);
    let x = checkTensor(where, "tgt", tgt);
    checkTensor(where, "memory", memory);
    for (const key of ["tgtMask", "memoryMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask"] as const) {
      checkOptionalTensor(where, key, o[key]);
    }
    for (const key of ["tgtIsCausal", "memoryIsCausal"] as const) {
      if (o[key] !== undefined) checkBool(where, key, o[key]);
    }
    for (const layer of this.layers) x = layer.forward(x, memory, o);
    return this.norm === null ? x : this.norm.forward(x);
  }
}

/** Options of {@link Transformer}'s constructor: the layer options and the stack sizes. */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** An encoder to use instead of the built one (called as `forward(src, { mask, srcKeyPaddingMask, isCausal })`). */
  customEncoder?: Module | null;
  /** A decoder to use instead of the built one (called as `forward(tgt, memory, options)`). */
  customDecoder?: Module | null;
}

/** Options of {@link Transformer.forward}. */
export interface TransformerForwardOptions extends DecoderForwardOptions {
  /** Encoder self-attention mask `[S, S]` or `[N·nhead, S, S]`. */
  srcMask?: Tensor | null;
  /** `[N, S]` padding mask of the source. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal encoder self-attention; combined with any `srcMask`. */
  srcIsCausal?: boolean;
}

/**
 * The whole encoder–decoder model, PyTorch's `nn.Transformer`: a {@link TransformerEncoder} and a
 * {@link TransformerDecoder}, each with a final LayerNorm (state dict `encoder.layers.0.…`,
 * `encoder.norm.weight`, `decoder.layers.0.…`), every weight matrix initialised with
 * `xavier_uniform_` as PyTorch's `_reset_parameters` does.
 *
 * @example
 * ```ts
 * import { generateSquareSubsequentMask, randn, Transformer } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64 });
 * const out = model.forward(randn([10, 2, 32]), randn([7, 2, 32]), { tgtMask: generateSquareSubsequentMask(7) });
 * assert.deepEqual(out.shape, [7, 2, 32]);
 * ```
 */
export class Transformer extends Module {
  /** The encoder. */
  encoder: Module;
  /** The decoder. */
  decoder: Module;
  /** Model width E. */
  readonly dModel: number;
  /** Attention heads. */
  readonly nhead: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;

  /** Creates the model with PyTorch's defaults (dModel 512, nhead 8, 6 + 6 layers, dimFeedforward 2048, dropout 0.1). */
  constructor(options: TransformerOptions & { dModel?: number; nhead?: number } = {}) {
    super();
    const where = "Transformer";
    const o = checkOptions<TransformerOptions & { dModel?: number; nhead?: number }>(where, options, [
      "dModel",
      "nhead",
      "numEncoderLayers",
      "numDecoderLayers",
      "customEncoder",
      "customDecoder",
      ...LAYER_KEYS,
    ]);
    const { dModel = 512, nhead = 8, numEncoderLayers, numDecoderLayers, customEncoder, customDecoder, ...layer } = o;
    const c = parseConfig(where, dModel, nhead, layer);
    this.dModel = c.dModel;
    this.nhead = c.nhead;
    this.batchFirst = c.batchFirst;
    const encoderLayers = checkInt(where, "numEncoderLayers", given(numEncoderLayers, 6), { min: 1 });
    const decoderLayers = checkInt(where, "numDecoderLayers", given(numDecoderLayers, 6), { min: 1 });
    for (const [name, m] of [["customEncoder", customEncoder], ["customDecoder", customDecoder]] as const) {
      if (m !== undefined && m !== null && !(m instanceof Module)) {
        throw new TypeError(`${where}: ${name} must be a Module or null, got ${describe(m)}`);
      }
    }
    const { dModel: _d, nhead: _h, ...layerOptions } = c;
    const norm = () => new LayerNorm(c.dModel, { eps: c.layerNormEps, bias: c.bias });
    this.encoder = customEncoder ??
      new TransformerEncoder(new TransformerEncoderLayer(c.dModel, c.nhead, layerOptions), encoderLayers, {
        norm: norm(),
      });
    this.decoder = customDecoder ??
      new TransformerDecoder(new TransformerDecoderLayer(c.dModel, c.nhead, layerOptions), decoderLayers, {
        norm: norm(),
      });
    // PyTorch's _reset_parameters: xavier_uniform_ on every parameter with more than one dim.
    for (const p of this.parameters()) {
      if (p.ndim > 1) {
        const { fanIn, fanOut } = fans(p.shape as number[]);
        const bound = Math.sqrt(6 / (fanIn + fanOut));
        uniform_(p, -bound, bound);
      }
    }
  }

  /** PyTorch's `Transformer.generate_square_subsequent_mask`; see {@link generateSquareSubsequentMask}. */
  static generateSquareSubsequentMask(size: number): Tensor {
    return generateSquareSubsequentMask(size);
  }

  /**
   * Encodes `src` (`[S, N, E]`, batch first `[N, S, E]`, or unbatched `[S, E]`) and decodes `tgt`
   * (`[T, N, E]` …) attending to it; the output has `tgt`'s shape.
   */
  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const where = "Transformer.forward";
    const o = checkOptions<TransformerForwardOptions>(where, options, [
      "srcMask",
      "srcKeyPaddingMask",
      "srcIsCausal",
      ...DECODER_FORWARD_KEYS,
    ]);
    checkTensor(where, "src", src);
    checkTensor(where, "tgt", tgt);
    const batched = src.ndim === 3;
    const nDim = this.batchFirst ? 0 : 1;
    if (batched && (tgt.ndim !== 3 || src.shape[nDim] !== tgt.shape[nDim])) {
      throw new RangeError(
        `Transformer: the batch number of src and tgt must be equal (batchFirst: ${this.batchFirst}), got src ${
          formatShape(src.shape)
        } and tgt ${formatShape(tgt.shape)}`,
      );
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new RangeError(
        `Transformer: the feature number of src and tgt must be dModel ${this.dModel}, got src ${
          formatShape(src.shape)
        } and tgt ${formatShape(tgt.shape)}`,
      );
    }
    const { srcMask, srcKeyPaddingMask, srcIsCausal, ...decoderOptions } = o;
    const memory = this.encoder.forward(src, { mask: srcMask, srcKeyPaddingMask, isCausal: srcIsCausal });
    return this.decoder.forward(tgt, memory, decoderOptions);
  }
}
