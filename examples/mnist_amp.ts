/**
 * The seed's "Mixed Precision Training (AMP)" and "Gradient Checkpointing" sections on MNIST:
 * the 784-256-10 MLP trained under `autocast(DType.F16, …)` with a GradScaler, then a deeper MLP
 * whose hidden layers run through `checkpointSequential`, with the graph-memory figures.
 *
 *   deno run --allow-ffi --allow-read --allow-env examples/mnist_amp.ts [--dtype bf16] [--epochs N]
 *   bun examples/mnist_amp.ts
 * @module
 */
import * as axon from "@axon/ml";
import process from "node:process";

const {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  DType,
  GradScaler,
  Linear,
  ReLU,
  Sequential,
  Variable,
  autocast,
  checkpointSequential,
  memory,
  noGrad,
} = axon;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const smoke = process.env.AXON_EXAMPLE_SMOKE === "1"; // the examples test runs a short version

function evaluate(forward: (x: axon.Tensor) => axon.Tensor, loader: axon.DataLoader): number {
  let correct = 0;
  let total = 0;
  noGrad(() => {
    for (const [inputs, targets] of loader.iter()) {
      correct += forward(new Variable(inputs.view([-1, 784]), false)).argmax(1).eq(targets).sum().item();
      total += targets.shape[0];
    }
  });
  return (100 * correct) / total;
}

function main() {
  axon.manualSeed(0);
  const { train, test, name } = axon.loadTrainingData(option("dataset") ?? "mnist", "./data");
  const trainLoader = new DataLoader(train, 64, true);
  const testLoader = new DataLoader(test, 64, false);
  const dtype = option("dtype") === "bf16" ? DType.BF16 : DType.F16;
  const epochs = Number(option("epochs") ?? (smoke ? 1 : 3));

  // --- Mixed precision: autocast + GradScaler -------------------------------------------------
  const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
  const optimizer = new Adam(model.parameters(), 0.001);
  const lossFn = new CrossEntropyLoss();
  const scaler = new GradScaler();
  console.log(`${name}: ${train.length} / ${test.length} images, autocast ${dtype}, ${axon.RUNTIME}`);
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    let skipped = 0;
    let batches = 0;
    const bar = new axon.ProgressBar(trainLoader.length, 64, `epoch ${epoch}`);
    for (const [inputs, targets] of trainLoader.iter()) {
      const x = new Variable(inputs.view([-1, 784]), false);
      // Forward pass with autocast: the matmuls run in half precision, the loss in f32.
      const loss = autocast(dtype, () => lossFn.compute(model.forward(x), targets));
      optimizer.zeroGrad();
      scaler.scale(loss).backward(); // scaled, so small half-precision gradients survive
      if (!scaler.step(optimizer)) skipped++; // unscales; skipped on inf/NaN
      scaler.update();
      bar.tick(loss.data().item());
      if (smoke && ++batches >= 20) break;
    }
    bar.finish();
    const accuracy = evaluate((x) => autocast(dtype, () => model.forward(x)), testLoader);
    console.log(`Epoch ${epoch}: Acc=${accuracy.toFixed(2)}%, scale=${scaler.getScale()}, skipped steps=${skipped}`);
  }

  // --- Gradient checkpointing: 24 hidden layers in 4 segments ----------------------------------
  const layers = [new Linear(784, 128), ...Array.from({ length: 22 }, () => new Linear(128, 128)), new Linear(128, 10)];
  const deep = (x: axon.Tensor, checkpointed: boolean) => {
    const layer = (
      i: number,
      h: axon.Tensor,
    ) => (i < layers.length - 1 ? layers[i].forward(h).relu() : layers[i].forward(h));
    if (checkpointed) return checkpointSequential(layers.length, 4, x, layer);
    return layers.reduce((h, _, i) => layer(i, h), x);
  };
  const [inputs, targets] = trainLoader.iter().next().value!;
  const x = new Variable(inputs.view([-1, 784]), false);
  for (const checkpointed of [false, true]) {
    memory.resetPeak();
    const loss = lossFn.compute(deep(x, checkpointed), targets);
    const afterForward = memory.stats().savedBytes;
    loss.backward();
    console.log(
      `${
        checkpointed ? "checkpointSequential(24, 4)" : "plain 24-layer MLP       "
      }: ${afterForward} bytes saved for backward after forward, ` +
        `peak ${memory.stats().peakSavedBytes}`,
    );
  }
}

main();
