import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import {
  BatchNorm1d,
  BatchNorm2d,
  cat,
  LayerNorm,
  manualSeed,
  type Module,
  noGrad,
  randn,
  stack,
  tensor,
  zeros,
} from "../../mod.ts";

interface NormCase {
  name: string;
  shape: number[];
  x1: EncodedArray;
  x2: EncodedArray;
  out: EncodedArray;
  w: EncodedArray;
  grad_x: EncodedArray;
  eval_out: EncodedArray;
  params: Record<string, EncodedArray>;
  grads: EncodedArray[];
  buffers: Record<string, EncodedArray>;
  x: EncodedArray;
}
const fixture = loadFixture<{ norms: NormCase[] }>("nn.json");

const BUILD: Record<string, () => Module> = {
  batchnorm1d: () => new BatchNorm1d(3),
  batchnorm1d_3d: () => new BatchNorm1d(3),
  batchnorm2d: () => new BatchNorm2d(3),
  layernorm: () => new LayerNorm([5, 2]),
};

test("BatchNorm1d/2d and LayerNorm: train output, gradients, running statistics, eval output equal PyTorch", () => {
  for (const c of fixture.norms.filter((n) => n.name in BUILD)) {
    const layer = BUILD[c.name]();
    noGrad(() => {
      for (const [name, p] of layer.namedParameters()) p.copy_(decodeTensor(c.params[name]));
    });
    const x = decodeTensor(c.x1).requiresGrad_();
    const out = layer.forward(x);
    assertClose(out.toArray() as Float32Array, decodeArray(c.out) as Float32Array, {
      rtol: 1e-4,
      atol: 1e-5,
      message: c.name,
    });
    out.backward(decodeTensor(c.w));
    assertClose(x.grad!.toArray() as Float32Array, decodeArray(c.grad_x) as Float32Array, {
      rtol: 1e-4,
      atol: 1e-5,
      message: `${c.name} grad x`,
    });
    layer.parameters().forEach((p, i) =>
      assertClose(p.grad!.toArray() as Float32Array, decodeArray(c.grads[i]) as Float32Array, {
        rtol: 1e-4,
        atol: 1e-5,
        message: `${c.name} grad param ${i}`,
      })
    );
    layer.forward(decodeTensor(c.x2));
    for (const [name, buffer] of layer.namedBuffers()) {
      assertClose(
        Array.from(buffer.toArray() as ArrayLike<number>),
        Array.from(decodeArray(c.buffers[name]) as ArrayLike<number>),
        { rtol: 1e-5, atol: 1e-6, message: `${c.name} ${name}` },
      );
    }
    layer.eval();
    assertClose(layer.forward(decodeTensor(c.x1)).toArray() as Float32Array, decodeArray(c.eval_out) as Float32Array, {
      rtol: 1e-4,
      atol: 1e-5,
      message: `${c.name} eval`,
    });
  }
});

test("batch norm state dict uses PyTorch's names", () => {
  assert.deepEqual(Object.keys(new BatchNorm2d(4).stateDict()), [
    "weight",
    "bias",
    "running_mean",
    "running_var",
    "num_batches_tracked",
  ]);
  assert.throws(
    () => new BatchNorm2d(4).forward(zeros([2, 3, 5, 5])),
    /BatchNorm2d\(4\): input of shape \[2, 3, 5, 5\] has 3 channels/,
  );
  assert.throws(() => new BatchNorm2d(4).forward(zeros([2, 4])), /expected 4-d input/);
  assert.throws(() => new BatchNorm1d(4).forward(zeros([1, 4])), /more than 1 value per channel/);
});

test("logsumexp equals PyTorch, with -inf entries", () => {
  const c = fixture.norms.find((n) => n.name === "logsumexp")!;
  assertClose(decodeTensor(c.x).logsumexp(1).toArray() as Float32Array, decodeArray(c.out) as Float32Array);
  manualSeed(8);
  gradcheck((a) => a.logsumexp(1), [randn([3, 4])], { name: "logsumexp" });
});

test("cat and stack: values, gradients, errors", () => {
  const a = tensor([[1, 2]], { dtype: "f32" });
  const b = tensor([[3, 4], [5, 6]], { dtype: "f32" });
  assert.deepEqual(cat([a, b], 0).toList(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(stack([b, b], 2).shape, [2, 2, 2]);
  manualSeed(9);
  gradcheck((x, y) => cat([x, y.mul(2)], 1), [randn([2, 3]), randn([2, 2])], { name: "cat" });
  gradcheck((x, y) => stack([x, y], 1), [randn([2, 3]), randn([2, 3])], { name: "stack" });
  assert.throws(
    () => cat([a, zeros([2, 3])], 0),
    /sizes must match except in dimension 0; got shapes \[1, 2\], \[2, 3\]/,
  );
  gradcheck((x) => new LayerNorm(4).forward(x), [randn([3, 4])], { name: "LayerNorm fd" });
  gradcheck((x) => new BatchNorm1d(3).forward(x), [randn([5, 3])], { name: "BatchNorm1d fd" });
});
