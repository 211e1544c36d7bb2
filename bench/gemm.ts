/**
 * Axon's GEMM throughput (GFLOP/s) through the public `matmul`, for given shapes and thread counts,
 * and of the half-precision GEMM (bf16, f16) through `axon_gemm` directly.
 * @module
 */
import { getNumThreads, matmul, randn, setNumThreads } from "../mod.ts";
import { check, native } from "../src/native/library.ts";

/** A GEMM problem C[m,n] = A[m,k] · B[k,n]. */
export interface GemmShape {
  m: number;
  k: number;
  n: number;
  /** B used transposed (stored n×k), as a Linear layer's x·Wᵀ. */
  transB?: boolean;
}

/** Median GFLOP/s of `matmul` over repeated batches lasting ≥ ~0.3 s in total. */
export function gemmGflops({ m, k, n, transB = false }: GemmShape, threads: number): number {
  const before = getNumThreads();
  setNumThreads(threads);
  try {
    const a = randn([m, k]);
    const b = transB ? randn([n, k]).t() : randn([k, n]);
    const flops = 2 * m * n * k;
    let calls = 1;
    for (;;) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) matmul(a, b);
      if (performance.now() - start > 40) break;
      calls *= 2;
    }
    const samples: number[] = [];
    for (let round = 0; round < 7; round++) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) matmul(a, b);
      samples.push((flops * calls) / ((performance.now() - start) * 1e6));
    }
    samples.sort((x, y) => x - y);
    return samples[3];
  } finally {
    setNumThreads(before);
  }
}

/** A half-precision element type of `axon_gemm` (A, B and C all of it; f32 accumulation). */
export type HalfDType = "bf16" | "f16";

const HALF_CODE: Record<HalfDType, number> = { f16: 2, bf16: 3 };

/** Random half bit patterns of magnitude in [1/4, 4) with random signs (finite, normal). */
function randomHalf(count: number, dtype: HalfDType): Uint8Array {
  const bits = new Uint16Array(count);
  // f16: exponent field 13..16 (bias 15); bf16: 125..128 (bias 127).
  const [shift, base, mantBits] = dtype === "f16" ? [10, 13, 10] : [7, 125, 7];
  for (let i = 0; i < count; i++) {
    const e = base + Math.floor(Math.random() * 4);
    const mant = Math.floor(Math.random() * (1 << mantBits));
    bits[i] = (Math.random() < 0.5 ? 0x8000 : 0) | (e << shift) | mant;
  }
  return new Uint8Array(bits.buffer);
}

/**
 * Median GFLOP/s of a half-precision GEMM through `axon_gemm` itself (`matmul` is f32-only so
 * far), with a fresh C per call as `matmul` returns a new tensor.
 */
export function halfGemmGflops({ m, k, n, transB = false }: GemmShape, dtype: HalfDType, threads: number): number {
  const before = getNumThreads();
  setNumThreads(threads);
  try {
    const a = randomHalf(m * k, dtype);
    const b = randomHalf(k * n, dtype);
    const call = () => {
      const c = new Uint8Array(m * n * 2);
      check(
        native.axon_gemm(
          HALF_CODE[dtype],
          0,
          transB ? 1 : 0,
          1,
          m,
          n,
          k,
          1,
          a,
          a.byteLength,
          0,
          k,
          0,
          b,
          b.byteLength,
          0,
          transB ? k : n,
          0,
          0,
          c,
          c.byteLength,
          0,
          n,
          m * n,
        ),
        "halfGemmGflops",
      );
    };
    const flops = 2 * m * n * k;
    let calls = 1;
    for (;;) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) call();
      if (performance.now() - start > 40) break;
      calls *= 2;
    }
    const samples: number[] = [];
    for (let round = 0; round < 7; round++) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) call();
      samples.push((flops * calls) / ((performance.now() - start) * 1e6));
    }
    samples.sort((x, y) => x - y);
    return samples[3];
  } finally {
    setNumThreads(before);
  }
}
