/**
 * Creating tensors: constants, ranges, identity, and tensors from JavaScript data.
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { checkFits, type DType, dtypeInfo, type TypedArray } from "../tensor/dtype.ts";
import { checkShape, formatShape, numelOf, type Shape } from "../tensor/shape.ts";
import { Tensor } from "../tensor/tensor.ts";
import { checkInt, checkNumber } from "../utils/check.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { parseFullArgs, parseSizeArgs, type SizeArgs } from "./size_args.ts";

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Element type (default `"f32"`, or inferred from the data). */
  dtype?: DType;
}

/** The dtype of a creation function's options (validated), or `fallback`. */
export function createDtype(where: string, options: unknown, fallback: DType, extra: readonly string[] = []): DType {
  const { dtype } = checkOptions<CreateOptions>(where, options, ["dtype", ...extra]);
  return dtype === undefined ? fallback : checkDtypeName(where, dtype);
}

function checkDtypeName(where: string, dtype: unknown): DType {
  if (typeof dtype !== "string") {
    throw new TypeError(`${where}: dtype must be a dtype name such as "f32", got ${describe(dtype)}`);
  }
  try {
    dtypeInfo(dtype as DType);
  } catch (e) {
    throw new TypeError(`${where}: ${(e as Error).message}`);
  }
  return dtype as DType;
}

/**
 * A tensor of the given size filled with `value`: `full([3, 4], value)` or `full(3, 4, value)`
 * (the last number is the value), with an options object last.
 *
 * @example
 * ```ts
 * full([2, 3], 7); // same as full(2, 3, 7)
 * full(2, 3, 7, { dtype: "i32" });
 * ```
 */
export function full(
  ...args: [shape: Shape, value: number, options?: CreateOptions] | [...sizesThenValue: number[]] | [
    ...sizesThenValue: number[],
    options: CreateOptions,
  ]
): Tensor {
  const [shape, value, options] = parseFullArgs(args);
  return fillWith("full", shape, value as number, createDtype("full", options, "f32"));
}

function fillWith(where: string, shape: Shape, value: number, dtype: DType): Tensor {
  const dims = checkShape(shape, where);
  if (typeof value !== "number") throw new TypeError(`${where}: value must be a number, got ${describe(value)}`);
  const out = Tensor.empty(dims, dtype);
  checkFits(value, out.dtype, where);
  if (out.numel > 0) {
    backendOf("full", out).fill(out.numel, out, value, "full");
  }
  return out;
}

/**
 * A tensor of zeros: `zeros(3, 4)` or `zeros([3, 4])`, with an options object last.
 *
 * @example
 * ```ts
 * zeros(2, 3, { dtype: "i32" }).shape; // [2, 3]
 * ```
 */
export function zeros(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, options] = parseSizeArgs("zeros", args);
  const out = Tensor.empty(shape, createDtype("zeros", options, "f32"));
  out.storage.bytes.fill(0); // storage comes from the allocator as its last user left it
  return out;
}

/** A tensor of ones: `ones(3, 4)` or `ones([3, 4])`, with an options object last. */
export function ones(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, options] = parseSizeArgs("ones", args);
  return fillWith("ones", shape, 1, createDtype("ones", options, "f32"));
}

/**
 * An uninitialised tensor (PyTorch's `empty`: its elements are whatever the allocator's block
 * held, use `zeros` for zeros): `empty(3, 4)` or `empty([3, 4])`, with an options object last.
 */
export function empty(...args: SizeArgs<CreateOptions>): Tensor {
  const [shape, options] = parseSizeArgs("empty", args);
  return Tensor.empty(shape, createDtype("empty", options, "f32"));
}

/** Zeros with the shape and dtype of `like`. */
export function zerosLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return zeros(checkTensor("zerosLike", "like", like).shape, { dtype: createDtype("zerosLike", options, like.dtype) });
}

/** Ones with the shape and dtype of `like`. */
export function onesLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return ones(checkTensor("onesLike", "like", like).shape, { dtype: createDtype("onesLike", options, like.dtype) });
}

/** `value` everywhere, with the shape and dtype of `like`. */
export function fullLike(like: Tensor, value: number, options: CreateOptions = {}): Tensor {
  return fillWith(
    "fullLike",
    checkTensor("fullLike", "like", like).shape,
    value,
    createDtype("fullLike", options, like.dtype),
  );
}

