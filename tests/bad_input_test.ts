/**
 * The standing bad-input suite: public constructors and functions of mod.ts called with wrong
 * types, wrong arity, NaN/Infinity, negative and non-integer sizes and unknown option keys. Each
 * case must throw an Error whose message names the API and the argument — never return, never
 * crash with an engine error ("x is not a function", "Cannot read properties of undefined").
 *
 * Left out (another change owns them): tensor()'s `shape` option, i32 ranges and integer sums,
 * in-place writes into overlapping memory, CrossEntropyLoss/NLLLoss `ignoreIndex` range, the
 * public `Tensor` constructor.
 */
import { assert, test } from "./harness.ts";
import * as ax from "../mod.ts";
import type { Tensor } from "../mod.ts";

/** One bad call: `api` and `arg` must both appear in the error's message. */
interface Case {
  api: string;
  arg: string;
  call: () => unknown;
}

const cases: Case[] = [];
/** Adds a case; `arg` is the name the message must contain (a regex source is allowed via `re:`). */
function bad(api: string, arg: string, call: () => unknown): void {
  cases.push({ api, arg, call });
}

// deno-lint-ignore no-explicit-any
type Any = any;
const x = () => ax.zeros([2, 3]);
const x4 = () => ax.zeros([1, 1, 4, 4]);
const params = () => [new ax.Parameter(ax.zeros([3]))];
const sgd = () => new ax.SGD(params(), 0.1).momentum(0.9);
const model = () => new ax.Sequential(new ax.Linear(2, 2));
const ctor = (C: Any, ...args: Any[]) => () => new C(...args);

// ---- creation -------------------------------------------------------------------------------
for (const f of ["zeros", "ones", "rand", "randn"] as const) {
  bad(f, "shape", () => (ax[f] as Any)([2, -1]));
  bad(f, "shape", () => (ax[f] as Any)([2, 1.5]));
  bad(f, "shape", () => (ax[f] as Any)([NaN]));
  bad(f, "shape", () => (ax[f] as Any)([Infinity]));
  bad(f, "size", () => (ax[f] as Any)(3, "4", {}));
  bad(f, "size", () => (ax[f] as Any)());
  bad(f, "dtype", () => (ax[f] as Any)([2], { dtype: "float32" }));
  bad(f, "dtype", () => (ax[f] as Any)([2], { dtype: 5 }));
  bad(f, "dtype", () => (ax[f] as Any)([2], { dtpye: "f32" }));
  bad(f, "options", () => (ax[f] as Any)([2], "f32"));
}
bad("full", "shape", () => (ax.full as Any)([-2], 1));
bad("full", "value", () => (ax.full as Any)([2], "1"));
bad("full", "value", () => (ax.full as Any)([2]));
bad("full", "value", () => (ax.full as Any)(2));
bad("full", "size", () => (ax.full as Any)(2, "3", 1, {}));
bad("full", "dtype", () => (ax.full as Any)([2], 1, { dtype: "int" }));
bad("full", "options", () => (ax.full as Any)([2], 1, "f32"));
bad("full", "dtype", () => (ax.full as Any)([2], 1, { type: "f32" }));
for (const f of ["zerosLike", "onesLike"] as const) {
  bad(f, "like", () => (ax[f] as Any)([1, 2]));
  bad(f, "like", () => (ax[f] as Any)());
  bad(f, "dtype", () => (ax[f] as Any)(x(), { dtype: "double" }));
  bad(f, "dtype", () => (ax[f] as Any)(x(), { dtypes: "f32" }));
}
bad("fullLike", "like", () => (ax.fullLike as Any)(null, 1));
bad("fullLike", "value", () => (ax.fullLike as Any)(x(), null));
bad("fullLike", "dtype", () => (ax.fullLike as Any)(x(), 1, { d: "f32" }));
bad("arange", "end", () => ax.arange(NaN));
bad("arange", "end", () => ax.arange(0, Infinity));
bad("arange", "step", () => ax.arange(0, 5, NaN));
bad("arange", "end", () => (ax.arange as Any)("5"));
bad("arange", "start", () => (ax.arange as Any)(NaN, 5));
bad("arange", "step", () => ax.arange(0, 5, 0));
bad("arange", "step", () => ax.arange(0, 5, -1));
bad("arange", "dtype", () => (ax.arange as Any)(0, 5, 1, { dtype: "x" }));
bad("arange", "dtype", () => (ax.arange as Any)(0, 5, 1, { dtyp: "f32" }));
bad("eye", "n", () => ax.eye(-1));
bad("eye", "n", () => ax.eye(2.5));
bad("eye", "n", () => (ax.eye as Any)());
bad("eye", "m", () => ax.eye(2, NaN));
bad("eye", "dtype", () => (ax.eye as Any)(2, 2, { size: 2 }));
bad("tensor", "dtype", () => (ax.tensor as Any)([1, 2], { dtype: "float" }));
bad("tensor", "dtype", () => (ax.tensor as Any)([1, 2], { dtpye: "f32" }));
bad("tensor", "options", () => (ax.tensor as Any)([1, 2], "f32"));
bad("tensor", "elements", () => (ax.tensor as Any)(["a", "b"]));
bad("tensor", "ragged", () => (ax.tensor as Any)([[1, 2], [3]]));

// ---- random ---------------------------------------------------------------------------------
bad("uniform", "low", () => ax.uniform([2], NaN, 1));
bad("uniform", "high", () => (ax.uniform as Any)([2], 0, "1"));
bad("uniform", "low", () => ax.uniform([2], 2, 1));
bad("uniform", "dtype", () => (ax.uniform as Any)([2], 0, 1, { dtype: "i32" }));
bad("normal", "std", () => ax.normal([2], 0, -1));
bad("normal", "mean", () => ax.normal([2], Infinity, 1));
bad("normal", "std", () => ax.normal([2], 0, NaN));
bad("normal", "dtype", () => (ax.normal as Any)([2], 0, 1, { dtype: "u8" }));
bad("bernoulli", "p", () => ax.bernoulli([2], 1.5));
bad("bernoulli", "p", () => ax.bernoulli([2], NaN));
bad("bernoulli", "p", () => (ax.bernoulli as Any)([2]));
bad("bernoulli", "shape", () => ax.bernoulli([-2], 0.5));
bad("rand", "dtype", () => (ax.rand as Any)([2], { dtype: "i32" }));
bad("manualSeed", "seed", () => ax.manualSeed(1.5));
bad("manualSeed", "seed", () => (ax.manualSeed as Any)("1"));
bad("manualSeed", "seed", () => (ax.manualSeed as Any)());
bad("setRngState", "state", () => (ax.setRngState as Any)(5));
bad("setRngState", "state", () => (ax.setRngState as Any)({ seed: 1, counter: 0 }));

