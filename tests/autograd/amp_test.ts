import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  AdaptiveAvgPool2d,
  autocast,
  AUTOCAST_POLICY,
  AutocastGuard,
  AvgPool2d,
  BatchNorm2d,
  cat,
  Conv2d,
  CrossEntropyLoss,
  Dropout,
  DType,
  Embedding,
  Flatten,
  GELU,
  getAutocastDtype,
  isAutocastEnabled,
  LayerNorm,
  Linear,
  linear,
  manualSeed,
  MaxPool2d,
  MSELoss,
  MultiheadAttention,
  type Node,
  randn,
  Sequential,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { BinaryOp, ReduceOp, UnaryOp } from "../../src/ops/codes.ts";

interface AutocastCase {
  dtype: "bf16" | "f16";
  x: EncodedArray;
  w: EncodedArray;
  b: EncodedArray;
  y: EncodedArray;
  w_grad: EncodedArray;
  b_grad: EncodedArray;
  dtypes: Record<string, string>;
}
const fixture = loadFixture<{ autocast: AutocastCase[] }>("amp.json");

/** Names of every node in `root`'s graph. */
function collectNames(root: Tensor): Set<string> {
  const names = new Set<string>();
  const seen = new Set<Node>();
  const stack: Node[] = root.gradFn === null ? [] : [root.gradFn];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    names.add(node.name);
    for (const input of node.inputs) if (input.gradFn !== null) stack.push(input.gradFn);
  }
  return names;
}

/** The tensor in `root`'s graph that is `param` cast by a "to" node. */
function castOfParameter(root: Tensor, param: Tensor): Tensor {
  const stack: Tensor[] = [root];
  const seen = new Set<Tensor>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || t.gradFn === null) continue;
    seen.add(t);
    if (t.gradFn.name === "to" && t.gradFn.inputs[0] === param) return t;
    stack.push(...t.gradFn.inputs);
  }
  throw new Error("no cast of the parameter in the graph");
}

test("autocast: every op is classified as lowp, f32 or promote (kernel tables and every node of a broad model)", () => {
  for (const op of [...Object.keys(UnaryOp), ...Object.keys(BinaryOp), ...Object.keys(ReduceOp)]) {
    assert.ok(op in AUTOCAST_POLICY, `kernel op ${op} has no autocast policy`);
  }
  for (const [op, policy] of Object.entries(AUTOCAST_POLICY)) {
    assert.ok(["lowp", "f32", "promote"].includes(policy), `${op}: ${policy}`);
  }
  manualSeed(2);
  const cnn = new Sequential()
    .add(new Conv2d(2, 4, 3, { padding: 1 })).add(new BatchNorm2d(4)).add(new GELU()).add(new MaxPool2d(2))
    .add(new AvgPool2d(2)).add(new AdaptiveAvgPool2d(1)).add(new Flatten()).add(new Dropout(0.1)).add(new LayerNorm(4))
    .add(new Linear(4, 3));
  const attention = new MultiheadAttention(8, 2, { batchFirst: true });
  const embedding = new Embedding(10, 8);
  for (const dtype of ["bf16", "f16"] as const) {
    const names = new Set<string>();
    autocast(dtype, () => {
      const logits = cnn.forward(randn([2, 2, 8, 8]));
      const tokens = embedding.forward(tensor([[1, 2, 3], [4, 5, 6]], { dtype: "i32" }));
      const [attended] = attention.forwardWithWeights(tokens, tokens, tokens, { isCausal: true });
      const loss = new CrossEntropyLoss().compute(logits, tensor([0, 2], { dtype: "i32" }))
        .add(new MSELoss().compute(attended, attended.detach().mul(0.5)))
        .add(attended.logsumexp(-1).sum());
      for (const n of collectNames(loss)) names.add(n);
      assert.equal(loss.dtype, "f32");
    });
    const missing = [...names].filter((n) => !(n in AUTOCAST_POLICY));
    assert.deepEqual(missing, [], `${dtype}: recorded ops without an autocast policy`);
    assert.ok(names.size > 20, `walked ${names.size} op kinds`);
  }
});

// Where PyTorch's CPU autocast keeps these ops in the low dtype, Axon follows PyTorch's CUDA lists
// (f32), as the mixed-precision issue asks: exp/log, softmax family, reductions and norms.
const AXON_F32_BY_DESIGN = new Set(["softmax", "log_softmax", "sum", "mean", "exp", "layer_norm"]);

test("autocast: output dtypes of ops inside the region match PyTorch (CUDA f32 lists for the precision-sensitive ones)", () => {
  for (const c of fixture.autocast) {
    const x = randn([8, 16]);
    const w = randn([12, 16]).requiresGrad_();
    const b = randn([12]).requiresGrad_();
    autocast(c.dtype, () => {
      const y = linear(x, w, b);
      const axon: Record<string, Tensor> = {
        linear: y,
        matmul: x.matmul(w.t()),
        relu: y.relu(),
        add_f32: y.add(x.narrow(1, 0, 12)),
        softmax: y.softmax(1),
        log_softmax: y.logSoftmax(1),
        sum: y.sum(),
        mean: y.mean(),
        exp: y.exp(),
        cross_entropy: new CrossEntropyLoss().compute(y, tensor(Int32Array.from({ length: 8 }, (_, i) => i % 12))),
        mse_loss: new MSELoss().compute(y, randn([8, 12])),
        layer_norm: new LayerNorm(12, { elementwiseAffine: false }).forward(y),
        cat: cat([y, x.narrow(1, 0, 12)]),
        max: y.max(1),
      };
      for (const [op, torchDtype] of Object.entries(c.dtypes)) {
        const expected = AXON_F32_BY_DESIGN.has(op) ? "f32" : torchDtype;
        assert.equal(axon[op].dtype, expected, `${c.dtype}: ${op} (PyTorch CPU: ${torchDtype})`);
      }
    });
  }
});

