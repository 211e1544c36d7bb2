/**
 * The options objects added for issue 15 (layers, functions, init, schedulers, data, transforms)
 * refuse unknown keys naming the accepted ones, refuse non-objects, and take every key they
 * document — the checks of options_test.ts, over the new APIs.
 */
import { assert, test } from "../harness.ts";
import * as ax from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const sgd = () => new ax.SGD([new ax.Parameter(ax.zeros([3]))], 0.1).momentum(0.9);
const x4 = () => ax.randn([2, 4, 3, 3]);

/** Every new API with an options object: how to call it, one valid options object, and whether it may be omitted. */
const SITES: {
  api: string;
  call: (options: unknown) => unknown;
  valid: Record<string, unknown>;
  required?: boolean;
}[] = [
  { api: "ELU", call: (o) => new (ax.ELU as Any)(o), valid: { alpha: 0.5 } },
  { api: "Softplus", call: (o) => new (ax.Softplus as Any)(o), valid: { beta: 2, threshold: 10 } },
  { api: "PReLU", call: (o) => new (ax.PReLU as Any)(o), valid: { numParameters: 4, init: 0.1 } },
  { api: "GroupNorm", call: (o) => new (ax.GroupNorm as Any)(2, 4, o), valid: { eps: 1e-3, affine: false } },
  { api: "RMSNorm", call: (o) => new (ax.RMSNorm as Any)(3, o), valid: { eps: 1e-6, elementwiseAffine: false } },
  {
    api: "InstanceNorm2d",
    call: (o) => new (ax.InstanceNorm2d as Any)(4, o),
    valid: { eps: 1e-3, momentum: 0.2, affine: true, trackRunningStats: true },
  },
  { api: "elu", call: (o) => (ax.elu as Any)(x4(), o), valid: { alpha: 2 } },
  { api: "softplus", call: (o) => (ax.softplus as Any)(x4(), o), valid: { beta: 2, threshold: 3 } },
  {
    api: "groupNorm",
    call: (o) => (ax.groupNorm as Any)(x4(), 2, o),
    valid: { weight: ax.ones([4]), bias: ax.zeros([4]), eps: 1e-3 },
  },
  { api: "rmsNorm", call: (o) => (ax.rmsNorm as Any)(x4(), [3], o), valid: { weight: ax.ones([3]), eps: 1e-3 } },
  {
    api: "instanceNorm",
    call: (o) => (ax.instanceNorm as Any)(x4(), o),
    valid: {
      runningMean: ax.zeros([4]),
      runningVar: ax.ones([4]),
      weight: ax.ones([4]),
      bias: ax.zeros([4]),
      useInputStats: true,
      momentum: 0.1,
      eps: 1e-5,
    },
  },
  { api: "xavierUniform_", call: (o) => (ax.xavierUniform_ as Any)(ax.empty([3, 4]), o), valid: { gain: 2 } },
  { api: "xavierNormal_", call: (o) => (ax.xavierNormal_ as Any)(ax.empty([3, 4]), o), valid: { gain: 2 } },
  {
    api: "kaimingUniform_",
    call: (o) => (ax.kaimingUniform_ as Any)(ax.empty([3, 4]), o),
    valid: { a: 0.1, mode: "fanOut", nonlinearity: "leakyRelu" },
  },
  {
    api: "kaimingNormal_",
    call: (o) => (ax.kaimingNormal_ as Any)(ax.empty([3, 4]), o),
    valid: { a: 0, mode: "fanIn", nonlinearity: "relu" },
  },
  { api: "orthogonal_", call: (o) => (ax.orthogonal_ as Any)(ax.empty([3, 4]), o), valid: { gain: 2 } },
  {
    api: "truncNormal_",
    call: (o) => (ax.truncNormal_ as Any)(ax.empty([8]), o),
    valid: { mean: 1, std: 2, a: -1, b: 3 },
  },
  { api: "ConstantLR", call: (o) => new (ax.ConstantLR as Any)(sgd(), o), valid: { factor: 0.5, totalIters: 3 } },
  { api: "PolynomialLR", call: (o) => new (ax.PolynomialLR as Any)(sgd(), o), valid: { totalIters: 3, power: 2 } },
  {
    api: "CosineAnnealingWarmRestarts",
    call: (o) => new (ax.CosineAnnealingWarmRestarts as Any)(sgd(), 3, o),
    valid: { tMult: 2, etaMin: 1e-4 },
  },
  {
    api: "CyclicLR",
    call: (o) => new (ax.CyclicLR as Any)(sgd(), o),
    valid: {
      baseLr: 0.01,
      maxLr: 0.1,
      stepSizeUp: 3,
      stepSizeDown: 4,
      mode: "expRange",
      gamma: 0.9,
      scaleFn: (x: number) => 1 / (x + 1),
      scaleMode: "iterations",
      cycleMomentum: true,
      baseMomentum: 0.8,
      maxMomentum: 0.95,
    },
    required: true,
  },
  {
    api: "randomSplit",
    call: (o) => (ax.randomSplit as Any)(ax.MNIST.npmDigits(false), [0.5, 0.5], o),
    valid: { seed: 3 },
  },
  {
    api: "RandomCrop",
    call: (o) => new (ax.RandomCrop as Any)(3, o),
    valid: { padding: 1, padIfNeeded: true, fill: 1 },
  },
  { api: "RandomHorizontalFlip", call: (o) => new (ax.RandomHorizontalFlip as Any)(o), valid: { p: 0.3 } },
  {
    api: "RandomRotation",
    call: (o) => new (ax.RandomRotation as Any)(10, o),
    valid: { interpolation: "bilinear", fill: 0.5 },
  },
];

test("issue 15's options objects refuse an unknown key, naming the key and the accepted ones", () => {
  assert.equal(SITES.length, 25);
  for (const { api, call, valid } of SITES) {
    assert.throws(() => call({ ...valid, bogusKey: 1 }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${api}: ${e}`);
      assert.match(e.message, new RegExp(`${api}.*unknown option "bogusKey"`), api);
      for (const key of Object.keys(valid)) {
        assert.match(e.message, new RegExp(`accepted options: .*\\b${key}\\b`), `${api} lists ${key}`);
      }
      return true;
    }, api);
  }
});

test("issue 15's options objects refuse a number, a string and an array in their place", () => {
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

test("issue 15's options objects take every key they document, and may be omitted unless required", () => {
  for (const { call, valid } of SITES) call(valid);
  for (const { api, call, required } of SITES) {
    if (required) assert.throws(() => call(undefined), new RegExp(api), api);
    else call(undefined);
  }
});
