import { assert, test } from "../harness.ts";
import { decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { CrossEntropyLoss, Linear, noGrad, ReLU, Sequential, Variable } from "../../mod.ts";

interface Curve {
  init: Record<string, EncodedArray>;
  batches: { x: EncodedArray; y: EncodedArray }[];
  lr: number;
  losses: number[];
}
const fixture = loadFixture<{ mlp: Curve }>("nn.json");

test("a small MLP follows PyTorch's loss curve for 300 SGD steps (within 1e-3)", () => {
  const { init, batches, lr, losses } = fixture.mlp;
  const model = new Sequential().add(new Linear(20, 32)).add(ReLU).add(new Linear(32, 5));
  model.loadStateDict(Object.fromEntries(Object.entries(init).map(([k, v]) => [k, decodeTensor(v)])));
  const data = batches.map((b) => [decodeTensor(b.x), decodeTensor(b.y)]);
  const lossFn = new CrossEntropyLoss();
  let worst = 0;
  for (let step = 0; step < losses.length; step++) {
    const [inputs, targets] = data[step % data.length];
    const loss = lossFn.compute(model.forward(new Variable(inputs, false)), targets);
    model.zeroGrad();
    loss.backward();
    noGrad(() => {
      for (const p of model.parameters()) p.copy_(p.sub(p.grad!.mul(lr)));
    });
    worst = Math.max(worst, Math.abs(loss.data().item() - losses[step]));
  }
  assert.ok(worst < 1e-3, `largest loss difference ${worst}`);
});
