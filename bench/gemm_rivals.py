#!/usr/bin/env python3
"""Times rival float32 matmuls (NumPy/OpenBLAS and PyTorch CPU) for Axon's GEMM benchmark.

    python3 bench/gemm_rivals.py --shapes 64x784x256,64x256x10,1024x1024x1024 --threads 1,2

Every call returns a fresh result array/tensor, as Axon's `matmul` does. Shapes are MxKxN (C[M,N] = A[M,K] @ B[K,N]); a trailing "t" (64x784x256t) uses B transposed, stored
N×K, as a Linear layer's x·Wᵀ does. Prints one JSON object on stdout:
    {"numpy": {"MxKxN@T": gflops, ...}, "torch": {...}}
"torch" is omitted when PyTorch cannot be imported. With --half-shapes, "torch_half" adds PyTorch
matmul on torch.bfloat16 and torch.float16 tensors: {"bf16:MxKxN@T": gflops, "f16:...": ...}. Each point is the median of repeated timings
(batches of calls lasting >= ~0.3 s in total). NumPy's thread count is fixed by
OPENBLAS_NUM_THREADS before import, so every NumPy point runs in a fresh subprocess whose
environment also drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (they slow OpenBLAS down here).
"""
import argparse
import json
import os
import subprocess
import sys
import time

MIN_TOTAL_S = 0.3
ROUNDS = 7


def parse_shapes(text):
    shapes = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        # A trailing "t" means B is used transposed (stored n×k), as a Linear layer's x·Wᵀ does.
        trans_b = item.lower().endswith("t")
        m, k, n = (int(v) for v in item.lower().rstrip("t").split("x"))
        shapes.append((m, k, n, trans_b))
    return shapes


def key(m, k, n, trans_b=False):
    return f"{m}x{k}x{n}{'t' if trans_b else ''}"


def time_fn(fn, flops):
    """Median GFLOP/s of `fn` over ROUNDS rounds, each round long enough to be measurable."""
    fn()  # warm-up (thread pools, caches, allocations)
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    # Enough calls per round that all rounds together take >= MIN_TOTAL_S.
    per_round = max(1, int(MIN_TOTAL_S / ROUNDS / one))
    rates = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        dt = time.perf_counter() - t0
        rates.append(flops * per_round / dt / 1e9)
    rates.sort()
    return rates[len(rates) // 2]


def numpy_worker(shapes):
    import numpy as np

    rng = np.random.default_rng(0)
    out = {}
    for m, k, n, trans_b in shapes:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((n, k), dtype=np.float32).T if trans_b else rng.standard_normal((k, n), dtype=np.float32)
        # A fresh result per call, as Axon's matmul returns a new tensor: the same work on both sides.
        out[key(m, k, n, trans_b)] = time_fn(lambda: np.matmul(a, b), 2.0 * m * n * k)
    return out


def torch_points(shapes, threads, dtypes=(("", "float32"),)):
    """PyTorch CPU matmul GFLOP/s per shape and thread count, for each (key prefix, dtype name):
    A, B and the result all of that dtype; f32 keys have no prefix, half ones "bf16:" / "f16:"."""
    try:
        import torch
    except Exception:
        return None
    torch.manual_seed(0)
    out = {}
    for t in threads:
        torch.set_num_threads(t)
        for prefix, dtype_name in dtypes:
            dt = getattr(torch, dtype_name)
            for m, k, n, trans_b in shapes:
                a = torch.randn(m, k).to(dt)
                b = torch.randn(n, k).to(dt).t() if trans_b else torch.randn(k, n).to(dt)
                with torch.no_grad():
                    rate = time_fn(lambda: torch.matmul(a, b), 2.0 * m * n * k)
                out[f"{prefix + ':' if prefix else ''}{key(m, k, n, trans_b)}@{t}"] = rate
    return out


def numpy_points(shapes, threads):
    out = {}
    spec = ",".join(key(*shape) for shape in shapes)
    for t in threads:
        env = dict(os.environ)
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(t)
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--numpy-worker", "--shapes", spec],
            env=env, capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            continue
        for shape, rate in json.loads(proc.stdout).items():
            out[f"{shape}@{t}"] = rate
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default="64x784x256,64x256x10,256x256x256,1024x1024x1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--half-shapes", default="", help="shapes for PyTorch bf16/f16 matmul")
    parser.add_argument("--numpy-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    shapes = parse_shapes(args.shapes)
    if args.numpy_worker:
        print(json.dumps(numpy_worker(shapes)))
        return
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    result = {"numpy": numpy_points(shapes, threads)}
    torch_result = torch_points(shapes, threads)
    if torch_result is not None:
        result["torch"] = torch_result
    if args.half_shapes:
        half_result = torch_points(parse_shapes(args.half_shapes), threads, (("bf16", "bfloat16"), ("f16", "float16")))
        if half_result is not None:
            result["torch_half"] = half_result
    print(json.dumps(result))


if __name__ == "__main__":
    main()
