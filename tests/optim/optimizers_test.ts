import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  Adagrad,
  Adam,
  AdamW,
  LAMB,
  type Optimizer,
  type OptimizerStateDict,
  Parameter,
  type ParamsInput,
  RMSprop,
  SGD,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";
import { LambReference } from "./lamb_reference.ts";

// ---- fixture (tests/fixtures/make_optimizer_fixtures.py) -------------------------------------------

type Kind = "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad" | "LAMB";
type Options = Record<string, unknown>;

interface Case {
  name: string;
  optimizer: Kind;
  lr: number;
  options: Options;
  torch: Options;
  after: Record<string, EncodedArray[]>;
  trace: EncodedArray;
}

interface Fixture {
  torch: string;
  steps: number;
  checkpoints: number[];
  trace_elements: [number, number][];
  init: EncodedArray[];
  grads: { g0: EncodedArray; g1: EncodedArray };
  cases: Case[];
  groups: { after: Record<string, EncodedArray[]>; trace: EncodedArray };
  lsq: {
    A: EncodedArray;
    b: EncodedArray;
    x0: EncodedArray;
    runs: { name: string; optimizer: Kind; lr: number; options: Options; losses: number[]; x: EncodedArray }[];
  };
}

const fixture = loadFixture<Fixture>("optimizers.json");

/** A fixture array's values (all f32). */
function decoded(e: EncodedArray): Float32Array {
  return decodeArray(e) as Float32Array;
}

/** A tensor's values (all tensors here are f32). */
function vals(t: Tensor): Float32Array {
  return t.toArray() as Float32Array;
}
const STEPS = fixture.steps;
const SHAPES = fixture.init.map((e) => e.shape);
const G0 = decoded(fixture.grads.g0);
const G1 = decoded(fixture.grads.g1);
const TOL = { rtol: 1e-5, atol: 1e-6 };

type OptimizerClass = new (params: ParamsInput, lr: number) => Optimizer;
const CLASSES: Record<Kind, OptimizerClass> = { SGD, Adam, AdamW, RMSprop, Adagrad, LAMB };

/** Builds an optimizer through its builder methods (`betas` takes [b1, b2] and is spread). */
function build(kind: Kind, params: ParamsInput, lr: number, options: Options = {}): Optimizer {
  const optimizer = new CLASSES[kind](params, lr);
  const methods = optimizer as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, value] of Object.entries(options)) {
    assert.equal(typeof methods[name], "function", `${kind} has no builder method ${name}`);
    const result = name === "betas" ? methods[name](...(value as number[])) : methods[name](value);
    assert.equal(result, optimizer, `${kind}.${name}() must return the optimizer (builder style)`);
  }
  return optimizer;
}

/** Fresh parameters p0 [5, 3] and p1 [7] at the fixture's initial values. */
function initialParams(): Parameter[] {
  return fixture.init.map((e) => new Parameter(decodeTensor(e)));
}

/** The fixture's gradient of parameter `i` at step `t` (0-based), as a fresh tensor. */
function gradAt(i: number, t: number): Tensor {
  const [all, n] = i === 0 ? [G0, 15] : [G1, 7];
  return tensor(all.slice(t * n, (t + 1) * n), { shape: SHAPES[i] });
}

/** Sets the stored gradients of step `t` on `params` and steps. */
function feed(optimizer: Optimizer, params: Tensor[], t: number): void {
  optimizer.zeroGrad();
  params.forEach((p, i) => (p.grad = gradAt(i, t)));
  optimizer.step();
}

function f32(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Math.fround(v));
}

