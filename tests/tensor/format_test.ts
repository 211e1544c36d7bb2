/**
 * Tensor printing against PyTorch's own printing functions (tests/fixtures/make_format_fixtures.py):
 * 0-d, empty, large (summarised), f16, bf16, i32, u8, scientific and integer notation, nan/inf,
 * ties to even, wrapping; and console.log on Deno and Bun going through the same text.
 * @module
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { type DType, ones, type Tensor, tensor } from "../../mod.ts";
import { assert, test } from "../harness.ts";

interface Case {
  name: string;
  dtype: DType;
  shape: number[];
  values: (number | "nan" | "inf" | "-inf")[];
  requiresGrad: boolean;
  expected: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/tensor_format.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

function build(c: Case): Tensor {
  const special: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };
  const flat = tensor(c.values.map((v) => (typeof v === "string" ? special[v] : v)), { dtype: "f64" });
  const t = (c.shape.length === 0 ? flat.reshape([]) : flat.reshape(c.shape)).to(c.dtype);
  return c.requiresGrad ? t.requiresGrad_() : t;
}

for (const c of fixture.cases) {
  test(`tensor printing matches PyTorch: ${c.name}`, () => {
    const t = build(c);
    assert.equal(t.toString(), c.expected);
    assert.equal(inspect(t), c.expected, "console.log (node:util inspect)");
  });
}

test("a result of an op prints its backward node; console.log uses the same text on both runtimes", () => {
  const w = ones([2], { dtype: "f32" }).requiresGrad_();
  const y = w.mul(3).sum();
  assert.equal(String(y), "tensor(6., dtype=f32, gradFn=<SumBackward>)");
  assert.equal(String(w.mul(2)), "tensor([2., 2.], dtype=f32, gradFn=<MulBackward>)");
  const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
  if (deno) assert.equal(deno.inspect(w), "tensor([1., 1.], dtype=f32, requiresGrad=true)");
  assert.equal(inspect({ w }), "{ w: tensor([1., 1.], dtype=f32, requiresGrad=true) }");
});
