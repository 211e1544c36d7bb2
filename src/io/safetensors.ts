/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written the way
 * the reference implementation does:
 *
 * ```text
 * [8 bytes: N, little-endian u64] [N bytes: JSON header, space-padded to a multiple of 8] [data]
 * header = {"__metadata__"?: {string: string},
 *           name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …}
 * ```
 *
 * Offsets are relative to the start of the data region. Reading trusts nothing: the header length,
 * the JSON, every dtype, shape and offset range are checked (offsets must tile the data region
 * exactly, as the reference reader demands) before a single tensor byte is read, so a crafted file
 * can never make Axon read outside the buffer. Each problem is a {@link SafetensorsError} that
 * names the file and the tensor.
 *
 * Files are read tensor by tensor straight into each tensor's own 64-byte-aligned storage (one
 * copy, no whole-file buffer) and written tensor by tensor from the tensors' storage into a
 * temporary file that is fsync'ed and renamed over the target, so a crash mid-save leaves either
 * the old file or the new one, never a truncated one. Data are little-endian (the host order on
 * every platform Axon supports).
 * @module
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { type DType, dtypeInfo } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { describe } from "../utils/options.ts";
import { removeStaleTemporaries, temporaryPathFor } from "./temporary_file.ts";

/** Largest header accepted (the reference reader's limit): refuses absurd header lengths. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The safetensors dtype names Axon reads and writes, and the Axon dtype of each. */
const FROM_FILE: Readonly<Record<string, DType>> = {
  F64: "f64",
  F32: "f32",
  F16: "f16",
  BF16: "bf16",
  I64: "i64",
  I32: "i32",
  U8: "u8",
};
const TO_FILE: Readonly<Record<DType, string>> = {
  f64: "F64",
  f32: "F32",
  f16: "F16",
  bf16: "BF16",
  i64: "I64",
  i32: "I32",
  u8: "U8",
};
/** Dtypes the format defines that Axon has no tensor type for (an "unsupported", not "unknown", error). */
const KNOWN_UNSUPPORTED = new Set([
  "BOOL",
  "I8",
  "I16",
  "U16",
  "U32",
  "U64",
  "F8_E4M3",
  "F8_E5M2",
  "F8_E8M0",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "C64",
]);

/**
 * A malformed safetensors file or an unwritable state: the message names the file (or buffer) and
 * the problem, e.g. `model.safetensors: tensor 0.weight: data_offsets [0, 400] hold 400 bytes but
 * F32 [10, 20] needs 800`.
 *
 * @example
 * ```ts
 * import { loadSafetensors, SafetensorsError } from "@axon/ml";
 *
 * try { loadSafetensors("no-such-model.safetensors"); }
 * catch (e) { if (e instanceof SafetensorsError) console.error(e.message); }
 * ```
 */
export class SafetensorsError extends Error {
  /** The file path (or `<buffer>`) the error is about. */
  readonly source: string;
  /** Creates the error; the message is prefixed with `source`. */
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options);
    this.name = "SafetensorsError";
    this.source = source;
  }
}

/** Free-form string metadata stored under the header's `__metadata__` key. */
export type SafetensorsMetadata = Record<string, string>;

/** What {@link loadSafetensors} and {@link parseSafetensors} return. */
export interface SafetensorsContents {
  /** The tensors by name, in header order. Each has its own contiguous, aligned storage. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map ({} when the file has none). */
  metadata: SafetensorsMetadata;
}

/** One validated header entry; `begin`/`end` are offsets into the data region. */
interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

// ---- reading ------------------------------------------------------------------------------------

/** Sets `record[key]` as an own property, safe for names such as `__proto__`. */
function define<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Throws on a key that appears twice in one JSON object (JSON.parse silently keeps the last).
 * `text` is already known to be valid JSON, so a flat scan over strings and brackets suffices.
 */
