/**
 * CPU tensor memory: blocks of Axon's caching allocator (zig/cpu/host_memory.zig), 64-byte
 * aligned, passed to native kernels zero-copy through one Uint8Array view made with the storage.
 *
 * The same on Deno and Bun: the view is an ArrayBuffer over native memory whose collection
 * returns the block to the allocator (a Node-API external ArrayBuffer on Deno, `toArrayBuffer`
 * with a deallocator on Bun). `dispose()` returns it at once; the view's later finalizer then
 * frees only its bookkeeping. After `dispose()` the view is never handed out again: `bytes`
 * throws, so no JavaScript view of Axon memory outlives its storage.
 *
 * Memory is not zeroed (`Tensor.empty`); `zeros` and the callers that need zeros zero it.
 * @module
 */
import { addressOf, collectEvery64MB, collectGarbage, native, storageBuffer } from "../native/library.ts";
import { readEnv } from "../native/host.ts";
import type { Device } from "../backend/device.ts";

/**
 * Small allocations are carved out of shared 64 kB slabs: a native block plus its view costs
 * ~1 µs on Deno (a Node-API call) and ~0.3 µs on Bun, which would dominate small ops. A slab
 * counts the live storages carved from it; when every one was disposed the slab is rewound (the
 * current slab) or returned to the allocator, and otherwise its view's finalizer returns it once
 * the collector freed every storage carved from it.
 */
const SMALL_LIMIT = 4 * 1024;
const SLAB_SIZE = 64 * 1024;
const ALIGNMENT = 64;

/**
 * The safety net for storage nobody disposed is the garbage collector, asked for a collection
 * when native memory piles up ({@link collectGarbage}). Checked after every
 * `COLLECTION_INTERVAL_BYTES` allocated and not disposed:
 * - Bun: JavaScriptCore never collects for memory behind `toArrayBuffer`; Axon always asks
 *   (measured on the seed loop without dispose: 26 MB of native memory at the same speed as
 *   without collections, which held ~50 MB).
 * - Deno: V8 frees dead tensors on its own while JavaScript allocates (the seed loop holds
 *   90–210 MB), but a loop of large ops allocates little JavaScript and its dead outputs piled
 *   up (ReLU over 6.4 MB: 1.7 GB, every output fresh memory from the OS). A full collection costs
 *   ~15 ms there, so Axon asks only when the allocator's live bytes pass twice what stayed live
 *   after the last one (at least `DENO_FLOOR_BYTES`).
 */
const COLLECTION_INTERVAL_BYTES = 64 * 1024 * 1024;
const DENO_FLOOR_BYTES = 256 * 1024 * 1024;
let sinceCollection = 0;
let collectAbove = DENO_FLOOR_BYTES;
/** Whether the next check measures what stayed live after a collection. */
let measureLive = false;
const statsOut = new BigInt64Array(8);

function pressure(byteLength: number): void {
  sinceCollection += byteLength;
  if (sinceCollection <= COLLECTION_INTERVAL_BYTES || collectGarbage === undefined) return;
  sinceCollection = 0;
  if (collectEvery64MB) {
    collectGarbage();
    return;
  }
  native.axon_memory_stats(0, statsOut, statsOut.byteLength);
  const allocated = Number(statsOut[0]);
  if (measureLive) {
    // Deno returns blocks on its sweeper thread: read what stayed live one interval later.
    measureLive = false;
    collectAbove = Math.max(DENO_FLOOR_BYTES, 2 * allocated);
  }
  if (allocated > collectAbove) {
    collectGarbage();
    measureLive = true;
  }
}

/**
 * Debugging aid: with `AXON_POISON_EMPTY=1` every new storage is filled with 0xFF bytes (NaN for
 * floats, -1 for integers), so code that reads an `empty` tensor before writing it shows.
 */
const POISON = readEnv("AXON_POISON_EMPTY") === "1";

/** A shared block that small storages are carved from. */
class Slab {
  /** The whole aligned block. */
  readonly view: Uint8Array<ArrayBuffer>;
  /** Next free byte, aligned. */
  next = 0;
  /** Storages carved from it and not disposed. */
  live = 0;

  constructor(view: Uint8Array<ArrayBuffer>) {
    this.view = view;
  }
}

let slab: Slab | null = null;

/** Whether storage is native memory (else garbage-collected ArrayBuffers: dispose frees nothing). */
const NATIVE = storageBuffer !== undefined;