/** Runs `steps` fixture steps, comparing the traced elements after each and every checkpoint. */
function followTorch(
  label: string,
  optimizer: Optimizer,
  params: Tensor[],
  after: Record<string, EncodedArray[]>,
  trace: EncodedArray,
): void {
  const traced = decoded(trace);
  const elements = fixture.trace_elements;
  for (let t = 0; t < STEPS; t++) {
    feed(optimizer, params, t);
    const actual = elements.map(([i, j]) => vals(params[i])[j]);
    const expected = traced.subarray(t * elements.length, (t + 1) * elements.length);
    assertClose(actual, expected, {
      ...TOL,
      message: `${label}: traced elements ${JSON.stringify(elements)} after step ${t + 1}`,
    });
    const saved = after[String(t + 1)];
    if (saved) {
      saved.forEach((e, i) => {
        assert.deepEqual(params[i].shape, e.shape);
        assertClose(vals(params[i]), decoded(e), { ...TOL, message: `${label}: p${i} after step ${t + 1}` });
      });
    }
  }
}

// ---- (a) parameters follow PyTorch -----------------------------------------------------------------

test("the fixture covers every optimizer and the seed's option combinations", () => {
  const names = new Set(fixture.cases.map((c) => c.name));
  for (
    const name of [
      "sgd_plain",
      "sgd_momentum",
      "sgd_nesterov",
      "sgd_momentum_wd",
      "sgd_dampening",
      "sgd_maximize",
      "adam_plain",
      "adam_betas_eps",
      "adam_wd",
      "adam_amsgrad",
      "adamw_betas_wd",
      "adamw_amsgrad",
      "rmsprop_seed",
      "rmsprop_momentum",
      "rmsprop_centered",
      "rmsprop_wd",
      "adagrad_plain",
      "adagrad_lr_decay",
      "adagrad_wd",
      "adagrad_initial_accumulator",
    ]
  ) assert.ok(names.has(name), `missing fixture case ${name}`);
  assert.deepEqual(fixture.checkpoints, [1, 10, 50, 200]);
});

for (const c of fixture.cases) {
  test(`${c.optimizer} ${JSON.stringify(c.options)} (${c.name}) matches torch.optim.${c.optimizer} for ${STEPS} steps`, () => {
    const params = initialParams();
    const optimizer = build(c.optimizer, params, c.lr, c.options);
    followTorch(c.name, optimizer, params, c.after, c.trace);
  });
}

test("SGD parameter groups ({lr 0.1, momentum 0.5} and the defaults) match PyTorch", () => {
  const params = initialParams();
  const optimizer = new SGD([{ params: [params[0]], lr: 0.1, momentum: 0.5 }, { params: [params[1]] }], 0.01);
  assert.equal(optimizer.paramGroups.length, 2);
  assert.equal(optimizer.paramGroups[0].lr, 0.1);
  assert.equal(optimizer.paramGroups[0].momentum, 0.5);
  assert.equal(optimizer.paramGroups[1].lr, 0.01);
  assert.equal(optimizer.paramGroups[1].momentum, 0);
  followTorch("groups", optimizer, params, fixture.groups.after, fixture.groups.trace);
});

test("Adam groups take betas and weightDecay as group options", () => {
  const ref = initialParams();
  const refOpt = build("Adam", ref, 0.01, { betas: [0.8, 0.99], weightDecay: 0.1 });
  const ps = initialParams();
  const opt = new Adam([{ params: ps, betas: [0.8, 0.99], weightDecay: 0.1 }], 0.01);
  for (let t = 0; t < 20; t++) {
    feed(refOpt, ref, t);
    feed(opt, ps, t);
  }
  ps.forEach((p, i) => assert.deepEqual(vals(p), vals(ref[i])));
});

// ---- (b) least squares with real gradients ---------------------------------------------------------

for (const run of fixture.lsq.runs) {
  test(`least squares: ${run.optimizer} lr ${run.lr} ${JSON.stringify(run.options)} tracks PyTorch's loss for ${STEPS} steps`, () => {
    const A = decodeTensor(fixture.lsq.A);
    const b = decodeTensor(fixture.lsq.b);
    const x = new Parameter(decodeTensor(fixture.lsq.x0));
    const optimizer = build(run.optimizer, [x], run.lr, run.options);
    for (let t = 0; t < STEPS; t++) {
      optimizer.zeroGrad();
      const loss = A.matmul(x).sub(b).square().mean();
      loss.backward();
      assertClose([loss.item()], [run.losses[t]], {
        rtol: 1e-4,
        atol: 0,
        message: `${run.name}: loss before step ${t + 1}`,
      });
      optimizer.step();
    }
    assert.ok(run.losses[STEPS - 1] < 0.5 * run.losses[0], "the run should make progress");
    assertClose(vals(x), decoded(run.x), { rtol: 1e-3, atol: 1e-4, message: `${run.name}: final x` });
  });
}

