/**
 * The x86-64 release library at each CPU level this machine runs against the host build
 * (`zig build -Doptimize=ReleaseFast`, i.e. -Dcpu=native, in zig-out/), GEMM GFLOP/s measured in the
 * same run: every variant runs in its own Deno subprocess (AXON_LIB = the release's baseline file,
 * AXON_CPU = the level), the variants interleaved over ROUNDS rounds, the best round kept (on this
 * shared machine other processes only ever slow a round down). Needs
 * `tools/dev.sh release` (tools/dev.sh bench runs it).
 *
 *   deno run -A bench/cpu_levels.ts        prints the table; bench/main.ts adds it to its report
 * @module
 */
import { existsSync } from "node:fs";
import { cpuInfo } from "../mod.ts";
import { CPU_LEVELS } from "../src/native/cpu_levels.ts";
import { gemmGflops, type GemmShape, halfGemmGflops } from "./gemm.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RELEASE_LIBRARY = `${ROOT}dist/npm/ml-linux-x64-gnu/lib/libaxon.so`;
const ROUNDS = 5;
const SHAPES: { label: string; shape: GemmShape; threads: "one" | "all"; half?: boolean }[] = [
  { label: "64×784×256 f32, 1 thread", shape: { m: 64, k: 784, n: 256 }, threads: "one" },
  { label: "1024³ f32, 1 thread", shape: { m: 1024, k: 1024, n: 1024 }, threads: "one" },
  { label: "64×784×256 f32, all threads", shape: { m: 64, k: 784, n: 256 }, threads: "all" },
  { label: "64×784×256 bf16, 1 thread", shape: { m: 64, k: 784, n: 256 }, threads: "one", half: true },
];

interface Measured {
  level: string | null;
  rates: number[];
}

function measure(): Measured {
  const all = navigator.hardwareConcurrency;
  const rates = SHAPES.map(({ shape, threads, half }) => {
    const t = threads === "one" ? 1 : all;
    return half ? halfGemmGflops(shape, "bf16", t) : gemmGflops(shape, t);
  });
  return { level: cpuInfo().level, rates };
}

async function child(env: Record<string, string>): Promise<Measured> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/cpu_levels.ts`, "--child"],
    env,
    clearEnv: false,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`bench/cpu_levels.ts --child failed (${JSON.stringify(env)})`);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").pop()!);
}

/** The table's markdown lines. */
export async function cpuLevelTable(): Promise<string[]> {
  if (!existsSync(RELEASE_LIBRARY)) throw new Error(`${RELEASE_LIBRARY} is missing: run tools/dev.sh release first`);
  const top = cpuInfo().best;
  const levels = top === null ? [] : CPU_LEVELS.slice(0, CPU_LEVELS.indexOf(top) + 1).reverse();
  const variants = [
    { label: "host build (-Dcpu=native)", env: { AXON_LIB: `${ROOT}zig-out/lib/libaxon.so`, AXON_CPU: "" } },
    ...levels.map((level) => ({
      label: `release, ${level}${level === "x86-64-v3" ? " (AVX2+FMA)" : ""}`,
      env: { AXON_LIB: RELEASE_LIBRARY, AXON_CPU: level },
    })),
  ];
  const samples: number[][][] = variants.map(() => SHAPES.map(() => []));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, variant] of variants.entries()) {
      console.error(`[bench] CPU levels, round ${round + 1}/${ROUNDS}: ${variant.label}`);
      const measured = await child(variant.env);
      measured.rates.forEach((rate, j) => samples[i][j].push(rate));
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  const host = samples[0].map(best);
  const lines = [
    `x86-64 release library by CPU level vs the host build, GEMM GFLOP/s (best of ${ROUNDS} interleaved runs, each in its own process, each the median of 7 timings; ratio ÷ host build)`,
    "",
    `| library | ${SHAPES.map((s) => s.label).join(" | ")} |`,
    `|---|${SHAPES.map(() => "---").join("|")}|`,
  ];
  for (const [i, variant] of variants.entries()) {
    const cells = samples[i].map(best).map((rate, j) =>
      i === 0 ? rate.toFixed(1) : `${rate.toFixed(1)} (${(rate / host[j]).toFixed(2)}×)`
    );
    lines.push(`| ${variant.label} | ${cells.join(" | ")} |`);
  }
  return lines;
}

if (import.meta.main) {
  if (Deno.args.includes("--child")) console.log(JSON.stringify(measure()));
  else console.log((await cpuLevelTable()).join("\n"));
}
