import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  GELU,
  generateSquareSubsequentMask,
  getRngState,
  LayerNorm,
  manualSeed,
  type Module,
  noGrad,
  randn,
  type Tensor,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  type TransformerLayerOptions,
  type TransformerOptions,
} from "../../mod.ts";

interface Case {
  name: string;
  kind: "EncoderLayer" | "DecoderLayer" | "Transformer";
  kwargs: Record<string, number | boolean | string>;
  stack: { num_layers: number; norm: boolean } | null;
  params: Record<string, EncodedArray>;
  src: EncodedArray;
  memory?: EncodedArray;
  forward: Record<string, EncodedArray | boolean>;
  outputs: EncodedArray[];
  w: EncodedArray[];
  grads_in: Record<string, EncodedArray>;
  grads: Record<string, EncodedArray>;
}
const { transformer: cases } = loadFixture<{ transformer: Case[] }>("seq.json");
const E = 8, H = 2, FF = 16;
const TOL = { rtol: 1e-4, atol: 2e-5 };
const f32 = (t: Tensor) => t.contiguous().toArray() as Float32Array;
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function build(c: Case): Module {
  const options = {
    dimFeedforward: FF,
    dropout: 0,
    ...Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [camel(k), v])),
  } as TransformerLayerOptions;
  let module: Module;
  if (c.kind === "Transformer") {
    module = new Transformer({ dModel: E, nhead: H, ...options } as TransformerOptions);
  } else if (c.kind === "EncoderLayer") {
    const layer = new TransformerEncoderLayer(E, H, options);
    module = c.stack
      ? new TransformerEncoder(layer, c.stack.num_layers, { norm: c.stack.norm ? new LayerNorm(E) : null })
      : layer;
  } else {
    const layer = new TransformerDecoderLayer(E, H, options);
    module = c.stack
      ? new TransformerDecoder(layer, c.stack.num_layers, { norm: c.stack.norm ? new LayerNorm(E) : null })
      : layer;
  }
  assert.deepEqual(Object.keys(module.stateDict()), Object.keys(c.params), `${c.name}: state-dict keys`);
  module.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decodeTensor(v)])));
  return module;
}

for (const c of cases) {
  test(`Transformer ${c.name}: output and gradients of inputs and every parameter equal PyTorch's`, () => {
    const module = build(c);
    const src = decodeTensor(c.src).requiresGrad_();
    const memory = c.memory ? decodeTensor(c.memory).requiresGrad_() : null;
    const options = Object.fromEntries(
      Object.entries(c.forward).map(([k, v]) => [camel(k), typeof v === "boolean" ? v : decodeTensor(v)]),
    );
    const out = memory === null
      ? (module as TransformerEncoderLayer).forward(src, options)
      : (module as TransformerDecoderLayer | Transformer).forward(src, memory, options);
    assert.deepEqual(out.shape, c.outputs[0].shape);
    assertClose(f32(out), decodeArray(c.outputs[0]) as Float32Array, { ...TOL, message: "output" });
    out.backward(decodeTensor(c.w[0]));
    const leaves: Record<string, Tensor | null> = { src, memory };
    assert.deepEqual(Object.keys(c.grads_in).sort(), Object.keys(leaves).filter((k) => leaves[k] !== null).sort());
    for (const [name, g] of Object.entries(c.grads_in)) {
      assertClose(f32(leaves[name]!.grad!), decodeArray(g) as Float32Array, { ...TOL, message: `grad ${name}` });
    }
    const params = Object.fromEntries(module.namedParameters());
    assert.deepEqual(Object.keys(params), Object.keys(c.grads));
    for (const [name, g] of Object.entries(c.grads)) {
      assertClose(f32(params[name].grad!), decodeArray(g) as Float32Array, { ...TOL, message: name });
    }
  });
}

test("Transformer: PyTorch's xavier_uniform_ initialisation of every weight matrix, and its errors", () => {
  manualSeed(2);
  const model = new Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 48 });
  assert.equal(model.parameters().length, 12 + 1 * 18 + 4);
  const w = f32(model.namedParameters().find(([n]) => n === "encoder.layers.0.linear1.weight")![1]);
  const bound = Math.sqrt(6 / (16 + 48));
  assert.ok(w.every((v) => Math.abs(v) <= bound) && Math.max(...w.map(Math.abs)) > 0.9 * bound);
  const inProj = f32(model.namedParameters().find(([n]) => n === "decoder.layers.0.self_attn.in_proj_weight")![1]);
  assert.ok(Math.max(...inProj.map(Math.abs)) > 0.9 * Math.sqrt(6 / (48 + 16)));
  assert.throws(() => model.forward(randn([5, 2, 16]), randn([4, 3, 16])), /batch number of src and tgt must be equal/);
  assert.throws(() => model.forward(randn([5, 2, 16]), randn([4, 2, 8])), /must be dModel 16/);
  assert.throws(() => new Transformer({ numEncoderLayers: 0 }), /numEncoderLayers/);
  assert.throws(() => new Transformer({ customEncoder: {} as never }), /customEncoder must be a Module/);
});

