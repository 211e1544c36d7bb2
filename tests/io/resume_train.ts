/**
 * A small training run used by checkpoint_test.ts as a subprocess: MLP with Dropout, f16 autocast,
 * Adam, OneCycleLR, GradScaler, a shuffled DataLoader; a checkpoint every 5 steps.
 *
 *   resume_train.ts <dir> [--resume] [--hang-after STEP]
 *
 * Writes <dir>/ckpt.safetensors every 5 steps and <dir>/final.safetensors at the end. With
 * `--hang-after STEP` it prints "hanging" after the checkpoint of that step and one more training
 * step, then waits to be killed (so the parent kills it mid-epoch, with state past the checkpoint).
 * @module
 */
import process from "node:process";
import {
  Adam,
  autocast,
  CrossEntropyLoss,
  DataLoader,
  Dropout,
  GradScaler,
  Linear,
  loadCheckpoint,
  manualSeed,
  OneCycleLR,
  randn,
  ReLU,
  saveCheckpoint,
  saveModel,
  Sequential,
  tensor,
  TensorDataset,
  Variable,
} from "../../mod.ts";

const dir = process.argv[2];
const resume = process.argv.includes("--resume");
const hangAt = process.argv.includes("--hang-after")
  ? Number(process.argv[process.argv.indexOf("--hang-after") + 1])
  : -1;
const EPOCHS = 3;
const EVERY = 5;

manualSeed(1234);
const inputs = randn([100, 12]);
const targets = tensor(Int32Array.from({ length: 100 }, (_, i) => (i * 7) % 4));
const loader = new DataLoader(new TensorDataset(inputs, targets), 16, true); // 7 batches, the last one short
const model = new Sequential(new Linear(12, 24), ReLU, new Dropout(0.3), new Linear(24, 4));
const optimizer = new Adam(model.parameters(), 1e-3);
const scheduler = new OneCycleLR(optimizer, 0.05, EPOCHS, loader.length);
const scaler = new GradScaler({ initScale: 2 ** 14, growthInterval: 3 });
const lossFn = new CrossEntropyLoss();
const ckpt = `${dir}/ckpt.safetensors`;

let step = 0;
if (resume) {
  step = loadCheckpoint(ckpt, { model, optimizer, scheduler, scaler, dataLoader: loader }).step!;
  console.log(`resumed at step ${step}`);
}
const perEpoch = loader.length;
for (let epoch = Math.floor(step / perEpoch); epoch < EPOCHS; epoch++) {
  loader.setEpoch(epoch);
  for (const [i, [x, y]] of loader.iter().enumerate()) {
    if (epoch * perEpoch + i < step) continue; // done before the checkpoint
    const loss = autocast("f16", () => lossFn.compute(model.forward(new Variable(x, false)), y));
    optimizer.zeroGrad();
    scaler.scale(loss).backward();
    scaler.step(optimizer);
    scaler.update();
    if (step + 1 < EPOCHS * perEpoch) scheduler.step(); // the cycle has EPOCHS · perEpoch learning rates
    step++;
    if (step === hangAt + 1) {
      console.log("hanging");
      setInterval(() => {}, 1000); // keeps the event loop alive until the parent's SIGKILL
      await new Promise(() => {});
    }
    if (step % EVERY === 0) {
      saveCheckpoint(ckpt, { model, optimizer, scheduler, scaler, dataLoader: loader, epoch, step });
      console.log(`checkpoint ${step} (epoch ${epoch}, batch ${i + 1} of ${perEpoch})`);
    }
  }
}
saveModel(model, `${dir}/final.safetensors`);
console.log(`done at step ${step}, scale ${scaler.getScale()}, lr ${optimizer.getLr()}`);
