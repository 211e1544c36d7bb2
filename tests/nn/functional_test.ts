import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import * as ax from "../../mod.ts";
import {
  BCELoss,
  BCEWithLogitsLoss,
  Conv1d,
  type Conv1dOptions,
  Conv2d,
  ConvTranspose2d,
  type ConvTranspose2dOptions,
  CrossEntropyLoss,
  Dropout,
  Embedding,
  F,
  GELU,
  L1Loss,
  LayerNorm,
  manualSeed,
  MSELoss,
  NLLLoss,
  noGrad,
  rand,
  randn,
  Sequential,
  type Tensor,
  tensor,
  Upsample,
} from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Case = { inputs: EncodedArray[]; out: EncodedArray; w?: EncodedArray; grads?: EncodedArray[]; [k: string]: any };
/** A module case: state dict, input, output, weight and gradients by parameter name. */
// deno-lint-ignore no-explicit-any
type ModuleCase = {
  state: Record<string, EncodedArray>;
  x: EncodedArray;
  out: EncodedArray;
  w: EncodedArray;
  grad_x: EncodedArray;
  grads: Record<string, EncodedArray>;
  [k: string]: any;
};
const fx = loadFixture<Record<string, Case>>("ops_b.json");
const values = (t: Tensor) => Array.from(t.toArray() as ArrayLike<number>, Number);
const expected = (e: EncodedArray) => Array.from(decodeArray(e) as ArrayLike<number>, Number);

function check(c: Case, fn: (...inputs: Tensor[]) => Tensor, tol = { rtol: 1e-5, atol: 1e-5 }, label = ""): void {
  const inputs = c.inputs.map((e) => {
    const t = decodeTensor(e);
    return t.dtype === "f32" ? t.requiresGrad_() : t;
  });
  const out = fn(...inputs);
  assert.deepEqual(out.shape, c.out.shape, `${label} shape`);
  assertClose(values(out), expected(c.out), { ...tol, message: `${label} output` });
  if (!c.w) return;
  out.backward(decodeTensor(c.w));
  c.grads!.forEach((g, i) => {
    if (g !== null) assertClose(values(inputs[i].grad!), expected(g), { ...tol, message: `${label} gradient ${i}` });
  });
}

/** Loads a PyTorch module case into `mod`, runs it, and checks output, input and parameter gradients. */
function checkModule(
  mod: Conv1d | ConvTranspose2d,
  c: ModuleCase,
  tol = { rtol: 1e-5, atol: 1e-5 },
): void {
  const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decodeTensor(v as EncodedArray)]));
  assert.deepEqual(Object.keys(mod.stateDict()).sort(), Object.keys(state).sort());
  mod.loadStateDict(state);
  const x = decodeTensor(c.x).requiresGrad_();
  const out = mod.forward(x);
  assert.deepEqual(out.shape, c.out.shape);
  assertClose(values(out), expected(c.out), { ...tol, message: "output" });
  out.backward(decodeTensor(c.w));
  assertClose(values(x.grad!), expected(c.grad_x), { ...tol, message: "input gradient" });
  for (const [name, p] of mod.namedParameters()) {
    assertClose(values(p.grad!), expected(c.grads[name]), { ...tol, message: `${name} gradient` });
  }
}

test("Conv1d loads PyTorch state dicts (stride, padding, dilation, groups; no bias) and matches output and gradients", () => {
  for (const name of ["conv1d", "conv1d_plain", "conv1d_same", "conv1d_same_dilated"]) {
    const { inChannels, outChannels, kernelSize, ...rest } = fx[name].config;
    checkModule(
      new Conv1d(inChannels, outChannels, kernelSize, rest as Conv1dOptions),
      fx[name] as unknown as ModuleCase,
    );
  }
});

test("ConvTranspose2d loads PyTorch state dicts ([in, out/groups, kH, kW]; stride, padding, outputPadding, groups, dilation)", () => {
  for (const name of ["conv_transpose", "conv_transpose_dilated"]) {
    const { inChannels, outChannels, kernelSize, ...rest } = fx[name].config;
    const mod = new ConvTranspose2d(inChannels, outChannels, kernelSize, rest as ConvTranspose2dOptions);
    const k = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
    assert.deepEqual(mod.weight.shape, [inChannels, outChannels / (rest.groups ?? 1), ...k]);
    checkModule(mod, fx[name] as unknown as ModuleCase);
  }
});

test("ConvTranspose2d is the adjoint of Conv2d: <conv(x), y> = <x, convT(y)> with the same weight", () => {
  manualSeed(3);
  const conv = new Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], bias: false });
  const x = randn(2, 3, 7, 6);
  const y = conv.forward(x);
  const dy = randn(...y.shape);
  const back = F.convTranspose2d(dy, conv.weight.detach(), null, [2, 1], [1, 0], [0, 0], 1, [1, 2]);
  assert.deepEqual(back.shape, x.shape);
  const lhs = y.detach().mul(dy).sum().item();
  const rhs = x.mul(back).sum().item();
  assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

