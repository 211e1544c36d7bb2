import { assert, test } from "../harness.ts";
import { mpirun, results, workerPath } from "./mpi_launch.ts";

test("DistributedDataParallel under mpirun -np 2: 2 × 32 equals 1 × 64 (SGD, Adam, noSync, shared weights), BatchNorm buffers from rank 0", () => {
  const r = mpirun(2, workerPath("ddp_worker.ts"), [], 300);
  assert.equal(r.status, 0, `mpirun exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  const all = results(r.stdout);
  for (const rank of [0, 1]) {
    const checks = all.filter((x) => x.rank === rank).map((x) => x.check);
    assert.deepEqual(checks, [
      "SGD 50 steps",
      "Adam 20 steps",
      "SGD noSync accumulation 20 steps",
      "shared weights",
      "BatchNorm buffers",
      "errors",
      "done",
    ], r.stdout);
  }
  // With two buckets, the first one's all-reduce started inside backward.
  const sgd = all.find((x) => x.rank === 0 && x.check === "SGD 50 steps");
  assert.equal(sgd.buckets, 2);
  assert.ok(sgd.overlapped > 0);
});
