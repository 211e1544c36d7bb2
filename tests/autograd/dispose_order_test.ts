// Random dispose orders over a training loop (seeded, many trials): disposing the user's tensors at
// any point after their last use by the user — before backward, after it, after the step, inside or
// outside tidy — never crashes and never changes a result (bit for bit against a run that never
// disposes anything).
import { assert, test } from "../harness.ts";
import {
  Adam,
  BatchNorm2d,
  Conv2d,
  CrossEntropyLoss,
  dispose,
  Dropout,
  Linear,
  manualSeed,
  MaxPool2d,
  randn,
  type Tensor,
  tensor,
  tidy,
} from "../../mod.ts";

/** mulberry32: a small seeded generator for the trial's choices (independent of Axon's RNG). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function bits(t: Tensor): number[] {
  return [...new Uint32Array(t.detach().contiguous().toArray().slice().buffer)];
}

const STEPS = 4;
type Phase = "beforeBackward" | "afterBackward" | "afterStep" | "never";
const PHASES: Phase[] = ["beforeBackward", "afterBackward", "afterStep", "never"];

/** Trains a small CNN for STEPS steps; `random` (null: never dispose) picks when each tensor is disposed. */
function train(random: (() => number) | null): { losses: number[]; params: number[][]; buffers: number[][] } {
  manualSeed(42);
  const conv = new Conv2d(1, 4, 3, { padding: 1 });
  const bn = new BatchNorm2d(4);
  const pool = new MaxPool2d(2);
  const drop = new Dropout(0.25);
  const fc = new Linear(4 * 4 * 4, 5);
  const params = [...conv.parameters(), ...bn.parameters(), ...fc.parameters()];
  const optimizer = new Adam(params, 0.01);
  const lossFn = new CrossEntropyLoss();
  const images = randn(6 * STEPS, 1, 8, 8);
  const labels = tensor(Int32Array.from({ length: 6 * STEPS }, (_, i) => (i * 7) % 5));
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const mode = random === null ? 0 : Math.floor(random() * 3); // 0 plain, 1 tidy forward, 2 tidy step
    const made: Tensor[] = [];
    const forward = () => {
      const x = images.narrow(0, step * 6, 6);
      const y = labels.narrow(0, step * 6, 6);
      const h = conv.forward(x);
      const n = bn.forward(h);
      const a = n.relu();
      const p = pool.forward(a);
      const d = drop.forward(p);
      const flat = d.flatten(1);
      const z = fc.forward(flat);
      const loss = lossFn.compute(z, y);
      made.push(x, y, h, n, a, p, d, flat, z);
      return loss;
    };
    const run = () => {
      optimizer.zeroGrad();
      const loss = mode === 1 ? tidy(forward) : forward();
      const phases = new Map<Phase, Tensor[]>(PHASES.map((p) => [p, []]));
      if (random !== null) {
        for (const t of made) phases.get(PHASES[Math.floor(random() * PHASES.length)])!.push(t);
        dispose(shuffle(phases.get("beforeBackward")!, random));
      }
      loss.backward();
      losses.push(loss.item());
      if (random !== null) {
        dispose(shuffle(phases.get("afterBackward")!, random));
        if (random() < 0.5) loss.dispose();
      }
      optimizer.step();
      if (random !== null) {
        dispose(shuffle(phases.get("afterStep")!, random));
        for (const q of params) if (random() < 0.3) q.grad!.dispose(); // the next zeroGrad drops them
      }
    };
    mode === 2 ? tidy(run) : run();
  }
  return {
    losses,
    params: params.map(bits),
    buffers: [bn.running_mean!, bn.running_var!].map(bits),
  };
}

test("random dispose orders over a training loop (40 seeded trials) never crash and never change a result", () => {
  const reference = train(null);
  for (let trial = 0; trial < 40; trial++) {
    const got = train(generator(1000 + trial));
    assert.deepEqual(got.losses, reference.losses, `trial ${trial}: losses`);
    assert.deepEqual(got.params, reference.params, `trial ${trial}: final parameters bit-identical`);
    assert.deepEqual(got.buffers, reference.buffers, `trial ${trial}: BatchNorm running statistics`);
  }
});
