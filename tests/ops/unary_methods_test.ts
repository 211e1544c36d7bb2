import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import { rand, type Tensor, tensor } from "../../mod.ts";

type Op = "sin" | "cos" | "log1p" | "expm1" | "floor" | "ceil" | "round" | "sigmoid" | "tanh";
interface Case {
  op: Op;
  x: EncodedArray;
  out: EncodedArray;
  w: EncodedArray;
  grad: EncodedArray;
}
const { cases } = loadFixture<{ cases: Case[] }>("unary.json");
const apply = (op: Op, x: Tensor): Tensor => x[op]();

for (const c of cases) {
  test(`${c.op} (${c.x.dtype}): output and gradient equal PyTorch's, incl. halves, ±0, ±inf and NaN`, () => {
    const x = decodeTensor(c.x).requiresGrad_();
    const out = apply(c.op, x);
    assert.equal(out.dtype, c.x.dtype);
    const expected = decodeArray(c.out) as Float32Array;
    const actual = out.toArray() as Float32Array;
    const exact = ["floor", "ceil", "round"].includes(c.op);
    assertClose(actual, expected, exact ? { rtol: 0, atol: 0 } : { rtol: 2e-6, atol: 1e-7 });
    if (exact) {
      for (let i = 0; i < expected.length; i++) {
        assert.ok(
          Object.is(actual[i], expected[i]) || Number.isNaN(expected[i]),
          `${c.op}(${(decodeArray(c.x) as Float32Array)[i]}): sign of zero`,
        );
      }
    }
    out.backward(decodeTensor(c.w)); // d⟨out, w⟩/dx without a reduction (f64 has none)
    assertClose(x.grad!.toArray() as Float32Array, decodeArray(c.grad) as Float32Array, { rtol: 1e-5, atol: 1e-6 });
  });
}

test("sin, cos, log1p, expm1, sigmoid, tanh: gradients equal central differences", () => {
  const x = () => rand([3, 4]).mul(3).sub(1.5);
  for (const op of ["sin", "cos", "expm1", "sigmoid", "tanh"] as const) gradcheck((t) => apply(op, t), [x()]);
  gradcheck((t) => t.log1p(), [rand([3, 4]).add(-0.4)]);
});

test("floor, ceil, round: zero gradient, equal to central differences away from the jumps", () => {
  const off = tensor([[-2.7, -1.3, 0.2, 0.7], [1.2, 2.8, 3.4, -0.6]]);
  for (const op of ["floor", "ceil", "round"] as const) gradcheck((t) => apply(op, t), [off]);
});

test("floor, ceil, round keep integer tensors unchanged; sin on integers gives f32 (PyTorch)", () => {
  const i = tensor([-3, 0, 7], { dtype: "i32" });
  for (const op of ["floor", "ceil", "round"] as const) {
    const r = i[op]();
    assert.equal(r.dtype, "i32");
    assert.deepEqual([...(r.toArray() as Int32Array)], [-3, 0, 7]);
  }
  const s = i.sin();
  assert.equal(s.dtype, "f32");
  assertClose(s.toArray() as Float32Array, [Math.sin(-3), 0, Math.sin(7)], { rtol: 1e-6 });
  const h = tensor([0.5, 1.5, 2.5], { dtype: "bf16" }).round();
  assert.equal(h.dtype, "bf16");
  assert.deepEqual([...(h.to("f32").toArray() as Float32Array)], [0, 2, 2]);
});
