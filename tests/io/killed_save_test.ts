/** Saves killed mid-write leave the old or new file, and their temporaries are cleaned up. */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { assert, test } from "../harness.ts";
import { Linear, loadModel, saveModel, Sequential } from "../../mod.ts";
import { removeStaleTemporaries } from "../../src/io/temporary_file.ts";
import { withTempDir } from "./helpers.ts";

/** The command that runs a TypeScript file on the runtime running the tests. */
function runtimeCommand(script: string, arg: string): [string, string[]] {
  if ("Deno" in globalThis) return [process.execPath, ["run", "--allow-all", "--no-check", script, arg]];
  return [process.execPath, [script, arg]];
}

/** Starts the saving child, kills it with SIGKILL after `ms` of saving, waits for its exit. */
async function killMidSave(path: string, ms: number): Promise<void> {
  const [cmd, args] = runtimeCommand(new URL("./save_killer.ts", import.meta.url).pathname, path);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`saver exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** A pid that no running process has (a Linux pid_max is at most 2^22). */
function deadPid(): number {
  for (let pid = 4_000_000;; pid--) if (!existsSync(`/proc/${pid}`)) return pid;
}

test("SIGKILLed saves leave a loadable file, and the next save removes their temporaries", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "model.safetensors");
    const model = new Sequential().add(new Linear(2048, 2048));
    saveModel(model, path);
    const partial = () => readdirSync(dir).filter((n) => n.includes(".axon-partial."));
    let leftBehind = 0;
    for (let i = 0; i < 6; i++) {
      await killMidSave(path, 40 + 37 * i);
      leftBehind = Math.max(leftBehind, partial().length);
      loadModel(new Sequential().add(new Linear(2048, 2048)), path); // old or new, never torn
    }
    assert.ok(leftBehind > 0, "no kill landed mid-save: the test did not exercise the cleanup");
    saveModel(model, path);
    assert.deepEqual(partial(), [], "the save left the killed saves' temporaries behind");
    loadModel(new Sequential().add(new Linear(2048, 2048)), path);
  });
});

test("stale temporaries are recognised by target and by a writer that is gone, nothing else", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "w.safetensors");
    const files = {
      stale: `.w.safetensors.axon-partial.${deadPid()}.abcd1234.tmp`,
      live: `.w.safetensors.axon-partial.${process.ppid}.abcd1234.tmp`, // the test runner's parent runs
      own: `.w.safetensors.axon-partial.${process.pid}.abcd1234.tmp`, // maybe a save under way here
      otherTarget: `.v.safetensors.axon-partial.${deadPid()}.abcd1234.tmp`,
      unrelated: "w.safetensors.tmp",
      notAPid: ".w.safetensors.axon-partial.x.abcd1234.tmp",
    };
    for (const name of Object.values(files)) writeFileSync(join(dir, name), "x");
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    for (const name of Object.values(files)) utimesSync(join(dir, name), old, old);
    assert.deepEqual(removeStaleTemporaries(path), [files.stale]);
    const left = readdirSync(dir).sort();
    assert.deepEqual(left, Object.values(files).filter((n) => n !== files.stale).sort());
  });
});
