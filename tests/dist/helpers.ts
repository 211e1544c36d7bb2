/**
 * Shared pieces of the distribution tests: where the release files and packages are (built by
 * `tools/dev.sh release`, which `tools/dev.sh test` runs first), child processes with a clean
 * environment, and the reference losses of the seed MLP from this checkout.
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The checkout's root folder. */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url));
/** tools/dev.sh release's output. */
export const DIST: string = join(ROOT, "dist");
/** The Deno and Bun binaries of this checkout. */
export const DENO_BIN: string = join(ROOT, "node_modules/@deno/linux-x64-glibc/deno");
/** The Bun binary of this checkout. */
export const BUN_BIN: string = join(ROOT, "node_modules/@oven/bun-linux-x64/bin/bun");
/** The seed-MLP script the installed copies run. */
export const SEED_MLP: string = join(ROOT, "tests/dist/fixtures/seed_mlp.ts");

/** Throws, naming the command, unless the release files and packages exist. */
export function requireRelease(): void {
  for (const path of ["release/SHA256SUMS", "jsr/mod.ts", "npm/ml/mod.js", "packages"]) {
    if (!existsSync(join(DIST, path))) {
      throw new Error(`dist/${path} is missing: run tools/dev.sh release first (tools/dev.sh test does)`);
    }
  }
}

/** A new empty folder outside the checkout. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `axon-${label}-`));
}

/** The environment without any AXON_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("AXON_")) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/** What a finished child process printed. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` asynchronously (the test's own HTTP server must keep answering meanwhile).
 * `onStart` receives the child, e.g. to kill it.
 */
export function runChild(
  command: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string>; timeoutMs?: number; onStart?: (kill: () => void) => void },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    options.onStart?.(() => child.kill("SIGKILL"));
  });
}

/** The last line of `stdout` that parses as JSON (the fixture's report). */
export function lastJson(result: ChildResult): { losses: number[]; cpu: Record<string, unknown> } {
  const lines = result.stdout.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch { /* not the report */ }
  }
  throw new Error(`no JSON report (exit ${result.code}); stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}
