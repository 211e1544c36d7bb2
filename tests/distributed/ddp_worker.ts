/**
 * Run under `mpirun -np 2` by ddp_test.ts. Each rank trains a DistributedDataParallel model on its
 * half of every batch and compares its parameters with a reference computed locally:
 * - equivalence: 1 process × batch 64 (SGD 50 steps, rtol 1e-5; Adam 20 steps, rtol 1e-5 + atol 1e-5),
 *   also with noSync gradient accumulation;
 * - BatchNorm: PyTorch's DDP semantics simulated in one process (two replicas; rank 0's buffers copied
 *   into the other before each forward; gradients averaged), parameters and buffers of both ranks.
 * Rank 1 starts from different weights: the construction broadcast must replace them with rank 0's.
 * Prints `RESULT {...}` per scenario; a mismatch throws and aborts the job.
 */
import assert from "node:assert/strict";
import * as axon from "../../mod.ts";
import type { Module, Optimizer, Tensor } from "../../mod.ts";

const d = axon.distributed;
d.initProcessGroup({ timeout: 120_000 });
const rank = d.getRank();
if (d.getWorldSize() !== 2) throw new Error("ddp_worker expects 2 ranks");
const report = (check: string, detail: Record<string, unknown> = {}) =>
  console.log(`RESULT ${JSON.stringify({ rank, check, ...detail })}`);

function mlp(seed: number, batchNorm = false): Module {
  axon.manualSeed(seed);
  const m = new axon.Sequential().add(new axon.Linear(20, 32));
  if (batchNorm) m.add(new axon.BatchNorm1d(32));
  return m.add(axon.ReLU).add(new axon.Linear(32, 10));
}

function batch(step: number): [Tensor, Tensor] {
  axon.manualSeed(10_000 + step);
  const x = axon.randn([64, 20]);
  const y = axon.rand([64]).mul(10).to("i32");
  return [x, y];
}

function close(actual: Tensor, expected: Tensor, rtol: number, atol: number, what: string): void {
  const a = actual.toArray() as Float32Array;
  const e = expected.toArray() as Float32Array;
  assert.equal(a.length, e.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= 0)) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]} (rtol ${rtol}, atol ${atol})`);
    worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-30));
  }
}

function compareModels(actual: Module, expected: Module, rtol: number, atol: number, what: string): void {
  const a = actual.stateDict();
  const e = expected.stateDict();
  assert.deepEqual(Object.keys(a), Object.keys(e), what);
  for (const k of Object.keys(e)) {
    if (a[k].dtype !== "f32") {
      assert.deepEqual(
        Array.from(a[k].toArray() as Int32Array),
        Array.from(e[k].toArray() as Int32Array),
        `${what} ${k}`,
      );
    } else close(a[k], e[k], rtol, atol, `${what} ${k}`);
  }
}

type MakeOpt = (params: axon.Parameter[]) => Optimizer;
const lossFn = new axon.CrossEntropyLoss();

/** DDP (this rank's 32 rows) against one process on all 64 rows. */
function equivalence(
  name: string,
  makeOpt: MakeOpt,
  steps: number,
  rtol: number,
  atol: number,
  accumulate: boolean,
  bucketCapMb?: number,
): void {
  const ddp = new axon.DistributedDataParallel(mlp(rank), bucketCapMb === undefined ? {} : { bucketCapMb });
  const reference = mlp(0);
  compareModels(ddp.module, reference, 0, 0, `${name}: after construction rank ${rank} holds rank 0's weights`);
  const opt = makeOpt(ddp.parameters());
  const refOpt = makeOpt(reference.parameters());
  for (let step = 0; step < steps; step++) {
    const [x, y] = batch(step);
    opt.zeroGrad();
    if (accumulate) {
      // Two micro-batches of 16 rows per rank; the first one's gradients stay local.
      const half = (k: number) => [x.narrow(0, 32 * rank + 16 * k, 16), y.narrow(0, 32 * rank + 16 * k, 16)] as const;
      ddp.noSync(() => {
        const [x0, y0] = half(0);
        lossFn.compute(ddp.forward(x0), y0).div(2).backward();
      });
      const [x1, y1] = half(1);
      lossFn.compute(ddp.forward(x1), y1).div(2).backward();
    } else {
      lossFn.compute(ddp.forward(x.narrow(0, 32 * rank, 32)), y.narrow(0, 32 * rank, 32)).backward();
    }
    opt.step();
    refOpt.zeroGrad();
    lossFn.compute(reference.forward(x), y).backward();
    refOpt.step();
  }
  compareModels(ddp.module, reference, rtol, atol, name);
  report(name, {
    buckets: ddp.bucketSizes.length,
    overlapped: ddp.stats.bucketsOverlapped,
    atEnd: ddp.stats.bucketsAtEnd,
  });
}

