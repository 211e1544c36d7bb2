/**
 * Run-time CPU dispatch: the release's x86-64 library files (dist/npm/ml-linux-x64-gnu/lib, from
 * tools/dev.sh release) run the kernel suite (tests/ops, nn, optim, autograd) at every level this
 * CPU supports, each forced with AXON_CPU, on the runtime running this test; the level that runs is
 * the one asked for, and without AXON_CPU the best one.
 */
import { join } from "node:path";
import { cpuInfo } from "../../mod.ts";
import { CPU_LEVELS, wantedLevel } from "../../src/native/cpu_levels.ts";
import { assert, runtime, test } from "../harness.ts";
import { BUN_BIN, cleanEnv, DENO_BIN, DIST, requireRelease, ROOT, runChild } from "../dist/helpers.ts";

const LIBRARY = join(DIST, "npm/ml-linux-x64-gnu/lib/libaxon.so");
const KERNEL_SUITE = ["tests/ops/", "tests/nn/", "tests/optim/", "tests/autograd/"];

function supportedLevels(): string[] {
  const best = cpuInfo().best;
  if (best === null) throw new Error("this test needs an x86-64 CPU (cpuInfo().best is null)");
  return CPU_LEVELS.slice(0, CPU_LEVELS.indexOf(best) + 1);
}

async function childCpuInfo(level?: string): Promise<Record<string, unknown>> {
  const script = `import { cpuInfo } from ${
    JSON.stringify(join(ROOT, "mod.ts"))
  }; console.log(JSON.stringify(cpuInfo()));`;
  const env = cleanEnv({ AXON_LIB: LIBRARY, ...(level ? { AXON_CPU: level } : {}) });
  const result = runtime === "deno"
    ? await runChild(DENO_BIN, ["eval", script], { env })
    : await runChild(BUN_BIN, ["-e", script], { env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
}

test("wantedLevel: AXON_CPU lowers the level, never raises it, and names the levels when unknown", () => {
  assert.equal(wantedLevel(4, undefined), 4);
  assert.equal(wantedLevel(4, "x86-64-v3"), 1);
  assert.equal(wantedLevel(2, "x86-64-v4"), 2);
  assert.throws(() => wantedLevel(1, "x86-64-v4"), /AXON_CPU=x86-64-v4 is above what this CPU runs \(x86-64-v3\)/);
  assert.throws(
    () => wantedLevel(4, "avx2"),
    /AXON_CPU=avx2 is not a CPU level; the levels are x86-64-v2, x86-64-v3, x86-64-v4, avx512-bf16, amx/,
  );
});

test(`${runtime}: without AXON_CPU the release library runs the best level this CPU supports`, async () => {
  requireRelease();
  const info = await childCpuInfo();
  const best = supportedLevels().at(-1)!;
  assert.equal(info.level, best);
  assert.equal(info.best, best);
  assert.equal(info.forced, false);
  assert.equal(info.source, "AXON_LIB");
  assert.equal(
    info.library,
    best === "x86-64-v2" ? LIBRARY : join(DIST, `npm/ml-linux-x64-gnu/lib/libaxon-${best}.so`),
  );
});

for (const level of CPU_LEVELS) {
  test(`${runtime}: the kernel suite passes at CPU level ${level} (when this CPU supports it)`, async () => {
    requireRelease();
    if (!supportedLevels().includes(level)) {
      // Not a skip that passes silently: a level above this CPU must be refused by name.
      const env = cleanEnv({ AXON_LIB: LIBRARY, AXON_CPU: level });
      const script = `import ${JSON.stringify(join(ROOT, "mod.ts"))};`;
      const refused = runtime === "deno"
        ? await runChild(DENO_BIN, ["eval", script], { env })
        : await runChild(BUN_BIN, ["-e", script], { env });
      assert.match(refused.stderr, new RegExp(`AXON_CPU=${level} is above what this CPU runs`));
      return;
    }
    const info = await childCpuInfo(level);
    assert.equal(info.level, level);
    assert.equal(info.forced, true);
    const env = cleanEnv({ AXON_LIB: LIBRARY, AXON_CPU: level });
    const result = runtime === "deno"
      ? await runChild(DENO_BIN, ["test", "--allow-all", "--no-check", ...KERNEL_SUITE], {
        cwd: ROOT,
        env,
        timeoutMs: 540_000,
      })
      : await runChild(BUN_BIN, ["test", "--timeout", "60000", ...KERNEL_SUITE], {
        cwd: ROOT,
        env,
        timeoutMs: 540_000,
      });
    const output = result.stdout + result.stderr;
    const passed = Number(
      (runtime === "deno" ? /(\d+) passed/.exec(output) : /^\s*(\d+) pass$/m.exec(output))?.[1] ?? 0,
    );
    assert.equal(result.code, 0, `kernel suite failed at ${level}:\n${output.slice(-4000)}`);
    assert.ok(passed > 100, `only ${passed} tests ran at ${level}`);
  }, { timeoutMs: 600_000 }); // a child runs the whole kernel suite
}
