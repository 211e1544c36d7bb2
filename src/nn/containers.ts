/**
 * `ModuleList` and `ModuleDict`: PyTorch's containers that register the modules they hold, so
 * `parameters()` and `stateDict()` see them under `layers.0.weight` / `blocks.name.weight`.
 * A plain array or object of modules is not registered (Module refuses it with an error that
 * points here).
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { describe } from "../utils/options.ts";

function checkModule(where: string, value: unknown): Module {
  if (!(value instanceof Module)) throw new TypeError(`${where}: expected a Module, got ${describe(value)}`);
  return value;
}

/**
 * Modules held in a list and registered under their positions (PyTorch's `nn.ModuleList`).
 * It has no `forward`: iterate it in the owning module's.
 *
 * @example
 * ```ts
 * import { Linear, Module, ModuleList, type Tensor } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * class MLP extends Module {
 *   layers = new ModuleList([new Linear(4, 8), new Linear(8, 2)]);
 *   forward(x: Tensor) {
 *     for (const layer of this.layers) x = layer.forward(x).relu();
 *     return x;
 *   }
 * }
 * assert.deepEqual(
 *   new MLP().namedParameters().map(([n]) => n),
 *   ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"],
 * );
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  #items: M[] = [];

  /** Creates the list holding `modules` in order. */
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this.#items.length;
  }

  #index(where: string, index: unknown, size: number): number {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(`ModuleList.${where}: index must be an integer, got ${describe(index)}`);
    }
    const i = index < 0 ? index + size : index;
    if (!(i >= 0 && i < size)) {
      throw new RangeError(`ModuleList.${where}: index ${index} out of range for ${this.#items.length} modules`);
    }
    return i;
  }

  /** The module at `index` (negative counts from the end), PyTorch's `layers[i]`. */
  at(index: number): M {
    return this.#items[this.#index("at", index, this.#items.length)];
  }

  /** Replaces the module at `index`, PyTorch's `layers[i] = m`. */
  set(index: number, module: M): this {
    const i = this.#index("set", index, this.#items.length);
    this.#items[i] = checkModule("ModuleList.set", module) as M;
    return this;
  }

  /** Appends a module; returns `this`. */
  append(module: M): this {
    this.#items.push(checkModule("ModuleList.append", module) as M);
    return this;
  }

  /** Appends every module of `modules`; returns `this`. */
  extend(modules: Iterable<M>): this {
    if (
      modules === null || typeof (modules as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== "function" ||
      typeof modules === "string"
    ) {
      throw new TypeError(`ModuleList: expected an iterable of Modules, got ${describe(modules)}`);
    }
    const list = [...modules];
    list.forEach((m, i) => checkModule(`ModuleList: element ${i}`, m));
    this.#items.push(...list);
    return this;
  }

  /** Inserts `module` before `index` (PyTorch's `insert`: an index past the end appends). */
  insert(index: number, module: M): this {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(`ModuleList.insert: index must be an integer, got ${describe(index)}`);
    }
    checkModule("ModuleList.insert", module);
    const n = this.#items.length;
    const i = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
    this.#items.splice(i, 0, module);
    return this;
  }

  /** Removes and returns the module at `index` (default the last), PyTorch's `pop`. */
  pop(index = -1): M {
    const i = this.#index("pop", index, this.#items.length);
    return this.#items.splice(i, 1)[0];
  }

  /** Position of `module` in the list, or -1. */
  indexOf(module: Module): number {
    return this.#items.indexOf(module as M);
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  /** Children named "0", "1", … (the state-dict key segments). */
  override namedChildren(): [string, Module][] {
    return this.#items.map((m, i) => [String(i), m]);
  }

  /** A ModuleList is a container: call its modules in the owner's `forward`. */
  forward(_input: Tensor): Tensor {
    throw new Error("ModuleList has no forward: iterate it (for (const layer of this.layers) x = layer.forward(x))");
  }
}

/**
 * Modules held by name and registered under those names (PyTorch's `nn.ModuleDict`), in
 * insertion order. Names are non-empty strings without ".".
 *
 * @example
 * ```ts
 * import { Linear, ModuleDict, randn } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const heads = new ModuleDict({ cls: new Linear(8, 10), box: new Linear(8, 4) });
 * const features = randn([2, 8]);
 * assert.deepEqual(heads.get("box").forward(features).shape, [2, 4]);
 * assert.deepEqual(Object.keys(heads.stateDict()), ["cls.weight", "cls.bias", "box.weight", "box.bias"]);
 * ```
 */
export class ModuleDict<M extends Module = Module> extends Module {
  #items = new Map<string, M>();

  /** Creates the dict from an object or from `[name, module]` pairs. */
  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    this.update(modules);
  }

  #key(where: string, key: unknown): string {
    if (typeof key !== "string") throw new TypeError(`ModuleDict.${where}: key must be a string, got ${describe(key)}`);
    if (key === "" || key.includes(".")) {
      throw new RangeError(`ModuleDict.${where}: key must be non-empty and contain no ".", got "${key}"`);
    }
    return key;
  }

  /** Number of modules. */
  get size(): number {
    return this.#items.size;
  }

  /** Number of modules (PyTorch's `len`). */
  get length(): number {
    return this.#items.size;
  }

  /** The module called `key`; an unknown key is an error listing the keys. */
  get(key: string): M {
    const m = this.#items.get(this.#key("get", key));
    if (m === undefined) {
      throw new RangeError(
        `ModuleDict.get: no module "${key}"; keys: ${[...this.#items.keys()].join(", ") || "(none)"}`,
      );
    }
    return m;
  }

  /** Adds or replaces the module called `key`; returns `this`. */
  set(key: string, module: M): this {
    this.#items.set(this.#key("set", key), checkModule(`ModuleDict.set("${key}")`, module) as M);
    return this;
  }

  /** Whether a module is called `key`. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Removes the module called `key`; returns whether there was one (PyTorch's `pop` returns it: use `get` first). */
  delete(key: string): boolean {
    return this.#items.delete(this.#key("delete", key));
  }

  /** Removes every module. */
  clear(): void {
    this.#items.clear();
  }

  /** Adds every entry of an object or of `[name, module]` pairs; returns `this`. */
  update(modules: Record<string, M> | Iterable<[string, M]>): this {
    if (modules === null || typeof modules !== "object" || modules instanceof Module) {
      throw new TypeError(
        `ModuleDict: expected an object of Modules or [name, Module] pairs, got ${describe(modules)}`,
      );
    }
    const isIterable = typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
    const entries = isIterable ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(`ModuleDict: expected [name, Module] pairs, got ${describe(entry)}`);
      }
      this.set(entry[0], entry[1]);
    }
    return this;
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The modules, in insertion order. */
  values(): M[] {
    return [...this.#items.values()];
  }

  /** `[name, module]` pairs, in insertion order. */
  entries(): [string, M][] {
    return [...this.#items.entries()];
  }

  /** Iterates the names (as PyTorch's `for key in dict`). */
  [Symbol.iterator](): Iterator<string> {
    return this.#items.keys();
  }

  /** Children by name (the state-dict key segments). */
  override namedChildren(): [string, Module][] {
    return [...this.#items.entries()];
  }

  /** A ModuleDict is a container: call its modules in the owner's `forward`. */
  forward(_input: Tensor): Tensor {
    throw new Error('ModuleDict has no forward: call its modules (this.heads.get("name").forward(x))');
  }
}
