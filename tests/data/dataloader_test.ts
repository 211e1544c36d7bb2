import { assert, test } from "../harness.ts";
import { arange, getRngState, manualSeed, rand, randn, type Tensor, tensor } from "../../mod.ts";
import { DataLoader, Dataset, defaultCollate, randomPermutation, TensorDataset } from "../../src/data/mod.ts";
import { startGatherRows } from "../../src/ops/indexing.ts";

const ints = (t: Tensor) => Array.from(t.toArray() as Int32Array);

/** x[i] = [i, 10 i] (f32), y[i] = i (i32): every batch shows which samples it holds. */
function numbered(n: number): TensorDataset {
  const i = arange(n);
  return new TensorDataset(i.to("f32").unsqueeze(1).mul(tensor([1, 10], { dtype: "f32" })), i);
}

// ---- an independent reference of the shuffling algorithm ------------------------------------------

/** Philox4x32-10, scalar, as Random123 and zig/cpu/rng.zig define it. */
function philox(ctr: number[], key: number[]): number[] {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + 0x9e3779b9) >>> 0;
      k1 = (k1 + 0xbb67ae85) >>> 0;
    }
    const p0 = 0xd2511f53n * BigInt(c0);
    const p1 = 0xcd9e8d57n * BigInt(c2);
    [c0, c1, c2, c3] = [
      (Number(p1 >> 32n) ^ c1 ^ k0) >>> 0,
      Number(p1 & 0xffffffffn),
      (Number(p0 >> 32n) ^ c3 ^ k1) >>> 0,
      Number(p0 & 0xffffffffn),
    ];
  }
  return [c0, c1, c2, c3];
}

/** Uniform k of stream (seed, counter): word k mod 4 of block counter + ⌊k/4⌋, as (w >> 8)·2⁻²⁴. */
function referenceUniforms(count: number, seed: bigint, counter: bigint): number[] {
  const key = [Number(seed & 0xffffffffn), Number((seed >> 32n) & 0xffffffffn)];
  const out: number[] = [];
  for (let block = 0n; out.length < count; block++) {
    const c = counter + block;
    const words = philox([Number(c & 0xffffffffn), Number((c >> 32n) & 0xffffffffn), Number(c >> 64n), 0], key);
    for (const w of words) if (out.length < count) out.push((w >>> 8) / 2 ** 24);
  }
  return out;
}

