import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  type LSTMOptions,
  manualSeed,
  type Module,
  noGrad,
  randn,
  RNN,
  RNNCell,
  type Tensor,
  zeros,
} from "../../mod.ts";

interface Case {
  name: string;
  cls: "LSTM" | "GRU" | "RNN" | "RNNCell" | "LSTMCell" | "GRUCell";
  args: [number, number];
  kwargs: Record<string, number | boolean | string>;
  params: Record<string, EncodedArray>;
  input: EncodedArray;
  h0?: EncodedArray;
  c0?: EncodedArray;
  outputs: EncodedArray[];
  w: EncodedArray[];
  grads_in: Record<string, EncodedArray>;
  grads: Record<string, EncodedArray>;
}
const { rnn: cases } = loadFixture<{ rnn: Case[] }>("seq.json");
const TOL = { rtol: 1e-4, atol: 1e-5 };
const f32 = (t: Tensor) => t.contiguous().toArray() as Float32Array;
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function build(c: Case): Module {
  const options = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [camel(k), v]));
  const [inputSize, hiddenSize] = c.args;
  const module = c.cls === "LSTM"
    ? new LSTM(inputSize, hiddenSize, options as LSTMOptions)
    : c.cls === "GRU"
    ? new GRU(inputSize, hiddenSize, options)
    : c.cls === "RNN"
    ? new RNN(inputSize, hiddenSize, options)
    : c.cls === "RNNCell"
    ? new RNNCell(
      inputSize,
      hiddenSize,
      (options.bias as boolean | undefined) ?? true,
      (options.nonlinearity as "tanh" | "relu" | undefined) ?? "tanh",
    )
    : c.cls === "LSTMCell"
    ? new LSTMCell(inputSize, hiddenSize, (options.bias as boolean | undefined) ?? true)
    : new GRUCell(inputSize, hiddenSize, (options.bias as boolean | undefined) ?? true);
  // PyTorch's parameter names, in PyTorch's order.
  assert.deepEqual(Object.keys(module.stateDict()), Object.keys(c.params), `${c.name}: state-dict keys`);
  module.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decodeTensor(v)])));
  return module;
}

function run(module: Module, x: Tensor, h0: Tensor | null, c0: Tensor | null): Tensor[] {
  if (module instanceof LSTM) {
    const [out, [h, cn]] = module.forwardWithState(x, h0 ? [h0, c0!] : undefined);
    return [out, h, cn];
  }
  if (module instanceof GRU || module instanceof RNN) {
    const [out, h] = module.forwardWithState(x, h0);
    return [out, h];
  }
  if (module instanceof LSTMCell) return module.forwardWithState(x, h0 ? [h0, c0!] : undefined);
  return [(module as GRUCell | RNNCell).forward(x, h0)];
}

for (const c of cases) {
  test(`${c.cls} ${c.name}: outputs and gradients of input, states and every parameter equal PyTorch's`, () => {
    const module = build(c);
    const x = decodeTensor(c.input).requiresGrad_();
    const h0 = c.h0 ? decodeTensor(c.h0).requiresGrad_() : null;
    const c0 = c.c0 ? decodeTensor(c.c0).requiresGrad_() : null;
    const outputs = run(module, x, h0, c0);
    assert.equal(outputs.length, c.outputs.length);
    let loss: Tensor | null = null;
    outputs.forEach((o, i) => {
      assert.deepEqual(o.shape, c.outputs[i].shape, `${c.name}: output ${i} shape`);
      assertClose(f32(o), decodeArray(c.outputs[i]) as Float32Array, { ...TOL, message: `${c.name} output ${i}` });
      const term = o.mul(decodeTensor(c.w[i])).sum();
      loss = loss === null ? term : loss.add(term);
    });
    loss!.backward();
    const leaves: Record<string, Tensor | null> = { input: x, h0, c0 };
    assert.deepEqual(Object.keys(c.grads_in).sort(), Object.keys(leaves).filter((k) => leaves[k] !== null).sort());
    for (const [name, g] of Object.entries(c.grads_in)) {
      assertClose(f32(leaves[name]!.grad!), decodeArray(g) as Float32Array, { ...TOL, message: `grad ${name}` });
    }
    const params = Object.fromEntries(module.namedParameters());
    assert.deepEqual(Object.keys(params), Object.keys(c.grads));
    for (const [name, g] of Object.entries(c.grads)) {
      assertClose(f32(params[name].grad!), decodeArray(g) as Float32Array, { ...TOL, message: name });
    }
    // forward() gives the output alone, the same values.
    const again = noGrad(() => module.forward(decodeTensor(c.input), h0 ? (c0 ? [h0, c0] : h0) : undefined));
    assertClose(f32(again), f32(outputs[0]), { rtol: 0, atol: 0 });
  });
}

