/**
 * Linear, convolution and pooling functions of `F` (PyTorch's argument order).
 * @module
 */
export { linear } from "../../ops/matmul.ts";
export { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d } from "../../ops/conv.ts";
export { conv1d, convTranspose2d } from "../../ops/conv_transpose.ts";
