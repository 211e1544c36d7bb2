import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { CrossEntropyLoss, Embedding, gather, indexSelect, NLLLoss, noGrad, type Tensor, tensor } from "../../mod.ts";

type Case = Record<string, EncodedArray> & { dim: number };
const fx = loadFixture<Record<string, Case>>("index_i64.json");
const f32 = (t: Tensor) => t.toArray() as Float32Array;
const i64 = (values: (number | bigint)[], shape?: number[]) =>
  tensor(BigInt64Array.from(values, (v) => BigInt(v)), { shape: shape ?? [values.length] });

test("indexSelect and gather take i64 indices: outputs and gradients equal PyTorch's", () => {
  for (const [name, op] of [["index_select", indexSelect], ["gather", gather]] as const) {
    const c = fx[name];
    const index = decodeTensor(c.index);
    assert.equal(index.dtype, "i64");
    const x = decodeTensor(c.x).requiresGrad_();
    const out = op(x, c.dim, index);
    assertClose(f32(out), decodeArray(c.out) as Float32Array, { rtol: 0, atol: 0 });
    out.backward(decodeTensor(c.w));
    assertClose(f32(x.grad!), decodeArray(c.grad) as Float32Array, { rtol: 1e-6, atol: 1e-7 });
    // The same op with i32 indices gives the same values.
    assert.deepEqual(f32(op(x.detach(), c.dim, index.to("i32"))), f32(out));
  }
});

test("Embedding takes i64 indices (with paddingIdx): output and weight gradient equal PyTorch's", () => {
  const c = fx.embedding;
  const emb = new Embedding(7, 3, { paddingIdx: 1 });
  noGrad(() => emb.weight.copy_(decodeTensor(c.weight)));
  const out = emb.forward(decodeTensor(c.index));
  assert.deepEqual(out.shape, [2, 3, 3]);
  assertClose(f32(out), decodeArray(c.out) as Float32Array, { rtol: 0, atol: 0 });
  out.backward(decodeTensor(c.w));
  assertClose(f32(emb.weight.grad!), decodeArray(c.grad) as Float32Array, { rtol: 1e-6, atol: 1e-7 });
});

test("CrossEntropyLoss and NLLLoss take i64 targets (with ignoreIndex -100): loss and gradient equal PyTorch's", () => {
  for (const name of ["cross_entropy", "nll"] as const) {
    const c = fx[name];
    const z = decodeTensor(c.x).requiresGrad_();
    const target = decodeTensor(c.target);
    assert.equal(target.dtype, "i64");
    const loss = name === "cross_entropy"
      ? new CrossEntropyLoss().forward(z, target)
      : new NLLLoss().forward(z.logSoftmax(1), target);
    assertClose(f32(loss), decodeArray(c.out) as Float32Array, { rtol: 1e-6, atol: 1e-7 });
    loss.backward();
    assertClose(f32(z.grad!), decodeArray(c.grad) as Float32Array, { rtol: 1e-5, atol: 1e-7 });
  }
});

test("argmax results convert to i64 (PyTorch's dtype) and index back with gather", () => {
  const c = fx.argmax;
  const x = decodeTensor(c.x);
  const am = x.argmax(1).to("i64");
  assert.equal(am.dtype, "i64");
  assert.deepEqual(am.toArray(), decodeArray(c.out)); // ties take the first index, as PyTorch
  assert.deepEqual(f32(gather(x, 1, am.unsqueeze(1))), decodeArray(c.gathered));
});

test("i64 indices out of range are a RangeError naming the op, the value and the valid range", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(
    () => indexSelect(x, 1, i64([0, 3])),
    /indexSelect: index value 3 is out of range for dimension 1 of size 3 \(valid: 0\.\.2\)/,
  );
  assert.throws(
    () => indexSelect(x, 0, i64([-1])),
    /indexSelect: index value -1 is out of range for dimension 0 of size 2 \(valid: 0\.\.1\)/,
  );
  assert.throws(() => indexSelect(x, 0, i64([1n << 40n])), /indexSelect: index value 1099511627776 is out of range/);
  // A value that would wrap to a valid i32 (2^32 → 0) is refused, never silently wrapped.
  assert.throws(
    () => gather(x, 1, i64([4294967296n, 0, 0, 0, 0, 0], [2, 3])),
    /gather: index value 4294967296 is out of range for dimension 1 of size 3/,
  );
  const emb = new Embedding(4, 2);
  assert.throws(
    () => emb.forward(i64([4])),
    /Embedding: indices value 4 is out of range for 4 embeddings \(valid: 0\.\.3\)/,
  );
  assert.throws(
    () => emb.forward(tensor([1.5])),
    /Embedding: indices must be an integer tensor \(i32 or i64\), got f32/,
  );
  const z = tensor([[0.1, 0.2, 0.3]]);
  assert.throws(
    () => new CrossEntropyLoss().forward(z, i64([3])),
    /CrossEntropyLoss: target value 3 is out of range for 3 classes \(valid: 0\.\.2 or -100\)/,
  );
  assert.throws(() => new NLLLoss().forward(z, i64([-5])), /NLLLoss: target value -5 is out of range for 3 classes/);
  assert.throws(
    () => new CrossEntropyLoss({ ignoreIndex: 2 ** 40 }).forward(z, i64([2 ** 40])),
    /CrossEntropyLoss: target value 1099511627776 is out of range/,
  );
  // Empty i64 indices are fine.
  assert.deepEqual(indexSelect(x, 1, i64([])).shape, [2, 0]);
});
