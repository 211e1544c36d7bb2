/**
 * examples/char_transformer.ts trained from PyTorch's initial weights (the same model built by
 * PyTorch 2.13, tests/fixtures/make_char_transformer_fixtures.py) must follow PyTorch's loss
 * curve for 100 steps: AdamW, OneCycleLR (beta1 cycled), clipGradNorm, ModuleList of pre-norm
 * causal TransformerEncoderLayers, dropout 0.
 *
 * f32: within 1e-3 of PyTorch's f32 losses at every step (measured 4.8e-7).
 * bf16 autocast: within 1e-3 of PyTorch's CPU-autocast bf16 losses (measured 3.3e-4), although
 * the policies differ: PyTorch's CPU autocast keeps softmax and layer norm in bf16, Axon computes
 * them in f32 (its policy is PyTorch's CUDA list on every device, README "Mixed precision"). The
 * bf16 run must also differ from the f32 run (autocast took effect).
 * @module
 */
import { assert, test } from "../harness.ts";
import { loadFixture } from "../fixtures/load.ts";
import { loadSafetensors } from "../../mod.ts";
import { CharTransformer, CONFIG, encodeText, TEXT, train } from "../../examples/char_transformer.ts";

interface Losses {
  vocab: string;
  config: Record<string, number>;
  steps: number;
  f32: number[];
  bf16: number[];
}
const fixture = loadFixture<Losses>("char_transformer/losses.json");
const initPath = new URL("../fixtures/char_transformer/init.safetensors", import.meta.url).pathname;

function run(bf16: boolean): number[] {
  const { vocab, ids } = encodeText(TEXT);
  assert.equal(vocab.join(""), fixture.vocab, "the fixture was made from this text");
  assert.deepEqual(fixture.config, { ...CONFIG }, "the fixture was made with this configuration");
  const model = new CharTransformer(vocab.length, 0);
  model.loadStateDict(loadSafetensors(initPath).tensors);
  return train(model, ids, { steps: fixture.steps, bf16 });
}

function maxDeviation(a: number[], b: number[]): { worst: number; at: number } {
  assert.equal(a.length, b.length);
  let worst = 0;
  let at = -1;
  a.forEach((v, i) => {
    const d = Math.abs(v - b[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  });
  return { worst, at };
}

let f32Losses: number[] = [];

test("char_transformer (f32) follows PyTorch's loss curve for 100 steps within 1e-3", () => {
  f32Losses = run(false);
  const { worst, at } = maxDeviation(f32Losses, fixture.f32);
  console.log(`f32: max |Axon − PyTorch| = ${worst.toExponential(2)} at step ${at}`);
  assert.ok(worst < 1e-3, `largest loss difference ${worst} at step ${at}`);
  assert.ok(f32Losses[99] < f32Losses[0] - 1, "the model learns");
});

test("char_transformer under bf16 autocast follows PyTorch's bf16 curve within 1e-3", () => {
  const losses = run(true);
  const vsTorch = maxDeviation(losses, fixture.bf16);
  console.log(`bf16: max |Axon − PyTorch| = ${vsTorch.worst.toExponential(2)} at step ${vsTorch.at}`);
  assert.ok(
    vsTorch.worst < 1e-3,
    `largest loss difference to PyTorch's bf16 run ${vsTorch.worst} at step ${vsTorch.at}`,
  );
  const vsF32 = maxDeviation(losses, f32Losses.length > 0 ? f32Losses : run(false));
  assert.ok(vsF32.worst > 0, "the bf16 run equals the f32 run: autocast did not take effect");
});
