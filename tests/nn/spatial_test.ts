import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv2d,
  CrossEntropyLoss,
  Embedding,
  Flatten,
  gather,
  indexSelect,
  Linear,
  manualSeed,
  MaxPool2d,
  type Module,
  MultiheadAttention,
  noGrad,
  randn,
  ReLU,
  Sequential,
  type Tensor,
  tensor,
  Variable,
  zeros,
} from "../../mod.ts";

type Case = Record<string, EncodedArray> & {
  name: string;
  config: Record<string, unknown>;
  params: Record<string, EncodedArray>;
};
const fixture = loadFixture<
  {
    spatial: Case[];
    cnn: {
      init: Record<string, EncodedArray>;
      batches: { x: EncodedArray; y: EncodedArray }[];
      lr: number;
      losses: number[];
    };
  }
>("nn.json");
const f32 = (t: Tensor | null) => t!.toArray() as Float32Array;
const GEMM_TOL = { rtol: 1e-4, atol: 1e-5 };

test("Conv2d (stride, padding, dilation, groups): output and gradients equal PyTorch", () => {
  for (const c of fixture.spatial.filter((s) => s.name === "conv2d")) {
    const cfg = c.config as {
      cin: number;
      cout: number;
      k: number | [number, number];
      stride: number;
      padding: number;
      dilation: number;
      groups: number;
    };
    const conv = new Conv2d(cfg.cin, cfg.cout, cfg.k, {
      stride: cfg.stride,
      padding: cfg.padding,
      dilation: cfg.dilation,
      groups: cfg.groups,
    });
    noGrad(() => {
      conv.weight.copy_(decodeTensor(c.weight));
      conv.bias!.copy_(decodeTensor(c.bias));
    });
    const x = decodeTensor(c.x).requiresGrad_();
    const out = conv.forward(x);
    const name = JSON.stringify(cfg);
    assert.deepEqual(out.shape, c.out.shape, name);
    assertClose(f32(out), decodeArray(c.out) as Float32Array, { ...GEMM_TOL, message: name });
    out.backward(decodeTensor(c.w));
    assertClose(f32(x.grad), decodeArray(c.grad_x) as Float32Array, { ...GEMM_TOL, message: `${name} grad x` });
    assertClose(f32(conv.weight.grad), decodeArray(c.grad_weight) as Float32Array, {
      ...GEMM_TOL,
      message: `${name} grad W`,
    });
    assertClose(f32(conv.bias!.grad), decodeArray(c.grad_bias) as Float32Array, {
      ...GEMM_TOL,
      message: `${name} grad b`,
    });
  }
});

function poolModule(c: Case): Module {
  const k = c.config as Record<string, number | number[] | boolean | undefined>;
  const opts = {
    stride: k.stride as number | undefined,
    padding: k.padding as number | undefined,
    dilation: k.dilation as number | undefined,
    ceilMode: k.ceil_mode as boolean | undefined,
    countIncludePad: k.count_include_pad as boolean | undefined,
    divisorOverride: k.divisor_override as number | undefined,
  };
  if (c.name === "max_pool") return new MaxPool2d(k.kernel_size as number, opts);
  if (c.name === "avg_pool") return new AvgPool2d(k.kernel_size as number, opts);
  return new AdaptiveAvgPool2d(k.output_size as [number, number]);
}

test("MaxPool2d / AvgPool2d / AdaptiveAvgPool2d equal PyTorch (ceil mode, padding, dilation, divisor)", () => {
  for (const c of fixture.spatial.filter((s) => s.name.endsWith("_pool"))) {
    const name = `${c.name} ${JSON.stringify(c.config)}`;
    const x = decodeTensor(c.x).requiresGrad_();
    const out = poolModule(c).forward(x);
    assert.deepEqual(out.shape, c.out.shape, name);
    assertClose(f32(out), decodeArray(c.out) as Float32Array, { message: name });
    out.backward(decodeTensor(c.w));
    assertClose(f32(x.grad), decodeArray(c.grad_x) as Float32Array, { message: `${name} grad` });
  }
});

