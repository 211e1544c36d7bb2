// Tensor.dispose / isDisposed / `using`: a disposed tensor is an error naming its shape and dtype in
// every op family, views share storage safely, and no JavaScript view of freed memory survives.
import { assert, test } from "../harness.ts";
import {
  Adam,
  adaptiveAvgPool2d,
  avgPool2d,
  cat,
  clamp,
  conv2d,
  CrossEntropyLoss,
  gather,
  indexSelect,
  Linear,
  linear,
  logSoftmax,
  manualSeed,
  matmul,
  maxPool2d,
  MSELoss,
  randn,
  serializeSafetensors,
  SGD,
  softmax,
  stack,
  type Tensor,
  tensor,
  where,
  zeros,
} from "../../mod.ts";

/** A fresh f32 tensor of `shape`, already disposed. */
function dead(...shape: number[]): Tensor {
  const t = randn(shape);
  t.dispose();
  return t;
}

function assertDisposedError(fn: () => unknown, shape: string, dtype = "f32", what = ""): void {
  assert.throws(fn, (e: unknown) => {
    const message = String((e as Error).message);
    assert.match(message, /tensor was disposed/, `${what}: ${message}`);
    assert.ok(message.includes(`${dtype} ${shape}`), `${what}: the message names ${dtype} ${shape}: ${message}`);
    return true;
  }, what);
}

const idx = () => tensor(Int32Array.from([2, 0, 1]));

// Every family, each with the disposed tensor in the first and (where there is one) a later operand.
const cases: [family: string, name: string, shape: string, fn: () => unknown, dtype?: string][] = [
  ["elementwise", "add (lhs)", "[2, 3]", () => dead(2, 3).add(1)],
  ["elementwise", "mul (rhs)", "[2, 3]", () => randn(2, 3).mul(dead(2, 3))],
  ["elementwise", "exp", "[4]", () => dead(4).exp()],
  ["elementwise", "relu", "[4]", () => dead(4).relu()],
  ["elementwise", "clamp", "[4]", () => clamp(dead(4), 0, 1)],
  ["elementwise", "where (condition)", "[3]", () => where(dead(3).gt(0), randn(3), 0)],
  ["elementwise", "add_ (in place)", "[2]", () => dead(2).add_(1)],
  ["elementwise", "fill_", "[2]", () => dead(2).fill_(3)],
  ["reduce", "sum", "[3, 2]", () => dead(3, 2).sum()],
  ["reduce", "mean(dim)", "[3, 2]", () => dead(3, 2).mean(1)],
  ["reduce", "argmax", "[5]", () => dead(5).argmax()],
  ["reduce", "logsumexp", "[2, 2]", () => dead(2, 2).logsumexp(1)],
  ["matmul", "matmul (lhs)", "[2, 3]", () => matmul(dead(2, 3), randn(3, 4))],
  ["matmul", "matmul (rhs)", "[3, 4]", () => matmul(randn(2, 3), dead(3, 4))],
  ["matmul", "linear (weight)", "[5, 3]", () => linear(randn(2, 3), dead(5, 3), randn(5))],
  ["matmul", "linear (bias)", "[5]", () => linear(randn(2, 3), randn(5, 3), dead(5))],
  ["conv/pool", "conv2d (input)", "[1, 1, 4, 4]", () => conv2d(dead(1, 1, 4, 4), randn(2, 1, 3, 3))],
  ["conv/pool", "conv2d (weight)", "[2, 1, 3, 3]", () => conv2d(randn(1, 1, 4, 4), dead(2, 1, 3, 3))],
  ["conv/pool", "maxPool2d", "[1, 1, 4, 4]", () => maxPool2d(dead(1, 1, 4, 4), 2)],
  ["conv/pool", "avgPool2d", "[1, 1, 4, 4]", () => avgPool2d(dead(1, 1, 4, 4), 2)],
  ["conv/pool", "adaptiveAvgPool2d", "[1, 1, 4, 4]", () => adaptiveAvgPool2d(dead(1, 1, 4, 4), 1)],
  ["index", "indexSelect (input)", "[3, 2]", () => indexSelect(dead(3, 2), 0, idx())],
  ["index", "indexSelect (index)", "[3]", () => {
    const i = idx();
    i.dispose();
    return indexSelect(randn(3, 2), 0, i);
  }, "i32"],
  ["index", "gather", "[3, 3]", () => gather(dead(3, 3), 1, tensor([[0], [1], [2]], { dtype: "i32" }))],
  ["index", "cat", "[2]", () => cat([randn(2), dead(2)])],
  ["index", "stack", "[2]", () => stack([dead(2), randn(2)])],
  ["softmax/loss", "softmax", "[2, 3]", () => softmax(dead(2, 3), 1)],
  ["softmax/loss", "logSoftmax", "[2, 3]", () => logSoftmax(dead(2, 3), 1)],
  ["softmax/loss", "CrossEntropyLoss (logits)", "[3, 3]", () => new CrossEntropyLoss().compute(dead(3, 3), idx())],
  ["softmax/loss", "CrossEntropyLoss (target)", "[3]", () => {
    const i = idx();
    i.dispose();
    return new CrossEntropyLoss().compute(randn(3, 3), i);
  }, "i32"],
  ["softmax/loss", "MSELoss", "[4]", () => new MSELoss().compute(randn(4), dead(4))],
  ["views", "view", "[2, 3]", () => dead(2, 3).view(-1)],
  ["views", "reshape", "[2, 3]", () => dead(2, 3).reshape(3, 2)],
  ["views", "permute", "[2, 3]", () => dead(2, 3).permute(1, 0)],
  ["views", "slice", "[4]", () => dead(4).slice(0, 1, 3)],
  ["views", "select", "[2, 3]", () => dead(2, 3).select(0, 1)],
  ["views", "expand", "[1, 3]", () => dead(1, 3).expand(4, 3)],
  ["views", "unsqueeze", "[3]", () => dead(3).unsqueeze(0)],
  ["views", "squeeze (nothing to squeeze)", "[3]", () => dead(3).squeeze(0)],
  ["views", "t (1-d, returns itself)", "[3]", () => dead(3).t()],
  ["views", "detach", "[3]", () => dead(3).detach()],
  ["copy/to", "clone", "[3]", () => dead(3).clone()],
  ["copy/to", "to(f64)", "[3]", () => dead(3).to("f64")],
  ["copy/to", "to(f32) (same dtype, returns itself)", "[3]", () => dead(3).to("f32")],
  ["copy/to", "contiguous (already contiguous)", "[3]", () => dead(3).contiguous()],
  ["copy/to", "copy_ (destination)", "[3]", () => dead(3).copy_(randn(3))],
  ["copy/to", "copy_ (source)", "[3]", () => randn(3).copy_(dead(3))],
  ["read", "toArray", "[2, 2]", () => dead(2, 2).toArray()],
  ["read", "toList", "[2, 2]", () => dead(2, 2).toList()],
  ["read", "item", "[1]", () => dead(1).item()],
  ["read", "iteration", "[3]", () => [...dead(3)]],
  ["save", "serializeSafetensors", "[2, 2]", () => serializeSafetensors({ w: dead(2, 2) })],
];

