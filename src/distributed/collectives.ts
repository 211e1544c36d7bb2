/**
 * Collectives on the default process group, with PyTorch's semantics: they modify their tensors
 * in place, block until done unless `{ asyncOp: true }` (then they return a {@link Work}), and
 * every rank must call the same collectives in the same order with tensors of the same size and
 * dtype (f32, f16, bf16 or i32).
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { Tensor } from "../tensor/tensor.ts";
import { formatShape } from "../tensor/shape.ts";
import { checkOptions } from "../utils/options.ts";
import { defaultGroup, type ReduceOpName, type Work } from "./process_group.ts";

/** Options of the collectives. */
export interface CollectiveOptions {
  /** Return a {@link Work} at once instead of blocking (PyTorch's `async_op`). */
  asyncOp?: boolean;
}

const OPS = new Set<string>(["sum", "avg", "max", "min"]);

function checkOp(where: string, op: unknown): ReduceOpName {
  if (typeof op !== "string" || !OPS.has(op)) {
    throw new RangeError(`${where}: op must be one of sum, avg, max, min, got ${String(op)}`);
  }
  return op as ReduceOpName;
}

function asyncOf(where: string, options: CollectiveOptions | undefined): boolean {
  return checkOptions<CollectiveOptions>(where, options, ["asyncOp"]).asyncOp ?? false;
}

/** A Work that runs `after` once `inner` completes (copies back from a contiguous temporary). */
function then(inner: Work, after: () => void): Work {
  let done = false;
  return {
    get completed() {
      return done;
    },
    wait() {
      if (done) return;
      inner.wait();
      done = true;
      after();
    },
  };
}

function finish(work: Work, asyncOp: boolean): Work | void {
  if (asyncOp) return work;
  work.wait();
}

/** Runs `fn` on a contiguous stand-in for `t` and copies the result back when `t` is a strided view. */
function inPlace(t: Tensor, fn: (c: Tensor) => Work): Work {
  if (t.isContiguous()) return fn(t);
  const c = t.detach().contiguous();
  return then(fn(c), () => noGrad(() => t.copy_(c)));
}

