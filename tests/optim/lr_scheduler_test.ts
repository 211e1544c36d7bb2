import { assert, test } from "../harness.ts";
import { loadFixture } from "../fixtures/load.ts";
import { zeros } from "../../mod.ts";
import { type GroupOptions, Optimizer } from "../../src/optim/optimizer.ts";
import {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  type Scheduler,
  type SchedulerStateDict,
  SequentialLR,
  StepLR,
  WarmupLR,
} from "../../src/optim/lr_scheduler/mod.ts";

/** An optimizer that only holds groups (the schedulers never look at the parameters). */
class Fixed extends Optimizer {
  name = "Fixed";
  step() {}
}

type Kind = "sgd" | "adam";

function makeOptimizer(kind: Kind, lrs: number[]): Fixed {
  const defaults: GroupOptions = kind === "sgd" ? { lr: lrs[0], momentum: 0.9 } : { lr: lrs[0], betas: [0.9, 0.999] };
  return new Fixed(lrs.map((lr) => ({ params: [zeros([1])], lr })), defaults);
}

interface Case {
  name: string;
  optimizer: Kind;
  lrs: number[];
  lr: number[][];
  momentum?: number[][];
  beta2?: number[] | null;
  metrics?: number[];
}

const fixture = loadFixture<{ torch: string; steps: number; cases: Case[] }>("schedulers.json");

/** Builds the Axon scheduler matching each fixture case (see make_scheduler_fixtures.py). */
const builders: Record<string, (opt: Optimizer) => Scheduler> = {
  "step_10_0.1": (o) => new StepLR(o, 10, 0.1),
  "step_7_0.5_two_groups": (o) => new StepLR(o, 7, 0.5),
  "multistep_30_60_90": (o) => new MultiStepLR(o, [30, 60, 90], 0.1),
  "multistep_5_100_299_gamma0.3": (o) => new MultiStepLR(o, [5, 100, 299], 0.3),
  "exponential_0.95": (o) => new ExponentialLR(o, 0.95),
  "exponential_0.99_two_groups": (o) => new ExponentialLR(o, 0.99),
  "cosine_100_0": (o) => new CosineAnnealingLR(o, 100, 0.0),
  "cosine_10_1e-6": (o) => new CosineAnnealingLR(o, 10, 1e-6),
  "cosine_300_1e-4_two_groups": (o) => new CosineAnnealingLR(o, 300, 1e-4),
  "onecycle_sgd": (o) => new OneCycleLR(o, 0.1, 3, 100),
  "onecycle_adam": (o) => new OneCycleLR(o, 0.1, 3, 100),
  "onecycle_linear": (o) => new OneCycleLR(o, 0.1, 3, 100, { annealStrategy: "linear" }),
  "onecycle_three_phase": (o) => new OneCycleLR(o, 0.1, 3, 100, { threePhase: true }),
  "onecycle_options_two_groups": (o) =>
    new OneCycleLR(o, [0.2, 0.05], {
      totalSteps: 300,
      pctStart: 0.25,
      divFactor: 10,
      finalDivFactor: 100,
      baseMomentum: [0.8, 0.7],
      maxMomentum: [0.9, 0.99],
    }),
  "onecycle_no_momentum": (o) => new OneCycleLR(o, 0.1, { totalSteps: 300, cycleMomentum: false }),
  "warmup_50": (o) => new WarmupLR(o, 50),
  "warmup_1000": (o) => new WarmupLR(o, 1000),
  "lambda_two_groups": (o) => new LambdaLR(o, [(e) => 0.95 ** e, (e) => 1.0 / (1.0 + 0.1 * e)]),
  "linear_0.25_20": (o) => new LinearLR(o, { startFactor: 0.25, totalIters: 20 }),
  "linear_1_0.1_250": (o) => new LinearLR(o, { startFactor: 1.0, endFactor: 0.1, totalIters: 250 }),
  "sequential_linear_cosine": (o) => {
    const warm = new LinearLR(o, { startFactor: 0.1, totalIters: 10 });
    const cos = new CosineAnnealingLR(o, 290, 1e-5);
    return new SequentialLR(o, [warm, cos], [10]);
  },
  "sequential_warmup_step_exponential": (o) => {
    const warm = new WarmupLR(o, 20);
    const step = new StepLR(o, 25, 0.5);
    const exp = new ExponentialLR(o, 0.98);
    return new SequentialLR(o, [warm, step, exp], [20, 150]);
  },
  "plateau_min_rel": (o) =>
    new ReduceLROnPlateau(o).mode("min").factor(0.5).patience(5).threshold(1e-2).thresholdMode("rel").cooldown(3)
      .minLr(1e-3),
  "plateau_min_abs": (o) =>
    new ReduceLROnPlateau(o).mode("min").factor(0.3).patience(3).threshold(0.02).thresholdMode("abs").cooldown(0)
      .minLr(0),
  "plateau_max_rel": (o) =>
    new ReduceLROnPlateau(o, {
      mode: "max",
      factor: 0.2,
      patience: 4,
      threshold: 1e-3,
      thresholdMode: "rel",
      cooldown: 2,
      minLr: 1e-4,
    }),
  "plateau_max_abs_two_groups": (o) =>
    new ReduceLROnPlateau(o).mode("max").factor(0.5).patience(0).threshold(0).thresholdMode("abs").cooldown(5)
      .minLr([1e-3, 1e-4]),
  "plateau_defaults": (o) => new ReduceLROnPlateau(o),
  "plateau_eps": (o) => new ReduceLROnPlateau(o).factor(0.5).patience(2).eps(1e-9),
};

