/**
 * The autograd graph and its backward pass, in the spirit of micrograd: every differentiable op
 * records a {@link Node} (inputs, saved tensors, backward rule) on its output; `backward` walks
 * the nodes in reverse topological order and accumulates gradients into the leaves' `.grad`.
 *
 * Backward rules run with recording off (no double backward).
 * @module
 */
import { formatShape } from "../tensor/shape.ts";
import { dtypeInfo } from "../tensor/dtype.ts";
import type { Storage } from "../tensor/storage.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { isGradEnabled, noGrad } from "./grad_mode.ts";
import { withAutocastState } from "./amp/autocast.ts";
import { retainSaved, SavedGroup } from "./memory.ts";

/** A backward rule: gradients for each input (null where an input needs none). */
export type BackwardRule = (grad: Tensor) => readonly (Tensor | null)[];

/** One recorded op. */
export class Node {
  /** Op name, for error messages and `gradFn.name`. */
  readonly name: string;
  /** The op's tensor inputs (their `requiresGrad` decides which gradients are used). */
  inputs: readonly Tensor[];
  #rule: BackwardRule | null;
  #saved: readonly Tensor[];
  #savedVersions: readonly number[];
  /** Accounting ids of the saved storages (src/autograd/memory.ts). */
  #savedIds: number[];
  /**
   * The graph's saved-memory group (memory.ts), shared with the nodes this one consumes, so the
   * group's watch reports the graph's collection once its last node is gone.
   */
  readonly #group: SavedGroup | null;

