import { assert, assertClose, test } from "../harness.ts";
import { decodeArray, decodeTensor, type EncodedArray, loadFixture } from "../fixtures/load.ts";
import { clipGradNorm, clipGradValue, Parameter, tensor, zeros } from "../../mod.ts";

interface ClipCase {
  kind: "norm" | "value";
  max_norm: number;
  norm_type: number | "inf";
  total: number;
  clip: number;
  clipped: EncodedArray[];
}
const fixture = loadFixture<{ grads: EncodedArray[]; cases: ClipCase[] }>("clip.json");

function paramsWithGrads(): Parameter[] {
  return fixture.grads.map((g) => {
    const p = new Parameter(zeros(g.shape));
    p.grad = decodeTensor(g);
    return p;
  });
}

test("clipGradNorm equals torch.nn.utils.clip_grad_norm_ (2, inf, 1, 3 norms) and returns the norm before clipping", () => {
  for (const c of fixture.cases.filter((x) => x.kind === "norm")) {
    const params = paramsWithGrads();
    const normType = c.norm_type === "inf" ? Infinity : c.norm_type;
    const total = clipGradNorm(params, c.max_norm, normType);
    assertClose([total], [c.total], { rtol: 1e-5, message: `norm ${c.norm_type}` });
    params.forEach((p, i) =>
      assertClose(p.grad!.toArray() as Float32Array, decodeArray(c.clipped[i]) as Float32Array, {
        message: `norm ${c.norm_type} grad ${i}`,
      })
    );
  }
});

test("clipGradValue equals torch.nn.utils.clip_grad_value_", () => {
  const c = fixture.cases.find((x) => x.kind === "value")!;
  const params = paramsWithGrads();
  clipGradValue(params, c.clip);
  params.forEach((p, i) => assert.deepEqual(p.grad!.toArray(), decodeArray(c.clipped[i])));
});

test("non-finite norms are reported, or raise with errorIfNonfinite", () => {
  const p = new Parameter(zeros([3]));
  p.grad = tensor([1, Infinity, 2], { dtype: "f32" });
  assert.equal(clipGradNorm([p], 1), Infinity);
  p.grad = tensor([1, NaN, 2], { dtype: "f32" });
  assert.throws(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true }), /non-finite \(NaN\)/);
  assert.throws(() => clipGradNorm([p], -1), /maxNorm must be >= 0/);
  const none = new Parameter(zeros([2]));
  assert.equal(clipGradNorm([none], 1), 0, "parameters without gradients are skipped");
});
