/**
 * Sequence layers against PyTorch CPU in the same run: one training step (forward + backward) of
 * an LSTM and a GRU (input 128, hidden 256, 64 steps, batch 32) and of a pre-norm causal
 * TransformerEncoderLayer (d 256, 8 heads, feed-forward 1024, batch 32 × 64 tokens), ms per step
 * (best of 3 runs of 10 steps) and Axon's speed as a ratio of PyTorch's (bench/seq_torch.py).
 *
 *   deno run -A bench/seq.ts        (needs .tools/pyenv: tools/dev.sh pyenv)
 * @module
 */
import { getNumThreads, GRU, LSTM, manualSeed, type Module, randn, TransformerEncoderLayer } from "../mod.ts";

const L = 64, N = 32, I = 128, H = 256, REPS = 10;
const ROOT = new URL("..", import.meta.url).pathname;

function timed(step: () => void): number {
  step(); // warm up
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < REPS; i++) step();
    best = Math.min(best, (performance.now() - t0) / REPS);
  }
  return best;
}

function rnnStep(module: LSTM | GRU): () => void {
  const x = randn([L, N, I]);
  return () => {
    module.zeroGrad();
    module.forward(x).sum().backward();
  };
}

manualSeed(0);
const encoder: Module = new TransformerEncoderLayer(H, 8, {
  dimFeedforward: 4 * H,
  dropout: 0,
  batchFirst: true,
  normFirst: true,
});
const src = randn([N, L, H]);
const axon: Record<string, number> = {
  lstm: timed(rnnStep(new LSTM(I, H))),
  gru: timed(rnnStep(new GRU(I, H))),
  encoder: timed(() => {
    encoder.zeroGrad();
    (encoder as TransformerEncoderLayer).forward(src, { isCausal: true }).sum().backward();
  }),
};
const threads = getNumThreads();
const out = await new Deno.Command(`${ROOT}.tools/pyenv/bin/python`, {
  args: [`${ROOT}bench/seq_torch.py`, String(threads)],
  stdout: "piped",
  stderr: "inherit",
}).output();
if (!out.success) throw new Error("bench/seq_torch.py failed (is .tools/pyenv installed? tools/dev.sh pyenv)");
const torch = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!) as Record<string, number>;
console.log(`| training step (${threads} threads) | Axon ms | PyTorch ms | Axon speed / PyTorch |`);
console.log("|---|---|---|---|");
for (const k of Object.keys(axon)) {
  console.log(`| ${k} | ${axon[k].toFixed(2)} | ${torch[k].toFixed(2)} | ${(torch[k] / axon[k]).toFixed(2)}× |`);
}