  /** Records an op; `saved` tensors are checked for in-place changes when the rule runs. */
  constructor(name: string, inputs: readonly Tensor[], rule: BackwardRule, saved: readonly Tensor[]) {
    this.name = name;
    this.inputs = inputs;
    this.#rule = rule;
    this.#saved = saved;
    this.#savedVersions = saved.map((t) => t.storage.version);
    this.#savedIds = saved.length === 0 ? [] : retainSaved(saved);
    let inherited: SavedGroup | null = null;
    for (const t of inputs) {
      const node = t.gradFn;
      const group = node === null ? null : node.#group;
      if (group && !group.closed) {
        inherited = group;
        break;
      }
    }
    this.#group = this.#savedIds.length > 0 ? inherited ?? new SavedGroup() : inherited;
    if (this.#savedIds.length > 0) this.#group!.add(this.#savedIds);
  }

  /** Runs the rule after checking that no saved tensor was modified in place. */
  apply(grad: Tensor): readonly (Tensor | null)[] {
    if (this.#rule === null) {
      throw new Error(
        `${this.name}: trying to backward through the graph a second time (its saved tensors were freed); ` +
          `pass { retainGraph: true } to the first backward() if you need to backward twice`,
      );
    }
    this.#saved.forEach((t, i) => {
      if (t.storage.version !== this.#savedVersions[i]) {
        throw new Error(
          `${this.name}: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
            `${t.dtype} ${formatShape(t.shape)} is at version ${t.storage.version}; expected version ${
              this.#savedVersions[i]
            }`,
        );
      }
    });
    return this.#rule(grad);
  }

  /** Drops the rule and saved tensors (after a backward without retainGraph). */
  release(): void {
    this.#rule = null;
    this.#saved = [];
    if (this.#savedIds.length > 0) {
      this.#group!.release(this.#savedIds);
      this.#savedIds = [];
    }
  }
}

/** True when an op on `inputs` must be recorded. */
export function needsGrad(...inputs: readonly (Tensor | number | undefined | null)[]): boolean {
  if (!isGradEnabled()) {
    if (probing) {
      for (const t of inputs) if (typeof t === "object" && t !== null && t.requiresGrad) probeSawGrad = true;
    }
    return false;
  }
  for (const t of inputs) if (typeof t === "object" && t !== null && t.requiresGrad) return true;
  return false;
}

let probing = false;
let probeSawGrad = false;

/**
 * Runs `fn` (with recording off) and reports whether any op inside it was given a tensor that
 * requires grad — i.e. whether the same code with recording on would have built a graph.
 * Checkpointing uses it to decide whether its output needs a backward node.
 */
export function probeGradUse<T>(fn: () => T): { result: T; usesGrad: boolean } {
  const [wasProbing, saw] = [probing, probeSawGrad];
  probing = true;
  probeSawGrad = false;
  try {
    const result = noGrad(fn);
    return { result, usesGrad: probeSawGrad };
  } finally {
    const inner = probeSawGrad;
    probing = wasProbing;
    probeSawGrad = saw || inner;
  }
}

/**
 * Attaches a node to `out` when recording is on and some input requires grad. `saved` are the
 * tensors the rule reads (checked against in-place modification). Returns `out`.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  rule: BackwardRule,
  saved: readonly Tensor[] = [],
): Tensor {
  if (!needsGrad(...inputs)) return out;
  out.gradFn = new Node(name, inputs, rule, saved);
  out.requiresGrad = true;
  return out;
}

/** Nodes reachable from `root`, each after every node that consumes its output. */
function topologicalOrder(root: Node): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>();
  // Iterative DFS: deep graphs (long sequences of ops) must not overflow the JS stack.
  const stack: [Node, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const child = node.inputs[next].gradFn;
      if (child !== null && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/** Options of {@link runBackward}. */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again. */
  retainGraph?: boolean;
}

/** A hook run after a gradient was accumulated into `leaf.grad`. */
export type PostAccumulateGradHook = (leaf: Tensor) => void;

const postAccumulateGradHooks = new WeakMap<Tensor, PostAccumulateGradHook[]>();
// Callbacks of the running backward passes (nested ones, e.g. checkpointing, push above their
// caller's); one array for all, so a backward allocates nothing for them.
const backwardCallbacks: (() => void)[] = [];
let backwardDepth = 0;

/**
 * Runs `hook(leaf)` each time a backward accumulates a gradient into `leaf.grad` (PyTorch's
 * `register_post_accumulate_grad_hook`; a leaf used by several ops of one graph gets one call per
 * use). DistributedDataParallel starts a bucket's all-reduce from it. Returns a handle to remove it.
 */
export function registerPostAccumulateGradHook(leaf: Tensor, hook: PostAccumulateGradHook): { remove(): void } {
  const hooks = postAccumulateGradHooks.get(leaf) ?? [];
  hooks.push(hook);
  postAccumulateGradHooks.set(leaf, hooks);
  return {
    remove() {
      const i = hooks.indexOf(hook);
      if (i >= 0) hooks.splice(i, 1);
    },
  };
}

/**
 * Runs `fn` once when the backward pass in progress has finished (PyTorch's
 * `Variable._execution_engine.queue_callback`); only callable from inside a backward (a hook).
 */
export function queueBackwardCallback(fn: () => void): void {
  if (backwardDepth === 0) throw new Error("queueBackwardCallback: no backward pass is running");
  backwardCallbacks.push(fn);
}

/** Back-propagates `grad` (d root / d root) from `root` and accumulates into leaf `.grad`s. */
export function runBackward(root: Tensor, grad: Tensor, options: BackwardOptions = {}): void {
  const first = backwardCallbacks.length;
  backwardDepth++;
  try {
    backwardThroughGraph(root, grad, options);
    for (let i = first; i < backwardCallbacks.length; i++) backwardCallbacks[i]();
  } finally {
    backwardCallbacks.length = first;
    backwardDepth--;
  }
}

function backwardThroughGraph(root: Tensor, grad: Tensor, options: BackwardOptions): void {
  const rootNode = root.gradFn;
  if (rootNode === null) {
    if (root.requiresGrad) accumulateLeaf(root, grad, new Set([grad.storage]));
    return;
  }
  // Backward rules run in the dtypes of the forward, whatever autocast region backward() is in.
  withAutocastState(null, () =>
    noGrad(() => {
      // Storages already handed to a leaf (or owned by the caller): a gradient living in one of
      // these is copied, anything else is adopted as `.grad` without a copy.
      const handedOut = new Set<Storage>([grad.storage]);
      const pending = new Map<Node, Tensor>([[rootNode, grad]]);
      for (const node of topologicalOrder(rootNode)) {
        const g = pending.get(node);
        pending.delete(node);
        if (g === undefined) continue;
        const inputGrads = node.apply(g);
        node.inputs.forEach((input, i) => {
          let gi = inputGrads[i];
          if (gi === null || gi === undefined || !input.requiresGrad) return;
          // A gradient has its input's dtype (PyTorch's engine casts too): an f16 branch feeding
          // an f32 op gets f16 gradients, and the f32 parameters behind a cast get f32 ones.
          if (gi.dtype !== input.dtype) gi = gi.to(input.dtype);
          if (gi.shape.length !== input.shape.length || gi.shape.some((d, k) => d !== input.shape[k])) {
            throw new Error(
              `${node.name} backward produced a gradient of shape ${formatShape(gi.shape)} for an input of shape ${
                formatShape(input.shape)
              }`,
            );
          }
          if (input.gradFn === null) {
            accumulateLeaf(input, gi, handedOut);
          } else {
            const previous = pending.get(input.gradFn);
            pending.set(input.gradFn, previous === undefined ? gi : previous.add(gi));
          }
        });
        if (!options.retainGraph) node.release();
      }
    }));
}

function accumulateLeaf(leaf: Tensor, grad: Tensor, handedOut: Set<Storage>): void {
  const g = grad.dtype === leaf.dtype ? grad : grad.to(leaf.dtype);
  if (leaf.grad !== null) {
    leaf.grad = leaf.grad.add(g);
    postAccumulateGradHooks.get(leaf)?.forEach((hook) => hook(leaf));
    return;
  }
  // A `.grad` must own its memory: rules pass gradients through (add, views), and a gradient
  // sharing storage with another would change under in-place updates of the other (clipping,
  // zeroing). A gradient that fills a storage nobody else received is adopted as is.
  const whole = g.isContiguous() && g.offset === 0 && g.numel * dtypeInfo(g.dtype).size === g.storage.byteLength;
  const owned = whole && !handedOut.has(g.storage) ? g.detach() : g.detach().clone();
  handedOut.add(owned.storage);
  leaf.grad = owned;
  postAccumulateGradHooks.get(leaf)?.forEach((hook) => hook(leaf));
}