/** A native block of `byteLength` bytes (zeroed when `zero`), viewed once. */
function nativeBlock(byteLength: number, zero: boolean): Uint8Array<ArrayBuffer> {
  pressure(byteLength);
  if (NATIVE) {
    const buffer = storageBuffer!(byteLength, zero);
    if (buffer === undefined) throw new RangeError(`out of memory allocating ${byteLength} bytes`);
    return new Uint8Array(buffer);
  }
  // No native views in this runtime (Deno refused the Node-API module): garbage-collected memory.
  const fallback = new ArrayBuffer(byteLength + ALIGNMENT);
  const misalignment = Number(addressOf(new Uint8Array(fallback, 0, 1)) % BigInt(ALIGNMENT));
  return new Uint8Array(fallback, misalignment === 0 ? 0 : ALIGNMENT - misalignment, byteLength);
}

/** A view of `byteLength` bytes carved from the current slab (`slab` afterwards). */
function carve(byteLength: number): Uint8Array<ArrayBuffer> {
  let s = slab;
  if (s === null || s.next + byteLength > SLAB_SIZE) {
    if (s !== null && s.live === 0) releaseSlab(s);
    s = slab = new Slab(nativeBlock(SLAB_SIZE, false));
  }
  const view = new Uint8Array(s.view.buffer, s.view.byteOffset + s.next, byteLength);
  s.next += (byteLength + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
  s.live++;
  return view;
}

function releaseSlab(s: Slab): void {
  sinceCollection = Math.max(0, sinceCollection - SLAB_SIZE);
  if (NATIVE) native.axon_storage_release(s.view);
}

const EMPTY = new Uint8Array(new ArrayBuffer(0));
/** Marks a storage that owns its native block. */
const OWN_BLOCK = Symbol("own block");

/** Raw bytes backing one or more tensors (views share a Storage). */
export class Storage {
  #bytes: Uint8Array<ArrayBuffer> | null;
  readonly #byteLength: number;
  /**
   * What dispose returns: the slab this storage was carved from, `OWN_BLOCK` for a block of its
   * own, null for memory that is not the allocator's (wrapped, empty, or no native views).
   */
  readonly #owner: Slab | typeof OWN_BLOCK | null;
  /** Tensor objects viewing this storage that were not disposed (src/tensor/tensor.ts counts them). */
  views = 0;
  /** The device holding the memory; its backend runs the kernels of tensors over it. */
  readonly device: Device;
  /**
   * Bumped by every in-place write; autograd compares it with the value seen when a tensor was
   * saved for backward, so a modified saved tensor is an error instead of a wrong gradient.
   */
  version = 0;

  private constructor(
    bytes: Uint8Array<ArrayBuffer>,
    owner: Slab | typeof OWN_BLOCK | null,
    device: Device = "cpu",
  ) {
    this.#bytes = bytes;
    this.#byteLength = bytes.byteLength;
    this.#owner = owner;
    this.device = device;
  }

  /**
   * Allocates `byteLength` bytes, 64-byte aligned, from the allocator. Their contents are
   * whatever the memory held before unless `zero` is true.
   */
  static allocate(byteLength: number, zero = false): Storage {
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(`cannot allocate ${byteLength} bytes`);
    }
    let storage: Storage;
    if (byteLength === 0) return new Storage(EMPTY, null);
    if (byteLength <= SMALL_LIMIT) {
      const view = carve(byteLength);
      storage = new Storage(view, NATIVE ? slab : null);
      if (zero) view.fill(0);
    } else {
      storage = new Storage(nativeBlock(byteLength, zero), NATIVE ? OWN_BLOCK : null);
    }
    if (POISON && !zero) storage.#bytes!.fill(0xff);
    return storage;
  }

  /**
   * Wraps existing bytes without copying (alignment is whatever they have); dispose frees nothing.
   * `device` is for backends whose memory is host-addressable (a test backend delegating to the
   * CPU's kernels).
   */
  static wrap(bytes: Uint8Array<ArrayBuffer>, device: Device = "cpu"): Storage {
    return new Storage(bytes, null, device);
  }

  /** The aligned bytes; `bytes.byteLength` is the usable size. Pass this to native calls. Throws once disposed. */
  get bytes(): Uint8Array<ArrayBuffer> {
    const bytes = this.#bytes;
    if (bytes === null) throw new Error("tensor was disposed");
    return bytes;
  }

  /** Size in bytes (still readable after dispose). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Whether {@link dispose} ran. */
  get disposed(): boolean {
    return this.#bytes === null;
  }

  /**
   * Returns the memory to the allocator now (idempotent). Every tensor viewing this storage is
   * unusable afterwards: `bytes` throws "tensor was disposed".
   */
  dispose(): void {
    const bytes = this.#bytes;
    if (bytes === null) return;
    this.#bytes = null;
    const s = this.#owner;
    if (s === null) return;
    if (s === OWN_BLOCK) {
      sinceCollection = Math.max(0, sinceCollection - this.#byteLength);
      native.axon_storage_release(bytes);
      return;
    }
    if (--s.live > 0) return;
    // Every storage carved from the slab was disposed: its memory is free again.
    if (s === slab) s.next = 0;
    else releaseSlab(s);
  }
}