function momenta(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => ("betas" in g ? (g.betas as number[])[0] : g.momentum as number));
}

function advance(s: Scheduler, opt: Optimizer, c: Case, t: number): void {
  if (s instanceof ReduceLROnPlateau) s.stepWithMetric(opt, c.metrics![t]);
  else (s as LRScheduler).step(opt);
}

/** |actual − expected| ≤ 1e-12·|expected| (1e-15 floor near 0), with a message at the first miss. */
function checkRow(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} groups, expected ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i];
    const ok = Math.abs(a - e) <= Math.max(1e-12 * Math.abs(e), 1e-15);
    if (!ok) assert.fail(`${what} group ${i}: ${a} vs PyTorch ${e} (|Δ| = ${Math.abs(a - e)})`);
  });
}

/** Runs a case's full schedule from a fresh optimizer; returns the lr (and momentum) rows. */
function runCase(c: Case): { lr: number[][]; momentum: number[][]; last: number[][] } {
  const opt = makeOptimizer(c.optimizer, c.lrs);
  const s = builders[c.name](opt);
  const lr = [opt.paramGroups.map((g) => g.lr)];
  const momentum = [momenta(opt)];
  const last = [s.getLastLr()];
  for (let t = 0; t < fixture.steps; t++) {
    opt.step();
    advance(s, opt, c, t);
    lr.push(opt.paramGroups.map((g) => g.lr));
    momentum.push(momenta(opt));
    last.push(s.getLastLr());
  }
  return { lr, momentum, last };
}

test("scheduler fixture covers every builder", () => {
  assert.deepEqual(fixture.cases.map((c) => c.name).sort(), Object.keys(builders).sort());
  assert.ok(fixture.torch.startsWith("2.13"), `fixture made with torch ${fixture.torch}`);
});