/**
 * `[start, start + step, …)` below `end`; `arange(n)` is `0 … n-1`. Integer arguments give i32,
 * any fractional one f32 (PyTorch gives int64 / float32).
 *
 * @example
 * ```ts
 * arange(5).toList(); // [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25).toList(); // [0, 0.25, 0.5, 0.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const requested = checkOptions<CreateOptions>("arange", options, ["dtype"]).dtype;
  if (end === undefined) [start, end] = [0, start];
  checkNumber("arange", "start", start);
  checkNumber("arange", "end", end);
  checkNumber("arange", "step", step);
  if (step === 0) {
    throw new RangeError(`arange: start ${start}, end ${end} and step ${step} must be finite, step non-zero`);
  }
  if ((end - start) * step < 0) {
    throw new RangeError(`arange: step ${step} points away from end (start ${start}, end ${end})`);
  }
  const integral = [start, end, step].every(Number.isInteger);
  const dtype = createDtype("arange", { dtype: requested }, integral ? "i32" : "f32");
  const n = Math.ceil((end - start) / step);
  if (n > 0) {
    checkFits(start, dtype, "arange");
    checkFits(start + (n - 1) * step, dtype, "arange");
  }
  const out = Tensor.empty([n], dtype);
  if (n > 0) {
    backendOf("arange", out).arange(n, out, start, step);
  }
  return out;
}

/** An `n × m` identity matrix (`m` defaults to `n`). Composed: `arange(n)[:, None] == arange(m)`. */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  const dtype = createDtype("eye", options, "f32");
  checkInt("eye", "n", n, { min: 0 });
  checkInt("eye", "m", m, { min: 0 });
  const diagonal = arange(0, n, 1, { dtype: "i32" }).unsqueeze(1).eq(arange(0, m, 1, { dtype: "i32" }));
  return diagonal.to(dtype);
}

/** Nested JavaScript arrays of numbers/booleans. */
export type NestedArray = number | boolean | readonly NestedArray[];

function inferNestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

/** Checks that every element of `data` fits `dtype` before a conversion that would wrap it. */
function checkAllFit(data: TypedArray, dtype: DType): void {
  if (dtypeInfo(dtype).isFloat) return;
  // Number() of an i64 is exact inside the i32 and u8 ranges, and far outside them otherwise.
  for (const v of data) checkFits(typeof v === "bigint" ? Number(v) : v, dtype, "tensor");
}

function typedArrayDType(data: TypedArray): DType {
  if (data instanceof Float32Array) return "f32";
  if (data instanceof Float64Array) return "f64";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof BigInt64Array) return "i64";
  if (data instanceof Uint8Array) return "u8";
  throw new TypeError(
    `tensor: unsupported typed array ${Object.prototype.toString.call(data)}; pass dtype explicitly for 16-bit data`,
  );
}

/**
 * A tensor from nested arrays or a flat typed array (then `shape` defaults to 1-d). The data is
 * copied. Numbers default to f32 unless all are integers (then i32), booleans to u8.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]], { dtype: "f32" }).shape; // [2, 2]
 * tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
 * ```
 */
export function tensor(data: NestedArray | TypedArray, options: CreateOptions & { shape?: Shape } = {}): Tensor {
  createDtype("tensor", options, "f32", ["shape"]);
  if (ArrayBuffer.isView(data)) {
    const typed = data as TypedArray;
    const source = typedArrayDType(typed);
    const shape = checkShape(options.shape ?? [typed.length], "tensor");
    if (numelOf(shape) !== typed.length) {
      throw new RangeError(
        `tensor: shape ${formatShape(shape)} needs ${numelOf(shape)} elements, the data has ${typed.length}`,
      );
    }
    if (options.dtype && options.dtype !== source) checkAllFit(typed, options.dtype);
    const raw = Tensor.empty(shape, source);
    const info = dtypeInfo(source);
    (info.view(raw.storage.bytes.buffer, raw.storage.bytes.byteOffset, typed.length) as TypedArray & {
      set(a: ArrayLike<unknown>): void;
    })
      .set(typed as ArrayLike<unknown>);
    return options.dtype && options.dtype !== source ? raw.to(options.dtype) : raw;
  }
  const shape = inferNestedShape(data as NestedArray);
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as (number | boolean)[];
  if (flat.length !== numelOf(shape)) {
    throw new RangeError(
      `tensor: nested arrays are ragged; expected ${numelOf(shape)} elements for shape ${
        formatShape(shape)
      }, found ${flat.length}`,
    );
  }
  for (const v of flat) {
    if (typeof v !== "number" && typeof v !== "boolean") {
      throw new TypeError(`tensor: elements must be numbers or booleans, got ${typeof v}`);
    }
  }
  const inferred: DType = flat.length > 0 && flat.every((v) => typeof v === "boolean")
    ? "u8"
    : flat.every((v) => Number.isInteger(v as number) || typeof v === "boolean") && flat.length > 0
    ? "i32"
    : "f32";
  const dtype = options.dtype ?? inferred;
  let shapeOut = shape;
  if (options.shape !== undefined) {
    shapeOut = checkShape(options.shape, "tensor");
    if (numelOf(shapeOut) !== flat.length) {
      throw new RangeError(
        `tensor: shape ${formatShape(shapeOut)} needs ${numelOf(shapeOut)} elements, the data (shape ${
          formatShape(shape)
        }) has ${flat.length}`,
      );
    }
  }
  if (!dtypeInfo(dtype).isFloat) { for (const v of flat) if (typeof v === "number") checkFits(v, dtype, "tensor"); }
  // Stage in the target's own typed array where one exists (exact), else in f64 and convert.
  const stagingTypes: Partial<Record<DType, { from(a: ArrayLike<number>): TypedArray }>> = {
    f32: Float32Array,
    f64: Float64Array,
    i32: Int32Array,
    u8: Uint8Array,
  };
  const staging = (stagingTypes[dtype] ?? Float64Array).from(flat.map(Number));
  return tensor(staging, { shape: shapeOut, dtype });
}

/** Alias of {@link tensor}, the name the seed's `to_vec`/`from_vec` readers expect. */
export const fromArray: typeof tensor = tensor;
