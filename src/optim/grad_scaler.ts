/**
 * `GradScaler`: dynamic loss scaling for mixed-precision training, as `torch.amp.GradScaler`.
 * The loss is multiplied by a large factor before backward so that small f16 gradients do not
 * flush to zero; the gradients are divided by it again before the optimizer step, and a step
 * whose gradients contain inf/NaN is skipped while the scale backs off. After `growthInterval`
 * clean steps in a row the scale grows again.
 *
 * The check and the division are one fused native pass per gradient (`axon_amp_unscale`).
 * @module
 */
import { backendOf } from "../backend/registry.ts";
import { isHalf } from "../tensor/dtype.ts";
import { Storage } from "../tensor/storage.ts";
import { Tensor } from "../tensor/tensor.ts";
import { Optimizer } from "./optimizer.ts";
import { checkTensor } from "../utils/check_tensor.ts";
import { checkBool } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** Throws unless `optimizer` is an Optimizer (a Module or anything else gets a clear message). */
function checkOptimizer(where: string, optimizer: unknown): void {
  if (!(optimizer instanceof Optimizer)) {
    throw new TypeError(`${where}: optimizer must be an Optimizer, got ${describe(optimizer)}`);
  }
}

/** Options of {@link GradScaler} (PyTorch's defaults). */
export interface GradScalerOptions {
  /** Starting scale (default 2¹⁶ = 65536). */
  initScale?: number;
  /** Factor applied after `growthInterval` steps without inf/NaN (default 2). */
  growthFactor?: number;
  /** Factor applied when a step had inf/NaN gradients (default 0.5). */
  backoffFactor?: number;
  /** Clean steps in a row before the scale grows (default 2000). */
  growthInterval?: number;
  /** `false` makes every method a pass-through (scale 1, steps never skipped). */
  enabled?: boolean;
}

/** PyTorch's `GradScaler.state_dict()` keys. */
export interface GradScalerStateDict {
  /** Current scale factor. */
  scale: number;
  /** Factor the scale grows by after `growth_interval` clean steps. */
  growth_factor: number;
  /** Factor the scale shrinks by after a step with inf/NaN gradients. */
  backoff_factor: number;
  /** Clean steps in a row before the scale grows. */
  growth_interval: number;
  /** Clean steps since the last growth or backoff. */
  _growth_tracker: number;
}

/** Where one optimizer is in the scale → unscale → step → update cycle. */
interface OptimizerStage {
  unscaled: boolean;
  stepped: boolean;
  foundInf: boolean;
}

const f32 = Math.fround;

/**
 * Unscales `n` elements of `t` (contiguous, float) in place by `invScale` and returns whether any
 * element was inf/NaN, in one pass on its backend.
 */
function unscaleTensor(t: Tensor, n: number, invScale: number): boolean {
  return backendOf("GradScaler unscale", t).ampUnscale(n, t, invScale, "GradScaler unscale");
}

/**
 * Dynamic loss scaling.
 *
 * @example PyTorch's loop
 * ```ts
 * import { autocast, clipGradNorm, CrossEntropyLoss, DType, GradScaler, Linear, randn, SGD, tensor } from "@axon/ml";
 *
 * const model = new Linear(8, 3);
 * const optimizer = new SGD(model.parameters(), 0.1);
 * const lossFn = new CrossEntropyLoss();
 * const loader = [[randn([4, 8]), tensor([0, 1, 2, 0], { dtype: "i32" })]] as const;
 * const scaler = new GradScaler();
 * for (const [x, y] of loader) {
 *   optimizer.zeroGrad();
 *   const loss = autocast(DType.F16, () => lossFn.compute(model.forward(x), y));
 *   scaler.scale(loss).backward();
 *   scaler.unscale(optimizer);             // optional: clip real gradients
 *   clipGradNorm(model.parameters(), 1.0);
 *   scaler.step(optimizer);                // skipped when a gradient is inf/NaN
 *   scaler.update();
 * }
 * ```
 *
 * @example The seed's loop, on a flat copy of the gradients
 * ```ts
 * import { GradScaler, Linear, randn, SGD } from "@axon/ml";
 *
 * const model = new Linear(2, 1);
 * const optimizer = new SGD(model.parameters(), 0.1);
 * const scaler = new GradScaler();
 * const loss = model.forward(randn([4, 2])).sum();
 * const scaledLoss = scaler.scaleLoss(loss.item()); // the seed's form: scale a number
 * loss.mul(scaler.getScale()).backward();
 * const grads = model.parameters().flatMap((p) => [...(p.grad!.toArray() as Float32Array)]);
 * if (scaler.unscaleGrads(grads)) optimizer.step();
 * scaler.update();
 * ```
 */
