/**
 * Axon's GEMM throughput (GFLOP/s) through the public `matmul`, for given shapes and thread counts.
 * @module
 */
import { getNumThreads, matmul, randn, setNumThreads } from "../mod.ts";

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