test("finite differences: conv2d, pools, indexSelect, gather", () => {
  manualSeed(21);
  const conv = new Conv2d(2, 3, 3, { padding: 1, stride: 2 });
  gradcheck((x) => conv.forward(x), [randn([1, 2, 5, 5])], { name: "conv2d", rtol: 3e-2 });
  gradcheck((x) => new AvgPool2d(2, { stride: 1 }).forward(x), [randn([1, 2, 4, 4])], { name: "avgPool2d" });
  gradcheck((x) => new AdaptiveAvgPool2d([2, 3]).forward(x), [randn([1, 1, 5, 7])], { name: "adaptiveAvgPool2d" });
  const idx = tensor([2, 0, 2, 1]);
  gradcheck((x) => indexSelect(x, 1, idx), [randn([2, 3, 2])], { name: "indexSelect" });
  gradcheck((x) => gather(x, 1, tensor([[0, 2], [1, 1]])), [randn([2, 3])], { name: "gather" });
});

test("Embedding equals PyTorch, padding row gets no gradient; bad indices are errors", () => {
  const c = fixture.spatial.find((s) => s.name === "embedding")!;
  const emb = new Embedding(10, 4, { paddingIdx: 3 });
  noGrad(() => emb.weight.copy_(decodeTensor(c.weight)));
  const out = emb.forward(decodeTensor(c.idx));
  assertClose(f32(out), decodeArray(c.out) as Float32Array);
  out.backward(decodeTensor(c.w));
  assertClose(f32(emb.weight.grad), decodeArray(c.grad_weight) as Float32Array);
  assert.throws(() => emb.forward(tensor([1, 10])), /index 10 is out of bounds/);
  assert.throws(() => emb.forward(zeros([2])), /Embedding: indices must be an integer tensor \(i32 or i64\), got f32/);
});

test("MultiheadAttention (causal self-attention, cross-attention, gradients) equals PyTorch", () => {
  const c = fixture.spatial.find((s) => s.name === "mha")!;
  const mha = new MultiheadAttention(8, 2, { batchFirst: true });
  assert.deepEqual(Object.keys(mha.stateDict()), [
    "in_proj_weight",
    "in_proj_bias",
    "out_proj.weight",
    "out_proj.bias",
  ]);
  mha.loadStateDict(Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, decodeTensor(v)])));
  const q = decodeTensor(c.q);
  const kv = decodeTensor(c.kv);
  const [outCausal, wCausal] = mha.forwardWithWeights(q, q, q, { isCausal: true });
  assertClose(f32(outCausal), decodeArray(c.out_causal) as Float32Array, GEMM_TOL);
  assertClose(f32(wCausal), decodeArray(c.weights_causal) as Float32Array, GEMM_TOL);
  const [outCross, wCross] = mha.forwardWithWeights(q, kv, kv);
  assertClose(f32(outCross), decodeArray(c.out_cross) as Float32Array, GEMM_TOL);
  assertClose(f32(wCross), decodeArray(c.weights_cross) as Float32Array, GEMM_TOL);
  const qg = decodeTensor(c.q).requiresGrad_();
  mha.forward(qg).backward(decodeTensor(c.w));
  assertClose(f32(qg.grad), decodeArray(c.grad_q) as Float32Array, GEMM_TOL);
  assertClose(f32(mha.in_proj_weight!.grad), decodeArray(c.grad_in_proj) as Float32Array, GEMM_TOL);
});

test("a small CNN follows PyTorch's loss curve for 100 SGD steps (within 1e-3)", () => {
  const { init, batches, lr, losses } = fixture.cnn;
  const model = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }),
    ReLU,
    new MaxPool2d(2),
    new Conv2d(4, 6, 3),
    ReLU,
    new Flatten(),
    new Linear(6 * 4 * 4, 5),
  );
  model.loadStateDict(Object.fromEntries(Object.entries(init).map(([k, v]) => [k, decodeTensor(v)])));
  const data = batches.map((b) => [decodeTensor(b.x), decodeTensor(b.y)]);
  const lossFn = new CrossEntropyLoss();
  let worst = 0;
  for (let step = 0; step < losses.length; step++) {
    const [x, y] = data[step % data.length];
    const loss = lossFn.compute(model.forward(new Variable(x, false)), y);
    model.zeroGrad();
    loss.backward();
    noGrad(() => {
      for (const p of model.parameters()) p.copy_(p.sub(p.grad!.mul(lr)));
    });
    worst = Math.max(worst, Math.abs(loss.data().item() - losses[step]));
  }
  assert.ok(worst < 1e-3, `largest loss difference ${worst}`);
});

