/**
 * CPU tensor memory: a 64-byte-aligned window of a garbage-collected ArrayBuffer, passed to native
 * kernels zero-copy.
 *
 * Alignment matters for SIMD: Deno hands out ArrayBuffers only 16- or 32-byte aligned, which cost
 * GEMM a measurable share of its speed (shared/notes/runtime-facts.md).
 * @module
 */
import { addressOf } from "../native/library.ts";

const ALIGNMENT = 64;

/** Raw bytes backing one or more tensors (views share a Storage). */
export class Storage {
  /** The aligned bytes; `bytes.byteLength` is the usable size. Pass this to native calls. */
  readonly bytes: Uint8Array<ArrayBuffer>;

  private constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.bytes = bytes;
  }

  /** Allocates `byteLength` zeroed bytes, 64-byte aligned. */
  static allocate(byteLength: number): Storage {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(`cannot allocate ${byteLength} bytes`);
    }
    if (byteLength === 0) return new Storage(new Uint8Array(new ArrayBuffer(0)));
    const buffer = new ArrayBuffer(byteLength + ALIGNMENT);
    const misalignment = Number(addressOf(new Uint8Array(buffer, 0, 1)) % BigInt(ALIGNMENT));
    const start = misalignment === 0 ? 0 : ALIGNMENT - misalignment;
    return new Storage(new Uint8Array(buffer, start, byteLength));
  }

  /** Wraps existing bytes without copying (alignment is whatever they have). */
  static wrap(bytes: Uint8Array<ArrayBuffer>): Storage {
    return new Storage(bytes);
  }

  /** Size in bytes. */
  get byteLength(): number {
    return this.bytes.byteLength;
  }
}
