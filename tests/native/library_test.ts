import { assert, test } from "../harness.ts";
import { ABI_VERSION } from "../../src/native/symbols.ts";
import { check, native, NativeError } from "../../src/native/library.ts";
import { getNumThreads, setNumThreads } from "../../mod.ts";

test("library reports the ABI version TypeScript expects", () => {
  assert.equal(native.axon_abi_version(), ABI_VERSION);
});

test("thread count can be read and changed", () => {
  const before = getNumThreads();
  assert.ok(before >= 1);
  assert.equal(setNumThreads(1), 1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(before);
  assert.equal(getNumThreads(), before);
  assert.throws(() => setNumThreads(0), /thread count must be an integer >= 1/);
});

test("native argument errors become NativeError with the kernel's message", () => {
  const small = new Uint8Array(16);
  // fill 10 f32 into a 16-byte buffer: out of bounds, must be refused before writing
  const status = native.axon_fill(0, 10, small, small.byteLength, 0, 1.0);
  assert.ok(status < 0);
  assert.throws(() => check(status, "fill"), (e: unknown) => e instanceof NativeError && /fill: .*4/.test(e.message));
  assert.deepEqual([...small], new Array(16).fill(0), "nothing was written");
});

test("unknown dtype and negative sizes are refused by the native side", () => {
  const buf = new Uint8Array(64);
  assert.throws(() => check(native.axon_fill(99, 1, buf, 64, 0, 1), "fill"), /dtype/);
  assert.throws(() => check(native.axon_fill(0, -1, buf, 64, 0, 1), "fill"), />= 0/);
  assert.throws(() => check(native.axon_fill(0, 1, buf, 64, -3, 1), "fill"), />= 0/);
});

test("gemm refuses operands that do not fit their buffers", () => {
  const a = new Float32Array(6); // 2x3
  const b = new Float32Array(5); // needs 3x2 = 6
  const c = new Float32Array(4);
  const status = native.axon_gemm(0, 0, 0, 1, 2, 2, 3, 1, a, 24, 0, 3, 0, b, 20, 0, 2, 0, 0, c, 16, 0, 2, 0);
  assert.ok(status < 0);
  assert.throws(() => check(status, "gemm"), /b|B/);
  const overflow = native.axon_gemm(
    0,
    0,
    0,
    1,
    2 ** 40,
    2 ** 40,
    3,
    1,
    a,
    24,
    0,
    3,
    0,
    b,
    20,
    0,
    2,
    0,
    0,
    c,
    16,
    0,
    2,
    0,
  );
  assert.ok(overflow < 0);
});
