import { assert, test } from "../harness.ts";
import { bernoulli, getRngState, manualSeed, normal, rand, randn, setRngState, uniform } from "../../mod.ts";

// An independent Philox4x32-10 (Salmon et al. 2011) in plain TypeScript, the reference for the kernel.
function mulhilo(a: number, b: number): [number, number] {
  const product = BigInt(a) * BigInt(b);
  return [Number(product >> 32n), Number(product & 0xffffffffn)];
}
function philox(counter: bigint, seed: bigint): number[] {
  let c = [Number(counter & 0xffffffffn), Number((counter >> 32n) & 0xffffffffn), 0, 0];
  let k = [Number(seed & 0xffffffffn), Number((seed >> 32n) & 0xffffffffn)];
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulhilo(0xd2511f53, c[0]);
    const [hi1, lo1] = mulhilo(0xcd9e8d57, c[2]);
    c = [(hi1 ^ c[1] ^ k[0]) >>> 0, lo1, (hi0 ^ c[3] ^ k[1]) >>> 0, lo0];
    k = [(k[0] + 0x9e3779b9) >>> 0, (k[1] + 0xbb67ae85) >>> 0];
  }
  return c;
}

test("uniform samples are exactly Philox4x32-10 words (same on every runtime and thread count)", () => {
  manualSeed(42);
  const x = rand([10]).toArray() as Float32Array;
  for (let i = 0; i < 10; i++) {
    const word = philox(BigInt(Math.floor(i / 4)), 42n)[i % 4];
    assert.equal(x[i], Math.fround((word >>> 8) * 2 ** -24), `element ${i}`);
  }
  // the counter advanced by ceil(10/4) = 3 blocks
  assert.equal(getRngState().counter, 3n);
});

test("manualSeed reproduces, state save/restore resumes", () => {
  manualSeed(7);
  const a = randn([100]).toArray();
  const saved = getRngState();
  const b = randn([50]).toArray();
  manualSeed(7);
  assert.deepEqual(randn([100]).toArray(), a);
  setRngState(saved);
  assert.deepEqual(randn([50]).toArray(), b);
});

test("distributions have the right moments", () => {
  manualSeed(1);
  const n = 1_000_000;
  const moments = (x: Float32Array) => {
    let s = 0, s2 = 0;
    for (const v of x) {
      s += v;
      s2 += v * v;
    }
    const mean = s / x.length;
    return [mean, s2 / x.length - mean * mean];
  };
  const [um, uv] = moments(uniform([n], -1, 3).toArray() as Float32Array);
  assert.ok(Math.abs(um - 1) < 0.01 && Math.abs(uv - 16 / 12) < 0.01, `uniform ${um} ${uv}`);
  const [nm, nv] = moments(normal([n], 2, 0.5).toArray() as Float32Array);
  assert.ok(Math.abs(nm - 2) < 0.005 && Math.abs(nv - 0.25) < 0.005, `normal ${nm} ${nv}`);
  const [bm] = moments(bernoulli([n], 0.3).toArray() as Float32Array);
  assert.ok(Math.abs(bm - 0.3) < 0.005, `bernoulli ${bm}`);
  const mask = bernoulli([1000], 0.5, { dtype: "u8" });
  assert.equal(mask.dtype, "u8");
  assert.ok([...mask.toArray()].every((v) => v === 0 || v === 1));
});

test("bad distribution parameters are refused", () => {
  assert.throws(() => bernoulli([3], 1.5), /bernoulli/);
  assert.throws(() => normal([3], 0, -1), /std|normal/);
  assert.throws(() => manualSeed(1.5), /integer/);
});
