/**
 * The README's first example, kept runnable.
 *
 *   deno run -A examples/quickstart.ts      bun examples/quickstart.ts
 * @module
 */
import * as axon from "@axon/ml";
const { Sequential, Linear, ReLU, CrossEntropyLoss, Variable, noGrad } = axon;

axon.manualSeed(0);
const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
const lossFn = new CrossEntropyLoss();
const inputs = axon.randn([64, 1, 28, 28]);
const targets = axon.tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10));

const x = new Variable(inputs.view([-1, 784]), false);
const loss = lossFn.compute(model.forward(x), targets);
model.zeroGrad();
loss.backward(); // gradients in p.grad for every parameter
console.log(loss.data().item(), model.parameters()[0].grad!.shape);
const predicted = noGrad(() => model.forward(x).argmax(1)); // i32 class indices
console.log([...predicted.toArray().slice(0, 8)]);
