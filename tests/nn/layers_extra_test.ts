/**
 * Issue 15's layers against PyTorch 2.13 (tests/fixtures/make_layers_fixtures.py): each case loads
 * PyTorch's state dict (random weights), runs forward, back-propagates the fixture's upstream
 * gradient, and compares output, input gradient, parameter gradients and buffers after the step.
 */
import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  ELU,
  GroupNorm,
  Hardswish,
  InstanceNorm2d,
  Mish,
  type Module,
  noGrad,
  PReLU,
  randn,
  RMSNorm,
  SiLU,
  Softplus,
  type Tensor,
  tensor,
  Unflatten,
} from "../../mod.ts";

interface LayerCase {
  name: string;
  state: Record<string, EncodedArray>;
  x: EncodedArray;
  out: EncodedArray;
  g: EncodedArray;
  x_grad: EncodedArray;
  param_grads: Record<string, EncodedArray>;
  state_after: Record<string, EncodedArray>;
  eval_x?: EncodedArray;
  eval_out?: EncodedArray;
}

const { layers } = loadFixture<{ layers: LayerCase[] }>("layers.json");

/** Axon's module for each fixture case, built as the script builds PyTorch's. */
const BUILD: Record<string, () => Module> = {
  "SiLU": () => new SiLU(),
  "Mish": () => new Mish(),
  "Hardswish": () => new Hardswish(),
  "ELU": () => new ELU(),
  "ELU alpha 0.7": () => new ELU({ alpha: 0.7 }),
  "Softplus": () => new Softplus(),
  "Softplus beta 2 threshold 5": () => new Softplus({ beta: 2, threshold: 5 }),
  "PReLU": () => new PReLU(),
  "PReLU numParameters 4": () => new PReLU({ numParameters: 4, init: 0.1 }),
  "GroupNorm 2 6": () => new GroupNorm(2, 6),
  "GroupNorm 3 6 no affine": () => new GroupNorm(3, 6, { eps: 1e-3, affine: false }),
  "GroupNorm 1 4 on [N, C]": () => new GroupNorm(1, 4),
  "RMSNorm [4, 5]": () => new RMSNorm([4, 5]),
  "RMSNorm 8 eps 1e-3 no affine": () => new RMSNorm(8, { eps: 1e-3, elementwiseAffine: false }),
  "InstanceNorm2d 3": () => new InstanceNorm2d(3),
  "InstanceNorm2d 3 unbatched": () => new InstanceNorm2d(3),
  "InstanceNorm2d 3 affine trackRunningStats": () =>
    new InstanceNorm2d(3, { affine: true, trackRunningStats: true, momentum: 0.3 }),
};

const TOL = { rtol: 1e-4, atol: 2e-5 };

test("layers_extra: every fixture case has an Axon builder", () => {
  assert.equal(layers.length, 17);
  for (const c of layers) assert.ok(c.name in BUILD, `no builder for ${c.name}`);
});

for (const c of layers) {
  test(`layers_extra: ${c.name} loads PyTorch's state dict, matches its output and gradients`, () => {
    const module = BUILD[c.name]();
    assert.deepEqual(Object.keys(module.stateDict()).sort(), Object.keys(c.state).sort(), "state-dict keys");
    module.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decodeTensor(v)])));
    module.train();
    const x = decodeTensor(c.x).requiresGrad_();
    const out = module.forward(x);
    assert.deepEqual(out.shape, c.out.shape);
    assertClose(out.toArray() as Float32Array, decodeArray(c.out) as Float32Array, { ...TOL, message: "output" });
    out.backward(decodeTensor(c.g));
    assertClose(x.grad!.toArray() as Float32Array, decodeArray(c.x_grad) as Float32Array, {
      ...TOL,
      message: "x.grad",
    });
    const params = Object.fromEntries(module.namedParameters());
    assert.deepEqual(Object.keys(params).sort(), Object.keys(c.param_grads).sort());
    for (const [name, grad] of Object.entries(c.param_grads)) {
      assertClose(params[name].grad!.toArray() as Float32Array, decodeArray(grad) as Float32Array, {
        ...TOL,
        message: `${name}.grad`,
      });
    }
    const after = module.stateDict();
    for (const [name, value] of Object.entries(c.state_after)) {
      if (value.dtype === "i64") {
        assert.equal(Number(after[name].item()), Number((decodeArray(value) as BigInt64Array)[0]), name);
      } else {assertClose(after[name].toArray() as Float32Array, decodeArray(value) as Float32Array, {
          ...TOL,
          message: name,
        });}
    }
    if (c.eval_x !== undefined) {
      module.eval();
      const y = noGrad(() => module.forward(decodeTensor(c.eval_x!)));
      assertClose(y.toArray() as Float32Array, decodeArray(c.eval_out!) as Float32Array, {
        ...TOL,
        message: "eval output",
      });
    }
  });
}

