/**
 * `deno task bench`: Axon against its rivals measured in the same run, printed as a table with
 * ratios and written to bench/results/latest.md.
 *
 * - GEMM GFLOP/s on the training shapes and square ones, 1 thread and all threads, against NumPy
 *   (OpenBLAS) and PyTorch CPU (bench/gemm_rivals.py, run with .tools/pyenv's Python).
 * - Half-precision GEMM (bf16, f16; f32 accumulation) against PyTorch's matmul on
 *   torch.bfloat16 / torch.float16 tensors.
 *
 * - The x86-64 release library at every CPU level this machine runs against the host build (bench/cpu_levels.ts).
 *
 * `--gemm-only` runs the GEMM tables alone (no FFI or MLP rows).
 * `--distributed` runs only the MPI benchmark (bench/distributed/main.ts): all-reduce against C
 * `MPI_Allreduce`, 2-rank against 1-rank training, bucket overlap.
 * - Per-call FFI overhead on Deno and on Bun (bench/ffi_overhead.ts).
 * - One training epoch of the seed's MLP (f32, and under autocast bf16) on the full Fashion-MNIST, and of the CNN example's
 *   network on 12,800 images, samples/s, Axon on Deno and on Bun (bench/train_epoch.ts, each in its own subprocess) against
 *   PyTorch CPU (bench/train_epoch_torch.py)
 *   with the same data, batch size and thread count.
 * @module
 */
import { cpuLevelTable } from "./cpu_levels.ts";
import { gemmGflops, type GemmShape, type HalfDType, halfGemmGflops } from "./gemm.ts";
import { getNumThreads } from "../mod.ts";

if (Deno.args.includes("--distributed")) {
  await import("./distributed/main.ts");
  Deno.exit(0);
}

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
const HALF_SHAPES: GemmShape[] = [
  { m: 64, k: 784, n: 256 },
  { m: 1024, k: 1024, n: 1024 },
];
const HALF_DTYPES: HalfDType[] = ["bf16", "f16"];
const GEMM_ONLY = Deno.args.includes("--gemm-only");
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
const rivals = await runJson(PYTHON, [
  `${ROOT}bench/gemm_rivals.py`,
  "--shapes",
  shapeArg,
  "--threads",
  threads.join(","),
  "--half-shapes",
  HALF_SHAPES.map(shapeKey).join(","),
]);

console.error("[bench] Axon GEMM");
const axon: Record<string, number> = {};
for (const t of threads) for (const s of SHAPES) axon[key(s, t)] = gemmGflops(s, t);
console.error("[bench] Axon half-precision GEMM");
const axonHalf: Record<string, number> = {};
for (const t of threads) {
  for (const dt of HALF_DTYPES) for (const s of HALF_SHAPES) axonHalf[`${dt}:${key(s, t)}`] = halfGemmGflops(s, dt, t);
}

console.error("[bench] the release library at each CPU level vs the host build");
const levelLines = await cpuLevelTable();

