/**
 * randint, randperm and multinomial: exact values against a plain-TypeScript reference built on
 * `rand` (whose stream random_test.ts proves to be Philox4x32-10 word for word, so both runtimes
 * agree), seeding, and distributions against closed forms with tolerances of 5 standard
 * deviations (or a chi-square bound at p ≈ 1e-5) that a wrong sampler fails.
 */
import { assert, test } from "../harness.ts";
import { getRngState, manualSeed, multinomial, rand, randint, randperm, tensor } from "../../mod.ts";

/** The 48-bit uniforms Axon's samplers draw after `manualSeed(seed)`: hi + lo·2⁻²⁴ from 2n draws. */
function reference48(seed: number, n: number): number[] {
  manualSeed(seed);
  const raw = rand([2 * n]).toArray() as Float32Array;
  return Array.from({ length: n }, (_, i) => raw[i] + raw[n + i] * 2 ** -24);
}

function counts(values: ArrayLike<number>, k: number): number[] {
  const c = new Array(k).fill(0);
  for (let i = 0; i < values.length; i++) c[values[i]]++;
  return c;
}

/** Asserts |observed − n·p| ≤ 5·sqrt(n·p·(1−p)) for each category. */
function assertBinomial(observed: number[], n: number, p: number[], what: string): void {
  p.forEach((pi, i) => {
    const sd = Math.sqrt(n * pi * (1 - pi));
    assert.ok(
      Math.abs(observed[i] - n * pi) <= 5 * sd,
      `${what}: category ${i} seen ${observed[i]} times, expected ${n * pi} ± ${5 * sd}`,
    );
  });
}

test("randint is low + floor(u48·(high − low)) of the seeded stream, the same on every runtime", () => {
  const u = reference48(11, 50);
  manualSeed(11);
  const got = randint(-7, 93, [5, 10]);
  assert.deepEqual(got.shape, [5, 10]);
  assert.equal(got.dtype, "i32");
  assert.deepEqual(Array.from(got.toArray() as Int32Array), u.map((v) => -7 + Math.floor(v * 100)));
  // one Philox block per 4 f32 draws: 100 draws → 25 blocks
  assert.equal(getRngState().counter, 25n);
  manualSeed(11);
  assert.deepEqual(
    Array.from(randint(100, [50], { dtype: "f64" }).toArray() as Float64Array),
    u.map((v) => Math.floor(v * 100)),
  );
});

test("randint: reproducible under a seed, uniform over [low, high) (chi-square)", () => {
  manualSeed(3);
  const a = randint(0, 6, [60000]).toArray() as Int32Array;
  manualSeed(3);
  assert.deepEqual(randint(0, 6, [60000]).toArray(), a);
  manualSeed(4);
  assert.notDeepEqual(randint(0, 6, [60000]).toArray(), a);
  const c = counts(a, 6);
  const chi2 = c.reduce((s, o) => s + (o - 10000) ** 2 / 10000, 0);
  assert.ok(chi2 < 28, `chi-square ${chi2} over 5 degrees of freedom (p < 1e-5 above 28); counts ${c}`);
  // a range above 2^24 still reaches its top: values up to 2^31 − 1 are spread over the range
  const big = randint(0, 2 ** 31 - 1, [20000]).toArray() as Int32Array;
  const mean = big.reduce((s, v) => s + v, 0) / big.length;
  const sd = (2 ** 31) / Math.sqrt(12) / Math.sqrt(big.length);
  assert.ok(Math.abs(mean - 2 ** 30) < 5 * sd, `mean ${mean} of randint(0, 2^31 − 1)`);
  assert.equal(randint(3, 4, [5]).toList().toString(), "3,3,3,3,3");
  assert.deepEqual(randint(5, [0, 3]).shape, [0, 3]);
});

