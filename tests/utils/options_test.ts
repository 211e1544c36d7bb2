/**
 * Options objects across the public API refuse unknown keys (naming the accepted ones) and
 * non-objects (a positional number where the options belong), and still take every accepted key.
 * Before this change each of these calls returned normally and ignored the options.
 */
import { assert, test } from "../harness.ts";
import * as ax from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const params = () => [new ax.Parameter(ax.zeros([3]))];
const sgd = () => new ax.SGD(params(), 0.1).momentum(0.9);
const x4 = () => ax.zeros([1, 1, 4, 4]);
const model = () => new ax.Sequential(new ax.Linear(2, 2));

/** Every API that takes an options object: how to call it with `options`, and one valid options object. */
const SITES: { api: string; call: (options: unknown) => unknown; valid: Record<string, unknown> }[] = [
  { api: "zeros", call: (o) => (ax.zeros as Any)([2], o), valid: { dtype: "f64" } },
  { api: "ones", call: (o) => (ax.ones as Any)([2], o), valid: { dtype: "f64" } },
  { api: "full", call: (o) => (ax.full as Any)([2], 3, o), valid: { dtype: "i32" } },
  { api: "zerosLike", call: (o) => (ax.zerosLike as Any)(ax.zeros([2]), o), valid: { dtype: "f64" } },
  { api: "onesLike", call: (o) => (ax.onesLike as Any)(ax.zeros([2]), o), valid: { dtype: "f64" } },
  { api: "fullLike", call: (o) => (ax.fullLike as Any)(ax.zeros([2]), 2, o), valid: { dtype: "f64" } },
  { api: "arange", call: (o) => (ax.arange as Any)(0, 4, 1, o), valid: { dtype: "f32" } },
  { api: "eye", call: (o) => (ax.eye as Any)(2, 2, o), valid: { dtype: "f64" } },
  { api: "tensor", call: (o) => (ax.tensor as Any)([1, 2], o), valid: { dtype: "f64" } },
  { api: "rand", call: (o) => (ax.rand as Any)([2], o), valid: { dtype: "bf16" } },
  { api: "randn", call: (o) => (ax.randn as Any)([2], o), valid: { dtype: "f16" } },
  { api: "uniform", call: (o) => (ax.uniform as Any)([2], 0, 1, o), valid: { dtype: "f32" } },
  { api: "normal", call: (o) => (ax.normal as Any)([2], 0, 1, o), valid: { dtype: "bf16" } },
  { api: "bernoulli", call: (o) => (ax.bernoulli as Any)([2], 0.5, o), valid: { dtype: "u8" } },
  {
    api: "maxPool2d",
    call: (o) => (ax.maxPool2d as Any)(x4(), 2, o),
    valid: { stride: 1, padding: 1, dilation: 1, ceilMode: true },
  },
  {
    api: "avgPool2d",
    call: (o) => (ax.avgPool2d as Any)(x4(), 2, o),
    valid: { countIncludePad: false, divisorOverride: 3 },
  },
  { api: "MaxPool2d", call: (o) => new (ax.MaxPool2d as Any)(2, o), valid: { stride: 2 } },
  { api: "AvgPool2d", call: (o) => new (ax.AvgPool2d as Any)(2, o), valid: { padding: 1 } },
  {
    api: "Conv2d",
    call: (o) => new (ax.Conv2d as Any)(2, 4, 3, o),
    valid: { stride: 2, padding: 1, dilation: 1, groups: 2, bias: false },
  },
  {
    api: "BatchNorm1d",
    call: (o) => new (ax.BatchNorm1d as Any)(3, o),
    valid: { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false },
  },
  { api: "BatchNorm2d", call: (o) => new (ax.BatchNorm2d as Any)(3, o), valid: { momentum: 0.2 } },
  {
    api: "LayerNorm",
    call: (o) => new (ax.LayerNorm as Any)(3, o),
    valid: { eps: 1e-6, elementwiseAffine: true, bias: false },
  },
  { api: "Embedding", call: (o) => new (ax.Embedding as Any)(5, 2, o), valid: { paddingIdx: -1 } },
  {
    api: "MultiheadAttention",
    call: (o) => new (ax.MultiheadAttention as Any)(4, 2, o),
    valid: { dropout: 0.1, bias: false, batchFirst: true },
  },
  {
    api: "MultiheadAttention.forward",
    call: (o) => {
      const q = ax.zeros([1, 2, 4]);
      return new ax.MultiheadAttention(4, 2).forward(q, q, q, o as Any);
    },
    valid: { isCausal: true, averageAttnWeights: false },
  },
  {
    api: "CrossEntropyLoss",
    call: (o) => new (ax.CrossEntropyLoss as Any)(o),
    valid: { reduction: "sum", ignoreIndex: 1, labelSmoothing: 0.1 },
  },
  { api: "NLLLoss", call: (o) => new (ax.NLLLoss as Any)(o), valid: { reduction: "none", ignoreIndex: 0 } },
  { api: "SmoothL1Loss", call: (o) => new (ax.SmoothL1Loss as Any)(o), valid: { beta: 0.5 } },
  { api: "HuberLoss", call: (o) => new (ax.HuberLoss as Any)(o), valid: { delta: 2 } },
  { api: "BCELoss", call: (o) => new (ax.BCELoss as Any)(o), valid: { weight: ax.ones([2]) } },
  { api: "BCEWithLogitsLoss", call: (o) => new (ax.BCEWithLogitsLoss as Any)(o), valid: { posWeight: ax.ones([2]) } },
  { api: "loadStateDict", call: (o) => model().loadStateDict(model().stateDict(), o as Any), valid: { strict: false } },
  {
    api: "backward",
    call: (o) => ax.ones([1]).requiresGrad_().sum().backward(null, o as Any),
    valid: { retainGraph: true },
  },
  { api: "clipGradNorm", call: (o) => (ax.clipGradNorm as Any)(params(), 1, 2, o), valid: { errorIfNonfinite: true } },
  {
    api: "GradScaler",
    call: (o) => new (ax.GradScaler as Any)(o),
    valid: { initScale: 1024, growthFactor: 3, backoffFactor: 0.25, growthInterval: 10, enabled: true },
  },
  {
    api: "LinearLR",
    call: (o) => new (ax.LinearLR as Any)(sgd(), o),
    valid: { startFactor: 0.5, endFactor: 1, totalIters: 10 },
  },
  {
    api: "OneCycleLR",
    call: (o) => new (ax.OneCycleLR as Any)(sgd(), 0.1, 2, 5, o),
    valid: { pctStart: 0.25, annealStrategy: "linear", divFactor: 10 },
  },
  {
    api: "ReduceLROnPlateau",
    call: (o) => new (ax.ReduceLROnPlateau as Any)(sgd(), o),
    valid: { mode: "max", factor: 0.5, patience: 2, cooldown: 1 },
  },
  {
    api: "DataLoader",
    call: (o) => new (ax.DataLoader as Any)(new ax.TensorDataset(ax.zeros([4, 2]), ax.zeros([4])), 2, true, o),
    valid: { dropLast: true, prefetch: false, seed: 3 },
  },
  { api: "MNIST.npmDigits", call: (o) => (ax.MNIST.npmDigits as Any)(false, o), valid: { normalize: true } },
  { api: "autocast", call: (o) => (ax.autocast as Any)("bf16", () => 1, o), valid: { enabled: false } },
  { api: "AutocastGuard", call: (o) => new (ax.AutocastGuard as Any)("bf16", o).release(), valid: { enabled: true } },
];

