/**
 * `einsum` (PyTorch's `torch.einsum`), lowered to views, sums and batched GEMM: repeated labels
 * within an operand become a diagonal (a strided slice), labels no later operand or the output
 * needs are summed out, and each pair of operands becomes one `[batch, M, K] × [batch, K, N]`
 * matmul. Operands are contracted left to right. Autograd comes from the ops it is made of.
 * @module
 */
import { formatShape, numelOf } from "../tensor/shape.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { describe } from "../utils/options.ts";
import { matmul } from "./matmul.ts";

/** An operand with one label per dim (`…0`, `…1` … for the dims an ellipsis covers). */
interface Labelled {
  t: Tensor;
  labels: string[];
}

/** Splits one term into letters and at most one `...` (kept as the token "..."). */
function parseTerm(term: string, equation: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("...", i)) {
      if (out.includes("...")) throw new SyntaxError(`einsum: more than one "..." in term "${term}" of "${equation}"`);
      out.push("...");
      i += 2;
    } else if (/[a-zA-Z]/.test(term[i])) out.push(term[i]);
    else {
      throw new SyntaxError(
        `einsum: invalid character ${
          JSON.stringify(term[i])
        } in "${equation}"; subscripts are letters a-z, A-Z and "..."`,
      );
    }
  }
  return out;
}

/** Replaces "..." by `count` ellipsis labels, right-aligned to `total` (broadcasting). */
function expandEllipsis(term: string[], count: number, total: number): string[] {
  const at = term.indexOf("...");
  if (at < 0) return term;
  const dims = Array.from({ length: count }, (_, i) => `…${total - count + i}`);
  return [...term.slice(0, at), ...dims, ...term.slice(at + 1)];
}

/** The diagonal over every label repeated within one operand (`ii->i`). */
function takeDiagonals(op: Labelled, equation: string): Labelled {
  let { t, labels } = op;
  for (;;) {
    const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (dup < 0) return { t, labels };
    const first = labels.indexOf(labels[dup]);
    const n = t.shape[first];
    if (t.shape[dup] !== n) {
      throw new RangeError(
        `einsum: subscript ${labels[dup]} is repeated in one operand of "${equation}" with sizes ${n} and ${
          t.shape[dup]
        }; a diagonal needs equal sizes`,
      );
    }
    const rest = [...labels.keys()].filter((i) => i !== first && i !== dup);
    const moved = t.permute([...rest, first, dup]);
    const flat = moved.reshape([...moved.shape.slice(0, -2), n * n]);
    t = flat.slice(flat.ndim - 1, 0, n * n, n + 1);
    labels = [...rest.map((i) => labels[i]), labels[first]];
  }
}

/** Sums out the labels of `op` that are not in `keep`. */
function sumOut(op: Labelled, keep: Set<string>): Labelled {
  const dims = op.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (dims.length === 0) return op;
  return { t: op.t.sum(dims), labels: op.labels.filter((l) => keep.has(l)) };
}

