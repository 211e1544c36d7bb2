import { settledSavedBytes } from "../memory_probe.ts";
import { assert, assertBitEqual, test } from "../harness.ts";
import {
  autocast,
  checkpoint,
  checkpointSequential,
  Dropout,
  Linear,
  manualSeed,
  memory,
  type Module,
  noGrad,
  randn,
  ReLU,
  type Tensor,
} from "../../mod.ts";

/** A 24-layer MLP: Linear + ReLU per layer, Dropout after every fourth (RNG replay must match). */
function makeLayers(width: number): Module[][] {
  manualSeed(1234);
  return Array.from({ length: 24 }, (_, i) => {
    const layer: Module[] = [new Linear(width, width), new ReLU()];
    if (i % 4 === 3) layer.push(new Dropout(0.25));
    return layer;
  });
}

function applyLayer(layers: Module[][], i: number, x: Tensor): Tensor {
  return layers[i].reduce((h, m) => m.forward(h), x);
}

interface Run {
  grads: Float32Array[];
  inputGrad: Float32Array;
  /** Bytes saved for backward right after the forward, and the peak over forward + backward. */
  savedAfterForward: number;
  peak: number;
}

function run(layers: Module[][], checkpointed: boolean): Run {
  for (const layer of layers) for (const m of layer) m.zeroGrad();
  manualSeed(99);
  const x = randn([32, 64]).requiresGrad_();
  const baseline = settledSavedBytes();
  memory.resetPeak();
  const y = checkpointed
    ? checkpointSequential(24, 4, x, (i, h) => applyLayer(layers, i, h))
    : layers.reduce((h, _, i) => applyLayer(layers, i, h), x);
  const loss = y.square().mean();
  const savedAfterForward = memory.stats().savedBytes - baseline;
  loss.backward();
  const peak = memory.stats().peakSavedBytes - baseline;
  assert.equal(memory.stats().savedBytes, baseline, "backward releases everything the graph saved");
  return {
    grads: layers.flatMap((l) => l.flatMap((m) => m.parameters())).map((p) => p.grad!.toArray() as Float32Array),
    inputGrad: x.grad!.toArray() as Float32Array,
    savedAfterForward,
    peak,
  };
}

test("checkpointSequential(24, 4): gradients bit-identical to the plain run; saved bytes ≥ 4× smaller after forward, peak ≥ 2× smaller", () => {
  const layers = makeLayers(64);
  const plain = run(layers, false);
  const ckpt = run(layers, true);
  assert.equal(ckpt.grads.length, 48);
  ckpt.grads.forEach((g, i) => assertBitEqual(g, plain.grads[i], `parameter ${i}`));
  assertBitEqual(ckpt.inputGrad, plain.inputGrad, "input gradient");
  const forwardRatio = plain.savedAfterForward / ckpt.savedAfterForward;
  const peakRatio = plain.peak / ckpt.peak;
  console.log(
    `checkpointSequential(24, 4): saved after forward ${plain.savedAfterForward} → ${ckpt.savedAfterForward} bytes (${
      forwardRatio.toFixed(2)
    }×), ` +
      `peak ${plain.peak} → ${ckpt.peak} bytes (${peakRatio.toFixed(2)}×)`,
  );
  assert.ok(forwardRatio >= 4, `after-forward ratio ${forwardRatio}`);
  assert.ok(peakRatio >= 2, `peak ratio ${peakRatio}`);
  // Exactly the four segment inputs plus the output that square() saves, 32×64 f32 each.
  assert.equal(ckpt.savedAfterForward, 5 * 32 * 64 * 4);
});

test("checkpoint: one function, gradients equal the plain run, input without requiresGrad still trains the parameters", () => {
  manualSeed(5);
  const fc = new Linear(8, 8);
  const x = randn([4, 8]);
  const plainLoss = fc.forward(x).tanh().sum();
  plainLoss.backward();
  const plain = fc.weight.grad!.toArray() as Float32Array;
  fc.zeroGrad();
  const out = checkpoint((h) => fc.forward(h).tanh(), x);
  assert.equal(out.requiresGrad, true);
  assert.equal(out.gradFn!.name, "checkpoint");
  out.sum().backward();
  assertBitEqual(fc.weight.grad!.toArray() as Float32Array, plain, "weight gradient");
  // Nothing inside requires grad: a plain tensor comes back, as without checkpointing.
  const quiet = checkpoint((h) => h.mul(2), x);
  assert.equal(quiet.requiresGrad, false);
  assert.deepEqual(noGrad(() => checkpoint((h) => h.add(1), x)).toArray(), x.add(1).toArray());
});

test("checkpoint recomputes under the forward's autocast state and RNG stream", () => {
  manualSeed(8);
  const fc = new Linear(16, 16);
  const drop = new Dropout(0.5);
  const x = randn([4, 16]);
  manualSeed(3);
  const plain = autocast("bf16", () => drop.forward(fc.forward(x)).to("f32").square().sum());
  plain.backward();
  const expected = fc.weight.grad!.toArray() as Float32Array;
  fc.zeroGrad();
  manualSeed(3);
  const y = autocast("bf16", () => checkpoint((h) => drop.forward(fc.forward(h)), x));
  assert.equal(y.dtype, "bf16");
  y.to("f32").square().sum().backward(); // backward outside autocast, after more RNG use
  assertBitEqual(fc.weight.grad!.toArray() as Float32Array, expected, "bf16 weight gradient");
});

test("checkpoint errors: bad arguments and functions that return no tensor", () => {
  const x = randn([2, 2]).requiresGrad_();
  assert.throws(
    () => checkpoint(() => 3 as unknown as Tensor, x),
    /checkpoint: the function must return a Tensor, got number/,
  );
  assert.throws(() => checkpoint((h) => h, 5 as unknown as Tensor), /checkpoint: input must be a Tensor/);
  assert.throws(() => checkpointSequential(0, 1, x, (_, h) => h), /numLayers must be a positive integer, got 0/);
  assert.throws(() => checkpointSequential(4, 5, x, (_, h) => h), /segments must be an integer in \[1, 4\], got 5/);
  assert.throws(
    () => checkpointSequential(4, 2, x, () => null as unknown as Tensor),
    /checkpointSequential \(layer 0\): the function must return a Tensor, got null/,
  );
  let calls = 0;
  const flaky = checkpoint((h) => (calls++ === 0 ? h.mul(2) : h.mul(2).sum()), x);
  assert.throws(() => flaky.sum().backward(), /recomputed output has shape \[\] but the forward gave \[2, 2\]/);
});
