/**
 * CPU memory: tensor storage and the native allocator's counters (zig/abi/memory.zig).
 * @module
 */
import { native } from "../../native/library.ts";
import { Storage } from "../../tensor/storage.ts";
import type { BackendMemory } from "../backend.ts";

/** The CPU's memory. */
export const memory: BackendMemory = {
  allocate(byteLength) {
    return Storage.allocate(byteLength);
  },
  read(storage) {
    return storage.bytes;
  },
  write(storage, bytes) {
    storage.bytes.set(bytes);
  },
  nativeBytes() {
    return Number(native.axon_native_bytes());
  },
  emptyCache() {
    return Number(native.axon_empty_cache());
  },
};