for (const [family, name, shape, fn, dtype = "f32"] of cases) {
  test(`use after dispose (${family}: ${name}) is an error naming ${shape}`, () => {
    manualSeed(0);
    assertDisposedError(fn, shape, dtype, name);
  });
}

test("use after dispose (i32 and f64 tensors) names their dtype", () => {
  assertDisposedError(
    () => {
      const i = idx();
      i.dispose();
      return i.add(1);
    },
    "[3]",
    "i32",
  );
  assertDisposedError(
    () => {
      const d = randn(2).to("f64");
      d.dispose();
      return d.sum();
    },
    "[2]",
    "f64",
  );
});

test("use after dispose (backward): a disposed loss, or a disposed gradient argument", () => {
  const w = randn(3).requiresGrad_();
  const loss = w.mul(2).sum();
  loss.dispose();
  assertDisposedError(() => loss.backward(), "[]", "f32", "backward of a disposed loss");
  const y = w.mul(3);
  const g = randn(3);
  g.dispose();
  assertDisposedError(() => y.backward(g), "[3]", "f32", "backward with a disposed gradient");
});

test("use after dispose (optimizer step): a disposed parameter or gradient is an error naming it", () => {
  manualSeed(1);
  const layer = new Linear(3, 2);
  const optimizer = new Adam(layer.parameters(), 0.1);
  layer.forward(randn(4, 3)).sum().backward();
  layer.weight.grad!.dispose();
  assertDisposedError(() => optimizer.step(), "[2, 3]", "f32", "Adam with a disposed gradient");
  const other = new Linear(3, 2);
  const sgd = new SGD(other.parameters(), 0.1);
  other.forward(randn(4, 3)).sum().backward();
  other.bias!.dispose();
  assertDisposedError(() => sgd.step(), "[2]", "f32", "SGD with a disposed parameter");
});

test("dispose: idempotent; isDisposed; metadata stays readable; printing says disposed instead of throwing", () => {
  const t = randn(2, 3);
  assert.equal(t.isDisposed, false);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.deepEqual([...t.shape], [2, 3]);
  assert.equal(t.dtype, "f32");
  assert.equal(String(t), "tensor(<disposed>, shape=[2, 3], dtype=f32)");
});

test("views share storage by reference count: disposing the base keeps a live view's data; the last one frees it", () => {
  const base = tensor([1, 2, 3, 4, 5, 6]);
  const storage = base.storage;
  const v = base.view(2, 3);
  const row = v.select(0, 1);
  base.dispose();
  assert.equal(storage.disposed, false, "views still use the storage");
  assert.deepEqual([...row.toArray()], [4, 5, 6]);
  v.dispose();
  assert.deepEqual([...row.toArray()], [4, 5, 6]);
  row.dispose();
  assert.equal(storage.disposed, true, "the last view freed the storage");
  assert.throws(() => storage.bytes, /tensor was disposed/);
});

test("a tensor whose storage was freed directly is disposed too and never reads the old memory", () => {
  const t = tensor([1, 2, 3]);
  const v = t.view(3);
  t.storage.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(v.isDisposed, true);
  assertDisposedError(() => v.toArray(), "[3]", t.dtype);
});

test("toArray returns a copy: it survives the tensor's dispose and never changes with the tensor's memory", () => {
  const t = tensor([1, 2, 3]);
  const a = t.toArray();
  t.add_(1);
  assert.deepEqual([...a], [1, 2, 3]);
  t.dispose();
  assert.deepEqual([...a], [1, 2, 3]);
});

test("`using` disposes at the end of the block (Deno and Bun)", () => {
  let escaped: Tensor;
  {
    using t = zeros(4);
    escaped = t;
    assert.equal(t.sum().item(), 0);
  }
  assert.equal(escaped.isDisposed, true);
});
