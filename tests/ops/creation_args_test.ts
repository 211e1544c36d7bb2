import { assert, test } from "../harness.ts";
import { empty, full, manualSeed, ones, rand, randn, zeros } from "../../mod.ts";

const same = (a: { shape: readonly number[]; dtype: string; toArray(): unknown }, b: typeof a) => {
  assert.deepEqual(a.shape, b.shape);
  assert.equal(a.dtype, b.dtype);
  assert.deepEqual(a.toArray(), b.toArray());
};

test("creation functions take sizes as varargs or as one array, with options last (PyTorch)", () => {
  same(zeros(3, 4), zeros([3, 4]));
  same(zeros(2, 3, { dtype: "i32" }), zeros([2, 3], { dtype: "i32" }));
  assert.equal(zeros(2, 3, { dtype: "i32" }).dtype, "i32");
  same(ones(2, 1, 3), ones([2, 1, 3]));
  assert.deepEqual([...(ones(2, 2, { dtype: "f64" }).toArray() as Float64Array)], [1, 1, 1, 1]);
  same(empty(4, 0), empty([4, 0]));
  assert.deepEqual(empty(2, { dtype: "u8" }).shape, [2]);
  assert.deepEqual(zeros(5).shape, [5]);
  assert.deepEqual(zeros([]).shape, []);
  for (const f of [rand, randn]) {
    manualSeed(7);
    const a = f(3, 4);
    manualSeed(7);
    same(a, f([3, 4]));
    manualSeed(7);
    const h = f(3, 4, { dtype: "bf16" });
    assert.equal(h.dtype, "bf16");
    assert.deepEqual(h.shape, [3, 4]);
  }
});

test("full: the last number is the fill value in the varargs form", () => {
  same(full(2, 3, 7), full([2, 3], 7));
  assert.deepEqual([...(full(2, 3, 7).toArray() as Float32Array)], [7, 7, 7, 7, 7, 7]);
  assert.deepEqual(full(4, 1.5).shape, [4]);
  same(full(2, 2, -3, { dtype: "i32" }), full([2, 2], -3, { dtype: "i32" }));
  assert.throws(() => full(5), /full: expected the sizes then the fill value, got 1 number/);
  assert.throws(() => (full as (...a: unknown[]) => unknown)([2, 2]), /full: missing the fill value/);
  assert.throws(() => (full as (...a: unknown[]) => unknown)(2, 2, 1, { dtpe: "f32" }), /full: unknown option "dtpe"/);
});

test("creation size errors name the function and both accepted forms", () => {
  const anyZeros = zeros as (...a: unknown[]) => unknown;
  assert.throws(() => anyZeros(), /zeros: missing the size; call zeros\(3, 4\) or zeros\(\[3, 4\]\)/);
  assert.throws(() => anyZeros(3, "4"), /zeros: options must be an object/);
  assert.throws(() => anyZeros(3, "4", {}), /zeros: size 1 must be an integer, got/);
  assert.throws(() => anyZeros([3, 4], 5), /zeros: options must be an object/);
  assert.throws(() => anyZeros([3, 4], {}, {}), /zeros: after the size array only an options object may follow/);
  assert.throws(() => zeros(3, -1), /zeros: invalid size -1/);
  assert.throws(() => zeros(2.5), /zeros: invalid size 2.5/);
  assert.throws(() => randn(2, 2, { dtype: "i32" }), /randn: dtype must be a float dtype/);
  assert.throws(() => (rand as (...a: unknown[]) => unknown)(2, { size: 3 }), /rand: unknown option "size"/);
});