for (const c of fixture.cases) {
  test(`${c.name}: ${fixture.steps}-step lr sequence matches PyTorch (|Δ| ≤ 1e-12·lr)`, () => {
    const { lr, momentum, last } = runCase(c);
    assert.equal(lr.length, c.lr.length);
    for (let t = 0; t < c.lr.length; t++) {
      checkRow(lr[t], c.lr[t], `${c.name} lr at step ${t}`);
      assert.deepEqual(last[t], lr[t], `${c.name}: getLastLr() at step ${t} is not the groups' lr`);
      if (c.momentum) checkRow(momentum[t], c.momentum[t], `${c.name} momentum at step ${t}`);
    }
    if (c.beta2) {
      const opt = makeOptimizer(c.optimizer, c.lrs);
      builders[c.name](opt);
      assert.deepEqual(opt.paramGroups.map((g) => (g.betas as number[])[1]), c.beta2, "beta2 is left alone");
    }
  });

  test(`${c.name}: save at step 150, restore into fresh optimizer + scheduler, same trajectory`, () => {
    const full = runCase(c);
    const opt = makeOptimizer(c.optimizer, c.lrs);
    const s = builders[c.name](opt);
    for (let t = 0; t < 150; t++) {
      opt.step();
      advance(s, opt, c, t);
    }
    const optState = structuredClone(opt.stateDict());
    const schedState = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerStateDict;
    // Keep stepping the original to make sure the saved state is a snapshot.
    for (let t = 150; t < 160; t++) advance(s, opt, c, t);

    for (const order of ["optimizer first", "scheduler first"]) {
      const opt2 = makeOptimizer(c.optimizer, c.lrs);
      const s2 = builders[c.name](opt2);
      if (order === "optimizer first") {
        opt2.loadStateDict(structuredClone(optState));
        s2.loadStateDict(structuredClone(schedState));
      } else {
        s2.loadStateDict(structuredClone(schedState));
        opt2.loadStateDict(structuredClone(optState));
      }
      assert.deepEqual(opt2.paramGroups.map((g) => g.lr), full.lr[150], `${order}: lr after restore`);
      assert.deepEqual(s2.getLastLr(), full.lr[150], `${order}: getLastLr after restore`);
      for (let t = 150; t < fixture.steps; t++) {
        opt2.step();
        advance(s2, opt2, c, t);
        assert.deepEqual(opt2.paramGroups.map((g) => g.lr), full.lr[t + 1], `${order}: lr at step ${t + 1}`);
        assert.deepEqual(momenta(opt2), full.momentum[t + 1], `${order}: momentum at step ${t + 1}`);
      }
    }
  });
}

const sgd = () => makeOptimizer("sgd", [0.1]);

test("bad arguments are clear errors at construction", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => new StepLR(sgd(), -1), /StepLR: invalid stepSize -1; it must be an integer >= 1/],
    [() => new StepLR(sgd(), 0), /StepLR: invalid stepSize 0/],
    [() => new StepLR(sgd(), 2.5), /StepLR: invalid stepSize 2\.5/],
    [() => new StepLR(sgd(), 10, 0), /StepLR: invalid gamma 0; it must be a finite number > 0/],
    [() => new StepLR(sgd(), 10, -0.5), /StepLR: invalid gamma -0\.5/],
    [
      () => new MultiStepLR(sgd(), [30, 20, 90]),
      /MultiStepLR: milestones must be strictly increasing, but 20 at index 1 follows 30/,
    ],
    [() => new MultiStepLR(sgd(), [30, 30]), /strictly increasing/],
    [() => new MultiStepLR(sgd(), [0, 5]), /MultiStepLR: invalid milestone 0 at index 0/],
    [() => new MultiStepLR(sgd(), [5, 10], 0), /MultiStepLR: invalid gamma 0/],
    [() => new ExponentialLR(sgd(), 0), /ExponentialLR: invalid gamma 0/],
    [() => new ExponentialLR(sgd(), NaN), /ExponentialLR: invalid gamma NaN/],
    [() => new CosineAnnealingLR(sgd(), 0), /CosineAnnealingLR: invalid tMax 0; it must be an integer >= 1/],
    [() => new CosineAnnealingLR(sgd(), 10, -1), /CosineAnnealingLR: invalid etaMin -1/],
    [() => new WarmupLR(sgd(), 0), /WarmupLR: invalid warmupSteps 0; it must be an integer >= 1/],
    [() => new LinearLR(sgd(), { startFactor: 0 }), /LinearLR: invalid startFactor 0/],
    [() => new LinearLR(sgd(), { endFactor: 1.5 }), /LinearLR: invalid endFactor 1\.5/],
    [() => new LinearLR(sgd(), { totalIters: 0 }), /LinearLR: invalid totalIters 0/],
    [
      () => new LambdaLR(makeOptimizer("sgd", [0.1, 0.2]), [(e) => e]),
      /LambdaLR: lrLambda has 1 values but the optimizer has 2 parameter groups/,
    ],
    [
      () => new OneCycleLR(sgd(), 0.1, 10, 100, { pctStart: 0 }),
      /OneCycleLR: invalid pctStart 0; it must be a finite number > 0 and < 1/,
    ],
    [() => new OneCycleLR(sgd(), 0.1, 10, 100, { pctStart: 1 }), /OneCycleLR: invalid pctStart 1/],
    [() => new OneCycleLR(sgd(), 0.1, 10, 100, { pctStart: 1.2 }), /OneCycleLR: invalid pctStart 1\.2/],
    [() => new OneCycleLR(sgd(), 0.1, 0, 100), /OneCycleLR: invalid epochs 0/],
    [() => new OneCycleLR(sgd(), 0.1, 10, -3), /OneCycleLR: invalid stepsPerEpoch -3/],
    [() => new OneCycleLR(sgd(), -0.1, 10, 100), /OneCycleLR: invalid maxLr -0\.1/],
    [
      () => new OneCycleLR(sgd(), 0.1, 10, 100, { annealStrategy: "cubic" as "cos" }),
      /OneCycleLR: unknown annealStrategy "cubic"/,
    ],
    [() => new OneCycleLR(sgd(), 0.1, 10, 100, { divFactor: 0 }), /OneCycleLR: invalid divFactor 0/],
    [
      () => new OneCycleLR(sgd(), 0.1, 1, 10, { pctStart: 0.1 }),
      /OneCycleLR: pctStart 0\.1 with totalSteps 10 makes a phase of the cycle empty/,
    ],
    [
      () => new OneCycleLR(sgd(), [0.1, 0.2], 10, 100),
      /OneCycleLR: maxLr has 2 values but the optimizer has 1 parameter groups/,
    ],
    [
      () => new OneCycleLR(new Fixed([zeros([1])], { lr: 0.1 }), 0.1, 10, 100),
      /OneCycleLR: the optimizer has no momentum or betas option to cycle/,
    ],
    [
      () => new ReduceLROnPlateau(sgd()).mode("mean" as "min"),
      /ReduceLROnPlateau: unknown mode "mean"; it must be "min" or "max"/,
    ],
    [() => new ReduceLROnPlateau(sgd(), { mode: "avg" as "min" }), /ReduceLROnPlateau: unknown mode "avg"/],
    [
      () => new ReduceLROnPlateau(sgd()).thresholdMode("pct" as "rel"),
      /ReduceLROnPlateau: unknown thresholdMode "pct"/,
    ],
    [
      () => new ReduceLROnPlateau(sgd()).factor(1),
      /ReduceLROnPlateau: invalid factor 1; it must be a finite number > 0 and < 1/,
    ],
    [() => new ReduceLROnPlateau(sgd()).patience(-1), /ReduceLROnPlateau: invalid patience -1/],
    [() => new ReduceLROnPlateau(sgd()).cooldown(1.5), /ReduceLROnPlateau: invalid cooldown 1\.5/],
    [() => new ReduceLROnPlateau(sgd()).minLr(-1e-3), /ReduceLROnPlateau: invalid minLr -0\.001/],
    [() => new ReduceLROnPlateau(sgd()).threshold(-1), /ReduceLROnPlateau: invalid threshold -1/],
    [() => new StepLR({} as Optimizer, 10), /StepLR: expected an Optimizer/],
  ];
  for (const [make, pattern] of cases) assert.throws(make, pattern);
});

