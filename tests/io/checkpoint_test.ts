/**
 * saveCheckpoint / loadCheckpoint: a run killed mid-epoch and resumed from its last checkpoint ends
 * bit-identical to an uninterrupted run (subprocesses, resume_train.ts); corrupt and mismatched
 * checkpoints are clear errors that leave the model, optimizer and scheduler untouched.
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  Adam,
  CheckpointError,
  DataLoader,
  getRngState,
  GradScaler,
  Linear,
  loadCheckpoint,
  loadSafetensors,
  manualSeed,
  OneCycleLR,
  rand,
  ReLU,
  SafetensorsError,
  saveCheckpoint,
  saveModel,
  Sequential,
  setRngState,
  SGD,
  StepLR,
  type Tensor,
  tensor,
  TensorDataset,
} from "../../mod.ts";
import { assert, runtime, test } from "../harness.ts";

const script = fileURLToPath(new URL("./resume_train.ts", import.meta.url));
const runArgs = (
  args: string[],
) => (runtime === "deno" ? ["run", "--allow-all", "--no-check", script, ...args] : [script, ...args]);

function runToEnd(args: string[]): string {
  const r = spawnSync(process.execPath, runArgs(args), { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `resume_train.ts ${args.join(" ")} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Starts a run that hangs after `step`'s checkpoint and one more step, and SIGKILLs it there. */
function runAndKill(dir: string, step: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, runArgs([dir, "--hang-after", String(step)]), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (chunk) => {
      out += String(chunk);
      if (out.includes("hanging")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (out += String(chunk)));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" && out.includes("hanging")) resolve(out);
      else reject(new Error(`the run was not killed while hanging (code ${code}, signal ${signal}):\n${out}`));
    });
  });
}

