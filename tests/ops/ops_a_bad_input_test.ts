/**
 * Bad input to issue 15's first op set: each call must throw an Error whose message names the
 * API and the offending argument (the standing suite's rule, tests/bad_input_test.ts), never
 * return, crash with an engine error or produce NaN silently.
 */
import { assert, test } from "../harness.ts";
import * as ax from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const cases: { api: string; arg: string; call: () => unknown }[] = [];
function bad(api: string, arg: string, call: () => unknown): void {
  cases.push({ api, arg, call });
}
const x = () => ax.randn(2, 3);
const ints = () => ax.tensor([[1, 2], [3, 4]]);

for (const op of ["sort", "argsort"] as const) {
  const f = ax[op] as Any;
  bad(op, "x", () => f([3, 1, 2]));
  bad(op, "dim", () => f(x(), "1"));
  bad(op, "dim", () => f(x(), 2));
  bad(op, "dim", () => f(x(), 0.5));
  bad(op, "descending", () => f(x(), 0, "yes"));
  bad(op, "stabel", () => f(x(), { stabel: true }));
  bad(op, "stable", () => f(x(), { stable: 1 }));
  bad(op, "descending", () => f(x(), { dim: 0 }, true));
}
bad("topk", "k", () => ax.topk(x(), 4));
bad("topk", "k", () => ax.topk(x(), -1));
bad("topk", "k", () => ax.topk(x(), 1.5));
bad("topk", "k", () => (ax.topk as Any)(x()));
bad("topk", "dim", () => ax.topk(x(), 1, 2));
bad("topk", "largest", () => (ax.topk as Any)(x(), 1, 0, "no"));
bad("topk", "larges", () => (ax.topk as Any)(x(), 1, { larges: true }));
bad("topk", "x", () => (ax.topk as Any)(null, 1));
for (const op of ["cumsum", "cumprod"] as const) {
  const f = ax[op] as Any;
  bad(op, "dim", () => f(x()));
  bad(op, "dim", () => f(x(), 2));
  bad(op, "dim", () => f(x(), "0"));
  bad(op, "x", () => f([1, 2], 0));
}
bad("cumsum", "re:does not fit i32", () => ax.cumsum(ax.tensor([2147483647, 1]), 0));
for (const op of ["std", "variance"] as const) {
  const f = ax[op] as Any;
  const api = op === "std" ? "std" : "var";
  bad(api, "floating point", () => f(ints()));
  bad(api, "correction", () => f(x(), 1, { correction: -1 }));
  bad(api, "correction", () => f(x(), 1, { correction: NaN }));
  bad(api, "unbiased", () => f(x(), 1, { unbiased: "yes" }));
  bad(api, "re:correction or unbiased", () => f(x(), 1, { unbiased: true, correction: 1 }));
  bad(api, "keepdims", () => f(x(), 1, { keepdims: true }));
  bad(api, "dim", () => f(x(), "a"));
  bad(api, "dim", () => f(x(), [0, 0]));
  bad(api, "dim", () => f(x(), 5));
  bad(api, "options", () => f(x(), 1, "unbiased"));
}
bad("norm", "nuc", () => (ax.norm as Any)(x(), "nuc"));
bad("norm", "p", () => (ax.norm as Any)(x(), NaN));
bad("norm", "p", () => (ax.norm as Any)(x(), "2"));
bad("norm", "floating point", () => ax.norm(ints()));
bad("norm", "keepdim", () => (ax.norm as Any)(x(), 2, 1, "yes"));
bad("norm", "dim", () => ax.norm(x(), 2, 4));
bad("norm", "re:empty|reduce", () => ax.norm(ax.zeros(0, 3), Infinity, 0));
for (const op of ["any", "all"] as const) {
  bad(op, "keepdim", () => (ax[op] as Any)(x(), 0, 1));
  bad(op, "dim", () => ax[op](x(), 9));
  bad(op, "x", () => (ax[op] as Any)(undefined));
}
for (const op of ["isnan", "isinf", "isfinite", "nanToNum"] as const) bad(op, "x", () => (ax[op] as Any)([NaN]));
bad("nanToNum", "options", () => (ax.nanToNum as Any)(x(), 0));
bad("nanToNum", "nans", () => (ax.nanToNum as Any)(x(), { nans: 0 }));
bad("nanToNum", "nan", () => (ax.nanToNum as Any)(x(), { nan: "0" }));
bad("nanToNum", "posinf", () => (ax.nanToNum as Any)(x(), { posinf: NaN }));
for (const op of ["maximum", "minimum"] as const) {
  bad(op, "other", () => (ax[op] as Any)(x(), "2"));
  bad(op, "a", () => (ax[op] as Any)(2, x()));
  bad(op, "re:broadcast|shape", () => ax[op](x(), ax.zeros(4)));
}
bad("lerp", "floating point", () => ax.lerp(ints(), ints(), 0.5));
bad("lerp", "weight", () => (ax.lerp as Any)(x(), x(), "0.5"));
bad("lerp", "weight", () => (ax.lerp as Any)(x(), x(), NaN));
bad("lerp", "end", () => (ax.lerp as Any)(x(), 1, 0.5));
bad("outer", "1-d", () => ax.outer(x(), ax.zeros(2)));
bad("outer", "b", () => (ax.outer as Any)(ax.zeros(2), [1]));
for (const op of ["tril", "triu"] as const) {
  bad(op, "2 dimensions", () => ax[op](ax.zeros(3)));
  bad(op, "diagonal", () => ax[op](x(), 0.5));
  bad(op, "diagonal", () => (ax[op] as Any)(x(), "1"));
}
bad("chunk", "chunks", () => ax.chunk(x(), 0));
bad("chunk", "chunks", () => ax.chunk(x(), 1.5));
bad("chunk", "0-d", () => ax.chunk(ax.tensor(1), 2));
bad("chunk", "dim", () => ax.chunk(x(), 2, 2));
bad("split", "splitSize", () => ax.split(x(), -1));
bad("split", "splitSize", () => ax.split(x(), 0));
bad("split", "re:add up to", () => ax.split(x(), [1, 2]));
bad("split", "splitSize", () => (ax.split as Any)(x(), "1"));
bad("split", "splitSize", () => ax.split(x(), [1, -1, 2]));
bad("repeat", "re:repeat dims", () => ax.repeat(x(), 2));
bad("repeat", "sizes", () => ax.repeat(x(), 2, -1));
bad("repeat", "sizes", () => (ax.repeat as Any)(x(), 2, "2"));
bad("tile", "dims", () => (ax.tile as Any)(x(), 2));
bad("tile", "sizes", () => ax.tile(x(), [-2]));
bad("flip", "dims", () => ax.flip(x(), [0, 0]));
bad("flip", "dim", () => ax.flip(x(), [2]));
bad("flip", "dims", () => (ax.flip as Any)(x(), "0"));
bad("flip", "dims", () => (ax.flip as Any)(x()));
bad("roll", "shifts", () => (ax.roll as Any)(x(), "1"));
bad("roll", "re:same length", () => ax.roll(x(), [1, 2], [0]));
bad("roll", "re:without dims", () => ax.roll(x(), [1, 2]));
bad("roll", "dim", () => ax.roll(x(), 1, 3));
bad("mT", "re:2 dims", () => ax.zeros(3).mT);
bad("randint", "high", () => ax.randint(5, 5, [2]));
bad("randint", "high", () => (ax.randint as Any)(1.5, [2]));
bad("randint", "size", () => (ax.randint as Any)(5, 2));
bad("randint", "shape", () => ax.randint(5, [-2]));
bad("randint", "dtype", () => ax.randint(5, [2], { dtype: "u8" }));
bad("randint", "dtyp", () => (ax.randint as Any)(5, [2], { dtyp: "i32" }));
bad("randint", "range", () => ax.randint(0, 2 ** 41, [2], { dtype: "i64" }));
bad("randint", "re:does not fit", () => ax.randint(0, 2 ** 32, [2]));
bad("randperm", "n", () => ax.randperm(-1));
bad("randperm", "n", () => ax.randperm(1.5));
bad("randperm", "dtype", () => ax.randperm(3, { dtype: "f16" }));
const p = () => ax.tensor([0.2, 0.3, 0.5], { dtype: "f32" });
bad("multinomial", "re:1-d or 2-d", () => ax.multinomial(ax.ones(2, 2, 2), 1));
bad("multinomial", "floating point", () => ax.multinomial(ax.tensor([1, 2]), 1));
bad("multinomial", "numSamples", () => ax.multinomial(p(), 0));
bad("multinomial", "numSamples", () => ax.multinomial(p(), 1.5));
bad("multinomial", "replacement", () => ax.multinomial(p(), 4));
bad("multinomial", "re:finite and >= 0", () => ax.multinomial(ax.tensor([0.5, -0.1], { dtype: "f32" }), 1));
bad("multinomial", "re:finite and >= 0", () => ax.multinomial(ax.tensor([0.5, NaN], { dtype: "f32" }), 1));
bad("multinomial", "re:finite and >= 0", () => ax.multinomial(ax.tensor([0.5, Infinity], { dtype: "f32" }), 1));
bad("multinomial", "re:sums to 0", () => ax.multinomial(ax.tensor([[0.5, 0.5], [0, 0]], { dtype: "f32" }), 1, true));
bad("multinomial", "re:nonzero weights", () => ax.multinomial(ax.tensor([0.5, 0, 0.5], { dtype: "f32" }), 3));
bad("multinomial", "replacemnt", () => (ax.multinomial as Any)(p(), 1, { replacemnt: true }));
bad("multinomial", "re:no categories", () => ax.multinomial(ax.zeros(2, 0), 1, true));

/** Engine errors that mean the argument was never checked. */
const UNCHECKED =
  /is not a function|Cannot read propert|is not iterable|undefined is not|null is not|Cannot convert|is not a constructor/;

test(`ops A bad input: ${cases.length} calls each throw an Error naming the API and the argument`, () => {
  const failures: string[] = [];
  for (const [i, { api, arg, call }] of cases.entries()) {
    let error: unknown = null;
    try {
      const returned = call();
      failures.push(`#${i} ${api} (${arg}): returned ${String(returned).slice(0, 60)} instead of throwing`);
      continue;
    } catch (e) {
      error = e;
    }
    const message = error instanceof Error ? error.message : String(error);
    const wanted = arg.startsWith("re:") ? new RegExp(arg.slice(3)) : null;
    const named = wanted ? wanted.test(message) : message.includes(arg);
    if (!(error instanceof Error) || !message.includes(api) || !named || UNCHECKED.test(message)) {
      failures.push(`#${i} ${api} (${arg}): ${message}`);
    }
  }
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${cases.length} not refused clearly:\n${failures.join("\n")}`,
  );
});
