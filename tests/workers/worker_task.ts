/**
 * The body of the Worker tests (tests/workers/workers_test.ts): each Worker runs one task the
 * parent sends and posts back what it computed. The same functions run in the parent for the
 * single-run reference.
 * @module
 */
import {
  Adam,
  conv2d,
  CrossEntropyLoss,
  DataLoader,
  Linear,
  manualSeed,
  memory,
  randn,
  ReLU,
  Sequential,
  type Tensor,
  tensor,
  TensorDataset,
} from "../../mod.ts";

/** What a task posts back. */
export interface TaskResult {
  /** Per batch, the sum of the inputs and the targets (for iteration tasks). */
  batchSums?: number[];
  /** Final parameters, flattened in order (for training tasks). */
  params?: number[];
  /** `memory.nativeBytes()` when the task ended (for the scratch task). */
  nativeBytes?: number;
}

/** 512 samples of 20 features and 10 classes, the same for a given seed on every thread. */
function dataset(seed: number): TensorDataset {
  manualSeed(seed);
  const x = randn([512, 20]);
  const y = tensor(Int32Array.from({ length: 512 }, (_, i) => (i * 7 + seed) % 10));
  return new TensorDataset(x, y);
}

/** Iterates two shuffled epochs with prefetch on and returns a checksum per batch. */
export function iterate(seed: number): TaskResult {
  const loader = new DataLoader(dataset(seed), 32, true, { prefetch: true, seed });
  const batchSums: number[] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const [x, y] of loader) {
      batchSums.push((x as Tensor).sum().item() + 1000 * (y as Tensor).to("f32").sum().item());
    }
  }
  return { batchSums };
}

/** Trains a small MLP for one epoch (16 steps) with Adam from a prefetching loader. */
export function train(seed: number): TaskResult {
  const loader = new DataLoader(dataset(seed), 32, true, { prefetch: true, seed });
  manualSeed(seed + 1);
  const model = new Sequential().add(new Linear(20, 64)).add(ReLU).add(new Linear(64, 10));
  const optimizer = new Adam(model.parameters(), 1e-2);
  const lossFn = new CrossEntropyLoss();
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    lossFn.compute(model.forward(x as Tensor), y as Tensor).backward();
    optimizer.step();
  }
  const params = model.parameters().flatMap((p) => Array.from(p.data().toArray() as Float32Array));
  return { params };
}

/** One convolution (it takes per-thread scratch buffers), then the native byte count. */
export function convolve(): TaskResult {
  manualSeed(0);
  conv2d(randn([8, 16, 32, 32]), randn([32, 16, 3, 3])).sum().item();
  return { nativeBytes: memory.nativeBytes() };
}

/** Runs task `name` with `seed`. */
export function runTask(name: string, seed: number): TaskResult {
  if (name === "iterate") return iterate(seed);
  if (name === "train") return train(seed);
  if (name === "convolve") return convolve();
  throw new Error(`unknown worker task ${name}`);
}
