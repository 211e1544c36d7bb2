/**
 * The backend seam: ops reach their kernels through the registry keyed by `tensor.device`. A fake
 * "cuda" backend, registered here, delegates every kernel to the CPU's and counts the calls: the
 * counts prove dispatch goes through the registry (nothing in src/ops knows the fake), the values
 * prove it computes what the CPU does, and mixing devices in one op is an error naming both.
 */
import { assert, test } from "../harness.ts";
import * as axon from "../../mod.ts";
import type { Backend } from "../../src/backend/backend.ts";
import { cpuBackend } from "../../src/backend/cpu/mod.ts";
import { backendFor, registerBackend, unregisterBackend } from "../../src/backend/registry.ts";
import { Storage } from "../../src/tensor/storage.ts";

/** A "cuda" backend over host memory that runs the CPU's kernels and counts each method's calls. */
function fakeCuda(): { backend: Backend; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const backend = { ...cpuBackend, device: "cuda" } as Record<string, unknown>;
  for (const [name, value] of Object.entries(cpuBackend)) {
    if (typeof value !== "function") continue;
    backend[name] = (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return (value as (...a: unknown[]) => unknown).apply(cpuBackend, args);
    };
  }
  backend.allocate = (byteLength: number) => {
    calls.set("allocate", (calls.get("allocate") ?? 0) + 1);
    return Storage.wrap(Storage.allocate(byteLength).bytes, "cuda");
  };
  return { backend: backend as unknown as Backend, calls };
}

function withFakeCuda(body: (calls: Map<string, number>) => void): void {
  const { backend, calls } = fakeCuda();
  registerBackend(backend);
  try {
    body(calls);
  } finally {
    unregisterBackend("cuda");
  }
}

test("without a CUDA backend, moving a tensor to cuda is a clear error", () => {
  assert.throws(() => axon.tensor([1, 2]).to("cuda"), /CUDA backend is not available/);
  assert.throws(() => backendFor("cuda"), /CUDA backend is not available/);
  assert.equal(backendFor("cpu"), cpuBackend);
});

test("ops on a registered second device dispatch to its backend and match the CPU", () => {
  withFakeCuda((calls) => {
    axon.manualSeed(3);
    const a = axon.randn([4, 5]);
    const b = axon.randn([5, 3]);
    const ga = a.to("cuda");
    const gb = b.to("cuda");
    assert.equal(ga.device, "cuda");
    assert.equal(a.device, "cpu");
    const cpu = a.relu().add(1).matmul(b).softmax(1).sum(0);
    const dev = ga.relu().add(1).matmul(gb).softmax(1).sum(0);
    assert.equal(dev.device, "cuda");
    assert.deepEqual(dev.toArray(), cpu.toArray()); // the same kernels: the same bits
    for (const family of ["allocate", "unary", "binary", "gemm", "softmax", "reduce"]) {
      assert.ok((calls.get(family) ?? 0) > 0, `${family} ran on the fake backend`);
    }
    const back = dev.to("cpu");
    assert.equal(back.device, "cpu");
    assert.deepEqual(back.toArray(), cpu.toArray()); // the same kernels: the same bits
  });
});

test("a training step on the second device: gradients and the optimizer run there too", () => {
  withFakeCuda((calls) => {
    axon.manualSeed(5);
    const x = axon.randn([6, 4]);
    const w = axon.randn([3, 4]);
    const target = axon.tensor(Int32Array.from([0, 1, 2, 0, 1, 2]));
    const run = (device: "cpu" | "cuda") => {
      const p = new axon.Parameter(w.clone().to(device)); // a copy: the step updates it in place
      const opt = new axon.SGD([p], 0.1);
      const loss = new axon.CrossEntropyLoss().compute(
        new axon.Variable(x.to(device), false).matmul(p.t()),
        target.to(device),
      );
      loss.backward();
      opt.step();
      return { p, loss: loss.data() };
    };
    const cpu = run("cpu");
    const before = calls.get("sgdStep") ?? 0;
    const dev = run("cuda");
    assert.equal(dev.p.device, "cuda");
    assert.equal(dev.p.grad!.device, "cuda");
    assert.equal(calls.get("sgdStep"), before + 1);
    assert.ok((calls.get("crossEntropyBackward") ?? 0) > 0);
    assert.deepEqual(dev.loss.toArray(), cpu.loss.toArray()); // the same kernels: the same bits
    assert.deepEqual(dev.p.toArray(), cpu.p.toArray()); // the same kernels: the same bits
  });
});

test("an op mixing devices is an error naming the op and both devices", () => {
  withFakeCuda(() => {
    const a = axon.tensor([1.5, 2, 3]).to("cuda");
    const b = axon.tensor([1.5, 2, 3]);
    assert.throws(() => a.add(b), /add: expected all tensors on one device, but found tensors on cuda and cpu/);
    assert.throws(() => b.mul(a), /mul: .*cpu and cuda/);
    assert.throws(() => a.reshape([3, 1]).matmul(b.reshape([1, 3])), /matmul: .*cuda and cpu/);
    assert.throws(() => axon.where(b.gt(1), a, a), /where: .*cpu and cuda/);
  });
});

test("the CPU backend cannot be replaced or removed", () => {
  assert.throws(() => registerBackend({ ...cpuBackend }), /CPU backend is built in/);
  assert.throws(() => unregisterBackend("cpu"), /cannot be removed/);
});
