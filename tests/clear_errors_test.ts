/**
 * Errors that used to come from deep inside ("data.detach is not a function", "params is not
 * iterable") now say what was expected.
 */
import { assert, test } from "./harness.ts";
import * as ax from "../mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

test("new Variable with an array says a Tensor is expected and how to make one", () => {
  assert.throws(
    () => new (ax.Variable as Any)([1, 2, 3]),
    /Variable: data must be a Tensor, got an array; make one first, e\.g\. new Variable\(tensor\(data\), false\)/,
  );
  assert.throws(
    () => new (ax.Variable as Any)(ax.tensor([1, 2, 3]), "yes"),
    /Variable: requiresGrad must be true or false/,
  );
  const v = new ax.Variable(ax.tensor([1, 2, 3], { dtype: "f32" }), true);
  assert.equal(v.requiresGrad, true);
});

test("every optimizer given a Module instead of its parameters says to pass model.parameters()", () => {
  const model = new ax.Sequential(new ax.Linear(3, 2));
  for (const C of [ax.SGD, ax.Adam, ax.AdamW, ax.LAMB, ax.RMSprop, ax.Adagrad]) {
    assert.throws(
      () => new (C as Any)(model, 0.1),
      new RegExp(
        `${C.name}: params must be the parameters to optimize, got a Sequential; pass model\\.parameters\\(\\)`,
      ),
      C.name,
    );
    assert.throws(() => new (C as Any)(new ax.Linear(3, 2), 0.1), /got a Linear; pass model\.parameters\(\)/, C.name);
    assert.throws(() => new (C as Any)(0.1), /params must be an iterable of tensors/, `${C.name}(0.1)`);
    const opt = new (C as Any)(model.parameters(), 0.1) as ax.Optimizer;
    assert.equal(opt.paramGroups[0].params.length, 2);
  }
});

test("clipGradNorm given a Module says to pass model.parameters()", () => {
  assert.throws(
    () => ax.clipGradNorm(new ax.Linear(2, 2) as Any, 1),
    /clipGradNorm: params must be an iterable of tensors, got a Linear; pass model\.parameters\(\)/,
  );
});
