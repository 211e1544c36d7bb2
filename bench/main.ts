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
 * - Training rivals beyond PyTorch eager: `torch.compile` (seed MLP, CNN) and JAX `jax.jit` (XLA; bench/train_epoch_jax.py)
 *   on the seed MLP, the CNN and the MLPs 784-512-512-10 and 784-2048-2048-10 at batch 256; the 64×784×256 matmul
 *   five times against PyTorch; a table of issue 12's performance targets from this run.
 *
 * `--gemm-only` runs the GEMM tables alone (no FFI or MLP rows).
 * `--targets` runs only what issue 12's targets need (training rows with every rival, the five matmul runs, 1024³
 * against NumPy) and writes bench/results/latest-targets.md. `--epochs N` times N epochs per trainer (default 3).
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
  const result = JSON.parse(text);
  // Progress: each training result as it arrives (a whole run takes many minutes).
  if (result.samplesPerSec !== undefined) {
    console.error(`[bench]   ${result.runtime}: ${Math.round(result.samplesPerSec)} samples/s (${text})`);
  }
  return result;
}

const threads = [...new Set([1, getNumThreads()])];
console.error(`[bench] threads: ${threads.join(", ")}`);

const TARGETS_ONLY = Deno.args.includes("--targets");
const allThreads = threads.at(-1)!;
let rivals: any = {};
const axon: Record<string, number> = {};
const axonHalf: Record<string, number> = {};
let levelLines: string[] = [];
if (!TARGETS_ONLY) {
  console.error("[bench] rivals: NumPy and PyTorch matmul");
  const shapeArg = SHAPES.map(shapeKey).join(",");
  rivals = await runJson(PYTHON, [
    `${ROOT}bench/gemm_rivals.py`,
    "--shapes",
    shapeArg,
    "--threads",
    threads.join(","),
    "--half-shapes",
    HALF_SHAPES.map(shapeKey).join(","),
  ]);

  console.error("[bench] Axon GEMM");
  for (const t of threads) for (const s of SHAPES) axon[key(s, t)] = gemmGflops(s, t);
  console.error("[bench] Axon half-precision GEMM");
  for (const t of threads) {
    for (const dt of HALF_DTYPES) {
      for (const s of HALF_SHAPES) axonHalf[`${dt}:${key(s, t)}`] = halfGemmGflops(s, dt, t);
    }
  }

  console.error("[bench] the release library at each CPU level vs the host build");
  levelLines = await cpuLevelTable();
}

let ffiDeno: any, ffiBun: any, ampDeno: any, ampBun: any, ampTorch: any;
// The CNN example's network on the first CNN_SAMPLES training images (a full epoch takes ~25 s).
const CNN_SAMPLES = 12_800;
// The seed's MLP, one epoch of Fashion-MNIST: one warm-up epoch, then the median of MLP_EPOCHS.
const epochsAt = Deno.args.indexOf("--epochs");
const MLP_EPOCHS = epochsAt >= 0 ? Number(Deno.args[epochsAt + 1]) : 3;
if (!Number.isInteger(MLP_EPOCHS) || MLP_EPOCHS < 1) throw new Error(`--epochs takes a positive integer`);
// The big MLPs at batch 256: 784-2048-2048-10 on the first BIG_SAMPLES images (~35 MFLOP a sample).
const BIG_SAMPLES = 15_360;
const mlpArgs = ["--epochs", String(MLP_EPOCHS)];
const mlpEnv = { AXON_NUM_THREADS: String(allThreads) };

/** One training workload on every trainer: PyTorch eager (and torch.compile, JAX jit), Axon on Deno and Bun. */
async function trainAll(
  label: string,
  args: string[],
  rivalsToo: { compile: boolean; jax: boolean; tidy?: boolean },
) {
  console.error(
    `[bench] ${label} (PyTorch${rivalsToo.compile ? ", torch.compile" : ""}${
      rivalsToo.jax ? ", JAX jit" : ""
    }, Axon on Deno, Axon on Bun; ${allThreads} threads)`,
  );
  const py = ["--threads", String(allThreads), ...args];
  const torch = await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, ...py]);
  const deno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...args], mlpEnv);
  const bun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...args], mlpEnv);
  const jax = rivalsToo.jax ? await runJson(PYTHON, [`${ROOT}bench/train_epoch_jax.py`, ...py]) : undefined;
  const compiled = rivalsToo.compile
    ? await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, ...py, "--compile"])
    : undefined;
  // The same loop written with tidy() (issue 12's targets for the seed MLP and the CNN are stated for it).
  const denoTidy = rivalsToo.tidy
    ? await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...args, "--tidy"], mlpEnv)
    : undefined;
  const bunTidy = rivalsToo.tidy
    ? await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...args, "--tidy"], mlpEnv)
    : undefined;
  return { torch, compiled, jax, deno, bun, denoTidy, bunTidy };
}

