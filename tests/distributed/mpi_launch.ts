/**
 * Runs a worker script under `mpirun -np N` with the runtime running the tests (Deno or Bun),
 * for the distributed tests. Open MPI's flags let CI run as root and place more ranks than cores.
 * @module
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runtime } from "../harness.ts";

/** The result of one launch. */
export interface LaunchResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The path of a file beside this one. */
export function workerPath(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

function execPath(): string {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  return runtime === "deno" ? g.Deno.execPath() : g.process.execPath;
}

/** `mpirun -np ranks <runtime> <script> ...args`, killed after `timeoutS` seconds. */
export function mpirun(
  ranks: number,
  script: string,
  args: string[] = [],
  timeoutS = 120,
  env: Record<string, string> = {},
): LaunchResult {
  const runtimeArgs = runtime === "deno" ? ["run", "--allow-all", "--no-check", script] : [script];
  const began = performance.now();
  const r = spawnSync("mpirun", [
    "--allow-run-as-root",
    "--oversubscribe",
    "-np",
    String(ranks),
    execPath(),
    ...runtimeArgs,
    ...args,
  ], {
    encoding: "utf8",
    timeout: timeoutS * 1000,
    maxBuffer: 8 * 1024 * 1024,
    // One native thread per rank: the ranks share the machine's cores.
    env: { ...(globalThis as any).process.env, AXON_NUM_THREADS: "1", NO_COLOR: "1", ...env },
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("mpirun not found: install openmpi-bin (tools/dev.sh test does)");
  }
  return {
    status: r.status,
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
    seconds: (performance.now() - began) / 1000,
  };
}

/** Lines a worker printed as `RESULT <json>`, parsed. */
export function results(out: string): any[] {
  return out.split("\n").filter((l) => l.startsWith("RESULT ")).map((l) => JSON.parse(l.slice(7)));
}
