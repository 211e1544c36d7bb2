/**
 * End to end, mixed precision: the seed's MLP trained on the 8,000 real npm digits in f32, under
 * `autocast(DType.BF16)`, and under `autocast(DType.F16)` with a GradScaler
 * (`scaler.scale(loss).backward()`, `scaler.step`, `scaler.update`); both mixed runs must reach
 * the f32 run's test accuracy on the 2,000 held-out digits within 1 percentage point.
 * @module
 */
import { assert, runtime, test } from "../harness.ts";
import {
  Adam,
  autocast,
  CrossEntropyLoss,
  DataLoader,
  DType,
  GradScaler,
  Linear,
  manualSeed,
  MNIST,
  noGrad,
  ReLU,
  Sequential,
  type Tensor,
  Variable,
} from "../../mod.ts";

const EPOCHS = 3;

type Mode = "f32" | "bf16" | "f16+GradScaler";

function train(mode: Mode): { accuracy: number; seconds: number; skipped: number; scale: number } {
  manualSeed(0);
  const trainLoader = new DataLoader(MNIST.npmDigits(true, { normalize: true }), 64, true);
  const testLoader = new DataLoader(MNIST.npmDigits(false, { normalize: true }), 64, false);
  const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
  const optimizer = new Adam(model.parameters(), 0.001);
  const lossFn = new CrossEntropyLoss();
  const scaler = new GradScaler({ enabled: mode === "f16+GradScaler" });
  const dtype = mode === "bf16" ? DType.BF16 : DType.F16;
  let skipped = 0;
  const started = performance.now();
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    model.train();
    for (const [inputs, targets] of trainLoader.iter()) {
      const x = new Variable(inputs.view([-1, 784]), false);
      const forward = (): Tensor => lossFn.compute(model.forward(x), targets);
      const loss = mode === "f32" ? forward() : autocast(dtype, forward);
      assert.equal(loss.dtype, "f32");
      optimizer.zeroGrad();
      scaler.scale(loss).backward();
      for (const p of model.parameters()) assert.equal(p.grad!.dtype, "f32");
      if (!scaler.step(optimizer)) skipped++;
      scaler.update();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const [inputs, targets] of testLoader.iter()) {
      const run = () => model.forward(new Variable(inputs.view([-1, 784]), false));
      correct += (mode === "f32" ? run() : autocast(dtype, run)).argmax(1).eq(targets).sum().item();
    }
  });
  return { accuracy: (100 * correct) / 2000, seconds, skipped, scale: scaler.getScale() };
}

test(`e2e: MLP under autocast(BF16) and autocast(F16) + GradScaler reaches f32's MNIST accuracy within 1 point (${runtime})`, () => {
  const results = (["f32", "bf16", "f16+GradScaler"] as const).map((mode) => ({ mode, ...train(mode) }));
  console.log(
    results.map((r) =>
      `${r.mode}: ${r.accuracy.toFixed(2)}% in ${r.seconds.toFixed(2)} s` +
      (r.mode === "f16+GradScaler" ? ` (${r.skipped} steps skipped, final scale ${r.scale})` : "")
    ).join("; "),
  );
  const [f32, ...mixed] = results;
  assert.ok(f32.accuracy > 90, `f32 accuracy ${f32.accuracy}`);
  for (const r of mixed) {
    assert.ok(
      Math.abs(r.accuracy - f32.accuracy) <= 1,
      `${r.mode}: ${r.accuracy.toFixed(2)}% vs f32 ${f32.accuracy.toFixed(2)}%`,
    );
  }
  // The scaler starts at 65536: f16 overflows in the first steps are expected and skipped.
  assert.ok(mixed[1].skipped < 20, `${mixed[1].skipped} skipped steps`);
});