test("TransformerEncoderLayer: isCausal alone equals the explicit causal mask; gradients equal central differences", () => {
  manualSeed(3);
  const layer = new TransformerEncoderLayer(4, 2, {
    dimFeedforward: 8,
    dropout: 0,
    normFirst: true,
    activation: "gelu",
  });
  const x = randn([5, 2, 4]);
  const a = noGrad(() => layer.forward(x, { isCausal: true }));
  const b = noGrad(() => layer.forward(x, { srcMask: generateSquareSubsequentMask(5) }));
  assertClose(f32(a), f32(b), { rtol: 0, atol: 0 });
  gradcheck((s) => layer.forward(s, { isCausal: true }), [randn([4, 2, 4])], { name: "TransformerEncoderLayer" });
  const dec = new TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
  gradcheck((t, m) => dec.forward(t, m, { tgtIsCausal: true }), [randn([3, 2, 4]), randn([5, 2, 4])], {
    name: "TransformerDecoderLayer",
  });
});

test("TransformerEncoder: layers start as copies of the given layer (PyTorch's deepcopy) and draw no random numbers", () => {
  manualSeed(11);
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const before = getRngState();
  const encoder = new TransformerEncoder(layer, 3);
  assert.deepEqual(getRngState(), before);
  const state = encoder.stateDict();
  for (const [key, value] of Object.entries(layer.stateDict())) {
    for (let i = 0; i < 3; i++) assertClose(f32(state[`layers.${i}.${key}`]), f32(value), { rtol: 0, atol: 0 });
  }
  // Copies, not shared: training one leaves the others.
  noGrad(() => encoder.layers.at(0).linear1.weight.add_(1));
  assert.ok(f32(encoder.layers.at(1).linear1.weight)[0] !== f32(encoder.layers.at(0).linear1.weight)[0]);
  assert.equal(encoder.parameters().length, 3 * 12);
});

test("Transformer layers: dropout is active in training and off in eval; activation may be a Module or a function", () => {
  manualSeed(5);
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5, batchFirst: true });
  const x = randn([2, 4, 8]);
  const e1 = noGrad(() => layer.eval().forward(x));
  const e2 = noGrad(() => layer.forward(x));
  assertClose(f32(e1), f32(e2), { rtol: 0, atol: 0 });
  const t1 = noGrad(() => layer.train().forward(x));
  assert.ok(f32(t1).some((v, i) => Math.abs(v - f32(e1)[i]) > 1e-3));
  const withModule = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: new GELU() });
  const withFn = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: (t) => t.relu() });
  const relu = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
  const withName = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, activation: "gelu" });
  withName.loadStateDict(withModule.stateDict());
  withFn.loadStateDict(withModule.stateDict());
  relu.loadStateDict(withModule.stateDict());
  const y = randn([4, 2, 8]);
  assertClose(f32(noGrad(() => withFn.forward(y))), f32(noGrad(() => relu.forward(y))), { rtol: 0, atol: 0 });
  assert.ok(f32(noGrad(() => withFn.forward(y))).some((v, i) => v !== f32(noGrad(() => withName.forward(y)))[i]));
  assertClose(f32(noGrad(() => withModule.forward(y))), f32(noGrad(() => withName.forward(y))), { rtol: 0, atol: 0 });
  assert.match(String(withModule), /\(activation\): GELU\(approximate='none'\)/);
  assert.match(String(withName), /TransformerEncoderLayer\(\n {2}activation=gelu/);
});

test("Transformer layers: argument errors name the problem", () => {
  assert.throws(
    () => new TransformerEncoderLayer(8, 3),
    /TransformerEncoderLayer: dModel 8 must be divisible by nhead 3/,
  );
  assert.throws(
    () => new TransformerEncoderLayer(8, 2, { dim_feedforward: 4 } as never),
    /unknown option "dim_feedforward"/,
  );
  assert.throws(
    () => new TransformerEncoderLayer(8, 2, { activation: "swish" } as never),
    /activation must be "relu", "gelu"/,
  );
  assert.throws(() => new TransformerDecoderLayer(8, 2, { dropout: -0.1 }), /dropout/);
  assert.throws(() => new TransformerEncoder({} as never, 2), /encoderLayer must be a TransformerEncoderLayer/);
  assert.throws(() => new TransformerEncoder(new TransformerEncoderLayer(8, 2), 0), /numLayers 0/);
  assert.throws(
    () => new TransformerDecoder(new TransformerDecoderLayer(8, 2), 1, { norm: 3 } as never),
    /norm must be a Module/,
  );
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  assert.throws(
    () => layer.forward(randn([5, 2, 8]), { mask: null } as never),
    /unknown option "mask"; accepted options: srcMask/,
  );
  assert.throws(() => layer.forward(randn([5, 2, 8]), { srcMask: randn([4, 4]) }), /attnMask must be \[5, 5\]/);
  assert.throws(() => layer.forward(randn([5, 2, 6])), /query must be \[L, N, 8\]/);
  assert.throws(() => generateSquareSubsequentMask(-1), /size/);
});