function withDir<T>(body: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "axon-ckpt-"));
  return Promise.resolve(body(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test("a run killed mid-epoch and resumed from its checkpoint ends bit-identical to an uninterrupted run", async () => {
  await withDir(async (dir) => {
    const whole = join(dir, "whole");
    const broken = join(dir, "broken");
    for (const d of [whole, broken]) mkdirSync(d);
    const wholeLog = runToEnd([whole]);
    const killedLog = await runAndKill(broken, 12); // checkpoint at 10 (epoch 1, batch 3 of 7), killed after step 13
    assert.match(killedLog, /checkpoint 10 \(epoch 1, batch 3 of 7\)/);
    assert.doesNotMatch(killedLog, /checkpoint 15/);
    const saved = loadSafetensors(join(broken, "ckpt.safetensors"));
    assert.equal(saved.metadata.step, "10");
    const resumedLog = runToEnd([broken, "--resume"]);
    assert.match(resumedLog, /resumed at step 10/);
    const a = loadSafetensors(join(whole, "final.safetensors")).tensors;
    const b = loadSafetensors(join(broken, "final.safetensors")).tensors;
    assert.deepEqual(Object.keys(b), Object.keys(a));
    for (const name of Object.keys(a)) {
      assert.deepEqual(
        new Uint8Array(b[name].toArray().buffer),
        new Uint8Array(a[name].toArray().buffer),
        `${name} differs after resuming`,
      );
    }
    // The last line (step count, loss scale, learning rate) is the same too.
    assert.equal(resumedLog.trim().split("\n").at(-1), wholeLog.trim().split("\n").at(-1));
    // And the training really did move the parameters and the scale (a resume that did nothing would fail above).
    assert.match(wholeLog, /done at step 21, scale \d+/);
  });
});

function setup(hidden = 8) {
  const model = new Sequential(new Linear(4, hidden), ReLU, new Linear(hidden, 3));
  const optimizer = new Adam(model.parameters(), 0.01);
  const scheduler = new OneCycleLR(optimizer, 0.1, { totalSteps: 10 });
  return { model, optimizer, scheduler };
}

function trainSteps(model: Sequential, optimizer: Adam, scheduler: OneCycleLR, n: number): void {
  for (let i = 0; i < n; i++) {
    const loss = model.forward(rand([5, 4])).square().mean();
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    scheduler.step();
  }
}

const snapshot = (model: Sequential) => model.parameters().map((p) => Array.from(p.toArray() as Float32Array));

test("loadCheckpoint restores model, optimizer, scheduler, scaler, RNG and extra within a process", async () => {
  await withDir((dir) => {
    manualSeed(3);
    const a = setup();
    const scaler = new GradScaler({ initScale: 512, growthInterval: 7 });
    trainSteps(a.model, a.optimizer, a.scheduler, 3);
    const path = join(dir, "c.safetensors");
    saveCheckpoint(path, {
      model: a.model,
      optimizer: a.optimizer,
      scheduler: a.scheduler,
      scaler,
      epoch: 1,
      step: 3,
      extra: { best: 0.25, note: "x", list: [1, 2] },
    });
    const rngAtSave = getRngState();
    const schedulerAtSave = a.scheduler.stateDict();
    trainSteps(a.model, a.optimizer, a.scheduler, 2);
    const expected = snapshot(a.model);

    manualSeed(99);
    const b = setup();
    const scaler2 = new GradScaler();
    const result = loadCheckpoint(path, {
      model: b.model,
      optimizer: b.optimizer,
      scheduler: b.scheduler,
      scaler: scaler2,
    });
    assert.equal(result.epoch, 1);
    assert.equal(result.step, 3);
    assert.deepEqual(result.extra, { best: 0.25, note: "x", list: [1, 2] });
    assert.equal(getRngState().seed, rngAtSave.seed);
    assert.equal(getRngState().counter, rngAtSave.counter);
    assert.deepEqual(scaler2.stateDict(), scaler.stateDict());
    assert.deepEqual(b.scheduler.stateDict(), schedulerAtSave);
    trainSteps(b.model, b.optimizer, b.scheduler, 2);
    assert.deepEqual(snapshot(b.model), expected);
  });
});

test("a mismatched or corrupt checkpoint is a clear error and leaves everything untouched", async () => {
  await withDir((dir) => {
    manualSeed(5);
    const a = setup();
    trainSteps(a.model, a.optimizer, a.scheduler, 2);
    const path = join(dir, "c.safetensors");
    saveCheckpoint(path, { model: a.model, optimizer: a.optimizer, scheduler: a.scheduler });

    const check = (
      build: () => { model: Sequential; optimizer?: any; scheduler?: any; lrs?: Adam },
      file: string,
      pattern: RegExp,
      errorClass: new (...a: any[]) => Error,
    ) => {
      manualSeed(11);
      const b = build();
      if (b.optimizer && b.scheduler) trainSteps(b.model, b.optimizer, b.scheduler, 1);
      const before = snapshot(b.model);
      const optBefore = b.optimizer
        ? JSON.stringify(b.optimizer.paramGroups.map(({ params: _p, ...o }: any) => o))
        : "";
      const schedBefore = b.scheduler ? JSON.stringify(b.scheduler.stateDict()) : "";
      const lrsBefore = b.lrs?.paramGroups.map((g) => g.lr);
      const rngBefore = getRngState();
      assert.throws(
        () => loadCheckpoint(file, { model: b.model, optimizer: b.optimizer, scheduler: b.scheduler }),
        (e: Error) => {
          assert.ok(e instanceof errorClass, `expected ${errorClass.name}, got ${e.name}: ${e.message}`);
          assert.match(e.message, pattern);
          return true;
        },
      );
      assert.deepEqual(snapshot(b.model), before, "the model changed although the load failed");
      if (b.optimizer) {
        assert.equal(JSON.stringify(b.optimizer.paramGroups.map(({ params: _p, ...o }: any) => o)), optBefore);
      }
      if (b.scheduler) assert.equal(JSON.stringify(b.scheduler.stateDict()), schedBefore);
      if (b.lrs) assert.deepEqual(b.lrs.paramGroups.map((g) => g.lr), lrsBefore);
      assert.equal(getRngState().counter, rngBefore.counter);
    };
    // Another architecture.
    check(
      () => setup(16),
      path,
      /model\.0\.weight has shape \[8, 4\] in the checkpoint, \[16, 4\] in the model/,
      CheckpointError,
    );
    // Another optimizer class.
    check(
      () => {
        const s = setup();
        return { model: s.model, optimizer: new SGD(s.model.parameters(), 0.1) };
      },
      path,
      /holds Adam state, but the optimizer is SGD/,
      CheckpointError,
    );
    // Another parameter count in the group.
    check(
      () => {
        const s = setup();
        return { model: s.model, optimizer: new Adam(s.model.parameters().slice(0, 2), 0.01) };
      },
      path,
      /group 0 has 4 parameters in the checkpoint, 2 in the optimizer/,
      CheckpointError,
    );
    // Another scheduler class.
    check(
      () => {
        const s = setup();
        return { model: s.model, optimizer: s.optimizer, scheduler: new StepLR(s.optimizer, 2) };
      },
      path,
      /holds OneCycleLR scheduler state, but the scheduler is StepLR/,
      CheckpointError,
    );
    // Same scheduler class over an optimizer with two groups: the scheduler refuses, and its
    // state and the groups' learning rates are put back.
    check(
      () => {
        const s = setup();
        const two = new Adam([{ params: s.model.parameters().slice(0, 2) }, {
          params: s.model.parameters().slice(2),
          lr: 0.5,
        }], 0.01);
        const sched = new OneCycleLR(two, [0.1, 0.2], { totalSteps: 10 });
        sched.step();
        return { model: s.model, scheduler: sched, lrs: two };
      },
      path,
      /OneCycleLR\.loadStateDict: .*2/,
      CheckpointError,
    );
    // Another model with other names.
    check(
      () => ({ model: new Sequential(new Linear(4, 8), new Linear(8, 3)) }),
      path,
      /checkpoint has 2\.weight, 2\.bias, which the model lacks/,
      CheckpointError,
    );
    // A corrupt (truncated) file.
    const bytes = readFileSync(path);
    const truncated = join(dir, "truncated.safetensors");
    writeFileSync(truncated, bytes.subarray(0, bytes.byteLength - 10));
    check(() => setup(), truncated, /truncated/, SafetensorsError);
    // A flipped byte in the header (the JSON breaks).
    const flipped = new Uint8Array(bytes);
    flipped[9] = 0x5d; // `{"` becomes `{]`
    const bad = join(dir, "bad.safetensors");
    writeFileSync(bad, flipped);
    check(() => setup(), bad, /the header is not valid JSON/, SafetensorsError);
    // A plain model file is not a checkpoint.
    const weights = join(dir, "weights.safetensors");
    saveModel(a.model, weights);
    check(() => setup(), weights, /not an Axon checkpoint.*loadModel/, CheckpointError);
  });
});

test("loadCheckpoint restores a DataLoader's seed and epoch, so its shuffling continues", async () => {
  await withDir((dir) => {
    const data = new TensorDataset(rand([20, 2]), tensor(Int32Array.from({ length: 20 }, (_, i) => i)));
    const a = new DataLoader(data, 4, true, { seed: 77 });
    a.iter();
    a.iter(); // next epoch: 2
    const model = new Linear(2, 1);
    const path = join(dir, "c.safetensors");
    saveCheckpoint(path, { model, dataLoader: a });
    const b = new DataLoader(data, 4, true, { seed: 5 });
    loadCheckpoint(path, { model, dataLoader: b });
    assert.equal(b.seed, 77n);
    assert.equal(b.epoch, 2);
    assert.deepEqual(b.order(), a.order());
    assert.deepEqual([...b.iter()].map(([, y]) => [...y.toArray()]), [...a.iter()].map(([, y]) => [...y.toArray()]));
    assert.throws(
      () => loadCheckpoint(path, { model, optimizer: new SGD(model.parameters(), 0.1) }),
      /holds no optimizer state/,
    );
    saveCheckpoint(path, { model });
    assert.throws(() => loadCheckpoint(path, { model, dataLoader: b }), /holds no DataLoader state/);
  });
});

test("saveCheckpoint and loadCheckpoint refuse unknown options and non-JSON extra", async () => {
  await withDir((dir) => {
    const { model, optimizer } = setup();
    const path = join(dir, "c.safetensors");
    assert.throws(
      () => saveCheckpoint(path, { model, optimiser: optimizer } as never),
      /unknown option "optimiser" \(did you mean "optimizer"\?\)/,
    );
    assert.throws(() => saveCheckpoint(path, { model, extra: { lr: NaN } }), /extra: value\.lr is NaN/);
    assert.throws(
      () => saveCheckpoint(path, { model, extra: { t: model.parameters()[0] as Tensor } as never }),
      /value\.t is a Parameter|value\.t is a Tensor/,
    );
    assert.throws(() => saveCheckpoint(path, { model, step: -1 }), /step must be a non-negative integer/);
    saveCheckpoint(path, { model });
    assert.throws(
      () => loadCheckpoint(path, { model, scheduler: undefined, epoch: 1 } as never),
      /unknown option "epoch"/,
    );
    assert.throws(() => loadCheckpoint(path, { model, optimizer }), /holds no optimizer state/);
  });
});

test("optimizer state dicts refuse JSON.stringify, pointing to saveCheckpoint; scheduler, scaler and RNG state are JSON-safe", () => {
  const { model, optimizer, scheduler } = setup();
  trainSteps(model, optimizer, scheduler, 1);
  assert.throws(() => JSON.stringify(optimizer.stateDict()), /Adam\.stateDict\(\) holds tensors.*saveCheckpoint/);
  const sched = scheduler.stateDict();
  assert.deepEqual(JSON.parse(JSON.stringify(sched)), sched);
  const scaler = new GradScaler();
  assert.deepEqual(JSON.parse(JSON.stringify(scaler.stateDict())), scaler.stateDict());
  manualSeed(2n ** 63n + 5n);
  rand([9]);
  const rng = getRngState();
  const text = JSON.stringify(rng);
  assert.equal(text, `{"seed":"${2n ** 63n + 5n}","counter":"3"}`);
  const first = rand([4]).toArray();
  setRngState(JSON.parse(text));
  assert.deepEqual(rand([4]).toArray(), first);
  assert.throws(() => setRngState({ seed: "-1", counter: "0" }), /seed must be a bigint or a decimal string/);
});
