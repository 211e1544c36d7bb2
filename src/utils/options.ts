/**
 * Validation of options objects: every options argument in Axon's API goes through
 * {@link checkOptions}, so a misspelt or snake_case key, or a positional number where an
 * options object belongs, is an error that lists the accepted keys instead of being ignored.
 * @module
 */

/**
 * Checks that `value` is `undefined` or a plain object whose keys are all in `accepted`, and
 * returns it (or `{}` for `undefined`), typed as the options interface.
 *
 * @param where the API that takes the options, for the message (e.g. `"LinearLR"`)
 * @param value the argument as the caller passed it
 * @param accepted every key the options object may have
 * @throws TypeError naming `where`, the offending key or argument type, and the accepted keys
 *
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * import { throws } from "node:assert/strict";
 * const opts = checkOptions<{ totalIters?: number }>("LinearLR", { totalIters: 50 }, ["totalIters"]);
 * throws(() => checkOptions("LinearLR", { totalIter: 50 }, ["totalIters"]), /unknown option "totalIter"/);
 * ```
 */
export function checkOptions<T extends object>(where: string, value: unknown, accepted: readonly string[]): T {
  if (value === undefined) return {} as T;
  const list = accepted.length === 0 ? "none" : accepted.join(", ");
  if (value === null || typeof value !== "object" || Array.isArray(value) || !isPlainObject(value)) {
    throw new TypeError(
      `${where}: options must be an object with keys { ${list} }, got ${describe(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!accepted.includes(key)) {
      const hint = suggestion(key, accepted);
      throw new TypeError(
        `${where}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}; accepted options: ${list}`,
      );
    }
  }
  return value as T;
}

/** True for `{}` literals, `Object.create(null)` and class-less objects, false for tensors, maps, dates. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** A short description of an argument's type for error messages (`number 0.01`, `array`, `Tensor`). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  }
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(value)}`;
}

/** The accepted key a misspelt or snake_case key most likely meant, if any. */
function suggestion(key: string, accepted: readonly string[]): string | undefined {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const lower = camel.toLowerCase();
  const exact = accepted.find((a) => a.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const a of accepted) {
    const d = editDistance(lower, a.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  return best;
}

/** Levenshtein distance, for suggestions among a handful of short keys. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