// ---- functional ops -------------------------------------------------------------------------
bad("matmul", "a", () => (ax.matmul as Any)([1], x()));
bad("matmul", "b", () => (ax.matmul as Any)(x(), 2));
bad("linear", "weight", () => (ax.linear as Any)(x(), [1]));
bad("linear", "bias", () => (ax.linear as Any)(x(), ax.zeros([4, 3]), 5));
bad("cat", "tensors", () => (ax.cat as Any)(x()));
bad("cat", "tensors", () => (ax.cat as Any)([x(), 5]));
bad("cat", "dim", () => ax.cat([x(), x()], 1.5));
bad("stack", "tensors", () => (ax.stack as Any)(5));
bad("stack", "dim", () => ax.stack([x(), x()], NaN));
bad("clamp", "min", () => (ax.clamp as Any)(x(), "0"));
bad("clamp", "max", () => ax.clamp(x(), 0, NaN));
bad("clamp", "x", () => (ax.clamp as Any)(5, 0, 1));
bad("where", "condition", () => (ax.where as Any)(true, x(), x()));
bad("softmax", "dim", () => ax.softmax(x(), 1.5));
bad("softmax", "dim", () => (ax.softmax as Any)(x()));
bad("logSoftmax", "dim", () => ax.logSoftmax(x(), 5));
bad("logSoftmax", "x", () => (ax.logSoftmax as Any)([1, 2], 0));
bad("indexSelect", "dim", () => ax.indexSelect(x(), 2.5, ax.tensor([0])));
bad("indexSelect", "index", () => (ax.indexSelect as Any)(x(), 0, [0]));
bad("gather", "index", () => (ax.gather as Any)(x(), 0, 5));
bad("gather", "dim", () => ax.gather(x(), NaN, ax.zeros([2, 3], { dtype: "i32" })));
bad("conv2d", "weight", () => (ax.conv2d as Any)(x4(), 5));
bad("conv2d", "stride", () => ax.conv2d(x4(), ax.zeros([1, 1, 3, 3]), null, 0));
bad("conv2d", "padding", () => ax.conv2d(x4(), ax.zeros([1, 1, 3, 3]), null, 1, -1));
bad("conv2d", "dilation", () => ax.conv2d(x4(), ax.zeros([1, 1, 3, 3]), null, 1, 0, 1.5));
bad("conv2d", "groups", () => ax.conv2d(x4(), ax.zeros([1, 1, 3, 3]), null, 1, 0, 1, 0));
bad("conv2d", "bias", () => (ax.conv2d as Any)(x4(), ax.zeros([1, 1, 3, 3]), 5));
bad("maxPool2d", "kernel", () => ax.maxPool2d(x4(), 0));
bad("maxPool2d", "stride", () => ax.maxPool2d(x4(), 2, { stride: NaN }));
bad("maxPool2d", "strides", () => (ax.maxPool2d as Any)(x4(), 2, { strides: 2 }));
bad("maxPool2d", "options", () => (ax.maxPool2d as Any)(x4(), 2, 2));
bad("maxPool2d", "input", () => (ax.maxPool2d as Any)([1], 2));
bad("avgPool2d", "ceilMode", () => (ax.avgPool2d as Any)(x4(), 2, { ceilMode: 1 }));
bad("avgPool2d", "divisorOverride", () => ax.avgPool2d(x4(), 2, { divisorOverride: 0 }));
bad("avgPool2d", "count_include_pad", () => (ax.avgPool2d as Any)(x4(), 2, { count_include_pad: false }));
bad("adaptiveAvgPool2d", "outputSize", () => ax.adaptiveAvgPool2d(x4(), 0));
bad("adaptiveAvgPool2d", "outputSize", () => (ax.adaptiveAvgPool2d as Any)(x4(), "2"));

// ---- autograd -------------------------------------------------------------------------------
bad("Variable", "data", () => new (ax.Variable as Any)([1, 2, 3]));
bad("Variable", "data", () => new (ax.Variable as Any)());
bad("Variable", "requiresGrad", () => new (ax.Variable as Any)(x(), "yes"));
bad("noGrad", "fn", () => (ax.noGrad as Any)(5));
bad("enableGrad", "fn", () => (ax.enableGrad as Any)());
bad("backward", "retainGraph", () => ax.zeros([1]).requiresGrad_().sum().backward(null, { retain_graph: true } as Any));
bad("backward", "retainGraph", () => ax.zeros([1]).requiresGrad_().sum().backward(null, { retainGraph: 1 } as Any));
bad("backward", "gradient", () => ax.zeros([1]).requiresGrad_().sum().backward(5 as Any));
bad("checkpoint", "fn", () => (ax.checkpoint as Any)(5, x()));
bad("checkpoint", "input", () => (ax.checkpoint as Any)((t: Tensor) => t, [1]));
bad("checkpointSequential", "numLayers", () => ax.checkpointSequential(1.5, 1, x(), (_i, t) => t));
bad("checkpointSequential", "segments", () => ax.checkpointSequential(2, 3, x(), (_i, t) => t));
bad("checkpointSequential", "layer", () => (ax.checkpointSequential as Any)(2, 1, x()));
bad("autocast", "dtype", () => ax.autocast("f32" as Any, () => 0));
bad("autocast", "fn", () => (ax.autocast as Any)("bf16"));
bad("autocast", "enabled", () => ax.autocast("bf16", () => 0, { enable: false } as Any));
bad("autocast", "enabled", () => ax.autocast("bf16", () => 0, { enabled: "no" } as Any));
bad("autocast", "options", () => (ax.autocast as Any)("bf16", () => 0, false));
bad("AutocastGuard", "enabled", () => new ax.AutocastGuard("bf16", { enable: true } as Any));
bad("AutocastGuard", "dtype", () => new ax.AutocastGuard("i32" as Any));

