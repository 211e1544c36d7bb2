/**
 * EarlyStopping (Keras' rule, worked out by hand below) and CheckpointEvery (which steps save,
 * `{step}` files, pruning to keepLast, contents loadable).
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckpointEvery, EarlyStopping, Linear, loadCheckpoint } from "../../mod.ts";
import { assert, test } from "../harness.ts";

test("EarlyStopping stops after `patience` evaluations without an improvement larger than minDelta", () => {
  const s = new EarlyStopping({ patience: 2, minDelta: 0.01 });
  // losses:   1.0   0.8   0.795 (not > 0.01 better)  0.7   0.71   0.705  -> stop at the 6th
  const stops = [1.0, 0.8, 0.795, 0.7, 0.71, 0.705].map((v) => s.step(v));
  assert.deepEqual(stops, [false, false, false, false, false, true]);
  assert.equal(s.best, 0.7);
  assert.equal(s.bestIndex, 3);
  assert.equal(s.improved, false);

  const acc = new EarlyStopping({ patience: 1, mode: "max" });
  assert.equal(acc.step(90), false);
  assert.equal(acc.improved, true);
  assert.equal(acc.step(91), false);
  assert.equal(acc.step(NaN), true, "NaN never improves");

  const zero = new EarlyStopping({ patience: 0 });
  assert.equal(zero.step(1), false);
  assert.equal(zero.step(2), true);

  const resumed = new EarlyStopping({ patience: 2, minDelta: 0.01 });
  const state = (() => {
    const a = new EarlyStopping({ patience: 2, minDelta: 0.01 });
    [1.0, 0.8, 0.795, 0.7, 0.71].forEach((v) => a.step(v));
    return JSON.parse(JSON.stringify(a.stateDict()));
  })();
  resumed.loadStateDict(state);
  assert.equal(resumed.step(0.705), true, "resumed counters carry on");
  assert.throws(() => new EarlyStopping({ patiense: 3 } as never), /did you mean "patience"/);
  assert.throws(() => new EarlyStopping({ mode: "maximum" as never }), /mode must be "min" or "max"/);
});

test("CheckpointEvery saves at positive multiples of `every`, one file per save with {step}, keeping the newest keepLast", () => {
  const dir = mkdtempSync(join(tmpdir(), "axon-every-"));
  try {
    const model = new Linear(3, 2);
    const saver = new CheckpointEvery(join(dir, "ckpt-{step}.safetensors"), 4, { keepLast: 2 });
    const written = Array.from({ length: 14 }, (_, step) => saver.maybeSave(step, { model, epoch: 1 }));
    assert.deepEqual(written.map((w, step) => (w ? step : -1)).filter((s) => s >= 0), [4, 8, 12]);
    assert.deepEqual(readdirSync(dir).sort(), ["ckpt-12.safetensors", "ckpt-8.safetensors"]);
    assert.deepEqual(saver.saved, [join(dir, "ckpt-8.safetensors"), join(dir, "ckpt-12.safetensors")]);
    const other = new Linear(3, 2);
    const { step, epoch } = loadCheckpoint(join(dir, "ckpt-12.safetensors"), { model: other });
    assert.deepEqual([step, epoch], [12, 1]);
    assert.deepEqual(other.weight.toArray(), model.weight.toArray());

    const single = new CheckpointEvery(join(dir, "last.safetensors"), 5);
    single.maybeSave(5, { model });
    single.maybeSave(10, { model });
    assert.ok(existsSync(join(dir, "last.safetensors")));
    assert.equal(loadCheckpoint(join(dir, "last.safetensors"), { model: other }).step, 10);
    assert.throws(
      () => new CheckpointEvery(join(dir, "x.safetensors"), 5, { keepLast: 2 }),
      /keepLast needs \{step\} in the path/,
    );
    assert.throws(() => new CheckpointEvery("x", 0), /every must be an integer >= 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
