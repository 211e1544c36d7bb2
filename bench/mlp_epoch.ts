/**
 * One training epoch of the seed's MLP (784-256-10, ReLU; Adam 1e-3; CrossEntropyLoss; batch 64;
 * shuffled) on the full Fashion-MNIST training set (60,000 images from
 * /usr/share/datasets/fashion-mnist, normalised (x/255 − 0.2860)/0.3530), on the running runtime.
 * bench/mlp_epoch_torch.py is the same loop in PyTorch.
 *
 *   deno run -A bench/mlp_epoch.ts [--epochs 3] [--root DIR] [--amp bf16|f16]      bun bench/mlp_epoch.ts [...]
 *
 * `--amp DTYPE` runs each forward and loss under `autocast(DTYPE)` (parameters and Adam stay f32;
 * no GradScaler, as bf16 needs none — with f16 it measures the same loop unscaled).
 *
 * Loads the data (not timed), runs one warm-up epoch (not counted), then `--epochs` timed epochs;
 * the time of an epoch covers the whole loop: batch gather, forward, loss, zeroGrad, backward,
 * Adam step, and reading the loss (`item()`) every batch. Afterwards the test accuracy (10,000
 * images, not timed) shows the model learned. Prints one JSON line:
 *   {"runtime", "threads", "samples", "batchSize", "epochSeconds": [...], "samplesPerSec" (median), "testAccuracy"}
 * @module
 */
import process from "node:process";
import {
  Adam, autocast, CrossEntropyLoss, DataLoader, FASHION_MNIST_DEBIAN_ROOT, FashionMNIST, getNumThreads, Linear, manualSeed, noGrad, ReLU,
  RUNTIME, Sequential, Variable,
} from "../mod.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const BATCH = 64;
const epochs = Number(option("epochs", "3"));
const root = option("root", FASHION_MNIST_DEBIAN_ROOT);
const amp = option("amp", "") as "" | "bf16" | "f16";
if (amp !== "" && amp !== "bf16" && amp !== "f16") throw new Error(`--amp takes bf16 or f16, got ${amp}`);

manualSeed(0);
const train = new FashionMNIST(root, true, { normalize: { mean: 0.2860, std: 0.3530 } });
const testSet = new FashionMNIST(root, false, { normalize: { mean: 0.2860, std: 0.3530 } });
const loader = new DataLoader(train, BATCH, true);
const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
const optimizer = new Adam(model.parameters(), 0.001);
const lossFn = new CrossEntropyLoss();

function epoch(): number {
  model.train();
  const start = performance.now();
  let last = 0;
  for (const [inputs, targets] of loader.iter()) {
    const forward = () => lossFn.compute(model.forward(new Variable(inputs.view([-1, 784]), false)), targets);
    const loss = amp === "" ? forward() : autocast(amp, forward);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    last = loss.data().item();
  }
  const seconds = (performance.now() - start) / 1000;
  if (!Number.isFinite(last)) throw new Error(`loss became ${last}`);
  return seconds;
}

epoch(); // warm-up: JIT, thread pool, allocator
const epochSeconds = Array.from({ length: epochs }, epoch);
const sorted = [...epochSeconds].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];

model.eval();
let correct = 0;
noGrad(() => {
  for (const [inputs, targets] of new DataLoader(testSet, 1000, false).iter()) {
    correct += model.forward(new Variable(inputs.view([-1, 784]), false)).argmax(1).eq(targets).sum().item();
  }
});

console.log(JSON.stringify({
  runtime: RUNTIME,
  amp: amp || null,
  threads: getNumThreads(),
  samples: train.length,
  batchSize: BATCH,
  epochSeconds,
  samplesPerSec: train.length / median,
  testAccuracy: (100 * correct) / testSet.length,
}));
