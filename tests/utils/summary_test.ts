/**
 * `Module.toString()` against PyTorch's `print(model)` and `summary()` against torchinfo's table,
 * for the seed's MLP, the example CNN, a nested model with frozen parameters and (printing only) a
 * model holding every layer. Fixtures: tests/fixtures/make_summary_fixtures.py.
 * @module
 */
import { readFileSync } from "node:fs";
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Embedding,
  Flatten,
  GELU,
  getRngState,
  Identity,
  LayerNorm,
  LeakyReLU,
  Linear,
  LogSoftmax,
  manualSeed,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  summary,
  Tanh,
  type Tensor,
} from "../../mod.ts";
import { pyFloat } from "../../src/nn/repr.ts";
import { assert, test } from "../harness.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/summary/${name}`, import.meta.url), "utf8").trimEnd();

function mlp(): Sequential {
  return new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
}

function cnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 3, { padding: 1 }),
    ReLU,
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }),
    ReLU,
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.25),
    new Linear(64 * 7 * 7, 128),
    ReLU,
    new Dropout(0.5),
    new Linear(128, 10),
  );
}

class Net extends Module {
  features = new Sequential(new Linear(8, 16), Tanh, new Sequential(new Linear(16, 16), new GELU()));
  head = new Linear(16, 4, false);
  constructor() {
    super();
    for (const p of (this.features.at(0) as Linear).parameters()) p.requiresGrad_(false);
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.features.forward(x));
  }
}

class Shared extends Module {
  fc = new Linear(6, 6);
  out = new Linear(6, 2);
  forward(x: Tensor): Tensor {
    return this.out.forward(this.fc.forward(this.fc.forward(x)).relu());
  }
}

function zoo(): Sequential {
  return new Sequential(
    new Conv2d(3, 8, [3, 5], { stride: 2, padding: [1, 2], dilation: 2, bias: false }),
    new Conv2d(8, 8, 3, { groups: 4 }),
    new BatchNorm2d(8),
    new BatchNorm1d(8, { eps: 1e-3, momentum: null, affine: false }),
    new MaxPool2d([2, 3], { stride: 1, padding: 1 }),
    new AvgPool2d(3, { stride: 2, padding: 1 }),
    new AdaptiveAvgPool2d([1, 1]),
    new AdaptiveAvgPool2d(4),
    new Flatten(0, 2),
    new LayerNorm([4, 5], { eps: 1e-6 }),
    new Embedding(10, 3, { paddingIdx: 0 }),
    new Embedding(7, 2),
    new Sequential(new LeakyReLU(0.2), Sigmoid, Tanh, Identity),
    new Softmax(1),
    new LogSoftmax(-1),
    new GELU("tanh"),
    new Dropout(0.125),
    new Linear(3, 2, false),
  );
}

/** torchinfo 1.8 on Python 3.11+ prints the units enum as "Units.MEGABYTES"; its README (and Axon) print "(M)". */
const torchinfoTable = (name: string) => fixture(name).replace("(Units.MEGABYTES)", "(M)");

test("Module.toString matches PyTorch's print(model): seed MLP, CNN, nested model, every layer", () => {
  assert.equal(String(mlp()), fixture("mlp_repr.txt"));
  assert.equal(cnn().toString(), fixture("cnn_repr.txt"));
  assert.equal(`${new Net()}`, fixture("nested_repr.txt"));
  assert.equal(String(zoo()), fixture("zoo_repr.txt"));
});

test("summary matches torchinfo's table for the seed MLP, the CNN, a nested partly frozen model and a shared layer", () => {
  assert.equal(String(summary(mlp(), [64, 784])), torchinfoTable("mlp_summary.txt"));
  assert.equal(String(summary(cnn(), [64, 1, 28, 28])), torchinfoTable("cnn_summary.txt"));
  const s = summary(new Net(), [5, 8]);
  assert.equal(String(s), torchinfoTable("nested_summary.txt"));
  assert.equal(s.totalParams, 480);
  assert.equal(s.trainableParams, 336);
  assert.deepEqual(s.layers.map((l) => l.outputShape), [[5, 4], [5, 16], [5, 16], [5, 16], [5, 16], [5, 16], [5, 16], [
    5,
    4,
  ]]);
  const shared = summary(new Shared(), [3, 6]);
  assert.equal(String(shared), torchinfoTable("shared_summary.txt"));
  assert.equal(shared.totalParams, 56, "a layer called twice counts once");
  assert.equal(String(new Shared()), fixture("shared_repr.txt"));
});

test("summary leaves the model's mode, the random generator and the forward methods as they were", () => {
  manualSeed(1);
  const model = cnn();
  const rng = getRngState();
  summary(model, [2, 1, 28, 28]);
  assert.equal(model.training, true);
  assert.ok(model.modules().every((m) => m.training));
  assert.equal(getRngState().counter, rng.counter);
  assert.ok(model.modules().every((m) => !Object.hasOwn(m, "forward")));
  assert.throws(
    () => summary(model, [2, 1, 28, 28], { depht: 2 } as never),
    /unknown option "depht" \(did you mean "depth"\?\)/,
  );
  assert.throws(() => summary(model, [2, 1, 27]), /Conv2d|conv2d|input/);
  assert.ok(model.modules().every((m) => !Object.hasOwn(m, "forward")), "hooks removed after a failing forward");
});

test("pyFloat writes floats as Python's repr does", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"],
    [0.001, "0.001"],
    [1e-4, "0.0001"],
    [0.1, "0.1"],
    [1, "1.0"],
    [1e16, "1e+16"],
    [123456789012345.6, "123456789012345.6"],
    [2.5e-7, "2.5e-07"],
    [-0.5, "-0.5"],
  ];
  for (const [x, want] of cases) assert.equal(pyFloat(x), want, String(x));
});
