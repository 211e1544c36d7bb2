/**
 * nn.init against PyTorch's formulas: fans and gains equal torch.nn.init's (fixture from
 * tests/fixtures/make_layers_fixtures.py), sample statistics within tolerances that a wrong
 * formula fails (bounds, mean, standard deviation over ≥ 60,000 draws), orthogonality, seeding.
 */
import { assert, assertClose, test } from "../harness.ts";
import { loadFixture } from "../fixtures/load.ts";
import {
  calculateGain,
  constant_,
  empty,
  fans,
  kaimingNormal_,
  kaimingUniform_,
  manualSeed,
  matmul,
  type Nonlinearity,
  ones_,
  orthogonal_,
  type Tensor,
  truncNormal_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from "../../mod.ts";

const fixture = loadFixture<{
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  gains: { nonlinearity: Nonlinearity; param: number | null; gain: number }[];
}>("init.json");

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.toArray() as Float32Array;
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

/** Checks mean (4 standard errors) and std (2 %) of a sample against the distribution's. */
function checkMoments(t: Tensor, mean: number, std: number, what: string): void {
  const s = stats(t);
  const se = std / Math.sqrt(t.numel);
  assert.ok(Math.abs(s.mean - mean) < 4 * se + 1e-7, `${what}: mean ${s.mean}, expected ${mean} ± ${4 * se}`);
  assert.ok(Math.abs(s.std / std - 1) < 0.02, `${what}: std ${s.std}, expected ${std} (2 %)`);
}

test("init: fans of linear and conv weights equal torch.nn.init's", () => {
  assert.equal(fixture.fans.length, 6);
  for (const f of fixture.fans) assert.deepEqual(fans(f.shape), { fanIn: f.fanIn, fanOut: f.fanOut }, `[${f.shape}]`);
  assert.throws(() => fans([5]), /at least 2 dims/);
});

test("init: calculateGain equals torch.nn.init.calculate_gain", () => {
  for (const g of fixture.gains) {
    assertClose([calculateGain(g.nonlinearity, g.param ?? undefined)], [g.gain], { rtol: 1e-15, atol: 0 });
  }
  assert.throws(
    () => calculateGain("leaky_relu" as never),
    /unsupported nonlinearity string "leaky_relu"; it must be one of/,
  );
});

test("init: xavierUniform_ / xavierNormal_ follow gain·√(6/(in+out)) and gain·√(2/(in+out))", () => {
  manualSeed(11);
  const w = xavierUniform_(empty([300, 200]), { gain: 2 });
  const bound = 2 * Math.sqrt(6 / 500);
  const s = stats(w);
  assert.ok(s.min >= -bound && s.max <= bound, `within ±${bound}: [${s.min}, ${s.max}]`);
  assert.ok(s.max > 0.999 * bound && s.min < -0.999 * bound, "reaches the bounds");
  checkMoments(w, 0, bound / Math.sqrt(3), "xavierUniform_");
  const c = xavierNormal_(empty([64, 32, 5, 5])); // fans 800 and 1600
  checkMoments(c, 0, Math.sqrt(2 / 2400), "xavierNormal_ conv");
});

test("init: kaimingUniform_ / kaimingNormal_ use the fan of the mode and PyTorch's gain", () => {
  manualSeed(12);
  const conv = kaimingUniform_(empty([128, 16, 3, 3])); // defaults: a 0, fanIn 144, leakyRelu → √2
  const bound = Math.SQRT2 * Math.sqrt(3 / 144);
  const s = stats(conv);
  assert.ok(s.min >= -bound && s.max <= bound && s.max > 0.999 * bound, `bounds ±${bound}: [${s.min}, ${s.max}]`);
  checkMoments(conv, 0, bound / Math.sqrt(3), "kaimingUniform_ fanIn");
  const out = kaimingUniform_(empty([128, 16, 3, 3]), { mode: "fanOut", nonlinearity: "relu" }); // fan 1152
  checkMoments(out, 0, Math.SQRT2 / Math.sqrt(1152), "kaimingUniform_ fanOut");
  const normal = kaimingNormal_(empty([300, 250]), { a: 0.2, nonlinearity: "leakyRelu" });
  checkMoments(normal, 0, Math.sqrt(2 / 1.04) / Math.sqrt(250), "kaimingNormal_ leakyRelu 0.2");
  const tanh = kaimingNormal_(empty([300, 250]), { mode: "fanOut", nonlinearity: "tanh" });
  checkMoments(tanh, 0, (5 / 3) / Math.sqrt(300), "kaimingNormal_ tanh fanOut");
  assert.throws(
    () => kaimingNormal_(empty([3, 3]), { mode: "fan_in" as never }),
    /invalid mode string "fan_in"; it must be "fanIn" or "fanOut"/,
  );
  assert.throws(() => kaimingNormal_(empty([3, 3]), { gain: 1 } as never), /unknown option "gain"/);
  const none = empty([0, 3]);
  assert.equal(kaimingNormal_(none), none, "a tensor without elements is left as it is, as PyTorch");
});

/** Standard normal pdf and cdf (erf by Abramowitz–Stegun 7.1.26 refined: enough for 1e-6 here). */
function phi(x: number): number {
  return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
}
function Phi(x: number): number {
  // Simpson integration of the pdf from 0: independent of the library's own erfc.
  const n = 2000, h = x / n;
  let s = phi(0) + phi(x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * phi(i * h);
  return 0.5 + (s * h) / 3;
}

test("init: truncNormal_ has the truncated normal's bounds, mean and std", () => {
  manualSeed(13);
  for (const [mean, std, a, b] of [[0, 1, -2, 2], [1, 0.5, 0, 1.5], [0, 0.02, -0.04, 0.04], [-3, 2, -4, 5]]) {
    const t = truncNormal_(empty([80000]), { mean, std, a, b });
    const s = stats(t);
    assert.ok(s.min >= a && s.max <= b, `[${a}, ${b}]: [${s.min}, ${s.max}]`);
    const al = (a - mean) / std, be = (b - mean) / std, z = Phi(be) - Phi(al);
    const tMean = mean + std * (phi(al) - phi(be)) / z;
    const tVar = std * std * (1 + (al * phi(al) - be * phi(be)) / z - ((phi(al) - phi(be)) / z) ** 2);
    checkMoments(t, tMean, Math.sqrt(tVar), `truncNormal_(${mean}, ${std}, [${a}, ${b}])`);
  }
  assert.throws(() => truncNormal_(empty([3]), { a: 2, b: 1 }), /a 2 must be < b 1/);
  assert.throws(() => truncNormal_(empty([3]), { mean: 0, std: 1, a: 40, b: 50 }), /holds no probability mass/);
});

test("init: orthogonal_ gives orthonormal rows or columns (conv weights flattened), scaled by gain", () => {
  manualSeed(14);
  const eye = (n: number, g = 1) => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? g : 0));
  const wide = orthogonal_(empty([6, 10]));
  assertClose(matmul(wide, wide.t()).toArray() as Float32Array, eye(6), { atol: 2e-6, rtol: 0, message: "W·Wᵀ" });
  const tall = orthogonal_(empty([40, 12]), { gain: 2 });
  assertClose(matmul(tall.t(), tall).toArray() as Float32Array, eye(12, 4), {
    atol: 1e-5,
    rtol: 0,
    message: "WᵀW = 4I",
  });
  const conv = orthogonal_(empty([8, 2, 3, 3])).reshape([8, 18]);
  assertClose(matmul(conv, conv.t()).toArray() as Float32Array, eye(8), { atol: 2e-6, rtol: 0, message: "conv rows" });
  const square = orthogonal_(empty([64, 64]));
  assertClose(matmul(square, square.t()).toArray() as Float32Array, eye(64), { atol: 1e-5, rtol: 0, message: "64×64" });
  // Entries of a Haar-random orthogonal n×n matrix have variance 1/n.
  const big = orthogonal_(empty([200, 200]));
  checkMoments(big, 0, Math.sqrt(1 / 200), "orthogonal_ entries");
  assert.throws(() => orthogonal_(empty([5])), /only tensors with 2 or more dimensions/);
});

test("init: constant_, zeros_, ones_ fill in place; the same seed gives the same values", () => {
  const t = empty([3, 4]);
  assert.equal(constant_(t, 0.25), t);
  assert.deepEqual(Array.from(t.toArray() as Float32Array), new Array(12).fill(0.25));
  assert.deepEqual(Array.from(zeros_(t).toArray() as Float32Array), new Array(12).fill(0));
  assert.deepEqual(Array.from(ones_(t).toArray() as Float32Array), new Array(12).fill(1));
  manualSeed(5);
  const a = [
    xavierUniform_(empty([7, 9])),
    kaimingNormal_(empty([7, 9])),
    truncNormal_(empty([30])),
    orthogonal_(empty([5, 5])),
  ];
  manualSeed(5);
  const b = [
    xavierUniform_(empty([7, 9])),
    kaimingNormal_(empty([7, 9])),
    truncNormal_(empty([30])),
    orthogonal_(empty([5, 5])),
  ];
  a.forEach((x, i) => assert.deepEqual(x.toArray(), b[i].toArray()));
  assert.throws(() => xavierUniform_(empty([3, 3], { dtype: "i32" })), /tensor must be floating point, got i32/);
});
