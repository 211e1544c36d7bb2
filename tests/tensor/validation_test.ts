/**
 * Inputs that used to change meaning silently (issue "Reliability"): each now gives PyTorch's
 * answer (tests/fixtures/reliability.json, made by make_reliability_fixtures.py) or a clear error.
 */
import { assert, assertClose, test } from "../harness.ts";
import { CrossEntropyLoss, type DType, full, NLLLoss, ones, Tensor, tensor, zeros } from "../../mod.ts";
import { loadFixture } from "../fixtures/load.ts";

interface Fixture {
  logits: number[][];
  targets: number[];
  crossEntropy: { ignoreIndex: number; loss: number; nll: number }[];
  intSums: { values: number[]; sum: number }[];
  fullStores: { value: number | "NaN"; dtype: DType; refused: boolean }[];
}
const fixture = loadFixture<Fixture>("reliability.json");

test("tensor(nested, { shape }) takes the shape when the element count matches and refuses it otherwise", () => {
  const t = tensor([1, 2, 3, 4], { shape: [2, 2] });
  assert.deepEqual(t.shape, [2, 2]);
  assert.deepEqual(Array.from(t.toArray() as Int32Array), [1, 2, 3, 4]);
  assert.deepEqual(tensor([[1, 2], [3, 4]], { shape: [4] }).shape, [4]);
  assert.throws(
    () => tensor([1, 2, 3, 4], { shape: [3] }),
    /shape \[3\] needs 3 elements, the data \(shape \[4\]\) has 4/,
  );
  assert.throws(() => tensor([[1, 2], [3, 4]], { shape: [2, 3] }), /shape \[2, 3\] needs 6 elements/);
});

test("numbers that do not fit a dtype are refused where PyTorch refuses them (full), never wrapped", () => {
  for (const { value, dtype, refused } of fixture.fullStores) {
    const v = value === "NaN" ? NaN : value;
    if (refused) {
      assert.throws(() => full([2], v, { dtype }), new RegExp(`full: .*(cannot be stored as|overflows) ${dtype}`));
    } else {
      const stored = full([2], v, { dtype }).to("f64").toArray()[0] as number;
      if (dtype === "i32" || dtype === "u8") assert.equal(stored, Math.trunc(v));
      else {assert.ok(
          Number.isFinite(stored) && Math.abs(stored - v) <= Math.abs(v) * 2 ** -10,
          `${v} as ${dtype} gave ${stored}`,
        );}
    }
  }
  assert.throws(() => tensor([3e9], { dtype: "i32" }), /tensor: 3000000000 cannot be stored as i32/);
  assert.throws(() => tensor([NaN], { dtype: "i32" }), /tensor: NaN cannot be stored as i32/);
  assert.throws(() => tensor([256], { dtype: "u8" }), /cannot be stored as u8/);
  assert.throws(() => tensor([-1], { dtype: "u8" }), /cannot be stored as u8/);
  assert.throws(() => tensor(new Float32Array([1e10]), { dtype: "i32" }), /cannot be stored as i32/);
  assert.throws(() => tensor(new BigInt64Array([1n << 40n]), { dtype: "i32" }), /cannot be stored as i32/);
  assert.throws(() => tensor([1, 2], { dtype: "i32" }).add(3e9), /3000000000 cannot be stored as i32/);
  assert.throws(() => tensor([1, 2], { dtype: "i32" }).fill_(2 ** 31), /fill_: 2147483648 cannot be stored as i32/);
  assert.throws(() => zeros([2]).fill_(1e39), /fill_: 1e\+39 overflows f32/);
  // In range, fractional values truncate toward zero as PyTorch's conversion does.
  assert.deepEqual(Array.from(tensor([2.7, -2.7, 2 ** 31 - 1], { dtype: "i32" }).toArray() as Int32Array), [
    2,
    -2,
    2 ** 31 - 1,
  ]);
  // Mixing a fractional number with an int tensor still promotes to f32, no check needed.
  assert.deepEqual(Array.from(tensor([1], { dtype: "i32" }).add(2.5).toArray() as Float32Array), [3.5]);
});

