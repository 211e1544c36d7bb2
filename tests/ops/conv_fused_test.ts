/**
 * The fused f32 convolution (zig/cpu/conv2d.zig: per-image columns, one native call per pass)
 * against the composition it replaces for groups = 1 — im2col, matmul, bias add — whose own
 * gradients come from the recorded ops. PyTorch agreement is tested in tests/nn/spatial_test.ts.
 */
import { assert, assertClose, test } from "../harness.ts";
import { im2col, outputSize } from "../../src/ops/conv.ts";
import { conv2d, getNumThreads, manualSeed, randn, setNumThreads, type Tensor } from "../../mod.ts";

const f32 = (t: Tensor | null) => t!.toArray() as Float32Array;

function composed(x: Tensor, w: Tensor, b: Tensor | null, stride: number, padding: number, dilation: number): Tensor {
  const [n, , h, wd] = x.shape;
  const [oc, c, kh, kw] = w.shape;
  const win = {
    kernel: [kh, kw] as [number, number],
    stride: [stride, stride] as [number, number],
    padding: [padding, padding] as [number, number],
    dilation: [dilation, dilation] as [number, number],
  };
  const oh = outputSize(h, kh, stride, padding, dilation);
  const ow = outputSize(wd, kw, stride, padding, dilation);
  const y = w.reshape([oc, c * kh * kw]).matmul(im2col(x, win)).reshape([n, oc, oh, ow]);
  return b === null ? y : y.add(b.reshape([1, oc, 1, 1]));
}

const CASES = [
  { n: 64, c: 1, hw: 28, oc: 32, k: 3, stride: 1, padding: 1, dilation: 1, bias: true }, // the CNN example's layers
  { n: 64, c: 32, hw: 14, oc: 64, k: 3, stride: 1, padding: 1, dilation: 1, bias: true },
  { n: 1, c: 3, hw: 17, oc: 8, k: 5, stride: 2, padding: 2, dilation: 1, bias: false }, // one image: parallel kernels
  { n: 9, c: 4, hw: 12, oc: 6, k: 3, stride: 1, padding: 2, dilation: 2, bias: true },
  { n: 3, c: 2, hw: 7, oc: 5, k: 1, stride: 1, padding: 0, dilation: 1, bias: true },
];

test("fused conv2d (f32, groups 1) = im2col + matmul + bias: outputs and every gradient, on 1 and 2 threads", () => {
  const threads = getNumThreads();
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      for (const cs of CASES) {
        manualSeed(7);
        const x = randn([cs.n, cs.c, cs.hw, cs.hw]).requiresGrad_();
        const w = randn([cs.oc, cs.c, cs.k, cs.k]).requiresGrad_();
        const b = cs.bias ? randn([cs.oc]).requiresGrad_() : null;
        const dy = randn(conv2d(x, w, b, cs.stride, cs.padding, cs.dilation).shape);
        const name = `${JSON.stringify(cs)}, ${t} thread(s)`;

        const y = conv2d(x, w, b, cs.stride, cs.padding, cs.dilation);
        assert.equal(y.gradFn?.name, "conv2d", `${name}: the fused op ran`);
        y.backward(dy);
        const fused = [f32(y), f32(x.grad), f32(w.grad), b === null ? null : f32(b.grad)];
        for (const p of [x, w, b]) if (p !== null) p.grad = null;

        const ref = composed(x, w, b, cs.stride, cs.padding, cs.dilation);
        ref.backward(dy);
        const expected = [f32(ref), f32(x.grad), f32(w.grad), b === null ? null : f32(b.grad)];
        const labels = ["y", "dx", "dw", "db"];
        for (let i = 0; i < 4; i++) {
          if (expected[i] === null) continue;
          assertClose(fused[i]!, expected[i]!, { rtol: 1e-4, atol: 1e-4, message: `${name} ${labels[i]}` });
        }
        for (const p of [x, w, b]) if (p !== null) p.grad = null;
      }
    }
  } finally {
    setNumThreads(threads);
  }
});

test("fused conv2d: gradients only for inputs that need them, bit-identical when run twice", () => {
  manualSeed(3);
  const x = randn([16, 8, 10, 10]); // data: no gradient wanted
  const w = randn([12, 8, 3, 3]).requiresGrad_();
  const b = randn([12]).requiresGrad_();
  const grads = () => {
    w.grad = null;
    b.grad = null;
    conv2d(x, w, b, 1, 1).sum().backward();
    return [f32(w.grad), f32(b.grad)];
  };
  const first = grads();
  const second = grads();
  assert.deepEqual(second, first);
  assert.equal(x.grad, null);
});

test("fused conv2d: views as inputs (an offset into a bigger tensor, a permuted non-contiguous input)", () => {
  manualSeed(5);
  const big = randn([6, 3, 9, 9]);
  const w = randn([4, 3, 3, 3]);
  const b = randn([4]);
  const offset = big.narrow(0, 2, 3); // contiguous, starts 2 images in
  assertClose(f32(conv2d(offset, w, b, 1, 1)), f32(composed(offset.contiguous(), w, b, 1, 1, 1)), {
    rtol: 1e-5,
    atol: 1e-5,
  });
  const permuted = randn([3, 9, 9, 3]).permute([0, 3, 1, 2]); // NHWC data seen as NCHW
  assert.equal(permuted.isContiguous(), false);
  assertClose(f32(conv2d(permuted, w, b, 2, 0)), f32(composed(permuted.contiguous(), w, b, 2, 0, 1)), {
    rtol: 1e-5,
    atol: 1e-5,
  });
});

test("fused conv2d: an empty batch gives an empty output and zero weight gradients, as PyTorch", () => {
  const x = randn([0, 3, 8, 8]).requiresGrad_();
  const w = randn([4, 3, 3, 3]).requiresGrad_();
  const b = randn([4]).requiresGrad_();
  const y = conv2d(x, w, b, 1, 1);
  assert.deepEqual(y.shape, [0, 4, 8, 8]);
  y.sum().backward();
  assert.deepEqual(x.grad!.shape, [0, 3, 8, 8]);
  assert.deepEqual([...f32(w.grad)], new Array(108).fill(0));
  assert.deepEqual([...f32(b.grad)], [0, 0, 0, 0]);
});

test("fused conv2d: bad bias and too-small inputs are errors naming the shapes", () => {
  const x = randn([2, 3, 8, 8]);
  const w = randn([4, 3, 3, 3]);
  assert.throws(() => conv2d(x, w, randn([5])), /bias of shape \[5\] does not match 4 output channels/);
  // the same check on the composed path (groups 2), where the broadcast add would have taken a [1] bias
  assert.throws(
    () => conv2d(randn([2, 4, 8, 8]), randn([4, 2, 3, 3]), randn([1]), 1, 0, 1, 2),
    /bias of shape \[1\] does not match 4 output channels/,
  );
  assert.throws(() => conv2d(randn([1, 3, 2, 2]), w), /input of shape \[1, 3, 2, 2\] is too small for kernel \[3, 3\]/);
});
