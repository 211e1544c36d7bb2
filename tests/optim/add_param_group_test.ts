/**
 * `optimizer.addParamGroup` on every optimizer: defaults filled in (constructor and builder
 * values), duplicate parameters and unknown keys refused, and training after the addition equals
 * an optimizer built with both groups from the start (whose updates are checked against PyTorch in
 * optimizers_test.ts).
 */
import { assert, test } from "../harness.ts";
import {
  Adagrad,
  Adam,
  AdamW,
  LAMB,
  manualSeed,
  type Optimizer,
  Parameter,
  randn,
  RMSprop,
  SGD,
  type Tensor,
} from "../../mod.ts";

type Build = (params: Tensor[] | { params: Tensor[]; lr?: number }[]) => Optimizer;

const OPTIMIZERS: Record<string, { build: Build; option: string; value: unknown }> = {
  SGD: { build: (p) => new SGD(p, 0.1).momentum(0.9).nesterov(true), option: "momentum", value: 0.9 },
  Adam: { build: (p) => new Adam(p, 0.01).betas(0.8, 0.99), option: "betas", value: [0.8, 0.99] },
  AdamW: { build: (p) => new AdamW(p, 0.01).weightDecay(0.1), option: "weightDecay", value: 0.1 },
  RMSprop: { build: (p) => new RMSprop(p, 0.01).alpha(0.9).momentum(0.5), option: "alpha", value: 0.9 },
  Adagrad: { build: (p) => new Adagrad(p, 0.05).lrDecay(0.01), option: "lrDecay", value: 0.01 },
  LAMB: { build: (p) => new LAMB(p, 0.01).weightDecay(0.01), option: "weightDecay", value: 0.01 },
};

function params(): [Parameter, Parameter] {
  manualSeed(3);
  return [new Parameter(randn([4, 3])), new Parameter(randn([5]))];
}

function train(opt: Optimizer, ps: Parameter[]): Float32Array[] {
  for (let i = 0; i < 5; i++) {
    opt.zeroGrad();
    ps.map((p, k) => p.square().mul(k + 1).sum()).reduce((a, b) => a.add(b)).backward();
    opt.step();
  }
  return ps.map((p) => p.detach().toArray() as Float32Array);
}

for (const [name, { build, option, value }] of Object.entries(OPTIMIZERS)) {
  test(`addParamGroup: ${name} fills defaults, refuses duplicates and unknown keys, trains as if built with both groups`, () => {
    const [a, b] = params();
    const opt = build([a]);
    opt.addParamGroup({ params: [b], lr: 0.003 });
    assert.equal(opt.paramGroups.length, 2);
    assert.equal(opt.paramGroups[1].lr, 0.003);
    assert.deepEqual(opt.paramGroups[1][option], value, `${option} comes from the builder call`);
    for (const key of Object.keys(opt.paramGroups[0])) {
      if (key !== "params" && key !== "lr") assert.deepEqual(opt.paramGroups[1][key], opt.paramGroups[0][key], key);
    }
    assert.throws(
      () => opt.addParamGroup({ params: [a] }),
      new RegExp(`${name}.addParamGroup: a parameter appears in more than one group`),
    );
    assert.throws(
      () => opt.addParamGroup({ params: [new Parameter(randn([2]))], lrr: 0.1 } as never),
      /unknown option "lrr" \(did you mean "lr"\?\)/,
    );
    assert.throws(
      () => opt.addParamGroup({ params: [new Parameter(randn([2]))], lr: -1 }),
      /invalid lr \(learning rate\) -1/,
    );
    assert.throws(() => opt.addParamGroup({ params: [] }), /parameter group 2 is empty/);
    assert.throws(() => opt.addParamGroup([a] as never), /group must be an object \{ params, lr\?, … \}/);
    assert.equal(opt.paramGroups.length, 2, "failed additions leave the groups unchanged");
    const added = train(opt, [a, b]);

    const [a2, b2] = params();
    const reference = build([{ params: [a2] }, { params: [b2], lr: 0.003 }]);
    const expected = train(reference, [a2, b2]);
    assert.deepEqual(added, expected);
  });
}

test("addParamGroup: a single tensor as params is accepted, as PyTorch", () => {
  const [a, b] = params();
  const opt = new SGD([a], 0.1);
  opt.addParamGroup({ params: b });
  assert.equal(opt.paramGroups[1].params[0], b);
  assert.equal(opt.paramGroups[1].lr, 0.1);
});
