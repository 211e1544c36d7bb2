/**
 * Shape arithmetic: strides, broadcasting, dimension normalisation, view compatibility.
 * Pure functions on `number[]`; every error names the op and the shapes involved.
 * @module
 */

import { describe } from "../utils/options.ts";

/** A tensor shape: sizes of each dimension. */
export type Shape = readonly number[];

/** `[2, 3]` → `"[2, 3]"`, the spelling used in every error message. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** Number of elements of a shape. */
export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor with this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Checks a user-given shape: non-negative safe integers. */
export function checkShape(shape: Shape, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid size ${d} in shape ${formatShape(shape)}`);
    }
  }
  if (!Number.isSafeInteger(numelOf(shape))) throw new RangeError(`${op}: shape ${formatShape(shape)} is too large`);
  return [...shape];
}

/** A possibly negative dim made positive; throws when out of range. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  if (typeof dim !== "number") throw new TypeError(`${op}: dim must be an integer, got ${describe(dim)}`);
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(`${op}: dimension ${dim} out of range for a ${ndim}-d tensor (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** The broadcast shape of two shapes (NumPy rules), or an error naming both. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that broadcast a tensor of `shape`/`strides` to `target` (stride 0 on stretched or
 * prepended dims). The caller has checked compatibility.
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  }
  return out;
}

/** Resolves a single `-1` in a requested shape against `numel`. */
export function inferShape(requested: Shape, numel: number, op: string, from: Shape): number[] {
  let inferAt = -1;
  let known = 1;
  for (let i = 0; i < requested.length; i++) {
    const d = requested[i];
    if (d === -1) {
      if (inferAt >= 0) {
        throw new RangeError(`${op}: only one dimension can be -1, got shape ${formatShape(requested)}`);
      }
      inferAt = i;
    } else if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid size ${d} in shape ${formatShape(requested)}`);
    } else known *= d;
  }
  const out = [...requested];
  if (inferAt >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new RangeError(
        `${op}: shape ${formatShape(requested)} is invalid for a tensor of shape ${
          formatShape(from)
        } (${numel} elements)`,
      );
    }
    out[inferAt] = numel / known;
  } else if (known !== numel) {
    throw new RangeError(
      `${op}: shape ${formatShape(requested)} is invalid for a tensor of shape ${
        formatShape(from)
      } (${numel} elements)`,
    );
  }
  return out;
}

/**
 * Strides for viewing (`shape`, `strides`) as `target` without copying, or `null` when the memory
 * layout does not allow it (PyTorch's `computeStride` algorithm: groups of dims that are
 * contiguous among themselves can be split or merged).
 */
export function viewStrides(shape: Shape, strides: readonly number[], target: Shape): number[] | null {
  const numel = numelOf(shape);
  const out = new Array<number>(target.length);
  if (numel === 0) return contiguousStrides(target);
  let viewD = target.length - 1;
  let chunkBase = strides.length > 0 ? strides[strides.length - 1] : 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    // Remaining size-1 dims of the target (e.g. viewing a scalar as [1, 1]).
    while (viewD >= 0) {
      if (target[viewD] !== 1) return null;
      out[viewD] = 1;
      viewD--;
    }
  }
  return out;
}
