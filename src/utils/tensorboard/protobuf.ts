/**
 * The few protocol-buffer encodings TensorBoard's event files need, written by hand: a message is
 * a list of fields, each tag (field number, wire type) then a varint, a fixed 32/64-bit value or
 * length-delimited bytes. Fields with default values are omitted, as proto3 serialisers do.
 * @module
 */

/** A message under construction; methods append one field each and return `this`. */
export class ProtoWriter {
  #parts: number[] = [];

  #varint(value: bigint): void {
    let v = BigInt.asUintN(64, value); // negative int64 values take ten bytes, as protobuf does
    while (v >= 0x80n) {
      this.#parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#parts.push(Number(v));
  }

  #tag(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  /** An int32/int64/enum/bool field (varint); skipped when 0 unless `always` (a oneof member). */
  int(field: number, value: number | bigint | boolean, always = false): this {
    const v = typeof value === "boolean" ? (value ? 1n : 0n) : BigInt(value);
    if (v !== 0n || always) {
      this.#tag(field, 0);
      this.#varint(v);
    }
    return this;
  }

  /** A double field (fixed 64-bit); skipped when 0 unless `always`. */
  double(field: number, value: number, always = false): this {
    if (value === 0 && !Object.is(value, -0) && !always) return this;
    this.#tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.#parts.push(...b);
    return this;
  }

  /** A float field (fixed 32-bit), always written (a scalar of 0 is still a value). */
  float(field: number, value: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.#parts.push(...b);
    return this;
  }

  /** A bytes or embedded-message field; skipped when empty unless `always`. */
  bytes(field: number, value: Uint8Array, always = false): this {
    if (value.length === 0 && !always) return this;
    this.#tag(field, 2);
    this.#varint(BigInt(value.length));
    for (const b of value) this.#parts.push(b);
    return this;
  }

  /** A string field (UTF-8); skipped when empty. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message, written even when empty (its presence can matter, e.g. a oneof). */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish(), true);
  }

  /** A packed repeated double field. */
  packedDoubles(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const b = new Uint8Array(8 * values.length);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat64(8 * i, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}