let ffiDeno: any, ffiBun: any, mlpDeno: any, mlpBun: any, mlpTorch: any, ampDeno: any, ampBun: any, ampTorch: any;
let cnnDeno: any, cnnBun: any, cnnTorch: any;
// The same loops written with tidy() (issue 12's targets are stated for them).
let mlpTidyDeno: any, mlpTidyBun: any, cnnTidyDeno: any, cnnTidyBun: any;
// The CNN example's network on the first CNN_SAMPLES training images (a full epoch takes ~25 s).
const CNN_SAMPLES = 12_800;
// The seed's MLP, one epoch of Fashion-MNIST: one warm-up epoch, then the median of MLP_EPOCHS.
const MLP_EPOCHS = 3;
if (!GEMM_ONLY) {
  console.error("[bench] FFI overhead on Deno and Bun");
  ffiDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/ffi_overhead.ts`]);
  ffiBun = await runJson(BUN, [`${ROOT}bench/ffi_overhead.ts`]);

  const allThreads = threads.at(-1)!;
  const mlpArgs = ["--epochs", String(MLP_EPOCHS)];
  console.error(`[bench] MLP epoch on Fashion-MNIST (PyTorch, Axon on Deno, Axon on Bun; ${allThreads} threads)`);
  mlpTorch = await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, "--threads", String(allThreads), ...mlpArgs]);
  const mlpEnv = { AXON_NUM_THREADS: String(allThreads) };
  mlpDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...mlpArgs], mlpEnv);
  mlpBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...mlpArgs], mlpEnv);
  mlpTidyDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...mlpArgs, "--tidy"], mlpEnv);
  mlpTidyBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...mlpArgs, "--tidy"], mlpEnv);
  console.error(`[bench] MLP epoch under autocast bf16 (PyTorch, Axon on Deno, Axon on Bun)`);
  const ampArgs = [...mlpArgs, "--amp", "bf16"];
  ampTorch = await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, "--threads", String(allThreads), ...ampArgs]);
  ampDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...ampArgs], mlpEnv);
  ampBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...ampArgs], mlpEnv);
  console.error(`[bench] CNN on ${CNN_SAMPLES} Fashion-MNIST images (PyTorch, Axon on Deno, Axon on Bun)`);
  const cnnArgs = [...mlpArgs, "--model", "cnn", "--limit", String(CNN_SAMPLES)];
  cnnTorch = await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, "--threads", String(allThreads), ...cnnArgs]);
  cnnDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...cnnArgs], mlpEnv);
  cnnBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...cnnArgs], mlpEnv);
  cnnTidyDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...cnnArgs, "--tidy"], mlpEnv);
  cnnTidyBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...cnnArgs, "--tidy"], mlpEnv);
}
const mlpRow = (label: string, r: any, rival: any) =>
  `| ${label} | ${r.threads} | ${Math.round(r.samplesPerSec).toLocaleString("en-US")} | ${
    (r.samples / r.samplesPerSec).toFixed(2)
  } | ` +
  `${ratio(r.samplesPerSec, rival.samplesPerSec)} | ${r.testAccuracy.toFixed(2)}% |`;

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
      `| ${s.m}×${s.k}×${s.n}${s.transB ? " (x·Wᵀ)" : ""} | ${t} | ${fmt(axon[k])} | ${fmt(rivals.numpy?.[k])} | ${
        fmt(rivals.torch?.[k])
      } | ${ratio(axon[k], rivals.numpy?.[k])} | ${ratio(axon[k], rivals.torch?.[k])} |`,
    );
  }
}
lines.push(
  "",
  "GEMM, half precision (A, B, C of the dtype; f32 accumulation), GFLOP/s; PyTorch matmul on torch.bfloat16 / " +
    "torch.float16 tensors; Axon f32 on the same shape for reference",
  "",
  "| M×K×N | dtype | threads | Axon | PyTorch | Axon/PyTorch | Axon f32 |",
  "|---|---|---|---|---|---|---|",
);
for (const t of threads) {
  for (const dt of HALF_DTYPES) {
    for (const s of HALF_SHAPES) {
      const k = `${dt}:${key(s, t)}`;
      const torchRate = rivals.torch_half?.[k];
      lines.push(
        `| ${s.m}×${s.k}×${s.n} | ${dt} | ${t} | ${fmt(axonHalf[k])} | ${fmt(torchRate)} | ${
          ratio(axonHalf[k], torchRate)
        } | ${fmt(axon[key(s, t)])} |`,
      );
    }
  }
}
lines.push("", ...levelLines);
if (!GEMM_ONLY) {
  lines.push(
    "",
    "FFI call overhead, ns per call (median of 7 × 1M calls)",
    "",
    "| runtime | no arguments | kernel call (2 buffers + 8 scalars, 16 elements) |",
    "|---|---|---|",
    `| Deno ${Deno.version.deno} | ${ffiDeno.noArgsNs.toFixed(1)} | ${ffiDeno.kernel16Ns.toFixed(1)} |`,
    `| Bun | ${ffiBun.noArgsNs.toFixed(1)} | ${ffiBun.kernel16Ns.toFixed(1)} |`,
    "",
    `MLP training epoch, samples/s (higher is better): the seed's 784-256-10 MLP, Adam 1e-3, CrossEntropyLoss, batch 64, ` +
      `shuffled, on Fashion-MNIST's 60,000 training images; median of ${MLP_EPOCHS} epochs after one warm-up epoch, ` +
      `timing the whole training loop (batch gather, forward, backward, step, loss.item()); same data, normalisation, batch ` +
      `size and thread count for every row, measured in the same run`,
    "",
    "| trainer | threads | samples/s | epoch, s | ÷ PyTorch | test accuracy after warm-up + " + MLP_EPOCHS +
      " epochs |",
    "|---|---|---|---|---|---|",
    mlpRow(`Axon, Deno ${Deno.version.deno}`, mlpDeno, mlpTorch),
    mlpRow("Axon, Bun", mlpBun, mlpTorch),
    mlpRow(`Axon with tidy, Deno ${Deno.version.deno}`, mlpTidyDeno, mlpTorch),
    mlpRow("Axon with tidy, Bun", mlpTidyBun, mlpTorch),
    mlpRow(mlpTorch.runtime, mlpTorch, mlpTorch),
    "",
    'The same epoch with forward and loss under autocast bf16 (f32 parameters and Adam; PyTorch: torch.autocast("cpu", torch.bfloat16))',
    "",
    "| trainer | threads | samples/s | epoch, s | ÷ PyTorch (autocast) | test accuracy |",
    "|---|---|---|---|---|---|",
    mlpRow(`Axon autocast(bf16), Deno ${Deno.version.deno}`, ampDeno, ampTorch),
    mlpRow("Axon autocast(bf16), Bun", ampBun, ampTorch),
    mlpRow(`${ampTorch.runtime} autocast(bf16)`, ampTorch, ampTorch),
    "",
    `CNN training, samples/s: examples/mnist_cnn.ts's network (two 3×3 convolutions with ReLU and max pooling, Dropout, ` +
      `two Linear layers; Adam 1e-3, batch 64) on the first ${
        CNN_SAMPLES.toLocaleString("en-US")
      } Fashion-MNIST training ` +
      `images; median of ${MLP_EPOCHS} passes after one warm-up pass, timed as above`,
    "",
    "| trainer | threads | samples/s | pass, s | ÷ PyTorch | test accuracy |",
    "|---|---|---|---|---|---|",
    mlpRow(`Axon, Deno ${Deno.version.deno}`, cnnDeno, cnnTorch),
    mlpRow("Axon, Bun", cnnBun, cnnTorch),
    mlpRow(`Axon with tidy, Deno ${Deno.version.deno}`, cnnTidyDeno, cnnTorch),
    mlpRow("Axon with tidy, Bun", cnnTidyBun, cnnTorch),
    mlpRow(cnnTorch.runtime, cnnTorch, cnnTorch),
  );
}
const report = lines.join("\n");
console.log(report);
await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
// A --gemm-only run does not overwrite the full report.
const reportFile = GEMM_ONLY ? "latest-gemm.md" : "latest.md";
await Deno.writeTextFile(
  `${ROOT}bench/results/${reportFile}`,
  `# Benchmark ${new Date().toISOString()}\n\n${cpu}, ${threads.at(-1)} threads\n\n${report}\n`,
);
