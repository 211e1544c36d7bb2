/**
 * Layouts and sizes the PyTorch fixtures do not reach: strided (permuted, sliced) inputs, 16-bit
 * floats, and rows long enough to take the kernels' multi-threaded paths, each checked against
 * a plain-TypeScript reference or against the same op on a contiguous f32 copy.
 */
import { assert, assertClose, test } from "../harness.ts";
import {
  argsort,
  autocast,
  AUTOCAST_POLICY,
  cumprod,
  cumsum,
  isfinite,
  isinf,
  isnan,
  nanToNum,
  norm,
  randn,
  sort,
  std,
  tensor,
  topk,
  variance,
} from "../../mod.ts";

test("strided inputs give the same results as their contiguous copies", () => {
  const base = randn(5, 6, 7);
  const views = [base.permute(2, 0, 1), base.slice(1, 1, 6, 2), base.transpose(0, 2)];
  for (const v of views) {
    const c = v.contiguous();
    for (const dim of [0, 1, -1]) {
      assert.deepEqual(sort(v, dim, true).indices.toList(), sort(c, dim, true).indices.toList());
      assertClose(cumsum(v, dim).toArray() as Float32Array, cumsum(c, dim).toArray() as Float32Array);
      assertClose(cumprod(v, dim).toArray() as Float32Array, cumprod(c, dim).toArray() as Float32Array);
      assertClose(std(v, dim).toArray() as Float32Array, std(c, dim).toArray() as Float32Array);
      assertClose(norm(v, 3, dim).toArray() as Float32Array, norm(c, 3, dim).toArray() as Float32Array);
    }
  }
});

test("f16 and bf16 sort, cumsum and norm agree with f32 on values exact in 16 bits", () => {
  const x = tensor([[3, -1, 0.5, 2, -4], [1, 1, -2, 8, 0.25]], { dtype: "f32" });
  for (const dtype of ["f16", "bf16"] as const) {
    const h = x.to(dtype);
    assert.equal(sort(h).values.dtype, dtype);
    assert.deepEqual(sort(h).values.to("f32").toList(), sort(x).values.toList());
    assert.deepEqual(argsort(h, 1, true).toList(), argsort(x, 1, true).toList());
    assert.equal(cumsum(h, 1).dtype, dtype);
    assert.deepEqual(cumsum(h, 1).to("f32").toList(), cumsum(x, 1).toList());
    assertClose(norm(h, 2, 1).to("f32").toArray() as Float32Array, norm(x, 2, 1).toArray() as Float32Array, {
      rtol: 1e-2,
    });
    assertClose(variance(h, 1).to("f32").toArray() as Float32Array, variance(x, 1).toArray() as Float32Array, {
      rtol: 1e-2,
    });
  }
});

test("16-bit NaN tests and nanToNum use the 16-bit format's limits; 0-d inputs", () => {
  const x = tensor([NaN, Infinity, -Infinity, 1.5], { dtype: "f32" });
  assert.deepEqual(isnan(x.to("f16")).toList(), [1, 0, 0, 0]);
  assert.deepEqual(isinf(x.to("bf16")).toList(), [0, 1, 1, 0]);
  assert.deepEqual(isfinite(x.to("f16")).toList(), [0, 0, 0, 1]);
  // torch.nan_to_num: ±65504 for f16, ±3.3895e38 for bf16
  assert.deepEqual(nanToNum(x.to("f16")).to("f32").toList(), [0, 65504, -65504, 1.5]);
  assert.deepEqual(nanToNum(x.to("bf16")).to("f32").toList(), [0, 3.3895313892515355e38, -3.3895313892515355e38, 1.5]);
  const s = tensor(2, { dtype: "f32" });
  for (const k of [0, 1]) {
    const [v, i] = topk(s, k);
    assert.deepEqual([v.shape, v.item(), i.shape, i.item()], [[], 2, [], 0]);
  }
  assert.deepEqual([sort(s).values.item(), sort(s).indices.item()], [2, 0]);
  assert.equal(cumsum(s, -1).item(), 2);
});

test("long rows (multi-threaded kernels) match a TypeScript reference", () => {
  const n = 200_003;
  const x = randn(n);
  const values = Array.from(x.toArray() as Float32Array);
  // stable ascending order, by a comparison sort in TypeScript
  const order = [...values.keys()].sort((a, b) => values[a] - values[b] || a - b);
  assert.deepEqual(Array.from(argsort(x).toArray() as Int32Array), order);
  const [top, topIdx] = topk(x, 5);
  assert.deepEqual(Array.from(topIdx.toArray() as Int32Array), order.slice(-5).reverse());
  assert.deepEqual(Array.from(top.toArray() as Float32Array), order.slice(-5).reverse().map((i) => values[i]));
  // cumsum accumulates in f64 (PyTorch's CPU rule), then rounds each prefix to f32
  let acc = 0;
  const want = values.map((v) => Math.fround(acc += v));
  assertClose(cumsum(x, 0).toArray() as Float32Array, want, { rtol: 0, atol: 0 });
  // many short rows: 4096 rows of 64
  const rows = randn(4096, 64);
  const r = Array.from(rows.toArray() as Float32Array);
  const idx = argsort(rows, 1).toArray() as Int32Array;
  for (let i = 0; i < 4096; i += 511) {
    const row = r.slice(i * 64, i * 64 + 64);
    const o = [...row.keys()].sort((a, b) => row[a] - row[b] || a - b);
    assert.deepEqual(Array.from(idx.slice(i * 64, i * 64 + 64)), o, `row ${i}`);
  }
});

test("autocast: cumsum, cumprod and norm run in f32 (PyTorch's list); var and std keep the input dtype", () => {
  const x = randn(3, 4).to("bf16");
  autocast("bf16", () => {
    assert.equal(cumsum(x, 1).dtype, "f32");
    assert.equal(cumprod(x, 1).dtype, "f32");
    assert.equal(norm(x, 2, 1).dtype, "f32");
    assert.equal(variance(x, 1).dtype, "bf16");
    assert.equal(std(x, 1).dtype, "bf16");
  });
  for (const op of ["cumsum", "cumprod", "norm", "var", "std"]) assert.ok(op in AUTOCAST_POLICY, op);
});