/** Central finite differences of sum(f(x)·w) against autograd, in f32 with a loose tolerance. */
function checkGradient(name: string, f: (x: Tensor) => Tensor, values: number[]): void {
  const x = tensor(Float32Array.from(values)).requiresGrad_();
  const w = randn([values.length]);
  f(x).mul(w).sum().backward();
  const analytic = x.grad!.toArray() as Float32Array;
  const h = 1e-2;
  const numeric = values.map((_, i) => {
    const plus = Float32Array.from(values), minus = Float32Array.from(values);
    plus[i] += h;
    minus[i] -= h;
    const fp = noGrad(() => f(tensor(plus)).mul(w).sum().item());
    const fm = noGrad(() => f(tensor(minus)).mul(w).sum().item());
    return (fp - fm) / (2 * h);
  });
  assertClose(analytic, numeric, { rtol: 2e-2, atol: 2e-3, message: name });
}

test("layers_extra: activation gradients agree with finite differences, and far tails give no NaN", () => {
  const xs = [-7.3, -2.6, -1.1, -0.4, 0.3, 0.9, 2.2, 5.1];
  checkGradient("SiLU", (x) => new SiLU().forward(x), xs);
  checkGradient("Mish", (x) => new Mish().forward(x), xs);
  checkGradient("Hardswish", (x) => new Hardswish().forward(x), xs);
  checkGradient("ELU", (x) => new ELU({ alpha: 1.3 }).forward(x), xs);
  checkGradient("Softplus", (x) => new Softplus({ beta: 0.5 }).forward(x), xs);
  // Far from the threshold on both sides: the unused branch must not turn into inf·0 = NaN.
  const far = tensor(Float32Array.of(-1000, -100, 100, 1000)).requiresGrad_();
  const y = new Softplus().forward(far).add(new Mish().forward(far)).add(new ELU().forward(far));
  y.sum().backward();
  const g = far.grad!.toArray() as Float32Array;
  assert.ok(g.every(Number.isFinite), `finite gradients, got ${g}`);
  assertClose(y.toArray() as Float32Array, [-1, -1, 300, 3000], { rtol: 1e-6, atol: 1e-6 });
});

test("layers_extra: Unflatten splits one dim, with -1 and negative dims", () => {
  const x = randn([3, 12, 2]);
  assert.deepEqual(new Unflatten(1, [3, 4]).forward(x).shape, [3, 3, 4, 2]);
  assert.deepEqual(new Unflatten(-2, [2, -1]).forward(x).shape, [3, 2, 6, 2]);
  assert.deepEqual(
    Array.from(new Unflatten(1, [3, 4]).forward(x).toArray() as Float32Array),
    Array.from(x.toArray() as Float32Array),
  );
  assert.throws(() => new Unflatten(1, [5, 3]).forward(x), /Unflatten: dim 1 of size 12/);
  assert.throws(() => new Unflatten(1, [-1, -1]), /at most one size/);
});

test("layers_extra: options objects refuse unknown keys and bad values with the accepted keys named", () => {
  assert.throws(() => new ELU({ alfa: 1 } as never), /ELU: unknown option "alfa" \(did you mean "alpha"\?\)/);
  assert.throws(() => new Softplus(2 as never), /Softplus: options must be an object with keys \{ beta, threshold \}/);
  assert.throws(() => new Softplus({ beta: 0 }), /Softplus: invalid beta 0/);
  assert.throws(() => new PReLU({ num_parameters: 3 } as never), /PReLU: unknown option "num_parameters"/);
  assert.throws(() => new GroupNorm(4, 6), /numChannels 6 must be divisible by numGroups 4/);
  assert.throws(() => new GroupNorm(2, 6, { momentum: 0.1 } as never), /GroupNorm: unknown option "momentum"/);
  assert.throws(() => new RMSNorm(8, { elementwise_affine: false } as never), /RMSNorm: unknown option/);
  assert.throws(() => new InstanceNorm2d(3, { track_running_stats: true } as never), /InstanceNorm2d: unknown option/);
  assert.throws(
    () => new GroupNorm(2, 6).forward(randn([2, 4, 3])),
    /GroupNorm\(2, 6\): input of shape \[2, 4, 3\] has 4 channels/,
  );
  assert.throws(() => new PReLU({ numParameters: 3 }).forward(randn([2, 4])), /prelu: weight has 3 slopes/);
  assert.throws(() => new RMSNorm(8).forward(randn([2, 7])), /does not end in normalized shape \[8\]/);
  assert.throws(() => new InstanceNorm2d(3).forward(randn([2, 3, 1, 1])), /more than 1 spatial element/);
  assert.throws(() => new InstanceNorm2d(3).forward(randn([2, 3])), /expected \[N, C, H, W\] or \[C, H, W\]/);
});
