// tidy(): frees exactly what it should. Kept: returned values (nested), Parameters, buffers, .grad,
// optimizer state, keep(); graph memory of a returned tensor until backward. The engine frees
// its own intermediates during backward without changing any gradient.
import { assert, test } from "../harness.ts";
import {
  Adam,
  autocast,
  BatchNorm1d,
  checkpoint,
  Conv2d,
  CrossEntropyLoss,
  dispose,
  keep,
  Linear,
  manualSeed,
  memory,
  type Optimizer,
  randn,
  ReLU,
  RMSprop,
  Sequential,
  SGD,
  type Tensor,
  tensor,
  tidy,
} from "../../mod.ts";
import type { Storage } from "../../src/tensor/storage.ts";
import { closeScope, openScope } from "../../src/tensor/lifetime.ts";
import { record } from "../../src/autograd/graph.ts";

function bits(t: Tensor): number[] {
  return [...new Uint32Array(t.detach().contiguous().toArray().slice().buffer)];
}

function model(): Sequential {
  return new Sequential().add(new Linear(6, 8)).add(ReLU).add(new Linear(8, 3));
}

const targets = () => tensor(Int32Array.from([0, 1, 2, 1, 0]));

test("tidy: the returned value survives (a tensor, arrays, objects and Maps, nested); everything else is disposed", () => {
  manualSeed(0);
  const made: Tensor[] = [];
  const out = tidy(() => {
    const a = randn(3);
    const b = a.mul(2);
    made.push(a, b);
    return { x: b.add(1), list: [a.sub(1), new Map([["e", b.exp()]])], n: 3 };
  });
  assert.ok(made.every((t) => t.isDisposed), "intermediates are disposed");
  assert.equal(out.n, 3);
  const a = made[0];
  assert.throws(() => a.toArray(), /tensor was disposed: f32 \[3\]/);
  assert.equal(out.x.isDisposed, false);
  assert.equal((out.list[0] as Tensor).isDisposed, false);
  const e = (out.list[1] as Map<string, Tensor>).get("e")!;
  assert.equal(e.isDisposed, false);
  // The values are those of the same computation without tidy.
  manualSeed(0);
  const a2 = randn(3);
  assert.deepEqual(bits(out.x), bits(a2.mul(2).add(1)));
  assert.deepEqual(bits(e), bits(a2.mul(2).exp()));
  // A returned view keeps the storage of a disposed base.
  const v = tidy(() => randn(2, 3).add(0).view(-1));
  assert.equal(v.toArray().length, 6);
});

test("tidy: nested scopes hand the inner result to the outer scope, which disposes it unless it returns it too", () => {
  let inner: Tensor | undefined;
  let innerTemp: Tensor | undefined;
  const kept = tidy(() => {
    inner = tidy(() => {
      innerTemp = randn(2);
      return innerTemp.add(1);
    });
    assert.equal(innerTemp!.isDisposed, true, "the inner scope freed its temporary");
    assert.equal(inner.isDisposed, false, "the inner result lives in the outer scope");
    return inner.mul(3);
  });
  assert.equal(inner!.isDisposed, true, "the outer scope freed the inner result it did not return");
  assert.equal(kept.isDisposed, false);
  const both = tidy(() => tidy(() => randn(2)));
  assert.equal(both.isDisposed, false, "returned through both scopes");
});

test("tidy: keep(t) survives every scope until disposed; dispose(structure) frees a whole structure", () => {
  let k: Tensor | undefined;
  tidy(() => {
    tidy(() => {
      k = keep(randn(4).add(1));
    });
  });
  assert.equal(k!.isDisposed, false);
  k!.dispose();
  assert.equal(k!.isDisposed, true);
  const parts = { a: randn(2), b: [randn(3), 7, new Map([["c", randn(1)]])] };
  dispose(parts);
  assert.ok(parts.a.isDisposed && (parts.b[0] as Tensor).isDisposed);
  assert.ok((parts.b[2] as Map<string, Tensor>).get("c")!.isDisposed);
  assert.throws(() => keep(k!), /tensor was disposed/);
});

