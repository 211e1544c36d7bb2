/**
 * `deno task bench`: Axon against its rivals measured in the same run, printed as a table with
 * ratios and written to bench/results/latest.md.
 *
 * - GEMM GFLOP/s on the training shapes and square ones, 1 thread and all threads, against NumPy
 *   (OpenBLAS) and PyTorch CPU (bench/gemm_rivals.py, run with .tools/pyenv's Python).
 * - Per-call FFI overhead on Deno and on Bun (bench/ffi_overhead.ts).
 * @module
 */
import { gemmGflops, type GemmShape } from "./gemm.ts";
import { getNumThreads } from "../mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = `${ROOT}.tools/pyenv/bin/python`;
const DENO = Deno.execPath();
const BUN = `${ROOT}node_modules/@oven/bun-linux-x64/bin/bun`;

const SHAPES: GemmShape[] = [
  { m: 64, k: 784, n: 256 },
  { m: 64, k: 256, n: 10 },
  { m: 64, k: 784, n: 256, transB: true },
  { m: 64, k: 256, n: 10, transB: true },
  { m: 256, k: 256, n: 256 },
  { m: 1024, k: 1024, n: 1024 },
];
const shapeKey = (s: GemmShape) => `${s.m}x${s.k}x${s.n}${s.transB ? "t" : ""}`;
const key = (s: GemmShape, t: number) => `${shapeKey(s)}@${t}`;

async function runJson(command: string, args: string[], env: Record<string, string> = {}): Promise<any> {
  const output = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "inherit" }).output();
  if (!output.success) throw new Error(`${command} ${args.join(" ")} failed`);
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").pop()!;
  return JSON.parse(text);
}

const threads = [...new Set([1, getNumThreads()])];
console.error(`[bench] threads: ${threads.join(", ")}`);

console.error("[bench] rivals: NumPy and PyTorch matmul");
const shapeArg = SHAPES.map(shapeKey).join(",");
const rivals = await runJson(PYTHON, [`${ROOT}bench/gemm_rivals.py`, "--shapes", shapeArg, "--threads", threads.join(",")]);

console.error("[bench] Axon GEMM");
const axon: Record<string, number> = {};
for (const t of threads) for (const s of SHAPES) axon[key(s, t)] = gemmGflops(s, t);

console.error("[bench] FFI overhead on Deno and Bun");
const ffiDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/ffi_overhead.ts`]);
const ffiBun = await runJson(BUN, [`${ROOT}bench/ffi_overhead.ts`]);

const fmt = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(1));
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) + "×" : "—");
const lines = [
  `GEMM, f32, GFLOP/s (higher is better); ratios are Axon ÷ rival, measured in the same run`,
  "",
  "| M×K×N | threads | Axon | NumPy | PyTorch | Axon/NumPy | Axon/PyTorch |",
  "|---|---|---|---|---|---|---|",
];
for (const t of threads) {
  for (const s of SHAPES) {
    const k = key(s, t);
    lines.push(
      `| ${s.m}×${s.k}×${s.n}${s.transB ? " (x·Wᵀ)" : ""} | ${t} | ${fmt(axon[k])} | ${fmt(rivals.numpy?.[k])} | ${fmt(rivals.torch?.[k])} | ${ratio(axon[k], rivals.numpy?.[k])} | ${ratio(axon[k], rivals.torch?.[k])} |`,
    );
  }
}
lines.push(
  "",
  "FFI call overhead, ns per call (median of 7 × 1M calls)",
  "",
  "| runtime | no arguments | kernel call (2 buffers + 8 scalars, 16 elements) |",
  "|---|---|---|",
  `| Deno ${Deno.version.deno} | ${ffiDeno.noArgsNs.toFixed(1)} | ${ffiDeno.kernel16Ns.toFixed(1)} |`,
  `| Bun | ${ffiBun.noArgsNs.toFixed(1)} | ${ffiBun.kernel16Ns.toFixed(1)} |`,
);
const report = lines.join("\n");
console.log(report);
await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
await Deno.writeTextFile(`${ROOT}bench/results/latest.md`, `# Benchmark ${new Date().toISOString()}\n\n${cpu}, ${threads.at(-1)} threads\n\n${report}\n`);
