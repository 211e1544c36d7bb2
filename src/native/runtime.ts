/**
 * Typed wrappers of the native library's host services, which are not device kernels and so sit
 * outside the backend seam: the death watch (src/autograd/death_watch.ts) and process liveness
 * (src/io/temporary_file.ts).
 * @module
 */
import { native } from "./library.ts";

/** A new death-watch owner id for the calling realm (main thread or Worker). */
export function newWatchOwner(): number {
  return native.axon_watch_owner();
}

/** Copies up to `out.length` collected tokens of `owner` into `out`; returns how many. */
export function drainWatch(owner: number, out: Uint32Array): number {
  return Number(native.axon_watch_drain(owner, out, out.byteLength));
}

/** Whether process `pid` exists (a live process of another user counts; unknown counts as alive). */
export function processAlive(pid: number): boolean {
  return native.axon_process_alive(pid) !== 0;
}
