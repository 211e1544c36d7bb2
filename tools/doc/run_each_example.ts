/**
 * Runs every `@example` code block of the given source files, each in its own `deno run` process.
 *
 * `deno test --doc` runs a file's examples as modules of one process, which is right for every
 * example but the distributed ones: MPI may be initialised only once per process (and each doc
 * test module's unload finalises it), so those examples need a process each. The blocks are
 * type-checked by `deno test --doc`'s sibling `deno check --doc` beforehand.
 *
 * Usage: deno run -A tools/doc/run_each_example.ts src/distributed/*.ts
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname!, "../..");
const work = mkdtempSync(join(root, ".doc-examples-"));
let failed = 0;
let ran = 0;
try {
  for (const file of Deno.args) {
    const text = readFileSync(file, "utf8");
    const pattern = /```ts[^\n]*\n((?:[ \t]*\*[^\n]*\n)*?)[ \t]*\*[ \t]*```/g;
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split("\n").length;
      const code = match[1].split("\n").map((l) => l.replace(/^[ \t]*\* ?/, "")).join("\n");
      const target = join(work, `${relative(root, file).replaceAll("/", "_")}_${line}.ts`);
      writeFileSync(target, code);
      const result = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", "--config", join(root, "deno.json"), target],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      ran++;
      if (result.code === 0) {
        console.log(`ok   ${file}:${line}`);
      } else {
        failed++;
        console.log(`FAIL ${file}:${line}\n${new TextDecoder().decode(result.stderr)}`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${ran} examples, ${failed} failed`);
if (failed > 0) Deno.exit(1);
