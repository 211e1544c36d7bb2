/**
 * Issue 15's first op set against PyTorch 2.13: forward values, dtypes, shapes and gradients of
 * every case in tests/fixtures/ops_a.json (made by make_ops_a_fixtures.py), through both the
 * exported functions and the Tensor methods.
 */
import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import * as ax from "../../mod.ts";
import type { Tensor } from "../../mod.ts";

interface Case {
  op: string;
  kw: Record<string, unknown>;
  inputs: EncodedArray[];
  outs: EncodedArray[];
  gs: (EncodedArray | null)[];
  grads: (EncodedArray | null)[];
}

const fixture = loadFixture<{ torch: string; cases: Case[] }>("ops_a.json");

type Kw = Record<string, unknown>;
const normP = (p: unknown) => (p === "inf" ? Infinity : p === "-inf" ? -Infinity : p) as ax.NormOrder;
const varOptions = (kw: Kw) => {
  const o: ax.VarOptions = { keepdim: (kw.keepdim as boolean) ?? false };
  if (kw.correction !== undefined && kw.correction !== null) o.correction = kw.correction as number;
  if (kw.unbiased !== undefined && kw.unbiased !== null) o.unbiased = kw.unbiased as boolean;
  return o;
};
const dimOf = (kw: Kw) => (kw.dim ?? undefined) as number | number[] | undefined;

/** Each op twice: as the exported function and as the Tensor method (PyTorch's two spellings). */
const OPS: Record<string, [(x: Tensor[], kw: Kw) => Tensor[], (x: Tensor[], kw: Kw) => Tensor[]]> = {
  sort: [
    ([x], kw) => [...ax.sort(x, kw.dim as number | undefined, kw.descending as boolean | undefined)],
    ([x], kw) => {
      const r = x.sort({ dim: kw.dim as number | undefined, descending: kw.descending as boolean, stable: true });
      return [r.values, r.indices];
    },
  ],
  argsort: [
    ([x], kw) => [ax.argsort(x, kw.dim as number | undefined, kw.descending as boolean | undefined)],
    ([x], kw) => [x.argsort({ dim: kw.dim as number | undefined, descending: kw.descending as boolean })],
  ],
  topk: [
    ([x], kw) => [
      ...ax.topk(
        x,
        kw.k as number,
        kw.dim as number | undefined,
        kw.largest as boolean | undefined,
        kw.sorted as boolean | undefined,
      ),
    ],
    ([x], kw) => {
      const r = x.topk(kw.k as number, {
        dim: kw.dim as number | undefined,
        largest: kw.largest as boolean,
        sorted: kw.sorted as boolean,
      });
      return [r.values, r.indices];
    },
  ],
  cumsum: [([x], kw) => [ax.cumsum(x, kw.dim as number)], ([x], kw) => [x.cumsum(kw.dim as number)]],
  cumprod: [([x], kw) => [ax.cumprod(x, kw.dim as number)], ([x], kw) => [x.cumprod(kw.dim as number)]],
  var: [
    ([x], kw) => [ax.variance(x, dimOf(kw), varOptions(kw))],
    ([x], kw) => [x.var({ dim: dimOf(kw), ...varOptions(kw) })],
  ],
  std: [
    ([x], kw) => [ax.std(x, dimOf(kw), varOptions(kw))],
    ([x], kw) => [x.std({ dim: dimOf(kw), ...varOptions(kw) })],
  ],
  norm: [
    ([x], kw) => [ax.norm(x, normP(kw.p ?? 2), dimOf(kw), (kw.keepdim as boolean) ?? false)],
    ([x], kw) => [x.norm(kw.p === undefined ? undefined : normP(kw.p), dimOf(kw), (kw.keepdim as boolean) ?? false)],
  ],
  any: [
    ([x], kw) => [ax.any(x, dimOf(kw), (kw.keepdim as boolean) ?? false)],
    ([x], kw) => [x.any(dimOf(kw), (kw.keepdim as boolean) ?? false)],
  ],
  all: [
    ([x], kw) => [ax.all(x, dimOf(kw), (kw.keepdim as boolean) ?? false)],
    ([x], kw) => [x.all(dimOf(kw), (kw.keepdim as boolean) ?? false)],
  ],
  isnan: [([x]) => [ax.isnan(x)], ([x]) => [x.isnan()]],
  isinf: [([x]) => [ax.isinf(x)], ([x]) => [x.isinf()]],
  isfinite: [([x]) => [ax.isfinite(x)], ([x]) => [x.isfinite()]],
  nanToNum: [
    ([x], kw) => [ax.nanToNum(x, kw.posinf === null ? {} : kw as ax.NanToNumOptions)],
    ([x], kw) => [x.nanToNum(kw.posinf === null ? {} : kw as ax.NanToNumOptions)],
  ],
  maximum: [([a, b]) => [ax.maximum(a, b)], ([a, b]) => [a.maximum(b)]],
  minimum: [([a, b]) => [ax.minimum(a, b)], ([a, b]) => [a.minimum(b)]],
  lerp: [([a, b], kw) => [ax.lerp(a, b, kw.weight as number)], ([a, b], kw) => [a.lerp(b, kw.weight as number)]],
  lerpTensor: [([a, b, w]) => [ax.lerp(a, b, w)], ([a, b, w]) => [a.lerp(b, w)]],
  outer: [([a, b]) => [ax.outer(a, b)], ([a, b]) => [a.outer(b)]],
  tril: [([x], kw) => [ax.tril(x, kw.diagonal as number | undefined)], ([x], kw) => [x.tril(kw.diagonal as number)]],
  triu: [([x], kw) => [ax.triu(x, kw.diagonal as number | undefined)], ([x], kw) => [x.triu(kw.diagonal as number)]],
  chunk: [
    ([x], kw) => ax.chunk(x, kw.chunks as number, kw.dim as number | undefined),
    ([x], kw) => x.chunk(kw.chunks as number, kw.dim as number | undefined),
  ],
  split: [
    ([x], kw) => ax.split(x, kw.size as number | number[], kw.dim as number | undefined),
    ([x], kw) => x.split(kw.size as number | number[], kw.dim as number | undefined),
  ],
  repeat: [([x], kw) => [ax.repeat(x, kw.sizes as number[])], ([x], kw) => [x.repeat(...(kw.sizes as number[]))]],
  expand: [([x], kw) => [x.expand(kw.sizes as number[])], ([x], kw) => [x.expand(...(kw.sizes as number[]))]],
  tile: [([x], kw) => [ax.tile(x, kw.dims as number[])], ([x], kw) => [x.tile(kw.dims as number[])]],
  flip: [([x], kw) => [ax.flip(x, kw.dims as number[])], ([x], kw) => [x.flip(kw.dims as number[])]],
  roll: [
    ([x], kw) => [ax.roll(x, kw.shifts as number, (kw.dims ?? undefined) as number | undefined)],
    ([x], kw) => [x.roll(kw.shifts as number, (kw.dims ?? undefined) as number | undefined)],
  ],
  T: [([x]) => [x.T], ([x]) => [x.permute(2, 1, 0)]],
  mT: [([x]) => [x.mT], ([x]) => [x.transpose(-1, -2)]],
};