function checkDuplicateKeys(text: string, fail: (message: string) => never): void {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") stack.push(new Set());
    else if (c === "[") stack.push(null);
    else if (c === "}" || c === "]") stack.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      let j = i + 1;
      while (j < text.length && (text[j] === " " || text[j] === "\t" || text[j] === "\n" || text[j] === "\r")) j++;
      if (text[j] !== ":") continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string; // decodes escapes: "a" and "\u0061" collide
      if (keys.has(key)) {
        fail(
          stack.length === 1
            ? `duplicate tensor name ${JSON.stringify(key)} in the header`
            : `duplicate key ${JSON.stringify(key)} in the header`,
        );
      }
      keys.add(key);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates a header against a data region of `dataLength` bytes and returns the entries in
 * header order. Nothing here reads tensor data.
 */
function validateHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  source: string,
): { entries: Entry[]; metadata: SafetensorsMetadata } {
  const fail = (message: string): never => {
    throw new SafetensorsError(source, message);
  };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail("the header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail(
      `the header is not valid JSON (${(e as Error).message}): ${JSON.stringify(text.slice(0, 60))}${
        text.length > 60 ? "…" : ""
      }`,
    );
  }
  if (!isPlainObject(parsed)) {
    return fail(
      `the header must be a JSON object, got ${
        Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed
      }`,
    );
  }
  checkDuplicateKeys(text, fail);

  const metadata: SafetensorsMetadata = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === "__metadata__") {
      if (!isPlainObject(value)) fail("__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") {
          fail(`__metadata__ value of ${JSON.stringify(k)} must be a string, got ${JSON.stringify(v)}`);
        }
        define(metadata, k, v as string);
      }
      continue;
    }
    const where = `tensor ${name}`;
    if (!isPlainObject(value)) fail(`${where}: the entry must be an object with dtype, shape and data_offsets`);
    const info = value as Record<string, unknown>;
    const dtypeName = info.dtype;
    if (typeof dtypeName !== "string") fail(`${where}: dtype must be a string, got ${JSON.stringify(dtypeName)}`);
    const dtype = Object.hasOwn(FROM_FILE, dtypeName as string) ? FROM_FILE[dtypeName as string] : undefined;
    if (dtype === undefined) {
      const known = Object.keys(FROM_FILE).join(", ");
      fail(
        KNOWN_UNSUPPORTED.has(dtypeName as string)
          ? `${where}: unsupported dtype ${dtypeName} (Axon reads ${known})`
          : `${where}: unknown dtype ${JSON.stringify(dtypeName)} (Axon reads ${known})`,
      );
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)
    ) {
      fail(`${where}: data_offsets must be two non-negative integers [begin, end], got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) {
      fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data region (${dataLength} bytes)`);
    }
    const dims = shape as number[];
    let numel = 1;
    for (const d of dims) numel *= d;
    const needed = numel * dtypeInfo(dtype!).size;
    if (!Number.isSafeInteger(needed) || needed !== end - begin) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtypeName} ${
          formatShape(dims)
        } needs ${needed}`,
      );
    }
    entries.push({ name, dtype: dtype!, shape: [...dims], begin, end });
  }

  // The ranges must tile [0, dataLength) exactly: no overlap, no gap, nothing after the last one.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | null = null;
  for (const e of byOffset) {
    if (e.begin < cursor) {
      fail(
        `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${previous!.name} [${previous!.begin}, ${
          previous!.end
        }]`,
      );
    }
    if (e.begin > cursor) {
      fail(
        `tensor ${e.name}: data_offsets [${e.begin}, ${e.end}] leave a gap of ${
          e.begin - cursor
        } unclaimed bytes before them`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    fail(
      `the data region holds ${dataLength} bytes but the tensors claim ${cursor}; the file is truncated or has trailing bytes`,
    );
  }
  return { entries, metadata };
}

/** Reads and checks the 8-byte header length; returns it as a number. */
function checkHeaderLength(prefix: Uint8Array, fileLength: number, source: string): number {
  if (fileLength < 8) {
    throw new SafetensorsError(source, `the file is ${fileLength} bytes, too short for the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      source,
      `header length ${n} exceeds the ${
        MAX_HEADER_BYTES / 1e6
      } MB limit; this is not a safetensors file or it is corrupt`,
    );
  }
  const headerLength = Number(n);
  if (8 + headerLength > fileLength) {
    throw new SafetensorsError(
      source,
      `header length ${headerLength} runs past the end of the file (${fileLength} bytes)`,
    );
  }
  return headerLength;
}

/**
 * Parses a complete safetensors file held in memory. Everything is validated first; each tensor
 * is then copied into its own aligned storage (the result never aliases `bytes`).
 *
 * @param bytes the whole file
 * @param source the name used in error messages
 * @example
 * ```ts
 * import { parseSafetensors, serializeSafetensors, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const bytes = serializeSafetensors({ "0.weight": zeros([2, 3]) }, { format: "pt" });
 * const { tensors, metadata } = parseSafetensors(bytes);
 * assert.deepEqual([tensors["0.weight"].shape, metadata.format], [[2, 3], "pt"]);
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, source = "<buffer>"): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`parseSafetensors: bytes must be a Uint8Array, got ${describe(bytes)}`);
  }
  const headerLength = checkHeaderLength(bytes, bytes.byteLength, source);
  const dataStart = 8 + headerLength;
  const { entries, metadata } = validateHeader(bytes.subarray(8, dataStart), bytes.byteLength - dataStart, source);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const t = Tensor.empty(e.shape, e.dtype);
    t.storage.bytes.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    define(tensors, e.name, t);
  }
  return { tensors, metadata };
}

/** Largest single read/write (Node caps one call at 2 GiB − 1). */
const IO_CHUNK = 1 << 30;

