/**
 * SummaryWriter's event files, read back by TensorBoard's own reader (PyPI tensorboard in
 * .tools/tbenv, made by tools/dev.sh; tests/utils/read_tensorboard.py): exact scalar values (as
 * f32) and steps, histograms, text, hparams; CRC-32C against its published check value; and
 * CSVLogger's rows.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { CSVLogger, SummaryWriter, tensor } from "../../mod.ts";
import { crc32c, maskedCrc32c } from "../../src/utils/tensorboard/crc32c.ts";
import { histogram } from "../../src/utils/tensorboard/summary_writer.ts";
import { assert, test } from "../harness.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const python = process.env.AXON_TENSORBOARD_PYTHON ?? join(root, ".tools/tbenv/bin/python");
const reader = fileURLToPath(new URL("./read_tensorboard.py", import.meta.url));

type Run = {
  scalars: Record<string, [number, number, number][]>;
  histograms: Record<string, [number, Record<string, number & number[]>][]>;
  text: Record<string, [number, string][]>;
  hparams: Record<string, any>;
};

function readWithTensorBoard(logDir: string): Record<string, Run> {
  assert.ok(
    existsSync(python),
    `TensorBoard's Python environment is missing (${python}); tools/dev.sh test installs it into .tools/tbenv`,
  );
  const r = spawnSync(python, [reader, logDir], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `read_tensorboard.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "axon-tb-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("crc32c matches the CRC-32C check value and TensorFlow's masking", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  const crc = 0xe3069283;
  assert.equal(
    maskedCrc32c(new TextEncoder().encode("123456789")),
    ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0,
  );
});

test("TensorBoard's reader reads back scalars (exact f32 values and steps), scalar groups, histograms, text and hparams", () => {
  withDir((dir) => {
    const writer = new SummaryWriter(dir, { maxQueue: 3 });
    const losses = [2.302585092994046, 1 / 3, 0.1, -7.25, 0, 1e-30, 3.4e38];
    const steps = [0, 1, 2, 10, 1000, 2 ** 40, 2 ** 53 - 1];
    losses.forEach((v, i) => writer.addScalar("loss/train", v, steps[i], 1000 + i));
    writer.addScalar("accuracy", tensor([97.5], { dtype: "f32" }), 7);
    writer.addScalars("loss", { train: 0.5, test: 0.625 }, 3);
    const values = Float64Array.from({ length: 101 }, (_, i) => (i - 30) / 7);
    writer.addHistogram("fc1/weight", tensor(values, { dtype: "f64" }), 5, { bins: 10 });
    writer.addText("notes", "Sequential(\n  (0): Linear(…) — ünïcode\n)", 2);
    writer.addHparams({ lr: 0.001, batchSize: 64, optimizer: "Adam", amsgrad: false }, { "hparam/accuracy": 97.25 }, {
      runName: "hp",
    });
    writer.close();
    assert.throws(() => writer.addScalar("x", 1), /the writer is closed/);

    const runs = readWithTensorBoard(dir);
    assert.deepEqual(Object.keys(runs).sort(), [".", "hp", "loss_test", "loss_train"]);
    const main = runs["."];
    assert.deepEqual(main.scalars["loss/train"].map(([step]) => step), steps);
    assert.deepEqual(
      main.scalars["loss/train"].map(([, v]) => v),
      losses.map(Math.fround),
      "values are stored as f32 (simple_value)",
    );
    assert.deepEqual(main.scalars["loss/train"].map(([, , t]) => t), losses.map((_, i) => 1000 + i));
    assert.deepEqual(main.scalars.accuracy.map(([s, v]) => [s, v]), [[7, 97.5]]);
    assert.deepEqual(runs.loss_train.scalars.loss.map(([s, v]) => [s, v]), [[3, 0.5]]);
    assert.deepEqual(runs.loss_test.scalars.loss.map(([s, v]) => [s, v]), [[3, 0.625]]);

    const [[hStep, h]] = main.histograms["fc1/weight"];
    assert.equal(hStep, 5);
    assert.equal(h.min, -30 / 7);
    assert.equal(h.max, 70 / 7);
    assert.equal(h.num, 101);
    assert.equal(h.sum, values.reduce((a, b) => a + b, 0));
    assert.equal(h.sum_squares, values.reduce((a, b) => a + b * b, 0));
    // 10 equal buckets over [min, max]: a leading empty bucket whose right edge is min, then the counts.
    const width = (h.max - h.min) / 10;
    const expectedCounts = Array.from(
      { length: 10 },
      (_, k) =>
        [...values].filter((
          v,
        ) => (k === 9
          ? v >= h.min + k * width - 1e-12
          : v >= h.min + k * width - 1e-12 && v < h.min + (k + 1) * width - 1e-12)
        ).length,
    );
    assert.deepEqual(h.bucket, [0, ...expectedCounts]);
    assert.equal(h.bucket_limit.length, 11);
    assert.equal(h.bucket_limit[0], h.min);
    assert.equal(h.bucket_limit[10], h.max);

    assert.deepEqual(main.text["notes/text_summary"], [[2, "Sequential(\n  (0): Linear(…) — ünïcode\n)"]]);

    const hp = runs.hp;
    assert.deepEqual(hp.hparams["_hparams_/experiment"].experiment, {
      hparam_infos: [
        { name: "lr", type: "DATA_TYPE_FLOAT64" },
        { name: "batchSize", type: "DATA_TYPE_FLOAT64" },
        { name: "optimizer", type: "DATA_TYPE_STRING" },
        { name: "amsgrad", type: "DATA_TYPE_BOOL" },
      ],
      metric_infos: [{ name: { tag: "hparam/accuracy" } }],
    });
    assert.deepEqual(hp.hparams["_hparams_/session_start_info"].session_start_info.hparams, {
      lr: 0.001,
      batchSize: 64,
      optimizer: "Adam",
      amsgrad: false,
    });
    assert.deepEqual(hp.hparams["_hparams_/session_end_info"].session_end_info, { status: "STATUS_SUCCESS" });
    assert.deepEqual(hp.scalars["hparam/accuracy"].map(([s, v]) => [s, v]), [[0, 97.25]]);
  });
});

test("events are buffered until maxQueue or flush, and readable while the writer is open", () => {
  withDir((dir) => {
    const writer = new SummaryWriter(dir, { maxQueue: 100, flushSecs: 3600 });
    writer.addScalar("a", 1, 0);
    assert.deepEqual(readWithTensorBoard(dir)["."].scalars, {}, "not yet written");
    writer.flush();
    assert.deepEqual(readWithTensorBoard(dir)["."].scalars.a.map(([s, v]) => [s, v]), [[0, 1]]);
    writer.close();
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("events.out.tfevents.")).length, 1);
  });
});

test("SummaryWriter refuses bad input with clear errors", () => {
  withDir((dir) => {
    assert.throws(
      () => new SummaryWriter(dir, { flush_secs: 1 } as never),
      /unknown option "flush_secs" \(did you mean "flushSecs"\?\)/,
    );
    const w = new SummaryWriter(dir);
    assert.throws(() => w.addScalar("", 1), /tag must be a non-empty string/);
    assert.throws(
      () => w.addScalar("loss", "0.5" as never),
      /loss must be a number or a one-element tensor, got string/,
    );
    assert.throws(() => w.addScalar("loss", tensor([1, 2])), /one-element tensor, got shape \[2\]/);
    assert.throws(() => w.addScalar("loss", 1, 1.5), /step must be an integer/);
    assert.throws(() => w.addHistogram("h", [1, NaN]), /h holds NaN; a histogram needs finite values/);
    assert.throws(() => w.addHistogram("h", []), /h has no elements/);
    assert.throws(
      () => w.addHparams({ lr: [1] as never }, {}),
      /hyper-parameter lr must be a finite number, a string or a boolean/,
    );
    w.close();
  });
});

test("histogram buckets agree with numpy.histogram's rules (last bucket closed, constant input widened)", () => {
  const h = histogram(Float64Array.from([0, 1, 2, 3, 4]), 4);
  assert.deepEqual(h.bucketLimit, [0, 1, 2, 3, 4]);
  assert.deepEqual(h.bucket, [0, 1, 1, 1, 2]); // [0,1) [1,2) [2,3) [3,4]
  const c = histogram(Float64Array.from([5, 5, 5]), 3);
  assert.deepEqual(c.bucket, [0, 3]); // numpy: range [4.5, 5.5], the middle bucket holds all three
  assert.equal(c.bucketLimit.length, 2);
});

test("CSVLogger writes a header from the first row, exact numbers, quoted strings, and appends on resume", () => {
  withDir((dir) => {
    const path = join(dir, "sub", "metrics.csv");
    const csv = new CSVLogger(path);
    csv.log({ epoch: 0, loss: 0.1 + 0.2, note: 'a "quoted", text' });
    csv.log({ epoch: 1, loss: tensor([0.25], { dtype: "f32" }) });
    assert.throws(
      () => csv.log({ epoch: 2, acc: 1 }),
      /acc is not a column; the columns \(from the first row\) are epoch, loss, note/,
    );
    assert.equal(readFileSync(path, "utf8"), 'epoch,loss,note\n0,0.30000000000000004,"a ""quoted"", text"\n1,0.25,\n');
    const resumed = new CSVLogger(path, { append: true });
    assert.deepEqual(resumed.columns, ["epoch", "loss", "note"]);
    resumed.log({ epoch: 2, loss: 0.125, note: "x" });
    assert.equal(readFileSync(path, "utf8").split("\n")[3], "2,0.125,x");
    assert.throws(() => new CSVLogger(path, { apend: true } as never), /did you mean "append"/);
  });
});