equivalence("SGD 50 steps", (p) => new axon.SGD(p, 0.1), 50, 1e-5, 0, false, 0.0005);
equivalence("Adam 20 steps", (p) => new axon.Adam(p, 1e-3), 20, 1e-5, 1e-5, false);
equivalence("SGD noSync accumulation 20 steps", (p) => new axon.SGD(p, 0.1), 20, 1e-5, 0, true, 0.0005);

// A layer applied twice (shared weights): its gradient arrives in two accumulations, the first
// of which may already have started its bucket; the bucket must be reduced again with the sum.
class Shared extends axon.Module {
  inp = new axon.Linear(20, 20);
  fc = new axon.Linear(20, 20);
  head = new axon.Linear(20, 10);
  forward(x: Tensor): Tensor {
    const h = this.inp.forward(x).relu();
    return this.head.forward(this.fc.forward(this.fc.forward(h).relu()).relu());
  }
}
{
  const make = (seed: number) => {
    axon.manualSeed(seed);
    return new Shared();
  };
  const ddp = new axon.DistributedDataParallel(make(rank), { bucketCapMb: 0.0005 });
  const reference = make(0);
  const opt = new axon.SGD(ddp.parameters(), 0.1);
  const refOpt = new axon.SGD(reference.parameters(), 0.1);
  for (let step = 0; step < 20; step++) {
    const [x, y] = batch(step);
    opt.zeroGrad();
    lossFn.compute(ddp.forward(x.narrow(0, 32 * rank, 32)), y.narrow(0, 32 * rank, 32)).backward();
    opt.step();
    refOpt.zeroGrad();
    lossFn.compute(reference.forward(x), y).backward();
    refOpt.step();
  }
  compareModels(ddp.module, reference, 1e-5, 0, "shared weights 20 SGD steps");
  // fc's bucket (not the last) started after fc's first gradient, and was reduced again.
  assert.equal(ddp.bucketSizes.length, 3);
  assert.equal(ddp.stats.bucketsRedone, 20);
  report("shared weights", { buckets: ddp.bucketSizes.length, redone: ddp.stats.bucketsRedone });
}

// BatchNorm: buffers broadcast from rank 0 before every forward, as PyTorch's DDP.
{
  const ddp = new axon.DistributedDataParallel(mlp(rank, true));
  const replicas = [mlp(0, true), mlp(0, true)];
  const opt = new axon.SGD(ddp.parameters(), 0.1);
  const refOpts = replicas.map((m) => new axon.SGD(m.parameters(), 0.1));
  for (let step = 0; step < 10; step++) {
    const [x, y] = batch(step);
    opt.zeroGrad();
    lossFn.compute(ddp.forward(x.narrow(0, 32 * rank, 32)), y.narrow(0, 32 * rank, 32)).backward();
    opt.step();
    // The simulation: replica 1 takes replica 0's buffers, both run their half, gradients are averaged.
    const buffers0 = replicas[0].buffers();
    axon.noGrad(() => replicas[1].buffers().forEach((b, i) => b.copy_(buffers0[i])));
    replicas.forEach((m, r) => {
      refOpts[r].zeroGrad();
      lossFn.compute(m.forward(x.narrow(0, 32 * r, 32)), y.narrow(0, 32 * r, 32)).backward();
    });
    const [p0, p1] = replicas.map((m) => m.parameters());
    axon.noGrad(() =>
      p0.forEach((p, i) => {
        const mean = p.grad!.add(p1[i].grad!).div(2);
        p.grad!.copy_(mean);
        p1[i].grad!.copy_(mean);
      })
    );
    refOpts.forEach((o) => o.step());
  }
  compareModels(ddp.module, replicas[rank], 1e-5, 1e-6, "BatchNorm 10 steps");
  report("BatchNorm buffers");
}

// Bad input names the problem.
assert.throws(
  () => new axon.DistributedDataParallel(mlp(0), { bucketCapMb: 0 }),
  /bucketCapMb must be a positive number/,
);
assert.throws(
  () => new axon.DistributedDataParallel(mlp(0), { bucket_cap_mb: 1 } as never),
  /unknown option "bucket_cap_mb"/,
);
report("errors");
d.destroyProcessGroup();
report("done");
