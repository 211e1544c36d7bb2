import { assert, test } from "../harness.ts";
import { bytesOf, craft, expected, fixtureBytes, fixturePath, rawBytes, toTensor, withTempDir } from "./helpers.ts";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arange, randn, type Tensor, tensor } from "../../mod.ts";
import {
  loadSafetensors,
  MAX_HEADER_BYTES,
  parseSafetensors,
  SafetensorsError,
  saveSafetensors,
  serializeSafetensors,
} from "../../src/io/mod.ts";

const fx = expected();

function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

/** Tensors of every dtype, including bit patterns a float conversion would not preserve. */
function everyDtype(): Record<string, Tensor> {
  const half = toTensor({ dtype: "f16", shape: [2, 3], data: "" });
  new Uint16Array(half.storage.bytes.buffer, half.storage.bytes.byteOffset, 6).set([
    0x3c00,
    0x8000,
    0x7c00,
    0x7e01,
    0xfbff,
    0x0001,
  ]);
  const brain = toTensor({ dtype: "bf16", shape: [4], data: "" });
  new Uint16Array(brain.storage.bytes.buffer, brain.storage.bytes.byteOffset, 4).set([0x3f80, 0xffc1, 0x0001, 0x7f7f]);
  return {
    "fc.weight": randn([3, 5]),
    "fc.bias": tensor(new Float32Array([0.5, -0, NaN])),
    "double": tensor(new Float64Array([Math.PI, -1e300, 5e-324])),
    "ints": tensor(new Int32Array([-2147483648, 2147483647, 0, -1]), { shape: [2, 2] }),
    "longs": tensor(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 42n])),
    "bytes": tensor(new Uint8Array([0, 255, 7])), // odd length: the next tensor starts unaligned in the file
    "half": half,
    "brain": brain,
    "scalar": tensor(new BigInt64Array([3n]), { shape: [] }),
    "empty": tensor(new Float32Array(0), { shape: [0, 4] }),
  };
}

function assertSameTensors(actual: Record<string, Tensor>, wanted: Record<string, Tensor>): void {
  assert.deepEqual(Object.keys(actual), Object.keys(wanted));
  for (const [name, w] of Object.entries(wanted)) {
    const a = actual[name];
    assert.equal(a.dtype, w.dtype, name);
    assert.deepEqual(a.shape, w.shape, name);
    assert.deepEqual(bytesOf(a), bytesOf(w), `${name}: bytes differ`);
  }
}

test("round trip in memory: every dtype, bit patterns (NaN payloads, -0, subnormals), 0-d and empty tensors", () => {
  const tensors = everyDtype();
  const bytes = serializeSafetensors(tensors, { format: "pt", note: "ünïcode ✓" });
  const back = parseSafetensors(bytes);
  assertSameTensors(back.tensors, tensors);
  assert.deepEqual(back.metadata, { format: "pt", note: "ünïcode ✓" });
  // The result owns its memory: changing the input buffer changes nothing.
  bytes.fill(0, headerOf(bytes).length + 8);
  assertSameTensors(back.tensors, tensors);
});

