/**
 * A training progress bar: on a terminal, one line redrawn in place with batches, loss,
 * samples/s and ETA; elsewhere (CI, pipes) silent, leaving plain per-epoch lines to the caller.
 * @module
 */
import process from "node:process";
import { checkBool, checkInt } from "./check.ts";
import { describe } from "./options.ts";

/** True when standard output is an interactive terminal. */
export function isTerminal(): boolean {
  return Boolean(process.stdout.isTTY);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

/**
 * Progress over `total` steps of `samplesPerStep` samples.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@axon/ml";
 *
 * const steps = 125;
 * const bar = new ProgressBar(steps, 64, "epoch 1");
 * for (let i = 0; i < steps; i++) bar.tick(1 / (i + 1)); // after each step, with its loss
 * bar.finish();
 * ```
 */
export class ProgressBar {
  /** Number of steps. */
  readonly total: number;
  /** Samples per step, for the samples/s rate. */
  readonly samplesPerStep: number;
  /** Text shown before the bar. */
  readonly label: string;
  /** Whether the bar is drawn (by default only on a terminal). */
  readonly enabled: boolean;
  #done = 0;
  #start = performance.now();
  #lastDraw = 0;

  /** Creates a bar over `total` steps, started now. */
  constructor(total: number, samplesPerStep: number, label = "", enabled: boolean = isTerminal()) {
    this.total = checkInt("ProgressBar", "total", total, { min: 0 });
    this.samplesPerStep = checkInt("ProgressBar", "samplesPerStep", samplesPerStep, { min: 0 });
    if (typeof label !== "string") throw new TypeError(`ProgressBar: label must be a string, got ${describe(label)}`);
    checkBool("ProgressBar", "enabled", enabled);
    this.label = label;
    this.enabled = enabled;
  }

  /** Seconds since the bar started. */
  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Samples per second so far. */
  get rate(): number {
    return (this.#done * this.samplesPerStep) / Math.max(this.elapsed, 1e-9);
  }

  /** The line as it would be drawn now. */
  render(loss?: number): string {
    const width = 24;
    const filled = Math.round((width * this.#done) / Math.max(this.total, 1));
    const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(width - filled);
    const eta = (this.total - this.#done) * (this.elapsed / Math.max(this.#done, 1));
    const lossText = loss === undefined ? "" : ` loss ${loss.toFixed(4)}`;
    return `${this.label} [${bar}] ${this.#done}/${this.total}${lossText} · ${
      Math.round(this.rate).toLocaleString("en-US")
    } samples/s · ETA ${formatDuration(eta)}`;
  }

  /** Counts one step and redraws (at most every 100 ms). */
  tick(loss?: number): void {
    this.#done++;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.#lastDraw < 100 && this.#done < this.total) return;
    this.#lastDraw = now;
    process.stdout.write(`\r${this.render(loss)}\x1b[K`);
  }

  /** Ends the line on a terminal. */
  finish(): void {
    if (this.enabled) process.stdout.write("\r\x1b[K");
  }
}