test("a rejected configuration leaves the optimizer untouched", () => {
  const opt = makeOptimizer("adam", [0.1]);
  assert.throws(() => new OneCycleLR(opt, 0.1, 10, 100, { pctStart: 2 }));
  assert.throws(() => new StepLR(opt, 0));
  assert.deepEqual(Object.keys(opt.paramGroups[0]).sort(), ["betas", "lr", "params"]);
  assert.equal(opt.getLr(), 0.1);
});

test("SequentialLR checks its schedulers and milestones", () => {
  const opt = sgd();
  const a = new LinearLR(opt);
  const b = new CosineAnnealingLR(opt, 10);
  assert.throws(() => new SequentialLR(opt, [], []), /SequentialLR: expects at least one scheduler/);
  assert.throws(
    () => new SequentialLR(opt, [a, b], []),
    /one milestone fewer than schedulers, got 2 schedulers and 0 milestones/,
  );
  assert.throws(
    () => new SequentialLR(opt, [a, b, new ExponentialLR(opt, 0.9)], [5, 5]),
    /milestones must be strictly increasing/,
  );
  assert.throws(
    () => new SequentialLR(opt, [a, new StepLR(sgd(), 3)], [5]),
    /index 1 \(StepLR\) drives a different optimizer/,
  );
  assert.throws(
    () => new SequentialLR(opt, [a, new ReduceLROnPlateau(opt) as unknown as LRScheduler], [5]),
    /index 1 is not a step-driven LRScheduler \(ReduceLROnPlateau cannot be sequenced\)/,
  );
});