test("round trip through a file; non-contiguous views are packed", () => {
  withTempDir((dir) => {
    const path = join(dir, "t.safetensors");
    const base = arange(0, 12).to("f32").view([3, 4]);
    const tensors = { ...everyDtype(), transposed: base.t(), sliced: base.slice(1, 1, 4, 2) };
    saveSafetensors(path, tensors);
    const { tensors: back, metadata } = loadSafetensors(path);
    assert.deepEqual(metadata, {});
    assertSameTensors(back, {
      ...tensors,
      transposed: base.t().contiguous(),
      sliced: base.slice(1, 1, 4, 2).contiguous(),
    });
    assert.deepEqual(Array.from(back.transposed.toArray() as Float32Array), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    assert.deepEqual(readdirSync(dir), ["t.safetensors"]);
  });
});

test("layout: little-endian length, compact JSON in the given order, space padding to 8, data contiguous", () => {
  const tensors = {
    b: tensor(new Uint8Array([1, 2, 3])),
    a: tensor(new Float32Array([1.5])),
    __proto__x: tensor(new Int32Array([9])),
  };
  const bytes = serializeSafetensors(tensors, { format: "pt" });
  const { length, text } = headerOf(bytes);
  assert.equal(length % 8, 0);
  const json = '{"__metadata__":{"format":"pt"},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},' +
    '"a":{"dtype":"F32","shape":[1],"data_offsets":[3,7]},"__proto__x":{"dtype":"I32","shape":[1],"data_offsets":[7,11]}}';
  assert.equal(text.trimEnd(), json);
  assert.equal(text, json + " ".repeat(length - json.length));
  assert.equal(bytes.byteLength, 8 + length + 11);
  assert.deepEqual(Array.from(bytes.subarray(8 + length, 8 + length + 3)), [1, 2, 3]);
  assert.equal(new DataView(bytes.buffer, 8 + length + 3, 4).getFloat32(0, true), 1.5);
  // Header already a multiple of 8: no padding added.
  const exact = serializeSafetensors({});
  assert.equal(headerOf(exact).text, "{}      ");
});

test("reference file: parses to PyTorch's values in the writer's order", () => {
  const ref = fx.reference;
  const { tensors, metadata } = loadSafetensors(fixturePath(ref.file));
  assert.deepEqual(metadata, ref.metadata);
  assert.deepEqual(Object.keys(tensors), ref.order);
  for (const name of ref.order) {
    const raw = ref.tensors[name];
    assert.equal(tensors[name].dtype, raw.dtype, name);
    assert.deepEqual(tensors[name].shape, raw.shape, name);
    assert.deepEqual(bytesOf(tensors[name]), rawBytes(raw), name);
  }
  assert.equal(tensors.num_batches_tracked.item(), 123456789012);
  assert.deepEqual(Array.from(tensors.big.toArray() as BigInt64Array), [-(2n ** 63n), 2n ** 63n - 1n, 5n]);
});

test("Axon's writer reproduces safetensors.torch.save_file byte for byte (same tensors, same order)", () => {
  for (const fixture of [fx.reference, fx.model]) {
    const tensors: Record<string, Tensor> = {};
    for (const name of fixture.order) tensors[name] = toTensor(fixture.tensors[name]);
    const ours = serializeSafetensors(tensors, fixture.metadata);
    const theirs = fixtureBytes(fixture.file);
    assert.equal(headerOf(ours).text, headerOf(theirs).text, `${fixture.file}: header`);
    assert.deepEqual(ours, theirs, `${fixture.file}: bytes`);
    withTempDir((dir) => {
      const path = join(dir, fixture.file);
      saveSafetensors(path, tensors, fixture.metadata);
      assert.deepEqual(new Uint8Array(readFileSync(path)), theirs, `${fixture.file}: saved file`);
    });
  }
});

// ---- malformed input ----------------------------------------------------------------------------

/** `{"\xff":…}`: a header whose bytes are not UTF-8. */
function notUtf8(): Uint8Array {
  const bytes = craft('{"?":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1);
  bytes[10] = 0xff;
  return bytes;
}

const F32_2x2 = { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] };

/** Each crafted file with the message it must produce. */
const MALFORMED: [string, Uint8Array, RegExp][] = [
  ["empty file", new Uint8Array(0), /the file is 0 bytes, too short for the 8-byte header length/],
  ["7-byte file", new Uint8Array(7), /too short/],
  [
    "header length beyond the file",
    craft({ a: F32_2x2 }, 16, 500n),
    /header length 500 runs past the end of the file \(\d+ bytes\)/,
  ],
  ["absurd header length", craft("{}", 0, 2n ** 63n), /header length 9223372036854775808 exceeds the 100 MB limit/],
  ["header just over 100 MB", craft("{}", 0, BigInt(MAX_HEADER_BYTES + 1)), /exceeds the 100 MB limit/],
  ["header not JSON", craft('{"a": {"dtype": "F32",', 16), /the header is not valid JSON/],
  ["empty header", craft("", 0), /the header is not valid JSON/],
  ["header not UTF-8", notUtf8(), /the header is not valid UTF-8/],
  ["header an array", craft([1, 2]), /the header must be a JSON object, got an array/],
  ["header null", craft("null"), /got null/],
  ["header a number", craft("42"), /got number/],
  ["entry not an object", craft({ a: 3 }), /tensor a: the entry must be an object/],
  ["dtype missing", craft({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /tensor a: dtype must be a string/],
  [
    "unknown dtype",
    craft({ a: { dtype: "F31", shape: [1], data_offsets: [0, 4] } }, 4),
    /tensor a: unknown dtype "F31"/,
  ],
  [
    "unsupported dtype BOOL",
    craft({ a: { dtype: "BOOL", shape: [1], data_offsets: [0, 1] } }, 1),
    /tensor a: unsupported dtype BOOL \(Axon reads F64, F32, F16, BF16, I64, I32, U8\)/,
  ],
  ["unsupported dtype I8", craft({ a: { dtype: "I8", shape: [1], data_offsets: [0, 1] } }, 1), /unsupported dtype I8/],
  [
    "dtype via prototype",
    craft({ a: { dtype: "toString", shape: [1], data_offsets: [0, 1] } }, 1),
    /unknown dtype "toString"/,
  ],
  [
    "negative shape",
    craft({ a: { dtype: "F32", shape: [-1, 2], data_offsets: [0, 4] } }, 4),
    /tensor a: shape must be an array of non-negative integers, got \[-1,2\]/,
  ],
  [
    "fractional shape",
    craft({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, 4),
    /shape must be an array of non-negative integers/,
  ],
  ["string shape", craft({ a: { dtype: "F32", shape: ["2"], data_offsets: [0, 8] } }, 8), /shape must be/],
  ["shape missing", craft({ a: { dtype: "F32", data_offsets: [0, 4] } }, 4), /shape must be/],
  [
    "offsets missing",
    craft({ a: { dtype: "F32", shape: [1] } }, 4),
    /tensor a: data_offsets must be two non-negative integers/,
  ],
  ["three offsets", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4, 8] } }, 8), /data_offsets must be two/],
  [
    "negative offset",
    craft({ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } }, 4),
    /data_offsets must be two non-negative/,
  ],
  [
    "huge offset",
    craft({ a: { dtype: "F32", shape: [1], data_offsets: [2 ** 60, 2 ** 60 + 4] } }, 4),
    /data_offsets must be two non-negative integers/,
  ],
  [
    "offsets reversed",
    craft({ a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, 4),
    /tensor a: data_offsets \[4, 0\] end before they begin/,
  ],
  [
    "offsets out of range",
    craft({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] } }, 8),
    /tensor a: data_offsets \[0, 16\] run past the end of the data region \(8 bytes\)/,
  ],
  [
    "offsets far out of range",
    craft({ a: { dtype: "U8", shape: [4], data_offsets: [1000, 1004] } }, 4),
    /run past the end/,
  ],
  [
    "size mismatch",
    craft({ "0.weight": { dtype: "F32", shape: [10, 20], data_offsets: [0, 400] } }, 400),
    /: tensor 0.weight: data_offsets \[0, 400\] hold 400 bytes but F32 \[10, 20\] needs 800/,
  ],
  [
    "size mismatch (dtype)",
    craft({ a: { dtype: "F64", shape: [2], data_offsets: [0, 8] } }, 8),
    /hold 8 bytes but F64 \[2\] needs 16/,
  ],
  [
    "numel overflow",
    craft({ a: { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, 4),
    /hold 4 bytes but F32/,
  ],
  [
    "overlapping offsets",
    craft({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    }, 12),
    /tensor b: data_offsets \[4, 12\] overlap tensor a \[0, 8\]/,
  ],
  [
    "aliased tensors",
    craft({
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "I32", shape: [2], data_offsets: [0, 8] },
    }, 8),
    /overlap/,
  ],
  [
    "gap between tensors",
    craft({
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
    }, 12),
    /tensor b: data_offsets \[8, 12\] leave a gap of 4 unclaimed bytes/,
  ],
  [
    "trailing bytes",
    craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 9),
    /the data region holds 9 bytes but the tensors claim 4/,
  ],
  [
    "truncated data",
    craft({
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
    }, 6),
    /tensor b: .* run past the end of the data region \(6 bytes\)/,
  ],
  [
    "duplicate tensor names",
    craft(
      '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
      2,
    ),
    /duplicate tensor name "a" in the header/,
  ],
  [
    "duplicate names via escapes",
    craft(
      '{"ab":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}, "a\\u0062" :{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
      2,
    ),
    /duplicate tensor name "ab"/,
  ],
  ["duplicate metadata keys", craft('{"__metadata__":{"k":"1","k":"2"}}'), /duplicate key "k" in the header/],
  ["metadata not an object", craft({ __metadata__: "pt" }), /__metadata__ must be an object of strings/],
  [
    "metadata value not a string",
    craft({ __metadata__: { epochs: 3 } }),
    /__metadata__ value of "epochs" must be a string, got 3/,
  ],
];

