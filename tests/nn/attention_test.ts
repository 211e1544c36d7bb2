import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  manualSeed,
  MultiheadAttention,
  type MultiheadAttentionOptions,
  noGrad,
  randn,
  type Tensor,
  tensor,
} from "../../mod.ts";

interface Case {
  name: string;
  ctor: { args: [number, number]; kwargs?: Record<string, number | boolean> };
  self: boolean;
  params: Record<string, EncodedArray>;
  query: EncodedArray;
  key?: EncodedArray;
  value?: EncodedArray;
  out: EncodedArray;
  weights: EncodedArray | null;
  w: EncodedArray;
  grad_query: EncodedArray;
  grads: Record<string, EncodedArray>;
  options: Record<string, EncodedArray | boolean>;
}
const { cases } = loadFixture<{ cases: Case[] }>("attention.json");
const TOL = { rtol: 1e-4, atol: 1e-5 };
const f32 = (t: Tensor) => t.toArray() as Float32Array;
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function build(c: Case): MultiheadAttention {
  const options = Object.fromEntries(
    Object.entries(c.ctor.kwargs ?? {}).map(([k, v]) => [camel(k), v]),
  ) as MultiheadAttentionOptions;
  const mha = new MultiheadAttention(c.ctor.args[0], c.ctor.args[1], options);
  // Same parameter names and order as PyTorch's state dict.
  assert.deepEqual(Object.keys(mha.stateDict()), Object.keys(c.params), `${c.name}: state-dict keys`);
  mha.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decodeTensor(v)])));
  return mha;
}

for (const c of cases) {
  test(`MultiheadAttention ${c.name}: output, attention weights and gradients equal PyTorch's`, () => {
    const mha = build(c);
    const options = Object.fromEntries(
      Object.entries(c.options).map(([k, v]) => [camel(k), typeof v === "boolean" ? v : decodeTensor(v)]),
    );
    const q = decodeTensor(c.query).requiresGrad_();
    const k = c.self ? q : decodeTensor(c.key!);
    const v = c.self ? q : decodeTensor(c.value!);
    const [out, weights] = mha.forwardWithWeights(q, k, v, options);
    assert.deepEqual(out.shape, c.out.shape);
    assertClose(f32(out), decodeArray(c.out) as Float32Array, TOL);
    if (c.weights === null) assert.equal(weights, null);
    else {
      assert.deepEqual(weights!.shape, c.weights.shape);
      assertClose(f32(weights!), decodeArray(c.weights) as Float32Array, TOL);
    }
    out.backward(decodeTensor(c.w));
    assertClose(f32(q.grad!), decodeArray(c.grad_query) as Float32Array, { ...TOL, message: "grad query" });
    const params = Object.fromEntries(mha.namedParameters());
    assert.deepEqual(Object.keys(params), Object.keys(c.grads));
    for (const [name, g] of Object.entries(c.grads)) {
      assertClose(f32(params[name].grad!), decodeArray(g) as Float32Array, { ...TOL, message: name });
    }
    // forward() gives the same output without the weights.
    const again = noGrad(() =>
      mha.forward(decodeTensor(c.query), c.self ? undefined : k, c.self ? undefined : v, {
        ...options,
        needWeights: false,
      })
    );
    assertClose(f32(again), f32(out), { rtol: 0, atol: 0 });
  });
}

test("MultiheadAttention: sequence-first is the default; a batch-first tensor is not silently reinterpreted", () => {
  manualSeed(5);
  const first = new MultiheadAttention(4, 2);
  assert.equal(first.batchFirst, false);
  const batchFirst = new MultiheadAttention(4, 2, { batchFirst: true });
  batchFirst.loadStateDict(first.stateDict());
  const x = randn([3, 2, 4]); // [L=3, N=2, E]
  const a = first.forward(x);
  const b = batchFirst.forward(x.transpose(0, 1)).transpose(0, 1);
  assertClose(f32(a.contiguous()), f32(b.contiguous()), { rtol: 1e-6, atol: 1e-6 });
  // Cross-attention with a different batch size in key is an error naming the layout.
  assert.throws(
    () => first.forward(x, randn([5, 3, 4]), randn([5, 3, 4])),
    /batch\/sequence sizes disagree \(\[L, N, E\]\)/,
  );
  assert.throws(() => first.forward(x, randn([5, 2, 6])), /key must be \[L, N, 4\]/);
});

test("MultiheadAttention: dropout zeroes or rescales the returned weights in training only", () => {
  manualSeed(9);
  const mha = new MultiheadAttention(8, 2, { dropout: 0.5 });
  const x = randn([6, 3, 8]);
  const [, evalWeights] = mha.eval().forwardWithWeights(x, x, x, { averageAttnWeights: false });
  const [, trainWeights] = mha.train().forwardWithWeights(x, x, x, { averageAttnWeights: false });
  const e = f32(evalWeights);
  const t = f32(trainWeights);
  let zeros = 0;
  for (let i = 0; i < e.length; i++) {
    if (t[i] === 0) zeros++;
    else {assert.ok(
        Math.abs(t[i] - 2 * e[i]) <= 1e-6 * Math.max(1, e[i]),
        `element ${i}: ${t[i]} is neither 0 nor 2×${e[i]}`,
      );}
  }
  assert.ok(zeros > e.length * 0.35 && zeros < e.length * 0.65, `${zeros} of ${e.length} dropped`);
});

test("MultiheadAttention: gradients of the sequence-first path with kdim/vdim and masks equal central differences", () => {
  manualSeed(31);
  const mha = new MultiheadAttention(4, 2, { kdim: 3, vdim: 5 });
  const kv = [randn([4, 2, 3]), randn([4, 2, 5])];
  const pad = tensor([[0, 0, 0, 1], [0, 0, 0, 0]], { dtype: "u8" });
  gradcheck(
    (q, k, v) => mha.forward(q, k, v, { keyPaddingMask: pad, attnMask: randnFixed }),
    [randn([3, 2, 4]), ...kv],
    { name: "MultiheadAttention", rtol: 3e-2 },
  );
});
const randnFixed = tensor(Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) * 0.3 - 0.6), { shape: [3, 4] });

test("MultiheadAttention: option and mask errors name the problem", () => {
  const mha = new MultiheadAttention(4, 2);
  const x = randn([3, 2, 4]);
  assert.throws(() => new MultiheadAttention(4, 2, { kdim: 0 }), /kdim/);
  assert.throws(
    () => new MultiheadAttention(4, 2, { vdims: 3 } as MultiheadAttentionOptions),
    /unknown option "vdims"/,
  );
  assert.throws(() => mha.forward(x, x, x, { attnMask: randn([2, 3]) }), /attnMask must be \[3, 3\] or \[4, 3, 3\]/);
  assert.throws(() => mha.forward(x, x, x, { keyPaddingMask: randn([3, 2]) }), /keyPaddingMask must be \[2, 3\]/);
  assert.throws(
    () => mha.forward(x, x, x, { attnMask: tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: "i32" }) }),
    /attnMask must be a boolean \(u8\) or float mask, got i32/,
  );
  assert.throws(() => mha.forward(x, x, x, { needWeights: 1 } as never), /needWeights/);
  assert.throws(() => mha.forward(x, x, x, { need_weights: false } as never), /unknown option "need_weights"/);
});