// ---- layers ---------------------------------------------------------------------------------
bad("Linear", "inFeatures", ctor(ax.Linear, -1, 2));
bad("Linear", "inFeatures", ctor(ax.Linear, 2.5, 2));
bad("Linear", "outFeatures", ctor(ax.Linear, 2, NaN));
bad("Linear", "outFeatures", ctor(ax.Linear, 2, Infinity));
bad("Linear", "inFeatures", ctor(ax.Linear, "2", 2));
bad("Linear", "inFeatures", ctor(ax.Linear));
bad("Linear", "bias", ctor(ax.Linear, 2, 2, { bias: false }));
bad("Conv2d", "inChannels", ctor(ax.Conv2d, 0, 2, 3));
bad("Conv2d", "outChannels", ctor(ax.Conv2d, 1, 2.5, 3));
bad("Conv2d", "kernelSize", ctor(ax.Conv2d, 1, 2, 0));
bad("Conv2d", "kernelSize", ctor(ax.Conv2d, 1, 2));
bad("Conv2d", "kernelSize", ctor(ax.Conv2d, 1, 2, [3, 3, 3]));
bad("Conv2d", "stride", ctor(ax.Conv2d, 1, 2, 3, { stride: -1 }));
bad("Conv2d", "padding", ctor(ax.Conv2d, 1, 2, 3, { padding: 0.5 }));
bad("Conv2d", "groups", ctor(ax.Conv2d, 2, 2, 3, { groups: 0 }));
bad("Conv2d", "bias", ctor(ax.Conv2d, 1, 2, 3, { bias: "no" }));
bad("Conv2d", "padding_mode", ctor(ax.Conv2d, 1, 2, 3, { padding_mode: "zeros" }));
bad("Conv2d", "options", ctor(ax.Conv2d, 1, 2, 3, 1));
bad("MaxPool2d", "kernelSize", ctor(ax.MaxPool2d, 0));
bad("MaxPool2d", "kernelSize", ctor(ax.MaxPool2d));
bad("MaxPool2d", "stride", ctor(ax.MaxPool2d, 2, { stride: 0 }));
bad("MaxPool2d", "kernel_size", ctor(ax.MaxPool2d, 2, { kernel_size: 2 }));
bad("MaxPool2d", "options", ctor(ax.MaxPool2d, 2, 2));
bad("AvgPool2d", "padding", ctor(ax.AvgPool2d, 2, { padding: -1 }));
bad("AdaptiveAvgPool2d", "outputSize", ctor(ax.AdaptiveAvgPool2d, -1));
bad("BatchNorm1d", "numFeatures", ctor(ax.BatchNorm1d, 0));
bad("BatchNorm2d", "numFeatures", ctor(ax.BatchNorm2d, 2.5));
bad("BatchNorm2d", "numFeatures", ctor(ax.BatchNorm2d));
bad("BatchNorm2d", "eps", ctor(ax.BatchNorm2d, 3, { eps: -1 }));
bad("BatchNorm2d", "eps", ctor(ax.BatchNorm2d, 3, { eps: NaN }));
bad("BatchNorm2d", "momentum", ctor(ax.BatchNorm2d, 3, { momentum: 2 }));
bad("BatchNorm2d", "momentum", ctor(ax.BatchNorm2d, 3, { momentum: "0.1" }));
bad("BatchNorm2d", "affine", ctor(ax.BatchNorm2d, 3, { affine: 0 }));
bad("BatchNorm2d", "track_running_stats", ctor(ax.BatchNorm2d, 3, { track_running_stats: false }));
bad("BatchNorm2d", "options", ctor(ax.BatchNorm2d, 3, 1e-5));
bad("LayerNorm", "normalizedShape", ctor(ax.LayerNorm, -3));
bad("LayerNorm", "normalizedShape", ctor(ax.LayerNorm, [2, 0.5]));
bad("LayerNorm", "normalizedShape", ctor(ax.LayerNorm));
bad("LayerNorm", "eps", ctor(ax.LayerNorm, 3, { eps: Infinity }));
bad("LayerNorm", "elementwiseAffine", ctor(ax.LayerNorm, 3, { elementwiseAffine: "yes" }));
bad("LayerNorm", "elementwise_affine", ctor(ax.LayerNorm, 3, { elementwise_affine: false }));
bad("LayerNorm", "options", ctor(ax.LayerNorm, 3, 1e-5));
bad("Embedding", "numEmbeddings", ctor(ax.Embedding, 0, 4));
bad("Embedding", "embeddingDim", ctor(ax.Embedding, 10, 2.5));
bad("Embedding", "embeddingDim", ctor(ax.Embedding, 10));
bad("Embedding", "paddingIdx", ctor(ax.Embedding, 10, 4, { paddingIdx: 10 }));
bad("Embedding", "paddingIdx", ctor(ax.Embedding, 10, 4, { paddingIdx: 1.5 }));
bad("Embedding", "padding_idx", ctor(ax.Embedding, 10, 4, { padding_idx: 0 }));
bad("Embedding", "options", ctor(ax.Embedding, 10, 4, 0));
bad("MultiheadAttention", "embedDim", ctor(ax.MultiheadAttention, -4, 2));
bad("MultiheadAttention", "numHeads", ctor(ax.MultiheadAttention, 4, 0));
bad("MultiheadAttention", "numHeads", ctor(ax.MultiheadAttention, 4, 3));
bad("MultiheadAttention", "dropout", ctor(ax.MultiheadAttention, 4, 2, { dropout: 1.5 }));
bad("MultiheadAttention", "bias", ctor(ax.MultiheadAttention, 4, 2, { bias: 1 }));
bad("MultiheadAttention", "batch_first", ctor(ax.MultiheadAttention, 4, 2, { batch_first: true }));
bad("MultiheadAttention", "options", ctor(ax.MultiheadAttention, 4, 2, 0.1));
bad("MultiheadAttention.forward", "query", () => new ax.MultiheadAttention(4, 2).forward([1] as Any));
bad(
  "MultiheadAttention.forward",
  "key",
  () => new ax.MultiheadAttention(4, 2).forward(ax.zeros([1, 2, 4]), { isCausal: true } as Any),
);
bad("MultiheadAttention.forward", "is_causal", () => {
  const q = ax.zeros([1, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forward(q, q, q, { is_causal: true } as Any);
});
bad("MultiheadAttention", "kdim", ctor(ax.MultiheadAttention, 4, 2, { kdim: 0 }));
bad("MultiheadAttention", "vdim", ctor(ax.MultiheadAttention, 4, 2, { vdim: 2.5 }));
bad("MultiheadAttention", "batchFirst", ctor(ax.MultiheadAttention, 4, 2, { batchFirst: "yes" }));
bad("MultiheadAttention", "attnMask", () => {
  const q = ax.zeros([3, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forward(q, q, q, { attnMask: ax.zeros([2, 2]) });
});
bad("MultiheadAttention", "attnMask", () => {
  const q = ax.zeros([3, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forward(q, q, q, { attnMask: ax.zeros([3, 3], { dtype: "i32" }) });
});
bad("MultiheadAttention", "keyPaddingMask", () => {
  const q = ax.zeros([3, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forward(q, q, q, { keyPaddingMask: ax.zeros([3, 2]) });
});
bad("MultiheadAttention", "key", () => {
  const q = ax.zeros([3, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forward(q, ax.zeros([3, 2, 5]));
});
bad("MultiheadAttention.forward", "needWeights", () => {
  const q = ax.zeros([3, 2, 4]);
  return new ax.MultiheadAttention(4, 2).forwardWithWeights(q, q, q, { needWeights: 0 } as Any);
});
bad("ModuleList.append", "Module", () => new ax.ModuleList().append(5 as Any));
bad("ModuleList.at", "index", () => new ax.ModuleList().at(0));
bad("ModuleList.insert", "index", () => new ax.ModuleList().insert(0.5, new ax.ReLU()));
bad("ModuleDict.set", "key", () => new ax.ModuleDict().set("a.b", new ax.ReLU()));
bad("ModuleDict.get", "keys", () => new ax.ModuleDict().get("missing"));
bad("ModuleDict", "Modules", () => new ax.ModuleDict(7 as Any));
bad("indexSelect", "index", () => ax.indexSelect(x(), 1, ax.tensor(BigInt64Array.of(3n))));
bad(
  "gather",
  "index",
  () => ax.gather(x(), 1, ax.tensor(BigInt64Array.of(-1n, 0n, 0n, 0n, 0n, 0n), { shape: [2, 3] })),
);
bad("indexSelect", "index", () => ax.indexSelect(x(), 1, ax.tensor([0.5])));
bad("Embedding", "indices", () => new ax.Embedding(3, 2).forward(ax.tensor(BigInt64Array.of(3n))));
bad("CrossEntropyLoss", "target", () => new ax.CrossEntropyLoss().forward(x(), ax.tensor(BigInt64Array.of(0n, 9n))));
bad("NLLLoss", "target", () => new ax.NLLLoss().forward(x(), ax.tensor(BigInt64Array.of(0n, -2n))));
bad("Module", "ModuleList", () => {
  class Net extends ax.Module {
    layers = [new ax.Linear(1, 1)];
    forward(t: ax.Tensor) {
      return t;
    }
  }
  return new Net().parameters();
});
bad("Module", "ModuleDict", () => {
  class Net extends ax.Module {
    heads = { a: new ax.Linear(1, 1) };
    forward(t: ax.Tensor) {
      return t;
    }
  }
  return new Net().stateDict();
});
bad("Dropout", "p", ctor(ax.Dropout, 1.5));
bad("Dropout", "p", ctor(ax.Dropout, NaN));
bad("Dropout", "p", ctor(ax.Dropout, "0.5"));
bad("dropout", "p", () => ax.dropout(x(), -0.1));
bad("dropout", "input", () => (ax.dropout as Any)([1, 2], 0.5));
bad("dropout", "training", () => (ax.dropout as Any)(x(), 0.5, "yes"));
bad("LeakyReLU", "negativeSlope", ctor(ax.LeakyReLU, NaN));
bad("LeakyReLU", "negativeSlope", ctor(ax.LeakyReLU, "0.1"));
bad("GELU", "approximate", ctor(ax.GELU, "fast"));
bad("Softmax", "dim", ctor(ax.Softmax, 1.5));
bad("LogSoftmax", "dim", ctor(ax.LogSoftmax, "1"));
bad("Flatten", "startDim", ctor(ax.Flatten, 0.5));
bad("Flatten", "endDim", ctor(ax.Flatten, 1, NaN));
bad("Parameter", "data", ctor(ax.Parameter, [1, 2]));
bad("Sequential", "modules", ctor(ax.Sequential, 5));
bad("loadStateDict", "strict", () => model().loadStateDict(model().stateDict(), { strict: "no" } as Any));
bad("loadStateDict", "stric", () => model().loadStateDict(model().stateDict(), { stric: false } as Any));
bad("loadStateDict", "options", () => model().loadStateDict(model().stateDict(), false as Any));
bad("loadStateDict", "state", () => model().loadStateDict(5 as Any));
bad("loadStateDict", "state", () => model().loadStateDict({ "0.weight": [1, 2] } as Any));

// ---- losses ---------------------------------------------------------------------------------
bad("CrossEntropyLoss", "label_smoothing", ctor(ax.CrossEntropyLoss, { label_smoothing: 0.5 }));
bad("CrossEntropyLoss", "labelSmoothing", ctor(ax.CrossEntropyLoss, { labelSmoothing: 1.5 }));
bad("CrossEntropyLoss", "labelSmoothing", ctor(ax.CrossEntropyLoss, { labelSmoothing: NaN }));
bad("CrossEntropyLoss", "reduction", ctor(ax.CrossEntropyLoss, { reduction: "avg" }));
bad("CrossEntropyLoss", "weight", ctor(ax.CrossEntropyLoss, { weight: [1, 2] }));
bad("CrossEntropyLoss", "options", ctor(ax.CrossEntropyLoss, "mean"));
bad("CrossEntropyLoss", "input", () => new ax.CrossEntropyLoss().forward([1] as Any, ax.tensor([0])));
bad("CrossEntropyLoss", "target", () => new ax.CrossEntropyLoss().forward(x(), 0 as Any));
bad("NLLLoss", "ignore_index", ctor(ax.NLLLoss, { ignore_index: 0 }));
bad("NLLLoss", "weight", ctor(ax.NLLLoss, { weight: 1 }));
bad("NLLLoss", "target", () => new ax.NLLLoss().forward(x(), [0, 1] as Any));
bad("MSELoss", "reduction", ctor(ax.MSELoss, "avg"));
bad("MSELoss", "reduction", ctor(ax.MSELoss, 1));
bad("MSELoss", "target", () => new ax.MSELoss().forward(x(), 0 as Any));
bad("L1Loss", "input", () => new ax.L1Loss().forward(null as Any, x()));
bad("L1Loss", "reduction", ctor(ax.L1Loss, "total"));
bad("SmoothL1Loss", "beta", ctor(ax.SmoothL1Loss, { beta: -1 }));
bad("SmoothL1Loss", "beta", ctor(ax.SmoothL1Loss, { beta: "1" }));
bad("SmoothL1Loss", "delta", ctor(ax.SmoothL1Loss, { delta: 1 }));
bad("HuberLoss", "delta", ctor(ax.HuberLoss, { delta: 0 }));
bad("HuberLoss", "beta", ctor(ax.HuberLoss, { beta: 1 }));
bad("HuberLoss", "options", ctor(ax.HuberLoss, 1.0));
bad("BCELoss", "pos_weight", ctor(ax.BCELoss, { pos_weight: x() }));
bad("BCELoss", "weight", ctor(ax.BCELoss, { weight: 2 }));
bad("BCEWithLogitsLoss", "posWeight", ctor(ax.BCEWithLogitsLoss, { posWeight: [1] }));
bad("BCEWithLogitsLoss", "pos_weight", ctor(ax.BCEWithLogitsLoss, { pos_weight: x() }));

// ---- optimizers -----------------------------------------------------------------------------
for (
  const [name, C] of [["SGD", ax.SGD], ["Adam", ax.Adam], ["AdamW", ax.AdamW], ["LAMB", ax.LAMB], [
    "RMSprop",
    ax.RMSprop,
  ], ["Adagrad", ax.Adagrad]] as const
) {
  bad(name, "model.parameters\\(\\)", () => new (C as Any)(model(), 0.1));
  bad(name, "params", () => new (C as Any)(5, 0.1));
  bad(name, "params", () => new (C as Any)(undefined, 0.1));
  bad(name, "lr", () => new (C as Any)(params(), NaN));
  bad(name, "lr", () => new (C as Any)(params(), -1));
  bad(name, "lr", () => new (C as Any)(params(), "0.1"));
  bad(name, "lr", () => new (C as Any)(params(), { lr: 0.1 }));
  bad(name, "momentun", () => new (C as Any)([{ params: params(), momentun: 0.9 }], 0.1));
  bad(name, "weight_decay", () => new (C as Any)([{ params: params(), weight_decay: 0.1 }], 0.1));
  bad(name, "lr", () => new (C as Any)([{ params: params(), lr: Infinity }], 0.1));
  bad(name, "params", () => new (C as Any)([{ params: 5 }], 0.1));
  bad(name, "params", () => new (C as Any)([{ lr: 0.1 }], 0.1));
  bad(name, "maximize", () => new (C as Any)([{ params: params(), maximize: "yes" }], 0.1));
  bad(name, "weightDecay", () => new (C as Any)(params(), 0.1).weightDecay(NaN));
  bad(name, "maximize", () => new (C as Any)(params(), 0.1).maximize(1));
}
bad("SGD", "momentum", () => new ax.SGD(params(), 0.1).momentum(-1));
bad("SGD", "momentum", () => new ax.SGD([{ params: params(), momentum: "0.9" as Any }], 0.1));
bad("SGD", "dampening", () => new ax.SGD([{ params: params(), dampening: NaN }], 0.1));
bad("SGD", "nesterov", () => new ax.SGD(params(), 0.1).nesterov("yes" as Any));
bad("SGD", "betas", () => new ax.SGD([{ params: params(), betas: [0.9, 0.99] }], 0.1));
bad("Adam", "beta1", () => new ax.Adam(params(), 0.1).betas(1, 0.999));
bad("Adam", "beta2", () => new ax.Adam(params(), 0.1).betas(0.9, NaN));
bad("Adam", "betas", () => new ax.Adam([{ params: params(), betas: 0.9 as Any }], 0.1));
bad("Adam", "amsgrad", () => new ax.Adam(params(), 0.1).amsgrad(0 as Any));
bad("Adam", "momentum", () => new ax.Adam([{ params: params(), momentum: 0.9 }], 0.1));
bad("AdamW", "eps", () => new ax.AdamW(params(), 0.1).eps(-1));
bad("LAMB", "biasCorrection", () => new ax.LAMB(params(), 0.1).biasCorrection("no" as Any));
bad("RMSprop", "alpha", () => new ax.RMSprop(params(), 0.1).alpha(NaN));
bad("RMSprop", "centered", () => new ax.RMSprop(params(), 0.1).centered(1 as Any));
bad("Adagrad", "lrDecay", () => new ax.Adagrad(params(), 0.1).lrDecay(-1));
bad(
  "Adagrad",
  "initialAccumulatorValue",
  () => new ax.Adagrad([{ params: params(), initialAccumulatorValue: -1 }], 0.1),
);
bad("SGD.setLr", "lr", () => sgd().setLr(NaN));
bad("Mine", "beta", () => ax.checkHyper("Mine", "beta", NaN, 0));
bad("clipGradNorm", "maxNorm", () => ax.clipGradNorm(params(), NaN));
bad("clipGradNorm", "maxNorm", () => ax.clipGradNorm(params(), -1));
bad("clipGradNorm", "maxNorm", () => (ax.clipGradNorm as Any)(params()));
bad("clipGradNorm", "normType", () => ax.clipGradNorm(params(), 1, 0));
bad("clipGradNorm", "normType", () => (ax.clipGradNorm as Any)(params(), 1, "inf"));
bad("clipGradNorm", "error_if_nonfinite", () => ax.clipGradNorm(params(), 1, 2, { error_if_nonfinite: true } as Any));
bad("clipGradNorm", "errorIfNonfinite", () => ax.clipGradNorm(params(), 1, 2, { errorIfNonfinite: 1 } as Any));
bad("clipGradNorm", "options", () => (ax.clipGradNorm as Any)(params(), 1, 2, true));
bad("clipGradNorm", "params", () => (ax.clipGradNorm as Any)(5, 1));
bad("clipGradNorm", "model.parameters\\(\\)", () => (ax.clipGradNorm as Any)(model(), 1));
bad("clipGradValue", "clipValue", () => ax.clipGradValue(params(), NaN));
bad("clipGradValue", "clipValue", () => (ax.clipGradValue as Any)(params()));
bad("clipGradValue", "params", () => (ax.clipGradValue as Any)(null, 1));
bad("GradScaler", "init_scale", ctor(ax.GradScaler, { init_scale: 1024 }));
bad("GradScaler", "initScale", ctor(ax.GradScaler, { initScale: -1 }));
bad("GradScaler", "initScale", ctor(ax.GradScaler, { initScale: "1024" }));
bad("GradScaler", "growthFactor", ctor(ax.GradScaler, { growthFactor: NaN }));
bad("GradScaler", "backoffFactor", ctor(ax.GradScaler, { backoffFactor: 2 }));
bad("GradScaler", "growthInterval", ctor(ax.GradScaler, { growthInterval: 1.5 }));
bad("GradScaler", "enabled", ctor(ax.GradScaler, { enabled: "false" }));
bad("GradScaler", "options", ctor(ax.GradScaler, 65536));

// ---- schedulers -----------------------------------------------------------------------------
bad("LinearLR", "totalIter", () => new ax.LinearLR(sgd(), { totalIter: 50 } as Any));
bad("LinearLR", "start_factor", () => new ax.LinearLR(sgd(), { start_factor: 0.5 } as Any));
bad("LinearLR", "startFactor", () => new (ax.LinearLR as Any)(sgd(), 0.01, 1.0, 50));
bad("LinearLR", "options", () => new (ax.LinearLR as Any)(sgd(), 0.5));
bad("LinearLR", "startFactor", () => new ax.LinearLR(sgd(), { startFactor: NaN }));
bad("LinearLR", "startFactor", () => new ax.LinearLR(sgd(), { startFactor: 0 }));
bad("LinearLR", "endFactor", () => new ax.LinearLR(sgd(), { endFactor: 1.5 }));
bad("LinearLR", "totalIters", () => new ax.LinearLR(sgd(), { totalIters: 2.5 }));
bad("LinearLR", "totalIters", () => new ax.LinearLR(sgd(), { totalIters: "5" as Any }));
bad("LinearLR", "optimizer", () => new (ax.LinearLR as Any)(model()));
bad("StepLR", "stepSize", () => new (ax.StepLR as Any)(sgd()));
bad("StepLR", "stepSize", () => new ax.StepLR(sgd(), 0));
bad("StepLR", "stepSize", () => new ax.StepLR(sgd(), 1.5));
bad("StepLR", "stepSize", () => new (ax.StepLR as Any)(sgd(), { stepSize: 30 }));
bad("StepLR", "gamma", () => new ax.StepLR(sgd(), 10, NaN));
bad("StepLR", "gamma", () => new (ax.StepLR as Any)(sgd(), 10, "0.1"));
bad("StepLR", "optimizer", () => new (ax.StepLR as Any)(null, 10));
bad("MultiStepLR", "milestones", () => new (ax.MultiStepLR as Any)(sgd(), 10));
bad("MultiStepLR", "milestones", () => new ax.MultiStepLR(sgd(), [10, 2.5]));
bad("MultiStepLR", "milestones", () => new ax.MultiStepLR(sgd(), [-1]));
bad("MultiStepLR", "gamma", () => new ax.MultiStepLR(sgd(), [10], Infinity));
bad("ExponentialLR", "gamma", () => new (ax.ExponentialLR as Any)(sgd()));
bad("ExponentialLR", "gamma", () => new ax.ExponentialLR(sgd(), NaN));
bad("ExponentialLR", "gamma", () => new (ax.ExponentialLR as Any)(sgd(), { gamma: 0.9 }));
bad("CosineAnnealingLR", "tMax", () => new ax.CosineAnnealingLR(sgd(), 2.5));
bad("CosineAnnealingLR", "tMax", () => new (ax.CosineAnnealingLR as Any)(sgd(), { tMax: 10 }));
bad("CosineAnnealingLR", "etaMin", () => new ax.CosineAnnealingLR(sgd(), 10, NaN));
bad("CosineAnnealingLR", "etaMin", () => new ax.CosineAnnealingLR(sgd(), 10, -1));
bad("WarmupLR", "warmupSteps", () => new ax.WarmupLR(sgd(), -5));
bad("WarmupLR", "warmupSteps", () => new (ax.WarmupLR as Any)(sgd()));
bad("LambdaLR", "lrLambda", () => new (ax.LambdaLR as Any)(sgd(), 0.5));
bad("LambdaLR", "lrLambda", () => new (ax.LambdaLR as Any)(sgd()));
bad("OneCycleLR", "total_steps", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, total_steps: 10 } as Any));
bad("OneCycleLR", "maxLr", () => new ax.OneCycleLR(sgd(), NaN, { totalSteps: 10 }));
bad("OneCycleLR", "maxLr", () => new (ax.OneCycleLR as Any)(sgd(), "0.1", { totalSteps: 10 }));
bad("OneCycleLR", "totalSteps", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 0 }));
bad("OneCycleLR", "totalSteps", () => new (ax.OneCycleLR as Any)(sgd(), 0.1));
bad("OneCycleLR", "epochs", () => new ax.OneCycleLR(sgd(), 0.1, 2.5, 10));
bad("OneCycleLR", "stepsPerEpoch", () => new ax.OneCycleLR(sgd(), 0.1, 2, -10));
bad("OneCycleLR", "pctStart", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, pctStart: 1 }));
bad(
  "OneCycleLR",
  "annealStrategy",
  () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, annealStrategy: "cosine" as Any }),
);
bad("OneCycleLR", "cycleMomentum", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, cycleMomentum: "no" as Any }));
bad("OneCycleLR", "threePhase", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, threePhase: 1 as Any }));
bad("OneCycleLR", "divFactor", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, divFactor: NaN }));
bad("OneCycleLR", "baseMomentum", () => new ax.OneCycleLR(sgd(), 0.1, { totalSteps: 10, baseMomentum: -1 }));
bad("OneCycleLR", "totalSteps", () => new (ax.OneCycleLR as Any)(sgd(), 0.1, { totalSteps: 10 }, 5));
bad("SequentialLR", "schedulers", () => new (ax.SequentialLR as Any)(sgd(), 5, [1]));
bad("SequentialLR", "milestones", () => {
  const o = sgd();
  return new (ax.SequentialLR as Any)(o, [new ax.StepLR(o, 1), new ax.StepLR(o, 1)], 3);
});
bad("SequentialLR", "milestones", () => {
  const o = sgd();
  return new ax.SequentialLR(o, [new ax.StepLR(o, 1), new ax.StepLR(o, 1)], [1.5]);
});
bad("ReduceLROnPlateau", "options", () => new (ax.ReduceLROnPlateau as Any)(sgd(), "max"));
bad("ReduceLROnPlateau", "threshold_mode", () => new ax.ReduceLROnPlateau(sgd(), { threshold_mode: "abs" } as Any));
bad("ReduceLROnPlateau", "mode", () => new ax.ReduceLROnPlateau(sgd(), { mode: "maximum" as Any }));
bad("ReduceLROnPlateau", "factor", () => new ax.ReduceLROnPlateau(sgd(), { factor: 1 }));
bad("ReduceLROnPlateau", "factor", () => new ax.ReduceLROnPlateau(sgd(), { factor: NaN }));
bad("ReduceLROnPlateau", "patience", () => new ax.ReduceLROnPlateau(sgd(), { patience: 2.5 }));
bad("ReduceLROnPlateau", "cooldown", () => new ax.ReduceLROnPlateau(sgd(), { cooldown: -1 }));
bad("ReduceLROnPlateau", "minLr", () => new ax.ReduceLROnPlateau(sgd(), { minLr: [0, 0] }));
bad("ReduceLROnPlateau", "eps", () => new ax.ReduceLROnPlateau(sgd(), { eps: Infinity }));
bad("ReduceLROnPlateau", "thresholdMode", () => new ax.ReduceLROnPlateau(sgd(), { thresholdMode: "relative" as Any }));
bad("ReduceLROnPlateau", "optimizer", () => new (ax.ReduceLROnPlateau as Any)(model()));
bad("ReduceLROnPlateau.step", "metric", () => new ax.ReduceLROnPlateau(sgd()).step("0.5" as Any));
bad("ReduceLROnPlateau.step", "metric", () => new ax.ReduceLROnPlateau(sgd()).step(ax.zeros([2])));
bad("ReduceLROnPlateau.step", "metric", () => (new ax.ReduceLROnPlateau(sgd()) as Any).step());
bad("ReduceLROnPlateau.stepWithMetric", "metric", () => new ax.ReduceLROnPlateau(sgd()).stepWithMetric(null as Any));
bad("ReduceLROnPlateau.stepWithMetric", "metric", () => {
  const o = sgd();
  return (new ax.ReduceLROnPlateau(o) as Any).stepWithMetric(o);
});

