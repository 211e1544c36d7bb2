/**
 * The seed's MLP (784-256-10, Adam 1e-3, batch 64 per rank) trained on Fashion-MNIST, data-parallel
 * when launched under mpirun (DistributedDataParallel + DistributedSampler), plain otherwise.
 * One warm-up epoch, then `--epochs` timed ones; rank 0 prints one JSON line:
 *   {"ranks", "threadsPerRank", "samplesPerSec" (all ranks, median epoch), "backwardMsPerStep",
 *    "waitMsPerStep" (end of backward waiting for bucket all-reduces), "buckets", "overlapped", "atEnd"}
 *
 *   mpirun -np 2 deno run -A bench/distributed/train.ts [--epochs 2] [--bucket-cap-mb 25]
 * @module
 */
import process from "node:process";
import * as axon from "../../mod.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const distributed = process.env.OMPI_COMM_WORLD_SIZE !== undefined || process.env.PMI_SIZE !== undefined;
if (distributed) axon.distributed.initProcessGroup();
const rank = distributed ? axon.distributed.getRank() : 0;
const world = distributed ? axon.distributed.getWorldSize() : 1;
const epochs = Number(option("epochs", "2"));

axon.manualSeed(0);
const train = new axon.FashionMNIST(axon.FASHION_MNIST_DEBIAN_ROOT, true, { normalize: { mean: 0.2860, std: 0.3530 } });
const model = new axon.Sequential().add(new axon.Linear(784, 256)).add(axon.ReLU).add(new axon.Linear(256, 10));
const ddp = distributed
  ? new axon.DistributedDataParallel(model, { bucketCapMb: Number(option("bucket-cap-mb", "25")) })
  : null;
const trained: axon.Module = ddp ?? model;
const sampler = distributed ? new axon.DistributedSampler(train, { seed: 0 }) : undefined;
const loader = new axon.DataLoader(train, 64, !distributed, { sampler, seed: 0 });
const optimizer = new axon.Adam(trained.parameters(), 1e-3);
const lossFn = new axon.CrossEntropyLoss();

const rates: number[] = [];
let backwardMs = 0;
let steps = 0;
for (let epoch = 0; epoch <= epochs; epoch++) {
  sampler?.setEpoch(epoch);
  if (distributed) axon.distributed.barrier();
  const began = performance.now();
  let epochBackward = 0;
  let samples = 0;
  for (const [x, y] of loader) {
    const loss = lossFn.compute(trained.forward(x.view([-1, 784])), y);
    optimizer.zeroGrad();
    const b0 = performance.now();
    loss.backward();
    epochBackward += performance.now() - b0;
    optimizer.step();
    loss.item();
    samples += x.shape[0];
  }
  if (distributed) axon.distributed.barrier();
  const seconds = (performance.now() - began) / 1000;
  if (epoch === 0) {
    if (ddp) Object.assign(ddp.stats, { waitMs: 0, syncs: 0, bucketsOverlapped: 0, bucketsAtEnd: 0, bucketsRedone: 0 });
    continue; // warm-up
  }
  rates.push((samples * world) / seconds);
  backwardMs += epochBackward;
  steps += loader.length;
}
rates.sort((a, b) => a - b);
if (rank === 0) {
  console.log(JSON.stringify({
    ranks: world,
    threadsPerRank: axon.getNumThreads(),
    samplesPerSec: Math.round(rates[rates.length >> 1]),
    backwardMsPerStep: backwardMs / steps,
    waitMsPerStep: ddp ? ddp.stats.waitMs / steps : 0,
    buckets: ddp ? ddp.bucketSizes.length : 0,
    overlapped: ddp?.stats.bucketsOverlapped ?? 0,
    atEnd: ddp?.stats.bucketsAtEnd ?? 0,
  }));
}
if (distributed) axon.distributed.destroyProcessGroup();