test("the size-mismatch message, exactly", () => {
  const bytes = craft({ "0.weight": { dtype: "F32", shape: [10, 20], data_offsets: [0, 400] } }, 400);
  assert.throws(() => parseSafetensors(bytes, "model.safetensors"), {
    name: "SafetensorsError",
    message: "model.safetensors: tensor 0.weight: data_offsets [0, 400] hold 400 bytes but F32 [10, 20] needs 800",
  });
});

test("every malformed file is a clear SafetensorsError (parse from memory)", () => {
  for (const [what, bytes, message] of MALFORMED) {
    assert.throws(() => parseSafetensors(bytes), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `${what}: expected a SafetensorsError, got ${e}`);
      assert.match(e.message, /^<buffer>: /, what);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
});

test("every malformed file is a clear SafetensorsError naming the file (load from disk)", () => {
  withTempDir((dir) => {
    for (const [what, bytes, message] of MALFORMED) {
      const path = join(dir, "bad.safetensors");
      writeFileSync(path, bytes);
      assert.throws(() => loadSafetensors(path), (e: unknown) => {
        assert.ok(e instanceof SafetensorsError, `${what}: expected a SafetensorsError, got ${e}`);
        assert.ok(e.message.startsWith(`${path}: `), `${what}: ${e.message}`);
        assert.match(e.message, message, what);
        return true;
      }, what);
    }
  });
});

test("names that are object-prototype keys load as ordinary tensors", () => {
  const header =
    '{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"constructor":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
  const { tensors } = parseSafetensors(craft(header, new Uint8Array([4, 5])));
  assert.deepEqual(Object.keys(tensors), ["__proto__", "constructor"]);
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.item(), 4);
});

