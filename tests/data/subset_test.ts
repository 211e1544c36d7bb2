/**
 * Subset, randomSplit (lengths and fractions as PyTorch's random_split, from
 * tests/fixtures/make_layers_fixtures.py; disjoint, covering, seeded) and ConcatDataset.
 */
import { assert, test } from "../harness.ts";
import { loadFixture } from "../fixtures/load.ts";
import { arange, ConcatDataset, DataLoader, manualSeed, randomSplit, Subset, TensorDataset } from "../../mod.ts";

const { splits } = loadFixture<{ splits: { n: number; fractions: number[]; lengths: number[] }[] }>("data_extra.json");

function range(n: number): TensorDataset<[ReturnType<typeof arange>]> {
  return new TensorDataset(arange(0, n, 1, { dtype: "i32" }));
}

function values(ds: { length: number; get(i: number): unknown }): number[] {
  return Array.from({ length: ds.length }, (_, i) => (ds.get(i) as [{ item(): number }])[0].item());
}

test("randomSplit: fractions give PyTorch's lengths (floor, then the remainder round-robin)", () => {
  assert.equal(splits.length, 7);
  for (const s of splits) {
    const parts = randomSplit(range(s.n), s.fractions, { seed: 1 });
    assert.deepEqual(parts.map((p) => p.length), s.lengths, `n ${s.n}, fractions ${s.fractions}`);
  }
});

test("randomSplit: subsets are disjoint, cover the dataset, and depend only on the seed", () => {
  const ds = range(50);
  const parts = randomSplit(ds, [20, 25, 5], { seed: 7 });
  const all = parts.flatMap(values).sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(parts.map(values), randomSplit(ds, [20, 25, 5], { seed: 7n }).map(values));
  assert.notDeepEqual(values(parts[0]), values(randomSplit(ds, [20, 25, 5], { seed: 8 })[0]));
  assert.notDeepEqual(values(parts[0]), Array.from({ length: 20 }, (_, i) => i), "shuffled, not in order");
  manualSeed(3);
  const a = randomSplit(ds, [0.5, 0.5]).map(values);
  manualSeed(3);
  assert.deepEqual(randomSplit(ds, [0.5, 0.5]).map(values), a, "without a seed, manualSeed fixes the split");
  assert.throws(() => randomSplit(ds, [20, 20]), /the lengths sum to 40, but the dataset has 50 samples/);
  assert.throws(() => randomSplit(ds, [0.5, 0.6]), /lengths\[0\] = 0.5 is not an integer/);
  assert.throws(() => randomSplit(ds, [-1, 51]), /lengths\[0\] must be a non-negative number/);
  assert.throws(() => randomSplit(ds, [50], { generator: 1 } as never), /unknown option "generator"/);
  assert.throws(() => randomSplit([1, 2] as never, [2]), /dataset must be a dataset \(with length and get\(i\)\)/);
});

test("Subset: maps indices, batches natively through the dataset, checks ranges", () => {
  const ds = range(10);
  const sub = new Subset(ds, [9, 2, 2, 5]);
  assert.equal(sub.length, 4);
  assert.deepEqual(values(sub), [9, 2, 2, 5]);
  const [batch] = sub.getBatch!(Int32Array.of(3, 0));
  assert.deepEqual(Array.from(batch.toArray() as Int32Array), [5, 9]);
  const seen: number[] = [];
  for (const [x] of new DataLoader(sub, 3, false)) seen.push(...(x.toArray() as Int32Array));
  assert.deepEqual(seen, [9, 2, 2, 5]);
  assert.throws(() => new Subset(ds, [10]), /indices\[0\] = 10 is out of range for a dataset of 10 samples/);
  assert.throws(() => sub.get(4), /Subset.get: index 4 out of range/);
});

test("ConcatDataset: indexes across the parts in order", () => {
  const cat = new ConcatDataset([range(3), new Subset(range(10), [7, 8]), range(0), range(2)]);
  assert.equal(cat.length, 7);
  assert.deepEqual(cat.cumulativeSizes, [3, 5, 5, 7]);
  assert.deepEqual(values(cat), [0, 1, 2, 7, 8, 0, 1]);
  const seen: number[] = [];
  for (const [x] of new DataLoader(cat, 4, false)) seen.push(...(x.toArray() as Int32Array));
  assert.deepEqual(seen, [0, 1, 2, 7, 8, 0, 1]);
  assert.throws(() => cat.get(7), /ConcatDataset.get: index 7 out of range/);
  assert.throws(() => new ConcatDataset([]), /datasets must be a non-empty array/);
});