test("LSTM and GRU: gradients through two bidirectional layers equal central differences", () => {
  manualSeed(4);
  const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
  gradcheck(
    (x, h, c) => lstm.forwardWithState(x, [h, c])[1][1],
    [randn([4, 2, 3]), randn([4, 2, 4]), randn([4, 2, 4])],
    {
      name: "LSTM c_n",
    },
  );
  const gru = new GRU(3, 4, { numLayers: 2, batchFirst: true });
  gradcheck((x, h) => gru.forward(x, h), [randn([2, 4, 3]), randn([2, 2, 4])], { name: "GRU" });
});

test("LSTM/GRU: PyTorch's default initialisation U(−1/√H, 1/√H) and the extra_repr", () => {
  manualSeed(1);
  const lstm = new LSTM(10, 25, { numLayers: 2, bidirectional: true, batchFirst: true });
  for (const [name, p] of lstm.namedParameters()) {
    const v = f32(p);
    const bound = 1 / Math.sqrt(25);
    assert.ok(v.every((e) => Math.abs(e) <= bound), `${name} within ±${bound}`);
    assert.ok(Math.max(...v) > 0.8 * bound, `${name} fills the range`);
  }
  assert.equal(lstm.parameters().length, 16);
  assert.deepEqual(lstm.namedParameters()[8][1].shape, [100, 50]); // weight_ih_l1: [4H, D·H]
  assert.equal(String(lstm), "LSTM(10, 25, num_layers=2, batch_first=True, bidirectional=True)");
  assert.equal(String(new GRU(3, 4, { bias: false })), "GRU(3, 4, bias=False)");
});

test("LSTM: dropout between layers acts in training only, never after the last layer", () => {
  manualSeed(7);
  const lstm = new LSTM(3, 8, { numLayers: 2, dropout: 0.5 });
  const plain = new LSTM(3, 8, { numLayers: 2 });
  plain.loadStateDict(lstm.stateDict());
  const x = randn([5, 2, 3]);
  const evalOut = noGrad(() => lstm.eval().forward(x));
  assertClose(f32(evalOut), f32(noGrad(() => plain.forward(x))), { rtol: 0, atol: 0 });
  const trainOut = noGrad(() => lstm.train().forward(x));
  assert.ok(f32(trainOut).some((v, i) => Math.abs(v - f32(evalOut)[i]) > 1e-4), "training output differs");
  // One layer: no dropout at all, even in training (PyTorch applies it only between layers).
  const single = new LSTM(3, 8, { dropout: 0.5 });
  const y1 = noGrad(() => single.forward(x));
  assertClose(f32(noGrad(() => single.forward(x))), f32(y1), { rtol: 0, atol: 0 });
});

test("RNN layers: argument and shape errors name the problem", () => {
  const lstm = new LSTM(3, 4, { numLayers: 2 });
  assert.throws(() => new LSTM(0, 4), /LSTM: invalid inputSize 0/);
  assert.throws(
    () => new GRU(3, 4, { num_layers: 2 } as never),
    /unknown option "num_layers" \(did you mean "numLayers"\?\)/,
  );
  assert.throws(() => new LSTM(3, 4, { projSize: 4 }), /projSize 4 must be smaller than hiddenSize 4/);
  assert.throws(() => new GRU(3, 4, { projSize: 2 } as never), /unknown option "projSize"/);
  assert.throws(() => new RNN(3, 4, { nonlinearity: "sigmoid" } as never), /nonlinearity/);
  assert.throws(() => new LSTM(3, 4, { dropout: 1.5 }), /dropout/);
  assert.throws(
    () => lstm.forward(randn([5, 2, 6])),
    /input must be \[L, N, inputSize\] or unbatched \[L, inputSize\] with inputSize 3, got \[5, 2, 6\]/,
  );
  assert.throws(
    () => lstm.forward(zeros([5, 2, 3], { dtype: "i32" })),
    /LSTM: input must be a floating-point tensor, got i32/,
  );
  assert.throws(() => lstm.forward(randn([0, 2, 3])), /no time steps/);
  assert.throws(() => lstm.forward(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])]), /h0 must be \[2, 2, 4\]/);
  assert.throws(() => lstm.forward(randn([5, 2, 3]), randn([2, 2, 4]) as never), /hx must be \[h0, c0\]/);
  assert.throws(() => new GRU(3, 4).forward(randn([5, 2, 3]), randn([1, 3, 4])), /h0 must be \[1, 2, 4\]/);
  assert.throws(() => new LSTMCell(3, 4).forward(randn([2, 5])), /LSTMCell: input must be \[N, 3\] or \[3\]/);
  assert.throws(() => new GRUCell(3, 4).forward(randn([2, 3]), randn([3, 4])), /h0 must be \[2, 4\]/);
});
