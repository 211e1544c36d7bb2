import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { assert, runtime, test } from "./harness.ts";

const examplesDir = fileURLToPath(new URL("../examples/", import.meta.url));

for (const file of readdirSync(examplesDir).filter((f) => f.endsWith(".ts")).sort()) {
  test(`example ${file} runs to completion on ${runtime}`, () => {
    const args = runtime === "deno" ? ["run", "--allow-all", `${examplesDir}${file}`] : [`${examplesDir}${file}`];
    const result = spawnSync(process.execPath, args, {
      encoding: "utf8",
      timeout: 50_000,
      env: { ...process.env, AXON_EXAMPLE_SMOKE: "1" },
    });
    assert.equal(result.status, 0, `${file} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  });
}
