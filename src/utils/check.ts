/**
 * Argument validators shared by the public API: each names the API and the argument in its
 * message, so `new Linear(NaN, 3)` says `Linear: invalid inFeatures NaN; …` instead of failing
 * later somewhere else (or not at all).
 * @module
 */
import { describe } from "./options.ts";

/** Bounds of {@link checkInt}. */
export interface IntRange {
  /** Smallest accepted value (default −2⁵³+1). */
  min?: number;
  /** Largest accepted value (default 2⁵³−1). */
  max?: number;
}

/**
 * Returns `value` if it is a safe integer in `[min, max]`, else throws a `RangeError` (a `TypeError`
 * for a non-number) naming `where` and `name`.
 *
 * @example
 * ```ts
 * import { checkInt } from "./check.ts";
 * checkInt("Linear", "inFeatures", 784, { min: 1 }); // 784
 * ```
 */
export function checkInt(where: string, name: string, value: unknown, { min, max }: IntRange = {}): number {
  const lo = min ?? Number.MIN_SAFE_INTEGER;
  const hi = max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== "number") {
    throw new TypeError(`${where}: ${name} must be an integer${rangeText(min, max)}, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${where}: invalid ${name} ${String(value)}; it must be an integer${rangeText(min, max)}`);
  }
  return value;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return "";
}

/** Bounds of {@link checkNumber}; each bound is exclusive unless marked inclusive. */
export interface NumberRange {
  /** Lower bound (default −∞). */
  lo?: number;
  /** Upper bound (default +∞). */
  hi?: number;
  /** Whether `lo` itself is accepted. */
  loInclusive?: boolean;
  /** Whether `hi` itself is accepted. */
  hiInclusive?: boolean;
  /** Accept ±Infinity too (NaN never). */
  allowInfinity?: boolean;
}

/**
 * Returns `value` if it is a finite number in the range, else throws a `RangeError` (a `TypeError`
 * for a non-number) naming `where` and `name`.
 *
 * @example
 * ```ts
 * import { checkNumber } from "./check.ts";
 * checkNumber("Dropout", "p", 0.5, { lo: 0, hi: 1, loInclusive: true, hiInclusive: true }); // 0.5
 * ```
 */
export function checkNumber(where: string, name: string, value: unknown, range: NumberRange = {}): number {
  const { lo = -Infinity, hi = Infinity, loInclusive = false, hiInclusive = false, allowInfinity = false } = range;
  const parts: string[] = [];
  if (lo !== -Infinity) parts.push(`${loInclusive ? ">=" : ">"} ${lo}`);
  if (hi !== Infinity) parts.push(`${hiInclusive ? "<=" : "<"} ${hi}`);
  const wanted = `${allowInfinity ? "a number" : "a finite number"}${
    parts.length > 0 ? " " + parts.join(" and ") : ""
  }`;
  if (typeof value !== "number") throw new TypeError(`${where}: ${name} must be ${wanted}, got ${describe(value)}`);
  const ok = !Number.isNaN(value) && (allowInfinity || Number.isFinite(value)) &&
    (loInclusive ? value >= lo : value > lo) && (hiInclusive ? value <= hi : value < hi);
  if (!ok) throw new RangeError(`${where}: invalid ${name} ${String(value)}; it must be ${wanted}`);
  return value;
}

/** Returns `value` if it is a boolean, else throws a `TypeError` naming `where` and `name`. */
export function checkBool(where: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${where}: ${name} must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** Returns `value` if it is one of `allowed`, else throws a `RangeError` naming `where`, `name` and the choices. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(
      `${where}: invalid ${name} ${describe(value)}; it must be one of ${
        allowed.map((a) => JSON.stringify(a)).join(", ")
      }`,
    );
  }
  return value as T;
}

/** Returns `value` if it is a function, else throws a `TypeError` naming `where` and `name`. */
export function checkFunction<F extends (...args: never[]) => unknown>(where: string, name: string, value: unknown): F {
  if (typeof value !== "function") throw new TypeError(`${where}: ${name} must be a function, got ${describe(value)}`);
  return value as F;
}
