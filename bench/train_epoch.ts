/**
 * One training epoch (Adam 1e-3; CrossEntropyLoss; batch 64 or `--batch`; shuffled) on the Fashion-MNIST
 * training set (60,000 images from /usr/share/datasets/fashion-mnist, normalised
 * (x/255 − 0.2860)/0.3530), on the running runtime, of either model:
 * - `--model mlp` (default): the seed's MLP, 784-256-10 with ReLU (`--hidden 512,512`: 784-512-512-10);
 * - `--model cnn`: examples/mnist_cnn.ts's network, Conv2d(1→32, 3, pad 1) → ReLU → MaxPool2d(2) →
 *   Conv2d(32→64, 3, pad 1) → ReLU → MaxPool2d(2) → Flatten → Dropout(0.25) → Linear(3136, 128) →
 *   ReLU → Dropout(0.5) → Linear(128, 10).
 * `--limit N` trains on the first N images only (an "epoch" is then N images).
 * `--tidy` runs each step inside `tidy()` and disposes each batch after its step (deterministic
 * freeing; without it, the seed's loop as written, memory is freed by the garbage collector).
 * bench/train_epoch_torch.py is the same loop in PyTorch, bench/train_epoch_jax.py in JAX.
 *
 *   deno run -A bench/train_epoch.ts [--model mlp|cnn] [--hidden 256] [--batch 64] [--limit N] [--epochs 3] [--root DIR] [--amp bf16|f16]
 *   bun bench/train_epoch.ts [...]
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
  Adam,
  autocast,
  Conv2d,
  CrossEntropyLoss,
  DataLoader,
  Dropout,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  Flatten,
  getNumThreads,
  Linear,
  manualSeed,
  MaxPool2d,
  noGrad,
  ReLU,
  RUNTIME,
  Sequential,
  TensorDataset,
  tidy,
  Variable,
} from "../mod.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const BATCH = Number(option("batch", "64"));
if (!Number.isInteger(BATCH) || BATCH < 1) throw new Error(`--batch takes a positive integer, got ${BATCH}`);
const hidden = option("hidden", "256").split(",").map(Number);
if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error(`--hidden takes sizes like 512,512`);
const epochs = Number(option("epochs", "3"));
const root = option("root", FASHION_MNIST_DEBIAN_ROOT);
const amp = option("amp", "") as "" | "bf16" | "f16";
if (amp !== "" && amp !== "bf16" && amp !== "f16") throw new Error(`--amp takes bf16 or f16, got ${amp}`);

const useTidy = process.argv.includes("--tidy");
const modelName = option("model", "mlp");
if (modelName !== "mlp" && modelName !== "cnn") throw new Error(`--model takes mlp or cnn, got ${modelName}`);

manualSeed(0);
const fullTrain = new FashionMNIST(root, true, { normalize: { mean: 0.2860, std: 0.3530 } });
const limit = Number(option("limit", String(fullTrain.length)));
const train = limit < fullTrain.length
  ? new TensorDataset(fullTrain.images.narrow(0, 0, limit), fullTrain.targets.narrow(0, 0, limit))
  : fullTrain;
const testSet = new FashionMNIST(root, false, { normalize: { mean: 0.2860, std: 0.3530 } });
const loader = new DataLoader(train, BATCH, true);
const inputShape = modelName === "mlp" ? [-1, 784] : [-1, 1, 28, 28];
function mlp(): Sequential {
  const sizes = [784, ...hidden, 10];
  const net = new Sequential();
  for (let i = 0; i + 1 < sizes.length; i++) {
    net.add(new Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) net.add(ReLU);
  }
  return net;
}
const model = modelName === "mlp" ? mlp() : new Sequential()
  .add(new Conv2d(1, 32, 3, { padding: 1 })).add(ReLU).add(new MaxPool2d(2))
  .add(new Conv2d(32, 64, 3, { padding: 1 })).add(ReLU).add(new MaxPool2d(2))
  .add(new Flatten()).add(new Dropout(0.25)).add(new Linear(64 * 7 * 7, 128)).add(ReLU).add(new Dropout(0.5))
  .add(new Linear(128, 10));
const optimizer = new Adam(model.parameters(), 0.001);
const lossFn = new CrossEntropyLoss();

function epoch(): number {
  model.train();
  const start = performance.now();
  let last = 0;
  for (const [inputs, targets] of loader.iter()) {
    const step = () => {
      const forward = () => lossFn.compute(model.forward(new Variable(inputs.view(inputShape), false)), targets);
      const loss = amp === "" ? forward() : autocast(amp, forward);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.data().item();
    };
    if (useTidy) {
      last = tidy(step);
      inputs.dispose();
      targets.dispose();
    } else last = step();
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
    correct += model.forward(new Variable(inputs.view(inputShape), false)).argmax(1).eq(targets).sum().item();
  }
});

console.log(JSON.stringify({
  runtime: RUNTIME,
  model: modelName,
  amp: amp || null,
  tidy: useTidy,
  threads: getNumThreads(),
  samples: train.length,
  batchSize: BATCH,
  epochSeconds,
  samplesPerSec: train.length / median,
  testAccuracy: (100 * correct) / testSet.length,
}));
