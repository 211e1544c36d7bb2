/**
 * Shared helpers of the safetensors tests: fixture decoding, temp directories, crafted files.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DType, Tensor } from "../../mod.ts";

/** A tensor as stored in expected.json: dtype, shape, base64 little-endian bytes. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: string;
}

/** One fixture file's expectations. */
export interface FileFixture {
  file: string;
  order: string[];
  metadata: Record<string, string>;
  tensors: Record<string, RawTensor>;
}

/** expected.json. */
export interface Expected {
  model: FileFixture & { state_dict_order: string[]; x: RawTensor; eval_out: RawTensor };
  reference: FileFixture;
}

const FIXTURES = new URL("../fixtures/safetensors/", import.meta.url);

/** The bytes of a file in tests/fixtures/safetensors/. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}

/** The path of a file in tests/fixtures/safetensors/. */
export function fixturePath(name: string): string {
  return decodeURIComponent(new URL(name, FIXTURES).pathname);
}

/** Parsed expected.json. */
export function expected(): Expected {
  return JSON.parse(new TextDecoder().decode(fixtureBytes("expected.json"))) as Expected;
}

/** The raw little-endian bytes of a fixture tensor. */
export function rawBytes(raw: RawTensor): Uint8Array {
  const binary = atob(raw.data);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A fixture tensor as an Axon tensor of the same dtype (f16/bf16 by bit pattern). */
export function toTensor(raw: RawTensor): Tensor {
  const t = Tensor.empty(raw.shape, raw.dtype);
  t.storage.bytes.set(rawBytes(raw));
  return t;
}

/** A tensor's contiguous bytes. */
export function bytesOf(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const size = { f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, u8: 1 }[c.dtype];
  return c.storage.bytes.slice(c.offset * size, (c.offset + c.numel) * size);
}

/** Runs `body` with a fresh temporary directory, removed afterwards (after its promise settles). */
export function withTempDir<R extends void | Promise<void>>(body: (dir: string) => R): R {
  const dir = mkdtempSync(join(tmpdir(), "axon-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let result: R;
  try {
    result = body(dir);
  } catch (e) {
    remove();
    throw e;
  }
  if (result instanceof Promise) return result.finally(remove) as R;
  remove();
  return result;
}

/**
 * A safetensors file from a header given as text (or a value to stringify) and a data region;
 * `headerLength` overrides the 8-byte length prefix. No padding unless the text has it.
 */
export function craft(header: string | unknown, data: Uint8Array | number = 0, headerLength?: bigint): Uint8Array {
  const text = typeof header === "string" ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const region = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.byteLength + region.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(region, 8 + json.byteLength);
  return out;
}
