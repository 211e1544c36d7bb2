import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { arange, clamp, type Tensor, tensor, where, zeros } from "../../mod.ts";

interface BinaryCase {
  op: string;
  a: EncodedArray;
  b: EncodedArray;
  out: EncodedArray;
}
interface UnaryCase {
  op: string;
  x: EncodedArray;
  out: EncodedArray;
  min?: number;
  max?: number;
}
const fixture = loadFixture<{ binary: BinaryCase[]; unary: UnaryCase[] }>("tensor_ops.json");

test("binary ops with broadcasting equal PyTorch", () => {
  for (const c of fixture.binary) {
    const a = decodeTensor(c.a);
    const b = decodeTensor(c.b);
    const out = (a as unknown as Record<string, (o: Tensor) => Tensor>)[c.op](b);
    const name = `${c.op} ${a.dtype}${JSON.stringify(a.shape)} ${JSON.stringify(b.shape)}`;
    assert.deepEqual(out.shape, c.out.shape, name);
    assert.equal(out.dtype, c.out.dtype, name);
    assertClose(Array.from(out.toArray() as ArrayLike<number>), Array.from(decodeArray(c.out) as ArrayLike<number>), {
      message: name,
    });
  }
});

test("binary ops on non-contiguous views", () => {
  const x = arange(12, undefined, 1, { dtype: "f32" }).view(3, 4);
  const y = x.t(); // [4, 3], strides [1, 4]
  assert.deepEqual(y.add(y).toList(), [[0, 8, 16], [2, 10, 18], [4, 12, 20], [6, 14, 22]]);
  assert.deepEqual(x.slice(1, 0, 4, 2).mul(x.slice(1, 1, 4, 2)).toList(), [[0, 6], [20, 42], [72, 110]]);
});

const UNARY_METHOD: Record<string, (x: Tensor, c: UnaryCase) => Tensor> = {
  clamp: (x, c) => x.clamp(c.min, c.max),
  pow3: (x) => x.pow(3),
  add_scalar: (x) => x.add(0.1),
  mul_scalar: (x) => x.mul(0.3),
  sub_scalar: (x) => x.sub(0.7),
  div_scalar: (x) => x.div(3),
};

test("unary ops and scalar arithmetic equal PyTorch, including inf/NaN/large inputs", () => {
  for (const c of fixture.unary) {
    const x = decodeTensor(c.x);
    const run = UNARY_METHOD[c.op] ?? ((t: Tensor) => (t as unknown as Record<string, () => Tensor>)[c.op]());
    const out = run(x, c);
    assertClose(out.toArray() as Float32Array, decodeArray(c.out) as Float32Array, { message: c.op });
  }
});

test("type promotion follows PyTorch", () => {
  const i = tensor([1, 2, 3]);
  const f = tensor([0.5, 0.5, 0.5]);
  assert.equal(i.add(f).dtype, "f32");
  assert.equal(i.add(1).dtype, "i32");
  assert.equal(i.add(1.5).dtype, "f32");
  assert.deepEqual(i.add(1.5).toList(), [2.5, 3.5, 4.5]);
  assert.equal(i.div(2).dtype, "f32");
  assert.deepEqual(i.div(2).toList(), [0.5, 1, 1.5]);
  assert.equal(i.gt(1).dtype, "u8");
  assert.equal(tensor([true, false]).add(tensor([1, 1])).dtype, "i32");
  assert.deepEqual(i.exp().dtype, "f32");
});

test("where and clamp", () => {
  const x = tensor([-1, 0.5, 2], { dtype: "f32" });
  assert.deepEqual(where(x.gt(0), x, 0).toList(), [0, 0.5, 2]);
  assert.deepEqual(x.where(x.lt(1), tensor([9], { dtype: "f32" })).toList(), [-1, 0.5, 9]);
  assert.deepEqual(where(tensor([[1], [0]], { dtype: "u8" }), x, x.neg()).toList(), [[-1, 0.5, 2], [1, -0.5, -2]]);
  assert.deepEqual(clamp(x, 0).toList(), [0, 0.5, 2]);
  assert.deepEqual(x.clamp(undefined, 1).toList(), [-1, 0.5, 1]);
  assert.deepEqual(tensor([-5, 5, 0]).clamp(-1, 1).toList(), [-1, 1, 0]);
  assert.throws(() => x.clamp(), /at least one of min and max/);
});

test("broadcast errors name the op and both shapes", () => {
  assert.throws(() => zeros([2, 3]).add(zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  assert.throws(() => zeros([2, 3]).lt(zeros([3, 2])), /lt: shapes \[2, 3\] and \[3, 2\]/);
});

test("division by zero gives IEEE results as PyTorch (ints divide as floats)", () => {
  const out = tensor([1, -1, 0]).div(0).toArray() as Float32Array;
  assert.deepEqual([out[0], out[1]], [Infinity, -Infinity]);
  assert.ok(Number.isNaN(out[2]));
});

test("element-wise kernels on large tensors (threaded path) equal the small path", () => {
  const n = 1 << 20;
  const x = arange(n, undefined, 1, { dtype: "f32" }).mul(1e-5);
  const y = x.exp().add(x);
  const expect = x.slice(0, 0, 1000).exp().add(x.slice(0, 0, 1000));
  assertClose(y.slice(0, 0, 1000).toArray() as Float32Array, expect.toArray() as Float32Array);
  const tail = x.slice(0, n - 1000).exp().add(x.slice(0, n - 1000));
  assertClose(y.slice(0, n - 1000).toArray() as Float32Array, tail.toArray() as Float32Array);
});