/** `op` permuted to `order` (a permutation of its labels). */
function arrange(op: Labelled, order: readonly string[]): Tensor {
  const perm = order.map((l) => op.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? op.t : op.t.permute(perm);
}

/** Contracts two operands, keeping the labels in `keep`: one batched matmul. */
function contractPair(a: Labelled, b: Labelled, keep: Set<string>, sizes: Map<string, number>): Labelled {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  a = sumOut(a, new Set([...keep, ...inB]));
  b = sumOut(b, new Set([...keep, ...inA]));
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const contracted = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const aOnly = a.labels.filter((l) => !inB.has(l));
  const bOnly = b.labels.filter((l) => !inA.has(l));
  const size = (ls: readonly string[]) => numelOf(ls.map((l) => sizes.get(l)!));
  const full = (op: Labelled, order: string[]) => arrange(op, order).expand(order.map((l) => sizes.get(l)!));
  const left = full(a, [...batch, ...aOnly, ...contracted]).reshape([size(batch), size(aOnly), size(contracted)]);
  const right = full(b, [...batch, ...contracted, ...bOnly]).reshape([size(batch), size(contracted), size(bOnly)]);
  const labels = [...batch, ...aOnly, ...bOnly];
  return { t: matmul(left, right).reshape(labels.map((l) => sizes.get(l)!)), labels };
}

/**
 * Einstein summation (PyTorch's `torch.einsum`): `"ij,jk->ik"` multiplies matrices, `"bij,bjk->bik"`
 * batches them, `"bhqd,bhkd->bhqk"` gives attention scores, `"i,i->"` a dot product, `"ij->ji"` a
 * transpose, `"ii->i"` a diagonal, `"i,j->ij"` an outer product, `"...ij,...jk->...ik"` broadcasts
 * leading dims. Without `->` the output is every label used once, in alphabetical order, after the
 * ellipsis dims. Dims of size 1 broadcast against the same label's size elsewhere. Any number of
 * operands (contracted left to right); products need f32, f16 or bf16 operands of one dtype.
 *
 * @example
 * ```ts
 * import { einsum, eye, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const q = randn(2, 4, 10, 16);
 * const k = randn(2, 4, 12, 16);
 * const scores = einsum("bhqd,bhkd->bhqk", q, k); // q·kᵀ per batch and head
 * assert.deepEqual(scores.shape, [2, 4, 10, 12]);
 * assert.equal(einsum("ii", eye(3)).item(), 3); // the trace
 * ```
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (typeof equation !== "string") {
    throw new TypeError(`einsum: equation must be a string such as "ij,jk->ik", got ${describe(equation)}`);
  }
  if (operands.length === 1 && Array.isArray(operands[0])) operands = operands[0] as unknown as Tensor[];
  operands.forEach((t, i) => checkTensor("einsum", `operand ${i}`, t));
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  if (arrow >= 0 && eq.indexOf("->", arrow + 1) >= 0) {
    throw new SyntaxError(`einsum: more than one "->" in "${equation}"`);
  }
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const terms = lhs.split(",").map((term) => parseTerm(term, equation));
  if (terms.length !== operands.length) {
    throw new RangeError(
      `einsum: "${equation}" has ${terms.length} operand terms but ${operands.length} tensors were given`,
    );
  }
  const ellipsisDims = terms.map((term, i) => {
    const letters = term.filter((l) => l !== "...").length;
    const t = operands[i];
    const extra = t.ndim - letters;
    if ((term.includes("...") && extra < 0) || (!term.includes("...") && extra !== 0)) {
      throw new RangeError(
        `einsum: term "${
          term.join("")
        }" of "${equation}" has ${letters} subscripts but operand ${i} has ${t.ndim} dims (shape ${
          formatShape(t.shape)
        })`,
      );
    }
    return term.includes("...") ? extra : 0;
  });
  const total = Math.max(0, ...ellipsisDims);
  let ops: Labelled[] = terms.map((term, i) => ({
    t: operands[i],
    labels: expandEllipsis(term, ellipsisDims[i], total),
  }));
  const sizes = new Map<string, number>();
  for (const op of ops) {
    op.labels.forEach((l, d) => {
      const n = op.t.shape[d];
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, n);
      else if (n !== prev && n !== 1) {
        const name = l.startsWith("…") ? "an ellipsis dim" : `subscript ${l}`;
        throw new RangeError(`einsum: ${name} has sizes ${prev} and ${n} in "${equation}" (they must match or be 1)`);
      }
    });
  }
  const used = ops.flatMap((op) => op.labels);
  let output: string[];
  if (arrow >= 0) {
    const term = parseTerm(eq.slice(arrow + 2), equation);
    output = expandEllipsis(term, total, total);
    for (const l of output) {
      if (!used.includes(l)) {
        throw new RangeError(`einsum: output subscript ${l} of "${equation}" does not appear in any operand`);
      }
    }
    if (new Set(output).size !== output.length) {
      throw new RangeError(`einsum: output subscripts of "${equation}" repeat a letter`);
    }
  } else {
    const ell = Array.from({ length: total }, (_, i) => `…${i}`);
    const once = [...new Set(used)].filter((l) => !l.startsWith("…") && used.filter((u) => u === l).length === 1);
    output = [...ell, ...once.sort()];
  }
  ops = ops.map((op) => takeDiagonals(op, equation));
  let acc = ops[0];
  for (let i = 1; i < ops.length; i++) {
    const later = new Set([...output, ...ops.slice(i + 1).flatMap((op) => op.labels)]);
    acc = contractPair(acc, ops[i], later, sizes);
  }
  acc = sumOut(acc, new Set(output));
  return arrange(acc, output).expand(output.map((l) => sizes.get(l)!));
}
