import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { logSoftmax, softmax, tensor } from "../../mod.ts";

interface SoftmaxCase {
  dim: number;
  x: EncodedArray;
  softmax: EncodedArray;
  log_softmax: EncodedArray;
}
const fixture = loadFixture<{ softmax: SoftmaxCase[] }>("tensor_ops.json");

test("softmax and log-softmax equal PyTorch over every dim, with huge and infinite logits", () => {
  for (const c of fixture.softmax) {
    const x = decodeTensor(c.x);
    const name = `dim ${c.dim} of ${JSON.stringify(c.x.shape)}`;
    assertClose(softmax(x, c.dim).toArray() as Float32Array, decodeArray(c.softmax) as Float32Array, {
      message: `softmax ${name}`,
    });
    assertClose(logSoftmax(x, c.dim).toArray() as Float32Array, decodeArray(c.log_softmax) as Float32Array, {
      message: `logSoftmax ${name}`,
    });
    // non-contiguous input gives the same answer
    const t = x.ndim >= 2 ? x.transpose(0, 1).contiguous().transpose(0, 1) : x;
    assertClose(t.softmax(c.dim).toArray() as Float32Array, decodeArray(c.softmax) as Float32Array, {
      message: `strided softmax ${name}`,
    });
  }
});

test("softmax rejects integer tensors", () => {
  assert.throws(() => tensor([1, 2]).softmax(0), /softmax: expected a floating point tensor, got dtype i32/);
});
