import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  clipGradNorm,
  GradScaler,
  type GradScalerOptions,
  type GradScalerStateDict,
  Parameter,
  SGD,
  tensor,
  zeros,
} from "../../mod.ts";

interface ScalerCase {
  name: string;
  options: { init_scale?: number; growth_factor?: number; backoff_factor?: number; growth_interval?: number };
  kinds: ("ok" | "inf" | "nan")[];
  scales: number[];
  stepped: boolean[];
  first_unscaled: EncodedArray;
  state_dict: GradScalerStateDict;
}
const fixture = loadFixture<{ scaler: ScalerCase[] }>("amp.json");

function optionsOf(c: ScalerCase): GradScalerOptions {
  return {
    initScale: c.options.init_scale,
    growthFactor: c.options.growth_factor,
    backoffFactor: c.options.backoff_factor,
    growthInterval: c.options.growth_interval,
  };
}

/** The fixture's gradient of step i, as the script wrote it (scale · [0.25, -0.5, 0.125] / (i + 1)). */
function scriptedGrad(scale: number, i: number, kind: ScalerCase["kinds"][number]): Float32Array {
  const g = Float32Array.from([0.25, -0.5, 0.125], (v) => Math.fround(Math.fround(v * scale) / (i + 1)));
  if (kind === "inf") g[1] = Infinity;
  if (kind === "nan") g[2] = NaN;
  return g;
}

test("GradScaler: the scale sequence, skipped steps and state equal torch.amp.GradScaler over scripted inf/NaN steps", () => {
  for (const c of fixture.scaler) {
    const p = new Parameter(zeros([3]));
    const opt = new SGD([p], 0.125);
    const scaler = new GradScaler(optionsOf(c));
    c.kinds.forEach((kind, i) => {
      const before = p.toArray();
      p.grad = tensor(scriptedGrad(scaler.getScale(), i, kind));
      if (i === 0) {
        scaler.unscale(opt);
        assert.deepEqual(p.grad.toArray(), decodeArray(c.first_unscaled), `${c.name}: unscaled gradient`);
      }
      const ran = scaler.step(opt);
      scaler.update();
      assert.equal(scaler.getScale(), c.scales[i], `${c.name}: scale after step ${i}`);
      assert.equal(ran, c.stepped[i], `${c.name}: step ${i} ran`);
      assert.equal(
        !before.every((v, k) => v === p.toArray()[k]),
        c.stepped[i],
        `${c.name}: parameter moved at step ${i}`,
      );
    });
    assert.deepEqual(scaler.stateDict(), c.state_dict, c.name);
  }
});

test("GradScaler: defaults are PyTorch's (65536, 2, 0.5, 2000)", () => {
  const s = new GradScaler();
  assert.deepEqual([s.getScale(), s.getGrowthFactor(), s.getBackoffFactor(), s.getGrowthInterval()], [
    65536,
    2,
    0.5,
    2000,
  ]);
  assert.equal(s.scaleLoss(0.5), 32768);
  assert.equal(s.scale(tensor(0.25)).item(), 16384);
});

test("GradScaler: the seed's unscaleGrads on Float32Array and number[] returns false on inf/NaN and drives update()", () => {
  const s = new GradScaler({ initScale: 8, growthInterval: 2 });
  const flat = Float32Array.from([8, -4, 1]);
  assert.equal(s.unscaleGrads(flat), true);
  assert.deepEqual([...flat], [1, -0.5, 0.125]);
  s.update();
  assert.equal(s.getScale(), 8); // one clean step of two
  const list = [16, Infinity, 2];
  assert.equal(s.unscaleGrads(list), false);
  assert.deepEqual(list, [2, Infinity, 0.25]); // scaled anyway, as PyTorch
  s.update();
  assert.equal(s.getScale(), 4); // backoff
  assert.equal(s.unscaleGrads([NaN]), false);
  assert.equal(s.unscaleGrads(new Float32Array(0)), true);
  s.update();
  assert.equal(s.getScale(), 2); // one non-finite check among several backs off
  assert.throws(() => s.update(), /no inf checks were recorded prior to update\(\)/);
});

test("GradScaler: clipping after unscale clips the real gradients, as PyTorch documents", () => {
  const p = new Parameter(zeros([2]));
  const opt = new SGD([p], 1);
  const scaler = new GradScaler({ initScale: 1024 });
  p.grad = tensor([3 * 1024, 4 * 1024], { dtype: "f32" }); // real gradient [3, 4], norm 5
  scaler.unscale(opt);
  const norm = clipGradNorm([p], 1);
  assertClose([norm], [5]);
  assert.equal(scaler.step(opt), true); // no second unscale
  assertClose(p.toArray() as Float32Array, [-0.6, -0.8], { rtol: 1e-6 });
  scaler.update();
});

test("GradScaler: misuse and bad options are clear errors; disabled is a pass-through", () => {
  const p = new Parameter(zeros([2]));
  const opt = new SGD([p], 1);
  const s = new GradScaler();
  p.grad = tensor([1, 2], { dtype: "f32" });
  s.unscale(opt);
  assert.throws(
    () => s.unscale(opt),
    /unscale\(\) has already been called on this optimizer since the last update\(\)/,
  );
  s.step(opt);
  assert.throws(() => s.step(opt), /step\(\) has already been called since the last update\(\)/);
  s.update();
  p.grad = tensor([1, 2], { dtype: "f16" });
  assert.throws(() => s.unscale(opt), /attempting to unscale f16 gradients/);
  assert.throws(() => new GradScaler({ initScale: 0 }), /initScale must be a finite number > 0, got 0/);
  assert.throws(() => new GradScaler({ growthFactor: 1 }), /growthFactor must be > 1/);
  assert.throws(() => new GradScaler({ backoffFactor: 1.5 }), /backoffFactor must be in \(0, 1\)/);
  assert.throws(() => new GradScaler({ growthInterval: 0.5 }), /growthInterval must be a positive integer/);
  assert.throws(() => s.update(-1), /newScale must be a finite number > 0/);
  assert.throws(() => s.unscaleGrads("x" as unknown as number[]), /expected a Float32Array or number\[\]/);

  const off = new GradScaler({ enabled: false });
  p.grad = tensor([Infinity, 1], { dtype: "f32" });
  const loss = tensor(2.5);
  assert.equal(off.scale(loss), loss);
  assert.equal(off.getScale(), 1);
  assert.equal(off.step(opt), true); // runs even with inf, as PyTorch's disabled scaler
  off.update();
  assert.deepEqual(off.stateDict(), {});
});

test("GradScaler: stateDict round trip restores scale and growth tracker", () => {
  const a = new GradScaler({ initScale: 64, growthInterval: 3 });
  const p = new Parameter(zeros([1]));
  const opt = new SGD([p], 1);
  for (let i = 0; i < 2; i++) {
    p.grad = tensor([1], { dtype: "f32" });
    a.step(opt);
    a.update();
  }
  const b = new GradScaler();
  b.loadStateDict(a.stateDict() as GradScalerStateDict);
  assert.deepEqual(b.stateDict(), {
    scale: 64,
    growth_factor: 2,
    backoff_factor: 0.5,
    growth_interval: 3,
    _growth_tracker: 2,
  });
  p.grad = tensor([1], { dtype: "f32" });
  b.step(opt);
  b.update();
  assert.equal(b.getScale(), 128);
  assert.throws(
    () => b.loadStateDict({ ...(a.stateDict() as GradScalerStateDict), _growth_tracker: -1 }),
    /_growth_tracker must be an integer >= 0/,
  );
});
