/**
 * Recurrent layers, PyTorch's `nn.RNN`, `nn.LSTM`, `nn.GRU` and their cells: multi-layer,
 * bidirectional, `batchFirst`, dropout between layers, optional initial states, LSTM projections
 * (`projSize`), PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n) and parameter names
 * (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse`, `weight_hr_l0`), so
 * state dicts interchange.
 *
 * Composed from existing ops: the input projection of every time step is one GEMM per layer and
 * direction (`x·W_ihᵀ + b_ih`, plus `b_hh` where the gate formula allows), and each step adds one
 * `h·W_hhᵀ` GEMM and the element-wise gate math. Autograd records the steps like any other ops.
 * @module
 */
import { zeros } from "../ops/creation.ts";
import { cat, stack } from "../ops/join.ts";
import { linear } from "../ops/matmul.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkBool, checkInt, checkNumber, checkOneOf } from "../utils/check.ts";
import { checkOptionalTensor, checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { dropout } from "./dropout.ts";
import { uniform_ } from "./init.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

/** Options of {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's, camelCase). */
export interface RNNOptions {
  /** Stacked recurrent layers (default 1); layer k > 0 reads layer k − 1's output. */
  numLayers?: number;
  /** `b_ih` and `b_hh` biases (default true). */
  bias?: boolean;
  /** Inputs and outputs `[N, L, H]` when true, `[L, N, H]` when false (default false, as PyTorch). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer but the last, in training (default 0). */
  dropout?: number;
  /** A second pass over the reversed sequence, outputs concatenated (default false). */
  bidirectional?: boolean;
}

/** Options of {@link RNN}: {@link RNNOptions} and the non-linearity. */
export interface ElmanRNNOptions extends RNNOptions {
  /** `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
}

/** Options of {@link LSTM}: {@link RNNOptions} and the projection size. */
export interface LSTMOptions extends RNNOptions {
  /** When > 0, h is projected to this width by `weight_hr_l{k}` (default 0: no projection). */
  projSize?: number;
}

const RNN_KEYS = ["numLayers", "bias", "batchFirst", "dropout", "bidirectional"];

type Kind = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
const GATES: Record<Kind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** One layer-direction's (or cell's) parameters. */
export interface Weights {
  /** Input-to-hidden weight. */
  wih: Tensor;
  /** Hidden-to-hidden weight. */
  whh: Tensor;
  /** Input-to-hidden bias, or `null`. */
  bih: Tensor | null;
  /** Hidden-to-hidden bias, or `null`. */
  bhh: Tensor | null;
  /** LSTM projection weight, or `null`. */
  whr: Tensor | null;
}

/** A fresh U(−1/√H, 1/√H) parameter, PyTorch's init for every recurrent weight and bias. */
function recurrentParameter(shape: number[], hiddenSize: number): Parameter {
  const bound = 1 / Math.sqrt(hiddenSize);
  return new Parameter(uniform_(zeros(shape), -bound, bound));
}

/**
 * One Elman step: h' = act(pre + h·W_hhᵀ), with `pre` = x·W_ihᵀ + b_ih + b_hh already computed.
 */
function rnnStep(pre: Tensor, h: Tensor, whh: Tensor, relu: boolean): Tensor {
  const a = pre.add(h.matmul(whh.t()));
  return relu ? a.relu() : a.tanh();
}

/**
 * One LSTM step in PyTorch's gate order (i, f, g, o), with `pre` = x·W_ihᵀ + b_ih + b_hh:
 * c' = f⊙c + i⊙g, h' = o⊙tanh(c') (then ·W_hrᵀ with a projection).
 */
function lstmStep(pre: Tensor, h: Tensor, c: Tensor, w: Weights, hidden: number): [Tensor, Tensor] {
  const gates = pre.add(h.matmul(w.whh.t()));
  const last = gates.ndim - 1;
  // One sigmoid over all four gates (the g quarter is unused) beats three narrow sigmoids.
  const s = gates.sigmoid();
  const g = gates.narrow(last, 2 * hidden, hidden).tanh();
  const cNext = s.narrow(last, hidden, hidden).mul(c).add(s.narrow(last, 0, hidden).mul(g));
  let hNext = s.narrow(last, 3 * hidden, hidden).mul(cNext.tanh());
  if (w.whr !== null) hNext = hNext.matmul(w.whr.t());
  return [hNext, cNext];
}

/**
 * One GRU step in PyTorch's gate order (r, z, n), with `gi` = x·W_ihᵀ + b_ih:
 * r, z = σ(gi + h·W_hhᵀ + b_hh), n = tanh(gi_n + r⊙(h·W_hnᵀ + b_hn)), h' = (1 − z)⊙n + z⊙h.
 */
function gruStep(gi: Tensor, h: Tensor, w: Weights, hidden: number): Tensor {
  const gh = linear(h, w.whh, w.bhh);
  const last = gi.ndim - 1;
  const rz = gi.narrow(last, 0, 2 * hidden).add(gh.narrow(last, 0, 2 * hidden)).sigmoid();
  const r = rz.narrow(last, 0, hidden);
  const z = rz.narrow(last, hidden, hidden);
  const n = gi.narrow(last, 2 * hidden, hidden).add(r.mul(gh.narrow(last, 2 * hidden, hidden))).tanh();
  return n.add(z.mul(h.sub(n)));
}

/** x·W_ihᵀ + b_ih (+ b_hh where it can be folded in: every kind but GRU, whose n gate needs b_hn apart). */
function inputProjection(kind: Kind, x: Tensor, w: Weights): Tensor {
  const pre = linear(x, w.wih, w.bih);
  return kind !== "GRU" && w.bhh !== null ? pre.add(w.bhh) : pre;
}

/** An option's value, or `fallback` when it is absent (`null` is a value, refused by the check that follows). */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function checkFloat(where: string, name: string, t: Tensor): void {
  if (!dtypeInfo(t.dtype).isFloat) {
    throw new TypeError(`${where}: ${name} must be a floating-point tensor, got ${t.dtype}`);
  }
}

/**
 * The shared machinery of {@link RNN}, {@link LSTM} and {@link GRU}: parameters named and ordered
 * as PyTorch's state dict, and the layer/direction/time loops.
 */
export abstract class RNNBase extends Module {
  /** Features of each input step. */
  readonly inputSize: number;
  /** Features of the hidden state h (and of the LSTM cell state c). */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether inputs and outputs are `[N, L, features]`. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers in training. */
  readonly dropoutP: number;
  /** Whether each layer also runs over the reversed sequence. */
  readonly bidirectional: boolean;
  /** LSTM projection width (0: none). */
  readonly projSize: number;
  readonly #kind: Kind;
  readonly #where: string;

  /** Creates the parameters of every layer and direction in PyTorch's order. */
  protected constructor(
    where: string,
    kind: Kind,
    inputSize: number,
    hiddenSize: number,
    o: RNNOptions & { projSize?: number },
  ) {
    super();
    this.#where = where;
    this.#kind = kind;
    this.inputSize = checkInt(where, "inputSize", inputSize, { min: 1 });
    this.hiddenSize = checkInt(where, "hiddenSize", hiddenSize, { min: 1 });
    this.numLayers = checkInt(where, "numLayers", given(o.numLayers, 1), { min: 1 });
    this.bias = checkBool(where, "bias", given(o.bias, true));
    this.batchFirst = checkBool(where, "batchFirst", given(o.batchFirst, false));
    this.dropoutP = checkNumber(where, "dropout", given(o.dropout, 0), {
      lo: 0,
      hi: 1,
      loInclusive: true,
      hiInclusive: true,
    });
    this.bidirectional = checkBool(where, "bidirectional", given(o.bidirectional, false));
    this.projSize = checkInt(where, "projSize", given(o.projSize, 0), { min: 0 });
    if (this.projSize >= hiddenSize) {
      throw new RangeError(`${where}: projSize ${this.projSize} must be smaller than hiddenSize ${hiddenSize}`);
    }
    const g = GATES[kind] * hiddenSize;
    const out = this.projSize > 0 ? this.projSize : hiddenSize;
    const self = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.numDirections; dir++) {
        const sfx = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const inWidth = layer === 0 ? inputSize : out * this.numDirections;
        self[`weight_ih${sfx}`] = recurrentParameter([g, inWidth], hiddenSize);
        self[`weight_hh${sfx}`] = recurrentParameter([g, out], hiddenSize);
        if (this.bias) {
          self[`bias_ih${sfx}`] = recurrentParameter([g], hiddenSize);
          self[`bias_hh${sfx}`] = recurrentParameter([g], hiddenSize);
        }
        if (this.projSize > 0) self[`weight_hr${sfx}`] = recurrentParameter([this.projSize, hiddenSize], hiddenSize);
      }
    }
  }

  /**
   * PyTorch's `flatten_parameters()`, kept so ported code runs: it packs weights for cuDNN, and
   * Axon's CPU layers read the parameters in place, so there is nothing to do.
   */
  flattenParameters(): this {
    return this;
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** PyTorch's `extra_repr`: `10, 20, num_layers=2, batch_first=True`. */
  override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.projSize > 0) parts.push(`proj_size=${this.projSize}`);
    if (this.numLayers !== 1) parts.push(`num_layers=${this.numLayers}`);
    if (this.#kind === "RNN_RELU") parts.push(`nonlinearity='relu'`);
    if (!this.bias) parts.push("bias=False");
    if (this.batchFirst) parts.push("batch_first=True");
    if (this.dropoutP !== 0) parts.push(`dropout=${this.dropoutP}`);
    if (this.bidirectional) parts.push("bidirectional=True");
    return parts.join(", ");
  }

  #weights(layer: number, dir: number): Weights {
    const self = this as unknown as Record<string, Tensor | undefined>;
    const sfx = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
    return {
      wih: self[`weight_ih${sfx}`]!,
      whh: self[`weight_hh${sfx}`]!,
      bih: self[`bias_ih${sfx}`] ?? null,
      bhh: self[`bias_hh${sfx}`] ?? null,
      whr: self[`weight_hr${sfx}`] ?? null,
    };
  }

  /** Checks an initial state against `[D·numLayers, N, width]` (`[D·numLayers, width]` unbatched). */
  #checkState(name: string, t: Tensor | null, batched: boolean, n: number, width: number, like: Tensor): void {
    if (t === null) return;
    checkFloat(this.#where, name, t);
    const expected = batched ? [this.numDirections * this.numLayers, n, width] : [
      this.numDirections * this.numLayers,
      width,
    ];
    if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(
        `${this.#where}: ${name} must be ${formatShape(expected)} (numDirections·numLayers, ${batched ? "N, " : ""}${
          name === "c0" || this.projSize === 0 ? "hiddenSize" : "projSize"
        }) for input ${formatShape(like.shape)}, got ${formatShape(t.shape)}`,
      );
    }
  }

  /**
   * Runs every layer and direction over `input`; returns the last layer's output and the final h
   * (and c for LSTM) of every layer and direction.
   */
  protected run(input: unknown, h0In: unknown, c0In: unknown): [Tensor, Tensor, Tensor | null] {
    const where = this.#where;
    const x0 = checkTensor(where, "input", input);
    checkFloat(where, "input", x0);
    const batched = x0.ndim === 3;
    if ((x0.ndim !== 2 && x0.ndim !== 3) || x0.shape[x0.ndim - 1] !== this.inputSize) {
      throw new RangeError(
        `${where}: input must be ${
          this.batchFirst ? "[N, L, inputSize]" : "[L, N, inputSize]"
        } or unbatched [L, inputSize] with inputSize ${this.inputSize}, got ${formatShape(x0.shape)}`,
      );
    }
    // Work sequence first, [L, N, features].
    let x = !batched ? x0.unsqueeze(1) : this.batchFirst ? x0.transpose(0, 1) : x0;
    const [len, n] = x.shape;
    if (len === 0 || n === 0) {
      throw new RangeError(`${where}: input ${formatShape(x0.shape)} has no time steps or no batch entries`);
    }
    const hWidth = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const h0 = checkOptionalTensor(where, "h0", h0In);
    const c0 = checkOptionalTensor(where, "c0", c0In);
    this.#checkState("h0", h0, batched, n, hWidth, x0);
    this.#checkState("c0", c0, batched, n, this.hiddenSize, x0);
    const initial = (t: Tensor | null, i: number, width: number) =>
      t === null ? zeros([n, width], { dtype: x0.dtype }) : batched ? t.select(0, i) : t.select(0, i).unsqueeze(0);
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    const kind = this.#kind;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let dir = 0; dir < this.numDirections; dir++) {
        const idx = layer * this.numDirections + dir;
        const w = this.#weights(layer, dir);
        const pre = inputProjection(kind, x, w); // one GEMM for all time steps
        let h = initial(h0, idx, hWidth);
        let c = kind === "LSTM" ? initial(c0, idx, this.hiddenSize) : null;
        const steps: Tensor[] = new Array(len);
        for (let s = 0; s < len; s++) {
          const t = dir === 0 ? s : len - 1 - s;
          const p = pre.select(0, t);
          if (kind === "LSTM") [h, c] = lstmStep(p, h, c!, w, this.hiddenSize);
          else if (kind === "GRU") h = gruStep(p, h, w, this.hiddenSize);
          else h = rnnStep(p, h, w.whh, kind === "RNN_RELU");
          steps[t] = h;
        }
        outputs.push(stack(steps, 0));
        hs.push(h);
        if (c !== null) cs.push(c);
      }
      x = outputs.length === 1 ? outputs[0] : cat(outputs, 2);
      if (layer < this.numLayers - 1 && this.dropoutP > 0 && this.training) x = dropout(x, this.dropoutP, true);
    }
    const output = !batched ? x.squeeze(1) : this.batchFirst ? x.transpose(0, 1) : x;
    const finalState = (list: Tensor[]) => {
      const s = stack(list, 0);
      return batched ? s : s.squeeze(1);
    };
    return [output, finalState(hs), cs.length > 0 ? finalState(cs) : null];
  }
}

