import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  Dropout,
  Flatten,
  GELU,
  LeakyReLU,
  Linear,
  LogSoftmax,
  manualSeed,
  Module,
  noGrad,
  Parameter,
  randn,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  type Tensor,
  zeros,
} from "../../mod.ts";

type Case = Record<string, EncodedArray> & { name: string };
const fixture = loadFixture<{ layers: Case[] }>("nn.json");
const f32 = (t: Tensor | null) => t!.toArray() as Float32Array;

const MODULES: Record<string, () => Module> = {
  relu: () => new ReLU(),
  gelu: () => new GELU(),
  gelu_tanh: () => new GELU("tanh"),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  leaky_relu: () => new LeakyReLU(0.2),
  softmax: () => new Softmax(1),
  log_softmax: () => new LogSoftmax(1),
  flatten: () => new Flatten(),
};

test("Linear forward and gradients equal PyTorch", () => {
  const c = fixture.layers.find((l) => l.name === "linear")!;
  const layer = new Linear(7, 5);
  noGrad(() => {
    layer.weight.copy_(decodeTensor(c.weight));
    layer.bias!.copy_(decodeTensor(c.bias));
  });
  const x = decodeTensor(c.x).requiresGrad_();
  const out = layer.forward(x);
  assertClose(f32(out), decodeArray(c.out) as Float32Array, { rtol: 1e-4, atol: 1e-5 });
  out.backward(decodeTensor(c.w));
  assertClose(f32(x.grad), decodeArray(c.grad_x) as Float32Array, { rtol: 1e-4, atol: 1e-5, message: "grad x" });
  assertClose(f32(layer.weight.grad), decodeArray(c.grad_weight) as Float32Array, {
    rtol: 1e-4,
    atol: 1e-5,
    message: "grad W",
  });
  assertClose(f32(layer.bias!.grad), decodeArray(c.grad_bias) as Float32Array, {
    rtol: 1e-4,
    atol: 1e-5,
    message: "grad b",
  });
});

test("activation layers: outputs and gradients equal PyTorch", () => {
  for (const c of fixture.layers.filter((l) => l.name !== "linear")) {
    const x = decodeTensor(c.x).requiresGrad_();
    const out = MODULES[c.name]().forward(x);
    assert.deepEqual(out.shape, c.out.shape, c.name);
    assertClose(f32(out), decodeArray(c.out) as Float32Array, { message: c.name });
    out.backward(decodeTensor(c.w));
    assertClose(f32(x.grad), decodeArray(c.grad_x) as Float32Array, { message: `${c.name} grad` });
  }
});

test("finite differences through layers", () => {
  manualSeed(11);
  const fc = new Linear(4, 3);
  gradcheck((x) => fc.forward(x), [randn([2, 4])], { name: "Linear" });
  gradcheck((x) => new GELU().forward(x), [randn([3, 4])], { name: "GELU" });
  gradcheck((x) => new GELU("tanh").forward(x), [randn([3, 4])], { name: "GELU tanh" });
  gradcheck((x) => new LeakyReLU(0.1).forward(x.add(0.05)), [randn([3, 4])], { name: "LeakyReLU" });
});

test("Sequential: the seed's chaining, PyTorch names, state dict round trip", () => {
  manualSeed(1);
  const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
  assert.deepEqual(model.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  assert.equal(model.numParameters(), 784 * 256 + 256 + 256 * 10 + 10);
  assert.equal(model.children().length, 3);
  const state = model.stateDict();
  assert.deepEqual(Object.keys(state), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  const other = new Sequential(new Linear(784, 256), ReLU, new Linear(256, 10));
  other.loadStateDict(state);
  assert.deepEqual(
    other.forward(zeros([1, 784]).add(0.5)).toArray(),
    model.forward(zeros([1, 784]).add(0.5)).toArray(),
  );
  assert.throws(() => other.loadStateDict({ ...state, extra: zeros([1]) }), /unexpected keys: extra/);
  const { "2.bias": _dropped, ...partial } = state;
  assert.throws(() => other.loadStateDict(partial), /missing keys: 2\.bias/);
  assert.deepEqual(other.loadStateDict(partial, { strict: false }).missingKeys, ["2.bias"]);
  assert.throws(
    () => other.loadStateDict({ ...state, "0.bias": zeros([3]) }),
    /size mismatch for 0\.bias: the state has shape \[3\], the module \[256\]/,
  );
});

test("nested modules: dotted names, train/eval, apply, buffers", () => {
  class Block extends Module {
    layer1 = new Linear(3, 4);
    drop = new Dropout(0.5);
    constructor() {
      super();
      this.registerBuffer("steps", zeros([1], { dtype: "i32" }));
    }
    forward(x: Tensor) {
      return this.drop.forward(this.layer1.forward(x));
    }
  }
  class Net extends Module {
    encoder = new Block();
    head = new Linear(4, 2);
    scale = new Parameter(zeros([1]));
    forward(x: Tensor) {
      return this.head.forward(this.encoder.forward(x)).mul(this.scale);
    }
  }
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n), [
    "scale",
    "encoder.layer1.weight",
    "encoder.layer1.bias",
    "head.weight",
    "head.bias",
  ]);
  assert.deepEqual(Object.keys(net.stateDict()), [
    "scale",
    "encoder.steps",
    "encoder.layer1.weight",
    "encoder.layer1.bias",
    "head.weight",
    "head.bias",
  ]);
  net.eval();
  assert.ok(net.modules().every((m) => !m.training));
  net.train();
  assert.ok(net.encoder.drop.training);
  const visited: string[] = [];
  net.apply((m) => visited.push(m.constructor.name));
  assert.deepEqual(visited, ["Linear", "Dropout", "Block", "Linear", "Net"]);
});