test("randperm is the argsort of the seeded uniforms; every position is uniform", () => {
  const u = reference48(5, 9);
  manualSeed(5);
  const want = [...u.keys()].sort((a, b) => u[a] - u[b] || a - b);
  assert.deepEqual(Array.from(randperm(9).toArray() as Int32Array), want);
  assert.deepEqual(randperm(0).shape, [0]);
  assert.deepEqual(randperm(1).toList(), [0]);
  manualSeed(6);
  const trials = 2000;
  const first = new Array(5).fill(0);
  for (let t = 0; t < trials; t++) {
    const p = Array.from(randperm(5).toArray() as Int32Array);
    assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4]);
    first[p[0]]++;
  }
  assertBinomial(first, trials, [0.2, 0.2, 0.2, 0.2, 0.2], "randperm(5)[0]");
  const perm = Array.from(randperm(100000).toArray() as Int32Array).sort((a, b) => a - b);
  assert.ok(perm.every((v, i) => v === i), "randperm(100000) is a permutation");
});

test("multinomial with replacement: inverse CDF of the seeded uniforms; frequencies follow the weights", () => {
  const w = [0, 1, 2, 7];
  const u = reference48(9, 8);
  manualSeed(9);
  const got = Array.from(multinomial(tensor(w, { dtype: "f32" }), 8, true).toArray() as Int32Array);
  const cdf = [0, 1, 3, 10];
  assert.deepEqual(got, u.map((v) => cdf.filter((c) => c <= v * 10).length));
  manualSeed(10);
  const n = 40000;
  const many = multinomial(tensor(w, { dtype: "f32" }), n, { replacement: true }).toArray() as Int32Array;
  const c = counts(many, 4);
  assert.equal(c[0], 0, "a zero weight is never drawn");
  assertBinomial(c, n, [0, 0.1, 0.2, 0.7], "multinomial with replacement");
  // 2-d: rows are independent distributions
  const rows = multinomial(tensor([[1, 0, 0], [0, 0, 1]], { dtype: "f32" }), 5, true).toList();
  assert.deepEqual(rows, [[0, 0, 0, 0, 0], [2, 2, 2, 2, 2]]);
});

test("multinomial without replacement: distinct draws, first and second draws follow sequential sampling", () => {
  const rows = 30000;
  const p = [0.5, 0.3, 0.2, 0];
  manualSeed(12);
  const weights = tensor(Array.from({ length: rows }, () => p), { dtype: "f32" });
  const draws = multinomial(weights, 2).toList() as number[][];
  const firstCounts = new Array(4).fill(0);
  const secondCounts = new Array(4).fill(0);
  for (const [a, b] of draws) {
    assert.notEqual(a, b, "a category drawn twice in one row");
    firstCounts[a]++;
    secondCounts[b]++;
  }
  assert.equal(firstCounts[3] + secondCounts[3], 0, "a zero weight is never drawn");
  // P(second = j) = Σ_{i≠j} p_i · p_j / (1 − p_i)
  const second = p.map((pj, j) => p.reduce((s, pi, i) => (i === j ? s : s + pi * pj / (1 - pi)), 0));
  assertBinomial(firstCounts, rows, p, "first draw");
  assertBinomial(secondCounts, rows, second, "second draw");
  // drawing every nonzero category returns a permutation of them
  const all = multinomial(tensor([3, 1, 2], { dtype: "f32" }), 3).toArray() as Int32Array;
  assert.deepEqual(Array.from(all).sort(), [0, 1, 2]);
  // same seed, same draws
  manualSeed(13);
  const again = multinomial(tensor([0.1, 0.2, 0.3, 0.4], { dtype: "f32" }), 3).toList();
  manualSeed(13);
  assert.deepEqual(multinomial(tensor([0.1, 0.2, 0.3, 0.4], { dtype: "f32" }), 3).toList(), again);
});

test("multinomial with replacement in blocks: many samples over many categories keep the frequencies", () => {
  manualSeed(21);
  // 3 rows × 6000 samples × 1000 categories compares in two blocks of samples (2²⁴ / 3000 = 5592)
  const w = tensor(Array.from({ length: 3 }, (_, r) => Array.from({ length: 1000 }, (_, j) => (j % 4 === r ? 1 : 0))), {
    dtype: "f32",
  });
  const draws = multinomial(w, 6000, true).toList() as number[][];
  draws.forEach((row, r) => {
    assert.equal(row.length, 6000);
    assert.ok(row.every((j) => j % 4 === r), `row ${r} drew a zero-weight category`);
    const c = counts(row.map((j) => Math.floor(j / 500)), 2);
    assertBinomial(c, 6000, [0.5, 0.5], `row ${r} halves`);
  });
});
