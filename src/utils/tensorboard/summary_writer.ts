/**
 * `SummaryWriter`: PyTorch's `torch.utils.tensorboard.SummaryWriter` without TensorFlow or
 * protobuf libraries — event files written by Axon itself (see events.ts), read by TensorBoard
 * (`tensorboard --logdir runs`).
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Tensor } from "../../tensor/tensor.ts";
import { checkOptions, describe } from "../options.ts";
import {
  fileVersionEvent,
  type Histogram,
  histogramValue,
  hparamsValues,
  type HParamValue,
  scalarValue,
  summaryEvent,
  textValue,
  tfRecord,
} from "./events.ts";
import type { ProtoWriter } from "./protobuf.ts";

/** Options of {@link SummaryWriter}. */
export interface SummaryWriterOptions {
  /** Write buffered events to disk at least this often, checked on each add (seconds, default 120, as PyTorch). */
  flushSecs?: number;
  /** Write buffered events once this many are pending (default 10, as PyTorch). */
  maxQueue?: number;
  /** Appended to the event file's name. */
  filenameSuffix?: string;
}

/** Options of {@link SummaryWriter.addHistogram}. */
export interface HistogramOptions {
  /** Number of equal-width buckets between the minimum and maximum (default 30). */
  bins?: number;
  /** Wall time in seconds (default now). */
  walltime?: number;
}

/** Options of {@link SummaryWriter.addHparams}. */
export interface HparamsOptions {
  /** Sub-directory of the run holding the hparams session (default: the current time in seconds). */
  runName?: string;
  /** Step of the metric scalars (default 0). */
  step?: number;
}

/** `runs/<YYYY-MM-DD_HH-MM-SS>` in local time: the default log directory, sortable by name. */
export function defaultRunDir(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return join(
    "runs",
    `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}_${p(date.getHours())}-${
      p(date.getMinutes())
    }-${p(date.getSeconds())}`,
  );
}

let fileCounter = 0;

/** The machine's name for event file names; Deno needs --allow-sys for it, so "localhost" without. */
function hostName(): string {
  try {
    return hostname();
  } catch {
    return "localhost";
  }
}

/**
 * Writes TensorBoard event files into `logDir` (created if needed): scalars, groups of scalars,
 * histograms (weights, gradients), text and hyper-parameters. Events are buffered and written
 * when `maxQueue` are pending, when `flushSecs` have passed, on {@link SummaryWriter.flush} and
 * on {@link SummaryWriter.close}. View with `tensorboard --logdir runs`.
 *
 * @example
 * ```ts
 * import { Linear, SummaryWriter } from "@axon/ml";
 *
 * const model = new Linear(4, 2);
 * const writer = new SummaryWriter(`${Deno.makeTempDirSync()}/runs/mlp`);
 * for (let step = 0; step < 100; step++) writer.addScalar("loss/train", 1 / (step + 1), step);
 * writer.addHistogram("fc1/weight", model.parameters()[0], 100);
 * writer.close();
 * ```
 */
export class SummaryWriter {
  /** The directory the event file is in. */
  readonly logDir: string;
  /** The event file's path. */
  readonly path: string;
  #fd: number | null;
  #pending: Uint8Array[] = [];
  #lastFlush = Date.now();
  readonly #flushMs: number;
  readonly #maxQueue: number;
  readonly #children = new Map<string, SummaryWriter>();

