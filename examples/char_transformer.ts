/**
 * A character-level Transformer language model on a small embedded text: token and position
 * embeddings, a `ModuleList` of pre-norm `TransformerEncoderLayer` blocks with causal
 * self-attention, a final LayerNorm and a linear head; AdamW, OneCycleLR, gradient clipping and
 * bf16 autocast. It ends by sampling a line of text from the model.
 *
 *   deno run -A examples/char_transformer.ts [--steps N] [--f32]
 *   bun examples/char_transformer.ts
 *
 * tests/examples/char_transformer_test.ts trains this same model from PyTorch's initial weights
 * and checks that the loss curve follows PyTorch's (tests/fixtures/make_char_transformer_fixtures.py).
 * @module
 */
import * as axon from "@axon/ml";
import process from "node:process";

const {
  AdamW,
  CrossEntropyLoss,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  OneCycleLR,
  TransformerEncoderLayer,
  arange,
  autocast,
  clipGradNorm,
  noGrad,
  tensor,
} = axon;

/** The training text (the opening of Lewis Carroll's "Alice's Adventures in Wonderland", 1865, public domain). */
export const TEXT = `Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing
to do: once or twice she had peeped into the book her sister was reading, but it had no pictures or
conversations in it, and what is the use of a book, thought Alice, without pictures or conversations?
So she was considering in her own mind (as well as she could, for the hot day made her feel very
sleepy and stupid), whether the pleasure of making a daisy-chain would be worth the trouble of
getting up and picking the daisies, when suddenly a White Rabbit with pink eyes ran close by her.
There was nothing so very remarkable in that; nor did Alice think it so very much out of the way to
hear the Rabbit say to itself, Oh dear! Oh dear! I shall be late! (when she thought it over
afterwards, it occurred to her that she ought to have wondered at this, but at the time it all
seemed quite natural); but when the Rabbit actually took a watch out of its waistcoat-pocket, and
looked at it, and then hurried on, Alice started to her feet, for it flashed across her mind that
she had never before seen a rabbit with either a waistcoat-pocket, or a watch to take out of it,
and burning with curiosity, she ran across the field after it, and fortunately was just in time to
see it pop down a large rabbit-hole under the hedge. In another moment down went Alice after it,
never once considering how in the world she was to get out again.
`;

/** Model and training sizes (the test and the PyTorch fixture script use the same). */
export const CONFIG = {
  dModel: 32,
  nhead: 4,
  numLayers: 2,
  dimFeedforward: 64,
  context: 32,
  batchSize: 16,
  maxLr: 3e-3,
  weightDecay: 0.01,
  clip: 1.0,
} as const;