if (!GEMM_ONLY && !TARGETS_ONLY) {
  console.error("[bench] FFI overhead on Deno and Bun");
  ffiDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/ffi_overhead.ts`]);
  ffiBun = await runJson(BUN, [`${ROOT}bench/ffi_overhead.ts`]);
  console.error(`[bench] MLP epoch under autocast bf16 (PyTorch, Axon on Deno, Axon on Bun)`);
  const ampArgs = [...mlpArgs, "--amp", "bf16"];
  ampTorch = await runJson(PYTHON, [`${ROOT}bench/train_epoch_torch.py`, "--threads", String(allThreads), ...ampArgs]);
  ampDeno = await runJson(DENO, ["run", "-A", `${ROOT}bench/train_epoch.ts`, ...ampArgs], mlpEnv);
  ampBun = await runJson(BUN, [`${ROOT}bench/train_epoch.ts`, ...ampArgs], mlpEnv);
}
let mlp: any, cnn: any, big512: any, big2048: any;
const matmulRuns: { axon: number; torch: number }[] = [];
let square: { axon: number; numpy: number } | undefined;
const MATMUL_RUNS = 5;
const TARGET_SHAPE: GemmShape = { m: 64, k: 784, n: 256 };
const SQUARE: GemmShape = { m: 1024, k: 1024, n: 1024 };
if (!GEMM_ONLY) {
  mlp = await trainAll("seed MLP epoch on Fashion-MNIST", mlpArgs, { compile: true, jax: true, tidy: true });
  cnn = await trainAll(
    `CNN on ${CNN_SAMPLES} Fashion-MNIST images`,
    [...mlpArgs, "--model", "cnn", "--limit", String(CNN_SAMPLES)],
    { compile: true, jax: true, tidy: true },
  );
  big512 = await trainAll("MLP 784-512-512-10, batch 256", [...mlpArgs, "--hidden", "512,512", "--batch", "256"], {
    compile: false,
    jax: true,
  });
  big2048 = await trainAll(
    `MLP 784-2048-2048-10, batch 256, ${BIG_SAMPLES} images`,
    [...mlpArgs, "--hidden", "2048,2048", "--batch", "256", "--limit", String(BIG_SAMPLES)],
    { compile: false, jax: true },
  );
  console.error(`[bench] ${MATMUL_RUNS} runs of 64×784×256 matmul (Axon public API, PyTorch), ${allThreads} threads`);
  for (let run = 0; run < MATMUL_RUNS; run++) {
    const r = await runJson(PYTHON, [
      `${ROOT}bench/gemm_rivals.py`,
      "--shapes",
      shapeKey(TARGET_SHAPE),
      "--threads",
      String(allThreads),
    ]);
    matmulRuns.push({ axon: gemmGflops(TARGET_SHAPE, allThreads), torch: r.torch?.[key(TARGET_SHAPE, allThreads)] });
    console.error(
      `[bench]   run ${run + 1}: Axon ${matmulRuns[run].axon.toFixed(1)}, PyTorch ${matmulRuns[run].torch} GFLOP/s`,
    );
  }
  if (TARGETS_ONLY) {
    console.error(`[bench] 1024³ GEMM (Axon, NumPy), ${allThreads} threads`);
    const r = await runJson(PYTHON, [
      `${ROOT}bench/gemm_rivals.py`,
      "--shapes",
      shapeKey(SQUARE),
      "--threads",
      String(allThreads),
    ]);
    square = { axon: gemmGflops(SQUARE, allThreads), numpy: r.numpy?.[key(SQUARE, allThreads)] };
    console.error(`[bench]   Axon ${square.axon.toFixed(1)}, NumPy ${square.numpy} GFLOP/s`);
  } else {
    square = { axon: axon[key(SQUARE, allThreads)], numpy: rivals.numpy?.[key(SQUARE, allThreads)] };
  }
}
const mlpRow = (label: string, r: any, rival: any) =>
  `| ${label} | ${r.threads} | ${Math.round(r.samplesPerSec).toLocaleString("en-US")} | ${
    (r.samples / r.samplesPerSec).toFixed(2)
  } | ` +
  `${ratio(r.samplesPerSec, rival.samplesPerSec)} | ${r.testAccuracy.toFixed(2)}% |`;

const fmt = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(1));
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) + "×" : "—");
const lines: string[] = [];
if (!TARGETS_ONLY) {
  lines.push(
    `GEMM, f32, GFLOP/s (higher is better); ratios are Axon ÷ rival, measured in the same run`,
    "",
    "| M×K×N | threads | Axon | NumPy | PyTorch | Axon/NumPy | Axon/PyTorch |",
    "|---|---|---|---|---|---|---|",
  );
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
}
if (!GEMM_ONLY && !TARGETS_ONLY) {
  lines.push(
    "",
    "FFI call overhead, ns per call (median of 7 × 1M calls)",
    "",
    "| runtime | no arguments | kernel call (2 buffers + 8 scalars, 16 elements) |",
    "|---|---|---|",
    `| Deno ${Deno.version.deno} | ${ffiDeno.noArgsNs.toFixed(1)} | ${ffiDeno.kernel16Ns.toFixed(1)} |`,
    `| Bun | ${ffiBun.noArgsNs.toFixed(1)} | ${ffiBun.kernel16Ns.toFixed(1)} |`,
  );
}
/** The rows of one training table: Axon on Deno and Bun, then each rival; ratios ÷ PyTorch eager. */
function trainTable(r: any): string[] {
  const rows = [
    mlpRow(`Axon, Deno ${Deno.version.deno}`, r.deno, r.torch),
    mlpRow("Axon, Bun", r.bun, r.torch),
  ];
  if (r.denoTidy) rows.push(mlpRow(`Axon with tidy, Deno ${Deno.version.deno}`, r.denoTidy, r.torch));
  if (r.bunTidy) rows.push(mlpRow("Axon with tidy, Bun", r.bunTidy, r.torch));
  rows.push(mlpRow(r.torch.runtime, r.torch, r.torch));
  if (r.compiled) rows.push(mlpRow(r.compiled.runtime, r.compiled, r.torch));
  if (r.jax) rows.push(mlpRow(r.jax.runtime, r.jax, r.torch));
  return rows;
}
if (!GEMM_ONLY) {
  const rivalsNote = "PyTorch eager, PyTorch with `torch.compile` (Inductor; forward + loss compiled, backward by " +
    "AOTAutograd, Adam eager) and JAX `jax.jit` (XLA; the whole step — gather, forward, backward, optax Adam — " +
    "one compiled function), each pinned to the same thread count";
  lines.push(
    "",
    `MLP training epoch, samples/s (higher is better): the seed's 784-256-10 MLP, Adam 1e-3, CrossEntropyLoss, batch 64, ` +
      `shuffled, on Fashion-MNIST's 60,000 training images; median of ${MLP_EPOCHS} epochs after one warm-up epoch, ` +
      `timing the whole training loop (batch gather, forward, backward, step, loss.item()); same data, normalisation, batch ` +
      `size and thread count for every row, measured in the same run. Rivals: ${rivalsNote}`,
    "",
    "| trainer | threads | samples/s | epoch, s | ÷ PyTorch | test accuracy after warm-up + " + MLP_EPOCHS +
      " epochs |",
    "|---|---|---|---|---|---|",
    ...trainTable(mlp),
  );
  if (!TARGETS_ONLY) {
    lines.push(
      "",
      'The same epoch with forward and loss under autocast bf16 (f32 parameters and Adam; PyTorch: torch.autocast("cpu", torch.bfloat16))',
      "",
      "| trainer | threads | samples/s | epoch, s | ÷ PyTorch (autocast) | test accuracy |",
      "|---|---|---|---|---|---|",
      mlpRow(`Axon autocast(bf16), Deno ${Deno.version.deno}`, ampDeno, ampTorch),
      mlpRow("Axon autocast(bf16), Bun", ampBun, ampTorch),
      mlpRow(`${ampTorch.runtime} autocast(bf16)`, ampTorch, ampTorch),
    );
  }
  lines.push(
    "",
    `CNN training, samples/s: examples/mnist_cnn.ts's network (two 3×3 convolutions with ReLU and max pooling, Dropout, ` +
      `two Linear layers; Adam 1e-3, batch 64) on the first ${
        CNN_SAMPLES.toLocaleString("en-US")
      } Fashion-MNIST training ` +
      `images; median of ${MLP_EPOCHS} passes after one warm-up pass, timed as above`,
    "",
    "| trainer | threads | samples/s | pass, s | ÷ PyTorch | test accuracy |",
    "|---|---|---|---|---|---|",
    ...trainTable(cnn),
    "",
    `MLP 784-512-512-10 (ReLU), batch 256, Adam 1e-3, on the 60,000 training images; timed as above`,
    "",
    "| trainer | threads | samples/s | epoch, s | ÷ PyTorch | test accuracy |",
    "|---|---|---|---|---|---|",
    ...trainTable(big512),
    "",
    `MLP 784-2048-2048-10 (ReLU), batch 256, Adam 1e-3, on the first ${
      BIG_SAMPLES.toLocaleString("en-US")
    } training images; timed as above`,
    "",
    "| trainer | threads | samples/s | pass, s | ÷ PyTorch | test accuracy |",
    "|---|---|---|---|---|---|",
    ...trainTable(big2048),
    "",
    `64×784×256 f32 matmul through the public API (a fresh result each call) against PyTorch's torch.matmul, ` +
      `GFLOP/s, ${allThreads} threads, ${MATMUL_RUNS} runs (each the median of 7 timing rounds)`,
    "",
    "| run | Axon | PyTorch | Axon/PyTorch |",
    "|---|---|---|---|",
    ...matmulRuns.map((r, i) => `| ${i + 1} | ${fmt(r.axon)} | ${fmt(r.torch)} | ${ratio(r.axon, r.torch)} |`),
  );
  // Issue 12's performance targets, from the rows above (Deno and Bun separately).
  const sps = (r: any) => r?.samplesPerSec as number | undefined;
  const target = (what: string, goal: number, a: number | undefined, b: number | undefined) => {
    const v = a !== undefined && b ? a / b : undefined;
    return `| ${what} | ≥ ${goal.toFixed(1)}× | ${v === undefined ? "—" : v.toFixed(2) + "×"} | ${
      v === undefined ? "not measured" : v >= goal ? "met" : "not met"
    } |`;
  };
  const won = matmulRuns.filter((r) => r.torch && r.axon >= r.torch).length;
  lines.push(
    "",
    "Issue 12 performance targets, from this run",
    "",
    "| target | goal | measured | |",
    "|---|---|---|---|",
  );
  // The seed MLP and the CNN are judged written with tidy (as the issue states them); the others as written.
  for (
    const [rt, pick] of [["Deno", (r: any) => r.denoTidy ?? r.deno], ["Bun", (r: any) => r.bunTidy ?? r.bun]] as const
  ) {
    lines.push(
      target(`seed MLP ÷ PyTorch eager (${rt})`, 1.8, sps(pick(mlp)), sps(mlp.torch)),
      target(`seed MLP ÷ torch.compile (${rt})`, 1.0, sps(pick(mlp)), sps(mlp.compiled)),
      target(`seed MLP ÷ JAX jit (${rt})`, 1.0, sps(pick(mlp)), sps(mlp.jax)),
      target(`CNN ÷ PyTorch (${rt})`, 1.2, sps(pick(cnn)), sps(cnn.torch)),
      target(`MLP 784-512-512-10 ÷ PyTorch (${rt})`, 1.2, sps(pick(big512)), sps(big512.torch)),
      target(`MLP 784-2048-2048-10 ÷ PyTorch (${rt})`, 1.2, sps(pick(big2048)), sps(big2048.torch)),
    );
  }
  lines.push(
    `| 64×784×256 matmul ≥ PyTorch, runs out of ${MATMUL_RUNS} (Deno) | ${MATMUL_RUNS}/${MATMUL_RUNS} | ${won}/${MATMUL_RUNS} | ${
      won === MATMUL_RUNS ? "met" : "not met"
    } |`,
    target(`1024³ GEMM ÷ NumPy, ${allThreads} threads (Deno)`, 1.0, square?.axon, square?.numpy),
  );
}
const report = lines.join("\n");
console.log(report);
await Deno.mkdir(`${ROOT}bench/results`, { recursive: true });
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
// A --gemm-only or --targets run does not overwrite the full report.
const reportFile = GEMM_ONLY ? "latest-gemm.md" : TARGETS_ONLY ? "latest-targets.md" : "latest.md";
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
await Deno.writeTextFile(
  `${ROOT}bench/results/${reportFile}`,
  `# Benchmark ${new Date().toISOString()}\n\n${cpu}, ${
    threads.at(-1)
  } threads; load average at the end ${load}\n\n${report}\n`,
);