// ---- (c) LAMB against the reference ----------------------------------------------------------------

// With weight decay 0, bias correction scales r uniformly (up to eps) and the trust ratio cancels
// it, so the cases with weight decay are the ones that tell the two bias-correction modes apart.
const LAMB_CASES = [
  {
    label: "defaults",
    lr: 1e-3,
    options: {},
    ref: { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: true },
  },
  {
    label: "weight decay 0.01",
    lr: 1e-3,
    options: { betas: [0.9, 0.999], weightDecay: 0.01 },
    ref: { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.01, biasCorrection: true },
  },
  {
    label: "no bias correction",
    lr: 1e-2,
    options: { biasCorrection: false },
    ref: { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0, biasCorrection: false },
  },
  {
    label: "no bias correction, weight decay 0.1, betas 0.8/0.99, eps 1e-4",
    lr: 1e-2,
    options: { betas: [0.8, 0.99], eps: 1e-4, weightDecay: 0.1, biasCorrection: false },
    ref: { beta1: 0.8, beta2: 0.99, eps: 1e-4, weightDecay: 0.1, biasCorrection: false },
  },
  {
    label: "bias correction, weight decay 0.05, lr 0.05",
    lr: 5e-2,
    options: { weightDecay: 0.05, biasCorrection: true },
    ref: { beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0.05, biasCorrection: true },
  },
];

for (const c of LAMB_CASES) {
  test(`LAMB (${c.label}) follows the reference algorithm for 50 steps, including a zero-initialised parameter`, () => {
    // p0 [5, 3], p1 [7] from the fixture and p2 = zeros([4]) (‖x‖ = 0 on the first step: trust ratio 1).
    const params = [...initialParams(), new Parameter(zeros([4]))];
    const reference = new LambReference(params.map((p) => vals(p)), { lr: c.lr, ...c.ref });
    const optimizer = build("LAMB", params, c.lr, c.options);
    for (let t = 0; t < 50; t++) {
      const grads = [gradAt(0, t), gradAt(1, t), tensor(G1.slice(t * 7, t * 7 + 4), { shape: [4] })];
      optimizer.zeroGrad();
      params.forEach((p, i) => (p.grad = grads[i]));
      optimizer.step();
      reference.step(grads.map((g) => vals(g)));
      params.forEach((p, i) =>
        assertClose(vals(p), f32(reference.params[i]), {
          ...TOL,
          message: `LAMB ${c.label}: p${i} after step ${t + 1}`,
        })
      );
    }
  });
}

test("LAMB skips a parameter without a gradient while updating the others", () => {
  const params = initialParams();
  const reference = new LambReference([vals(params[0])], {
    lr: 1e-2,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-6,
    weightDecay: 0.01,
    biasCorrection: true,
  });
  const before = vals(params[1]).slice();
  const optimizer = new LAMB(params, 1e-2).weightDecay(0.01);
  for (let t = 0; t < 5; t++) {
    optimizer.zeroGrad();
    params[0].grad = gradAt(0, t);
    optimizer.step();
    reference.step([vals(params[0].grad)]);
  }
  assertClose(vals(params[0]), f32(reference.params[0]), TOL);
  assert.deepEqual(vals(params[1]), before);
});

// ---- (d) state dicts resume bit-for-bit ------------------------------------------------------------