test("tidy: Parameters made inside survive, and views of parameters used inside do not free them", () => {
  manualSeed(1);
  const net = tidy(() => {
    const m = model();
    m.forward(randn(5, 6)).sum().item(); // weight.t() views etc.
    return m;
  });
  for (const p of net.parameters()) assert.equal(p.isDisposed, false);
  tidy(() => net.forward(randn(5, 6)).sum());
  for (const p of net.parameters()) assert.equal(p.isDisposed, false);
  assert.equal(net.forward(randn(5, 6)).shape[1], 3);
});

test("tidy: .grad survives; gradients replaced inside a later tidy (zeroGrad) are freed at its end", () => {
  manualSeed(2);
  const net = model();
  const x = randn(5, 6);
  const y = targets();
  const lossFn = new CrossEntropyLoss();
  tidy(() => lossFn.compute(net.forward(x), y).backward());
  const first = net.parameters().map((p) => p.grad!);
  assert.ok(first.every((g) => g !== null && !g.isDisposed), "gradients made inside tidy survive it");
  // Accumulation into an existing .grad (a second backward without zeroGrad) inside tidy.
  tidy(() => lossFn.compute(net.forward(x), y).backward());
  const second = net.parameters().map((p) => p.grad!);
  assert.ok(second.every((g) => !g.isDisposed));
  assert.ok(first.every((g) => g.isDisposed), "the replaced gradients belonged to the tidy that replaced them");
  tidy(() => net.zeroGrad());
  assert.ok(second.every((g) => g.isDisposed), "zeroGrad inside tidy frees the old gradients at its end");
  // Outside tidy, a replaced gradient stays usable (PyTorch: whoever holds it may use it).
  lossFn.compute(net.forward(x), y).backward();
  const held = net.parameters()[0].grad!;
  net.zeroGrad();
  assert.equal(held.isDisposed, false);
});

test("tidy: optimizer state created lazily inside tidy (Adam moments, AMSGrad, SGD momentum, RMSprop) survives and training matches", () => {
  const makers: [string, (p: Tensor[]) => Optimizer][] = [
    ["Adam", (p) => new Adam(p, 0.05)],
    ["Adam amsgrad", (p) => new Adam(p, 0.05).amsgrad(true)],
    ["SGD momentum", (p) => new SGD(p, 0.05).momentum(0.9)],
    ["RMSprop centered", (p) => new RMSprop(p, 0.01).momentum(0.5).centered(true)],
  ];
  for (const [name, make] of makers) {
    const run = (wrap: boolean) => {
      manualSeed(3);
      const net = model();
      const opt = make(net.parameters());
      const x = randn(5, 6);
      const y = targets();
      const lossFn = new CrossEntropyLoss();
      const step = () => {
        opt.zeroGrad();
        lossFn.compute(net.forward(x), y).backward();
        opt.step();
      };
      for (let i = 0; i < 4; i++) wrap ? tidy(step) : step();
      const state = [...(opt as unknown as { state: Map<Tensor, Record<string, unknown>> }).state.values()]
        .flatMap((s) => Object.values(s).filter((v): v is Tensor => typeof v === "object" && v !== null));
      return { params: net.parameters().map(bits), state };
    };
    const plain = run(false);
    const tidied = run(true);
    assert.ok(tidied.state.length >= 4, `${name}: state tensors exist`);
    assert.ok(tidied.state.every((t) => !t.isDisposed), `${name}: optimizer state survives tidy`);
    assert.deepEqual(tidied.params, plain.params, `${name}: parameters bit-identical with and without tidy`);
  }
});

test("tidy: module buffers survive (registered inside, updated in training, converted by to())", () => {
  manualSeed(4);
  const bn = tidy(() => new BatchNorm1d(3));
  tidy(() => bn.forward(randn(8, 3).mul(2).add(1)));
  assert.equal(bn.running_mean!.isDisposed, false);
  assert.notDeepEqual([...bn.running_mean!.toArray()], [0, 0, 0], "running stats were updated");
  tidy(() => bn.to("f64"));
  assert.equal(bn.running_mean!.dtype, "f64");
  assert.equal(bn.running_var!.isDisposed, false);
  assert.equal(bn.num_batches_tracked!.isDisposed, false);
  bn.eval();
  assert.equal(bn.forward(randn(2, 3).to("f64")).shape[0], 2);
});

