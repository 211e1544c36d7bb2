/**
 * {@link checkTensor}: the argument check for tensors, apart from `check.ts` so that the plain
 * validators do not import the tensor class.
 * @module
 */
import { Tensor } from "../tensor/tensor.ts";
import { describe } from "./options.ts";

/** Returns `value` if it is a Tensor, else throws a `TypeError` naming `where` and `name`. */
export function checkTensor(where: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${where}: ${name} must be a Tensor, got ${describe(value)}`);
  return value;
}

/** {@link checkTensor} for an optional tensor: `undefined` and `null` give `null`. */
export function checkOptionalTensor(where: string, name: string, value: unknown): Tensor | null {
  return value === undefined || value === null ? null : checkTensor(where, name, value);
}
