/**
 * Run under `mpirun -np 2` by collectives_test.ts. Each rank builds its own inputs and, from the
 * same seeds, the other rank's, so the expected result of every collective is computed locally
 * with Axon's element-wise kernels (f32 arithmetic, one rounding to the half dtype). Prints
 * `RESULT {...}` per check; any mismatch throws, which aborts the job with a non-zero status.
 * Argument: `small` (sizes 0 … 1e6, in-place checks, errors), `large` (the 100 MB cases) or `all`.
 */
import * as axon from "../../mod.ts";
import type { DType, Tensor } from "../../mod.ts";
import assert from "node:assert/strict";

const part = ((globalThis as any).Deno ? Deno.args[0] : (globalThis as any).process.argv[2]) ?? "all";
const d = axon.distributed;
d.initProcessGroup({ timeout: 120_000 });
const rank = d.getRank();
const world = d.getWorldSize();
if (world !== 2) throw new Error(`collectives_worker expects 2 ranks, got ${world}`);

type Op = "sum" | "avg" | "max" | "min";

/** Rank r's input of n elements: integers for i32, else values in [-4, 4) exact in bf16. */
function input(r: number, n: number, dtype: DType, salt: number): Tensor {
  axon.manualSeed(1000 * salt + r);
  const x = axon.rand([n]).mul(8).sub(4);
  if (dtype === "i32") return x.mul(1000).to("i32");
  return x.to(dtype);
}

function reference(a: Tensor, b: Tensor, op: Op): Tensor {
  const dtype = a.dtype;
  const wide = dtype === "i32" ? "i32" : "f32";
  const [x, y] = [a.to(wide), b.to(wide)];
  const r = op === "max" ? x.maximum(y) : op === "min" ? x.minimum(y) : x.add(y);
  return (op === "avg" ? r.div(2) : r).to(dtype);
}

function same(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, what);
  const x = actual.to(actual.dtype === "i32" ? "i32" : "f32").toArray() as ArrayLike<number>;
  const y = expected.to(expected.dtype === "i32" ? "i32" : "f32").toArray() as ArrayLike<number>;
  assert.equal(x.length, y.length, `${what}: length`);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) {
      assert.fail(`${what}: element ${i} is ${x[i]}, expected ${y[i]}`);
    }
  }
}

const report = (check: string, detail: Record<string, unknown> = {}) =>
  console.log(`RESULT ${JSON.stringify({ rank, check, ...detail })}`);

const dtypes: DType[] = ["f32", "f16", "bf16", "i32"];
const ops: Op[] = ["sum", "avg", "max", "min"];
const sizes = [0, 1, 1001, 1_000_000];
let salt = 1;

for (const dtype of part === "large" ? [] : dtypes) {
  for (const n of sizes) {
    for (const op of ops) {
      salt++;
      const mine = input(rank, n, dtype, salt);
      const expected = reference(input(0, n, dtype, salt), input(1, n, dtype, salt), op);
      const before = mine.storage.version;
      d.allReduce(mine, op);
      same(mine, expected, `allReduce ${op} ${dtype} n=${n}`);
      assert.ok(mine.storage.version > before, "allReduce bumps the version of the tensor it writes");
    }
    report("allReduce", { dtype, n });
    // broadcast from rank 1
    salt++;
    const b = input(rank, n, dtype, salt);
    d.broadcast(b, 1);
    same(b, input(1, n, dtype, salt), `broadcast ${dtype} n=${n}`);
    // allGather into one tensor and into a list
    salt++;
    const out = axon.zeros([2 * n], { dtype });
    d.allGatherIntoTensor(out, input(rank, n, dtype, salt));
    same(out, axon.cat([input(0, n, dtype, salt), input(1, n, dtype, salt)]), `allGatherIntoTensor ${dtype} n=${n}`);
    const parts = [axon.zeros([n], { dtype }), axon.zeros([n], { dtype })];
    d.allGather(parts, input(rank, n, dtype, salt));
    same(parts[1], input(1, n, dtype, salt), `allGather ${dtype} n=${n}`);
    // reduceScatter: rank r gets block r of the reduction
    for (const op of ops) {
      salt++;
      const rs = axon.zeros([n], { dtype });
      d.reduceScatterTensor(rs, input(rank, 2 * n, dtype, salt), op);
      const full = reference(input(0, 2 * n, dtype, salt), input(1, 2 * n, dtype, salt), op);
      same(rs, full.narrow(0, rank * n, n), `reduceScatterTensor ${op} ${dtype} n=${n}`);
    }
    report("broadcast+allGather+reduceScatter", { dtype, n });
  }
}

// 100 MB of every dtype with every op (25e6 f32/i32 or 50e6 f16/bf16 elements; the 16-bit ones are
// reduced through f32 scratch).
const large = dtypes.flatMap((dtype) =>
  ops.map((op) => [dtype, op, 100_000_000 / (dtype === "f16" || dtype === "bf16" ? 2 : 4)] as const)
);
for (const [dtype, op, n] of part === "small" ? [] : large) {
  salt++;
  const mine = input(rank, n, dtype, salt);
  const expected = reference(input(0, n, dtype, salt), input(1, n, dtype, salt), op);
  const began = performance.now();
  d.allReduce(mine, op);
  const ms = performance.now() - began;
  same(mine, expected, `allReduce ${op} ${dtype} 100 MB`);
  report("allReduce 100MB", { dtype, op, ms: Math.round(ms) });
}

// In-place semantics: a strided view is reduced in place and the rest of its storage is untouched;
// the async form returns a Work whose wait() completes it.
{
  const base = axon.arange(12, undefined, 1, { dtype: "f32" }).view([3, 4]).add(rank * 100);
  const view = base.t(); // [4, 3], not contiguous
  d.allReduce(view, "sum");
  const expected = axon.arange(12, undefined, 1, { dtype: "f32" }).view([3, 4]).mul(2).add(100);
  same(base, expected, "allReduce on a transposed view writes through to its storage");
  const row = axon.arange(8, undefined, 1, { dtype: "f32" }).view([2, 4]).add(rank);
  d.allReduce(row.select(0, 1), "max");
  same(
    row.select(0, 0),
    axon.arange(4, undefined, 1, { dtype: "f32" }).add(rank),
    "elements outside the view are untouched",
  );
  same(row.select(0, 1), axon.arange(4, undefined, 1, { dtype: "f32" }).add(5), "the selected row is reduced");
  const t = axon.full([7], rank + 1);
  const work = d.allReduce(t, "sum", { asyncOp: true });
  work.wait();
  assert.ok(work.completed);
  same(t, axon.full([7], 3), "async allReduce");
  d.barrier();
  report("inPlace");
}

// Bad input names the problem.
assert.throws(() => d.allReduce(axon.zeros([2], { dtype: "f64" }), "sum"), /f32, f16, bf16 or i32/);
assert.throws(() => d.allReduce(axon.zeros([2]), "prod" as Op), /sum, avg, max, min/);
assert.throws(() => d.broadcast(axon.zeros([2]), 2), /src must be a rank/);
assert.throws(() => d.allGatherIntoTensor(axon.zeros([3]), axon.zeros([2])), /needs world size 2 × 2/);
report("errors");
d.destroyProcessGroup();
report("done");
