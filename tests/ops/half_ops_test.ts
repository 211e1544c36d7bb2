/**
 * Ops on f16/bf16 tensors. The contract: products and sums accumulate in f32 and the result is
 * rounded to the 16-bit format once. The references are the f32 op on the exactly widened inputs,
 * rounded by the conversion that tests/tensor/half_test.ts checks exhaustively — so the
 * comparisons are bit for bit, except bf16 GEMMs on AMX, whose f32 sums run in another order.
 * @module
 */
import { assert, test } from "../harness.ts";
import { conv2d, manualSeed, matmul, maxPool2d, randn, type Tensor } from "../../mod.ts";

function bits(t: Tensor): Uint16Array {
  return t.contiguous().toArray() as Uint16Array;
}

/** Bit patterns equal, or at most `ulps` apart (same sign: adjacent patterns are adjacent values). */
function assertSameBits(actual: Tensor, expected: Tensor, message: string, ulps = 0): void {
  assert.equal(actual.dtype, expected.dtype, message);
  assert.deepEqual(actual.shape, expected.shape, message);
  const a = bits(actual);
  const e = bits(expected);
  for (let i = 0; i < a.length; i++) {
    const close = a[i] === e[i] || ((a[i] ^ e[i]) & 0x8000) === 0 && Math.abs(a[i] - e[i]) <= ulps;
    if (!close) assert.fail(`${message}: element ${i} is 0x${a[i].toString(16)}, expected 0x${e[i].toString(16)}`);
  }
}

for (const dtype of ["f16", "bf16"] as const) {
  const widened = (t: Tensor) => t.to("f32");

  test(`${dtype} matmul = f32 matmul of the widened inputs, rounded once (bf16 on AMX: within 1 ulp; shapes, transposes, batches)`, () => {
    manualSeed(21);
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 1], [1, 1], false, false],
      [[7, 13], [13, 17], false, false],
      [[65, 64], [64, 63], false, true],
      [[64, 784], [784, 256], false, false],
      [[33, 48], [48, 20], true, false],
      [[3, 5, 16], [16, 9], false, false],
      [[2, 4, 12], [2, 12, 6], true, true],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      let a = randn(ta ? [...sa.slice(0, -2), sa[sa.length - 1], sa[sa.length - 2]] : sa).to(dtype);
      let b = randn(tb ? [...sb.slice(0, -2), sb[sb.length - 1], sb[sb.length - 2]] : sb).to(dtype);
      if (ta) a = a.transpose(-1, -2);
      if (tb) b = b.transpose(-1, -2);
      // bf16 runs on AMX tiles here: f32 accumulation too, but in the tiles' order, so the f32 sum
      // may differ in its last bits and round to the neighbouring bf16 value.
      assertSameBits(
        matmul(a, b),
        matmul(widened(a), widened(b)).to(dtype),
        `${dtype} ${sa}·${sb} (transposed ${ta}/${tb})`,
        dtype === "bf16" ? 1 : 0,
      );
    }
  });

  test(`${dtype} conv2d and max pooling = the f32 ops on widened inputs, rounded once; gradients reach f16/bf16 leaves`, () => {
    manualSeed(22);
    const x = randn([2, 3, 9, 9]).to(dtype).requiresGrad_();
    const w = randn([4, 3, 3, 3]).to(dtype).requiresGrad_();
    const y = conv2d(x, w, null, 2, 1);
    assertSameBits(
      y,
      conv2d(widened(x), widened(w), null, 2, 1).to(dtype),
      `${dtype} conv2d`,
      dtype === "bf16" ? 1 : 0,
    );
    assertSameBits(maxPool2d(y, 2), maxPool2d(widened(y), 2).to(dtype), `${dtype} maxPool2d`);
    y.to("f32").sum().backward();
    assert.equal(x.grad!.dtype, dtype);
    assert.equal(w.grad!.dtype, dtype);
    assert.deepEqual(x.grad!.shape, [2, 3, 9, 9]);
  });

  test(`${dtype} element-wise ops and reductions compute in f32 and round once; numbers stay unrounded f32 scalars`, () => {
    manualSeed(23);
    const x = randn([5, 37]).to(dtype);
    const y = randn([37]).to(dtype);
    const w = widened(x);
    assertSameBits(x.exp(), w.exp().to(dtype), "exp");
    assertSameBits(x.mul(0.1), w.mul(0.1).to(dtype), "mul by 0.1 (not by 0.1 rounded to half)");
    assertSameBits(x.add(y), w.add(widened(y)).to(dtype), "broadcast add");
    assertSameBits(x.sum(1), w.sum(1).to(dtype), "sum");
    assertSameBits(x.softmax(1), w.softmax(1).to(dtype), "softmax");
    assert.deepEqual(x.argmax(1).toArray(), w.argmax(1).toArray());
    assert.deepEqual(x.gt(0).toArray(), w.gt(0).toArray());
    assert.equal(x.add(randn([37])).dtype, "f32", "f16/bf16 with f32 promotes to f32");
    assert.equal(x.to("f16").add(x.to("bf16")).dtype, "f32", "f16 with bf16 promotes to f32, as PyTorch");
  });
}
