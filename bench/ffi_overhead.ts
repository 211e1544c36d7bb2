/**
 * Per-call cost of the FFI boundary on the running runtime: a call with no arguments, and a call
 * passing two typed arrays (zero-copy) plus scalars, as every kernel call does. Prints JSON.
 *
 *   deno run -A bench/ffi_overhead.ts      bun bench/ffi_overhead.ts
 * @module
 */
import { native, RUNTIME } from "../src/native/library.ts";

function nsPerCall(body: () => void, calls: number): number {
  for (let i = 0; i < 10_000; i++) body(); // warm up the JIT and the FFI trampolines
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) body();
    samples.push(((performance.now() - start) * 1e6) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[3];
}

const x = new Float32Array(16);
const y = new Float32Array(16);
const result = {
  runtime: RUNTIME,
  noArgsNs: nsPerCall(() => native.axon_abi_version(), 1_000_000),
  // unary neg on 16 floats: two buffers, six integers, two doubles — a real kernel call
  kernel16Ns: nsPerCall(() => native.axon_unary(0, 0, 16, x, 64, 0, y, 64, 0, 0, 0), 1_000_000),
};
console.log(JSON.stringify(result));
