import { assert, assertClose, test } from "../harness.ts";
import { bytesOf, expected, fixturePath, rawBytes, toTensor, withTempDir } from "./helpers.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { BatchNorm1d, Linear, manualSeed, noGrad, randn, ReLU, Sequential, type Tensor, tensor } from "../../mod.ts";
import { loadModel, loadSafetensors, saveModel, saveSafetensors } from "../../src/io/mod.ts";

const fx = expected().model;

/** The Axon twin of the fixture's PyTorch model: Sequential(Linear(6, 4), BatchNorm1d(4), ReLU(), Linear(4, 3)). */
const makeModel = () => new Sequential(new Linear(6, 4), new BatchNorm1d(4), ReLU, new Linear(4, 3));

test("a PyTorch safetensors file loads into the equivalent Axon model exactly (I64 num_batches_tracked → i32)", () => {
  manualSeed(5);
  const model = makeModel();
  assert.deepEqual(Object.keys(model.stateDict()), fx.state_dict_order);
  const { missingKeys, unexpectedKeys, metadata } = loadModel(model, fixturePath(fx.file));
  assert.deepEqual([missingKeys, unexpectedKeys, metadata], [[], [], { format: "pt" }]);
  const state = model.stateDict();
  for (const [name, raw] of Object.entries(fx.tensors)) {
    if (name === "1.num_batches_tracked") continue;
    assert.equal(state[name].dtype, "f32", name);
    assert.deepEqual(state[name].shape, raw.shape, name);
    assert.deepEqual(bytesOf(state[name]), rawBytes(raw), `${name} differs from PyTorch's`);
  }
  assert.equal(state["1.num_batches_tracked"].dtype, "i32");
  assert.equal(state["1.num_batches_tracked"].item(), 3);
  model.eval();
  const out = noGrad(() => model.forward(toTensor(fx.x)));
  assertClose(out.toArray() as Float32Array, new Float32Array(rawBytes(fx.eval_out).buffer), {
    rtol: 1e-5,
    atol: 1e-6,
  });
});

test("saveModel writes PyTorch's names in state-dict order with format=pt; loadModel restores every value", () => {
  withTempDir((dir) => {
    manualSeed(9);
    const model = makeModel();
    model.train();
    noGrad(() => model.forward(randn([8, 6]))); // moves the running statistics and the counter
    const path = join(dir, "mnist_model.safetensors");
    saveModel(model, path, { epoch: "3" });
    const { tensors, metadata } = loadSafetensors(path);
    assert.deepEqual(Object.keys(tensors), fx.state_dict_order);
    assert.deepEqual(metadata, { format: "pt", epoch: "3" });
    assert.equal(tensors["1.num_batches_tracked"].dtype, "i32");

    manualSeed(10);
    const fresh = makeModel();
    const result = loadModel(fresh, path);
    assert.deepEqual(result.metadata, { format: "pt", epoch: "3" });
    const want = model.stateDict();
    for (const [name, t] of Object.entries(fresh.stateDict())) assert.deepEqual(bytesOf(t), bytesOf(want[name]), name);
    assert.deepEqual(readdirSync(dir), ["mnist_model.safetensors"]);
  });
});

test("the seed's MNIST MLP: saveModel then loadModel round trip", () => {
  withTempDir((dir) => {
    manualSeed(0);
    const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
    const path = join(dir, "mnist_model.safetensors");
    saveModel(model, path);
    const other = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
    loadModel(other, path);
    const x = randn([4, 784]);
    const a = noGrad(() => model.forward(x)).toArray() as Float32Array;
    const b = noGrad(() => other.forward(x)).toArray() as Float32Array;
    assert.deepEqual(b, a);
  });
});

test("loadModel: strict key checks, shape mismatch and int64 overflow name the file and leave the model untouched", () => {
  withTempDir((dir) => {
    manualSeed(3);
    const model = makeModel();
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, bytesOf(t)]));
    const unchanged = () => {
      for (const [k, t] of Object.entries(model.stateDict())) {
        assert.deepEqual(bytesOf(t), before[k], `${k} was modified`);
      }
    };
    const state = loadSafetensors(fixturePath(fx.file)).tensors;

    const missing = join(dir, "missing.safetensors");
    const partial: Record<string, Tensor> = { ...state };
    delete partial["3.bias"];
    saveSafetensors(missing, { ...partial, extra: tensor(new Float32Array([1])) });
    assert.throws(() => loadModel(model, missing), (e: unknown) => {
      assert.match(
        (e as Error).message,
        new RegExp(`^${missing}: loadStateDict: missing keys: 3\\.bias; unexpected keys: extra$`),
      );
      return true;
    });
    unchanged();
    const loose = loadModel(model, missing, { strict: false });
    assert.deepEqual([loose.missingKeys, loose.unexpectedKeys], [["3.bias"], ["extra"]]);
    assert.deepEqual(bytesOf(model.stateDict()["3.bias"]), before["3.bias"]);
    assert.deepEqual(bytesOf(model.stateDict()["0.weight"]), rawBytes(fx.tensors["0.weight"]));

    const model2 = makeModel();
    const before2 = bytesOf(model2.stateDict()["0.weight"]);
    const shaped = join(dir, "shape.safetensors");
    saveSafetensors(shaped, { ...state, "3.weight": randn([3, 5]) });
    assert.throws(() => loadModel(model2, shaped), /shape\.safetensors: loadStateDict: size mismatch for 3\.weight/);
    assert.deepEqual(bytesOf(model2.stateDict()["0.weight"]), before2);

    const overflow = join(dir, "overflow.safetensors");
    saveSafetensors(overflow, {
      ...state,
      "1.num_batches_tracked": tensor(new BigInt64Array([2n ** 40n]), { shape: [] }),
    });
    assert.throws(() => loadModel(model2, overflow), RangeError);
    assert.deepEqual(bytesOf(model2.stateDict()["0.weight"]), before2);

    assert.throws(() => loadModel(model2, join(dir, "absent.safetensors")), /absent\.safetensors: no such file/);
  });
});

test("loadModel converts dtypes: f16 and bf16 weights load into f32 parameters", () => {
  withTempDir((dir) => {
    const layer = new Linear(2, 2);
    const path = join(dir, "half.safetensors");
    const weight = tensor([[1, -2], [0.5, 3]], { dtype: "f32" });
    saveSafetensors(path, { weight: weight.to("f16"), bias: tensor([0.25, -8], { dtype: "f32" }).to("bf16") });
    loadModel(layer, path);
    assert.deepEqual(Array.from(layer.weight.toArray() as Float32Array), [1, -2, 0.5, 3]);
    assert.deepEqual(Array.from(layer.bias!.toArray() as Float32Array), [0.25, -8]);
  });
});
