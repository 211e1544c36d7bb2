/**
 * Run under `mpirun -np 2` by collectives_test.ts. `throw`: rank 1 throws at step 10 of a
 * DistributedDataParallel training loop while rank 0 carries on. `skip`: rank 1 skips a collective and stays alive, so rank
 * 0's wait must time out (timeout 2 s). Either way the whole job must end with a non-zero status.
 */
import * as axon from "../../mod.ts";

const mode = (globalThis as any).Deno ? Deno.args[0] : (globalThis as any).process.argv[2];
const d = axon.distributed;
d.initProcessGroup({ timeout: mode === "skip" ? 2000 : 600_000 });
const rank = d.getRank();
const t = axon.ones([1000]);
axon.manualSeed(0);
const ddp = new axon.DistributedDataParallel(new axon.Sequential().add(new axon.Linear(8, 4)));
const opt = new axon.SGD(ddp.parameters(), 0.1);
for (let step = 0; step < 1000; step++) {
  if (rank === 1 && step === 10) {
    if (mode === "throw") throw new Error("rank 1 fails at step 10 (fault test)");
    // Stay alive without joining: only the timeout can end rank 0's wait.
    const until = Date.now() + 120_000;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }
  if (mode === "throw") {
    opt.zeroGrad();
    ddp.forward(axon.randn([4, 8])).square().mean().backward();
    opt.step();
  } else {
    d.allReduce(t, "avg");
  }
}
console.log("RESULT unreachable");