/**
 * Elman RNN, PyTorch's `nn.RNN`: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act tanh or
 * ReLU.
 *
 * @example
 * ```ts
 * import { randn, RNN } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const rnn = new RNN(8, 16, { numLayers: 2 });
 * const [output, hN] = rnn.forwardWithState(randn([5, 3, 8])); // [L, N, inputSize]
 * assert.deepEqual([output.shape, hN.shape], [[5, 3, 16], [2, 3, 16]]);
 * ```
 */
export class RNN extends RNNBase {
  /** The non-linearity. */
  readonly nonlinearity: "tanh" | "relu";
  /** Creates the layer with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, options: ElmanRNNOptions = {}) {
    const o = checkOptions<ElmanRNNOptions>("RNN", options, [...RNN_KEYS, "nonlinearity"]);
    const nonlinearity = checkOneOf("RNN", "nonlinearity", given(o.nonlinearity, "tanh"), ["tanh", "relu"]);
    super("RNN", nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", inputSize, hiddenSize, o);
    this.nonlinearity = nonlinearity;
  }

  /** The output of the last layer at every step (`[L, N, D·H]`, batch first `[N, L, D·H]`). */
  forward(input: Tensor, h0?: Tensor | null): Tensor {
    return this.run(input, h0, null)[0];
  }

