/**
 * Gradients of issue 15's first op set against central finite differences (tests/autograd/
 * gradcheck.ts), a check independent of the PyTorch fixtures.
 */
import { test } from "../harness.ts";
import { gradcheck } from "../autograd/gradcheck.ts";
import * as ax from "../../mod.ts";
import type { Tensor } from "../../mod.ts";

ax.manualSeed(150);
const r = (...shape: number[]) => ax.randn(shape);
/** Values with gaps of at least 0.1 between them, so ±ε never reorders a sort. */
const spread = (n: number) => ax.randperm(n, { dtype: "f32" }).mul(0.1).reshape([n]);

const CASES: [string, (...t: Tensor[]) => Tensor, () => Tensor[]][] = [
  ["cumsum", (x) => ax.cumsum(x, 1), () => [r(3, 5)]],
  ["cumprod", (x) => ax.cumprod(x, 0), () => [r(4, 3)]],
  [
    "cumprod with a zero",
    (x) => ax.cumprod(x, 1),
    () => [ax.tensor([[0.5, 0, 1.5, -2], [1, 2, 0, 0]], { dtype: "f32" })],
  ],
  ["var", (x) => ax.variance(x, 1), () => [r(3, 4)]],
  ["var correction 0 keepdim", (x) => ax.variance(x, [0, 1], { correction: 0, keepdim: true }), () => [r(3, 4)]],
  ["std", (x) => ax.std(x, 0), () => [r(4, 3)]],
  ["norm 2", (x) => ax.norm(x, 2, 1), () => [r(3, 4)]],
  ["norm 3", (x) => ax.norm(x, 3, 1), () => [r(3, 4)]],
  ["norm 1.5", (x) => ax.norm(x, 1.5), () => [r(2, 3)]],
  ["norm 0.5", (x) => ax.norm(x, 0.5, 0), () => [r(3, 2).abs().add(0.5)]],
  ["norm inf", (x) => ax.norm(x, Infinity, 1), () => [spread(12).reshape([3, 4])]],
  ["sort", (x) => ax.sort(x, 1, true).values, () => [spread(12).reshape([3, 4])]],
  ["topk", (x) => ax.topk(x, 2, 0).values, () => [spread(12).reshape([4, 3])]],
  ["maximum", (a, b) => ax.maximum(a, b), () => [spread(6).reshape([2, 3]), spread(6).add(0.05).reshape([2, 3])]],
  ["minimum", (a, b) => ax.minimum(a, b), () => [spread(6).reshape([2, 3]), spread(3).add(0.05)]],
  ["lerp", (a, b, w) => ax.lerp(a, b, w), () => [r(2, 3), r(2, 3), ax.tensor([0.1, 0.8, 1.3], { dtype: "f32" })]],
  ["outer", (a, b) => ax.outer(a, b), () => [r(3), r(4)]],
  ["tril", (x) => ax.tril(x, 1), () => [r(2, 3, 4)]],
  ["triu", (x) => ax.triu(x, -1), () => [r(4, 3)]],
  ["repeat", (x) => ax.repeat(x, 2, 1, 3), () => [r(2, 2)]],
  ["tile", (x) => ax.tile(x, [2]), () => [r(2, 3)]],
  ["flip", (x) => ax.flip(x, [0, 1]), () => [r(3, 4)]],
  ["roll", (x) => ax.roll(x, [1, -1], [0, 1]), () => [r(3, 4)]],
  ["chunk + cat", (x) => ax.cat(ax.chunk(x, 3, 1).map((p, i) => p.mul(i + 1)), 1), () => [r(2, 7)]],
  ["split + cat", (x) => ax.cat(ax.split(x, [2, 1], 0).reverse(), 0), () => [r(3, 2)]],
  ["nanToNum", (x) => ax.nanToNum(x), () => [r(2, 3)]],
  [".T and .mT", (x) => x.T.mul(x.mT.permute(1, 2, 0)), () => [r(2, 3, 4)]],
];

for (const [name, fn, make] of CASES) {
  test(`${name}: gradient equals central differences`, () => gradcheck(fn, make(), { name }));
}
