/**
 * ReduceLROnPlateau takes its metric as PyTorch does: `step(metric)` (PyTorch's spelling) and
 * `stepWithMetric` (the seed's, with or without the optimizer), with a number or a one-element
 * tensor. Expected rates from the closed form of the plateau rule.
 */
import { assert, test } from "../harness.ts";
import { Parameter, ReduceLROnPlateau, SGD, tensor, zeros } from "../../mod.ts";

const METRICS = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25];
// mode "min", factor 0.5, patience 2, threshold 1e-4 rel: the 3rd bad step in a row halves the rate.
// 1 best; 1, 1 bad (1, 2); 1 bad (3 > 2) → 0.05; 0.5 best; 0.5 ×3 → 0.025; 0.25 best.
const EXPECTED = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025];

function run(feed: (s: ReduceLROnPlateau, opt: SGD, metric: number) => void): number[] {
  const opt = new SGD([new Parameter(zeros([2]))], 0.1);
  const s = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 2 });
  return METRICS.map((m) => {
    feed(s, opt, m);
    return opt.getLr();
  });
}

function assertRates(actual: number[], label: string): void {
  assert.equal(actual.length, EXPECTED.length);
  actual.forEach((lr, i) =>
    assert.ok(Math.abs(lr - EXPECTED[i]) < 1e-15, `${label}: step ${i} lr ${lr}, expected ${EXPECTED[i]}`)
  );
}

test("ReduceLROnPlateau: step(metric) follows the plateau rule", () => {
  assertRates(run((s, _o, m) => s.step(m)), "step(number)");
});

test("ReduceLROnPlateau: a 0-d or one-element tensor metric counts as its value, in every spelling", () => {
  assertRates(run((s, _o, m) => s.step(tensor(m))), "step(0-d tensor)");
  assertRates(run((s, _o, m) => s.stepWithMetric(tensor(m))), "stepWithMetric(0-d tensor)");
  assertRates(run((s, o, m) => s.stepWithMetric(o, tensor([m]))), "stepWithMetric(optimizer, [1] tensor)");
  assertRates(run((s, o, m) => s.stepWithMetric(o, m)), "stepWithMetric(optimizer, number)");
  assertRates(
    run((s, _o, m) => s.stepWithMetric(tensor([[m]], { dtype: "f32" }).requiresGrad_())),
    "stepWithMetric([1, 1] tensor requiring grad)",
  );
});

test("ReduceLROnPlateau: metrics that are not one number are refused, naming the metric", () => {
  const opt = new SGD([new Parameter(zeros([2]))], 0.1);
  const s = new ReduceLROnPlateau(opt);
  assert.throws(
    () => s.step(tensor([0.5, 0.4])),
    /ReduceLROnPlateau.step: the metric must be a number or a one-element tensor, got a tensor of shape \[2\]/,
  );
  assert.throws(() => s.step("0.5" as unknown as number), /ReduceLROnPlateau.step: the metric must be a number/);
  assert.throws(() => (s.step as (...a: unknown[]) => void)(opt, 0.5), /ReduceLROnPlateau.step: takes one metric/);
  assert.throws(
    () => (s.stepWithMetric as (...a: unknown[]) => void)(opt),
    /stepWithMetric: after the optimizer, pass the metric/,
  );
  assert.equal(s.lastEpoch, 0, "refused metrics are not counted");
});
