/**
 * The two ways PyTorch's creation functions take a size: `zeros(3, 4)` and `zeros([3, 4])`, each
 * with an options object last. One parser, so every creation function reads both the same way.
 * @module
 */
import { checkShape, type Shape } from "../tensor/shape.ts";
import { describe } from "../utils/options.ts";

/** Arguments of a creation function: sizes as numbers or one array, then an optional options object. */
export type SizeArgs<O> = [shape: Shape, options?: O] | [...sizes: number[]] | [...sizes: number[], options: O];

/** Whether `v` is in the place of an options object (anything but a number or an array; checkOptions judges it). */
function isOptionsSlot(v: unknown): boolean {
  return typeof v !== "number" && !Array.isArray(v) && v !== undefined;
}

/**
 * Splits `args` into a checked shape and the options (not yet checked). `usage` is how the call
 * looks, for the message.
 */
export function parseSizeArgs(where: string, args: readonly unknown[]): [number[], unknown] {
  const usage = `${where}(3, 4) or ${where}([3, 4]), with an options object last`;
  if (args.length === 0) throw new TypeError(`${where}: missing the size; call ${usage}`);
  if (Array.isArray(args[0])) {
    if (args.length > 2) {
      throw new TypeError(
        `${where}: after the size array only an options object may follow, got ${args.length} arguments; call ${usage}`,
      );
    }
    return [checkShape(args[0] as Shape, where), args[1]];
  }
  const last = args[args.length - 1];
  const hasOptions = args.length > 1 && isOptionsSlot(last);
  const sizes = hasOptions ? args.slice(0, -1) : [...args];
  for (const [i, s] of sizes.entries()) {
    if (typeof s !== "number") {
      throw new TypeError(`${where}: size ${i} must be an integer, got ${describe(s)}; call ${usage}`);
    }
  }
  return [checkShape(sizes as number[], where), hasOptions ? last : undefined];
}

/**
 * `full`'s arguments: `full([3, 4], value, options?)` or `full(3, 4, value, options?)`, where the
 * last number is the fill value.
 */
export function parseFullArgs(args: readonly unknown[]): [number[], unknown, unknown] {
  const usage = "full([3, 4], value) or full(3, 4, value), with an options object last";
  if (args.length === 0) throw new TypeError(`full: missing the size and value; call ${usage}`);
  if (Array.isArray(args[0])) {
    if (args.length < 2) throw new TypeError(`full: missing the fill value; call ${usage}`);
    if (args.length > 3) {
      throw new TypeError(
        `full: after the size array and value only an options object may follow, got ${args.length} arguments; call ${usage}`,
      );
    }
    return [checkShape(args[0] as Shape, "full"), args[1], args[2]];
  }
  const hasOptions = args.length > 1 && isOptionsSlot(args[args.length - 1]);
  const numbers = hasOptions ? args.slice(0, -1) : [...args];
  if (numbers.length < 2) {
    throw new TypeError(`full: expected the sizes then the fill value, got ${numbers.length} number(s); call ${usage}`);
  }
  const sizes = numbers.slice(0, -1);
  for (const [i, s] of sizes.entries()) {
    if (typeof s !== "number") {
      throw new TypeError(`full: size ${i} must be an integer, got ${describe(s)}; call ${usage}`);
    }
  }
  return [
    checkShape(sizes as number[], "full"),
    numbers[numbers.length - 1],
    hasOptions ? args[args.length - 1] : undefined,
  ];
}