  /** PyTorch's `output, h_n = rnn(input, h0)`; h_n is `[D·numLayers, N, H]`. */
  forwardWithState(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [output, h] = this.run(input, h0, null);
    return [output, h];
  }
}

/**
 * Long short-term memory, PyTorch's `nn.LSTM`, gates in PyTorch's order (i, f, g, o):
 * i, f, o = σ(·), g = tanh(·) of x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh;
 * c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t) (then h_t·W_hrᵀ with `projSize`).
 *
 * @example
 * ```ts
 * import { LSTM, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const lstm = new LSTM(8, 16, { numLayers: 2, bidirectional: true, batchFirst: true });
 * const [output, [hN, cN]] = lstm.forwardWithState(randn([3, 5, 8])); // [N, L, inputSize]
 * assert.deepEqual([output.shape, hN.shape, cN.shape], [[3, 5, 32], [4, 3, 16], [4, 3, 16]]);
 * ```
 */
export class LSTM extends RNNBase {
  /** Creates the layer with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super("LSTM", "LSTM", inputSize, hiddenSize, checkOptions<LSTMOptions>("LSTM", options, [...RNN_KEYS, "projSize"]));
  }

  /** The output of the last layer at every step; `hx` is the optional initial `[h0, c0]`. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): Tensor {
    return this.forwardWithState(input, hx)[0];
  }

  /**
   * PyTorch's `output, (h_n, c_n) = lstm(input, (h0, c0))`: output `[L, N, D·H]` (batch first
   * `[N, L, D·H]`, unbatched `[L, D·H]`), h_n and c_n `[D·numLayers, N, H]`; H of h is `projSize`
   * when set. Without `hx` the states start at zero.
   */
  forwardWithState(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const [h0, c0] = unpackPair("LSTM", hx);
    const [output, h, c] = this.run(input, h0, c0);
    return [output, [h, c!]];
  }
}