// ---- model files ----------------------------------------------------------------------------
bad("saveModel", "module", () => (ax.saveModel as Any)({}, "/tmp/x.safetensors"));
bad("saveModel", "path", () => (ax.saveModel as Any)(model(), 5));
bad("saveModel", "metadata", () => (ax.saveModel as Any)(model(), "/tmp/x.safetensors", { epoch: 3 }));
bad("saveModel", "metadata", () => (ax.saveModel as Any)(model(), "/tmp/x.safetensors", "v1"));
bad("loadModel", "strict", () => (ax.loadModel as Any)(model(), "/tmp/none.safetensors", { strict: "yes" }));
bad("loadModel", "stict", () => (ax.loadModel as Any)(model(), "/tmp/none.safetensors", { stict: false }));
bad("loadModel", "options", () => (ax.loadModel as Any)(model(), "/tmp/none.safetensors", false));
bad("loadModel", "module", () => (ax.loadModel as Any)(5, "/tmp/none.safetensors"));
bad("loadModel", "path", () => (ax.loadModel as Any)(model()));
bad("saveSafetensors", "path", () => (ax.saveSafetensors as Any)(5, {}));
bad("saveSafetensors", "tensors", () => (ax.saveSafetensors as Any)("/tmp/x.safetensors", 5));
bad("serializeSafetensors", "tensors", () => (ax.serializeSafetensors as Any)({ a: [1] }));
bad("serializeSafetensors", "metadata", () => (ax.serializeSafetensors as Any)({ a: x() }, { n: 1 }));
bad("parseSafetensors", "bytes", () => (ax.parseSafetensors as Any)("abc"));
bad("loadSafetensors", "path", () => (ax.loadSafetensors as Any)(5));