test("tidy: a returned loss keeps its graph's memory until backward, which frees it; gradients equal the plain run's", () => {
  manualSeed(5);
  const net = model();
  const x = randn(5, 6);
  const y = targets();
  const lossFn = new CrossEntropyLoss();
  const storages: Storage[] = [];
  let hidden: Tensor | undefined;
  const loss = tidy(() => {
    const h = net.forward(x);
    hidden = h;
    storages.push(h.storage);
    return lossFn.compute(h, y);
  });
  assert.equal(hidden!.isDisposed, true, "the intermediate is disposed as an object");
  assert.equal(storages[0].disposed, false, "its memory is kept for the graph");
  loss.backward();
  assert.equal(storages[0].disposed, true, "backward freed it once consumed");
  const grads = net.parameters().map((p) => bits(p.grad!));
  net.zeroGrad();
  lossFn.compute(net.forward(x), y).backward();
  assert.deepEqual(grads, net.parameters().map((p) => bits(p.grad!)));
});

test("tidy: a graph not reachable from the result (evaluation without noGrad) is released at the end", () => {
  manualSeed(6);
  const net = model();
  const x = randn(5, 6);
  const baseline = memory.stats().savedBytes;
  const storages: Storage[] = [];
  const predicted = tidy(() => {
    const h = net.forward(x);
    storages.push(h.storage);
    assert.ok(memory.stats().savedBytes > baseline, "the forward saved tensors");
    return h.argmax(1);
  });
  assert.equal(memory.stats().savedBytes, baseline, "the graph's saved memory was released");
  assert.equal(storages[0].disposed, true);
  assert.equal(predicted.shape[0], 5);
});

test("tidy: async functions and Promises are refused clearly; an exception still frees the scope", () => {
  const asyncFn = async () => {
    await null;
    return randn(2);
  };
  assert.throws(() => tidy(asyncFn as unknown as () => Tensor), /tidy: fn is an async function/);
  let made: Tensor | undefined;
  assert.throws(
    () =>
      tidy(() => {
        made = randn(2);
        return Promise.resolve(made);
      }),
    /tidy: fn returned a Promise/,
  );
  assert.equal(made!.isDisposed, true);
  let before: Tensor | undefined;
  assert.throws(() =>
    tidy(() => {
      before = randn(2);
      throw new Error("boom");
    }), /boom/);
  assert.equal(before!.isDisposed, true);
  assert.throws(() => tidy(3 as unknown as () => void), /tidy: fn must be a function, got/);
});

test("tidy: checkpointing, and autocast regions around tidy (cached casts), give the plain run's gradients", () => {
  const run = (wrap: boolean) => {
    manualSeed(7);
    const net = model();
    const x = randn(5, 6);
    const y = targets();
    const lossFn = new CrossEntropyLoss();
    const grads: number[][] = [];
    const checkpointed = () => {
      net.zeroGrad();
      lossFn.compute(checkpoint((h) => net.forward(h), x), y).backward();
    };
    for (let i = 0; i < 2; i++) wrap ? tidy(checkpointed) : checkpointed();
    grads.push(...net.parameters().map((p) => bits(p.grad!)));
    // The region caches the bf16 casts of the weights; a tidy inside it disposes them at its end,
    // and the next step must cast again instead of using a disposed cast.
    const evaluate = () => bits(net.forward(x).to("f32"));
    autocast("bf16", () => {
      for (let i = 0; i < 3; i++) grads.push(wrap ? tidy(evaluate) : evaluate());
    });
    return grads;
  };
  assert.deepEqual(run(true), run(false));
});

test("backward frees its own intermediates: after it, every tensor it made is disposed except the .grad it stored", () => {
  manualSeed(8);
  const net = new Sequential().add(new Linear(6, 8)).add(ReLU).add(new Linear(8, 8)).add(ReLU).add(new Linear(8, 3));
  const x = randn(5, 6);
  const loss = new CrossEntropyLoss().compute(net.forward(x).mul(0.5).add(net.forward(x)), targets());
  const scope = openScope();
  try {
    loss.backward();
  } finally {
    closeScope(scope);
  }
  const grads = new Set(net.parameters().map((p) => p.grad!));
  assert.ok(scope.length > 0);
  for (const t of scope) {
    if (grads.has(t)) assert.equal(t.isDisposed, false);
    else assert.equal(t.isDisposed, true, `an engine tensor ${t.dtype} [${t.shape}] was left alive`);
  }
});