function fsError(path: string, e: unknown, doing: string): SafetensorsError {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return new SafetensorsError(path, "no such file", { cause: e });
  if (code === "EISDIR") return new SafetensorsError(path, "is a directory", { cause: e });
  if (code === "EACCES" || code === "EPERM") {
    return new SafetensorsError(path, `permission denied while ${doing}`, { cause: e });
  }
  return new SafetensorsError(path, `${doing} failed: ${(e as Error).message}`, { cause: e });
}

/** Fills `target` from `fd` at `position`; throws when the file ends early. */
function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.byteLength) {
    const n = readSync(fd, target, done, Math.min(IO_CHUNK, target.byteLength - done), position + done);
    if (n <= 0) {
      throw new SafetensorsError(
        path,
        `the file ended after ${position + done} bytes while reading (was it modified during the load?)`,
      );
    }
    done += n;
  }
}

/**
 * Reads a safetensors file. The 8-byte length and the header are read and validated first; then
 * each tensor's bytes are read once, straight into that tensor's own aligned storage.
 *
 * @example
 * ```ts
 * import { Linear, loadSafetensors, ReLU, saveModel, Sequential } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const path = `${Deno.makeTempDirSync()}/mnist_model.safetensors`;
 * saveModel(new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10)), path);
 * const { tensors } = loadSafetensors(path);
 * assert.deepEqual(Object.keys(tensors).sort(), ["0.bias", "0.weight", "2.bias", "2.weight"]);
 * ```
 */
export function loadSafetensors(path: string): SafetensorsContents {
  if (typeof path !== "string") throw new TypeError(`loadSafetensors: path must be a string, got ${describe(path)}`);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw fsError(path, e, "opening");
  }
  try {
    let fileLength: number;
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      fileLength = stat.size;
    } catch (e) {
      throw fsError(path, e, "reading");
    }
    const prefix = new Uint8Array(8);
    if (fileLength >= 8) readFully(fd, prefix, 0, path);
    const headerLength = checkHeaderLength(prefix, fileLength, path);
    const header = new Uint8Array(headerLength);
    readFully(fd, header, 8, path);
    const dataStart = 8 + headerLength;
    const { entries, metadata } = validateHeader(header, fileLength - dataStart, path);
    const tensors: Record<string, Tensor> = {};
    for (const e of entries) {
      const t = Tensor.empty(e.shape, e.dtype);
      if (e.end > e.begin) readFully(fd, t.storage.bytes, dataStart + e.begin, path);
      define(tensors, e.name, t);
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

// ---- writing ------------------------------------------------------------------------------------

/** The header bytes (space-padded to a multiple of 8) and the tensors to write after it. */
function planFile(
  tensors: Record<string, Tensor>,
  metadata: SafetensorsMetadata | undefined,
  source: string,
): { header: Uint8Array; parts: { name: string; tensor: Tensor; size: number }[]; dataLength: number } {
  if (!isPlainObject(tensors)) throw new TypeError(`${source}: tensors must be an object of named tensors`);
  const fields: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) throw new TypeError(`${source}: metadata must be an object of strings`);
    const items = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== "string") {
        throw new TypeError(`${source}: metadata value of ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    fields.push(`"__metadata__":{${items.join(",")}}`);
  }
  const parts: { name: string; tensor: Tensor; size: number }[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") {
      throw new SafetensorsError(source, `"__metadata__" is reserved and cannot name a tensor`);
    }
    if (!(t instanceof Tensor)) throw new TypeError(`${source}: ${JSON.stringify(name)} is not a Tensor`);
    if (t.device !== "cpu") {
      throw new SafetensorsError(source, `tensor ${name} is on ${t.device}; move it to the CPU first`);
    }
    const dtypeName = TO_FILE[t.dtype];
    if (dtypeName === undefined) throw new SafetensorsError(source, `tensor ${name}: unsupported dtype ${t.dtype}`);
    const size = t.numel * dtypeInfo(t.dtype).size;
    fields.push(
      `${JSON.stringify(name)}:{"dtype":"${dtypeName}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${
        offset + size
      }]}`,
    );
    parts.push({ name, tensor: t, size });
    offset += size;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    throw new SafetensorsError(
      source,
      `the header would be ${padded} bytes, over the ${MAX_HEADER_BYTES / 1e6} MB limit`,
    );
  }
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.byteLength);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, parts, dataLength: offset };
}

/** A tensor's elements as contiguous little-endian bytes (a view of its storage when possible). */
function tensorBytes(t: Tensor, size: number): Uint8Array {
  const packed = t.contiguous();
  const start = packed.offset * dtypeInfo(packed.dtype).size;
  return packed.storage.bytes.subarray(start, start + size);
}

/**
 * The bytes of a safetensors file holding `tensors` in the given order (the header lists them in
 * that order and the data follow in the same order) and optional string metadata. The header is
 * compact JSON padded with spaces to a multiple of 8 bytes, as the reference writer does, so for
 * the same tensors in the same order (and at most one metadata key) the output is byte-identical
 * to `safetensors.torch.save_file`'s.
 *
 * @example
 * ```ts
 * import { parseSafetensors, serializeSafetensors, tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const bytes = serializeSafetensors({ w: tensor([1, 2, 3], { dtype: "f32" }) }, { format: "pt" });
 * assert.deepEqual(parseSafetensors(bytes).tensors.w.toArray(), Float32Array.of(1, 2, 3));
 * ```
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: SafetensorsMetadata): Uint8Array {
  checkWriteArguments("serializeSafetensors", tensors, metadata);
  const { header, parts, dataLength } = planFile(tensors, metadata, "<buffer>");
  const out = new Uint8Array(header.byteLength + dataLength);
  out.set(header, 0);
  let at = header.byteLength;
  for (const p of parts) {
    out.set(tensorBytes(p.tensor, p.size), at);
    at += p.size;
  }
  return out;
}

/** Throws unless `tensors` is a plain object of tensors and `metadata` (if given) one of strings. */
function checkWriteArguments(where: string, tensors: unknown, metadata: unknown): void {
  if (tensors === null || typeof tensors !== "object" || Array.isArray(tensors) || tensors instanceof Tensor) {
    throw new TypeError(`${where}: tensors must be an object of named tensors, got ${describe(tensors)}`);
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `${where}: "${name}" is not a Tensor (tensors must map names to tensors), got ${describe(t)}`,
      );
    }
  }
  if (metadata === undefined) return;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new TypeError(`${where}: metadata must be an object of strings, got ${describe(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new TypeError(`${where}: metadata value of "${key}" must be a string, got ${describe(value)}`);
    }
  }
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += writeSync(fd, bytes, done, Math.min(IO_CHUNK, bytes.byteLength - done));
  }
}

