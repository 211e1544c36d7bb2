import * as axon from "../../mod.ts";
import { assert, test } from "../harness.ts";
import { mpirun, results, workerPath } from "./mpi_launch.ts";

const d = axon.distributed;

test("collectives under mpirun -np 2: every dtype and op, sizes 0, 1, odd and 1e6, in place", () => {
  const r = mpirun(2, workerPath("collectives_worker.ts"), ["small"], 300);
  assert.equal(r.status, 0, `mpirun exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  const done = results(r.stdout);
  for (const rank of [0, 1]) {
    const mine = done.filter((x) => x.rank === rank);
    // 4 dtypes × 4 sizes × 2 reports, in place, errors, done
    assert.equal(mine.length, 4 * 4 * 2 + 3, `rank ${rank} reported ${mine.length} checks:\n${r.stdout}`);
    assert.ok(mine.some((x) => x.check === "done"));
  }
});

test("collectives under mpirun -np 2: 100 MB all-reduces of every dtype with every op", () => {
  const r = mpirun(2, workerPath("collectives_worker.ts"), ["large"], 600);
  assert.equal(r.status, 0, `mpirun exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  const done = results(r.stdout);
  for (const rank of [0, 1]) {
    const mine = done.filter((x) => x.rank === rank);
    assert.deepEqual(mine.map((x) => x.check), [...Array(16).fill("allReduce 100MB"), "inPlace", "errors", "done"]);
    assert.equal(
      new Set(mine.filter((x) => x.check === "allReduce 100MB").map((x) => `${x.dtype} ${x.op}`)).size,
      16,
      "each dtype and op once",
    );
  }
}, { timeoutMs: 600_000 }); // 100 MB transfers; mpirun itself is bounded at 600 s

test("a rank that throws ends the whole job with a non-zero status within 30 s", () => {
  const r = mpirun(2, workerPath("fault_worker.ts"), ["throw"], 60);
  assert.notEqual(r.status, 0, `the job exited with status 0\n${r.stdout}\n${r.stderr}`);
  assert.ok(r.seconds < 30, `the job took ${r.seconds.toFixed(1)} s to end`);
  assert.match(r.stderr, /rank 1 fails at step 10/);
  assert.ok(!r.stdout.includes("unreachable"));
});

test("a collective a rank never joins times out, and the job ends with a non-zero status", () => {
  const r = mpirun(2, workerPath("fault_worker.ts"), ["skip"], 60);
  assert.notEqual(r.status, 0, `the job exited with status 0\n${r.stdout}\n${r.stderr}`);
  assert.ok(r.seconds < 30, `the job took ${r.seconds.toFixed(1)} s to end`);
  assert.match(r.stderr, /timed out after 2000 ms/);
});

test("without MPI: initProcessGroup names what was missing and how to install it", () => {
  // deno-lint-ignore no-explicit-any
  const env = (globalThis as any).process.env;
  const saved = env.AXON_MPI_LIB;
  env.AXON_MPI_LIB = "/nonexistent/libmpi-for-axon-test.so";
  try {
    assert.throws(
      () => d.initProcessGroup({ backend: "mpi" }),
      /MPI is not available: could not load \/nonexistent\/libmpi-for-axon-test\.so .*install openmpi-bin \(Debian\) or set AXON_MPI_LIB/,
    );
  } finally {
    if (saved === undefined) delete env.AXON_MPI_LIB;
    else env.AXON_MPI_LIB = saved;
  }
  assert.equal(d.isInitialized(), false);
  assert.throws(() => d.getRank(), /not initialized; call initProcessGroup/);
  assert.throws(() => d.allReduce(axon.ones([2])), /not initialized/);
});

test("initProcessGroup refuses bad options, naming the accepted ones", () => {
  assert.throws(() => d.initProcessGroup({ backnd: "mpi" } as never), /unknown option "backnd".*backend, timeout/);
  assert.throws(() => d.initProcessGroup({ backend: "nccl" } as never), /"nccl" is not available/);
  assert.throws(() => d.initProcessGroup({ timeout: -1 }), /timeout must be a positive integer/);
  assert.throws(() => d.initProcessGroup(3 as never), /options must be an object/);
});
