/**
 * Temporary files of atomic saves. A save writes `.<name>.axon-partial.<pid>.<random>.tmp` next to
 * its target and renames it over the target when complete; a process killed mid-save leaves that
 * file behind. The next save of the same target removes the ones whose writer is gone, so killed
 * runs do not pile up partial copies of a model.
 * @module
 */
import { readdirSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { processAlive } from "../native/runtime.ts";

const MARK = ".axon-partial.";

/** Where a save of `path` by this process writes before renaming. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${MARK}${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
}

/**
 * Removes the temporaries of earlier saves of `path` whose writing process no longer runs (asked
 * natively, `kill(pid, 0)`: Deno reads /proc only with --allow-all). Temporaries of live
 * processes, of other targets and every other file are left alone. Best effort: a directory that
 * cannot be listed (no read permission) is skipped silently, since the save itself does not need it.
 * Returns the names removed.
 */
export function removeStaleTemporaries(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}${MARK}`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    const file = join(dir, name);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(file);
      removed.push(name);
    } catch { /* removed by someone else meanwhile, or not ours to remove */ }
  }
  return removed;
}
