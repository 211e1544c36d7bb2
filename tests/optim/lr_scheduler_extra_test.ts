/**
 * ConstantLR, PolynomialLR, MultiplicativeLR, ChainedScheduler, CosineAnnealingWarmRestarts and
 * CyclicLR against PyTorch 2.13's lr (and momentum) sequences over 40 steps
 * (tests/fixtures/make_layers_fixtures.py → schedulers_extra.json), state-dict resume, bad options.
 */
import { assert, test } from "../harness.ts";
import { loadFixture } from "../fixtures/load.ts";
import { zeros } from "../../mod.ts";
import { type GroupOptions, Optimizer } from "../../src/optim/optimizer.ts";
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LinearLR,
  type LRScheduler,
  MultiplicativeLR,
  PolynomialLR,
  ReduceLROnPlateau,
  StepLR,
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
  momentum: number[][];
  epochs?: number[];
}

const fixture = loadFixture<{ steps: number; cases: Case[] }>("schedulers_extra.json");

const BUILD: Record<string, (o: Optimizer) => LRScheduler> = {
  "ConstantLR": (o) => new ConstantLR(o),
  "ConstantLR factor 0.5 totalIters 12": (o) => new ConstantLR(o, { factor: 0.5, totalIters: 12 }),
  "PolynomialLR": (o) => new PolynomialLR(o),
  "PolynomialLR totalIters 30 power 2": (o) => new PolynomialLR(o, { totalIters: 30, power: 2 }),
  "PolynomialLR totalIters 25 power 0.5": (o) => new PolynomialLR(o, { totalIters: 25, power: 0.5 }),
  "MultiplicativeLR 0.95": (o) => new MultiplicativeLR(o, () => 0.95),
  "MultiplicativeLR per group": (o) => new MultiplicativeLR(o, [() => 0.9, (e) => (e % 3 ? 1 : 0.5)]),
  "ChainedScheduler ConstantLR+ExponentialLR": (o) =>
    new ChainedScheduler([new ConstantLR(o, { factor: 0.1, totalIters: 2 }), new ExponentialLR(o, 0.9)]),
  "ChainedScheduler LinearLR+StepLR": (o) =>
    new ChainedScheduler([new LinearLR(o, { startFactor: 0.2, totalIters: 8 }), new StepLR(o, 10, 0.5)]),
  "CosineAnnealingWarmRestarts T0 10": (o) => new CosineAnnealingWarmRestarts(o, 10),
  "CosineAnnealingWarmRestarts T0 3 Tmult 2 etaMin 0.001": (o) =>
    new CosineAnnealingWarmRestarts(o, 3, { tMult: 2, etaMin: 0.001 }),
  "CosineAnnealingWarmRestarts T0 4 Tmult 2 fractional epochs": (o) =>
    new CosineAnnealingWarmRestarts(o, 4, { tMult: 2, etaMin: 0.01 }),
  "CosineAnnealingWarmRestarts T0 5 fractional epochs": (o) => new CosineAnnealingWarmRestarts(o, 5),
  "CyclicLR triangular": (o) => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5 }),
  "CyclicLR triangular2 stepSizeDown": (o) =>
    new CyclicLR(o, { baseLr: [0.01, 0.001], maxLr: [0.1, 0.05], stepSizeUp: 4, stepSizeDown: 6, mode: "triangular2" }),
  "CyclicLR exp_range": (o) =>
    new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: "expRange", gamma: 0.97 }),
  "CyclicLR Adam betas": (o) =>
    new CyclicLR(o, { baseLr: 0.001, maxLr: 0.006, stepSizeUp: 6, baseMomentum: 0.85, maxMomentum: 0.95 }),
  "CyclicLR no momentum cycling": (o) =>
    new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, cycleMomentum: false }),
};

function momenta(opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => ("betas" in g ? (g.betas as number[])[0] : g.momentum as number));
}

/** |actual − expected| ≤ 1e-12·|expected| (1e-15 floor near 0). */
function checkRow(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} groups, expected ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (!(Math.abs(a - e) <= Math.max(1e-12 * Math.abs(e), 1e-15))) {
      assert.fail(`${what} group ${i}: ${a} vs PyTorch ${e} (|Δ| = ${Math.abs(a - e)})`);
    }
  });
}

function advance(s: LRScheduler, c: Case, t: number): void {
  if (c.epochs !== undefined) (s as CosineAnnealingWarmRestarts).step(c.epochs[t]);
  else s.step();
}

test("lr_scheduler_extra: the fixture has 18 cases of 40 steps, each with a builder", () => {
  assert.equal(fixture.cases.length, 18);
  assert.ok(fixture.steps >= 30);
  for (const c of fixture.cases) assert.ok(c.name in BUILD, c.name);
});

