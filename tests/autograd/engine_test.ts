import { assert, assertClose, test } from "../harness.ts";
import { gradcheck } from "./gradcheck.ts";
import { manualSeed, noGrad, NoGradGuard, randn, tensor, Variable, where, zeros } from "../../mod.ts";

test("gradients accumulate into leaves and follow the chain rule", () => {
  const x = tensor([1, 2, 3], { dtype: "f32" }).requiresGrad_();
  const y = x.mul(x).sum(); // dy/dx = 2x
  y.backward();
  assert.deepEqual(x.grad!.toList(), [2, 4, 6]);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.toList(), [5, 7, 9], "second backward accumulates");
});

test("p.grad is null until a backward reaches it; non-leaves keep no grad", () => {
  const w = randn([3]).requiresGrad_();
  const unused = randn([3]).requiresGrad_();
  assert.equal(w.grad, null);
  const h = w.mul(2);
  h.sum().backward();
  assert.equal(unused.grad, null);
  assert.equal(h.grad, null);
  assert.equal(h.isLeaf, false);
  assert.equal(w.isLeaf, true);
});

test("the seed's Variable, data() and noGrad spellings", () => {
  const inputs = randn([4, 3]);
  const x = new Variable(inputs, false);
  assert.equal(x.requiresGrad, false);
  assert.equal(x.storage, inputs.storage, "shares memory");
  const w = new Variable(randn([3, 2]), true);
  const loss = x.matmul(w).square().mean();
  assert.equal(loss.requiresGrad, true);
  assert.equal(typeof loss.data().item(), "number");
  assert.equal(loss.data().requiresGrad, false);
  const evaluated = noGrad(() => x.matmul(w));
  assert.equal(evaluated.requiresGrad, false);
  {
    using _guard = new NoGradGuard();
    assert.equal(x.matmul(w).requiresGrad, false);
  }
  assert.equal(x.matmul(w).requiresGrad, true, "guard restored");
  const guard = new NoGradGuard();
  guard.release();
  assert.equal(x.matmul(w).requiresGrad, true);
  assert.throws(() =>
    noGrad(() => {
      throw new Error("inner");
    }), /inner/);
  assert.equal(x.matmul(w).requiresGrad, true, "restored after a throw");
});

test("a second backward through a freed graph is a clear error; retainGraph allows it", () => {
  const x = randn([3]).requiresGrad_();
  const y = x.exp().sum();
  y.backward(null, { retainGraph: true });
  y.backward();
  assertClose(x.grad!.toArray() as Float32Array, x.exp().mul(2).toArray() as Float32Array);
  assert.throws(() => y.backward(), /backward through the graph a second time/);
});

test("backward on a non-scalar needs a gradient of its shape", () => {
  const x = randn([2, 3]).requiresGrad_();
  const y = x.mul(2);
  assert.throws(() => y.backward(), /only for scalar outputs; this tensor has shape \[2, 3\]/);
  assert.throws(() => y.backward(zeros([3])), /gradient shape \[3\] does not match tensor shape \[2, 3\]/);
  assert.throws(() => randn([2]).sum().backward(), /does not require grad/);
});

test("in-place modification of a saved tensor is detected", () => {
  const x = randn([3]).requiresGrad_();
  const h = x.mul(2);
  const y = h.mul(h).sum(); // saves h
  h.copy_(zeros([3]));
  assert.throws(() => y.backward(), /modified by an in-place operation: f32 \[3\] is at version 1; expected version 0/);
  assert.throws(() => x.copy_(zeros([3])), /leaf tensor that requires grad is being used in an in-place operation/);
  noGrad(() => x.copy_(zeros([3])));
});

test("broadcasting is reduced correctly in gradients", () => {
  manualSeed(3);
  gradcheck((a, b) => a.add(b).mul(b), [randn([2, 3, 4]), randn([3, 1])], { name: "broadcast add/mul" });
  gradcheck((a, b) => a.div(b.abs().add(1)), [randn([4, 1]), randn([1, 5])], { name: "broadcast div" });
});