test("backward frees the saved tensors the user disposed once their node ran (not before), with unchanged gradients", () => {
  manualSeed(9);
  const l1 = new Linear(6, 8);
  const l2 = new Linear(8, 3);
  const x = randn(5, 6);
  const forward = () => {
    const h = l1.forward(x);
    const a = h.relu();
    const z = l2.forward(a);
    return { h, a, z, loss: new CrossEntropyLoss().compute(z, targets()) };
  };
  const plain = forward();
  plain.loss.backward();
  const expected = [...l1.parameters(), ...l2.parameters()].map((p) => bits(p.grad!));
  l1.zeroGrad();
  l2.zeroGrad();
  const f = forward();
  const storages = [f.h.storage, f.a.storage, f.z.storage];
  dispose([f.h, f.a, f.z]); // the user is done with them; the graph is not
  assert.ok(storages.every((s) => !s.disposed), "held by the graph until backward");
  f.loss.backward(null, { retainGraph: true });
  assert.ok(storages.every((s) => !s.disposed), "retainGraph keeps them");
  f.loss.backward();
  assert.ok(storages.every((s) => s.disposed), "the second backward released them");
  const got = [...l1.parameters(), ...l2.parameters()].map((p) => bits(p.grad!.div(2)));
  assert.deepEqual(got, expected, "gradients (accumulated twice, halved) equal the plain run's");
  assert.throws(() => f.h.toArray(), /tensor was disposed: f32 \[5, 8\]/);
});

test("backward: a rule returning one tensor for two inputs, or a tensor it captured, leaves both gradients and the captured tensor intact", () => {
  const a = randn(3).requiresGrad_();
  const b = randn(3).requiresGrad_();
  const captured = randn(3);
  const expected = bits(captured);
  const twice = record(a.detach().add(b.detach()), "twice", [a, b], (g) => {
    const t = g.mul(2);
    return [t, t];
  });
  twice.sum().backward();
  assert.deepEqual([...a.grad!.toArray()], [2, 2, 2]);
  assert.deepEqual([...b.grad!.toArray()], [2, 2, 2]);
  const c = randn(3).requiresGrad_();
  record(c.detach().mul(1), "capture", [c], () => [captured]).sum().backward();
  assert.equal(captured.isDisposed, false, "the engine freed only its own view of the captured tensor");
  assert.deepEqual(bits(captured), expected);
  assert.deepEqual(bits(c.grad!), expected);
});

test("backward rules may call contiguous(), to(same dtype) and t() on the disposed tensors they hold", () => {
  const w = randn(4).requiresGrad_();
  const x = randn(4); // 1-d and contiguous: each call returns x itself
  const expected = bits(x);
  const y = record(w.detach().mul(x), "custom", [w], (g) => [g.mul(x.contiguous().to("f32").t())], [x]);
  x.dispose();
  y.sum().backward();
  assert.deepEqual(bits(w.grad!), expected);
  assert.throws(() => x.contiguous(), /tensor was disposed: f32 \[4\]/, "outside backward it is an error again");
});

test("backward frees the contiguous copy conv2d made of a strided input once its node ran; the gradient is unchanged", () => {
  const run = (strided: boolean) => {
    manualSeed(11);
    const conv = new Conv2d(2, 3, 3, { padding: 1 });
    const base = randn(1, 5, 5, 2); // NHWC, permuted to NCHW: not contiguous
    const x = strided ? base.permute(0, 3, 1, 2) : base.permute(0, 3, 1, 2).contiguous();
    const scope = openScope();
    let y: Tensor;
    try {
      y = conv.forward(x).square().sum();
    } finally {
      closeScope(scope);
    }
    const copies = scope.filter((t) => t.shape.join() === "1,2,5,5" && t !== x);
    y.backward();
    return { grads: conv.parameters().map((p) => bits(p.grad!)), copies };
  };
  const strided = run(true);
  assert.equal(strided.copies.length, 1, "conv2d made one contiguous copy of the input");
  assert.equal(strided.copies[0].isDisposed, true, "the node freed it when released");
  assert.deepEqual(strided.grads, run(false).grads);
});