for (const c of fixture.cases) {
  test(`lr_scheduler_extra: ${c.name} follows PyTorch for ${fixture.steps} steps (and resumes from a state dict)`, () => {
    const opt = makeOptimizer(c.optimizer, c.lrs);
    const s = BUILD[c.name](opt);
    checkRow(opt.paramGroups.map((g) => g.lr), c.lr[0], `${c.name} lr at construction`);
    checkRow(momenta(opt), c.momentum[0], `${c.name} momentum at construction`);
    const half = Math.floor(c.lr.length / 2);
    let saved: { sched: ReturnType<LRScheduler["stateDict"]>; groups: string } | null = null;
    for (let t = 0; t + 1 < c.lr.length; t++) {
      advance(s, c, t);
      checkRow(opt.paramGroups.map((g) => g.lr), c.lr[t + 1], `${c.name} lr at step ${t + 1}`);
      checkRow(momenta(opt), c.momentum[t + 1], `${c.name} momentum at step ${t + 1}`);
      assert.deepEqual(s.getLastLr(), opt.paramGroups.map((g) => g.lr));
      if (t + 1 === half) {
        saved = {
          sched: JSON.parse(JSON.stringify(s.stateDict())),
          groups: JSON.stringify(opt.paramGroups.map(({ params: _p, ...o }) => o)),
        };
      }
    }
    // Resume at the half-way point: a fresh optimizer + scheduler loaded from the state continues identically.
    const opt2 = makeOptimizer(c.optimizer, c.lrs);
    const s2 = BUILD[c.name](opt2);
    JSON.parse(saved!.groups).forEach((o: GroupOptions, i: number) => Object.assign(opt2.paramGroups[i], o));
    s2.loadStateDict(saved!.sched);
    for (let t = half; t + 1 < c.lr.length; t++) {
      advance(s2, c, t);
      checkRow(opt2.paramGroups.map((g) => g.lr), c.lr[t + 1], `${c.name} resumed lr at step ${t + 1}`);
    }
  });
}

test("lr_scheduler_extra: bad options are refused with clear messages", () => {
  const o = makeOptimizer("sgd", [0.1]);
  assert.throws(() => new ConstantLR(o, { factor: 1.5 }), /ConstantLR: invalid factor 1.5/);
  assert.throws(() => new ConstantLR(o, { total_iters: 3 } as never), /ConstantLR: unknown option "total_iters"/);
  assert.throws(() => new PolynomialLR(o, { totalIters: 0 }), /PolynomialLR: invalid totalIters 0/);
  assert.throws(() => new MultiplicativeLR(o, 0.9 as never), /MultiplicativeLR: lrLambda must be a function/);
  assert.throws(() => new CosineAnnealingWarmRestarts(o, 0), /CosineAnnealingWarmRestarts: invalid t0 0/);
  assert.throws(() => new CosineAnnealingWarmRestarts(o, 5, { tMult: 1.5 }), /invalid tMult 1.5/);
  assert.throws(() => new CosineAnnealingWarmRestarts(o, 5).step(-1), /epoch must be a finite number >= 0/);
  assert.throws(() => new CyclicLR(o, { baseLr: 0.1 } as never), /CyclicLR: options must give baseLr and maxLr/);
  assert.throws(
    () => new CyclicLR(o, { baseLr: 0.1, maxLr: 1, mode: "exp_range" as never }),
    /invalid mode string "exp_range"; it must be "triangular", "triangular2" or "expRange"/,
  );
  assert.throws(
    () => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: (x) => 1 / x, scaleMode: "iterations" }),
    /CyclicLR: scaleFn\(0\) returned .*Infinity; it must return a finite number/,
  );
  assert.throws(
    () => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: () => NaN }),
    /CyclicLR: scaleFn\(1\) returned .*NaN; it must return a finite number/,
  );
  const noMomentum = new Fixed([{ params: [zeros([1])] }], { lr: 0.1 });
  assert.throws(() => new CyclicLR(noMomentum, { baseLr: 0.01, maxLr: 0.1 }), /no momentum or betas option to cycle/);
  assert.throws(() => new ChainedScheduler([]), /ChainedScheduler: schedulers must be a non-empty array/);
  assert.throws(
    () => new ChainedScheduler([new ReduceLROnPlateau(o) as never]),
    /the scheduler at index 0 is not a step-driven LRScheduler/,
  );
  const other = makeOptimizer("sgd", [0.1]);
  assert.throws(
    () => new ChainedScheduler([new StepLR(o, 2), new StepLR(other, 2)]),
    /the scheduler at index 1 \(StepLR\) drives a different optimizer/,
  );
});

test("lr_scheduler_extra: a group added after a scheduler: chainable ones scale it as PyTorch, others refuse clearly", () => {
  // PyTorch 2.13: StepLR(step 2, γ 0.5) on lr 0.1, then add_param_group(lr 1.0) → [0.1, 1.0], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25]
  const o = makeOptimizer("sgd", [0.1]);
  const step = new StepLR(o, 2, 0.5);
  o.addParamGroup({ params: [zeros([1])], lr: 1.0 });
  const rows: number[][] = [];
  for (let i = 0; i < 4; i++) {
    step.step();
    rows.push(o.paramGroups.map((g) => g.lr));
  }
  assert.deepEqual(rows, [[0.1, 1.0], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25]]);
  const o2 = makeOptimizer("sgd", [0.1]);
  const cyclic = new CyclicLR(o2, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5 });
  o2.addParamGroup({ params: [zeros([1])], lr: 1.0 });
  assert.throws(
    () => cyclic.step(),
    /CyclicLR: the optimizer has 2 parameter groups but the scheduler was built for 1/,
  );
  const o3 = makeOptimizer("sgd", [0.1]);
  const warm = new CosineAnnealingWarmRestarts(o3, 3);
  o3.addParamGroup({ params: [zeros([1])] });
  assert.throws(() => warm.step(), /built for 1; a group added with addParamGroup/);
});
