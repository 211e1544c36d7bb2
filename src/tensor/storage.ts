/**
 * CPU tensor memory: a 64-byte-aligned window of a garbage-collected ArrayBuffer, passed to native
 * kernels zero-copy.
 *
 * Alignment matters for SIMD: Deno hands out ArrayBuffers only 16- or 32-byte aligned, which cost
 * GEMM a measurable share of its speed (shared/notes/runtime-facts.md).
 * @module
 */
import { addressOf, allocateHostBuffer } from "../native/library.ts";
import type { Device } from "../backend/device.ts";

const ALIGNMENT = 64;

/**
 * Small allocations are carved out of shared slabs: a fresh ArrayBuffer costs ~450 ns on Deno
 * (~140 ns on Bun) plus an address query, which dominated small ops. A slab is freed by the
 * garbage collector once every tensor carved from it is gone; regions are never reused, so they
 * start zeroed like a new ArrayBuffer.
 */
const SMALL_LIMIT = 4 * 1024;
const SLAB_SIZE = 64 * 1024; // below glibc's mmap threshold, so slabs recycle heap memory
let slab: ArrayBuffer | null = null;
let slabNext = 0; // next free byte, already aligned

function alignedStart(buffer: ArrayBuffer): number {
  const misalignment = Number(addressOf(new Uint8Array(buffer, 0, 1)) % BigInt(ALIGNMENT));
  return misalignment === 0 ? 0 : ALIGNMENT - misalignment;
}

function carve(byteLength: number): Uint8Array<ArrayBuffer> {
  if (slab === null || slabNext + byteLength > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE + ALIGNMENT);
    slabNext = alignedStart(slab);
  }
  const view = new Uint8Array(slab, slabNext, byteLength);
  slabNext += (byteLength + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
  return view;
}

/** Raw bytes backing one or more tensors (views share a Storage). */
export class Storage {
  // ---- lifetime (issue 12, item 4): the members the caching allocator (branch alloc) implements
  // natively; here over the garbage-collected bytes. Disposing drops them, so nothing reads them again.
  #bytes: Uint8Array<ArrayBuffer> | null;
  /** Tensor objects viewing this storage that were not disposed (src/tensor/tensor.ts counts them). */
  views = 0;
  /** The aligned bytes; `bytes.byteLength` is the usable size. Pass this to native calls. Throws after dispose. */
  get bytes(): Uint8Array<ArrayBuffer> {
    if (this.#bytes === null) throw new Error("storage was disposed");
    return this.#bytes;
  }
  /** True once {@link dispose} ran. */
  get disposed(): boolean {
    return this.#bytes === null;
  }
  /** Releases the memory (idempotent); `bytes` throws from then on. */
  dispose(): void {
    this.#bytes = null;
  }
  // ---- end lifetime
  /**
   * Bumped by every in-place write; autograd compares it with the value seen when a tensor was
   * saved for backward, so a modified saved tensor is an error instead of a wrong gradient.
   */
  version = 0;
  /** The device holding the memory; its backend runs the kernels of tensors over it. */
  readonly device: Device;

  readonly #byteLength: number;

  private constructor(bytes: Uint8Array<ArrayBuffer>, device: Device = "cpu") {
    this.#bytes = bytes;
    this.#byteLength = bytes.byteLength;
    this.device = device;
  }

  /** Allocates `byteLength` zeroed bytes, 64-byte aligned. */
  static allocate(byteLength: number): Storage {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(`cannot allocate ${byteLength} bytes`);
    }
    if (byteLength === 0) return new Storage(new Uint8Array(new ArrayBuffer(0)));
    if (byteLength <= SMALL_LIMIT) return new Storage(carve(byteLength));
    if (allocateHostBuffer !== undefined) return new Storage(new Uint8Array(allocateHostBuffer(byteLength)));
    const buffer = new ArrayBuffer(byteLength + ALIGNMENT);
    return new Storage(new Uint8Array(buffer, alignedStart(buffer), byteLength));
  }

  /**
   * Wraps existing bytes without copying (alignment is whatever they have). `device` is for
   * backends whose memory is host-addressable (a test backend delegating to the CPU's kernels).
   */
  static wrap(bytes: Uint8Array<ArrayBuffer>, device: Device = "cpu"): Storage {
    return new Storage(bytes, device);
  }

  /** Size in bytes. */
  get byteLength(): number {
    return this.#byteLength;
  }
}