// ---- data and datasets ----------------------------------------------------------------------
const ds = () => new ax.TensorDataset(ax.zeros([4, 2]), ax.zeros([4]));
bad("DataLoader", "batchSize", ctor(ax.DataLoader, ds(), 0));
bad("DataLoader", "batchSize", ctor(ax.DataLoader, ds(), 2.5));
bad("DataLoader", "batchSize", ctor(ax.DataLoader, ds(), NaN));
bad("DataLoader", "batchSize", ctor(ax.DataLoader, ds(), "32"));
bad("DataLoader", "shuffle", ctor(ax.DataLoader, ds(), 2, "yes"));
bad("DataLoader", "shuffle", ctor(ax.DataLoader, ds(), 2, { shuffle: true }));
bad("DataLoader", "drop_last", ctor(ax.DataLoader, ds(), 2, true, { drop_last: true }));
bad("DataLoader", "num_workers", ctor(ax.DataLoader, ds(), 2, true, { num_workers: 4 }));
bad("DataLoader", "dropLast", ctor(ax.DataLoader, ds(), 2, true, { dropLast: "yes" }));
bad("DataLoader", "prefetch", ctor(ax.DataLoader, ds(), 2, true, { prefetch: 1 }));
bad("DataLoader", "seed", ctor(ax.DataLoader, ds(), 2, true, { seed: 1.5 }));
bad("DataLoader", "seed", ctor(ax.DataLoader, ds(), 2, true, { seed: "1" }));
bad("DataLoader", "collate", ctor(ax.DataLoader, ds(), 2, true, { collate: 5 }));
bad("DataLoader", "options", ctor(ax.DataLoader, ds(), 2, true, true));
bad("DataLoader", "dataset", ctor(ax.DataLoader, [1, 2, 3], 2));
bad("DataLoader", "dataset", ctor(ax.DataLoader));
bad("TensorDataset", "tensors", ctor(ax.TensorDataset, ax.zeros([4]), ax.zeros([3])));
bad("TensorDataset", "tensors", ctor(ax.TensorDataset, [1, 2]));
bad("TensorDataset", "tensors", ctor(ax.TensorDataset));
bad("randomPermutation", "n", () => ax.randomPermutation(-1, 0n));
bad("randomPermutation", "n", () => ax.randomPermutation(2.5, 0n));
bad("randomPermutation", "seed", () => (ax.randomPermutation as Any)(4, 1.5));
bad("randomPermutation", "epoch", () => ax.randomPermutation(4, 0n, -1));
bad("defaultCollate", "samples", () => (ax.defaultCollate as Any)(5));
bad("defaultCollate", "samples", () => ax.defaultCollate([]));
bad("MNIST", "normalise", ctor(ax.MNIST, "/nonexistent", true, { normalise: true }));
bad("MNIST", "normalize", ctor(ax.MNIST, "/nonexistent", true, { normalize: { mean: 0.1, std: 0 } }));
bad("MNIST", "normalize", ctor(ax.MNIST, "/nonexistent", true, { normalize: { mean: 0.1, sd: 1 } }));
bad("MNIST", "options", ctor(ax.MNIST, "/nonexistent", true, true));
bad("MNIST", "train", ctor(ax.MNIST, "/nonexistent", "train"));
bad("MNIST", "root", ctor(ax.MNIST, 5));
bad("MNIST", "root", ctor(ax.MNIST));
bad("MNIST.npmDigits", "train", () => (ax.MNIST.npmDigits as Any)("test"));
bad("MNIST.npmDigits", "normalise", () => (ax.MNIST.npmDigits as Any)(true, { normalise: true }));
bad("FashionMNIST", "normalise", ctor(ax.FashionMNIST, "/nonexistent", true, { normalise: true }));
bad("FashionMNIST", "train", ctor(ax.FashionMNIST, "/nonexistent", 1));
bad("FashionMNIST", "root", ctor(ax.FashionMNIST, null));
bad("loadTrainingData", "dataset", () => ax.loadTrainingData("cifar"));
bad("loadTrainingData", "dataset", () => (ax.loadTrainingData as Any)(5));
bad("loadTrainingData", "normalise", () => (ax.loadTrainingData as Any)("mnist", "/nonexistent", { normalise: true }));
bad("loadTrainingData", "root", () => (ax.loadTrainingData as Any)("mnist", 5));
bad("readIdx", "path", () => (ax.readIdx as Any)(5, 0x803));
bad("readIdx", "expectedMagic", () => (ax.readIdx as Any)("/nonexistent", "x"));
bad("ImageClassificationDataset", "images", ctor(ax.ImageClassificationDataset, [1], ax.zeros([1]), {}));
bad("ImageClassificationDataset", "targets", ctor(ax.ImageClassificationDataset, ax.zeros([1, 1, 2, 2]), 5, {}));
bad(
  "ImageClassificationDataset",
  "info",
  ctor(ax.ImageClassificationDataset, ax.zeros([1, 1, 2, 2]), ax.zeros([1], { dtype: "i32" }), { train: true }),
);
bad(
  "ImageClassificationDataset",
  "labels",
  ctor(ax.ImageClassificationDataset, ax.zeros([1, 1, 2, 2]), ax.zeros([1], { dtype: "i32" }), { labels: [] }),
);

