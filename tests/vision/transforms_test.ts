/**
 * Vision transforms against closed forms and torchvision's rotation (the affine grid +
 * grid_sample it composes, from tests/fixtures/make_layers_fixtures.py), MNIST's `transform`
 * option, and seeded augmentation that is byte-identical on Deno and Bun (the test runs the other
 * runtime on the same script and compares the bytes).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assert, assertClose, runtime, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import {
  Compose,
  DataLoader,
  hflip,
  manualSeed,
  MNIST,
  Normalize,
  rand,
  randn,
  RandomCrop,
  RandomHorizontalFlip,
  RandomRotation,
  rotate,
  type Tensor,
  tensor,
  ToTensor,
} from "../../mod.ts";
import { augmentedBytes } from "./transforms_probe.ts";

const data = loadFixture<{
  image: EncodedArray;
  rotations: { angle: number; mode: "nearest" | "bilinear"; out: EncodedArray }[];
}>("data_extra.json");

const arr = (t: Tensor) => Array.from(t.toArray() as Float32Array);

test("transforms: rotate equals torchvision's rotation (grid_sample) for nearest and bilinear", () => {
  const image = decodeTensor(data.image);
  assert.equal(data.rotations.length, 8);
  for (const r of data.rotations) {
    const out = rotate(image, r.angle, r.mode);
    assert.deepEqual(out.shape, [2, 7, 9]);
    assertClose(out.toArray() as Float32Array, decodeArray(r.out) as Float32Array, {
      rtol: 1e-5,
      atol: 2e-6,
      message: `${r.mode} ${r.angle}°`,
    });
  }
});

test("transforms: rotate by 90° on a square image is a transpose + flip; by 0° the identity", () => {
  const x = randn([3, 5, 5]);
  // counter-clockwise 90°: out[i][j] = x[j][W-1-i]
  const expected = hflip(x).transpose(1, 2).contiguous();
  assert.deepEqual(arr(rotate(x, 90)), arr(expected));
  assert.deepEqual(arr(rotate(x, 0, "bilinear")), arr(x));
  assert.deepEqual(arr(rotate(x, 360)), arr(x));
});

test("transforms: hflip / RandomHorizontalFlip, RandomCrop with padding, Normalize, ToTensor in closed form", () => {
  const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i), { shape: [1, 3, 4] });
  assert.deepEqual(arr(hflip(x)), [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8]);
  assert.deepEqual(arr(new RandomHorizontalFlip({ p: 1 }).apply(x)), arr(hflip(x)));
  assert.deepEqual(arr(new RandomHorizontalFlip({ p: 0 }).apply(x)), arr(x));
  // p = 0.5 flips about half the time.
  manualSeed(1);
  const flip = new RandomHorizontalFlip();
  let flips = 0;
  for (let i = 0; i < 400; i++) if (flip.apply(x).toArray()[0] === 3) flips++;
  assert.ok(flips > 160 && flips < 240, `flips ${flips} / 400`);

  // Cropping the whole padded image shows the padding; every crop is a window of the padded image.
  const full = new RandomCrop([5, 6], { padding: 1, fill: -1 }).apply(x);
  assert.deepEqual(arr(full), [
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    0,
    1,
    2,
    3,
    -1,
    -1,
    4,
    5,
    6,
    7,
    -1,
    -1,
    8,
    9,
    10,
    11,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
  ]);
  const padded = [
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    0,
    1,
    2,
    3,
    -1,
    -1,
    4,
    5,
    6,
    7,
    -1,
    -1,
    8,
    9,
    10,
    11,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
    -1,
  ];
  const seen = new Set<string>();
  for (let k = 0; k < 200; k++) {
    const c = arr(new RandomCrop(3, { padding: [1, 1] }).apply(x).add(0));
    const pad0 = padded.map((v) => (v === -1 ? 0 : v));
    let found = "";
    for (let i = 0; i <= 2 && !found; i++) {
      for (let j = 0; j <= 3 && !found; j++) {
        const win = [0, 1, 2].flatMap((r) => [0, 1, 2].map((q) => pad0[(i + r) * 6 + j + q]));
        if (win.every((v, t) => v === c[t])) found = `${i},${j}`;
      }
    }
    assert.ok(found, `crop ${c} is a window of the padded image`);
    seen.add(found);
  }
  assert.equal(seen.size, 12, "all 3 × 4 window positions occur");
  assert.deepEqual(new RandomCrop(4, { padIfNeeded: true }).apply(x).shape, [1, 4, 4]);
  assert.throws(() => new RandomCrop(4).apply(x), /crop size \[4, 4\] is larger than the \(padded\) image \[1, 3, 4\]/);
  assert.throws(() => new RandomCrop(4, { padding: [1, 2, 3] }), /padding must be a size, \[leftRight, topBottom\]/);
  assert.throws(() => new RandomCrop(4, { padding_mode: "reflect" } as never), /unknown option "padding_mode"/);

  const rgb = tensor(Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]), { shape: [2, 2, 2] });
  assertClose(
    new Normalize([1, 10], [2, 5]).apply(rgb).toArray() as Float32Array,
    [0, 0.5, 1, 1.5, 0, 2, 4, 6],
  );
  assert.throws(
    () => new Normalize([0, 0, 0], [1, 1, 1]).apply(rgb),
    /3 channel statistics for an image of shape \[2, 2, 2\]/,
  );
  assert.throws(() => new Normalize([0], [0]), /invalid std\[0\] 0/);

  const pixels = tensor(Uint8Array.from([0, 255, 51, 102, 1, 2]), { shape: [1, 3, 2] }); // [H, W, C]
  const t = new ToTensor().apply(pixels);
  assert.deepEqual(t.shape, [2, 1, 3]);
  assertClose(t.toArray() as Float32Array, [0, 51, 1, 255, 102, 2].map((v) => v / 255));
  assert.throws(() => new ToTensor().apply(x), /ToTensor: expected u8 pixels, got f32/);
});

test("transforms: RandomRotation draws its angle from the range; Compose chains; bad transforms are refused", () => {
  const x = randn([1, 6, 6]);
  manualSeed(9);
  const r = new RandomRotation([90, 90]).apply(x);
  assert.deepEqual(arr(r), arr(rotate(x, 90)));
  manualSeed(9);
  const spun = new RandomRotation(30, { interpolation: "bilinear" }).apply(x);
  manualSeed(9);
  const angle = -30 + (rand([1]).toArray() as Float32Array)[0] * 60; // the one draw RandomRotation makes
  assert.deepEqual(arr(spun), arr(rotate(x, angle, "bilinear")));
  assert.deepEqual(spun.shape, [1, 6, 6]);
  const composed = new Compose([new RandomCrop(4), (img: Tensor) => img.mul(2), new Normalize(0, 2)]);
  manualSeed(4);
  const c1 = composed.apply(x);
  manualSeed(4);
  const c2 = new Normalize(0, 2).apply(new RandomCrop(4).apply(x).mul(2));
  assert.deepEqual(arr(c1), arr(c2));
  assert.throws(
    () => new Compose([42 as never]),
    /Compose: transforms\[0\]: a transform must be an object with apply\(image\)/,
  );
  assert.throws(() => new RandomRotation(-5), /invalid degrees -5/);
  assert.throws(
    () => new RandomRotation(10, { interpolation: "bicubic" as never }),
    /invalid interpolation string "bicubic"/,
  );
});

test("transforms: MNIST's transform option applies to get() and to batches, in sample order", () => {
  const augment = new Compose([new RandomCrop(28, { padding: 2 }), new RandomHorizontalFlip()]);
  const plain = MNIST.npmDigits(false);
  const ds = MNIST.npmDigits(false, { transform: augment });
  manualSeed(21);
  const one = ds.get(7)[0];
  manualSeed(21);
  assert.deepEqual(arr(one), arr(augment.apply(plain.get(7)[0])));
  manualSeed(22);
  const [batch, labels] = ds.getBatch(Int32Array.of(3, 1, 4));
  manualSeed(22);
  const expected = [3, 1, 4].flatMap((i) => arr(augment.apply(plain.get(i)[0])));
  assert.deepEqual(batch.shape, [3, 1, 28, 28]);
  assert.deepEqual(arr(batch), expected);
  assert.deepEqual(Array.from(labels.toArray() as Int32Array), [3, 1, 4].map((i) => plain.get(i)[1].item()));
  const loader = new DataLoader(ds, 16, true, { seed: 1 });
  for (const [x] of loader) {
    assert.deepEqual(x.shape.slice(1), [1, 28, 28]);
    break;
  }
  assert.throws(
    () => MNIST.npmDigits(true, { transform: 3 as never }),
    /MNIST.npmDigits: transform: a transform must be/,
  );
  assert.throws(
    () => MNIST.npmDigits(true, { transfrom: augment } as never),
    /unknown option "transfrom" \(did you mean "transform"\?\)/,
  );
});

test(`transforms: the same seed gives byte-identical augmentations on Deno and Bun (this is ${runtime})`, () => {
  const mine = augmentedBytes();
  const probe = fileURLToPath(new URL("./transforms_probe.ts", import.meta.url));
  const other = runtime === "deno"
    ? execFileSync(fileURLToPath(new URL("../../node_modules/@oven/bun-linux-x64/bin/bun", import.meta.url)), [probe], {
      encoding: "utf8",
    })
    : execFileSync(
      fileURLToPath(new URL("../../node_modules/@deno/linux-x64-glibc/deno", import.meta.url)),
      ["run", "--allow-all", "--no-check", probe],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
  assert.equal(other.trim(), mine, "hex of the augmented batch on the other runtime");
  assert.ok(mine.length > 1000);
});
