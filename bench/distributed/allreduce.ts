/**
 * Axon's side of the all-reduce bandwidth table: `axon.distributed.allReduce(t, "sum")` (f32, in
 * place, blocking) on the same sizes, contents and repetitions as allreduce_rival.c.
 * Run as `mpirun -np 2 deno run -A bench/distributed/allreduce.ts BYTES...`; rank 0 prints JSON lines.
 * @module
 */
import * as axon from "../../mod.ts";

const d = axon.distributed;
d.initProcessGroup();
const rank = d.getRank();
for (const arg of Deno.args) {
  const bytes = Number(arg);
  const n = bytes / 4;
  const reps = Math.min(200, Math.max(10, Math.floor((256 * 1024 * 1024) / bytes)));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (i % 17) + rank;
  const t = axon.tensor(values);
  for (let w = 0; w < 3; w++) d.allReduce(t, "sum");
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    d.barrier();
    const t0 = performance.now();
    d.allReduce(t, "sum");
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  if (rank === 0) console.log(JSON.stringify({ bytes, reps, median_s: times[reps >> 1], min_s: times[0] }));
}
d.destroyProcessGroup();
