/**
 * Neural-network building blocks.
 * @module
 */
export { Module } from "./module.ts";
export type { LoadStateDictOptions, LoadStateDictResult, StateDict } from "./module.ts";
export { Parameter } from "./parameter.ts";
export { Sequential } from "./sequential.ts";
export type { ModuleClass } from "./sequential.ts";
export { ModuleDict, ModuleList } from "./containers.ts";
export { Linear } from "./linear.ts";
export { Flatten, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from "./activation.ts";
export { Dropout, dropout } from "./dropout.ts";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  HuberLoss,
  L1Loss,
  Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from "./loss.ts";
export type { CrossEntropyOptions, NLLOptions, Reduction } from "./loss.ts";
export { biasDefault_, fans, kaimingUniformDefault_, uniform_ } from "./init.ts";
export { BatchNorm1d, BatchNorm2d, LayerNorm } from "./normalization.ts";
export type { BatchNorm, BatchNormOptions } from "./normalization.ts";
export { AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d } from "./conv.ts";
export type { Conv2dOptions, Pool2d } from "./conv.ts";
export { Embedding } from "./embedding.ts";
export { MultiheadAttention } from "./attention.ts";
export type { AttentionOptions, MultiheadAttentionOptions } from "./attention.ts";
export { Conv1d, ConvTranspose2d } from "./conv_extra.ts";
export type { Conv1dOptions, ConvTranspose2dOptions } from "./conv_extra.ts";
export { Upsample } from "./upsample.ts";
// Sequence layers (issue 15): recurrent layers and Transformer blocks.
export { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase } from "./rnn.ts";
export type { ElmanRNNOptions, LSTMOptions, RNNOptions, Weights as RNNWeights } from "./rnn.ts";
export {
  generateSquareSubsequentMask,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "./transformer.ts";
export type {
  DecoderForwardOptions,
  EncoderForwardOptions,
  EncoderLayerForwardOptions,
  TransformerActivation,
  TransformerForwardOptions,
  TransformerLayerOptions,
  TransformerOptions,
} from "./transformer.ts";
