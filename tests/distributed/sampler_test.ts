import * as axon from "../../mod.ts";
import { torchRandperm } from "../../src/data/mt19937.ts";
import { loadFixture } from "../fixtures/load.ts";
import { assert, test } from "../harness.ts";

const { DistributedSampler } = axon;

interface Fixture {
  samplers: {
    size: number;
    world: number;
    seed: number;
    epoch: number;
    shuffle: boolean;
    drop_last: boolean;
    num_samples: number;
    ranks: number[][];
  }[];
  randperm: { n: number; seed: string; perm: number[] }[];
}
const fixture = loadFixture<Fixture>("distributed_sampler.json");

test("torchRandperm equals torch.randperm with a seeded generator (mt19937)", () => {
  for (const { n, seed, perm } of fixture.randperm) {
    assert.deepEqual(Array.from(torchRandperm(n, BigInt(seed))), perm, `n=${n} seed=${seed}`);
  }
  assert.equal(torchRandperm(0, 1).length, 0);
  assert.throws(() => torchRandperm(-1, 0), /n must be an integer/);
});

test("DistributedSampler gives every rank PyTorch's indices (shuffle, seed, epoch, dropLast, padding)", () => {
  for (const c of fixture.samplers) {
    c.ranks.forEach((expected, rank) => {
      const s = new DistributedSampler({ length: c.size }, {
        numReplicas: c.world,
        rank,
        shuffle: c.shuffle,
        seed: c.seed,
        dropLast: c.drop_last,
      });
      s.setEpoch(c.epoch);
      const what =
        `size ${c.size} world ${c.world} rank ${rank} seed ${c.seed} epoch ${c.epoch} shuffle ${c.shuffle} dropLast ${c.drop_last}`;
      assert.equal(s.length, c.num_samples, what);
      assert.deepEqual(Array.from(s.indices()), expected, what);
      assert.deepEqual([...s], expected, what);
    });
  }
});

test("DistributedSampler drives a DataLoader: each rank loads its share", () => {
  const x = axon.arange(10, undefined, 1, { dtype: "f32" }).view([10, 1]);
  const ds = new axon.TensorDataset(x, axon.arange(10));
  const seen: number[] = [];
  for (const rank of [0, 1]) {
    const sampler = new DistributedSampler(ds, { numReplicas: 2, rank, seed: 3 });
    const loader = new axon.DataLoader(ds, 2, false, { sampler });
    assert.equal(loader.length, 3);
    sampler.setEpoch(1);
    const got: number[] = [];
    for (const [xb] of loader) got.push(...Array.from(xb.toArray() as Float32Array));
    assert.deepEqual(got, Array.from(sampler.indices()));
    seen.push(...got);
  }
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(
    () => new axon.DataLoader(ds, 2, true, { sampler: new DistributedSampler(ds, { numReplicas: 2, rank: 0 }) }),
    /mutually exclusive/,
  );
});

test("DistributedSampler refuses bad arguments, naming them", () => {
  const ds = { length: 10 };
  assert.throws(() => new DistributedSampler(ds), /pass numReplicas and rank, or call initProcessGroup/);
  assert.throws(() => new DistributedSampler(ds, { numReplicas: 2, rank: 2 }), /invalid rank 2/);
  assert.throws(
    () => new DistributedSampler(ds, { numReplicas: 0, rank: 0 }),
    /numReplicas must be a positive integer/,
  );
  assert.throws(
    () => new DistributedSampler(ds, { numReplicas: 2, rank: 0, drop_last: true } as never),
    /unknown option "drop_last".*did you mean "dropLast"/,
  );
  assert.throws(() => new DistributedSampler(ds, { numReplicas: 2, rank: 0, seed: 1.5 }), /seed must be an integer/);
  assert.throws(
    () => new DistributedSampler({ length: -1 }, { numReplicas: 2, rank: 0 }),
    /length must be a non-negative integer/,
  );
  const s = new DistributedSampler(ds, { numReplicas: 2, rank: 0 });
  assert.throws(() => s.setEpoch(-1), /epoch must be a non-negative integer/);
});
