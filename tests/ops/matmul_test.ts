import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { matmul, randn, type Tensor, tensor, zeros } from "../../mod.ts";

interface GemmCase {
  m: number;
  k: number;
  n: number;
  a: EncodedArray;
  b: EncodedArray;
  c: EncodedArray;
}
const fixture = loadFixture<
  { gemm: GemmCase[]; batched_matmul: { a: EncodedArray; b: EncodedArray; c: EncodedArray }[] }
>(
  "tensor_ops.json",
);

/** The same logical matrix laid out four ways: contiguous, transposed storage, strided rows, sliced columns. */
function layouts(x: Tensor): Record<string, Tensor> {
  const [r, c] = x.shape;
  const padded = zeros([r, c + 3]);
  padded.slice(1, 1, c + 1).copy_(x);
  const every2 = zeros([r * 2, c]);
  every2.slice(0, 0, r * 2, 2).copy_(x);
  return {
    contiguous: x,
    transposedStorage: x.t().contiguous().t(),
    paddedRows: padded.slice(1, 1, c + 1),
    rowStep2: every2.slice(0, 0, r * 2, 2),
  };
}

test("GEMM equals PyTorch on 30 shapes, every transpose/stride combination", () => {
  for (const g of fixture.gemm) {
    const a = decodeTensor(g.a);
    const b = decodeTensor(g.b);
    const expected = decodeArray(g.c) as Float32Array;
    for (const [an, av] of Object.entries(layouts(a))) {
      for (const [bn, bv] of Object.entries(layouts(b))) {
        const c = matmul(av, bv);
        assert.deepEqual(c.shape, [g.m, g.n]);
        assertClose(c.toArray() as Float32Array, expected, {
          rtol: 1e-4,
          atol: 1e-5,
          message: `${g.m}x${g.k}x${g.n} A:${an} B:${bn}`,
        });
      }
    }
  }
});

test("batched and 1-d matmul broadcast like torch.matmul", () => {
  for (const g of fixture.batched_matmul) {
    const c = matmul(decodeTensor(g.a), decodeTensor(g.b));
    assert.deepEqual(c.shape, g.c.shape);
    assertClose(c.toArray() as Float32Array, decodeArray(g.c) as Float32Array, {
      rtol: 1e-4,
      atol: 1e-5,
      message: `${g.a.shape}@${g.b.shape}`,
    });
  }
});

function referenceMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
  return c;
}

test("GEMM on large and skinny shapes equals an f64 reference", () => {
  const shapes = [[255, 256, 257], [257, 255, 256], [256, 257, 255], [1024, 16, 8], [8, 1024, 16], [3, 2000, 5], [
    300,
    1,
    300,
  ], [129, 300, 65]];
  for (const [m, k, n] of shapes) {
    const a = randn([m, k]);
    const b = randn([k, n]);
    const expected = referenceMatmul(a.toArray() as Float32Array, b.toArray() as Float32Array, m, k, n);
    // f32 accumulation over k terms of unit variance: error grows like sqrt(k)·eps.
    const atol = 1e-5 * Math.sqrt(k) * 4;
    assertClose(matmul(a, b).toArray() as Float32Array, expected, { rtol: 1e-4, atol, message: `${m}x${k}x${n}` });
    assertClose(matmul(a.t().contiguous().t(), b.t().contiguous().t()).toArray() as Float32Array, expected, {
      rtol: 1e-4,
      atol,
      message: `${m}x${k}x${n} TT`,
    });
  }
});

test("GEMM is bit-identical run after run", () => {
  const a = randn([200, 300]);
  const b = randn([300, 100]);
  const first = matmul(a, b).toArray();
  for (let i = 0; i < 3; i++) assert.deepEqual(matmul(a, b).toArray(), first);
});

test("matmul errors name both shapes", () => {
  assert.throws(
    () => matmul(zeros([2, 3]), zeros([4, 5])),
    /matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 != 4\)/,
  );
  assert.throws(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), /cannot be broadcast/);
  assert.throws(() => matmul(tensor(1.5), zeros([2])), /at least 1 dimension/);
  assert.throws(
    () => matmul(zeros([2, 2], { dtype: "i32" }), zeros([2, 2])),
    /expected two f32, f16 or bf16 tensors of the same dtype, got i32 and f32/,
  );
  assert.throws(() => matmul(zeros([2, 2], { dtype: "f16" }), zeros([2, 2])), /same dtype, got f16 and f32/);
  assert.deepEqual(matmul(zeros([3, 0]), zeros([0, 2])).toList(), [[0, 0], [0, 0], [0, 0]]);
});
