/**
 * Packs shapes, offsets and strides into the `i64` meta arrays the strided kernels take.
 * @module
 */

let scratch = new BigInt64Array(64);

/**
 * Writes `values` into a reused `BigInt64Array` and returns it with the count to pass.
 * The array is only valid until the next call (native calls are synchronous).
 */
export function packMeta(values: readonly number[]): BigInt64Array {
  if (values.length > scratch.length) scratch = new BigInt64Array(values.length * 2);
  for (let i = 0; i < values.length; i++) scratch[i] = BigInt(values[i]);
  return scratch;
}

/**
 * Meta for a strided op over `shape`: `[ndim, shape…, off₀, strides₀…, off₁, strides₁…]`, after
 * merging dims that are contiguous in every operand (fewer dims → faster kernels).
 */
export function stridedMeta(
  shape: readonly number[],
  operands: readonly { offset: number; strides: readonly number[] }[],
): number[] {
  // Coalesce: dim i-1 and i merge when, for every operand, stride[i-1] == stride[i] * shape[i].
  const dims: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && operands.every((op, k) => strides[k][last] === op.strides[i] * shape[i])) {
      dims[last] *= shape[i];
      operands.forEach((op, k) => (strides[k][last] = op.strides[i]));
    } else {
      dims.push(shape[i]);
      operands.forEach((op, k) => strides[k].push(op.strides[i]));
    }
  }
  if (dims.length === 0) {
    // A scalar or all-ones shape: one element, described as a 1-d run of length 1.
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  if (shape.some((d) => d === 0)) {
    dims.length = 0;
    dims.push(0);
    strides.forEach((s) => (s.length = 0, s.push(1)));
  }
  const out = [dims.length, ...dims];
  operands.forEach((op, k) => out.push(op.offset, ...strides[k]));
  return out;
}
