import { fileURLToPath } from "node:url";
import { assert, test } from "../harness.ts";
import { ABI_VERSION, CPU_SYMBOLS, type NativeSignature, SYMBOLS } from "../../src/native/symbols.ts";
import { abiMismatches, countZigExports, zigAbiVersion, zigExports } from "./abi_check.ts";

const zigDir = fileURLToPath(new URL("../../zig/", import.meta.url));
const exports = zigExports(zigDir);
const versions = { typescript: ABI_VERSION, zig: zigAbiVersion(`${zigDir}root.zig`) };

test("symbols.ts declares exactly the Zig exports, with the same parameter and result types", () => {
  assert.equal(exports.length, countZigExports(zigDir), "the signature parser missed an export");
  assert.deepEqual(abiMismatches({ ...SYMBOLS, ...CPU_SYMBOLS }, exports, versions), []);
});

test("the ABI check fails on a doctored table: a changed type, arity, result, name or version", () => {
  const table = { ...SYMBOLS, ...CPU_SYMBOLS } as Record<string, NativeSignature>;
  const doctor = (change: (t: Record<string, NativeSignature>) => void) => {
    const copy = { ...table };
    change(copy);
    return abiMismatches(copy, exports, versions);
  };
  const gemm = table.axon_gemm;
  const swapped = [...gemm.parameters];
  swapped[0] = "f64";
  assert.match(
    doctor((t) => (t.axon_gemm = { ...gemm, parameters: swapped })).join("\n"),
    /axon_gemm: parameter 0 is "f64" in symbols.ts but u32/,
  );
  assert.match(
    doctor((t) => (t.axon_gemm = { ...gemm, parameters: gemm.parameters.slice(1) })).join("\n"),
    /axon_gemm: \d+ parameters in symbols.ts, \d+ in/,
  );
  assert.match(
    doctor((t) => (t.axon_abi_version = { parameters: [], result: "i64" })).join("\n"),
    /axon_abi_version: result is "i64" in symbols.ts but u32/,
  );
  assert.match(
    doctor((t) => delete t.axon_reduce).join("\n"),
    /axon_reduce: exported by .* but missing from symbols.ts/,
  );
  assert.match(
    doctor((t) => (t.axon_made_up = { parameters: [], result: "void" })).join("\n"),
    /axon_made_up: declared in symbols.ts but not exported/,
  );
  assert.match(
    abiMismatches(table, exports, { typescript: ABI_VERSION + 1, zig: versions.zig }).join("\n"),
    /ABI version: TypeScript expects/,
  );
  // And a doctored Zig side: an export whose parameter type changed.
  const doctoredZig = exports.map((
    e,
  ) => (e.name === "axon_reduce" ? { ...e, parameters: ["f32", ...e.parameters.slice(1)] } : e));
  assert.match(
    abiMismatches(table, doctoredZig, versions).join("\n"),
    /axon_reduce: parameter 0 is "u32" in symbols.ts but f32/,
  );
});