test("step(optimizer) and stepWithMetric(optimizer, m) reject another optimizer", () => {
  const opt = sgd();
  const s = new StepLR(opt, 2);
  s.step(opt);
  s.step();
  assert.throws(
    () => s.step(sgd()),
    /StepLR\.step: the optimizer passed is not the one this scheduler was constructed with/,
  );
  const p = new ReduceLROnPlateau(opt);
  p.stepWithMetric(opt, 1);
  p.stepWithMetric(0.5);
  assert.throws(
    () => p.stepWithMetric(sgd(), 1),
    /ReduceLROnPlateau\.stepWithMetric: the optimizer passed is not the one/,
  );
  assert.throws(() => p.stepWithMetric(opt, "1" as unknown as number), /the metric must be a number/);
});

test("getLastLr and the optimizer follow the schedule; OneCycleLR refuses to step past totalSteps", () => {
  const opt = makeOptimizer("sgd", [0.1, 0.01]);
  const s = new StepLR(opt, 2, 0.5);
  assert.deepEqual(s.getLastLr(), [0.1, 0.01]);
  assert.equal(s.lastEpoch, 0);
  s.step(opt);
  s.step(opt);
  assert.deepEqual(s.getLastLr(), [0.05, 0.005]);
  assert.equal(opt.getLr(), 0.05);
  s.getLastLr()[0] = 7; // a copy
  assert.equal(s.getLastLr()[0], 0.05);

  const o2 = sgd();
  const one = new OneCycleLR(o2, 1.0, 1, 4);
  assert.ok(Math.abs(o2.getLr() - 1.0 / 25) < 1e-16, `${o2.getLr()}`); // cos annealing at pct 0, as PyTorch
  assert.equal(o2.paramGroups[0].momentum, 0.95);
  for (let i = 0; i < 4; i++) one.step(o2);
  assert.throws(() => one.step(o2), /OneCycleLR: tried to step 5 times, but the cycle has totalSteps 4/);
});

test("ReduceLROnPlateau builder methods read back; state dicts are JSON and type-checked", () => {
  const opt = sgd();
  const p = new ReduceLROnPlateau(opt).mode("max").factor(0.5).patience(3).threshold(0.01).thresholdMode("abs")
    .cooldown(2)
    .minLr(1e-4).eps(1e-9);
  assert.deepEqual(
    [p.mode(), p.factor(), p.patience(), p.threshold(), p.thresholdMode(), p.cooldown(), p.minLr(), p.eps()],
    ["max", 0.5, 3, 0.01, "abs", 2, [1e-4], 1e-9],
  );
  const state = p.stateDict();
  assert.equal(state.best, "-Infinity");
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  const fresh = new ReduceLROnPlateau(sgd());
  fresh.loadStateDict(JSON.parse(JSON.stringify(state)));
  assert.equal(fresh.best, -Infinity);
  assert.equal(fresh.mode(), "max");
  assert.throws(
    () => fresh.loadStateDict(new StepLR(sgd(), 3).stateDict()),
    /ReduceLROnPlateau\.loadStateDict: the state is not a ReduceLROnPlateau state dict \(its type is StepLR\)/,
  );
  assert.throws(
    () => new StepLR(sgd(), 3).loadStateDict({ ...new StepLR(sgd(), 3).stateDict(), lastLr: [1, 2] }),
    /StepLR\.loadStateDict: lastLr must be a list of 1 numbers/,
  );
});

test("WarmupLR is lr·min(1, t/warmupSteps) and SequentialLR warm-up → cosine reaches etaMin", () => {
  const opt = sgd();
  const w = new WarmupLR(opt, 4);
  const seen = [opt.getLr()];
  for (let i = 0; i < 6; i++) {
    w.step(opt);
    seen.push(opt.getLr());
  }
  assert.deepEqual(seen, [0, 0.025, 0.05, 0.07500000000000001, 0.1, 0.1, 0.1]);

  const o2 = sgd();
  const seq = new SequentialLR(o2, [new WarmupLR(o2, 5), new CosineAnnealingLR(o2, 20, 1e-4)], [5]);
  for (let i = 0; i < 5; i++) seq.step(o2);
  assert.equal(o2.getLr(), 0.1);
  for (let i = 0; i < 20; i++) seq.step(o2);
  assert.ok(Math.abs(o2.getLr() - 1e-4) < 1e-15, `${o2.getLr()}`);
});
