/**
 * Axon inside JavaScript Workers: every Worker of a process shares the native library (its thread
 * pool, its prefetch slots, its per-thread scratch buffers), so what the library keeps per caller
 * must not collide across Workers, and a Worker that ends must not leave memory behind.
 */
import { assert, test } from "../harness.ts";
import { getNumThreads, setNumThreads } from "../../mod.ts";
import { readMemory } from "../memory_probe.ts";
import { runTask, type TaskResult } from "./worker_task.ts";

/** Runs `task` in `count` Workers at once; resolves with their results in order. */
async function inWorkers(task: string, seeds: number[]): Promise<TaskResult[]> {
  const workers = seeds.map(() => new Worker(new URL("./worker_main.ts", import.meta.url).href, { type: "module" }));
  try {
    return await Promise.all(workers.map((worker, i) =>
      new Promise<TaskResult>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<{ ok: boolean; result?: TaskResult; error?: string }>) =>
          e.data.ok ? resolve(e.data.result!) : reject(new Error(`worker ${i}: ${e.data.error}`));
        worker.onerror = (e) => {
          e.preventDefault?.();
          reject(new Error(`worker ${i} failed: ${e.message}`));
        };
        worker.postMessage({ task, seed: seeds[i] });
      })
    ));
  } finally {
    for (const w of workers) w.terminate();
  }
}

test("4 Workers iterating prefetching DataLoaders at once get their own batches (no slot collisions)", async () => {
  const seeds = [11, 12, 13, 14];
  const expected = seeds.map((s) => runTask("iterate", s).batchSums!);
  for (let round = 0; round < 3; round++) {
    const results = await inWorkers("iterate", seeds);
    results.forEach((r, i) => assert.deepEqual(r.batchSums, expected[i], `worker ${i}, round ${round}`));
  }
});

test("4 Workers training at once with prefetch equal a single run, on 1 to 4 threads", async () => {
  const saved = getNumThreads();
  try {
    for (const threads of [1, 2, 3, 4]) {
      setNumThreads(threads);
      const seeds = [1, 2, 3, 4];
      const expected = seeds.map((s) => runTask("train", s).params!);
      const results = await inWorkers("train", seeds);
      results.forEach((r, i) => {
        assert.equal(r.params!.length, expected[i].length);
        assert.ok(r.params!.every((v, k) => Object.is(v, expected[i][k])), `worker ${i} on ${threads} threads differs`);
      });
    }
  } finally {
    setNumThreads(saved);
  }
});

test("a Worker that ends frees its native scratch buffers", async () => {
  await inWorkers("convolve", [0]); // first use: the pool's threads take their buffers
  const before = readMemory().native;
  for (let i = 0; i < 10; i++) await inWorkers("convolve", [0]);
  // Terminated Workers' threads exit asynchronously; give them a moment.
  let growth = readMemory().native - before;
  for (let tries = 0; growth > 0 && tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 20));
    growth = readMemory().native - before;
  }
  // Each Worker's thread took ~0.68 MB of scratch before the fix (6.8 MB over 10 Workers).
  assert.ok(growth < 256 * 1024, `native memory grew ${(growth / 1e6).toFixed(2)} MB over 10 finished Workers`);
});