// ---- runtime and utilities ------------------------------------------------------------------
bad("setNumThreads", "threads", () => ax.setNumThreads(0));
bad("setNumThreads", "threads", () => ax.setNumThreads(2.5));
bad("setNumThreads", "threads", () => (ax.setNumThreads as Any)("4"));
bad("setNumThreads", "threads", () => ax.setNumThreads(NaN));
bad("ProgressBar", "total", ctor(ax.ProgressBar, -1, 1));
bad("ProgressBar", "total", ctor(ax.ProgressBar, NaN, 1));
bad("ProgressBar", "samplesPerStep", ctor(ax.ProgressBar, 10, 1.5));
bad("ProgressBar", "label", ctor(ax.ProgressBar, 10, 1, 5));
bad("uniform_", "low", () => ax.uniform_(x(), NaN, 1));
bad("uniform_", "t", () => (ax.uniform_ as Any)([1], 0, 1));
bad("biasDefault_", "fanIn", () => ax.biasDefault_(x(), -1));
bad("kaimingUniformDefault_", "weight", () => (ax.kaimingUniformDefault_ as Any)(5));
bad("fans", "shape", () => (ax.fans as Any)(5));

// ---- methods of the classes above ----------------------------------------------------------
const scaler = () => new ax.GradScaler();
bad("GradScaler.scale", "loss", () => (scaler().scale as Any)(5));
bad("GradScaler.scaleLoss", "value", () => (scaler().scaleLoss as Any)("1"));
bad("GradScaler.unscaleGrads", "grads", () => (scaler().unscaleGrads as Any)(5));
bad("GradScaler.unscale", "optimizer", () => (scaler().unscale as Any)(model()));
bad("GradScaler.step", "optimizer", () => (scaler().step as Any)(5));
bad("GradScaler.update", "newScale", () => scaler().update(NaN));
bad("GradScaler.update", "newScale", () => (scaler().update as Any)("2"));
bad("GradScaler.loadStateDict", "state", () => (scaler().loadStateDict as Any)(5));
bad("StepLR.step", "optimizer", () => (new ax.StepLR(sgd(), 1).step as Any)(5));
bad("StepLR.loadStateDict", "state", () => (new ax.StepLR(sgd(), 1).loadStateDict as Any)(5));
bad("SGD.loadStateDict", "state", () => (sgd().loadStateDict as Any)(5));
bad("SGD.loadStateDict", "state", () => (sgd().loadStateDict as Any)({ state: {} }));
bad("Module.train", "mode", () => (model().train as Any)("eval"));
bad("Module.to", "dtype", () => (model().to as Any)("float16"));
bad("Module.registerBuffer", "tensor", () => (model().registerBuffer as Any)("b", [1]));
bad("Module.registerBuffer", "name", () => (model().registerBuffer as Any)(5, ax.zeros([1])));
bad("Module.apply", "fn", () => (model().apply as Any)(5));
bad("Sequential", "index", () => model().at(1.5));
bad("Sequential", "index", () => model().at(5));
bad("TensorDataset", "index", () => ds().get(4));
bad("TensorDataset", "index", () => ds().get(1.5));

