import * as axon from "../../mod.ts";
import { queueBackwardCallback } from "../../src/autograd/graph.ts";
import { assert, test } from "../harness.ts";

test("registerPostAccumulateGradHook runs after each accumulation into .grad, with the gradient in place", () => {
  const w = axon.tensor([1, 2, 3], { dtype: "f32" }).requiresGrad_();
  const seen: number[][] = [];
  const handle = w.registerPostAccumulateGradHook((leaf) =>
    seen.push(Array.from(leaf.grad!.toArray() as Float32Array))
  );
  w.mul(2).sum().backward();
  assert.deepEqual(seen, [[2, 2, 2]]);
  w.mul(3).sum().backward(); // accumulates onto the existing .grad
  assert.deepEqual(seen[1], [5, 5, 5]);
  // Used twice in one graph: one call per use, the second after both contributions.
  w.grad = null;
  w.mul(2).add(w).sum().backward();
  assert.equal(seen.length, 4);
  assert.deepEqual(seen[3], [3, 3, 3]);
  handle.remove();
  w.sum().backward();
  assert.equal(seen.length, 4);
  assert.throws(() => w.mul(2).registerPostAccumulateGradHook(() => {}), /only leaf tensors/);
});

test("queueBackwardCallback runs once at the end of the backward pass, after every hook", () => {
  const a = axon.tensor([1, 2], { dtype: "f32" }).requiresGrad_();
  const b = axon.tensor([3, 4], { dtype: "f32" }).requiresGrad_();
  const order: string[] = [];
  a.registerPostAccumulateGradHook(() => {
    order.push("a");
    queueBackwardCallback(() => order.push(`end (b.grad ${b.grad === null ? "missing" : "set"})`));
  });
  b.registerPostAccumulateGradHook(() => order.push("b"));
  a.mul(b).sum().backward();
  assert.equal(order.length, 3);
  assert.equal(order[2], "end (b.grad set)");
  assert.throws(() => queueBackwardCallback(() => {}), /no backward pass is running/);
});