test("a file inside a larger buffer: offsets past the view's end are refused, never read", () => {
  const file = serializeSafetensors({ a: tensor(new Float32Array([1, 2, 3, 4])) });
  const big = new Uint8Array(file.byteLength + 64).fill(0xee);
  big.set(file, 16);
  const exact = big.subarray(16, 16 + file.byteLength);
  assert.deepEqual(Array.from(parseSafetensors(exact).tensors.a.toArray() as Float32Array), [1, 2, 3, 4]);
  const cut = big.subarray(16, 16 + file.byteLength - 4); // the neighbouring 0xee bytes must not be used
  assert.throws(() => parseSafetensors(cut), /run past the end of the data region \(12 bytes\)/);
});

test("missing file, directory, truncated file on disk", () => {
  withTempDir((dir) => {
    assert.throws(
      () => loadSafetensors(join(dir, "nope.safetensors")),
      (e: unknown) => e instanceof SafetensorsError && e.message === `${join(dir, "nope.safetensors")}: no such file`,
    );
    assert.throws(() => loadSafetensors(dir), SafetensorsError);
    const path = join(dir, "cut.safetensors");
    const full = serializeSafetensors(everyDtype());
    for (const keep of [0, 5, 8, 20, full.byteLength - 1]) {
      writeFileSync(path, full.subarray(0, keep));
      assert.throws(() => loadSafetensors(path), SafetensorsError, `truncated to ${keep}`);
    }
  });
});

// ---- writing ------------------------------------------------------------------------------------

test("writer refuses bad input before touching the disk", () => {
  withTempDir((dir) => {
    const path = join(dir, "w.safetensors");
    const t = tensor(new Float32Array([1]));
    assert.throws(() => saveSafetensors(path, { __metadata__: t }), /"__metadata__" is reserved/);
    assert.throws(
      () => saveSafetensors(path, { a: t }, { epochs: 3 as unknown as string }),
      /metadata value of "epochs" must be a string/,
    );
    assert.throws(() => saveSafetensors(path, { a: [1, 2] as unknown as Tensor }), /"a" is not a Tensor/);
    assert.throws(() => saveSafetensors(join(dir, "no", "such", "dir.safetensors"), { a: t }), SafetensorsError);
    assert.deepEqual(readdirSync(dir), []);
  });
});

test("atomic write: a failure mid-save leaves the previous file intact and no temporary file", () => {
  withTempDir((dir) => {
    const path = join(dir, "model.safetensors");
    const original = { a: tensor(new Float32Array([1, 2, 3])) };
    saveSafetensors(path, original);
    const before = new Uint8Array(readFileSync(path));

    // The second tensor fails while being written, after the header and the first tensor went out.
    const poisoned = randn([64, 64]);
    Object.defineProperty(poisoned, "contiguous", {
      value: () => {
        throw new Error("simulated crash mid-write");
      },
    });
    assert.throws(() => saveSafetensors(path, { first: randn([1000]), second: poisoned }), /simulated crash mid-write/);
    assert.deepEqual(new Uint8Array(readFileSync(path)), before);
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);

    // A successful save replaces the file and leaves nothing else behind.
    saveSafetensors(path, { b: tensor(new Int32Array([7])) });
    assert.deepEqual(Object.keys(loadSafetensors(path).tensors), ["b"]);
    assert.deepEqual(readdirSync(dir), ["model.safetensors"]);
    assert.ok(existsSync(path));
  });
});
