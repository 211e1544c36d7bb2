/** Worker entry point: runs the task named in the first message and posts its result (or error). */
import { runTask } from "./worker_task.ts";

// deno-lint-ignore no-explicit-any
const scope = self as any;
scope.onmessage = (event: MessageEvent<{ task: string; seed: number }>) => {
  try {
    scope.postMessage({ ok: true, result: runTask(event.data.task, event.data.seed) });
  } catch (e) {
    scope.postMessage({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
};
