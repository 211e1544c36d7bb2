import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  arange,
  baddbmm,
  bmm,
  cdist,
  einsum,
  indexAdd,
  interpolate,
  type InterpolateOptions,
  ones,
  pad,
  type PadMode,
  randn,
  scatter,
  scatterAdd,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";

/** A case of tests/fixtures/ops_b.json (made by make_ops_b_fixtures.py). */
type Case = {
  inputs: EncodedArray[];
  out: EncodedArray;
  w?: EncodedArray;
  grads?: (EncodedArray | null)[];
  // deno-lint-ignore no-explicit-any
  [k: string]: any;
};
const fx = loadFixture<Record<string, Case & Case[]>>("ops_b.json");
const values = (t: Tensor) => Array.from(t.toArray() as ArrayLike<number>, Number);
const expected = (e: EncodedArray) => Array.from(decodeArray(e) as ArrayLike<number>, Number);

/** Runs `fn` on the case's inputs (floats require grad), checks the output and each gradient. */
function check(c: Case, fn: (...inputs: Tensor[]) => Tensor, tol = { rtol: 1e-5, atol: 1e-5 }, label = ""): void {
  const inputs = c.inputs.map((e) => {
    const t = decodeTensor(e);
    return t.dtype === "f32" ? t.requiresGrad_() : t;
  });
  const out = fn(...inputs);
  assert.deepEqual(out.shape, c.out.shape, `${label} shape`);
  assertClose(values(out), expected(c.out), { ...tol, message: `${label} output` });
  if (!c.w) return;
  out.backward(decodeTensor(c.w));
  c.grads!.forEach((g, i) => {
    if (g === null) return;
    assert.ok(inputs[i].grad, `${label} input ${i} got no gradient`);
    assertClose(values(inputs[i].grad!), expected(g), { ...tol, message: `${label} gradient of input ${i}` });
  });
}

test("pad: constant (with value, negative crops, 3 dims, empty), reflect, replicate, circular match PyTorch with gradients", () => {
  const names = Object.keys(fx).filter((k) => k.startsWith("pad_"));
  assert.equal(names.length, 10);
  for (const name of names) {
    const c = fx[name];
    check(c, (x) => pad(x, c.pad, c.mode as PadMode, c.value ?? 0), { rtol: 0, atol: 1e-6 }, name);
  }
});

test("pad: bad padding is a clear error (reflect limit, odd lengths, too many dims, modes, negative sizes)", () => {
  const x = randn(1, 2, 3);
  assert.throws(
    () => pad(x, [3, 0], "reflect"),
    /reflect padding \(3, 0\) of dimension 2 must be smaller than the dimension's size 3/,
  );
  assert.throws(() => pad(x, [0, 4], "circular"), /must be at most the dimension's size 3/);
  assert.throws(() => pad(x, [1]), /even number of integers/);
  assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1, 1, 1]), /pads 4 dims, but the input of shape \[1, 2, 3\] has only 3/);
  assert.throws(
    () => pad(x, [1, 1], "wrap" as PadMode),
    /invalid mode string "wrap"; it must be one of "constant", "reflect", "replicate", "circular"/,
  );
  assert.throws(() => pad(x, [-2, -2]), /leaves a negative size/);
  assert.throws(() => pad(randn(3), [1, 1], "reflect"), /pads the last 1 to 3 dims of a 2-d or 3-d input/);
  assert.throws(() => pad(x, [1, 1], "reflect", 2), /value 2 is only used by mode "constant"/);
  assert.throws(
    () => pad(zeros(2, 0), [1, 1], "replicate"),
    /replicate padding \(1, 1\) of dimension 1 needs a non-empty/,
  );
  assert.throws(() => pad(x, [1.5, 1]), /must hold integers/);
});