// ---- Tensor methods -------------------------------------------------------------------------
const t23 = () => ax.zeros([2, 3]);
bad("reshape", "shape", () => t23().reshape([3, 2.5]));
bad("reshape", "shape", () => t23().reshape([-2, 3]));
bad("reshape", "shape", () => t23().reshape([NaN]));
bad("reshape", "shape", () => (t23().reshape as Any)("6"));
bad("view", "shape", () => t23().view([7]));
bad("view", "shape", () => t23().view([-1, -1]));
bad("view", "shape", () => (t23().view as Any)({ shape: [6] }));
bad("expand", "shape", () => ax.zeros([1, 3]).expand([2.5, 3]));
bad("expand", "shape", () => ax.zeros([1, 3]).expand([-2, 3]));
bad("expand", "shape", () => (ax.zeros([1, 3]).expand as Any)("2"));
bad("permute", "dims", () => t23().permute(0, 0));
bad("permute", "dim", () => t23().permute(0, 1.5));
bad("permute", "dims", () => t23().permute(0));
bad("transpose", "dim", () => t23().transpose(0, 2));
bad("transpose", "dim", () => (t23().transpose as Any)(0));
bad("flatten", "dim", () => t23().flatten(0.5));
bad("movedim", "dim", () => t23().movedim(0, 5));
bad("slice", "step", () => t23().slice(1, 0, 3, 0));
bad("slice", "start", () => t23().slice(1, NaN));
bad("slice", "dim", () => t23().slice(1.5));
bad("narrow", "length", () => t23().narrow(1, 0, 4));
bad("narrow", "start", () => t23().narrow(1, -5, 1));
bad("narrow", "length", () => t23().narrow(1, 0, 1.5));
bad("narrow", "start", () => (t23().narrow as Any)(1));
bad("select", "index", () => t23().select(0, 2));
bad("select", "index", () => t23().select(0, 0.5));
bad("select", "dim", () => t23().select(2, 0));
bad("unsqueeze", "dim", () => t23().unsqueeze(3));
bad("unsqueeze", "dim", () => (t23().unsqueeze as Any)());
bad("squeeze", "dim", () => t23().squeeze(1.5));
bad("to", "dtype", () => (t23().to as Any)("float"));
bad("to", "dtype", () => (t23().to as Any)());
bad("copy_", "src", () => (t23().copy_ as Any)([1, 2, 3]));
bad("fill_", "value", () => (t23().fill_ as Any)("1"));
bad("add", "other", () => (t23().add as Any)("1"));
bad("mul", "other", () => (t23().mul as Any)([1, 2, 3]));
bad("sub", "other", () => (t23().sub as Any)());
bad("div", "other", () => (t23().div as Any)(null));
bad("pow", "exponent", () => (t23().pow as Any)("2"));
bad("sum", "dim", () => t23().sum(2));
bad("sum", "dim", () => t23().sum(0.5));
bad("sum", "keepdim", () => (t23().sum as Any)(0, "yes"));
bad("mean", "dim", () => t23().mean([0, 0]));
bad("max", "dim", () => (t23().max as Any)("0"));
bad("argmax", "dim", () => t23().argmax(5));
bad("logsumexp", "dim", () => (t23().logsumexp as Any)());
bad("maskedFill", "mask", () => (t23().maskedFill as Any)(5, 0));
// In-place ops run the out-of-place op, whose name the message carries.
bad("mul", "other", () => (t23().mul_ as Any)("2"));
bad("add", "other", () => (t23().add_ as Any)([1]));
bad("maskedFill", "value", () => (t23().maskedFill as Any)(ax.zeros([2, 3], { dtype: "u8" }), "0"));
bad("requiresGrad_", "requiresGrad", () => (t23().requiresGrad_ as Any)("yes"));
bad("size", "dim", () => t23().size(5));
bad("item", "one-element", () => t23().item());

bad("promoteTypes", "a", () => (ax.promoteTypes as Any)("float", "f32"));
bad("promoteTypes", "b", () => (ax.promoteTypes as Any)("f32", undefined));
// fromArray is tensor under the seed's name; its messages say tensor.
bad("tensor", "dtype", () => (ax.fromArray as Any)([1, 2], { dtype: "x" }));
bad("tensor", "dtpye", () => (ax.fromArray as Any)([1, 2], { dtpye: "f32" }));