const RESUME_CASES: { label: string; kind: Kind; lr: number; options: Options }[] = [
  {
    label: "SGD momentum 0.9, weight decay 1e-4",
    kind: "SGD",
    lr: 0.01,
    options: { momentum: 0.9, weightDecay: 1e-4 },
  },
  { label: "SGD nesterov", kind: "SGD", lr: 0.01, options: { momentum: 0.9, nesterov: true } },
  { label: "Adam amsgrad", kind: "Adam", lr: 1e-3, options: { amsgrad: true } },
  { label: "AdamW amsgrad", kind: "AdamW", lr: 1e-3, options: { amsgrad: true, weightDecay: 0.05 } },
  { label: "RMSprop centered momentum", kind: "RMSprop", lr: 0.01, options: { centered: true, momentum: 0.9 } },
  { label: "Adagrad lr decay", kind: "Adagrad", lr: 0.01, options: { lrDecay: 0.01, initialAccumulatorValue: 0.1 } },
  { label: "LAMB", kind: "LAMB", lr: 1e-2, options: { weightDecay: 0.01 } },
  { label: "LAMB no bias correction", kind: "LAMB", lr: 1e-2, options: { biasCorrection: false } },
];

/** Runs 200 fixture steps, saving the state dict and parameter values after step `at`. */
function runAndSave(kind: Kind, lr: number, options: Options, at: number) {
  const params = initialParams();
  const optimizer = build(kind, params, lr, options);
  let saved: { dict: OptimizerStateDict; values: Float32Array[] } | null = null;
  for (let t = 0; t < STEPS; t++) {
    feed(optimizer, params, t);
    if (t + 1 === at) saved = { dict: optimizer.stateDict(), values: params.map((p) => vals(p).slice()) };
  }
  return { params, saved: saved! };
}

function paramsFrom(values: Float32Array[]): Parameter[] {
  return values.map((v, i) => new Parameter(tensor(v.slice(), { shape: SHAPES[i] })));
}

for (const c of RESUME_CASES) {
  test(`${c.label}: stateDict at step 100 loaded into a fresh optimizer continues bit-identically`, () => {
    // The uninterrupted run keeps stepping after stateDict(): the saved state must be a copy.
    const { params: uninterrupted, saved } = runAndSave(c.kind, c.lr, c.options, 100);
    assert.ok(Object.keys(saved.dict.state).length === 2, "state for both parameters");
    const params = paramsFrom(saved.values);
    const optimizer = build(c.kind, params, c.lr, c.options);
    optimizer.loadStateDict(saved.dict);
    for (let t = 100; t < STEPS; t++) feed(optimizer, params, t);
    params.forEach((p, i) =>
      assert.deepEqual(vals(p), vals(uninterrupted[i]), `${c.label}: p${i} after step ${STEPS}`)
    );
  });
}

test("loadStateDict restores the saved options (lr, momentum) over the fresh optimizer's", () => {
  const { params: uninterrupted, saved } = runAndSave("SGD", 0.01, { momentum: 0.9, dampening: 0.1 }, 100);
  const params = paramsFrom(saved.values);
  const optimizer = new SGD(params, 0.5);
  optimizer.loadStateDict(saved.dict);
  assert.equal(optimizer.getLr(), 0.01);
  assert.equal(optimizer.paramGroups[0].momentum, 0.9);
  assert.equal(optimizer.paramGroups[0].dampening, 0.1);
  for (let t = 100; t < STEPS; t++) feed(optimizer, params, t);
  params.forEach((p, i) => assert.deepEqual(vals(p), vals(uninterrupted[i])));

  const adam = runAndSave("Adam", 1e-3, { betas: [0.8, 0.99], amsgrad: true }, 100);
  const adamParams = paramsFrom(adam.saved.values);
  const fresh = new Adam(adamParams);
  fresh.loadStateDict(adam.saved.dict);
  assert.deepEqual(fresh.paramGroups[0].betas, [0.8, 0.99]);
  for (let t = 100; t < STEPS; t++) feed(fresh, adamParams, t);
  adamParams.forEach((p, i) => assert.deepEqual(vals(p), vals(adam.params[i])));
});