test("scatterAdd / scatter / indexAdd match PyTorch: duplicates, negative dims, index smaller than self, src larger", () => {
  for (const name of ["scatter_add_dim1", "scatter_add_dim_neg2", "scatter_add_small_index"]) {
    const c = fx[name];
    check(c, (x, src) => scatterAdd(x, c.dim, decodeTensor(c.index), src), { rtol: 1e-6, atol: 1e-6 }, name);
  }
  const big = fx.scatter_add_big_src;
  check(big, (x, src) => x.scatterAdd(big.dim, decodeTensor(big.index), src), { rtol: 1e-6, atol: 1e-6 }, "big src");
  const s = fx.scatter_src;
  check(s, (x, src) => scatter(x, s.dim, decodeTensor(s.index), src), { rtol: 0, atol: 1e-7 }, "scatter src");
  const v = fx.scatter_value;
  check(v, (x) => x.scatter(v.dim, decodeTensor(v.index), v.value), { rtol: 0, atol: 0 }, "scatter value");
  for (const name of ["index_add_dim0", "index_add_dim_neg1"]) {
    const c = fx[name];
    check(c, (x, src) => indexAdd(x, c.dim, decodeTensor(c.index), src, { alpha: c.alpha }), {
      rtol: 1e-6,
      atol: 1e-6,
    }, name);
  }
});

test("scatter family: empty index returns a copy; i32 and i64 indices agree; a scalar scatter keeps integer dtypes", () => {
  const x = randn(3, 4);
  const empty = scatterAdd(x, 1, zeros([3, 0], { dtype: "i64" }), zeros(3, 0));
  assert.deepEqual(values(empty), values(x));
  assert.notEqual(empty.storage, x.storage);
  assert.deepEqual(values(indexAdd(x, 0, zeros([0], { dtype: "i32" }), zeros(0, 4))), values(x));
  const idx = tensor([[0, 0, 3]]);
  const src = tensor([[1, 2, 4]], { dtype: "f32" });
  assert.deepEqual(
    values(scatterAdd(zeros(1, 4), 1, idx, src)),
    values(scatterAdd(zeros(1, 4), 1, idx.to("i64"), src)),
  );
  assert.deepEqual(values(scatterAdd(zeros(1, 4), 1, idx, src)), [3, 0, 0, 4]);
  const oneHot = scatter(zeros([2, 4], { dtype: "i64" }), 1, tensor([[1], [3]]), 1);
  assert.equal(oneHot.dtype, "i64");
  assert.deepEqual(values(oneHot), [0, 1, 0, 0, 0, 0, 0, 1]);
  // Duplicate positions with equal values write that value; different values are refused.
  assert.deepEqual(values(scatter(zeros(1, 3), 1, tensor([[2, 2]]), tensor([[0.1, 0.1]], { dtype: "f32" }))), [
    0,
    0,
    Math.fround(0.1),
  ]);
  assert.throws(
    () => scatter(zeros(1, 3), 1, tensor([[2, 0, 2]]), tensor([[5, 1, 6]], { dtype: "f32" })),
    /scatter: index writes different values to the same position along dimension 1/,
  );
});

test("scatter family: bad input is a clear error", () => {
  const x = randn(3, 4);
  assert.throws(
    () => scatterAdd(x, 1, tensor([[5]]), ones(1, 1)),
    /index 5 is out of bounds for dimension of size 4|out of range/,
  );
  assert.throws(() => scatterAdd(x, 1, tensor([[5]], { dtype: "i64" }), ones(1, 1)), /dimension 1 of size 4/);
  assert.throws(() => scatterAdd(x, 2, tensor([[0]]), ones(1, 1)), /dimension 2 out of range/);
  assert.throws(() => scatterAdd(x, 1, tensor([0]), ones(1)), /must have as many dims as self/);
  assert.throws(() => scatterAdd(x, 1, tensor([[0, 1, 2]]), ones(1, 2)), /no larger than src \[1, 2\]/);
  assert.throws(
    () => scatterAdd(x, 1, zeros([4, 1], { dtype: "i32" }), ones(4, 1)),
    /no larger than self \[3, 4\] \(except in dimension 1\)/,
  );
  assert.throws(() => scatterAdd(x, 1, tensor([[0]], { dtype: "f32" }), ones(1, 1)), /index must be an integer tensor/);
  assert.throws(() => scatterAdd(x, 1, tensor([[0]]), ones([1, 1], { dtype: "i32" })), /src dtype i32 differs/);
  assert.throws(() => scatter(x, 1, tensor([[0]]), "a" as unknown as number), /src must be a Tensor or a number/);
  assert.throws(() => indexAdd(x, 0, tensor([0, 1]), ones(3, 4)), /source of shape \[3, 4\] must have shape \[2, 4\]/);
  assert.throws(() => indexAdd(x, 0, tensor([[0]]), ones(1, 4)), /index must be 1-d/);
  assert.throws(() => indexAdd(x, 0, tensor([0]), ones(1, 4), { beta: 2 } as never), /beta/);
  assert.throws(() => indexAdd(x, 0, tensor([3]), ones(1, 4)), /out of bounds|out of range/);
  assert.throws(
    () => scatterAdd(zeros([3], { dtype: "i32" }), 0, tensor([0]), ones([1], { dtype: "i32" })),
    /f32, f16 or bf16/,
  );
});

