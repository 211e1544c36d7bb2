/**
 * The IDX file format of MNIST and Fashion-MNIST (raw or gzip-compressed), validated before use:
 * a big-endian header `00 00 <type> <ndim>` followed by `ndim` u32 sizes and the data.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe } from "../utils/options.ts";

/** Magic number of an IDX file of unsigned bytes with 3 dims (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dim (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** The file it came from. */
  readonly path: string;
  /** Sizes from the header. */
  readonly dims: readonly number[];
  /** The elements, row-major (a view of the file's bytes). */
  readonly data: Uint8Array;
}

/** A malformed, truncated or inconsistent dataset file; `path` names it. */
export class DatasetFileError extends Error {
  /** The offending file. */
  readonly path: string;

  /** Creates the error; the message is prefixed with `path`. */
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "DatasetFileError";
    this.path = path;
  }
}

/** The file's bytes, gunzipped when it ends in `.gz` (or starts with the gzip magic). */
function readBytes(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetFileError(path, `cannot read the file (${(e as Error).message})`);
  }
  const gzipped = path.endsWith(".gz") || (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b);
  if (!gzipped) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new DatasetFileError(path, `corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/**
 * Reads an IDX file of unsigned bytes, checking the magic number (`expectedMagic`, e.g.
 * {@link IDX_IMAGES_MAGIC}) and that the data is exactly as long as the header says.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_DEBIAN_ROOT } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * // Debian's dataset-fashion-mnist (tools/dev.sh installs it)
 * const labels = readIdx(`${FASHION_MNIST_DEBIAN_ROOT}/t10k-labels-idx1-ubyte.gz`, IDX_LABELS_MAGIC);
 * assert.deepEqual(labels.dims, [10000]);
 * ```
 */
export function readIdx(path: string, expectedMagic: number): IdxArray {
  if (typeof path !== "string") throw new TypeError(`readIdx: path must be a string, got ${describe(path)}`);
  if (
    typeof expectedMagic !== "number" || !Number.isInteger(expectedMagic) || expectedMagic < 0 ||
    expectedMagic > 0xffffffff
  ) {
    throw new TypeError(
      `readIdx: expectedMagic must be a 32-bit magic number such as IDX_IMAGES_MAGIC, got ${describe(expectedMagic)}`,
    );
  }
  const bytes = readBytes(path);
  const hex = (m: number) => `0x${m.toString(16).padStart(8, "0")}`;
  if (bytes.length < 4) {
    throw new DatasetFileError(path, `truncated: ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    const kind = expectedMagic === IDX_IMAGES_MAGIC
      ? "u8 images, 3 dims"
      : expectedMagic === IDX_LABELS_MAGIC
      ? "u8 labels, 1 dim"
      : "";
    throw new DatasetFileError(
      path,
      `wrong magic number ${hex(magic)}, expected ${hex(expectedMagic)}${
        kind ? ` (${kind})` : ""
      }; not an IDX file of this kind`,
    );
  }
  const ndim = magic & 0xff;
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    throw new DatasetFileError(path, `truncated: ${bytes.length} bytes, the header needs ${header}`);
  }
  const dims = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - header;
  if (actual < expected) {
    throw new DatasetFileError(
      path,
      `truncated: the header promises ${dims.join(" × ")} = ${expected} bytes of data, the file has ${actual}`,
    );
  }
  if (actual > expected) {
    throw new DatasetFileError(
      path,
      `corrupt: ${actual - expected} unexpected bytes after the ${dims.join(" × ")} = ${expected} bytes of data`,
    );
  }
  return { path, dims, data: bytes.subarray(header) };
}

/**
 * The first existing file among `name` and `name.gz` in each of `dirs`, in order; null if none.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_DEBIAN_ROOT } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   findIdxFile(["data", FASHION_MNIST_DEBIAN_ROOT], "train-images-idx3-ubyte"),
 *   `${FASHION_MNIST_DEBIAN_ROOT}/train-images-idx3-ubyte.gz`,
 * );
 * ```
 */
export function findIdxFile(dirs: readonly string[], name: string): string | null {
  for (const dir of dirs) {
    for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}