/** The sorted characters of `text` and the text as indices into them. */
export function encodeText(text: string): { vocab: string[]; ids: Int32Array } {
  const vocab = [...new Set(text)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  return { vocab, ids: Int32Array.from(text, (c) => index.get(c)!) };
}

/**
 * Batch `step`: `batchSize` windows of `context` characters and the windows shifted by one, at
 * starts `((step·B + j)·97) mod (n − T − 1)` — a fixed formula so PyTorch sees the same batches.
 */
export function batchAt(ids: Int32Array, step: number, batchSize: number, context: number): [axon.Tensor, axon.Tensor] {
  const x = new Int32Array(batchSize * context);
  const y = new Int32Array(batchSize * context);
  const span = ids.length - context - 1;
  for (let j = 0; j < batchSize; j++) {
    const start = ((step * batchSize + j) * 97) % span;
    x.set(ids.subarray(start, start + context), j * context);
    y.set(ids.subarray(start + 1, start + context + 1), j * context);
  }
  return [tensor(x, { shape: [batchSize, context] }), tensor(y, { shape: [batchSize, context] })];
}

/** Token + position embeddings, pre-norm causal Transformer blocks, final LayerNorm, linear head. */
export class CharTransformer extends Module {
  /** Character embeddings. */
  tok: axon.Embedding;
  /** Learned position embeddings. */
  pos: axon.Embedding;
  /** The Transformer blocks (state dict `blocks.0.self_attn.in_proj_weight`, …). */
  blocks: axon.ModuleList<axon.TransformerEncoderLayer>;
  /** Final LayerNorm. */
  norm: axon.LayerNorm;
  /** Next-character logits. */
  head: axon.Linear;

  /** A model over `vocabSize` characters; `dropout` in every block. */
  constructor(vocabSize: number, dropout = 0.1) {
    super();
    const { dModel, nhead, numLayers, dimFeedforward, context } = CONFIG;
    this.tok = new Embedding(vocabSize, dModel);
    this.pos = new Embedding(context, dModel);
    this.blocks = new ModuleList(
      Array.from({ length: numLayers }, () =>
        new TransformerEncoderLayer(dModel, nhead, {
          dimFeedforward,
          dropout,
          activation: "gelu",
          batchFirst: true,
          normFirst: true,
        })),
    );
    this.norm = new LayerNorm(dModel);
    this.head = new Linear(dModel, vocabSize);
  }

  /** Logits `[B, T, vocab]` for character indices `[B, T]`; position t sees positions ≤ t. */
  forward(ids: axon.Tensor): axon.Tensor {
    const t = ids.shape[1];
    let x = this.tok.forward(ids).add(this.pos.forward(arange(0, t, 1, { dtype: "i32" })));
    for (const block of this.blocks) x = block.forward(x, { isCausal: true });
    return this.head.forward(this.norm.forward(x));
  }
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Optimizer steps (OneCycleLR's totalSteps). */
  steps: number;
  /** Run forward and loss under `autocast("bf16")` (default true). */
  bf16?: boolean;
  /** Called with each step's loss. */
  onStep?: (step: number, loss: number) => void;
}

/**
 * Trains `model` on `ids` for `steps` AdamW steps with OneCycleLR and gradient clipping; returns
 * the losses.
 */
export function train(model: CharTransformer, ids: Int32Array, options: TrainOptions): number[] {
  const { steps, bf16 = true, onStep } = options;
  const { batchSize, context, maxLr, weightDecay, clip } = CONFIG;
  const optimizer = new AdamW(model.parameters(), maxLr).weightDecay(weightDecay);
  const scheduler = new OneCycleLR(optimizer, maxLr, { totalSteps: steps });
  const lossFn = new CrossEntropyLoss();
  const vocab = model.head.outFeatures;
  const losses: number[] = [];
  model.train();
  for (let step = 0; step < steps; step++) {
    const [x, y] = batchAt(ids, step, batchSize, context);
    const compute = () => lossFn.compute(model.forward(x).reshape([-1, vocab]), y.reshape([-1]));
    const loss = bf16 ? autocast("bf16", compute) : compute();
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), clip);
    optimizer.step();
    scheduler.step();
    const value = loss.data().item();
    losses.push(value);
    onStep?.(step, value);
  }
  return losses;
}

/** Samples `length` characters after `prompt` (temperature 0.8), from the global generator. */
export function sample(model: CharTransformer, vocab: string[], prompt: string, length: number): string {
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = [...prompt].map((c) => index.get(c) ?? 0);
  model.eval();
  noGrad(() => {
    for (let i = 0; i < length; i++) {
      const window = ids.slice(-CONFIG.context);
      const logits = model.forward(tensor(Int32Array.from(window), { shape: [1, window.length] }));
      const probs = logits.select(1, window.length - 1).div(0.8).softmax(-1).toArray() as Float32Array;
      let r = axon.rand(1).item();
      let next = probs.length - 1;
      for (let k = 0; k < probs.length; k++) {
        r -= probs[k];
        if (r <= 0) {
          next = k;
          break;
        }
      }
      ids.push(next);
    }
  });
  return ids.map((i) => vocab[i]).join("");
}

function main() {
  const smoke = process.env.AXON_EXAMPLE_SMOKE === "1"; // the examples test runs a short version
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const steps = Number(arg("steps") ?? (smoke ? 10 : 600));
  const bf16 = !process.argv.includes("--f32");
  axon.manualSeed(0);
  const { vocab, ids } = encodeText(TEXT);
  const model = new CharTransformer(vocab.length);
  console.log(
    `${TEXT.length} characters, vocabulary ${vocab.length}, ${model.numParameters()} parameters, ${steps} steps, ${
      bf16 ? "bf16 autocast" : "f32"
    }, ${axon.RUNTIME}`,
  );
  const bar = new axon.ProgressBar(steps, 32, "training");
  const started = performance.now();
  const losses = train(model, ids, { steps, bf16, onStep: (_, loss) => bar.tick(loss) });
  bar.finish();
  console.log(
    `loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)} in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  console.log(JSON.stringify(sample(model, vocab, "Alice ", smoke ? 20 : 120)));
}

if (import.meta.main) main();