/** The documented Fisher–Yates: epoch e draws 2(n−1) uniforms at counter e·2³². */
function referencePermutation(n: number, seed: bigint, epoch: number): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  const u = referenceUniforms(2 * (n - 1), seed, BigInt(epoch) << 32n);
  for (let t = 0; t < n - 1; t++) {
    const i = n - 1 - t;
    const r = (u[2 * t] * 2 ** 24 * 2 ** 24 + u[2 * t + 1] * 2 ** 24) / 2 ** 48;
    const j = Math.floor(r * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

// ---- tests ----------------------------------------------------------------------------------------

test("DataLoader without shuffle: batches in order, shapes, last short batch, length", () => {
  const loader = new DataLoader(numbered(10), 4, false);
  assert.equal(loader.length, 3);
  assert.equal(loader.len(), 3);
  const batches = [...loader];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches.map(([x]) => x.shape), [[4, 2], [4, 2], [2, 2]]);
  assert.deepEqual(batches.map(([, y]) => ints(y)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(batches.map(([, y]) => y.dtype), ["i32", "i32", "i32"]);
  assert.deepEqual(batches[2][0].toList(), [[8, 80], [9, 90]]);
});

test("DataLoader dropLast and length for several sizes", () => {
  const dropped = new DataLoader(numbered(10), 4, false, { dropLast: true });
  assert.equal(dropped.length, 2);
  assert.deepEqual([...dropped].map(([, y]) => ints(y)), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  for (
    const [n, b, keep, drop] of [[0, 3, 0, 0], [1, 3, 1, 0], [9, 3, 3, 3], [10, 3, 4, 3], [64, 64, 1, 1], [5, 64, 1, 0]]
  ) {
    const ds = n === 0 ? new TensorDataset(randn([0, 2]), arange(0)) : numbered(n);
    const a = new DataLoader(ds, b, false);
    const d = new DataLoader(ds, b, true, { dropLast: true, seed: 3 });
    assert.equal(a.length, keep, `n ${n} batch ${b}`);
    assert.equal(d.length, drop, `n ${n} batch ${b} dropLast`);
    assert.equal([...a].length, keep);
    assert.equal([...d].length, drop);
    assert.equal([...a].reduce((s, [x]) => s + x.shape[0], 0), n);
  }
  assert.throws(() => new DataLoader(numbered(4), 0), /batchSize must be a positive integer, got 0/);
  assert.throws(() => new DataLoader(numbered(4), 2.5), /batchSize/);
});

test("shuffling equals the documented Philox + Fisher–Yates reference (same on Deno and Bun)", () => {
  const n = 50;
  const seed = 1234n;
  const loader = new DataLoader(numbered(n), 8, true, { seed });
  for (const epoch of [0, 1, 7]) {
    assert.deepEqual(Array.from(loader.order(epoch)), referencePermutation(n, seed, epoch), `epoch ${epoch}`);
  }
  // the golden first batch of epochs 0 and 1, as iteration yields them
  const first0 = ints(loader.iter().next().value![1]);
  const first1 = ints(loader.iter().next().value![1]);
  assert.deepEqual(first0, referencePermutation(n, seed, 0).slice(0, 8));
  assert.deepEqual(first1, referencePermutation(n, seed, 1).slice(0, 8));
  assert.notDeepEqual(first0, first1);
  // a seed above 2^32 exercises both key words
  const big = 0x123456789abcdefn;
  assert.deepEqual(Array.from(randomPermutation(1000, big, 3)), referencePermutation(1000, big, 3));
});

test("same seed → same order; every sample exactly once per epoch; epochs differ", () => {
  const n = 103;
  const a = new DataLoader(numbered(n), 10, true, { seed: 42 });
  const b = new DataLoader(numbered(n), 10, true, { seed: 42 });
  const c = new DataLoader(numbered(n), 10, true, { seed: 43 });
  const epochOf = (l: DataLoader) => [...l].flatMap(([, y]) => ints(y));
  const epochs: number[][] = [];
  for (let e = 0; e < 3; e++) {
    const ea = epochOf(a);
    assert.deepEqual(ea, epochOf(b), `epoch ${e}`);
    assert.notDeepEqual(ea, epochOf(c));
    assert.deepEqual([...ea].sort((p, q) => p - q), Array.from({ length: n }, (_, i) => i), "a permutation");
    epochs.push(ea);
  }
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.notDeepEqual(epochs[1], epochs[2]);
  // inputs travel with their targets
  for (const [x, y] of new DataLoader(numbered(n), 16, true, { seed: 5 })) {
    assert.deepEqual((x.toArray() as Float32Array).filter((_, k) => k % 2 === 0).join(), ints(y).join());
  }
  // setEpoch replays an epoch
  a.setEpoch(1);
  assert.deepEqual(epochOf(a), epochs[1]);
});

test("the default seed comes from the global generator; iterating leaves it untouched", () => {
  manualSeed(7);
  const a = new DataLoader(numbered(40), 8, true);
  manualSeed(7);
  const b = new DataLoader(numbered(40), 8, true);
  assert.equal(a.seed, b.seed);
  const stateBefore = getRngState();
  const order = [...a].flatMap(([, y]) => ints(y));
  assert.deepEqual(getRngState(), stateBefore, "shuffling must not advance the global generator");
  assert.deepEqual([...b].flatMap(([, y]) => ints(y)), order);
  const unshuffled = getRngState();
  new DataLoader(numbered(40), 8, false);
  assert.deepEqual(getRngState(), unshuffled, "an unshuffled loader draws nothing");
  rand([3]);
  manualSeed(8);
  assert.notEqual(new DataLoader(numbered(40), 8, true).seed, a.seed);
});

test("for…of and iter().enumerate() (the seed's loop)", () => {
  const loader = new DataLoader(numbered(10), 3, false);
  const seen: [number, number[]][] = [];
  for (const [batchIdx, [inputs, targets]] of loader.iter().enumerate()) {
    assert.equal(inputs.shape[0], targets.shape[0]);
    seen.push([batchIdx, ints(targets)]);
  }
  assert.deepEqual(seen, [[0, [0, 1, 2]], [1, [3, 4, 5]], [2, [6, 7, 8]], [3, [9]]]);
  const it = loader.iter();
  assert.equal(it.remaining, 4);
  assert.deepEqual(ints(it.next().value![1]), [0, 1, 2]);
  assert.equal(it.remaining, 3);
  assert.equal([...it].length, 3);
  assert.equal(it.next().done, true);
  let count = 0;
  for (const [x, y] of loader) count += x.shape[0] + 0 * y.shape[0];
  assert.equal(count, 10);
});

test("generic datasets collate from get(i); getBatch is preferred; collate overrides", () => {
  class Squares extends Dataset<[Tensor, number]> {
    calls = 0;
    get length() {
      return 7;
    }
    get(i: number): [Tensor, number] {
      this.calls++;
      return [tensor([i, i * i], { dtype: "f32" }), i * i];
    }
  }
  const squares = new Squares();
  const batches = [...new DataLoader(squares, 3, false)];
  assert.equal(squares.calls, 7);
  assert.deepEqual(batches[0][0].shape, [3, 2]);
  assert.deepEqual(batches[0][0].toList(), [[0, 0], [1, 1], [2, 4]]);
  assert.equal(batches[0][1].dtype, "i32");
  assert.deepEqual(ints(batches[2][1]), [36]);
  const halves = defaultCollate([[tensor([1], { dtype: "f32" }), 0.5], [tensor([2], { dtype: "f32" }), 1.5]]);
  assert.equal(halves[1].dtype, "f32");
  assert.throws(() => defaultCollate([["a"], ["b"]]), /cannot collate \(field 0\) values of type string/);

  // tensor-backed datasets: one native gather per tensor, no get(i) calls
  const ds = numbered(20);
  let gets = 0;
  const spy = Object.assign(Object.create(ds), { get: (i: number) => (gets++, ds.get(i)) }) as TensorDataset;
  for (const [x] of new DataLoader(spy, 6, true, { seed: 1 })) assert.equal(x.shape[1], 2);
  assert.equal(gets, 0);

  // a custom collate receives the samples and their indices
  const sums = [...new DataLoader(ds, 5, false, { collate: (samples, idx) => [samples.length, idx[0]] as const })];
  assert.deepEqual(sums, [[5, 0], [5, 5], [5, 10], [5, 15]]);
});

test("batches are copies: writing into one leaves the dataset as it was", () => {
  const ds = numbered(6);
  const [x] = new DataLoader(ds, 6, false).iter().next().value!;
  x.fill_(-1);
  assert.deepEqual(ds.get(2)[0].toList(), [2, 20]);
  assert.throws(() => ds.get(6), /index 6 out of range for a dataset of 6 samples/);
  assert.throws(() => new TensorDataset(randn([3, 2]), arange(4)), /same size in dimension 0/);
});

test("prefetched batches (gathered on the native prefetch thread) equal synchronous ones, also after an early break", async () => {
  const { DataLoader, TensorDataset, arange, manualSeed } = await import("../../mod.ts");
  manualSeed(4);
  const x = arange(0, 300, 1, { dtype: "f32" }).reshape([100, 3]);
  const y = arange(0, 100, 1, { dtype: "i32" });
  const ds = new TensorDataset(x, y);
  assert.equal(typeof ds.startBatch, "function");
  const loader = new DataLoader(ds, 16, true, { seed: 9, prefetch: true });
  assert.equal(loader.prefetch, true);
  for (let epoch = 0; epoch < 3; epoch++) {
    const order = loader.order(loader.epoch);
    let b = 0;
    for (const [inputs, targets] of loader) {
      const expected = ds.getBatch(order.subarray(b * 16, Math.min((b + 1) * 16, 100)));
      assert.deepEqual(inputs.toArray(), expected[0].toArray());
      assert.deepEqual(targets.toArray(), expected[1].toArray());
      b++;
      if (epoch === 1 && b === 2) break; // abandons a prefetched batch
    }
  }
  // many abandoned epochs never exhaust the prefetch slots
  for (let i = 0; i < 20; i++) for (const _ of loader) break;
  assert.equal([...loader].length, 7);
});

test("two prefetching loaders in one thread, with every slot taken: each gets its own batches", () => {
  // Fill the library's 64 prefetch slots with gathers nobody waits for yet, so both loaders run
  // short of slots and finish abandoned gathers; neither may wait on a slot twice.
  const data = numbered(200);
  const expected = [...new DataLoader(data, 16, false, { prefetch: false })].map(([x]) =>
    Array.from((x as Tensor).toArray() as Float32Array)
  );
  const a = new DataLoader(data, 16, false, { prefetch: true }).iter();
  const b = new DataLoader(data, 16, false, { prefetch: true }).iter();
  const parked = Array.from({ length: 40 }, () => startGatherRows(data.tensors, tensor([0, 1, 2])));
  for (let i = 0; i < expected.length; i++) {
    assert.deepEqual(
      Array.from((a.next().value![0] as Tensor).toArray() as Float32Array),
      expected[i],
      `loader a, batch ${i}`,
    );
    assert.deepEqual(
      Array.from((b.next().value![0] as Tensor).toArray() as Float32Array),
      expected[i],
      `loader b, batch ${i}`,
    );
  }
  for (const wait of parked) wait();
});
