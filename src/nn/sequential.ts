/**
 * `Sequential`: modules applied in order, children named "0", "1", … as in PyTorch.
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import { Module } from "./module.ts";
import { describe } from "../utils/options.ts";

/** A module class with a no-argument constructor (`ReLU`), accepted by `add` like an instance. */
export type ModuleClass = new () => Module;

/**
 * Chains modules. `add` accepts an instance or a class with a no-argument constructor, so the
 * seed's `.add(new Linear(784, 256)).add(ReLU)` reads the same.
 *
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential } from "@axon/ml";
 * import assert from "node:assert/strict";
 *
 * const model = new Sequential().add(new Linear(784, 256)).add(ReLU).add(new Linear(256, 10));
 * assert.deepEqual(model.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "2.weight", "2.bias"]);
 * ```
 */
export class Sequential extends Module {
  /** Creates the container holding `modules` in order. */
  constructor(...modules: (Module | ModuleClass)[]) {
    super();
    for (const m of modules) this.add(m);
  }

  /** Appends a module (or a module class, instantiated with no arguments); returns `this`. */
  add(module: Module | ModuleClass): this {
    const isModuleClass = typeof module === "function" &&
      (module as { prototype?: unknown }).prototype instanceof Module;
    if (!(module instanceof Module) && !isModuleClass) {
      throw new TypeError(`Sequential: modules must be Modules or Module classes, got ${describe(module)}`);
    }
    const instance = module instanceof Module ? module : new module();
    (this as unknown as Record<string, Module>)[String(this.length)] = instance;
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.children().length;
  }

  /** The module at `index`. */
  at(index: number): Module {
    const children = this.children();
    const i = index < 0 ? index + children.length : index;
    if (!(i >= 0 && i < children.length)) {
      throw new RangeError(`Sequential: index ${index} out of range for ${children.length} modules`);
    }
    return children[i];
  }

  /** Applies the modules in order, each to the previous one's output. */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const module of this.children()) x = module.forward(x);
    return x;
  }
}