/**
 * Gated recurrent unit, PyTorch's `nn.GRU`, gates in PyTorch's order (r, z, n):
 * r, z = σ(x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), n = tanh(x_t·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn)),
 * h_t = (1 − z)⊙n + z⊙h_{t−1}.
 *
 * @example
 * ```ts
 * import { GRU, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const gru = new GRU(8, 16);
 * const [output, hN] = gru.forwardWithState(randn([5, 3, 8]));
 * assert.deepEqual([output.shape, hN.shape], [[5, 3, 16], [1, 3, 16]]);
 * ```
 */
export class GRU extends RNNBase {
  /** Creates the layer with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super("GRU", "GRU", inputSize, hiddenSize, checkOptions<RNNOptions>("GRU", options, RNN_KEYS));
  }

  /** The output of the last layer at every step; `h0` the optional initial state. */
  forward(input: Tensor, h0?: Tensor | null): Tensor {
    return this.run(input, h0, null)[0];
  }

  /** PyTorch's `output, h_n = gru(input, h0)`; h_n is `[D·numLayers, N, H]`. */
  forwardWithState(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [output, h] = this.run(input, h0, null);
    return [output, h];
  }
}

function unpackPair(where: string, hx: unknown): [Tensor | null, Tensor | null] {
  if (hx === undefined || hx === null) return [null, null];
  if (!Array.isArray(hx) || hx.length !== 2) {
    throw new TypeError(`${where}: hx must be [h0, c0] (two tensors) or omitted, got ${describe(hx)}`);
  }
  return [checkTensor(where, "h0", hx[0]), checkTensor(where, "c0", hx[1])];
}

