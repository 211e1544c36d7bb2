/**
 * `tidy`, `keep` and `dispose`: deterministic tensor lifetimes with TensorFlow.js's semantics
 * (PyTorch frees by reference counting and has no equivalent). The model is in lifetime.ts.
 * @module
 */
import { lifetime, Tensor } from "./tensor.ts";
import { closeScope, openScope } from "./lifetime.ts";
import { describe } from "../utils/options.ts";
import type { Node } from "../autograd/graph.ts";

/** Every tensor inside `value`: a tensor, or arrays, plain objects and Maps of them, nested. */
function tensorsIn(value: unknown, into: Set<Tensor>, seen = new Set<object>()): Set<Tensor> {
  if (value instanceof Tensor) {
    into.add(value);
    return into;
  }
  if (value === null || typeof value !== "object" || seen.has(value)) return into;
  seen.add(value);
  if (Array.isArray(value)) { for (const v of value) tensorsIn(v, into, seen); }
  else if (value instanceof Map) { for (const v of value.values()) tensorsIn(v, into, seen); }
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const v of Object.values(value)) tensorsIn(v, into, seen);
  }
  return into;
}

/** Graph nodes reachable from the tensors in `roots`. */
function reachableNodes(roots: Iterable<Tensor>): Set<Node> {
  const nodes = new Set<Node>();
  const stack: Node[] = [];
  for (const t of roots) if (t.gradFn !== null && !nodes.has(t.gradFn)) nodes.add(t.gradFn), stack.push(t.gradFn);
  while (stack.length > 0) {
    for (const input of stack.pop()!.inputs) {
      const node = input.gradFn;
      if (node !== null && !nodes.has(node)) nodes.add(node), stack.push(node);
    }
  }
  return nodes;
}

function isAsyncFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } }).constructor?.name;
  return name === "AsyncFunction" || name === "AsyncGeneratorFunction";
}

/**
 * Runs `fn` and disposes every tensor created while it ran, except:
 * - what it returns (a tensor, or arrays, plain objects and Maps of tensors, nested), which
 *   belongs to the enclosing `tidy` if there is one;
 * - tensors marked with {@link keep}, `nn` Parameters, module buffers (also ones registered or
 *   converted inside), gradients stored in `.grad`, and optimizer state (Adam's moments, created
 *   lazily by the first `step()`);
 * - memory the autograd graph of a returned tensor needs: its intermediate tensors are disposed
 *   as objects, but their memory is kept until `backward()` has consumed it.
 *
 * Graphs built inside and not reachable from a returned or kept tensor are released at the end
 * (evaluation without `noGrad` frees at once). Scopes nest. `fn` must be synchronous: an async
 * function is refused before it runs, and a returned Promise is an error (tensors created after
 * an `await` would escape the scope); await outside and call `tidy` inside.
 *
 * @example
 * ```ts
 * import { Adam, CrossEntropyLoss, Linear, randn, tensor, tidy } from "@axon/ml";
 * const model = new Linear(784, 10);
 * const optimizer = new Adam(model.parameters(), 1e-3);
 * const lossFn = new CrossEntropyLoss();
 * const [x, y] = [randn(64, 784), tensor(Int32Array.from({ length: 64 }, (_, i) => i % 10))];
 * for (let step = 0; step < 3; step++) {
 *   const loss = tidy(() => {
 *     optimizer.zeroGrad();
 *     const loss = lossFn.compute(model.forward(x), y);
 *     loss.backward();
 *     optimizer.step();
 *     return loss.item(); // a number: every tensor of the step is freed here
 *   });
 *   console.log(loss);
 * }
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`tidy: fn must be a function, got ${describe(fn)}`);
  if (isAsyncFunction(fn)) {
    throw new TypeError(
      "tidy: fn is an async function; tidy is synchronous (tensors created after an await would escape it): " +
        "await outside and call tidy inside, or dispose() the tensors yourself",
    );
  }
  const scope = openScope(true);
  let result: T;
  let escaping = new Set<Tensor>();
  try {
    result = fn();
    if (
      result !== null && (typeof result === "object" || typeof result === "function") &&
      typeof (result as { then?: unknown }).then === "function"
    ) {
      throw new TypeError(
        "tidy: fn returned a Promise; tidy is synchronous (tensors created after an await would escape it): " +
          "await outside and call tidy inside",
      );
    }
    escaping = tensorsIn(result, escaping);
  } finally {
    const parent = closeScope(scope);
    const roots = [...escaping];
    for (const t of scope) if (lifetime.isKept(t)) roots.push(t);
    const live = reachableNodes(roots);
    for (const t of scope) {
      if (escaping.has(t)) {
        parent?.push(t);
        continue;
      }
      if (lifetime.isKept(t)) continue;
      const node = t.gradFn;
      if (node !== null && !live.has(node) && !node.released) node.release();
      t.dispose();
    }
  }
  return result!;
}

/**
 * Marks `t` so that no enclosing {@link tidy} disposes it (TensorFlow.js's `keep`); returns `t`.
 * It stays until you `dispose()` it.
 *
 * @example
 * ```ts
 * import { keep, randn, type Tensor, tidy } from "@axon/ml";
 * let best: Tensor | null = null;
 * tidy(() => {
 *   best = keep(randn(4, 3).argmax(1)); // survives the tidy
 * });
 * best!.dispose();
 * ```
 */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new TypeError(`keep: expected a Tensor, got ${describe(t)}`);
  lifetime.assertLive(t);
  lifetime.keep(t);
  return t;
}

/**
 * Disposes every tensor in `value` (a tensor, or arrays, plain objects and Maps of tensors,
 * nested), as TensorFlow.js's `tf.dispose`. Anything else in it is ignored.
 *
 * @example
 * ```ts
 * import { dispose, randn } from "@axon/ml";
 * const x = randn(100);
 * const stats = { mean: x.mean(), std: x.sub(x.mean()).square().mean().sqrt() };
 * dispose([x, stats]);
 * ```
 */
export function dispose(value: unknown): void {
  for (const t of tensorsIn(value, new Set())) t.dispose();
}