test("Conv1d and ConvTranspose2d: bad arguments are clear errors", () => {
  assert.throws(() => new Conv1d(3, 4, 3, { groups: 2 }), /must be divisible by groups 2/);
  assert.throws(() => new Conv1d(3, 4, 3, { padding: "full" } as never), /padding/);
  assert.throws(() => new Conv1d(3, 4, 3, { strides: 2 } as never), /strides/);
  assert.throws(
    () => new ConvTranspose2d(2, 2, 3, { outputPadding: 2, stride: 2 }),
    /outputPadding \[2,2\] must be smaller than either stride/,
  );
  assert.throws(() => new Conv1d(3, 4, 3).forward(randn(3, 10)), /expected 3-d input \[N, C, L\]/);
  assert.throws(
    () => new ConvTranspose2d(3, 4, 3).forward(randn(1, 2, 5, 5)),
    /does not fit input of shape \[1, 2, 5, 5\]/,
  );
  assert.throws(
    () => F.convTranspose2d(randn(1, 2, 1, 1), randn(2, 1, 3, 3), null, 1, 2),
    /output size -1x-1 is too small/,
  );
});

test("Upsample (nearest, bilinear) equals interpolate and PyTorch's outputs", () => {
  const c = fx.interpolate_bilinear_align;
  const x = decodeTensor(c.inputs[0]);
  const up = new Upsample({ size: [9, 4], mode: "bilinear", alignCorners: true });
  assertClose(values(up.forward(x)), expected(c.out), { rtol: 1e-5, atol: 1e-5 });
  const n = fx.interpolate_nearest_scale2;
  assertClose(values(new Upsample({ scaleFactor: 2 }).forward(decodeTensor(n.inputs[0]))), expected(n.out), {
    rtol: 0,
    atol: 0,
  });
  assert.throws(() => new Upsample({}), /exactly one of size and scaleFactor/);
  assert.throws(() => new Upsample({ size: 2, scale: 2 } as never), /scale/);
});

test("F.scaledDotProductAttention (boolean mask, float mask with scale, causal), F.normalize, F.silu, F.layerNorm match PyTorch", () => {
  const m = fx.sdpa_mask;
  check(
    m,
    (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: decodeTensor(m.mask) }),
    undefined,
    "sdpa bool",
  );
  const fm = fx.sdpa_float_mask_scale;
  check(fm, (q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: decodeTensor(fm.mask), scale: fm.scale }));
  check(fx.sdpa_causal, (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), undefined, "causal");
  check(fx.normalize, (x) => F.normalize(x), undefined, "normalize");
  check(fx.normalize_p1_dim0, (x) => F.normalize(x, { p: 1, dim: 0 }), undefined, "normalize p1");
  check(fx.silu, (x) => F.silu(x), undefined, "silu");
  check(fx.layer_norm, (x, g, b) => F.layerNorm(x, [6], g, b, 1e-5), { rtol: 1e-4, atol: 1e-5 }, "layerNorm");
  const q = randn(1, 2, 3, 4);
  assert.throws(
    () => F.scaledDotProductAttention(q, q, q, { isCausal: true, attnMask: rand(3, 3) }),
    /cannot be given together/,
  );
  assert.throws(() => F.scaledDotProductAttention(q, randn(1, 2, 3, 5), q), /do not fit/);
  assert.throws(() => F.scaledDotProductAttention(q, q, q, { dropout: 0.1 } as never), /dropout/);
  // A zero row normalises to zero with a finite gradient.
  const z = tensor([[0, 0], [3, 4]], { dtype: "f32" }).requiresGrad_();
  F.normalize(z).sum().backward();
  assert.ok(values(z.grad!).every(Number.isFinite));
});

test("F.oneHot matches PyTorch (given and inferred numClasses); out-of-range classes are errors", () => {
  for (const [name, n] of [["one_hot", 5], ["one_hot_infer", -1]] as const) {
    const out = F.oneHot(decodeTensor(fx[name].inputs[0]), n);
    assert.equal(out.dtype, "i64");
    assert.deepEqual(out.shape, fx[name].out.shape);
    assert.deepEqual(values(out), expected(fx[name].out));
  }
  assert.throws(() => F.oneHot(tensor([0, 3]), 3), /class index 3 is outside \[0, 3\)/);
  assert.throws(() => F.oneHot(tensor([0, 3], { dtype: "i64" }), 3), /3 classes/);
  assert.throws(() => F.oneHot(tensor([0.5], { dtype: "f32" }), 3), /integer tensor/);
});