  /** Creates `logDir` (default {@link defaultRunDir}) and a new event file in it. */
  constructor(logDir: string = defaultRunDir(), options?: SummaryWriterOptions) {
    const o = checkOptions<SummaryWriterOptions>("SummaryWriter", options, ["flushSecs", "maxQueue", "filenameSuffix"]);
    if (typeof logDir !== "string" || logDir === "") {
      throw new TypeError(`SummaryWriter: logDir must be a non-empty string, got ${describe(logDir)}`);
    }
    const flushSecs = o.flushSecs ?? 120;
    const maxQueue = o.maxQueue ?? 10;
    if (!(typeof flushSecs === "number" && flushSecs >= 0)) {
      throw new RangeError(`SummaryWriter: flushSecs must be a number >= 0, got ${describe(flushSecs)}`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 1) {
      throw new RangeError(`SummaryWriter: maxQueue must be an integer >= 1, got ${describe(maxQueue)}`);
    }
    this.#flushMs = flushSecs * 1000;
    this.#maxQueue = maxQueue;
    this.logDir = logDir;
    mkdirSync(logDir, { recursive: true });
    const now = Date.now() / 1000;
    const name = `events.out.tfevents.${Math.floor(now)}.${hostName()}.${process.pid}.${fileCounter++}${
      o.filenameSuffix ?? ""
    }`;
    this.path = join(logDir, name);
    this.#fd = openSync(this.path, "wx");
    this.#pending.push(tfRecord(fileVersionEvent(now)));
    this.flush();
  }

  #add(values: ProtoWriter[], step: number | undefined, walltime: number | undefined, where: string): void {
    if (this.#fd === null) throw new Error(`SummaryWriter.${where}: the writer is closed`);
    const s = step ?? 0;
    if (!Number.isSafeInteger(s)) {
      throw new TypeError(`SummaryWriter.${where}: step must be an integer, got ${describe(step)}`);
    }
    const time = walltime ?? Date.now() / 1000;
    if (!Number.isFinite(time)) {
      throw new TypeError(
        `SummaryWriter.${where}: walltime must be a finite number of seconds, got ${describe(walltime)}`,
      );
    }
    this.#pending.push(tfRecord(summaryEvent(time, s, values)));
    if (this.#pending.length >= this.#maxQueue || Date.now() - this.#lastFlush >= this.#flushMs) this.flush();
  }

  /**
   * Logs one value of the series `tag` at `step` (a number or a one-element tensor).
   *
   * @example
   * ```ts
   * import { SummaryWriter } from "@axon/ml";
   *
   * const writer = new SummaryWriter(Deno.makeTempDirSync());
   * for (let step = 0; step < 3; step++) writer.addScalar("loss/train", 1 / (step + 1), step);
   * writer.close();
   * ```
   */
  addScalar(tag: string, value: number | Tensor, step?: number, walltime?: number): void {
    this.#add([scalarValue(checkTag(tag, "addScalar"), scalar(value, "addScalar", tag))], step, walltime, "addScalar");
  }

  /**
   * Logs several series on one chart (PyTorch's `add_scalars`): each key goes to its own run
   * `<logDir>/<mainTag>_<key>` under the tag `mainTag`.
   *
   * @example
   * ```ts
   * import { SummaryWriter } from "@axon/ml";
   *
   * const writer = new SummaryWriter(Deno.makeTempDirSync());
   * writer.addScalars("loss", { train: 0.31, test: 0.35 }, 1);
   * writer.close();
   * ```
   */
  addScalars(mainTag: string, values: Record<string, number | Tensor>, step?: number, walltime?: number): void {
    checkTag(mainTag, "addScalars");
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      throw new TypeError(
        `SummaryWriter.addScalars: values must be an object of named numbers, got ${describe(values)}`,
      );
    }
    for (const [key, v] of Object.entries(values)) {
      const dir = join(this.logDir, `${mainTag.replaceAll("/", "_")}_${key}`);
      let child = this.#children.get(dir);
      if (child === undefined) {
        this.#children.set(
          dir,
          child = new SummaryWriter(dir, { flushSecs: this.#flushMs / 1000, maxQueue: this.#maxQueue }),
        );
      }
      child.#add([scalarValue(mainTag, scalar(v, "addScalars", `${mainTag}/${key}`))], step, walltime, "addScalars");
    }
  }

  /**
   * Logs the distribution of `values` (e.g. a layer's weights or gradients) in `bins`
   * equal-width buckets, with minimum, maximum, count, sum and sum of squares.
   *
   * @example
   * ```ts
   * import { Linear, SummaryWriter } from "@axon/ml";
   *
   * const model = new Linear(4, 2);
   * const writer = new SummaryWriter(Deno.makeTempDirSync());
   * for (const [name, p] of model.namedParameters()) writer.addHistogram(name, p, 0);
   * writer.close();
   * ```
   */
  addHistogram(tag: string, values: Tensor | ArrayLike<number>, step?: number, options?: HistogramOptions): void {
    checkTag(tag, "addHistogram");
    const o = checkOptions<HistogramOptions>("SummaryWriter.addHistogram", options, ["bins", "walltime"]);
    const bins = o.bins ?? 30;
    if (!Number.isInteger(bins) || bins < 1) {
      throw new RangeError(`SummaryWriter.addHistogram: bins must be a positive integer, got ${describe(bins)}`);
    }
    const data = values instanceof Tensor
      ? Float64Array.from(values.detach().to("f64").toArray() as Float64Array)
      : Float64Array.from(values);
    this.#add([histogramValue(tag, histogram(data, bins, tag))], step, o.walltime, "addHistogram");
  }

  /**
   * Logs a text (Markdown) under `tag` (shown as `<tag>/text_summary`, as PyTorch names it).
   *
   * @example
   * ```ts
   * import { Linear, SummaryWriter } from "@axon/ml";
   *
   * const writer = new SummaryWriter(Deno.makeTempDirSync());
   * writer.addText("model", String(new Linear(4, 2)));
   * writer.close();
   * ```
   */
  addText(tag: string, text: string, step?: number, walltime?: number): void {
    checkTag(tag, "addText");
    if (typeof text !== "string") {
      throw new TypeError(`SummaryWriter.addText: text must be a string, got ${describe(text)}`);
    }
    this.#add([textValue(`${tag}/text_summary`, text)], step, walltime, "addText");
  }

  /**
   * Logs a run's hyper-parameters and final metrics for TensorBoard's HPARAMS tab (PyTorch's
   * `add_hparams`): a session in the sub-directory `runName` holding the experiment, session
   * start and end records, and each metric as a scalar.
   *
   * @example
   * ```ts
   * import { SummaryWriter } from "@axon/ml";
   *
   * const writer = new SummaryWriter(Deno.makeTempDirSync());
   * writer.addHparams({ lr: 1e-3, batchSize: 64, optimizer: "Adam" }, { "hparam/accuracy": 97.8 });
   * writer.close();
   * ```
   */
  addHparams(hparams: Record<string, HParamValue>, metrics: Record<string, number>, options?: HparamsOptions): void {
    const o = checkOptions<HparamsOptions>("SummaryWriter.addHparams", options, ["runName", "step"]);
    for (const [name, v] of Object.entries(hparams ?? {})) {
      if (!(typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) {
        throw new TypeError(
          `SummaryWriter.addHparams: hyper-parameter ${name} must be a finite number, a string or a boolean, got ${
            describe(v)
          }`,
        );
      }
    }
    for (const [name, v] of Object.entries(metrics ?? {})) {
      if (typeof v !== "number") {
        throw new TypeError(`SummaryWriter.addHparams: metric ${name} must be a number, got ${describe(v)}`);
      }
    }
    const session = new SummaryWriter(join(this.logDir, o.runName ?? String(Date.now() / 1000)));
    try {
      for (const value of hparamsValues(hparams, Object.keys(metrics))) {
        session.#add([value], o.step, undefined, "addHparams");
      }
      for (const [tag, v] of Object.entries(metrics)) session.addScalar(tag, v, o.step);
    } finally {
      session.close();
    }
  }

  /** Writes every pending event to disk. */
  flush(): void {
    if (this.#fd !== null && this.#pending.length > 0) {
      const total = this.#pending.reduce((n, r) => n + r.length, 0);
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const r of this.#pending) {
        bytes.set(r, at);
        at += r.length;
      }
      for (let done = 0; done < bytes.length;) done += writeSync(this.#fd, bytes, done, bytes.length - done);
      this.#pending = [];
    }
    this.#lastFlush = Date.now();
    for (const child of this.#children.values()) child.flush();
  }

  /** Flushes and closes the event file (and those of {@link SummaryWriter.addScalars}); later adds are errors. */
  close(): void {
    if (this.#fd === null) return;
    this.flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = null;
    for (const child of this.#children.values()) child.close();
  }

  /** `using writer = new SummaryWriter(...)` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function checkTag(tag: unknown, where: string): string {
  if (typeof tag !== "string" || tag === "") {
    throw new TypeError(`SummaryWriter.${where}: tag must be a non-empty string, got ${describe(tag)}`);
  }
  return tag;
}

function scalar(value: unknown, where: string, tag: string): number {
  if (typeof value === "number") return value;
  if (value instanceof Tensor) {
    if (value.numel !== 1) {
      throw new RangeError(
        `SummaryWriter.${where}: ${tag} must be a number or a one-element tensor, got shape [${value.shape}]`,
      );
    }
    return value.item();
  }
  throw new TypeError(
    `SummaryWriter.${where}: ${tag} must be a number or a one-element tensor, got ${describe(value)}`,
  );
}

/**
 * Equal-width buckets over [min, max] as `numpy.histogram(values, bins)` counts them (the last
 * bucket includes max), trimmed to the occupied range with one empty bucket on the left so the
 * left edge is shown, as PyTorch's `make_histogram` does.
 */
export function histogram(values: Float64Array, bins: number, tag = ""): Histogram {
  if (values.length === 0) throw new RangeError(`SummaryWriter.addHistogram: ${tag} has no elements`);
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      throw new RangeError(`SummaryWriter.addHistogram: ${tag} holds ${v}; a histogram needs finite values`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  // numpy widens an empty range to [min - 0.5, max + 0.5].
  const [lo, hi] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    let k = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    // Floating-point rounding can put a value one bucket off its edges; numpy compares with the edges.
    while (k > 0 && v < edges[k]) k--;
    while (k < bins - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  const first = counts.findIndex((c) => c > 0);
  let last = bins - 1;
  while (counts[last] === 0) last--;
  const bucket = first > 0 ? counts.slice(first - 1, last + 1) : [0, ...counts.slice(0, last + 1)];
  const bucketLimit = edges.slice(first, last + 2);
  return { min, max, num: values.length, sum, sumSquares, bucketLimit, bucket };
}
