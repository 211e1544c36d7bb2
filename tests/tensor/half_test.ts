import { assert, test } from "../harness.ts";
import { Linear, loadModel, ReLU, saveModel, Sequential, Tensor, tensor } from "../../mod.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Half = "f16" | "bf16";

/** Independent decoders from the formats' definitions (sign, biased exponent, fraction). */
const FORMAT: Record<Half, { fraction: number; bias: number }> = {
  f16: { fraction: 10, bias: 15 },
  bf16: { fraction: 7, bias: 127 },
};

function decode(dtype: Half, bits: number): number {
  const { fraction, bias } = FORMAT[dtype];
  const sign = bits >> 15 ? -1 : 1;
  const expBits = (bits >> fraction) & ((1 << (15 - fraction)) - 1);
  const mant = bits & ((1 << fraction) - 1);
  const maxExp = (1 << (15 - fraction)) - 1;
  if (expBits === maxExp) return mant === 0 ? sign * Infinity : NaN;
  if (expBits === 0) return sign * mant * 2 ** (1 - bias - fraction);
  return sign * ((1 << fraction) + mant) * 2 ** (expBits - bias - fraction);
}

function halfTensor(dtype: Half, bits: Uint16Array): Tensor {
  const t = Tensor.empty([bits.length], dtype);
  new Uint16Array(t.storage.bytes.buffer, t.storage.bytes.byteOffset, bits.length).set(bits);
  return t;
}

function bitsOf(t: Tensor): Uint16Array {
  return t.toArray() as Uint16Array;
}

const ALL = Uint16Array.from({ length: 65536 }, (_, i) => i);

/** The f32 one step towards +inf (`up`) or -inf from a finite, non-zero `x`. */
function nextF32(x: number, up: boolean): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] += (x > 0) === up ? 1 : -1;
  return f[0];
}

for (const dtype of ["f16", "bf16"] as const) {
  test(`${dtype} → f32: all 65,536 bit patterns equal the format's definition`, () => {
    const values = halfTensor(dtype, ALL).to("f32").toArray() as Float32Array;
    for (let b = 0; b < 65536; b++) {
      const want = decode(dtype, b);
      if (Number.isNaN(want)) assert.ok(Number.isNaN(values[b]), `${dtype} 0x${b.toString(16)} should be NaN`);
      else assert.ok(Object.is(values[b], want), `${dtype} 0x${b.toString(16)}: ${values[b]} != ${want}`);
    }
  });

  test(`f32 → ${dtype}: every value round-trips, NaN stays NaN, midpoints round to even (incl. subnormals and overflow)`, () => {
    const exact = Float32Array.from(ALL, (b) => decode(dtype, b));
    const back = bitsOf(tensor(exact).to(dtype));
    for (let b = 0; b < 65536; b++) {
      if (Number.isNaN(exact[b])) {
        assert.ok(
          Number.isNaN(decode(dtype, back[b])),
          `NaN 0x${b.toString(16)} came back as 0x${back[b].toString(16)}`,
        );
      } else assert.equal(back[b], b, `0x${b.toString(16)} came back as 0x${back[b].toString(16)}`);
    }
    // Adjacent finite patterns p, p + 1 of each sign; the largest finite value is paired with the
    // next power of two (the first value that rounds to infinity).
    const lows: number[] = [];
    const inf = dtype === "f16" ? 0x7c00 : 0x7f80;
    for (const sign of [0, 0x8000]) for (let p = 0; p < inf; p++) lows.push(sign | p);
    const mids = new Float32Array(lows.length * 3);
    lows.forEach((p, i) => {
      const a = decode(dtype, p);
      const b = (p & 0x7fff) === inf - 1
        ? Math.sign(a) * 2 * 2 ** Math.floor(Math.log2(Math.abs(a)))
        : decode(dtype, p + 1);
      const mid = (a + b) / 2; // exact in f32: one bit more than the 16-bit format holds
      assert.equal(Math.fround(mid), mid);
      mids[3 * i] = mid;
      mids[3 * i + 1] = nextF32(mid, mid < 0); // one f32 step towards a (towards zero)
      mids[3 * i + 2] = nextF32(mid, mid > 0); // one f32 step towards b
    });
    const rounded = bitsOf(tensor(mids).to(dtype));
    lows.forEach((p, i) => {
      const even = (p & 1) === 0 ? p : p + 1;
      assert.equal(rounded[3 * i], even, `midpoint above 0x${p.toString(16)} rounds to even`);
      assert.equal(rounded[3 * i + 1], p, `just below the midpoint above 0x${p.toString(16)} rounds down`);
      assert.equal(rounded[3 * i + 2], p + 1, `just above the midpoint above 0x${p.toString(16)} rounds up`);
    });
  });

  test(`${dtype} conversions: strided views give the same bits as contiguous ones`, () => {
    const x = tensor(Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 2 ** ((i % 40) - 20)), {
      shape: [64, 64],
    });
    const viaView = bitsOf(x.t().to(dtype).contiguous());
    const viaCopy = bitsOf(x.t().contiguous().to(dtype));
    assert.deepEqual(viaView, viaCopy);
    const up = x.to(dtype).t().to("f32").contiguous().toArray() as Float32Array;
    assert.deepEqual(up, x.to(dtype).to("f32").t().contiguous().toArray());
  });
}

test('model.to("bf16") converts parameters in place (same objects), and bf16 models save and load losslessly', () => {
  const model = new Sequential().add(new Linear(6, 4)).add(ReLU).add(new Linear(4, 2));
  const before = model.parameters();
  const wanted = before.map((p) => bitsOf(p.to("bf16")));
  assert.equal(model.to("bf16"), model);
  const after = model.parameters();
  after.forEach((p, i) => {
    assert.equal(p, before[i], "same Parameter object");
    assert.equal(p.dtype, "bf16");
    assert.deepEqual(bitsOf(p), wanted[i]);
  });
  assert.equal(model.forward(tensor(new Float32Array(12), { shape: [2, 6] }).to("bf16")).dtype, "bf16");
  const dir = mkdtempSync(join(tmpdir(), "axon-half-"));
  try {
    const path = join(dir, "bf16.safetensors");
    saveModel(model, path);
    const twin = new Sequential().add(new Linear(6, 4)).add(ReLU).add(new Linear(4, 2)).to("bf16");
    loadModel(twin, path);
    twin.parameters().forEach((p, i) => assert.deepEqual(bitsOf(p), wanted[i]));
  } finally {
    rmSync(dir, { recursive: true });
  }
  assert.throws(() => model.to("i32"), /Module.to: expected a floating point dtype, got i32/);
});