test("Dropout: mask rate and scaling in training, identity in eval", () => {
  manualSeed(5);
  const drop = new Dropout(0.3);
  const x = zeros([200_000]).add(1);
  const y = drop.forward(x).toArray() as Float32Array;
  let kept = 0;
  for (const v of y) {
    if (v !== 0) {
      kept++;
      assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
    }
  }
  assert.ok(Math.abs(kept / y.length - 0.7) < 0.005, `kept fraction ${kept / y.length}`);
  drop.eval();
  assert.equal(drop.forward(x), x);
  assert.throws(() => new Dropout(1.5), /between 0 and 1/);
});

test("forward with a mismatched shape names both", () => {
  assert.throws(
    () => new Linear(784, 10).forward(zeros([64, 100])),
    /Linear\(784, 10\): input of shape \[64, 100\] does not end in 784 features/,
  );
});

test("Linear and Conv2d initialise as PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))", async () => {
  const { Conv2d } = await import("../../mod.ts");
  manualSeed(3);
  for (
    const [w, fanIn] of [[new Linear(400, 300).weight, 400], [new Linear(400, 300).bias!, 400], [
      new Conv2d(16, 32, 3).weight,
      144,
    ]] as const
  ) {
    const bound = 1 / Math.sqrt(fanIn);
    const v = w.toArray() as Float32Array;
    let max = 0, sq = 0;
    for (const x of v) {
      max = Math.max(max, Math.abs(x));
      sq += x * x;
    }
    assert.ok(max <= bound, `max ${max} exceeds bound ${bound}`);
    assert.ok(max > 0.95 * bound || v.length < 1000, `max ${max} far below bound ${bound}`);
    const std = Math.sqrt(sq / v.length);
    assert.ok(Math.abs(std - bound / Math.sqrt(3)) < 0.1 * bound, `std ${std} vs uniform ${bound / Math.sqrt(3)}`);
  }
});

test("int64 counters load into i32 buffers with a range check", async () => {
  const { BatchNorm1d, tensor } = await import("../../mod.ts");
  const bn = new BatchNorm1d(2);
  const state = bn.stateDict();
  bn.loadStateDict({ ...state, num_batches_tracked: tensor(new BigInt64Array([7n]), { shape: [] }) });
  assert.equal(bn.stateDict().num_batches_tracked.item(), 7);
  assert.throws(
    () => bn.loadStateDict({ ...state, num_batches_tracked: tensor(new BigInt64Array([1n << 40n]), { shape: [] }) }),
    /int64 value 1099511627776, which does not fit/,
  );
});

test("in-place ops bump the version and refuse leaves that require grad", () => {
  const x = zeros([3]).add(1);
  x.add_(2).mul_(3).sub_(1).div_(2);
  assert.deepEqual(x.toList(), [4, 4, 4]);
  assert.equal(x.storage.version, 4);
  x.zero_();
  assert.deepEqual(x.toList(), [0, 0, 0]);
  const p = new Parameter(zeros([2]));
  assert.throws(() => p.add_(1), /leaf tensor that requires grad is being used in an in-place operation/);
  noGrad(() => p.fill_(5));
  assert.deepEqual(p.toList(), [5, 5]);
  const h = p.mul(2);
  const y = h.exp().sum(); // exp saves its output… and h itself is saved by nothing
  const z = h.mul(h).sum(); // mul saves h
  h.add_(1);
  y.backward();
  assert.throws(() => z.backward(), /modified by an in-place operation/);
});

test("Dropout with p = 0 is the identity, as PyTorch", () => {
  const x = randn([10]);
  assert.deepEqual(new Dropout(0).forward(x).toArray(), x.toArray());
});
