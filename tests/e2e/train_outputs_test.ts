/**
 * `deno task train` (examples/mnist_mlp.ts, short run: 2 epochs of 30 batches) leaves TensorBoard
 * logs and a CSV in runs/<date-time>/ and training_curves.svg next to the model, and prints where:
 * TensorBoard's reader finds the per-epoch loss, accuracy and learning rate printed by the script,
 * the CSV holds the same numbers, and the SVG, rendered by librsvg, draws both curves through them.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { PALETTE, panelGeometry } from "../../src/utils/plot.ts";
import { assert, runtime, test } from "../harness.ts";
import { assertCurveDrawn, renderSvg } from "../utils/svg_render.ts";

const script = fileURLToPath(new URL("../../examples/mnist_mlp.ts", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const python = process.env.AXON_TENSORBOARD_PYTHON ?? join(root, ".tools/tbenv/bin/python");
const reader = fileURLToPath(new URL("../utils/read_tensorboard.py", import.meta.url));

test(`the training script logs loss, accuracy and lr to runs/<date-time>/ and draws training_curves.svg (${runtime})`, () => {
  const cwd = mkdtempSync(join(tmpdir(), "axon-train-"));
  try {
    // On Deno, exactly the permissions `deno task train` grants (deno.json).
    const task = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).tasks.train as string;
    const flags = task.split(/\s+/).filter((w) => w.startsWith("--allow-"));
    assert.ok(flags.length > 0 && !flags.includes("--allow-all"), task);
    const args = runtime === "deno" ? ["run", ...flags, script, "--epochs", "2"] : [script, "--epochs", "2"];
    const r = spawnSync(process.execPath, args, {
      cwd,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, AXON_EXAMPLE_SMOKE: "1" },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const runDir = /logs: (\S+)/.exec(r.stdout)?.[1];
    const curves = /curves: (\S+)/.exec(r.stdout)?.[1];
    assert.ok(runDir && curves, `the script prints where the logs and curves are:\n${r.stdout}`);
    assert.match(runDir!, /runs\/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
    assert.equal(curves, join(cwd, "training_curves.svg"), "next to the model");
    assert.ok(existsSync(join(cwd, "mnist_model.safetensors")));

    const printed = [...r.stdout.matchAll(/Epoch (\d+): Loss=([\d.]+), Acc=([\d.]+)%/g)].map((m) => ({
      loss: Number(m[2]),
      acc: Number(m[3]),
    }));
    assert.equal(printed.length, 2);
    const rows = readFileSync(join(runDir!, "metrics.csv"), "utf8").trim().split("\n");
    assert.equal(rows[0], "epoch,loss,accuracy,lr");
    const csv = rows.slice(1).map((line) => line.split(",").map(Number));
    assert.deepEqual(csv.map((c) => c[0]), [1, 2]);
    csv.forEach(([, loss, acc], i) => {
      assert.equal(loss.toFixed(4), printed[i].loss.toFixed(4));
      assert.equal(acc.toFixed(2), printed[i].acc.toFixed(2));
    });
    assert.deepEqual(
      csv.map((c) => c[3]),
      [0.001, 0.0005005000000000001],
      "cosine schedule over 2 epochs: the rate each epoch trained with",
    );

    assert.ok(
      existsSync(python),
      `TensorBoard's Python environment is missing (${python}); tools/dev.sh test installs it`,
    );
    const tb = spawnSync(python, [reader, runDir!], { encoding: "utf8", timeout: 60_000 });
    assert.equal(tb.status, 0, tb.stderr);
    const runs = JSON.parse(tb.stdout);
    const scalars = runs["."].scalars as Record<string, [number, number][]>;
    assert.deepEqual(scalars["loss/train"].map(([s, v]) => [s, v]), csv.map(([e, loss]) => [e, Math.fround(loss)]));
    assert.deepEqual(scalars["accuracy/test"].map(([s, v]) => [s, v]), csv.map(([e, , acc]) => [e, Math.fround(acc)]));
    assert.deepEqual(scalars.lr.map(([s, v]) => [s, v]), csv.map(([e, , , lr]) => [e, Math.fround(lr)]));
    assert.deepEqual(scalars["loss/train_step"].map(([s]) => s), [0, 10, 20, 30, 40, 50]);
    assert.ok(runs.hparams.hparams["_hparams_/session_start_info"], "hparams session");

    const history = { loss: csv.map((c) => c[1]), accuracy: csv.map((c) => c[2]) };
    const img = renderSvg(readFileSync(curves!, "utf8"));
    const lossPanel = { title: "", yLabel: "", series: [{ name: "", values: history.loss }] };
    const accPanel = { title: "", yLabel: "", series: [{ name: "", values: history.accuracy }] };
    assertCurveDrawn(img, panelGeometry(lossPanel, 0), history.loss, PALETTE[0], "loss curve");
    assertCurveDrawn(img, panelGeometry(accPanel, 1), history.accuracy, PALETTE[1], "accuracy curve");
    assert.equal(readdirSync(join(cwd, "runs")).length, 1);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