/**
 * Writes `tensors` (and optional string metadata) to `path` as safetensors, atomically: the data
 * go to a temporary file in the same directory, which is flushed to disk and then renamed over
 * `path`. If anything fails, `path` keeps its previous content and the temporary file is removed;
 * temporaries that killed saves of the same `path` left behind are removed first (see
 * `src/io/temporary_file.ts`).
 * Each tensor is written straight from its storage (non-contiguous views are packed first).
 *
 * @example
 * ```ts
 * import { Linear, saveSafetensors } from "@axon/ml";
 *
 * const model = new Linear(4, 2);
 * saveSafetensors(`${Deno.makeTempDirSync()}/weights.safetensors`, model.stateDict(), { format: "pt" });
 * ```
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: SafetensorsMetadata): void {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`saveSafetensors: path must be a non-empty string, got ${describe(path)}`);
  }
  checkWriteArguments("saveSafetensors", tensors, metadata);
  const { header, parts } = planFile(tensors, metadata, path);
  removeStaleTemporaries(path);
  const temp = temporaryPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, "wx", 0o644);
  } catch (e) {
    throw fsError(path, e, `creating the temporary file ${temp}`);
  }
  let open = true;
  try {
    try {
      writeFully(fd, header);
    } catch (e) {
      throw fsError(path, e, "writing");
    }
    for (const p of parts) {
      const bytes = tensorBytes(p.tensor, p.size);
      try {
        writeFully(fd, bytes);
      } catch (e) {
        throw fsError(path, e, `writing tensor ${p.name}`);
      }
    }
    try {
      fsyncSync(fd);
      open = false;
      closeSync(fd);
      renameSync(temp, path);
    } catch (e) {
      throw fsError(path, e, "finishing the write");
    }
  } catch (e) {
    if (open) {
      try {
        closeSync(fd);
      } catch { /* already failing */ }
    }
    try {
      unlinkSync(temp);
    } catch { /* already gone */ }
    throw e;
  }
  syncDirectory(dirname(path));
}

/** Best effort: makes the rename itself durable (not every runtime can open a directory). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    /* unsupported here; the file itself is already on disk */
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch { /* ignore */ }
    }
  }
}
