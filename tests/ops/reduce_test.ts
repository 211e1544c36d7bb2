import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { arange, ones, randn, type Tensor, tensor, zeros } from "../../mod.ts";

interface ReduceCase {
  op: string;
  dims: number[] | null;
  keepdim: boolean;
  out: EncodedArray;
}
const fixture = loadFixture<{ reduce: { x: EncodedArray; cases: ReduceCase[] } }>("tensor_ops.json");
const METHOD: Record<string, string> = {
  sum: "sum",
  mean: "mean",
  amax: "max",
  amin: "min",
  argmax: "argmax",
  argmin: "argmin",
};

test("reductions over every axis combination of a 4-d tensor equal PyTorch", () => {
  const x = decodeTensor(fixture.reduce.x);
  for (const views of [x, x.permute(3, 1, 0, 2).contiguous().permute(2, 1, 3, 0)]) {
    for (const c of fixture.reduce.cases) {
      const method = (views as unknown as Record<string, (d?: number | number[], k?: boolean) => Tensor>)[METHOD[c.op]]
        .bind(views);
      const dims = c.dims === null ? undefined : c.op.startsWith("arg") ? c.dims[0] : c.dims;
      const out = method(dims as number | number[] | undefined, c.keepdim);
      const name = `${c.op} dims=${JSON.stringify(c.dims)} keepdim=${c.keepdim} strides=${views.strides}`;
      assert.deepEqual(out.shape, c.out.shape, name);
      assert.equal(out.dtype, c.out.dtype, name);
      assertClose(Array.from(out.toArray() as ArrayLike<number>), Array.from(decodeArray(c.out) as ArrayLike<number>), {
        message: name,
      });
    }
  }
});

test("full sums of large tensors are accurate", () => {
  const n = 3_000_001;
  // sum of 0..n-1 scaled: exact value n(n-1)/2 · 1e-6
  const x = arange(n, undefined, 1, { dtype: "f32" }).mul(1e-6);
  const expected = (n * (n - 1)) / 2 * 1e-6;
  assertClose([x.sum().item()], [expected], { rtol: 1e-5 });
  assertClose([ones([1000, 1000]).sum().item()], [1e6], { rtol: 0, atol: 0 });
  assertClose([ones([1000, 1000]).mean().item()], [1], { rtol: 0, atol: 0 });
});

test("NaN and tie semantics follow PyTorch", () => {
  const x = tensor([[1, NaN, 3, NaN], [2, 5, 5, 1]], { dtype: "f32" });
  assert.ok(Number.isNaN(x.max(1).toArray()[0] as number));
  assert.equal(x.max(1).toArray()[1], 5);
  assert.deepEqual(x.argmax(1).toList(), [1, 1]);
  assert.deepEqual(x.argmin(1).toList(), [1, 3]);
  assert.deepEqual(tensor([[3, 1, 3]]).argmax(1).toList(), [0]);
});

test("integer and byte reductions", () => {
  assert.deepEqual(tensor([[1, 2], [3, 4]]).sum(0).toList(), [4, 6]);
  assert.equal(tensor([[1, 2], [3, 4]]).sum(0).dtype, "i32");
  assert.equal(tensor([true, true, true]).sum().item(), 3);
  assert.equal(arange(10).max().item(), 9);
  assert.throws(() => tensor([1, 2]).mean(), /mean: expected a floating point tensor, got dtype i32/);
});

test("empty reductions behave like PyTorch", () => {
  assert.deepEqual(zeros([0, 3]).sum(0).toList(), [0, 0, 0]);
  assert.ok(Number.isNaN(zeros([0, 3]).mean(0).toArray()[0] as number));
  assert.throws(() => zeros([0, 3]).max(0), /empty/);
});

test("reductions are deterministic run after run", () => {
  const x = randn([4_000_000]);
  const s = x.sum().item();
  for (let i = 0; i < 3; i++) assert.equal(x.sum().item(), s);
});

test("dim errors name the dimension", () => {
  assert.throws(() => zeros([2, 3]).sum(2), /dimension 2 out of range for a 2-d tensor/);
  assert.throws(() => zeros([2, 3]).sum([0, 0]), /repeats a dimension/);
});