test("stateDict() is a copy (later steps do not change it) keyed by parameter index", () => {
  const params = initialParams();
  const optimizer = new Adam(params).amsgrad(true);
  for (let t = 0; t < 3; t++) feed(optimizer, params, t);
  const dict = optimizer.stateDict();
  assert.deepEqual(dict.paramGroups.map((g) => g.params), [[0, 1]]);
  const snapshot = Object.values(dict.state).map((s) =>
    Object.values(s).map((v) => (typeof v === "number" ? v : vals(v).slice()))
  );
  for (let t = 3; t < 6; t++) feed(optimizer, params, t);
  const after = Object.values(dict.state).map((s) =>
    Object.values(s).map((v) => (typeof v === "number" ? v : vals(v).slice()))
  );
  assert.deepEqual(after, snapshot, "stateDict() must copy the state");
});

test("loadStateDict rejects a state dict for a different parameter layout", () => {
  const params = initialParams();
  const optimizer = new SGD(params, 0.01).momentum(0.9);
  feed(optimizer, params, 0);
  const dict = optimizer.stateDict();
  assert.throws(() => new SGD([params[0]], 0.01).loadStateDict(dict), RangeError);
  assert.throws(
    () => new SGD([{ params: [params[0]] }, { params: [params[1]] }], 0.01).loadStateDict(dict),
    RangeError,
  );
});

// ---- (e) bad input ---------------------------------------------------------------------------------

function throwsRange(fn: () => unknown, pattern: RegExp, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RangeError, `${label}: expected a RangeError, got ${e}`);
    assert.match(e.message, pattern, label);
    return true;
  }, label);
}

const KINDS: Kind[] = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LAMB"];

test("every optimizer rejects a negative learning rate, an empty parameter list and a negative weight decay", () => {
  for (const kind of KINDS) {
    const p = () => [new Parameter(zeros([3]))];
    throwsRange(() => new CLASSES[kind](p(), -0.1), /learning rate/, `${kind} lr -0.1`);
    throwsRange(() => new CLASSES[kind](p(), NaN), /learning rate/, `${kind} lr NaN`);
    throwsRange(() => new CLASSES[kind]([{ params: p(), lr: -1 }], 0.1), /learning rate/, `${kind} group lr -1`);
    throwsRange(() => new CLASSES[kind]([], 0.1), /empty parameter list/, `${kind} []`);
    throwsRange(() => build(kind, p(), 0.1, { weightDecay: -1e-4 }), /weight ?decay/i, `${kind} weight decay -1e-4`);
    throwsRange(
      () => new CLASSES[kind]([{ params: p(), weightDecay: -1 }], 0.1),
      /weight ?decay/i,
      `${kind} group weight decay -1`,
    );
    // An empty iterator counts as an empty list too.
    throwsRange(() => new CLASSES[kind](new Set<Tensor>(), 0.1), /empty parameter list/, `${kind} empty Set`);
  }
});

test("Adam, AdamW and LAMB reject betas outside [0, 1); eps must be >= 0", () => {
  for (const kind of ["Adam", "AdamW", "LAMB"] as const) {
    const p = () => [new Parameter(zeros([3]))];
    for (const betas of [[1, 0.999], [0.9, 1], [-0.1, 0.999], [0.9, 1.5], [0.9, -1e-3]]) {
      throwsRange(() => build(kind, p(), 1e-3, { betas }), /beta/, `${kind} betas ${betas}`);
      throwsRange(() => new CLASSES[kind]([{ params: p(), betas }], 1e-3), /beta/, `${kind} group betas ${betas}`);
    }
    build(kind, p(), 1e-3, { betas: [0, 0] }); // 0 is allowed
    throwsRange(() => build(kind, p(), 1e-3, { eps: -1e-8 }), /eps/, `${kind} eps -1e-8`);
  }
  throwsRange(() => build("RMSprop", [new Parameter(zeros([3]))], 1e-2, { eps: -1 }), /eps/, "RMSprop eps -1");
  throwsRange(() => build("Adagrad", [new Parameter(zeros([3]))], 1e-2, { eps: -1 }), /eps/, "Adagrad eps -1");
});