// ---- sequence layers: RNN/LSTM/GRU, cells, Transformer layers (issue 15) -----------------------
for (const C of [ax.RNN, ax.LSTM, ax.GRU] as Any[]) {
  const name = C.name;
  bad(name, "inputSize", ctor(C, -1, 4));
  bad(name, "hiddenSize", ctor(C, 3, 2.5));
  bad(name, "numLayers", ctor(C, 3, 4, { numLayers: 0 }));
  bad(name, "bidirectional", ctor(C, 3, 4, { bidirectional: "yes" }));
  bad(name, "batchFirst", ctor(C, 3, 4, { batchFirst: 1 }));
  bad(name, "dropout", ctor(C, 3, 4, { dropout: NaN }));
  bad(name, "bias", ctor(C, 3, 4, { bias: null }));
  bad(name, "num_layers", ctor(C, 3, 4, { num_layers: 2 }));
  bad(name, "options", ctor(C, 3, 4, 2));
  bad(`${name}.forward`, "input", () => new C(3, 4).forward([1, 2, 3]));
  bad(`${name}.forward`, "input", () => new C(3, 4).forward(ax.zeros([5, 2, 4])));
  bad(`${name}.forward`, "input", () => new C(3, 4).forward(ax.zeros([5, 2, 3], { dtype: "i32" })));
  bad(`${name}.forward`, "no time steps", () => new C(3, 4).forward(ax.zeros([0, 2, 3])));
}
bad("LSTM", "projSize", ctor(ax.LSTM, 3, 4, { projSize: -1 }));
bad("LSTM", "projSize", ctor(ax.LSTM, 3, 4, { projSize: 4 }));
bad("RNN", "nonlinearity", ctor(ax.RNN, 3, 4, { nonlinearity: "sigmoid" }));
bad("LSTM.forward", "hx", () => new ax.LSTM(3, 4).forward(ax.zeros([5, 2, 3]), ax.zeros([1, 2, 4]) as Any));
bad("LSTM.forward", "c0", () => new ax.LSTM(3, 4).forward(ax.zeros([5, 2, 3]), [ax.zeros([1, 2, 4]), 0] as Any));
bad(
  "LSTM.forward",
  "h0",
  () => new ax.LSTM(3, 4).forward(ax.zeros([5, 2, 3]), [ax.zeros([1, 3, 4]), ax.zeros([1, 2, 4])]),
);
bad("GRU.forward", "h0", () => new ax.GRU(3, 4).forward(ax.zeros([5, 2, 3]), ax.zeros([2, 2, 4])));
bad("GRU.forward", "h0", () => new ax.GRU(3, 4).forward(ax.zeros([5, 2, 3]), "zeros" as Any));
for (const C of [ax.RNNCell, ax.LSTMCell, ax.GRUCell] as Any[]) {
  bad(C.name, "inputSize", ctor(C, 0, 4));
  bad(C.name, "hiddenSize", ctor(C, 3, NaN));
  bad(C.name, "bias", ctor(C, 3, 4, "no"));
  bad(`${C.name}.forward`, "input", () => new C(3, 4).forward(ax.zeros([2, 4])));
  bad(`${C.name}.forward`, "input", () => new C(3, 4).forward(null));
}
bad("GRUCell.forward", "h0", () => new ax.GRUCell(3, 4).forward(ax.zeros([2, 3]), ax.zeros([3, 4])));
bad("RNNCell", "nonlinearity", () => new ax.RNNCell(3, 4, true, "gelu" as Any));
bad("LSTMCell.forward", "hx", () => new ax.LSTMCell(3, 4).forward(ax.zeros([2, 3]), {} as Any));
for (const C of [ax.TransformerEncoderLayer, ax.TransformerDecoderLayer] as Any[]) {
  bad(C.name, "dModel", ctor(C, 0, 2));
  bad(C.name, "nhead", ctor(C, 8, 1.5));
  bad(C.name, "nhead", ctor(C, 8, 3));
  bad(C.name, "dimFeedforward", ctor(C, 8, 2, { dimFeedforward: 0 }));
  bad(C.name, "dropout", ctor(C, 8, 2, { dropout: 2 }));
  bad(C.name, "layerNormEps", ctor(C, 8, 2, { layerNormEps: -1 }));
  bad(C.name, "activation", ctor(C, 8, 2, { activation: "swish" }));
  bad(C.name, "activation", ctor(C, 8, 2, { activation: 3 }));
  bad(C.name, "normFirst", ctor(C, 8, 2, { normFirst: 1 }));
  bad(C.name, "batchFirst", ctor(C, 8, 2, { batchFirst: "true" }));
  bad(C.name, "bias", ctor(C, 8, 2, { bias: 0 }));
  bad(C.name, "dim_feedforward", ctor(C, 8, 2, { dim_feedforward: 16 }));
  bad(C.name, "options", ctor(C, 8, 2, "relu"));
}
const enc = () => new ax.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
const dec = () => new ax.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
const s8 = () => ax.zeros([3, 2, 8]);
bad("TransformerEncoderLayer.forward", "src", () => enc().forward([1] as Any));
bad("TransformerEncoderLayer.forward", "srcMask", () => enc().forward(s8(), { srcMask: [[0]] as Any }));
bad("TransformerEncoderLayer.forward", "isCausal", () => enc().forward(s8(), { isCausal: "yes" as Any }));
bad("TransformerEncoderLayer.forward", "src_mask", () => enc().forward(s8(), { src_mask: null } as Any));
bad("TransformerEncoderLayer.forward", "options", () => enc().forward(s8(), true as Any));
bad("TransformerDecoderLayer.forward", "memory", () => dec().forward(s8(), undefined as Any));
bad("TransformerDecoderLayer.forward", "tgtIsCausal", () => dec().forward(s8(), s8(), { tgtIsCausal: 1 as Any }));
bad(
  "TransformerDecoderLayer.forward",
  "memoryKeyPaddingMask",
  () => dec().forward(s8(), s8(), { memoryKeyPaddingMask: "pad" as Any }),
);
bad("TransformerEncoder", "encoderLayer", ctor(ax.TransformerEncoder, dec(), 2));
bad("TransformerEncoder", "numLayers", () => new ax.TransformerEncoder(enc(), -1));
bad("TransformerEncoder", "norm", () => new ax.TransformerEncoder(enc(), 1, { norm: "layer" as Any }));
bad("TransformerEncoder", "layers", () => new ax.TransformerEncoder(enc(), 1, { layers: 2 } as Any));
bad("TransformerEncoder.forward", "mask", () => new ax.TransformerEncoder(enc(), 1).forward(s8(), { mask: 0 as Any }));
bad("TransformerDecoder", "decoderLayer", ctor(ax.TransformerDecoder, enc(), 2));
bad(
  "TransformerDecoder.forward",
  "tgtMask",
  () => new ax.TransformerDecoder(dec(), 1).forward(s8(), s8(), { tgtMask: 1 as Any }),
);
bad("generateSquareSubsequentMask", "size", () => ax.generateSquareSubsequentMask(2.5));
bad("Transformer", "numDecoderLayers", () => new ax.Transformer({ dModel: 8, nhead: 2, numDecoderLayers: 1.5 }));
bad("Transformer", "customDecoder", () => new ax.Transformer({ dModel: 8, nhead: 2, customDecoder: 3 as Any }));
bad("Transformer", "num_encoder_layers", () => new ax.Transformer({ num_encoder_layers: 1 } as Any));
bad("Transformer", "options", () => new ax.Transformer(512 as Any));
bad(
  "Transformer.forward",
  "tgt",
  () =>
    new ax.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1 }).forward(s8(), null as Any),
);
bad("generateSquareSubsequentMask", "size", () => (ax.generateSquareSubsequentMask as Any)("3"));

/** Engine errors that mean the argument was never checked. */
const UNCHECKED =
  /is not a function|Cannot read propert|is not iterable|undefined is not|null is not|Cannot convert|is not a constructor/;

const MIN_CASES = 600;

test(`bad-input suite: at least ${MIN_CASES} cases`, () => {
  console.log(`bad-input suite: ${cases.length} cases`);
  assert.ok(cases.length >= MIN_CASES, `the table has ${cases.length} cases, expected at least ${MIN_CASES}`);
});

test("bad-input suite: every case throws an Error naming the API and the argument", () => {
  const failures: string[] = [];
  for (const [i, { api, arg, call }] of cases.entries()) {
    const label = `#${i} ${api} (${arg})`;
    let error: unknown;
    let returned: unknown;
    let threw = false;
    try {
      returned = call();
    } catch (e) {
      threw = true;
      error = e;
    }
    if (!threw) {
      let shown: string;
      try {
        shown = String(returned).slice(0, 60);
      } catch (e) {
        shown = `a value whose toString throws (${(e as Error).message})`;
      }
      failures.push(`${label}: returned ${shown} instead of throwing`);
      continue;
    }
    if (!(error instanceof Error)) {
      failures.push(`${label}: threw a non-Error ${String(error)}`);
      continue;
    }
    const message = error.message;
    const apiName = api.split(".")[0];
    if (!message.includes(apiName) || !new RegExp(arg).test(message) || UNCHECKED.test(message)) {
      failures.push(`${label}: ${error.name}: ${message}`);
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${cases.length} bad inputs were not refused clearly:\n${failures.join("\n")}`,
  );
});
