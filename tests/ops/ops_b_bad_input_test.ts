/**
 * Bad calls of the ops-B API (pad, scatter family, interpolate, bmm/baddbmm, einsum, cdist,
 * conv1d/convTranspose2d, their layers and F): each must throw an Error naming the API and the
 * argument — never return, never fail with an engine error.
 */
import { assert, test } from "../harness.ts";
import * as ax from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const cases: { api: string; arg: string; call: () => unknown }[] = [];
const bad = (api: string, arg: string, call: () => unknown) => cases.push({ api, arg, call });
const x = () => ax.randn(2, 3);
const x3 = () => ax.randn(1, 2, 5);
const x4 = () => ax.randn(1, 2, 4, 4);
const idx = () => ax.tensor([[0, 1, 2], [2, 1, 0]]);

bad("pad", "input", () => (ax.pad as Any)([1, 2], [1, 1]));
bad("pad", "padding", () => (ax.pad as Any)(x(), "1,1"));
bad("pad", "padding", () => (ax.pad as Any)(x(), [1, NaN]));
bad("pad", "padding", () => (ax.pad as Any)(x(), [1, Infinity]));
bad("pad", "mode", () => (ax.pad as Any)(x(), [1, 1], 3));
bad("pad", "value", () => (ax.pad as Any)(x(), [1, 1], "constant", "0"));
bad("pad", "value", () => (ax.pad as Any)(x(), [1, 1], "constant", NaN));
bad("scatterAdd", "input", () => (ax.scatterAdd as Any)(null, 0, idx(), x()));
bad("scatterAdd", "src", () => (ax.scatterAdd as Any)(x(), 0, idx(), 1));
bad("scatterAdd", "index", () => (ax.scatterAdd as Any)(x(), 0, [[0]], x()));
bad("scatterAdd", "dim", () => (ax.scatterAdd as Any)(x(), "1", idx(), x()));
bad("scatterAdd", "dim", () => (ax.scatterAdd as Any)(x(), 1.5, idx(), x()));
bad("scatter", "src", () => (ax.scatter as Any)(x(), 1, idx(), "2"));
bad("scatter", "index", () => (ax.scatter as Any)(x(), 1, null, 2));
bad("scatter", "dim", () => (ax.scatter as Any)(x(), NaN, idx(), 2));
bad("indexAdd", "source", () => (ax.indexAdd as Any)(x(), 0, ax.tensor([0]), [1, 2, 3]));
bad("indexAdd", "index", () => (ax.indexAdd as Any)(x(), 0, 0, ax.randn(1, 3)));
bad("indexAdd", "alpha", () => (ax.indexAdd as Any)(x(), 0, ax.tensor([0]), ax.randn(1, 3), { alpha: "2" }));
bad("indexAdd", "alpha", () => (ax.indexAdd as Any)(x(), 0, ax.tensor([0]), ax.randn(1, 3), { alpha: NaN }));
bad("indexAdd", "options", () => (ax.indexAdd as Any)(x(), 0, ax.tensor([0]), ax.randn(1, 3), 2));
bad("indexAdd", "dim", () => (ax.indexAdd as Any)(x(), 5, ax.tensor([0]), ax.randn(1, 3)));
bad("interpolate", "input", () => (ax.interpolate as Any)("x", { size: 2 }));
bad("interpolate", "options", () => (ax.interpolate as Any)(x4(), "nearest"));
bad("interpolate", "options", () => (ax.interpolate as Any)(x4()));
bad("interpolate", "size", () => (ax.interpolate as Any)(x4(), { size: 0 }));
bad("interpolate", "size", () => (ax.interpolate as Any)(x4(), { size: "2" }));
bad("interpolate", "size", () => (ax.interpolate as Any)(x4(), { size: [2, 2.5] }));
bad("interpolate", "scaleFactor", () => (ax.interpolate as Any)(x4(), { scaleFactor: -1 }));
bad("interpolate", "scaleFactor", () => (ax.interpolate as Any)(x4(), { scaleFactor: NaN }));
bad("interpolate", "scaleFactor", () => (ax.interpolate as Any)(x4(), { scaleFactor: Infinity }));
bad("interpolate", "alignCorners", () => (ax.interpolate as Any)(x4(), { size: 2, mode: "bilinear", alignCorners: 1 }));
bad(
  "interpolate",
  "recomputeScaleFactor",
  () => (ax.interpolate as Any)(x4(), { scaleFactor: 2, recomputeScaleFactor: "yes" }),
);
bad("interpolate", "mode", () => (ax.interpolate as Any)(x4(), { size: 2, mode: "area" }));
bad("bmm", "batch1", () => (ax.bmm as Any)([1], ax.randn(1, 2, 2)));
bad("bmm", "batch2", () => (ax.bmm as Any)(ax.randn(1, 2, 2), undefined));
bad("baddbmm", "input", () => (ax.baddbmm as Any)(1, ax.randn(1, 2, 2), ax.randn(1, 2, 2)));
bad(
  "baddbmm",
  "beta",
  () => (ax.baddbmm as Any)(ax.randn(1, 2, 2), ax.randn(1, 2, 2), ax.randn(1, 2, 2), { beta: "1" }),
);
bad(
  "baddbmm",
  "alpha",
  () => (ax.baddbmm as Any)(ax.randn(1, 2, 2), ax.randn(1, 2, 2), ax.randn(1, 2, 2), { alpha: NaN }),
);
bad(
  "baddbmm",
  "gamma",
  () => (ax.baddbmm as Any)(ax.randn(1, 2, 2), ax.randn(1, 2, 2), ax.randn(1, 2, 2), { gamma: 1 }),
);
bad("einsum", "equation", () => (ax.einsum as Any)(5, x()));
bad("einsum", "operand 1", () => (ax.einsum as Any)("ij,jk->ik", x(), [1]));
bad("cdist", "x1", () => (ax.cdist as Any)(null, x()));
bad("cdist", "x2", () => (ax.cdist as Any)(x(), "y"));
bad("cdist", "p", () => (ax.cdist as Any)(x(), x(), NaN));
bad("cdist", "p", () => (ax.cdist as Any)(x(), x(), "2"));
bad("convTranspose2d", "input", () => (ax.convTranspose2d as Any)(null, ax.randn(2, 1, 3, 3)));
bad("convTranspose2d", "weight", () => (ax.convTranspose2d as Any)(x4(), "w"));
bad("convTranspose2d", "bias", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), 1));
bad("convTranspose2d", "stride", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), null, 0));
bad("convTranspose2d", "padding", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), null, 1, -1));
bad("convTranspose2d", "outputPadding", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), null, 1, 0, "1"));
bad("convTranspose2d", "groups", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), null, 1, 0, 0, 0));
bad("convTranspose2d", "dilation", () => (ax.convTranspose2d as Any)(x4(), ax.randn(2, 1, 3, 3), null, 1, 0, 0, 1, 0));
bad("conv1d", "input", () => (ax.conv1d as Any)(5, ax.randn(2, 2, 3)));
bad("conv1d", "weight", () => (ax.conv1d as Any)(x3(), null));
bad("conv1d", "stride", () => (ax.conv1d as Any)(x3(), ax.randn(2, 2, 3), null, 0));
bad("conv1d", "padding", () => (ax.conv1d as Any)(x3(), ax.randn(2, 2, 3), null, 1, "full"));
bad("conv1d", "stride", () => (ax.conv1d as Any)(x3(), ax.randn(2, 2, 3), null, 2, "same"));
bad("Conv1d", "padding", () => new (ax.Conv1d as Any)(2, 2, 3, { padding: "full" }));
bad("Conv1d", "stride", () => new (ax.Conv1d as Any)(2, 2, 3, { padding: "same", stride: 2 }));
bad("conv1d", "dilation", () => (ax.conv1d as Any)(x3(), ax.randn(2, 2, 3), null, 1, 0, [1, 1]));
bad("Conv1d", "inChannels", () => new (ax.Conv1d as Any)(0, 2, 3));
bad("Conv1d", "outChannels", () => new (ax.Conv1d as Any)(2, "2", 3));
bad("Conv1d", "kernelSize", () => new (ax.Conv1d as Any)(2, 2, [3]));
bad("Conv1d", "stride", () => new (ax.Conv1d as Any)(2, 2, 3, { stride: 0 }));
bad("Conv1d", "bias", () => new (ax.Conv1d as Any)(2, 2, 3, { bias: 1 }));
bad("Conv1d", "options", () => new (ax.Conv1d as Any)(2, 2, 3, "same"));
bad("ConvTranspose2d", "inChannels", () => new (ax.ConvTranspose2d as Any)(-1, 2, 3));
bad("ConvTranspose2d", "kernelSize", () => new (ax.ConvTranspose2d as Any)(2, 2, 0));
bad("ConvTranspose2d", "outputPadding", () => new (ax.ConvTranspose2d as Any)(2, 2, 3, { outputPadding: -1 }));
bad("ConvTranspose2d", "groups", () => new (ax.ConvTranspose2d as Any)(2, 2, 3, { groups: 1.5 }));
bad("ConvTranspose2d", "padding_mode", () => new (ax.ConvTranspose2d as Any)(2, 2, 3, { padding_mode: "zeros" }));
bad("Upsample", "options", () => new (ax.Upsample as Any)(2));
bad("Upsample", "scale_factor", () => new (ax.Upsample as Any)({ scale_factor: 2 }));
bad("Upsample", "mode", () => new (ax.Upsample as Any)({ scaleFactor: 2, mode: "trilinear" }).forward(x4()));
bad("F.gelu", "input", () => (ax.F.gelu as Any)([1]));
bad("F.silu", "input", () => (ax.F.silu as Any)(1));
bad("F.leakyRelu", "negativeSlope", () => (ax.F.leakyRelu as Any)(x(), "0.1"));
bad("F.softmax", "dim", () => (ax.F.softmax as Any)(x(), "1"));
bad("F.mseLoss", "options", () => (ax.F.mseLoss as Any)(x(), x(), "sum"));
bad("F.mseLoss", "reduction", () => (ax.F.mseLoss as Any)(x(), x(), { reduction: "avg" }));
bad("F.normalize", "p", () => (ax.F.normalize as Any)(x(), { p: NaN }));
bad("F.normalize", "dim", () => (ax.F.normalize as Any)(x(), { dim: "1" }));
bad("F.normalize", "eps", () => (ax.F.normalize as Any)(x(), { eps: -1 }));
bad("F.normalize", "options", () => (ax.F.normalize as Any)(x(), 2));
bad("F.layerNorm", "normalizedShape", () => (ax.F.layerNorm as Any)(x(), "3"));
bad("F.layerNorm", "normalizedShape", () => (ax.F.layerNorm as Any)(x(), [0]));
bad("F.layerNorm", "weight", () => (ax.F.layerNorm as Any)(x(), [3], [1, 1, 1]));
bad("F.layerNorm", "weight", () => (ax.F.layerNorm as Any)(x(), [3], ax.ones(2)));
bad("F.layerNorm", "eps", () => (ax.F.layerNorm as Any)(x(), [3], null, null, NaN));
bad("F.embedding", "weight", () => (ax.F.embedding as Any)(ax.tensor([0]), ax.randn(3)));
bad("F.embedding", "input", () => (ax.F.embedding as Any)(ax.tensor([3]), ax.randn(3, 2)));
bad(
  "F.embedding",
  "paddingIdx",
  () => (ax.F.embedding as Any)(ax.tensor([0]), ax.randn(3, 2).requiresGrad_(), { paddingIdx: 5 }),
);
bad("F.embedding", "options", () => (ax.F.embedding as Any)(ax.tensor([0]), ax.randn(3, 2), 1));
bad("F.oneHot", "numClasses", () => (ax.F.oneHot as Any)(ax.tensor([0]), -2));
bad("F.oneHot", "numClasses", () => (ax.F.oneHot as Any)(ax.tensor([0]), 2.5));
bad("F.oneHot", "input", () => (ax.F.oneHot as Any)([0, 1]));
bad("F.oneHot", "numClasses", () => (ax.F.oneHot as Any)(ax.zeros([0], { dtype: "i32" })));
bad("F.scaledDotProductAttention", "query", () => (ax.F.scaledDotProductAttention as Any)(null, x(), x()));
bad(
  "F.scaledDotProductAttention",
  "attnMask",
  () => (ax.F.scaledDotProductAttention as Any)(x(), x(), x(), { attnMask: [1] }),
);
bad(
  "F.scaledDotProductAttention",
  "attnMask",
  () =>
    (ax.F.scaledDotProductAttention as Any)(ax.randn(2, 2), ax.randn(2, 2), ax.randn(2, 2), {
      attnMask: ax.tensor([[1, 0], [0, 1]]),
    }),
);
bad(
  "F.scaledDotProductAttention",
  "dropoutP",
  () => (ax.F.scaledDotProductAttention as Any)(x(), x(), x(), { dropoutP: 2 }),
);
bad(
  "F.scaledDotProductAttention",
  "isCausal",
  () => (ax.F.scaledDotProductAttention as Any)(x(), x(), x(), { isCausal: 1 }),
);
bad(
  "F.scaledDotProductAttention",
  "scale",
  () => (ax.F.scaledDotProductAttention as Any)(x(), x(), x(), { scale: NaN }),
);
bad("F.scaledDotProductAttention", "options", () => (ax.F.scaledDotProductAttention as Any)(x(), x(), x(), true));

test(`ops B bad input: ${cases.length} bad calls each throw an Error naming the API and the argument`, () => {
  const problems: string[] = [];
  for (const { api, arg, call } of cases) {
    let error: unknown = null;
    try {
      call();
    } catch (e) {
      error = e;
    }
    const message = error instanceof Error ? error.message : "";
    if (!(error instanceof Error)) problems.push(`${api} / ${arg}: did not throw`);
    else if (!message.includes(api) || !message.includes(arg)) problems.push(`${api} / ${arg}: "${message}"`);
  }
  assert.deepEqual(problems, [], `\n${problems.join("\n")}`);
});
