import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  L1Loss,
  type Loss,
  MSELoss,
  NLLLoss,
  type Reduction,
  SmoothL1Loss,
  type Tensor,
  tensor,
  zeros,
} from "../../mod.ts";

interface LossCase {
  loss: string;
  reduction: Reduction;
  options: Record<string, number | null>;
  use_weight: boolean;
  input: EncodedArray;
  target: EncodedArray;
  weight: EncodedArray;
  out: EncodedArray;
  w: EncodedArray;
  grad: EncodedArray;
}
const fixture = loadFixture<{ losses: LossCase[] }>("nn.json");

function build(c: LossCase): Loss {
  const weight = c.use_weight ? decodeTensor(c.weight) : null;
  const o = c.options;
  switch (c.loss) {
    case "cross_entropy":
    case "cross_entropy_probs":
      return new CrossEntropyLoss({
        reduction: c.reduction,
        weight,
        ignoreIndex: o.ignore_index ?? undefined,
        labelSmoothing: o.label_smoothing ?? undefined,
      });
    case "nll":
      return new NLLLoss({ reduction: c.reduction, weight });
    case "mse":
      return new MSELoss(c.reduction);
    case "l1":
      return new L1Loss(c.reduction);
    case "smooth_l1":
      return new SmoothL1Loss({ reduction: c.reduction, beta: 0.7 });
    case "huber":
      return new HuberLoss({ reduction: c.reduction, delta: 1.3 });
    case "bce":
      return new BCELoss({ reduction: c.reduction });
    case "bce_logits":
      return new BCEWithLogitsLoss({ reduction: c.reduction, posWeight: tensor([0.5, 1.0, 3.0], { dtype: "f32" }) });
  }
  throw new Error(`unknown loss ${c.loss}`);
}

test("every loss, reduction and option equals PyTorch (value and input gradient)", () => {
  for (const c of fixture.losses) {
    const name = `${c.loss} ${c.reduction} ${JSON.stringify(c.options)}`;
    const x = decodeTensor(c.input).requiresGrad_();
    const out: Tensor = build(c).compute(x, decodeTensor(c.target));
    assert.deepEqual(out.shape, c.out.shape, name);
    assertClose(out.toArray() as Float32Array, decodeArray(c.out) as Float32Array, { message: name });
    out.backward(decodeTensor(c.w));
    assertClose(x.grad!.toArray() as Float32Array, decodeArray(c.grad) as Float32Array, { message: `${name} grad` });
  }
});

test("loss errors name shapes and dtypes", () => {
  const ce = new CrossEntropyLoss();
  assert.throws(
    () => ce.compute(zeros([4, 3]), tensor([0, 1, 2])),
    /class-index target of shape \[3\] does not match input \[4, 3\]/,
  );
  assert.throws(
    () => ce.compute(zeros([4, 3]), zeros([4])),
    /target must be class indices \(i32 or i64\) or probabilities/,
  );
  assert.throws(() => ce.compute(zeros([2, 3]), tensor([0, 3])), /target 3 is out of bounds for 3 classes/);
  assert.throws(
    () => new MSELoss().compute(zeros([2, 3]), zeros([3, 2])),
    /MSELoss: input shape \[2, 3\] and target shape \[3, 2\] differ/,
  );
  assert.throws(
    () => new NLLLoss().compute(zeros([2, 3]), zeros([2])),
    /NLLLoss: target must be class indices of dtype i32 or i64, got f32/,
  );
  assert.throws(() => new MSELoss("avg" as Reduction), /reduction must be/);
  assert.throws(() => new BCELoss().compute(zeros([2]).add(1.5), zeros([2])), /between 0 and 1/);
});

test("the fused cross-entropy kernel equals the op-by-op composition (values and gradients)", async () => {
  const { crossEntropyIndices: composed } = await import("../reference/cross_entropy_composed.ts");
  const { crossEntropyIndices: fused } = await import("../../src/ops/cross_entropy.ts");
  const { manualSeed, randn, uniform } = await import("../../mod.ts");
  manualSeed(17);
  for (const [n, c] of [[1, 1], [7, 3], [64, 10], [33, 1000]]) {
    for (const [weighted, ignore, eps] of [[false, -100, 0], [true, 1, 0.1], [true, -100, 0.3]] as const) {
      const logits = randn([n, c]).mul(5);
      const target = tensor(Int32Array.from({ length: n }, (_, i) => (i * 7) % c));
      const weight = weighted ? uniform([c], 0.5, 2) : null;
      const a = logits.detach().requiresGrad_();
      const b = logits.detach().requiresGrad_();
      const ra = fused(a, target, weight, ignore, eps);
      const rb = composed(b, target, weight, ignore, eps);
      const name = `n=${n} c=${c} weighted=${weighted} ignore=${ignore} eps=${eps}`;
      assertClose(ra.loss.toArray() as Float32Array, rb.loss.toArray() as Float32Array, {
        rtol: 1e-5,
        atol: 1e-5,
        message: name,
      });
      assertClose([ra.weightSum.item()], [rb.weightSum.item()], { message: name });
      ra.loss.sum().backward();
      rb.loss.sum().backward();
      assertClose(a.grad!.toArray() as Float32Array, b.grad!.toArray() as Float32Array, {
        rtol: 1e-5,
        atol: 1e-6,
        message: `${name} grad`,
      });
    }
  }
});
