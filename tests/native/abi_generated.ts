/**
 * Regenerates src/native/abi_generated.ts from the Zig declarations (`zig build abi`, printing to
 * standard output) and compares it with the committed file: the check that the TypeScript side of
 * the C ABI is exactly what Zig declares (tests/native/abi_generated_test.ts).
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The committed generated file. */
export const GENERATED_FILE: string = `${ROOT}src/native/abi_generated.ts`;

/** What the generator prints now, from the Zig sources of this checkout. */
export function regenerate(): string {
  const zig = `${ROOT}.tools/ziglang/ziglang/zig`;
  const run = spawnSync(zig, ["build", "abi", "-Dabi-out=-"], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 });
  if (run.error) throw new Error(`could not run ${zig} (install it with tools/dev.sh build): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`zig build abi failed (${run.status}):\n${run.stderr}`);
  return run.stdout;
}

/** The committed file's text. */
export function committed(): string {
  return readFileSync(GENERATED_FILE, "utf8");
}

/**
 * Every line where `file` (the committed text) differs from `generated` (what Zig declares), one
 * message each; empty when they agree.
 */
export function generatedMismatches(file: string, generated: string): string[] {
  const a = file.split("\n");
  const b = generated.split("\n");
  const problems: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    problems.push(
      `src/native/abi_generated.ts line ${i + 1}: ${
        a[i] === undefined ? "missing" : JSON.stringify(a[i])
      }, but Zig declares ${b[i] === undefined ? "nothing there" : JSON.stringify(b[i])}`,
    );
  }
  if (problems.length > 0) problems.push("regenerate it with tools/dev.sh abi");
  return problems;
}
