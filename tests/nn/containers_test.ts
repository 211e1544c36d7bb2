import { fileURLToPath } from "node:url";
import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  BatchNorm1d,
  Linear,
  loadModel,
  Module,
  ModuleDict,
  ModuleList,
  noGrad,
  Parameter,
  randn,
  ReLU,
  Sequential,
  type Tensor,
  zeros,
} from "../../mod.ts";

const expected = loadFixture<
  { parameter_names: string[]; state_dict_keys: string[]; x: EncodedArray; out: EncodedArray }
>(
  "containers/expected.json",
);
const modelFile = fileURLToPath(new URL("../fixtures/safetensors/containers_model.safetensors", import.meta.url));

/** The same network as Net in tests/fixtures/make_containers_fixtures.py. */
class Net extends Module {
  layers = new ModuleList([new Linear(3, 4), new Linear(4, 4)]);
  blocks = new ModuleDict({ enc: new Linear(4, 2), norm: new BatchNorm1d(2) });
  head = new Linear(2, 1);
  forward(x: Tensor): Tensor {
    for (const layer of this.layers) x = layer.forward(x).relu();
    return this.head.forward(this.blocks.get("norm").forward(this.blocks.get("enc").forward(x)));
  }
}

test("ModuleList/ModuleDict: parameter names and state-dict keys equal PyTorch's", () => {
  const net = new Net();
  assert.deepEqual(net.namedParameters().map(([n]) => n), expected.parameter_names);
  assert.deepEqual(Object.keys(net.stateDict()), expected.state_dict_keys);
  assert.equal(net.parameters().length, 10);
});

test("ModuleList/ModuleDict: a PyTorch-saved state dict loads and reproduces PyTorch's output", () => {
  const net = new Net();
  loadModel(net, modelFile);
  net.eval();
  const out = noGrad(() => net.forward(decodeTensor(expected.x)));
  assertClose(out.toArray() as Float32Array, decodeArray(expected.out) as Float32Array, { rtol: 1e-5, atol: 1e-6 });
});

test("ModuleList: append, extend, insert, at, set, pop, indexOf, iteration renumber the keys", () => {
  const a = new Linear(1, 1), b = new Linear(1, 2), c = new Linear(1, 3), d = new Linear(1, 4);
  const list = new ModuleList([a]).append(b).extend([c]);
  assert.equal(list.length, 3);
  list.insert(1, d); // a d b c
  assert.deepEqual([...list], [a, d, b, c]);
  assert.equal(list.at(-1), c);
  assert.equal(list.indexOf(b), 2);
  assert.equal(list.pop(0), a); // d b c
  list.set(2, a); // d b a
  assert.deepEqual(list.namedChildren().map(([n, m]) => [n, m]), [["0", d], ["1", b], ["2", a]]);
  assert.deepEqual(Object.keys(list.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
  list.insert(99, c); // past the end appends, as Python's insert
  assert.equal(list.at(3), c);
  assert.throws(() => list.at(4), /ModuleList.at: index 4 out of range for 4 modules/);
  assert.throws(() => list.append({} as Linear), /ModuleList.append: expected a Module/);
  assert.throws(() => new ModuleList([a, 3 as unknown as Module]), /element 1: expected a Module/);
  assert.throws(() => list.forward(zeros([1])), /ModuleList has no forward/);
  assert.ok(String(new ModuleList([new ReLU()])).includes("(0): ReLU()"));
});

test("ModuleDict: get, set, has, delete, keys, values, entries, iteration, insertion order", () => {
  const a = new Linear(1, 1), b = new Linear(1, 2);
  const dict = new ModuleDict([["z", a], ["1", b]]);
  assert.deepEqual(dict.keys(), ["z", "1"]); // insertion order even for integer-like names
  assert.deepEqual(Object.keys(dict.stateDict()), ["z.weight", "z.bias", "1.weight", "1.bias"]);
  assert.deepEqual(dict.values(), [a, b]);
  assert.deepEqual(dict.entries(), [["z", a], ["1", b]]);
  assert.deepEqual([...dict], ["z", "1"]);
  assert.equal(dict.get("1"), b);
  assert.ok(dict.has("z") && !dict.has("q"));
  dict.set("training", a); // a name that is also a Module property is fine: entries are not properties
  assert.equal(dict.length, 3);
  assert.ok(dict.delete("z"));
  assert.equal(dict.size, 2);
  assert.throws(() => dict.get("zz"), /no module "zz"; keys: 1, training/);
  assert.throws(() => dict.set("a.b", a), /contain no "."/);
  assert.throws(() => dict.set("", a), /non-empty/);
  assert.throws(() => dict.set("x", 1 as unknown as Linear), /expected a Module/);
  assert.throws(() => new ModuleDict(5 as unknown as Record<string, Module>), /expected an object of Modules/);
});

test("a Module holding Modules or Parameters in a plain array or object is an error naming the property", () => {
  class ArrayNet extends Module {
    layers = [new Linear(2, 2), new Linear(2, 2)];
    forward(x: Tensor) {
      return x;
    }
  }
  class ObjectNet extends Module {
    heads: Record<string, Module> = { a: new Linear(2, 2) };
    forward(x: Tensor) {
      return x;
    }
  }
  class ParamNet extends Module {
    weights = [new Parameter(zeros([2])), randn([2]).requiresGrad_()];
    forward(x: Tensor) {
      return x;
    }
  }
  class LeafNet extends Module {
    scales = { s: randn([2]).requiresGrad_() };
    forward(x: Tensor) {
      return x;
    }
  }
  assert.throws(
    () => new ArrayNet().parameters(),
    /ArrayNet\.layers holds Modules in a plain array.*use new ModuleList/,
  );
  assert.throws(() => new ArrayNet().stateDict(), /ArrayNet\.layers holds Modules in a plain array/);
  assert.throws(() => new ArrayNet().namedParameters(), /ArrayNet\.layers/);
  assert.throws(
    () => new ObjectNet().parameters(),
    /ObjectNet\.heads holds Modules in a plain object.*use new ModuleDict/,
  );
  assert.throws(() => new ParamNet().parameters(), /ParamNet\.weights holds Parameters in a plain array/);
  assert.throws(() => new LeafNet().stateDict(), /LeafNet\.scales holds Parameters in a plain object/);
  // Nested inside a registered child, the error still names the property.
  assert.throws(() => new Sequential(new ArrayNet()).parameters(), /ArrayNet\.layers/);
  // Plain data (numbers, non-trainable tensors, results) stays allowed.
  class DataNet extends Module {
    sizes = [1, 2, 3];
    cache = { t: zeros([2]), y: randn([2]).requiresGrad_().mul(2) };
    fc = new Linear(2, 2);
    forward(x: Tensor) {
      return x;
    }
  }
  assert.equal(new DataNet().parameters().length, 2);
});