/** The parameters and checks shared by the single-step cells (PyTorch's `nn.RNNCellBase`). */
export abstract class RNNCellBase extends Module {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Input-to-hidden weight `[gates·H, inputSize]`. */
  weight_ih: Parameter;
  /** Hidden-to-hidden weight `[gates·H, H]`. */
  weight_hh: Parameter;
  /** Input-to-hidden bias `[gates·H]`, or `null`. */
  bias_ih: Parameter | null;
  /** Hidden-to-hidden bias `[gates·H]`, or `null`. */
  bias_hh: Parameter | null;
  readonly #where: string;

  /** Creates `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` for `gates` gates, U(−1/√H, 1/√H). */
  protected constructor(where: string, gates: number, inputSize: number, hiddenSize: number, bias: boolean) {
    super();
    this.#where = where;
    this.inputSize = checkInt(where, "inputSize", inputSize, { min: 1 });
    this.hiddenSize = checkInt(where, "hiddenSize", hiddenSize, { min: 1 });
    checkBool(where, "bias", bias);
    this.weight_ih = recurrentParameter([gates * hiddenSize, inputSize], hiddenSize);
    this.weight_hh = recurrentParameter([gates * hiddenSize, hiddenSize], hiddenSize);
    this.bias_ih = bias ? recurrentParameter([gates * hiddenSize], hiddenSize) : null;
    this.bias_hh = bias ? recurrentParameter([gates * hiddenSize], hiddenSize) : null;
  }