test("autocast linear equals torch.autocast's output bit for bit; f32 master gradients match", () => {
  for (const c of fixture.autocast) {
    const x = tensor(decodeArray(c.x) as Float32Array, { shape: c.x.shape });
    const w = tensor(decodeArray(c.w) as Float32Array, { shape: c.w.shape }).requiresGrad_();
    const b = tensor(decodeArray(c.b) as Float32Array, { shape: c.b.shape }).requiresGrad_();
    const y = autocast(c.dtype, () => linear(x, w, b));
    assert.equal(y.dtype, c.dtype);
    // One GEMM from the broadcast bias and one rounding, as PyTorch's addmm: the same bits.
    const expectedBits = new Uint16Array((decodeArray({ ...c.y, dtype: "u8" }) as Uint8Array).buffer);
    assert.deepEqual(y.toArray(), expectedBits, `${c.dtype} output bits`);
    const ulp = c.dtype === "bf16" ? 2 ** -8 : 2 ** -11;
    y.to("f32").square().sum().backward();
    assert.equal(w.grad!.dtype, "f32");
    assert.equal(b.grad!.dtype, "f32");
    const gw = decodeArray(c.w_grad) as Float32Array;
    const gb = decodeArray(c.b_grad) as Float32Array;
    assertClose(w.grad!.toArray() as Float32Array, gw, {
      rtol: 8 * ulp,
      atol: 8 * ulp * Math.max(...gw.map(Math.abs)),
      message: `${c.dtype} weight grad`,
    });
    assertClose(b.grad!.toArray() as Float32Array, gb, {
      rtol: 8 * ulp,
      atol: 8 * ulp * Math.max(...gb.map(Math.abs)),
      message: `${c.dtype} bias grad`,
    });
  }
});

test("autocast: DType members and strings, nesting of different dtypes, enabled:false, restore after exceptions", () => {
  assert.equal(DType.F16, "f16");
  assert.equal(DType.BF16, "bf16");
  assert.equal(isAutocastEnabled(), false);
  const w = randn([4, 4]);
  autocast(DType.F16, () => {
    assert.equal(getAutocastDtype(), "f16");
    assert.equal(w.matmul(w).dtype, "f16");
    autocast("bf16", () => {
      assert.equal(w.matmul(w).dtype, "bf16");
      autocast("bf16", () => assert.equal(isAutocastEnabled(), false), { enabled: false });
      assert.equal(getAutocastDtype(), "bf16");
    });
    assert.equal(getAutocastDtype(), "f16");
    assert.throws(() =>
      autocast("bf16", () => {
        throw new Error("boom");
      }), /boom/);
    assert.equal(getAutocastDtype(), "f16");
  });
  assert.equal(isAutocastEnabled(), false);
  assert.equal(w.matmul(w).dtype, "f32");
  assert.throws(
    () => autocast("f32" as "f16", () => 0),
    /autocast runs in "f16" or "bf16" \(DType.F16, DType.BF16\), got "f32"/,
  );
  assert.throws(
    () => autocast("f16", () => Promise.resolve(1)),
    /fn returned a Promise; autocast regions are synchronous/,
  );
  assert.equal(isAutocastEnabled(), false);
});

test("AutocastGuard: the seed's RAII guard with release(), and TypeScript's using", () => {
  const g = new AutocastGuard(DType.F16);
  assert.equal(getAutocastDtype(), "f16");
  const inner = new AutocastGuard(DType.BF16);
  assert.equal(getAutocastDtype(), "bf16");
  inner.release();
  inner.release(); // idempotent
  assert.equal(getAutocastDtype(), "f16");
  g.release();
  assert.equal(isAutocastEnabled(), false);
  try {
    using _guard = new AutocastGuard("bf16");
    assert.equal(getAutocastDtype(), "bf16");
    throw new Error("inside");
  } catch (e) {
    assert.match(String(e), /inside/);
  }
  assert.equal(isAutocastEnabled(), false);
  assert.throws(() => new AutocastGuard("i32" as "f16"), /AutocastGuard: autocast runs in "f16" or "bf16"/);
});

test("autocast: a parameter used twice is cast once per region; an in-place update makes a fresh cast", () => {
  const fc = new Linear(4, 4);
  const x = randn([2, 4]);
  autocast("bf16", () => {
    const a = fc.forward(x);
    const b = fc.forward(x);
    const castOf = (root: Tensor) => castOfParameter(root, fc.weight);
    assert.equal(castOf(a), castOf(b));
    fc.weight.storage.version++; // what an optimizer step does
    assert.notEqual(castOf(fc.forward(x)), castOf(a));
    a.to("f32").sum().add(b.to("f32").sum()).backward();
  });
  assert.equal(fc.weight.grad!.dtype, "f32");
});