test("bmm and baddbmm (beta, alpha, broadcast input) match PyTorch with gradients; shape errors are clear", () => {
  check(fx.bmm, (a, b) => bmm(a, b), { rtol: 1e-5, atol: 1e-5 }, "bmm");
  const c = fx.baddbmm;
  check(c, (i, a, b) => baddbmm(i, a, b, { beta: c.beta, alpha: c.alpha }), { rtol: 1e-5, atol: 1e-5 }, "baddbmm");
  assert.throws(() => bmm(randn(2, 3, 4), randn(3, 4, 5)), /batch sizes must be equal/);
  assert.throws(() => bmm(randn(3, 4), randn(4, 5)), /expected two 3-d tensors/);
  assert.throws(() => baddbmm(randn(3, 3), randn(2, 3, 4), randn(2, 4, 5)), /does not broadcast/);
  // beta = 0 ignores NaN in input, as PyTorch
  const nan = zeros(2, 3, 5).add(NaN);
  assert.ok(values(baddbmm(nan, randn(2, 3, 4), randn(2, 4, 5), { beta: 0 })).every(Number.isFinite));
});

test("einsum: matmul, batched, attention scores, dot, transpose, diagonal, outer, ellipsis, implicit output, chains", () => {
  const cases = fx.einsum as unknown as Case[];
  assert.equal(cases.length, 13);
  for (const c of cases) check(c, (...ops) => einsum(c.equation, ...ops), { rtol: 1e-5, atol: 1e-5 }, c.equation);
});

test("einsum: unsupported or inconsistent subscripts are clear errors", () => {
  const a = randn(2, 3);
  assert.throws(() => einsum("ij,jk->ik", a, randn(4, 5)), /subscript j has sizes 3 and 4/);
  assert.throws(() => einsum("ij->k", a), /output subscript k .* does not appear/);
  assert.throws(() => einsum("ij->ii", a), /repeat a letter/);
  assert.throws(() => einsum("i1->i", a), /invalid character "1"/);
  assert.throws(() => einsum("ijk->i", a), /has 3 subscripts but operand 0 has 2 dims/);
  assert.throws(() => einsum("ij,jk->ik", a), /2 operand terms but 1 tensors/);
  assert.throws(() => einsum("ii->i", a), /subscript i has sizes 2 and 3 in "ii->i"/);
  assert.throws(() => einsum("i->i->i", a), /more than one "->"/);
  assert.throws(() => einsum("...i...->i", a), /more than one "\.\.\."/);
});

test("cdist p = 2 (with equal rows), 1, 3, inf, 0 matches PyTorch with gradients", () => {
  for (const p of ["2.0", "1.0", "3.0", "inf", "0.0"]) {
    const c = fx[`cdist_${p}`];
    const pv = p === "inf" ? Infinity : Number(p);
    check(c, (a, b) => cdist(a, b, pv), { rtol: 1e-4, atol: 1e-4 }, `cdist p=${p}`);
  }
  assert.throws(() => cdist(randn(3, 4), randn(3, 5)), /same M/);
  assert.throws(() => cdist(randn(3, 4), randn(3, 4), -1), /invalid p -1; it must be a number >= 0/);
});

test("interpolate: nearest (size, x2, fractional scale), nearest-exact, bilinear both alignCorners, scaleFactor, linear", () => {
  const names = Object.keys(fx).filter((k) => k.startsWith("interpolate_"));
  assert.equal(names.length, 11);
  for (const name of names) {
    const c = fx[name];
    const kw = c.options;
    const options: InterpolateOptions = { mode: kw.mode };
    if (kw.size !== undefined) options.size = kw.size;
    if (kw.scale_factor !== undefined) options.scaleFactor = kw.scale_factor;
    if (kw.align_corners !== undefined) options.alignCorners = kw.align_corners;
    if (kw.recompute_scale_factor !== undefined) options.recomputeScaleFactor = kw.recompute_scale_factor;
    check(c, (x) => interpolate(x, options), { rtol: 1e-5, atol: 1e-5 }, name);
  }
});