test("SGD rejects nesterov without momentum or with dampening, and a negative momentum", () => {
  const p = () => [new Parameter(zeros([3]))];
  const stepOnce = (o: Optimizer, ps: Tensor[]) => {
    ps.forEach((q) => (q.grad = zeros([3])));
    o.step();
  };
  throwsRange(
    () => {
      const ps = p();
      stepOnce(new SGD(ps, 0.1).nesterov(true), ps);
    },
    /nesterov/i,
    "nesterov without momentum",
  );
  throwsRange(
    () => {
      const ps = p();
      stepOnce(new SGD(ps, 0.1).momentum(0.9).dampening(0.1).nesterov(true), ps);
    },
    /nesterov/i,
    "nesterov with dampening",
  );
  throwsRange(() => new SGD([{ params: p(), nesterov: true }], 0.1), /nesterov/i, "group nesterov without momentum");
  throwsRange(
    () => new SGD([{ params: p(), nesterov: true, momentum: 0.9, dampening: 0.5 }], 0.1),
    /nesterov/i,
    "group nesterov with dampening",
  );
  throwsRange(() => new SGD(p(), 0.1).momentum(-0.9), /momentum/, "momentum -0.9");
  throwsRange(() => new RMSprop(p(), 0.1).momentum(-0.9), /momentum/, "RMSprop momentum -0.9");
  throwsRange(() => new RMSprop(p(), 0.1).alpha(-0.5), /alpha/, "RMSprop alpha -0.5");
  throwsRange(() => new Adagrad(p(), 0.1).lrDecay(-1), /decay/i, "Adagrad lr decay -1");
  throwsRange(
    () => new Adagrad(p(), 0.1).initialAccumulatorValue(-1),
    /accumulator/i,
    "Adagrad initial accumulator -1",
  );
  // Valid combinations construct and step.
  const ps = p();
  stepOnce(new SGD(ps, 0.1).momentum(0.9).nesterov(true), ps);
});

// ---- (f) parameters without gradients ----------------------------------------------------------------

test("parameters whose grad is null are skipped: unchanged, no state (even with weight decay)", () => {
  const configs: [Kind, Options][] = [
    ["SGD", { momentum: 0.9, weightDecay: 0.1 }],
    ["Adam", { weightDecay: 0.1, amsgrad: true }],
    ["AdamW", { weightDecay: 0.1 }],
    ["RMSprop", { weightDecay: 0.1, momentum: 0.9, centered: true }],
    ["Adagrad", { weightDecay: 0.1 }],
    ["LAMB", { weightDecay: 0.1 }],
  ];
  for (const [kind, options] of configs) {
    const params = initialParams();
    const before = params.map((p) => vals(p).slice());
    const optimizer = build(kind, params, 0.1, options);
    for (let t = 0; t < 3; t++) {
      optimizer.zeroGrad();
      params[1].grad = gradAt(1, t);
      optimizer.step();
    }
    assert.deepEqual(vals(params[0]), before[0], `${kind}: p0 has no grad and must not change`);
    assert.notDeepEqual(vals(params[1]), before[1], `${kind}: p1 must change`);
    const state = optimizer.stateDict().state;
    assert.deepEqual(Object.keys(state), ["1"], `${kind}: only p1 has state, got ${Object.keys(state)}`);
    // A step with no gradients at all changes nothing.
    optimizer.zeroGrad();
    const mid = params.map((p) => vals(p).slice());
    optimizer.step();
    params.forEach((p, i) => assert.deepEqual(vals(p), mid[i], `${kind}: step without grads changed p${i}`));
  }
});

