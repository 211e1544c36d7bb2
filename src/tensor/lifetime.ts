/**
 * Tensor lifetimes: the scope stack behind `tidy`, the backward engine's rule scopes, and the
 * "tensor was disposed" error.
 *
 * The model (TensorFlow.js's, since PyTorch frees by reference count and has none):
 * - A tensor object is one reference to its storage; views are tensor objects too. `dispose()`
 *   ends the object (any later use is an error) and drops its reference; the storage is freed
 *   when the last tensor viewing it is disposed. Disposing a base never breaks a view you hold.
 * - A live autograd node holds the tensors its backward reads (inputs, saved tensors, and what
 *   the op declared it reads). Disposing such a tensor ends it for the user at once, but its
 *   memory stays until the node's backward ran (or the node was released): disposing in any order
 *   never changes a gradient. Only backward rules may read a held, disposed tensor.
 * - Every tensor constructed while a scope is open is recorded in it; closing the scope disposes
 *   those that do not escape (returned, kept, Parameters, buffers, `.grad`, optimizer state).
 * @module
 */
import type { Tensor } from "./tensor.ts";
import { formatShape } from "./shape.ts";

/** Tensors recorded by one open scope, in creation order. */
export type Scope = Tensor[];

/** The innermost open scope, or null (nothing is recorded). Read by the Tensor constructor. */
export let currentScope: Scope | null = null;
/**
 * The innermost open `tidy` scope (the engine's own scopes are not), or null: gradients replaced
 * in it are given to it (see Tensor's `grad` setter).
 */
export let currentTidy: Scope | null = null;
const stack: (Scope | null)[] = [];
const tidyStack: (Scope | null)[] = [];

/** Opens a scope: tensors constructed until {@link closeScope} are recorded in it. `tidy` marks a user's tidy. */
export function openScope(tidy = false): Scope {
  const scope: Scope = [];
  stack.push(currentScope);
  tidyStack.push(currentTidy);
  currentScope = scope;
  if (tidy) currentTidy = scope;
  return scope;
}

/**
 * Closes `scope` (the innermost one) and returns the scope it was opened in, which receives the
 * tensors that escape to it. The caller disposes the rest.
 */
export function closeScope(scope: Scope): Scope | null {
  if (currentScope !== scope) throw new Error("internal: tensor scopes closed out of order");
  currentScope = stack.pop() ?? null;
  currentTidy = tidyStack.pop() ?? null;
  return currentScope;
}

/** Runs `fn` with recording off: tensors it makes belong to no scope (library-owned memory). */
export function untracked<T>(fn: () => T): T {
  stack.push(currentScope);
  tidyStack.push(currentTidy);
  currentScope = null;
  currentTidy = null;
  try {
    return fn();
  } finally {
    currentScope = stack.pop() ?? null;
    currentTidy = tidyStack.pop() ?? null;
  }
}

/** Backward rules running now; while > 0, tensors held by the graph may be read after dispose. */
export let graphAccess = 0;

/** A backward rule starts: it may read the disposed tensors its node holds (pair with {@link leaveGraphAccess}). */
export function enterGraphAccess(): void {
  graphAccess++;
}

/** The backward rule of the last {@link enterGraphAccess} ended. */
export function leaveGraphAccess(): void {
  graphAccess--;
}

/** The error for a tensor used after it was disposed (or its storage freed). */
export function disposedError(shape: readonly number[], dtype: string): Error {
  return new Error(
    `tensor was disposed: ${dtype} ${
      formatShape(shape)
    } was used after dispose() (or after the tidy() that made it ended); ` +
      `return it from the tidy callback or keep(t) it to use it later`,
  );
}
