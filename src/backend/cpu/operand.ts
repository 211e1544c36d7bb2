/**
 * The one place where a tensor's CPU storage becomes the C ABI's `(ptr, byte_len)` pair: every
 * CPU kernel wrapper passes operands through {@link bytesOf} and {@link lengthOf}.
 * @module
 */
import { check as checkStatus } from "../../native/library.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { DTypeCode } from "../../native/abi_generated.ts";

/** The storage bytes of `t` (the pointer of an operand), or null for no tensor. */
export function bytesOf(t: Tensor | null): Uint8Array | null {
  return t === null ? null : t.storage.bytes;
}

/** The byte length of `t`'s storage (0 for no tensor). */
export function lengthOf(t: Tensor | null): number {
  return t === null ? 0 : t.storage.byteLength;
}

/** The dtype code of `t`. */
export function dtypeCode(t: Tensor): number {
  return DTypeCode[t.dtype];
}

/** Throws a NativeError naming `context` when `status` is negative. */
export const check: (status: number, context: string) => number = checkStatus;