function values(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number>, Number);
}

function runCase(c: Case, i: number, form: 0 | 1): void {
  const name = `#${i} ${c.op}(${JSON.stringify(c.kw)}) ${form === 0 ? "function" : "method"}`;
  const inputs = c.inputs.map((e, k) => {
    const t = decodeTensor(e);
    return c.grads[k] !== null ? t.requiresGrad_() : t;
  });
  const outs = OPS[c.op][form](inputs, c.kw);
  assert.equal(outs.length, c.outs.length, `${name}: number of outputs`);
  outs.forEach((out, k) => {
    const want = c.outs[k];
    assert.deepEqual(out.shape, want.shape, `${name}: shape of output ${k}`);
    assert.equal(out.dtype, want.dtype, `${name}: dtype of output ${k}`);
    assertClose(values(out), Array.from(decodeArray(want) as ArrayLike<number>, Number), {
      rtol: 1e-5,
      atol: 1e-5,
      message: `${name}: output ${k}`,
    });
  });
  if (c.grads.every((g) => g === null)) return;
  let loss: Tensor | null = null;
  outs.forEach((out, k) => {
    const g = c.gs[k];
    // An empty output contributes nothing (and Axon records no graph for empty results).
    if (g === null || out.numel === 0) return;
    const term = out.mul(decodeTensor(g)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  if (loss === null) {
    for (const want of c.grads) {
      if (want !== null) {
        assert.ok(values(decodeTensor(want)).every((v) => v === 0), `${name}: expected zero gradients`);
      }
    }
    return;
  }
  (loss as Tensor).backward();
  inputs.forEach((t, k) => {
    const want = c.grads[k];
    if (want === null) return;
    assert.ok(t.grad !== null, `${name}: input ${k} got no gradient`);
    assertClose(values(t.grad!), Array.from(decodeArray(want) as ArrayLike<number>, Number), {
      rtol: 1e-4,
      atol: 1e-5,
      message: `${name}: gradient of input ${k}`,
    });
  });
}

for (const op of Object.keys(OPS)) {
  test(`${op} equals PyTorch ${fixture.torch} (forward and gradients, function and method)`, () => {
    const cases = fixture.cases.map((c, i) => [c, i] as const).filter(([c]) => c.op === op);
    assert.ok(cases.length > 0, `no fixture cases for ${op}`);
    for (const [c, i] of cases) {
      runCase(c, i, 0);
      runCase(c, i, 1);
    }
  });
}

test("every fixture op is tested", () => {
  for (const c of fixture.cases) assert.ok(c.op in OPS, `fixture op ${c.op} has no test mapping`);
});