test("conv and pool errors name the shapes", () => {
  assert.throws(
    () => new Conv2d(3, 4, 3).forward(zeros([1, 2, 5, 5])),
    /weight of shape \[4, 3, 3, 3\] with groups=1 does not fit input of shape \[1, 2, 5, 5\]/,
  );
  assert.throws(() => new Conv2d(1, 1, 5).forward(zeros([1, 1, 3, 3])), /too small for kernel/);
  assert.throws(() => new MaxPool2d(2).forward(zeros([4, 4])), /expected 4-d input/);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups 2/);
});

test("finite differences: max pooling, multi-head attention, losses", async () => {
  const { BCEWithLogitsLoss, HuberLoss, SmoothL1Loss } = await import("../../mod.ts");
  const distinct = () =>
    tensor(Float32Array.from({ length: 32 }, (_, i) => ((i * 13) % 32) * 0.1), { shape: [1, 2, 4, 4] });
  gradcheck((x) => new MaxPool2d(2).forward(x), [distinct()], { name: "maxPool2d" });
  manualSeed(31);
  const mha = new MultiheadAttention(4, 2, { batchFirst: true });
  gradcheck((q) => mha.forward(q, undefined, undefined, { isCausal: true }), [randn([1, 3, 4])], {
    name: "MultiheadAttention",
    rtol: 3e-2,
  });
  const ce = new CrossEntropyLoss({ labelSmoothing: 0.1 });
  const target = tensor([1, 0, 2]);
  gradcheck((z) => ce.compute(z, target), [randn([3, 3])], { name: "CrossEntropyLoss" });
  const y = randn([2, 3]);
  gradcheck((z) => new BCEWithLogitsLoss().compute(z, y.sigmoid()), [randn([2, 3])], { name: "BCEWithLogitsLoss" });
  gradcheck((z) => new HuberLoss({ delta: 0.5 }).compute(z, y), [randn([2, 3])], { name: "HuberLoss" });
  gradcheck((z) => new SmoothL1Loss({ beta: 0.5 }).compute(z, y), [randn([2, 3])], { name: "SmoothL1Loss" });
  const { BCELoss, BatchNorm2d, L1Loss, MSELoss, NLLLoss, Softmax, Sigmoid, Tanh } = await import("../../mod.ts");
  gradcheck((z) => new MSELoss().compute(z, y), [randn([2, 3])], { name: "MSELoss" });
  gradcheck((z) => new L1Loss().compute(z, y), [randn([2, 3])], { name: "L1Loss" });
  gradcheck((z) => new NLLLoss().compute(z.logSoftmax(1), target), [randn([3, 3])], { name: "NLLLoss" });
  gradcheck((z) => new BCELoss().compute(z.sigmoid(), y.sigmoid()), [randn([2, 3])], { name: "BCELoss" });
  gradcheck((x) => new BatchNorm2d(2).forward(x), [randn([2, 2, 3, 3])], { name: "BatchNorm2d" });
  gradcheck((x) => new Softmax(1).forward(x), [randn([2, 4])], { name: "Softmax module" });
  gradcheck((x) => new Sigmoid().forward(x), [randn([2, 4])], { name: "Sigmoid module" });
  gradcheck((x) => new Tanh().forward(x), [randn([2, 4])], { name: "Tanh module" });
  const emb = new Embedding(5, 3); // no paddingIdx: its row gets no gradient by design, unlike the true derivative
  const ids = tensor([4, 0, 4, 1]);
  gradcheck((_weight) => emb.forward(ids), [emb.weight], { name: "Embedding weight" });
});
