import { assert, test } from "../harness.ts";
import { committed, generatedMismatches, regenerate } from "./abi_generated.ts";
import * as abi from "../../src/native/abi_generated.ts";
import { UnaryOp } from "../../src/ops/codes.ts";

const generated = regenerate();

test("src/native/abi_generated.ts is exactly what zig/abi_gen.zig prints from the Zig declarations", () => {
  assert.deepEqual(generatedMismatches(committed(), generated), []);
});

test("the generated-file check fails on a doctored table: a changed code, flag bit, layout, signature or a lost line", () => {
  const file = committed();
  const doctor = (from: string, to: string) => {
    assert.ok(file.includes(from), `fixture text ${from} is in the file`);
    return generatedMismatches(file.replace(from, to), generated).join("\n");
  };
  assert.match(doctor("relu: 8,", "relu: 9,"), /line \d+: .*relu: 9.*but Zig declares .*relu: 8/);
  assert.match(doctor("amsgrad: 1,", "amsgrad: 8,"), /AdamFlag/);
  assert.match(doctor("{ lr: 0, beta1: 1, beta2: 2", "{ lr: 0, beta2: 1, beta1: 2"), /AdamHyper/);
  assert.match(doctor('axon_fill: { parameters: ["u32", "i64"', 'axon_fill: { parameters: ["u32", "i32"'), /axon_fill/);
  assert.match(doctor("export const ABI_VERSION = ", "export const ABI_VERSION = 1"), /ABI_VERSION/);
  const lines = file.split("\n");
  const withoutReduce = lines.filter((l) => !l.startsWith("  axon_reduce:")).join("\n");
  assert.match(generatedMismatches(withoutReduce, generated).join("\n"), /axon_reduce/);
  // And a doctored Zig side: an op added to an enum in Zig but not yet generated.
  const zigAhead = generated.replace("addScalar: 25 }", "addScalar: 25, erf: 26 }");
  assert.match(generatedMismatches(file, zigAhead).join("\n"), /erf: 26[\s\S]*tools\/dev.sh abi/);
});

test("the generated tables are the ones the TypeScript uses", () => {
  assert.equal(UnaryOp, abi.UnaryOp);
  assert.equal(abi.UnaryOp.relu, 8);
  assert.deepEqual(Object.keys(abi.AdamHyper), ["lr", "beta1", "beta2", "eps", "weightDecay", "step"]);
  assert.deepEqual(abi.AdamFlag, { amsgrad: 1, decoupled: 2, maximize: 4 });
  assert.equal(abi.SYMBOLS.axon_gemm.parameters.length, 24);
});