test("integer sums accumulate in 64 bits: PyTorch's totals, and an error when the total leaves i32", () => {
  for (const { values, sum } of fixture.intSums) {
    const t = tensor(values, { dtype: "i32" });
    if (sum >= -(2 ** 31) && sum < 2 ** 31) {
      assert.equal(t.sum().item(), sum);
      assert.equal(t.sum().dtype, "i32");
    } else {
      assert.throws(() => t.sum(), new RegExp(`sum: the integer result ${sum} does not fit i32`));
    }
  }
  assert.throws(() => full([3], 2 ** 30, { dtype: "i32" }).sum().item(), /3221225472 does not fit i32/);
  assert.throws(
    () => full([2], 2 ** 16, { dtype: "i32" }).prod(),
    /prod: the integer result 4294967296 does not fit i32/,
  );
  // Per-dimension sums too, and bytes (u8 sums once wrapped at 255 in a u8 result).
  assert.deepEqual(
    Array.from(full([2, 3], 2 ** 30, { dtype: "i32" }).sub(2 ** 30 - 1).sum(1).toArray() as Int32Array),
    [3, 3],
  );
  assert.equal(full([1000], 255, { dtype: "u8" }).sum().item(), 255_000);
});

test("in-place ops refuse to write into memory several elements share (expand), as PyTorch", () => {
  const ops: [string, (t: Tensor) => unknown][] = [
    ["add_", (t) => t.add_(ones([4]))],
    ["sub_", (t) => t.sub_(1)],
    ["mul_", (t) => t.mul_(2)],
    ["div_", (t) => t.div_(2)],
    ["fill_", (t) => t.fill_(1)],
    ["zero_", (t) => t.zero_()],
    ["copy_", (t) => t.copy_(ones([4]))],
  ];
  for (const [name, op] of ops) {
    const base = zeros([1]);
    const expanded = base.expand([4]);
    assert.throws(
      () => op(expanded),
      new RegExp(
        `${
          name === "zero_" ? "fill_" : name
        }: more than one element of the written-to tensor refers to a single memory location`,
      ),
    );
    assert.equal(base.toArray()[0], 0, `${name} wrote before refusing`);
  }
  // A broadcast dim of size 1 shares nothing: allowed.
  const one = zeros([1, 3]).expand([1, 3]);
  one.add_(1);
  assert.deepEqual(Array.from(one.toArray() as Float32Array), [1, 1, 1]);
});

test("ignoreIndex: any integer (PyTorch's int64) gives PyTorch's loss; a non-integer is refused", () => {
  const x = tensor(fixture.logits);
  const y = tensor(fixture.targets, { dtype: "i32" });
  for (const { ignoreIndex, loss, nll } of fixture.crossEntropy) {
    assertClose([new CrossEntropyLoss({ ignoreIndex }).compute(x, y).item()], [loss], {
      rtol: 1e-6,
      message: `ignoreIndex ${ignoreIndex}`,
    });
    assertClose([new NLLLoss({ ignoreIndex }).compute(x.logSoftmax(1), y).item()], [nll], {
      rtol: 1e-6,
      message: `NLL ignoreIndex ${ignoreIndex}`,
    });
  }
  for (const bad of [2.5, NaN, Infinity, 2 ** 60, "1"]) {
    assert.throws(
      () => new CrossEntropyLoss({ ignoreIndex: bad as number }),
      /CrossEntropyLoss: ignoreIndex must be an integer/,
    );
    assert.throws(() => new NLLLoss({ ignoreIndex: bad as number }), /NLLLoss: ignoreIndex must be an integer/);
  }
});

test("new Tensor(storage, …) refuses views that leave their storage or have malformed geometry", () => {
  const t = zeros([4]);
  const s = t.storage;
  const make = (shape: unknown, strides: unknown, offset: unknown, dtype: unknown = "f32", storage: unknown = s) =>
    new Tensor(storage as typeof s, shape as number[], strides as number[], offset as number, dtype as DType);
  assert.throws(() => make([8], [1], 0), /reaches element 7, past the end of its storage \(4 f32 elements\)/);
  assert.throws(() => make([2], [1], 3), /reaches element 4, past the end/);
  assert.throws(() => make([2], [1], 0, "f64", zeros([1]).storage), /past the end of its storage \(0 f64 elements\)/);
  assert.throws(() => make([2], [1], NaN), /offset must be a non-negative integer, got NaN/);
  assert.throws(() => make([2], [1], 1.5), /offset must be a non-negative integer, got 1.5/);
  assert.throws(() => make([2], [1], -1), /offset must be a non-negative integer/);
  assert.throws(() => make([2.5], [1], 0), /shape must be an array of non-negative integers/);
  assert.throws(() => make([2], [1, 1], 0), /strides must be 1 non-negative integers/);
  assert.throws(() => make([2], [-1], 0), /strides must be/);
  assert.throws(() => make([2], [1], 0, "f99"), /unknown dtype "f99"/);
  assert.throws(() => make([2], [1], 0, "f32", new Uint8Array(8)), /storage must be a Storage, got a Uint8Array/);
  // Valid views still work, including an empty one at the end.
  assert.deepEqual(Array.from(make([2], [2], 1).toArray() as Float32Array), [0, 0]);
  assert.equal(make([0], [1], 4).numel, 0);
});