  /** PyTorch's `extra_repr`. */
  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih === null ? ", bias=False" : ""}`;
  }

  /** The parameters in the form the step functions take. */
  protected weights(): Weights {
    return { wih: this.weight_ih, whh: this.weight_hh, bih: this.bias_ih, bhh: this.bias_hh, whr: null };
  }

  /** Checks `input` (`[N, inputSize]` or `[inputSize]`) and a state; zeros when the state is absent. */
  protected checkStep(input: unknown, state: unknown, name: string): [Tensor, Tensor, boolean] {
    const where = this.#where;
    const x = checkTensor(where, "input", input);
    checkFloat(where, "input", x);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new RangeError(
        `${where}: input must be [N, ${this.inputSize}] or [${this.inputSize}], got ${formatShape(x.shape)}`,
      );
    }
    const batched = x.ndim === 2;
    const xb = batched ? x : x.unsqueeze(0);
    const s = checkOptionalTensor(where, name, state);
    if (s === null) return [xb, zeros([xb.shape[0], this.hiddenSize], { dtype: x.dtype }), batched];
    checkFloat(where, name, s);
    const expected = batched ? [x.shape[0], this.hiddenSize] : [this.hiddenSize];
    if (s.ndim !== expected.length || s.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(
        `${where}: ${name} must be ${formatShape(expected)} for input ${formatShape(x.shape)}, got ${
          formatShape(s.shape)
        }`,
      );
    }
    return [xb, batched ? s : s.unsqueeze(0), batched];
  }
}

/**
 * One Elman RNN step, PyTorch's `nn.RNNCell`: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
 *
 * @example
 * ```ts
 * import { randn, RNNCell } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const cell = new RNNCell(8, 16, true, "relu");
 * assert.deepEqual(cell.forward(randn([3, 8])).shape, [3, 16]);
 * ```
 */
export class RNNCell extends RNNCellBase {
  /** The non-linearity. */
  readonly nonlinearity: "tanh" | "relu";
  /** Creates the cell with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, bias = true, nonlinearity: "tanh" | "relu" = "tanh") {
    super("RNNCell", 1, inputSize, hiddenSize, bias);
    this.nonlinearity = checkOneOf("RNNCell", "nonlinearity", nonlinearity, ["tanh", "relu"]);
  }

  /** PyTorch's `h1 = cell(input, h0)`; h `[N, H]` (`[H]` unbatched), zero when omitted. */
  forward(input: Tensor, h0?: Tensor | null): Tensor {
    const [x, h, batched] = this.checkStep(input, h0, "h0");
    const w = this.weights();
    const h1 = rnnStep(inputProjection("RNN_TANH", x, w), h, w.whh, this.nonlinearity === "relu");
    return batched ? h1 : h1.squeeze(0);
  }

  /** PyTorch's `extra_repr`. */
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === "relu" ? ", nonlinearity='relu'" : "");
  }
}

/**
 * One LSTM step, PyTorch's `nn.LSTMCell` (same gates and parameter names as {@link LSTM}
 * without the `_l0` suffix).
 *
 * @example
 * ```ts
 * import { LSTMCell, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const cell = new LSTMCell(8, 16);
 * let [h, c] = cell.forwardWithState(randn([3, 8]));
 * [h, c] = cell.forwardWithState(randn([3, 8]), [h, c]);
 * assert.deepEqual([h.shape, c.shape], [[3, 16], [3, 16]]);
 * ```
 */
export class LSTMCell extends RNNCellBase {
  /** Creates the cell with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, bias = true) {
    super("LSTMCell", 4, inputSize, hiddenSize, bias);
  }

  /** The next h only; {@link LSTMCell.forwardWithState} also returns c. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): Tensor {
    return this.forwardWithState(input, hx)[0];
  }

  /** PyTorch's `h1, c1 = cell(input, (h0, c0))`; states `[N, H]` (`[H]` unbatched), zero when omitted. */
  forwardWithState(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [h0, c0] = unpackPair("LSTMCell", hx);
    const [x, h, batched] = this.checkStep(input, h0, "h0");
    const [, c] = this.checkStep(input, c0, "c0");
    const w = this.weights();
    const [h1, c1] = lstmStep(inputProjection("LSTM", x, w), h, c, w, this.hiddenSize);
    return batched ? [h1, c1] : [h1.squeeze(0), c1.squeeze(0)];
  }
}

/**
 * One GRU step, PyTorch's `nn.GRUCell` (same gates and parameter names as {@link GRU} without
 * the `_l0` suffix).
 *
 * @example
 * ```ts
 * import { GRUCell, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const cell = new GRUCell(8, 16);
 * const h = cell.forward(randn([3, 8]));
 * assert.deepEqual(cell.forward(randn([3, 8]), h).shape, [3, 16]);
 * ```
 */
export class GRUCell extends RNNCellBase {
  /** Creates the cell with PyTorch's U(−1/√hiddenSize, 1/√hiddenSize) initialisation. */
  constructor(inputSize: number, hiddenSize: number, bias = true) {
    super("GRUCell", 3, inputSize, hiddenSize, bias);
  }

  /** PyTorch's `h1 = cell(input, h0)`; h `[N, H]` (`[H]` unbatched), zero when omitted. */
  forward(input: Tensor, h0?: Tensor | null): Tensor {
    const [x, h, batched] = this.checkStep(input, h0, "h0");
    const w = this.weights();
    const h1 = gruStep(inputProjection("GRU", x, w), h, w, this.hiddenSize);
    return batched ? h1 : h1.squeeze(0);
  }
}