export class GradScaler {
  #scale: number;
  #growthTracker = 0;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  readonly #enabled: boolean;
  #stages = new Map<Optimizer, OptimizerStage>();
  /** Results of `unscaleGrads` since the last update (the seed's API has no optimizer). */
  #flatChecks: boolean[] = [];

  /** Creates a scaler; the defaults are PyTorch's (scale 65536, growth 2, backoff 0.5, interval 2000). */
  constructor(options: GradScalerOptions = {}) {
    checkOptions("GradScaler", options, ["initScale", "growthFactor", "backoffFactor", "growthInterval", "enabled"]);
    for (const key of ["initScale", "growthFactor", "backoffFactor", "growthInterval"] as const) {
      if (options[key] !== undefined && typeof options[key] !== "number") {
        throw new TypeError(`GradScaler: ${key} must be a number, got ${describe(options[key])}`);
      }
    }
    checkBool("GradScaler", "enabled", options.enabled ?? true);
    this.#scale = f32(options.initScale ?? 65536);
    this.#growthFactor = options.growthFactor ?? 2;
    this.#backoffFactor = options.backoffFactor ?? 0.5;
    this.#growthInterval = options.growthInterval ?? 2000;
    this.#enabled = options.enabled ?? true;
    if (!(this.#scale > 0) || !Number.isFinite(this.#scale)) {
      throw new RangeError(`GradScaler: initScale must be a finite number > 0, got ${options.initScale}`);
    }
    if (!(this.#growthFactor > 1) || !Number.isFinite(this.#growthFactor)) {
      throw new RangeError(`GradScaler: growthFactor must be > 1, got ${this.#growthFactor}`);
    }
    if (!(this.#backoffFactor > 0 && this.#backoffFactor < 1)) {
      throw new RangeError(`GradScaler: backoffFactor must be in (0, 1), got ${this.#backoffFactor}`);
    }
    if (!Number.isInteger(this.#growthInterval) || this.#growthInterval < 1) {
      throw new RangeError(`GradScaler: growthInterval must be a positive integer, got ${this.#growthInterval}`);
    }
  }

  /** Whether scaling is on. */
  isEnabled(): boolean {
    return this.#enabled;
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.#enabled ? this.#scale : 1;
  }

  /** Factor applied on growth. */
  getGrowthFactor(): number {
    return this.#growthFactor;
  }

  /** Factor applied on backoff. */
  getBackoffFactor(): number {
    return this.#backoffFactor;
  }

  /** Clean steps needed before growth. */
  getGrowthInterval(): number {
    return this.#growthInterval;
  }

  /** `loss × scale` as a tensor: call `.backward()` on it (PyTorch's `scaler.scale(loss)`). */
  scale(loss: Tensor): Tensor {
    checkTensor("GradScaler.scale", "loss", loss);
    if (!this.#enabled) return loss;
    return loss.mul(this.#scale);
  }

  /** `value × scale` (the seed's `scale_loss(loss.data().item())`). */
  scaleLoss(value: number): number {
    if (typeof value !== "number") {
      throw new TypeError(`GradScaler.scaleLoss: value must be a number, got ${describe(value)}`);
    }
    return this.#enabled ? value * this.#scale : value;
  }

  /** f32(1 / scale), computed as PyTorch does (in double, then rounded to f32). */
  #invScale(): number {
    return f32(1 / this.#scale);
  }

  /**
   * The seed's flat API: divides `grads` (a Float32Array or number[], modified in place) by the
   * scale and returns `true` when every value is finite — step only then. The result is
   * remembered for the next {@link GradScaler.update}.
   */
  unscaleGrads(grads: Float32Array | number[]): boolean {
    if (!(grads instanceof Float32Array) && !Array.isArray(grads)) {
      throw new TypeError(
        `GradScaler.unscaleGrads: grads: expected a Float32Array or number[], got ${describe(grads)}`,
      );
    }
    if (!this.#enabled) return true;
    // A number[] takes the same f32 arithmetic through a copy (the seed's gradients are f32 values).
    const values = grads instanceof Float32Array ? grads : Float32Array.from(grads, Number);
    // The array's own memory, seen as a CPU tensor: the kernel writes the unscaled values into it.
    const view = new Tensor(
      Storage.wrap(new Uint8Array(values.buffer as ArrayBuffer, values.byteOffset, values.byteLength)),
      [values.length],
      [1],
      0,
      "f32",
    );
    const found = unscaleTensor(view, values.length, this.#invScale());
    if (values !== grads) values.forEach((v, i) => (grads[i] = v));
    this.#flatChecks.push(found);
    return !found;
  }

  #stage(optimizer: Optimizer): OptimizerStage {
    let stage = this.#stages.get(optimizer);
    if (stage === undefined) {
      stage = { unscaled: false, stepped: false, foundInf: false };
      this.#stages.set(optimizer, stage);
    }
    return stage;
  }

  /**
   * Divides the gradients of `optimizer`'s parameters by the scale in place and records whether
   * any was inf/NaN. Optional: `step` does it when not done yet; call it first to clip or inspect
   * real gradients. At most once per optimizer between two `update()` calls.
   */
  unscale(optimizer: Optimizer): void {
    checkOptimizer("GradScaler.unscale", optimizer);
    if (!this.#enabled) return;
    const stage = this.#stage(optimizer);
    if (stage.unscaled) {
      throw new Error(
        "GradScaler.unscale: unscale() has already been called on this optimizer since the last update()",
      );
    }
    if (stage.stepped) throw new Error("GradScaler.unscale: unscale() is being called after step()");
    const inv = this.#invScale();
    let found = false;
    for (const group of optimizer.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (isHalf(g.dtype)) {
          throw new TypeError(
            `GradScaler.unscale: attempting to unscale ${g.dtype} gradients; keep parameters in f32 and run the forward under autocast`,
          );
        }
        if (!g.isContiguous()) throw new Error("GradScaler.unscale: gradients must be contiguous");
        if (g.numel === 0) continue;
        g.storage.version++;
        found = unscaleTensor(g, g.numel, inv) || found;
      }
    }
    stage.unscaled = true;
    stage.foundInf = found;
  }

  /**
   * Unscales (unless `unscale` ran), then runs `optimizer.step()` unless a gradient was inf/NaN.
   * Returns whether the step ran.
   */
  step(optimizer: Optimizer): boolean {
    checkOptimizer("GradScaler.step", optimizer);
    if (!this.#enabled) {
      optimizer.step();
      return true;
    }
    const stage = this.#stage(optimizer);
    if (stage.stepped) throw new Error("GradScaler.step: step() has already been called since the last update()");
    if (!stage.unscaled) this.unscale(optimizer);
    stage.stepped = true;
    if (stage.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * Adjusts the scale from the inf/NaN checks since the last update: backoff when any check
   * found one, growth after `growthInterval` clean updates in a row (f32 arithmetic, growth
   * skipped if it would overflow, as PyTorch). `newScale` sets the scale directly instead.
   */
  update(newScale?: number): void {
    if (!this.#enabled) return;
    if (newScale !== undefined) {
      if (typeof newScale !== "number" || !(newScale > 0) || !Number.isFinite(newScale)) {
        throw new RangeError(
          `GradScaler.update: newScale must be a finite number > 0, got ${
            typeof newScale === "number" ? newScale : describe(newScale)
          }`,
        );
      }
      this.#scale = f32(newScale);
    } else {
      const checks = [
        ...[...this.#stages.values()].filter((s) => s.unscaled).map((s) => s.foundInf),
        ...this.#flatChecks,
      ];
      if (checks.length === 0) {
        throw new Error(
          "GradScaler.update: no inf checks were recorded prior to update(); call step(optimizer) or unscaleGrads(grads) first",
        );
      }
      if (checks.some((found) => found)) {
        this.#scale = f32(this.#scale * this.#backoffFactor);
        this.#growthTracker = 0;
      } else if (this.#growthTracker + 1 === this.#growthInterval) {
        const grown = f32(this.#scale * this.#growthFactor);
        if (Number.isFinite(grown)) this.#scale = grown;
        this.#growthTracker = 0;
      } else {
        this.#growthTracker++;
      }
    }
    this.#stages.clear();
    this.#flatChecks = [];
  }

  /** PyTorch's state dict (an empty object when disabled, as PyTorch). */
  stateDict(): GradScalerStateDict | Record<string, never> {
    if (!this.#enabled) return {};
    return {
      scale: this.#scale,
      growth_factor: this.#growthFactor,
      backoff_factor: this.#backoffFactor,
      growth_interval: this.#growthInterval,
      _growth_tracker: this.#growthTracker,
    };
  }

  /** Restores everything {@link GradScaler.stateDict} saved. */
  loadStateDict(state: GradScalerStateDict): void {
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new TypeError(
        `GradScaler.loadStateDict: state must be a GradScaler state dict (from stateDict()), got ${describe(state)}`,
      );
    }
    if (!this.#enabled) return;
    const restored = new GradScaler({
      initScale: state.scale,
      growthFactor: state.growth_factor,
      backoffFactor: state.backoff_factor,
      growthInterval: state.growth_interval,
    }); // validates every field with the constructor's messages
    if (!Number.isInteger(state._growth_tracker) || state._growth_tracker < 0) {
      throw new RangeError(
        `GradScaler.loadStateDict: _growth_tracker must be an integer >= 0, got ${state._growth_tracker}`,
      );
    }
    this.#scale = restored.#scale;
    this.#growthFactor = restored.#growthFactor;
    this.#backoffFactor = restored.#backoffFactor;
    this.#growthInterval = restored.#growthInterval;
    this.#growthTracker = state._growth_tracker;
  }
}
