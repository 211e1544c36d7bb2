import { assert, test } from "../harness.ts";
import { arange, eye, full, ones, type Tensor, tensor, zeros } from "../../mod.ts";

test("creation: shape, dtype, values", () => {
  assert.deepEqual(zeros([2, 3]).toList(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(ones([2], { dtype: "i32" }).toList(), [1, 1]);
  assert.equal(ones([2], { dtype: "i32" }).dtype, "i32");
  assert.deepEqual(full([2, 2], 7.5).toList(), [[7.5, 7.5], [7.5, 7.5]]);
  assert.deepEqual(arange(5).toList(), [0, 1, 2, 3, 4]);
  assert.equal(arange(5).dtype, "i32");
  assert.deepEqual(arange(1, 2, 0.25).toList(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(arange(5, 0, -2).toList(), [5, 3, 1]);
  assert.deepEqual(eye(2, 3).toList(), [[1, 0, 0], [0, 1, 0]]);
  assert.equal(tensor([[1.5, 2], [3, 4]]).dtype, "f32");
  assert.equal(tensor([1, 2]).dtype, "i32");
  assert.equal(tensor([true, false]).dtype, "u8");
  assert.deepEqual(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).shape, [2, 3]);
  assert.equal(tensor(3.5).item(), 3.5);
  assert.deepEqual(tensor(3.5).shape, []);
});

test("storage is 64-byte aligned", async () => {
  const { addressOf } = await import("../../src/native/library.ts");
  for (let i = 1; i < 50; i++) {
    const t = zeros([i * 3]);
    assert.equal(addressOf(t.storage.bytes) % 64n, 0n);
  }
});

test("creation errors name the problem", () => {
  assert.throws(() => zeros([2, -1]), /invalid size -1 in shape \[2, -1\]/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => tensor(new Float32Array(5), { shape: [2, 3] }), /needs 6 elements, the data has 5/);
  assert.throws(() => arange(0, 5, 0), /step non-zero/);
  assert.throws(() => zeros([2], { dtype: "f8" as never }), /unknown dtype "f8"/);
});

test("views share storage and follow PyTorch's rules", () => {
  const x = arange(24, undefined, 1, { dtype: "f32" }).view(2, 3, 4);
  assert.deepEqual(x.strides, [12, 4, 1]);
  assert.deepEqual(x.view(-1, 8).shape, [3, 8]);
  assert.deepEqual(x.view([6, -1]).shape, [6, 4]);
  const p = x.permute(2, 0, 1);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.strides, [1, 12, 4]);
  assert.equal(p.isContiguous(), false);
  assert.deepEqual(p.contiguous().toArray().slice(0, 6), new Float32Array([0, 4, 8, 12, 16, 20]));
  assert.throws(() => p.view(-1), /cannot view a tensor of shape \[4, 2, 3\].*use reshape/);
  assert.deepEqual(p.reshape(-1).shape, [24]);
  assert.deepEqual(x.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(x.slice(2, 1, 3).toList(), [[[1, 2], [5, 6], [9, 10]], [[13, 14], [17, 18], [21, 22]]]);
  assert.deepEqual(x.slice(1, -2).shape, [2, 2, 4]);
  assert.deepEqual(x.slice(2, 0, 4, 2).select(0, 1).toList(), [[12, 14], [16, 18], [20, 22]]);
  assert.deepEqual(x.narrow(0, 1, 1).shape, [1, 3, 4]);
  assert.throws(() => x.narrow(0, 1, 5), /exceed dimension 0 of size 2/);
  assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 3, 4]);
  assert.deepEqual(x.unsqueeze(-1).shape, [2, 3, 4, 1]);
  assert.deepEqual(x.unsqueeze(1).squeeze().shape, [2, 3, 4]);
  assert.deepEqual(x.unsqueeze(1).squeeze(1).shape, [2, 3, 4]);
  const col = tensor([[1], [2]], { dtype: "f32" });
  assert.deepEqual(col.expand(2, 3).toList(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(col.expand(4, -1, 3).shape, [4, 2, 3]);
  assert.throws(() => x.expand(3, 3, 4), /cannot be expanded/);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten().shape, [24]);
  // a view of a view of a transposed tensor (split of a contiguous group)
  const t = arange(12, undefined, 1, { dtype: "f32" }).view(3, 4).t(); // [4,3] strides [1,4]
  assert.deepEqual(t.view(2, 2, 3).strides, [2, 1, 4]);
  assert.throws(() => x.permute(0, 1), /not a permutation/);
  assert.throws(() => x.transpose(0, 3), /dimension 3 out of range for a 3-d tensor/);
});

test("the seed's inputs.view([-1, 784]) on a [B, 1, 28, 28] batch", () => {
  const batch = zeros([64, 1, 28, 28]);
  assert.deepEqual(batch.view([-1, 784]).shape, [64, 784]);
  assert.throws(
    () => zeros([3, 5]).view([-1, 4]),
    /shape \[-1, 4\] is invalid for a tensor of shape \[3, 5\] \(15 elements\)/,
  );
});

test("writes through copy_ reach every view of the storage", () => {
  const x = zeros([3, 4]);
  x.slice(1, 1, 3).copy_(tensor([[1, 2]], { dtype: "f32" }));
  assert.deepEqual(x.toList(), [[0, 1, 2, 0], [0, 1, 2, 0], [0, 1, 2, 0]]);
});

test("reading values: item, toArray, toList, iteration, toString", () => {
  const x = tensor([[1, 2], [3, 4]], { dtype: "f32" });
  assert.ok(x.toArray() instanceof Float32Array);
  assert.deepEqual([...x.t().toArray()], [1, 3, 2, 4]);
  assert.throws(() => x.item(), /only one-element tensors/);
  assert.equal(x.select(1, 1).select(0, 1).item(), 4);
  assert.deepEqual([...x.select(0, 0)], [1, 2]);
  const rows = [...x] as Tensor[];
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[1].toList(), [3, 4]);
  assert.equal(x.toString(), "tensor([[1., 2.],\n        [3., 4.]], dtype=f32)"); // PyTorch's integer notation
  assert.equal(tensor([1, 2, 3]).toString(), "tensor([1, 2, 3], dtype=i32)");
  assert.equal(
    arange(1001, 3001, 1, { dtype: "f32" }).toString(),
    "tensor([1001., 1002., 1003.,  ..., 2998., 2999., 3000.], dtype=f32)",
  );
  assert.equal(tensor(2.5).toString(), "tensor(2.5000, dtype=f32)");
});

test("dtype conversion follows PyTorch (truncation toward zero, u8 wraps)", () => {
  const x = tensor([-2.7, -0.5, 0.5, 2.7, 300], { dtype: "f32" });
  assert.deepEqual(x.to("i32").toList(), [-2, 0, 0, 2, 300]);
  assert.deepEqual(tensor([-1, 256, 257], { dtype: "i32" }).to("u8").toList(), [255, 0, 1]);
  assert.deepEqual(tensor([1, 2], { dtype: "i32" }).to("f32").toArray(), new Float32Array([1, 2]));
});