function tensorArg(where: string, t: unknown, role = "tensor"): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: ${role} must be a Tensor`);
  return t;
}

/**
 * Reduces `t` over all ranks, in place: afterwards every rank's `t` holds the sum (or avg, max,
 * min) of all ranks' `t`. f16/bf16 are reduced in f32 and rounded once.
 *
 * @example
 * ```ts
 * import { distributed, full } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * distributed.initProcessGroup();
 * const t = full([3], distributed.getRank() + 1);
 * distributed.allReduce(t, "sum"); // every rank: [3, 3, 3] with two ranks
 * assert.equal(t.toArray()[0], (distributed.getWorldSize() * (distributed.getWorldSize() + 1)) / 2);
 * ```
 */
export function allReduce(t: Tensor, op?: ReduceOpName, options?: { asyncOp?: false }): void;
/** Asynchronous form: returns the {@link Work} to wait on. */
export function allReduce(t: Tensor, op: ReduceOpName, options: { asyncOp: true }): Work;
export function allReduce(t: Tensor, op: ReduceOpName = "sum", options?: CollectiveOptions): Work | void {
  const asyncOp = asyncOf("allReduce", options);
  tensorArg("allReduce", t);
  const o = checkOp("allReduce", op);
  const group = defaultGroup("allReduce");
  return finish(inPlace(t, (c) => group.allReduce(c, o, !asyncOp)), asyncOp);
}

/**
 * Copies rank `src`'s `t` into `t` on every rank, in place.
 *
 * @example
 * ```ts
 * import { distributed, Linear } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const model = new Linear(4, 2);
 * distributed.broadcast(model.parameters()[0], 0); // every rank starts from rank 0's weights
 * ```
 */
export function broadcast(t: Tensor, src?: number, options?: { asyncOp?: false }): void;
/** Asynchronous form: returns the {@link Work} to wait on. */
export function broadcast(t: Tensor, src: number, options: { asyncOp: true }): Work;
export function broadcast(t: Tensor, src = 0, options?: CollectiveOptions): Work | void {
  const asyncOp = asyncOf("broadcast", options);
  tensorArg("broadcast", t);
  const group = defaultGroup("broadcast");
  if (!Number.isInteger(src) || src < 0 || src >= group.size) {
    throw new RangeError(`broadcast: src must be a rank in [0, ${group.size}), got ${src}`);
  }
  return finish(inPlace(t, (c) => group.broadcast(c, src, !asyncOp)), asyncOp);
}

/**
 * Gathers every rank's `input` into `output`, whose leading dimension is world size × the input's
 * (PyTorch's `all_gather_into_tensor`): rank r's input lands in block r.
 *
 * @example
 * ```ts
 * import { distributed, full, zeros } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const out = zeros([distributed.getWorldSize() * 4]);
 * distributed.allGatherIntoTensor(out, full([4], distributed.getRank()));
 * ```
 */
export function allGatherIntoTensor(output: Tensor, input: Tensor, options?: CollectiveOptions): Work | void {
  const asyncOp = asyncOf("allGatherIntoTensor", options);
  tensorArg("allGatherIntoTensor", output, "output");
  tensorArg("allGatherIntoTensor", input, "input");
  const group = defaultGroup("allGatherIntoTensor");
  const src = input.isContiguous() ? input : input.contiguous();
  return finish(inPlace(output, (c) => group.allGather(c, src, !asyncOp)), asyncOp);
}

/**
 * Gathers every rank's `input` into `outputs[r]` (PyTorch's `all_gather(tensor_list, tensor)`);
 * `outputs` has one tensor of the input's shape and dtype per rank.
 *
 * @example
 * ```ts
 * import { distributed, full, zeros } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const parts = Array.from({ length: distributed.getWorldSize() }, () => zeros([2]));
 * distributed.allGather(parts, full([2], distributed.getRank())); // parts[r] = rank r's tensor
 * ```
 */
export function allGather(outputs: Tensor[], input: Tensor, options?: CollectiveOptions): Work | void {
  const asyncOp = asyncOf("allGather", options);
  tensorArg("allGather", input, "input");
  const group = defaultGroup("allGather");
  if (!Array.isArray(outputs) || outputs.length !== group.size) {
    throw new RangeError(
      `allGather: outputs must be an array of ${group.size} tensors (one per rank), got ${
        Array.isArray(outputs) ? outputs.length : typeof outputs
      }`,
    );
  }
  outputs.forEach((o, r) => {
    tensorArg("allGather", o, `outputs[${r}]`);
    if (o.numel !== input.numel || o.dtype !== input.dtype) {
      throw new RangeError(
        `allGather: outputs[${r}] is ${o.dtype} ${formatShape(o.shape)}, the input is ${input.dtype} ${
          formatShape(input.shape)
        }`,
      );
    }
  });
  const flat = Tensor.empty([group.size * input.numel], input.dtype);
  const work = group.allGather(flat, input.isContiguous() ? input : input.contiguous(), !asyncOp);
  const scatterBack = () =>
    noGrad(() => outputs.forEach((o, r) => o.copy_(flat.narrow(0, r * input.numel, input.numel).view(o.shape))));
  return finish(then(work, scatterBack), asyncOp);
}

/**
 * Reduces `input` (world size × n elements) over ranks and leaves block `rank` of the result in
 * `output` (n elements) — PyTorch's `reduce_scatter_tensor`.
 *
 * @example
 * ```ts
 * import { distributed, ones, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * distributed.initProcessGroup();
 * const out = zeros([2]);
 * distributed.reduceScatterTensor(out, ones([2 * distributed.getWorldSize()]), "sum");
 * assert.deepEqual([...out.toArray()], [distributed.getWorldSize(), distributed.getWorldSize()]);
 * ```
 */
export function reduceScatterTensor(
  output: Tensor,
  input: Tensor,
  op: ReduceOpName = "sum",
  options?: CollectiveOptions,
): Work | void {
  const asyncOp = asyncOf("reduceScatterTensor", options);
  tensorArg("reduceScatterTensor", output, "output");
  tensorArg("reduceScatterTensor", input, "input");
  const o = checkOp("reduceScatterTensor", op);
  const group = defaultGroup("reduceScatterTensor");
  const src = input.isContiguous() ? input : input.contiguous();
  return finish(inPlace(output, (c) => group.reduceScatter(c, src, o, !asyncOp)), asyncOp);
}

/**
 * Reduces `inputs[r]` over ranks into rank r's `output` (PyTorch's `reduce_scatter(output,
 * input_list)`); `inputs` has one tensor of the output's shape and dtype per rank.
 *
 * @example
 * ```ts
 * import { distributed, ones, zeros } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const out = zeros([2]);
 * distributed.reduceScatter(out, Array.from({ length: distributed.getWorldSize() }, () => ones([2])), "sum");
 * ```
 */
export function reduceScatter(
  output: Tensor,
  inputs: Tensor[],
  op: ReduceOpName = "sum",
  options?: CollectiveOptions,
): Work | void {
  const group = defaultGroup("reduceScatter");
  tensorArg("reduceScatter", output, "output");
  if (!Array.isArray(inputs) || inputs.length !== group.size) {
    throw new RangeError(
      `reduceScatter: inputs must be an array of ${group.size} tensors (one per rank), got ${
        Array.isArray(inputs) ? inputs.length : typeof inputs
      }`,
    );
  }
  inputs.forEach((t, r) => {
    tensorArg("reduceScatter", t, `inputs[${r}]`);
    if (t.numel !== output.numel || t.dtype !== output.dtype) {
      throw new RangeError(
        `reduceScatter: inputs[${r}] is ${t.dtype} ${formatShape(t.shape)}, the output is ${output.dtype} ${
          formatShape(output.shape)
        }`,
      );
    }
  });
  const flat = Tensor.empty([group.size * output.numel], output.dtype);
  noGrad(() => inputs.forEach((t, r) => flat.narrow(0, r * output.numel, output.numel).copy_(t.reshape([-1]))));
  return reduceScatterTensor(output, flat, op, options);
}

/**
 * Blocks until every rank has called `barrier()`.
 *
 * @example
 * ```ts
 * import { distributed, Linear, saveModel } from "@axon/ml";
 *
 * distributed.initProcessGroup();
 * const model = new Linear(4, 2);
 * const path = `${Deno.makeTempDirSync()}/model.safetensors`;
 * if (distributed.getRank() === 0) saveModel(model, path);
 * distributed.barrier(); // the other ranks read the file only after rank 0 wrote it
 * ```
 */
export function barrier(options?: CollectiveOptions): Work | void {
  const asyncOp = asyncOf("barrier", options);
  return finish(defaultGroup("barrier").barrier(!asyncOp), asyncOp);
}
