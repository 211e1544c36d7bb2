/**
 * One test API for both runtimes: `test(name, fn)` registers with `Deno.test` under Deno and with
 * `bun:test` under Bun, so every test file runs unchanged with `deno test` and `bun test`.
 * Assertions come from `node:assert/strict` (built into both) plus numeric helpers here.
 * @module
 */
import assert from "node:assert/strict";

export { assert };

type TestBody = () => void | Promise<void>;

/** Options of {@link test}. */
export interface TestOptions {
  /**
   * Bun's per-test limit in milliseconds for a test that runs whole suites in child processes
   * (default: the `bun test --timeout` of the command line). Deno has no per-test limit.
   */
  timeoutMs?: number;
}

type Registrar = (name: string, body: TestBody, options?: TestOptions) => void;

async function pickRegistrar(): Promise<Registrar> {
  if ("Deno" in globalThis) return (name, body) => Deno.test(name, body);
  const bunTest = await import(["bun", "test"].join(":"));
  return (name, body, options) => bunTest.test(name, body, options?.timeoutMs);
}

/** Registers a test with the current runtime's runner. */
export const test: Registrar = await pickRegistrar();

/** The runtime running the tests. */
export const runtime: "deno" | "bun" = "Deno" in globalThis ? "deno" : "bun";

/** Options of {@link assertClose}. */
export interface CloseOptions {
  rtol?: number;
  atol?: number;
  /** Treat NaN == NaN (default true, as `torch.testing.assert_close(equal_nan=True)`). */
  equalNan?: boolean;
  message?: string;
}

/**
 * Asserts `|actual - expected| <= atol + rtol·|expected|` element-wise (numpy.allclose), with
 * matching infinities; reports the worst element.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6, equalNan = true, message = "" }: CloseOptions = {},
): void {
  assert.equal(actual.length, expected.length, `${message} length ${actual.length} != expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (equalNan && Number.isNaN(a) && Number.isNaN(e)) continue;
      failures++;
      if (worst < 0) worst = i;
      worstExcess = Infinity;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a === e) continue;
      failures++;
      worst = i;
      worstExcess = Infinity;
      continue;
    }
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > 0) {
      failures++;
      if (excess > worstExcess || worst < 0) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    assert.fail(
      `${message} ${failures}/${actual.length} elements differ (rtol ${rtol}, atol ${atol}); worst at ${worst}: ` +
        `actual ${actual[worst]}, expected ${expected[worst]}`,
    );
  }
}

/** Asserts two typed arrays are bit-identical. */
export function assertBitEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, message = ""): void {
  assert.equal(actual.length, expected.length, `${message} length differs`);
  const a = new Float32Array(actual as ArrayLike<number>);
  const e = new Float32Array(expected as ArrayLike<number>);
  const ua = new Uint32Array(a.buffer);
  const ue = new Uint32Array(e.buffer);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ue[i]) assert.fail(`${message} element ${i} differs: ${a[i]} vs ${e[i]}`);
  }
}
