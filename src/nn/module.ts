/**
 * `Module`, the base of every layer: parameters, buffers and children discovered from the
 * module's own properties (in definition order, like PyTorch's registration order), train/eval
 * mode, state dicts with PyTorch's dotted names.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.ts";
import { markParameterStorage } from "../autograd/memory.ts";
import { type DType, dtypeInfo, isDType } from "../tensor/dtype.ts";
import { formatShape } from "../tensor/shape.ts";
import { lifetime, Tensor } from "../tensor/tensor.ts";
import { Parameter } from "./parameter.ts";
import { checkBool } from "../utils/check.ts";
import { checkOptions, describe } from "../utils/options.ts";
import { defaultExtraRepr, moduleRepr } from "./repr.ts";

/** Refuses an int64 tensor (PyTorch's `num_batches_tracked`) whose values do not fit the i32 it loads into. */
function checkInt32Range(key: string, source: Tensor): void {
  for (const v of source.toArray() as BigInt64Array) {
    if (v < -2147483648n || v > 2147483647n) {
      throw new RangeError(
        `loadStateDict: ${key} holds the int64 value ${v}, which does not fit the module's i32 buffer`,
      );
    }
  }
}

/** Whether `v` is something a module trains or holds layers with: a Module, a Parameter or a leaf tensor that requires grad. */
function isTrainable(v: unknown): boolean {
  return v instanceof Module || (v instanceof Tensor && (v instanceof Parameter || (v.requiresGrad && v.isLeaf)));
}

/** Whether `v` is a plain array or plain object (not a class instance, which is the user's business). */
function isPlainContainer(v: unknown): v is unknown[] | Record<string, unknown> {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Refuses Modules or Parameters kept in a plain array/object property: they would be silently
 * left out of `parameters()` and `stateDict()`, and the model would train almost nothing.
 */
function checkRegistered(module: Module): void {
  for (const [name, value] of Object.entries(module)) {
    if (!isPlainContainer(value)) continue;
    const items = Array.isArray(value) ? value : Object.values(value);
    const found = items.find(isTrainable);
    if (found === undefined) continue;
    const what = found instanceof Module ? "Modules" : "Parameters";
    const fix = Array.isArray(value)
      ? (found instanceof Module
        ? `use new ModuleList([...]) (layers.0.weight, …)`
        : `assign each Parameter to its own property`)
      : (found instanceof Module
        ? `use new ModuleDict({...}) (blocks.name.weight, …)`
        : `assign each Parameter to its own property`);
    throw new TypeError(
      `${module.constructor.name}.${name} holds ${what} in a plain ${
        Array.isArray(value) ? "array" : "object"
      }, which a Module does not register ` +
        `(parameters() and stateDict() would miss them): ${fix}`,
    );
  }
}

/** A named tensor map, as `stateDict()` returns and `loadStateDict()` takes. */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true, as PyTorch). */
  strict?: boolean;
}

/** Keys that did not line up in a non-strict load. */
export interface LoadStateDictResult {
  /** Keys the module has but the state dict lacked. */
  missingKeys: string[];
  /** Keys in the state dict that the module does not have. */
  unexpectedKeys: string[];
}

/**
 * Base class of layers and models. Subclasses assign `Parameter`s, sub-`Module`s and (through
 * {@link Module.registerBuffer}) buffers as properties, and implement `forward`.
 *
 * @example
 * ```ts
 * import { Linear, Module, type Tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * class TwoLayer extends Module {
 *   fc1 = new Linear(784, 256);
 *   fc2 = new Linear(256, 10);
 *   forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * assert.deepEqual(new TwoLayer().namedParameters().map(([n]) => n), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
 * ```
 */
export abstract class Module {
  /** True in training mode (Dropout active, BatchNorm uses batch statistics). */
  training = true;
  #bufferNames = new Set<string>();

  /** Computes the module's output. */
  abstract forward(input: Tensor, ...rest: unknown[]): Tensor;

