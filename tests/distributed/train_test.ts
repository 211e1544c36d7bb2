import { fileURLToPath } from "node:url";
import { assert, test } from "../harness.ts";
import { mpirun } from "./mpi_launch.ts";

const script = fileURLToPath(new URL("../../examples/mnist_mlp.ts", import.meta.url));

test("examples/mnist_mlp.ts --distributed under mpirun -np 2: trains data-parallel, only rank 0 prints, evaluates and saves", () => {
  const r = mpirun(2, script, ["--distributed"], 120, { AXON_EXAMPLE_SMOKE: "1" });
  assert.equal(r.status, 0, `mpirun exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  const epochLines = r.stdout.split("\n").filter((l) => /Epoch 0: Loss=/.test(l));
  assert.equal(epochLines.length, 1, `expected one epoch line (rank 0 only):\n${r.stdout}`);
  assert.match(r.stdout, /2 ranks \(MPI\), batch 64 per rank/);
  const accuracy = Number(/Acc=([\d.]+)%/.exec(epochLines[0])![1]);
  assert.ok(accuracy > 70, `accuracy after the smoke epoch is ${accuracy}%`);
  assert.equal((r.stdout.match(/saved mnist_model\.safetensors/g) ?? []).length, 1);
});