test("every options object refuses an unknown key, naming the key and the accepted ones", () => {
  for (const { api, call, valid } of SITES) {
    const where = api.split(".")[0];
    assert.throws(() => call({ ...valid, bogusKey: 1 }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${api}: ${e}`);
      assert.match(e.message, new RegExp(`${where}.*unknown option "bogusKey"`), api);
      for (const key of Object.keys(valid)) {
        assert.match(e.message, new RegExp(`accepted options: .*\\b${key}\\b`), `${api} lists ${key}`);
      }
      return true;
    }, api);
  }
});

test("every options object refuses a number, a string and an array in its place", () => {
  for (const { api, call } of SITES) {
    for (const wrong of [0.5, "x", [1]]) {
      assert.throws(
        () => call(wrong),
        /options must be an object with keys \{ .+ \}/,
        `${api} with ${JSON.stringify(wrong)}`,
      );
    }
  }
});

test("every options object still takes all the keys it documents", () => {
  for (const { call, valid } of SITES) call(valid);
  for (const { call } of SITES) call(undefined);
});

test("the issue's cases: positional numbers, misspelt and snake_case keys", () => {
  assert.throws(() => new (ax.LinearLR as Any)(sgd(), 0.01, 1.0, 50), /LinearLR: .*startFactor, endFactor, totalIters/);
  assert.throws(() => new (ax.ReduceLROnPlateau as Any)(sgd(), "max"), /ReduceLROnPlateau: .*mode/);
  assert.throws(
    () => new ax.LinearLR(sgd(), { totalIter: 50 } as Any),
    /unknown option "totalIter" \(did you mean "totalIters"\?\); accepted options: startFactor, endFactor, totalIters/,
  );
  assert.throws(
    () => new ax.CrossEntropyLoss({ label_smoothing: 0.5 } as Any),
    /unknown option "label_smoothing" \(did you mean "labelSmoothing"\?\); accepted options: reduction, weight, ignoreIndex, labelSmoothing/,
  );
  // The accepted spellings take effect: startFactor 0.01 scales the rate at step 0.
  const o = sgd();
  new ax.LinearLR(o, { startFactor: 0.01, endFactor: 1, totalIters: 50 });
  assert.ok(Math.abs(o.getLr() - 0.1 * 0.01) < 1e-12, `lr ${o.getLr()}`);
  const p = new ax.ReduceLROnPlateau(sgd(), { mode: "max" });
  assert.equal(p.mode(), "max");
});

test("parameter-group dicts refuse keys their optimizer does not have, listing the accepted ones", () => {
  const cases: [string, new (p: Any, lr: number) => ax.Optimizer, string, string][] = [
    ["SGD", ax.SGD as Any, "momentum", "betas"],
    ["Adam", ax.Adam as Any, "betas", "momentum"],
    ["AdamW", ax.AdamW as Any, "amsgrad", "nesterov"],
    ["LAMB", ax.LAMB as Any, "biasCorrection", "amsgrad"],
    ["RMSprop", ax.RMSprop as Any, "alpha", "betas"],
    ["Adagrad", ax.Adagrad as Any, "lrDecay", "momentum"],
  ];
  for (const [name, C, own, foreign] of cases) {
    const value = own === "betas"
      ? [0.8, 0.9]
      : typeof ({ amsgrad: true, biasCorrection: true } as Record<string, unknown>)[own] === "boolean"
      ? true
      : 0.5;
    const opt = new C([{ params: params(), [own]: value }], 0.1);
    assert.deepEqual(opt.paramGroups[0][own], value, `${name} keeps ${own}`);
    assert.throws(
      () => new C([{ params: params(), [foreign]: 0.9 }], 0.1),
      new RegExp(
        `${name}: parameter group 0: unknown option "${foreign}"; accepted options: params, lr, .*\\b${own}\\b`,
      ),
      `${name} refuses ${foreign}`,
    );
    assert.throws(
      () => new C([{ params: params(), weight_decay: 0.1 }], 0.1),
      /did you mean "weightDecay"/,
      `${name} weight_decay`,
    );
  }
});

test("option values of the wrong type are refused instead of coerced", () => {
  assert.throws(
    () => new (ax.BatchNorm2d as Any)(3, { momentum: "0.1" }),
    /BatchNorm2d: momentum must be a finite number/,
  );
  assert.throws(() => new (ax.Conv2d as Any)(1, 2, 3, { bias: "no" }), /Conv2d: bias must be true or false/);
  assert.throws(() => new (ax.GradScaler as Any)({ initScale: "1024" }), /GradScaler: initScale must be a number/);
  assert.throws(
    () => new (ax.DataLoader as Any)(new ax.TensorDataset(ax.zeros([4])), 2, "yes"),
    /DataLoader: shuffle must be true or false/,
  );
  assert.throws(
    () => new (ax.SGD as Any)([{ params: params(), nesterov: "yes" }], 0.1),
    /SGD: parameter group 0: nesterov must be true or false/,
  );
  assert.throws(() => (ax.zeros as Any)([2], { dtype: "float32" }), /zeros: unknown dtype "float32"/);
  assert.throws(() => (ax.randn as Any)([2], { dtype: "i32" }), /randn: dtype must be a float dtype/);
});