  /** Registers `tensor` as a buffer called `name` (saved in the state dict, never trained). */
  registerBuffer(name: string, tensor: Tensor | null): void {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Module.registerBuffer: name must be a non-empty string, got ${describe(name)}`);
    }
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`Module.registerBuffer: tensor must be a Tensor or null, got ${describe(tensor)}`);
    }
    this.#bufferNames.add(name);
    if (tensor !== null) lifetime.keep(tensor); // owned by the module: no tidy() disposes it
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** Direct sub-modules with their property names. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((entry): entry is [string, Module] => entry[1] instanceof Module);
  }

  /** Direct sub-modules. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, pre-order, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  /** This module and every descendant. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Own parameters (not children's), by property name. */
  #ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((entry): entry is [string, Parameter] => entry[1] instanceof Parameter);
  }

  /** Own buffers that are set, by name. */
  #ownBuffers(): [string, Tensor][] {
    const self = this as unknown as Record<string, unknown>;
    return [...this.#bufferNames].filter((n) => self[n] instanceof Tensor).map((n) => [n, self[n] as Tensor]);
  }

  /** Every parameter with PyTorch's dotted name (`0.weight`, `layer1.bias`). */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules = recurse ? this.namedModules(prefix) : [[prefix, this] as [string, Module]];
    for (const [path, module] of modules) {
      checkRegistered(module);
      for (const [name, p] of module.#ownParameters()) {
        if (seen.has(p)) continue; // shared parameters are listed once, as PyTorch does
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Every parameter (what optimizers take). */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map(([, p]) => p);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, module] of this.namedModules(prefix)) {
      checkRegistered(module);
      for (const [name, b] of module.#ownBuffers()) out.push([path ? `${path}.${name}` : name, b]);
    }
    return out;
  }

  /** Every buffer. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Total number of parameter elements. */
  numParameters(onlyTrainable = false): number {
    return this.parameters().filter((p) => !onlyTrainable || p.requiresGrad).reduce((n, p) => n + p.numel, 0);
  }

  /** Sets training mode on this module and its descendants. */
  train(mode = true): this {
    checkBool("Module.train", "mode", mode);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every descendant, children first, then on this module (PyTorch's order). */
  apply(fn: (module: Module) => void): this {
    if (typeof fn !== "function") throw new TypeError(`Module.apply: fn must be a function, got ${describe(fn)}`);
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` in place (PyTorch's
   * `model.to(torch.bfloat16)`): parameters keep their identity, so optimizers built earlier
   * still hold them; gradients are converted too. Integer buffers (`num_batches_tracked`) stay.
   *
   * @example
   * ```ts
   * import { Linear } from "@axon/ml";
   *
   * const model = new Linear(4, 2);
   * model.to("bf16"); // half the memory; inference, or training with care
   * ```
   */
  to(dtype: DType): this {
    if (!isDType(dtype) || !dtypeInfo(dtype).isFloat) {
      throw new TypeError(
        `Module.to: expected a floating point dtype, got ${
          typeof dtype === "string" ? dtype : describe(dtype)
        } as dtype (f32, f64, f16 or bf16)`,
      );
    }
    noGrad(() => {
      for (const p of this.parameters()) {
        if (p.dtype === dtype) continue;
        p.setData(p.to(dtype));
        markParameterStorage(p);
        if (p.grad !== null) p.grad = p.grad.to(dtype);
      }
      for (const module of this.modules()) {
        const self = module as unknown as Record<string, unknown>;
        for (const [name, b] of module.#ownBuffers()) {
          if (dtypeInfo(b.dtype).isFloat) self[name] = keepBuffer(b.to(dtype));
        }
      }
    });
    return this;
  }

  /**
   * The part of the printout inside the parentheses, PyTorch's `extra_repr`
   * (`in_features=784, out_features=256, bias=True`); override it in your own layers.
   */
  extraRepr(): string {
    return defaultExtraRepr(this);
  }

  /**
   * The module tree as PyTorch's `print(model)` shows it.
   *
   * @example
   * ```ts
   * import { Linear, ReLU, Sequential } from "@axon/ml";
   * import assert from "node:assert/strict";
   *
   * assert.equal(
   *   String(new Sequential(new Linear(784, 256), ReLU)),
   *   "Sequential(\n  (0): Linear(in_features=784, out_features=256, bias=True)\n  (1): ReLU()\n)",
   * );
   * ```
   */
  toString(): string {
    return moduleRepr(this);
  }

  /** `console.log(model)` on Deno prints {@link Module.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** `console.log(model)` on Bun and Node prints {@link Module.toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Parameters and buffers by dotted name, in PyTorch's order (each module's parameters, then its
   * buffers, then its children). The tensors are detached views of the live data.
   */
  stateDict(prefix = ""): StateDict {
    const out: StateDict = {};
    const visit = (module: Module, path: string) => {
      checkRegistered(module);
      const key = (name: string) => (path ? `${path}.${name}` : name);
      for (const [name, p] of module.#ownParameters()) out[key(name)] = p.detach();
      for (const [name, b] of module.#ownBuffers()) out[key(name)] = b.detach();
      for (const [name, child] of module.namedChildren()) visit(child, key(name));
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Copies tensors from `state` into the parameters and buffers with the same names. Strict by
   * default: any missing or unexpected key is an error listing all of them. Shapes must match;
   * dtypes are converted (an int64 counter loads into i32 after a range check by the caller's
   * conversion).
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const { strict = true } = checkOptions<LoadStateDictOptions>("loadStateDict", options, ["strict"]);
    checkBool("loadStateDict", "strict", strict);
    if (state === null || typeof state !== "object" || Array.isArray(state) || state instanceof Tensor) {
      throw new TypeError(
        `loadStateDict: state must be an object of named tensors (from stateDict()), got ${describe(state)}`,
      );
    }
    for (const [key, value] of Object.entries(state)) {
      if (!(value instanceof Tensor)) {
        throw new TypeError(`loadStateDict: state["${key}"] must be a Tensor, got ${describe(value)}`);
      }
    }
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = [];
      if (missingKeys.length) parts.push(`missing keys: ${missingKeys.join(", ")}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${unexpectedKeys.join(", ")}`);
      throw new Error(`loadStateDict: ${parts.join("; ")}`);
    }
    for (const [key, target] of Object.entries(own)) {
      const source = state[key];
      if (source === undefined) continue;
      if (source.ndim !== target.ndim || source.shape.some((d, i) => d !== target.shape[i])) {
        throw new RangeError(
          `loadStateDict: size mismatch for ${key}: the state has shape ${formatShape(source.shape)}, the module ${
            formatShape(target.shape)
          }`,
        );
      }
    }
    for (const [key, target] of Object.entries(own)) {
      const source = state[key];
      if (source !== undefined && source.dtype === "i64" && target.dtype === "i32") checkInt32Range(key, source);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) if (key in state) target.copy_(state[key]);
    });
    return { missingKeys, unexpectedKeys };
  }
}

/** `t`, marked so that no tidy() disposes it (it is owned by this object now). */
function keepBuffer(t: Tensor): Tensor {
  lifetime.keep(t);
  return t;
}