test("finite differences: element-wise ops", () => {
  manualSeed(4);
  const x = () => randn([3, 4]);
  const pos = () => randn([3, 4]).abs().add(0.5);
  const unaryCases: [
    string,
    (t: ReturnType<typeof randn>) => ReturnType<typeof randn>,
    () => ReturnType<typeof randn>,
  ][] = [
    ["neg", (t) => t.neg(), x],
    ["exp", (t) => t.exp(), x],
    ["log", (t) => t.log(), pos],
    ["sqrt", (t) => t.sqrt(), pos],
    ["rsqrt", (t) => t.rsqrt(), pos],
    ["abs", (t) => t.abs(), pos],
    ["tanh", (t) => t.tanh(), x],
    ["sigmoid", (t) => t.sigmoid(), x],
    ["relu", (t) => t.relu(), pos],
    ["clamp", (t) => t.clamp(-0.3, 0.4), x],
    ["pow 3", (t) => t.pow(3), x],
    ["pow 1.5", (t) => t.pow(1.5), pos],
    ["reciprocal", (t) => t.reciprocal(), pos],
    ["square", (t) => t.square(), x],
    ["add scalar", (t) => t.add(2.5), x],
    ["sub scalar", (t) => t.sub(2.5), x],
    ["mul scalar", (t) => t.mul(-1.5), x],
    ["div scalar", (t) => t.div(4), x],
  ];
  for (const [name, f, make] of unaryCases) gradcheck(f, [make()], { name });
  gradcheck((a, b) => a.sub(b), [x(), x()], { name: "sub" });
  gradcheck((a, b) => a.pow(b), [pos(), x()], { name: "pow tensor" });
  gradcheck((a, b) => a.maximum(b), [x(), x()], { name: "maximum" });
  gradcheck((a, b) => a.minimum(b), [x(), x()], { name: "minimum" });
  gradcheck((a, b) => where(a.gt(0), a, b), [x(), x()], { name: "where" });
});

test("finite differences: reductions, softmax, matmul, views", () => {
  manualSeed(5);
  gradcheck((a) => a.sum(), [randn([3, 4])], { name: "sum all" });
  gradcheck((a) => a.sum([0, 2]), [randn([2, 3, 4])], { name: "sum dims" });
  gradcheck((a) => a.mean(1, true), [randn([2, 3, 4])], { name: "mean keepdim" });
  // Distinct values 0.1 apart: a central difference must not cross a tie (the kink of max/min).
  const spread = () =>
    tensor(Float32Array.from({ length: 15 }, (_, i) => ((i * 7) % 15) * 0.1 - 0.7), { shape: [3, 5] });
  gradcheck((a) => a.max(1), [spread()], { name: "max" });
  gradcheck((a) => a.min(0), [spread()], { name: "min" });
  gradcheck((a) => a.prod(1), [randn([3, 4])], { name: "prod" });
  gradcheck((a) => a.softmax(1), [randn([3, 5])], { name: "softmax" });
  gradcheck((a) => a.logSoftmax(0), [randn([3, 5])], { name: "logSoftmax" });
  gradcheck((a, b) => a.matmul(b), [randn([3, 4]), randn([4, 2])], { name: "matmul" });
  gradcheck((a, b) => a.matmul(b), [randn([2, 3, 4]), randn([4, 5])], { name: "batched matmul" });
  gradcheck((a, b) => a.matmul(b), [randn([4]), randn([2, 4, 3])], { name: "1-d matmul" });
  gradcheck((a) => a.t().matmul(a), [randn([3, 2])], { name: "aᵀa" });
  gradcheck((a) => a.permute(2, 0, 1).reshape(4, 6).slice(1, 1, 5, 2), [randn([2, 3, 4])], { name: "views" });
  gradcheck((a) => a.select(1, 2).unsqueeze(0).expand(3, 2, 4).mul(a.narrow(1, 0, 1).squeeze(1)), [randn([2, 3, 4])], {
    name: "select/expand",
  });
  gradcheck((a) => a.t().contiguous().view(-1).clone(), [randn([3, 4])], { name: "contiguous/view/clone" });
});

test("prod gradient with zeros matches the closed form", () => {
  const x = tensor([[2, 0, 3], [0, 0, 5], [1, 2, 3]], { dtype: "f32" }).requiresGrad_();
  x.prod(1).sum().backward();
  assert.deepEqual(x.grad!.toList(), [[0, 6, 0], [0, 0, 0], [6, 3, 2]]);
});

test("leaf gradients never share memory, even when a rule passes one gradient to several inputs", () => {
  const a = zeros([3]).requiresGrad_();
  const b = zeros([3]).requiresGrad_();
  const seed = tensor([1, 2, 3], { dtype: "f32" });
  a.add(b).backward(seed);
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  assert.notEqual(a.grad!.storage, seed.storage, "the caller's gradient is not adopted");
  noGrad(() => a.grad!.mul_(10));
  assert.deepEqual(b.grad!.toList(), [1, 2, 3]);
  assert.deepEqual(seed.toList(), [1, 2, 3]);
  const w = randn([4, 3]).requiresGrad_();
  randn([2, 3]).matmul(w.t()).sum().backward();
  assert.ok(w.grad!.isContiguous(), "a Linear weight's gradient comes out contiguous");
});

test("relu's gradient passes where the input is NaN, as PyTorch's threshold_backward", () => {
  const x = tensor([NaN, -1, 2], { dtype: "f32" }).requiresGrad_();
  x.relu().sum().backward();
  assert.deepEqual(x.grad!.toList(), [1, 0, 1]);
});
