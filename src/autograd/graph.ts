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
import { lifetime, type Tensor } from "../tensor/tensor.ts";
import {
  closeScope,
  enterGraphAccess,
  leaveGraphAccess,
  openScope,
  type Scope,
  untracked,
} from "../tensor/lifetime.ts";
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
  /** Tensors the rule may read (inputs, saved, `owns`): their memory outlives dispose() until release. */
  #held: readonly Tensor[];
  /** Tensors the forward made for the rule alone: disposed on release. */
  #owned: readonly (Tensor | null)[];

  /**
   * Records an op; `saved` tensors are checked for in-place changes when the rule runs. `owns`
   * are tensors the forward made only for the rule (e.g. max-pooling indices, packed copies of
   * the operands) and nobody else sees: held like saved tensors, neither version-checked nor
   * counted, and disposed when the node is released.
   */
  constructor(
    name: string,
    inputs: readonly Tensor[],
    rule: BackwardRule,
    saved: readonly Tensor[],
    owns: readonly (Tensor | null)[] = [],
  ) {
    this.name = name;
    const held: Tensor[] = [...inputs, ...saved];
    for (const t of owns) if (t !== null) held.push(t);
    this.#owned = owns;
    for (const t of held) lifetime.hold(t);
    this.#held = held;
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
    enterGraphAccess();
    try {
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
    } finally {
      leaveGraphAccess();
    }
  }

  /** Whether the rule is gone (a backward without retainGraph ran, or the node was released). */
  get released(): boolean {
    return this.#rule === null;
  }

  /** Drops the rule and saved tensors (after a backward without retainGraph). */
  release(): void {
    this.#rule = null;
    this.#saved = [];
    const held = this.#held;
    this.#held = [];
    for (const t of this.#owned) t?.dispose();
    this.#owned = [];
    for (const t of held) lifetime.unhold(t);
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
  owns: readonly (Tensor | null)[] = [],
): Tensor {
  if (!needsGrad(...inputs)) return out;
  out.gradFn = new Node(name, inputs, rule, saved, owns);
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

/**
 * Back-propagates `grad` (d root / d root) from `root` and accumulates into leaf `.grad`s.
 * `ownsGrad`: `grad` is the engine's to free (a fresh tensor or a view made for this call).
 */
export function runBackward(root: Tensor, grad: Tensor, options: BackwardOptions = {}, ownsGrad = false): void {
  const first = backwardCallbacks.length;
  backwardDepth++;
  try {
    backwardThroughGraph(root, grad, options, ownsGrad);
    // Untracked like the hooks that queue them: what they make is theirs (collectives in flight).
    untracked(() => {
      for (let i = first; i < backwardCallbacks.length; i++) backwardCallbacks[i]();
    });
  } finally {
    backwardCallbacks.length = first;
    backwardDepth--;
  }
}

/**
 * Runs one node's rule in a scope of its own: tensors the rule makes and does not return are
 * disposed when it returns; of those it returns, the ones it made (or passed through) are
 * returned with `made` set, the others (tensors the rule captured) are the caller's to view.
 */
function applyScoped(node: Node, g: Tensor, wanted: (i: number) => boolean): { grads: (Tensor | null)[]; made: Scope } {
  const scope = openScope();
  let grads: (Tensor | null)[] = [];
  try {
    grads = node.apply(g).map((gi, i) => (gi !== null && gi !== undefined && wanted(i) ? gi : null));
  } finally {
    const parent = closeScope(scope);
    for (const t of scope) {
      if (grads.includes(t)) parent?.push(t);
      else if (!lifetime.isKept(t)) t.dispose();
    }
  }
  return { grads, made: scope };
}

function backwardThroughGraph(root: Tensor, grad: Tensor, options: BackwardOptions, ownsGrad: boolean): void {
  const rootNode = root.gradFn;
  if (rootNode === null) {
    if (root.requiresGrad) accumulateLeaf(root, grad, new Set([grad.storage]));
    if (ownsGrad) grad.dispose();
    return;
  }
  // Backward rules run in the dtypes of the forward, whatever autocast region backward() is in.
  withAutocastState(null, () =>
    noGrad(() => {
      // Storages already handed to a leaf (or owned by the caller): a gradient living in one of
      // these is copied, anything else is adopted as `.grad` without a copy.
      const handedOut = new Set<Storage>([grad.storage]);
      // Every pending gradient is a tensor object of the engine's own, freed once consumed: the
      // memory of interior gradients goes as soon as the node that needed it has run.
      const pending = new Map<Node, Tensor>([[rootNode, ownsGrad ? grad : grad.detach()]]);
      // Gradients this pass stored into a `.grad` that was null: a second contribution replaces
      // them, and nobody else can hold them yet, so they are freed at once.
      const fresh = new Set<Tensor>();
      for (const node of topologicalOrder(rootNode)) {
        const g = pending.get(node);
        pending.delete(node);
        if (g === undefined) continue;
        const { grads: inputGrads, made } = applyScoped(node, g, (i) => node.inputs[i].requiresGrad);
        // One tensor object per edge, owned by the engine (all made before any is freed): a rule
        // may pass `g` through, return one tensor for two inputs, or return a tensor it captured.
        const given: Tensor[] = [];
        const edges = inputGrads.map((gi) => {
          if (gi === null) return null;
          const edge = gi === g || given.includes(gi) || !made.includes(gi) ? gi.detach() : gi;
          given.push(gi);
          return edge;
        });
        node.inputs.forEach((input, i) => {
          let gi = edges[i];
          if (gi === null) return;
          // A gradient has its input's dtype (PyTorch's engine casts too): an f16 branch feeding
          // an f32 op gets f16 gradients, and the f32 parameters behind a cast get f32 ones.
          if (gi.dtype !== input.dtype) {
            const cast = gi.to(input.dtype);
            gi.dispose();
            gi = cast;
          }
          if (gi.shape.length !== input.shape.length || gi.shape.some((d, k) => d !== input.shape[k])) {
            throw new Error(
              `${node.name} backward produced a gradient of shape ${formatShape(gi.shape)} for an input of shape ${
                formatShape(input.shape)
              }`,
            );
          }
          if (input.gradFn === null) {
            accumulateLeaf(input, gi, handedOut, fresh);
            gi.dispose();
          } else {
            const previous = pending.get(input.gradFn);
            if (previous === undefined) pending.set(input.gradFn, gi);
            else {
              pending.set(input.gradFn, previous.add(gi));
              previous.dispose();
              gi.dispose();
            }
          }
        });
        g.dispose();
        if (!options.retainGraph) node.release();
      }
    }));
}

function accumulateLeaf(leaf: Tensor, grad: Tensor, handedOut: Set<Storage>, fresh?: Set<Tensor>): void {
  const g = grad.dtype === leaf.dtype ? grad : grad.to(leaf.dtype);
  const previous = leaf.grad;
  if (previous !== null) {
    leaf.grad = previous.add(g);
    if (g !== grad) g.dispose();
    if (fresh?.delete(previous)) {
      previous.dispose();
      fresh.add(leaf.grad);
    }
    runHooks(leaf);
    return;
  }
  // A `.grad` must own its memory: rules pass gradients through (add, views), and a gradient
  // sharing storage with another would change under in-place updates of the other (clipping,
  // zeroing). A gradient that fills a storage nobody else received is adopted as is.
  const whole = g.isContiguous() && g.offset === 0 && g.numel * dtypeInfo(g.dtype).size === g.storage.byteLength;
  const owned = whole && !handedOut.has(g.storage) ? g.detach() : g.clone();
  if (g !== grad) g.dispose();
  handedOut.add(owned.storage);
  leaf.grad = owned;
  fresh?.add(owned);
  runHooks(leaf);
}

/** Post-accumulate hooks keep what they make (DistributedDataParallel's buckets): no scope records it. */
function runHooks(leaf: Tensor): void {
  const hooks = postAccumulateGradHooks.get(leaf);
  if (hooks !== undefined) untracked(() => hooks.forEach((hook) => hook(leaf)));
}