test("F functions equal the layers and losses they mirror", () => {
  manualSeed(7);
  const x = randn(4, 6);
  const same = (a: Tensor, b: Tensor, label: string) => assert.deepEqual(values(a), values(b), label);
  same(F.relu(x), x.relu(), "relu");
  same(F.gelu(x), new GELU().forward(x), "gelu");
  same(F.gelu(x, { approximate: "tanh" }), new GELU("tanh").forward(x), "gelu tanh");
  same(F.softmax(x, 1), x.softmax(1), "softmax");
  same(F.logSoftmax(x, -1), x.logSoftmax(-1), "logSoftmax");
  same(F.sigmoid(x), x.sigmoid(), "sigmoid");
  same(F.tanh(x), x.tanh(), "tanh");
  const target = tensor([0, 5, 2, 1]);
  same(
    F.crossEntropy(x, target, { labelSmoothing: 0.1 }),
    new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(x, target),
    "ce",
  );
  same(F.nllLoss(x.logSoftmax(1), target), new NLLLoss().forward(x.logSoftmax(1), target), "nll");
  const y = randn(4, 6);
  same(F.mseLoss(x, y), new MSELoss().forward(x, y), "mse");
  same(F.l1Loss(x, y, { reduction: "sum" }), new L1Loss("sum").forward(x, y), "l1");
  const p = x.sigmoid();
  const t = rand(4, 6);
  same(F.binaryCrossEntropy(p, t), new BCELoss().forward(p, t), "bce");
  same(F.binaryCrossEntropyWithLogits(x, t), new BCEWithLogitsLoss().forward(x, t), "bce logits");
  const ln = new LayerNorm(6);
  assertClose(values(F.layerNorm(x, 6, ln.weight, ln.bias)), values(ln.forward(x)), { rtol: 1e-6, atol: 1e-6 });
  const emb = new Embedding(5, 3);
  const ids = tensor([[0, 4], [2, 2]]);
  same(F.embedding(ids, emb.weight), emb.forward(ids), "embedding");
  same(F.dropout(x, 0.5, false), x, "dropout off");
  manualSeed(1);
  const a = F.dropout(x, 0.3);
  manualSeed(1);
  const d = new Dropout(0.3);
  same(a, d.forward(x), "dropout");
  const w = randn(3, 6);
  same(F.linear(x, w), x.matmul(w.t()), "linear");
  assert.throws(() => F.mseLoss(x, y, { reduce: true } as never), /reduce/);
  assert.throws(() => F.gelu(x, { approximate: "fast" } as never), /approximate/);
  // The functional forms of the other layers (GroupNorm, RMSNorm, …) are reachable through F too.
  same(F.mish(x), new ax.Mish().forward(x), "mish");
  same(F.elu(x, { alpha: 0.5 }), new ax.ELU({ alpha: 0.5 }).forward(x), "elu");
  same(F.softplus(x), new ax.Softplus().forward(x), "softplus");
  same(F.hardswish(x), new ax.Hardswish().forward(x), "hardswish");
  same(F.silu(x), new ax.SiLU().forward(x), "silu");
  const gn = new ax.GroupNorm(2, 6);
  same(F.groupNorm(x, 2, { weight: gn.weight, bias: gn.bias }), gn.forward(x), "groupNorm");
  const rn = new ax.RMSNorm(6);
  same(F.rmsNorm(x, [6], { weight: rn.weight }), rn.forward(x), "rmsNorm");
});

test("F.embedding with paddingIdx gives that row no gradient, as PyTorch", () => {
  const weight = randn(4, 2).requiresGrad_();
  const out = F.embedding(tensor([1, 3, 1]), weight, { paddingIdx: 1 });
  out.sum().backward();
  assert.deepEqual(values(weight.grad!), [0, 0, 0, 0, 0, 0, 1, 1]);
  noGrad(() =>
    assert.deepEqual(
      values(out),
      values(weight.detach()).slice(2, 4).concat(
        values(weight.detach()).slice(6, 8),
        values(weight.detach()).slice(2, 4),
      ),
    )
  );
});

test("Conv1d, ConvTranspose2d and Upsample print as PyTorch prints them", () => {
  const model = new Sequential()
    .add(new Conv1d(3, 4, 3, { padding: 1 }))
    .add(new ConvTranspose2d(4, 2, 3, { stride: 2, outputPadding: 1, bias: false, groups: 2 }))
    .add(new Upsample({ scaleFactor: 2, mode: "bilinear" }))
    .add(new Upsample({ size: [4, 5] }));
  assert.equal(String(model), (fx as unknown as Record<string, string>).repr);
  assert.equal(
    String(new Conv1d(2, 3, 4, { padding: "valid" })),
    (fx as unknown as Record<string, string>).conv1d_valid_repr,
  );
});