test("interpolate: bad options are clear errors", () => {
  const x = randn(1, 1, 4, 4);
  assert.throws(() => interpolate(x, { size: 2, scaleFactor: 2 }), /exactly one of size and scaleFactor/);
  assert.throws(() => interpolate(x, {}), /exactly one of size and scaleFactor/);
  assert.throws(
    () => interpolate(x, { size: 2, alignCorners: true }),
    /alignCorners can only be set with the interpolating modes/,
  );
  assert.throws(() => interpolate(x, { size: 2, mode: "linear" }), /"linear" expects 3-d \[N, C, W\] input/);
  assert.throws(() => interpolate(randn(1, 4), { size: 2 }), /expects 3-d or 4-d input/);
  assert.throws(() => interpolate(x, { size: [2, 2, 2] }), /size must be a number or 2 numbers/);
  assert.throws(() => interpolate(x, { scaleFactor: 0.1 }), /gives an empty output/);
  assert.throws(() => interpolate(x, { size: 2, mode: "bicubic" as never }), /invalid mode string "bicubic"/);
  assert.throws(() => interpolate(x, { size: 2, antialias: true } as never), /antialias/);
  assert.throws(
    () => interpolate(arange(4).reshape(1, 1, 2, 2), { size: 3 }),
    /expected an f32, f16 or bf16 tensor, got i32/,
  );
});

test("empty tensors: bmm, einsum, cdist, interpolate, pad and indexAdd give PyTorch's empty shapes and empty gradients", () => {
  const a = randn(0, 2, 3).requiresGrad_();
  const out = bmm(a, randn(0, 3, 4));
  assert.deepEqual(out.shape, [0, 2, 4]);
  out.sum().backward();
  assert.deepEqual(a.grad!.shape, [0, 2, 3]);
  assert.deepEqual(einsum("ij,jk->ik", zeros(2, 0), zeros(0, 3)).toList(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(einsum("bij,bjk->bik", zeros(0, 2, 3), zeros(0, 3, 4)).shape, [0, 2, 4]);
  assert.deepEqual(cdist(zeros(0, 3), randn(4, 3)).shape, [0, 4]);
  assert.deepEqual(interpolate(zeros(0, 2, 3, 3), { scaleFactor: 2, mode: "bilinear" }).shape, [0, 2, 6, 6]);
  assert.deepEqual(pad(zeros(0, 2, 3), [1, 1], "reflect").shape, [0, 2, 5]);
  assert.deepEqual(indexAdd(zeros(0, 3), 1, tensor([2, 0]), zeros(0, 2)).shape, [0, 3]);
});

test("f16/bf16: pad, interpolate, scatterAdd, indexAdd run in f32 and round once (values and gradients)", () => {
  const x = randn(1, 2, 4, 5);
  for (const dtype of ["f16", "bf16"] as const) {
    const h = x.to(dtype).requiresGrad_();
    const ref = h.detach().to("f32").requiresGrad_();
    const ops: [string, (t: Tensor) => Tensor][] = [
      ["reflect pad", (t) => pad(t, [2, 1, 1, 2], "reflect")],
      ["bilinear", (t) => interpolate(t, { size: [7, 3], mode: "bilinear" })],
      ["scatterAdd", (t) => scatterAdd(t, 3, zeros([1, 2, 4, 3], { dtype: "i32" }).add(2), t.narrow(3, 0, 3))],
      ["indexAdd", (t) => indexAdd(t, 2, tensor([3, 3]), t.narrow(2, 0, 2))],
    ];
    for (const [name, op] of ops) {
      h.grad = null;
      ref.grad = null;
      const out = op(h);
      assert.equal(out.dtype, dtype, name);
      const expectedOut = op(ref);
      assertClose(values(out.to("f32")), values(expectedOut.to(dtype).to("f32")), { rtol: 0, atol: 0, message: name });
      out.sum().backward();
      expectedOut.sum().backward();
      assertClose(values(h.grad!.to("f32")), values(ref.grad!), { rtol: 1e-2, atol: 1e-2, message: `${name} grad` });
    }
  }
});
