/**
 * Loading Axon on Deno without --allow-ffi or --allow-read is an error naming the missing flag
 * (not "run tools/dev.sh build"). Runs the Deno binary in a subprocess from both runtimes.
 * @module
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assert, test } from "../harness.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const deno = `${root}node_modules/@deno/linux-x64-glibc/deno`;
const script = `import { zeros } from "${
  new URL("../../mod.ts", import.meta.url).href
}"; console.log(String(zeros([2])));`;

function run(flags: string[]): { status: number | null; output: string } {
  // `deno run -` reads the script from stdin and, unlike `deno eval`, grants only the flags given.
  const r = spawnSync(deno, ["run", "--no-check", ...flags, "-"], {
    cwd: root,
    input: script,
    encoding: "utf8",
    timeout: 60_000,
    env: { NO_COLOR: "1", PATH: "/usr/bin:/bin" },
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

test("Deno without --allow-ffi, --allow-read or both: the error names the missing flags", () => {
  const cases: [string[], RegExp][] = [
    [["--allow-read", "--allow-env"], /without Deno's --allow-ffi permission: run deno with --allow-ffi /],
    [["--allow-ffi", "--allow-env"], /to find its native library: run deno with --allow-read /],
    [
      ["--allow-env"],
      /without Deno's --allow-read and --allow-ffi permissions: run deno with --allow-read --allow-ffi /,
    ],
  ];
  for (const [flags, pattern] of cases) {
    const { status, output } = run(flags);
    assert.notEqual(status, 0, `flags ${flags.join(" ")}: expected a failure`);
    assert.match(output, pattern, `flags ${flags.join(" ")}`);
    assert.doesNotMatch(output, /tools\/dev\.sh build/, "not blamed on the build");
  }
  const ok = run(["--allow-ffi", "--allow-read", "--allow-env"]);
  assert.equal(ok.status, 0, ok.output);
  assert.match(ok.output, /tensor\(\[0\., 0\.\], dtype=f32\)/);
});