test("zeroGrad clears gradients and step leaves the gradients themselves untouched", () => {
  const configs: [Kind, Options][] = [
    ["SGD", { momentum: 0.9, weightDecay: 0.1, maximize: true }],
    ["Adam", { weightDecay: 0.1, maximize: true }],
    ["AdamW", { maximize: true }],
    ["RMSprop", { weightDecay: 0.1, maximize: true }],
    ["Adagrad", { weightDecay: 0.1, maximize: true }],
    ["LAMB", { weightDecay: 0.1 }],
  ];
  for (const [kind, options] of configs) {
    const params = initialParams();
    const optimizer = build(kind, params, 0.1, options);
    params.forEach((p, i) => (p.grad = gradAt(i, 0)));
    optimizer.step();
    params.forEach((p, i) => assert.deepEqual(vals(p.grad!), vals(gradAt(i, 0)), `${kind}: step modified p${i}.grad`));
    optimizer.zeroGrad();
    params.forEach((p) => assert.equal(p.grad, null));
  }
});

// ---- (g) learning rates -----------------------------------------------------------------------------

test("getLr/setLr: defaults, every group set, the next step uses the new lr", () => {
  const p = () => [new Parameter(zeros([3]))];
  assert.equal(new Adam(p()).getLr(), 1e-3);
  assert.equal(new AdamW(p()).getLr(), 1e-3);
  assert.equal(new RMSprop(p()).getLr(), 1e-2);
  assert.equal(new Adagrad(p()).getLr(), 1e-2);
  assert.equal(new LAMB(p()).getLr(), 1e-3);
  assert.equal(new SGD(p(), 0.2).getLr(), 0.2);
  assert.equal(new AdamW(p()).paramGroups[0].weightDecay, 0.01);

  const params = initialParams();
  const optimizer = new SGD([{ params: [params[0]], lr: 0.1 }, { params: [params[1]], lr: 0.3 }], 0.01);
  assert.equal(optimizer.getLr(), 0.1, "getLr is the first group's lr");
  assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.1, 0.3]);
  optimizer.setLr(0.5);
  assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.5, 0.5]);
  assert.equal(optimizer.getLr(), 0.5);
  throwsRange(() => optimizer.setLr(-1), /learning rate/, "setLr(-1)");
  assert.equal(optimizer.getLr(), 0.5, "a rejected setLr changes nothing");

  // Plain SGD: θ ← θ − lr·g exactly as f32 arithmetic does it.
  const before = params.map((q) => vals(q).slice());
  params.forEach((q, i) => (q.grad = gradAt(i, 0)));
  optimizer.step();
  params.forEach((q, i) => {
    const g = vals(gradAt(i, 0));
    assertClose(vals(q), Array.from(before[i], (v, k) => Math.fround(v - Math.fround(0.5 * g[k]))), {
      rtol: 1e-6,
      atol: 1e-7,
      message: `p${i} after setLr(0.5)`,
    });
  });
  // Per-group lr: changing one group's lr only affects its parameters.
  optimizer.paramGroups[1].lr = 0;
  const mid = params.map((q) => vals(q).slice());
  params.forEach((q, i) => (q.grad = gradAt(i, 1)));
  optimizer.step();
  assert.notDeepEqual(vals(params[0]), mid[0]);
  assert.deepEqual(vals(params[1]), mid[1], "lr 0 leaves the group unchanged");
});

test("setLr mid-run on Adam matches a run whose lr changes at the same step (per-group lr honoured)", () => {
  const a = initialParams();
  const b = initialParams();
  const optA = new Adam(a, 1e-3);
  const optB = new Adam([{ params: [b[0]], lr: 1e-3 }, { params: [b[1]], lr: 1e-3 }]);
  for (let t = 0; t < 10; t++) {
    if (t === 5) {
      optA.setLr(1e-2);
      optB.paramGroups[0].lr = 1e-2;
      optB.paramGroups[1].lr = 1e-2;
    }
    feed(optA, a, t);
    feed(optB, b, t);
  }
  a.forEach((p, i) => assert.deepEqual(vals(p), vals(b[i])));
});
