/**
 * Checks the TypeScript declaration of the C ABI (src/native/symbols.ts) against the Zig exports
 * it describes: every `export fn axon_*` in zig/ has an entry with the same parameters and result,
 * every entry has an export, and the version numbers agree. Zig is the source of truth; this is
 * the test that fails when one side changes alone (tests/native/abi_check_test.ts).
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { NativeSignature, NativeType } from "../../src/native/symbols.ts";

/** How many `export fn axon_` occur under `dir`: what {@link zigExports} must have parsed. */
export function countZigExports(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) count += countZigExports(path);
    else if (entry.endsWith(".zig")) count += readFileSync(path, "utf8").match(/export\s+fn\s+axon_/g)?.length ?? 0;
  }
  return count;
}

/** One Zig export: its name, parameter types and result type as written in Zig. */
export interface ZigExport {
  name: string;
  parameters: string[];
  result: string;
  file: string;
}

/** Every `export fn axon_*` under `dir`, parsed from source (multi-line signatures included). */
export function zigExports(dir: string): ZigExport[] {
  const out: ZigExport[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      out.push(...zigExports(path));
      continue;
    }
    if (!entry.endsWith(".zig")) continue;
    const source = readFileSync(path, "utf8");
    const pattern = /export\s+fn\s+(axon_[a-z0-9_]+)\s*\(([^)]*)\)\s*([^{]+?)\s*\{/g;
    for (const m of source.matchAll(pattern)) {
      const parameters = m[2].split(",").map((p) => p.trim()).filter((p) => p !== "").map((p) =>
        p.slice(p.indexOf(":") + 1).trim()
      );
      out.push({ name: m[1], parameters, result: m[3].trim(), file: path });
    }
  }
  return out;
}

/** The `abi_version` constant of zig/root.zig. */
export function zigAbiVersion(rootFile: string): number {
  const m = /pub const abi_version: u32 = (\d+);/.exec(readFileSync(rootFile, "utf8"));
  if (!m) throw new Error(`${rootFile}: no abi_version constant`);
  return Number(m[1]);
}

/** The TypeScript types a Zig type may be declared as. */
function acceptedTypes(zigType: string): readonly NativeType[] {
  const t = zigType.replace(/\s+/g, "");
  if (["u32", "i32", "i64", "u64", "f32", "f64", "void"].includes(t)) return [t as NativeType];
  // Pointers: a typed array passed zero-copy ("buffer") or a raw pointer value ("pointer").
  if (/^\??(\[\*\]|\*)(const)?(align\(\d+\))?[a-zA-Z0-9_]+$/.test(t)) return ["buffer", "pointer"];
  return [];
}

/** Every disagreement between `symbols` and `exports`, one line each (empty when they agree). */
export function abiMismatches(
  symbols: Readonly<Record<string, NativeSignature>>,
  exports: readonly ZigExport[],
  versions: { typescript: number; zig: number },
): string[] {
  const problems: string[] = [];
  if (versions.typescript !== versions.zig) {
    problems.push(`ABI version: TypeScript expects ${versions.typescript}, zig/root.zig says ${versions.zig}`);
  }
  const byName = new Map(exports.map((e) => [e.name, e]));
  for (const [name, signature] of Object.entries(symbols)) {
    const zig = byName.get(name);
    if (!zig) {
      problems.push(`${name}: declared in symbols.ts but not exported by any zig file`);
      continue;
    }
    if (zig.parameters.length !== signature.parameters.length) {
      problems.push(
        `${name}: ${signature.parameters.length} parameters in symbols.ts, ${zig.parameters.length} in ${zig.file} (${
          zig.parameters.join(", ")
        })`,
      );
    } else {
      zig.parameters.forEach((zt, i) => {
        if (!acceptedTypes(zt).includes(signature.parameters[i])) {
          problems.push(
            `${name}: parameter ${i} is "${signature.parameters[i]}" in symbols.ts but ${zt} in ${zig.file}`,
          );
        }
      });
    }
    if (!acceptedTypes(zig.result).includes(signature.result)) {
      problems.push(`${name}: result is "${signature.result}" in symbols.ts but ${zig.result} in ${zig.file}`);
    }
  }
  for (const e of exports) {
    if (!(e.name in symbols)) problems.push(`${e.name}: exported by ${e.file} but missing from symbols.ts`);
  }
  return problems;
}
