/**
 * `Optimizer`: parameter groups with their own options, state per parameter, `zeroGrad`, `step`,
 * `getLr`/`setLr`, and state dicts that resume bit-for-bit.
 * @module
 */
import { lifetime, Tensor } from "../tensor/tensor.ts";
import { checkOptions, describe } from "../utils/options.ts";

/** Options every optimizer group has; subclasses add their own (momentum, betas …). */
export interface GroupOptions {
  /** Learning rate. */
  lr: number;
  /** Optimizer-specific options, e.g. `momentum` or `betas`. */
  [option: string]: unknown;
}

/** One parameter group: its tensors and options. */
export interface ParamGroup extends GroupOptions {
  /** Tensors this group updates. */
  params: Tensor[];
}

/** What constructors accept: tensors, or groups `{ params, lr?, … }` overriding the defaults. */
export type ParamsInput = Iterable<Tensor> | readonly ({ params: Iterable<Tensor> } & Partial<GroupOptions>)[];

/** Per-parameter optimizer state (buffers and counters). */
export type ParamState = Record<string, Tensor | number>;

/** Serialised optimizer state, PyTorch-shaped: state keyed by parameter index, groups by index. */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by the parameter's index across all groups. */
  state: Record<number, ParamState>;
  /** Each group's options, with its parameters as indices into `state`. */
  paramGroups: (Omit<GroupOptions, never> & { params: number[] })[];
}

/** Throws a clear error unless `value` is a finite number >= `min` (and < `max` when given). */
export function checkHyper(
  optimizer: string,
  name: string,
  value: unknown,
  min: number,
  max?: number,
  maxInclusive = false,
): number {
  const ok = typeof value === "number" && Number.isFinite(value) && value >= min &&
    (max === undefined || (maxInclusive ? value <= max : value < max));
  if (!ok) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max}${maxInclusive ? "]" : ")"}`;
    throw new RangeError(`${optimizer}: invalid ${name} ${String(value)}; it must be ${range}`);
  }
  return value as number;
}

/** How messages name the learning rate: the argument's name and what it is. */
const LR = "lr (learning rate)";

/**
 * `value` as an iterable of parameters, or a clear error: a Module passed where its parameters
 * belong says to pass `model.parameters()`.
 */
function iterableParams(where: string, name: string, value: unknown): Iterable<unknown> {
  if (
    value !== null && typeof value === "object" &&
    typeof (value as { parameters?: unknown }).parameters === "function" &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `${where}: ${name} must be the parameters to optimize, got a ${
        describe(value).replace(/^an? /, "")
      }; pass model.parameters()`,
    );
  }
  if (
    value === null || value === undefined ||
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function" ||
    typeof value === "string"
  ) {
    throw new TypeError(
      `${where}: ${name} must be an iterable of tensors (e.g. model.parameters()) or of parameter groups, got ${
        describe(value)
      }`,
    );
  }
  return value as Iterable<unknown>;
}

/** Throws unless `value` is a boolean; returns it (for the builder methods' flags). */
export function checkFlag(optimizer: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    throw new TypeError(`${optimizer}: ${name} must be true or false, got ${describe(value)}`);
  }
  return value;
}

/** Base class of the optimizers. */
export abstract class Optimizer {
  /** The parameter groups (options may be changed between steps, e.g. by schedulers). */
  readonly paramGroups: ParamGroup[];
  /** State per parameter, created on its first step. */
  protected readonly state: Map<Tensor, ParamState> = new Map();
  /** Name used in error messages. */
  protected abstract readonly name: string;
  /** The options every group starts from (PyTorch's `defaults`), as given to the constructor. */
  readonly defaults: GroupOptions;

  /** Collects `params` into groups, filling each group's missing options from `defaults`. */
  constructor(params: ParamsInput, defaults: GroupOptions) {
    const where = new.target.name;
    const list = [...iterableParams(where, "params", params)];
    if (list.length === 0) throw new RangeError(`${where}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor
      ? [{ params: list as Tensor[] }]
      : (list as ({ params: Iterable<Tensor> } & Partial<GroupOptions>)[]);
    this.defaults = { ...defaults };
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((group, i) => this.buildGroup(where, group, i, seen));
    for (const group of this.paramGroups) checkHyper(where, LR, group.lr, 0);
  }

  /**
   * Checks one parameter group as given by the user (keys, tensors, no parameter in two groups)
   * and returns it with its missing options filled from {@link Optimizer.defaults}.
   */
  private buildGroup(where: string, group: unknown, i: number, seen: Set<Tensor>): ParamGroup {
    const defaults = this.defaults;
    if (group instanceof Tensor) {
      throw new TypeError(`${where}: params mixes tensors and parameter groups; pass one or the other`);
    }
    checkOptions(`${where}: parameter group ${i}`, group, ["params", ...Object.keys(defaults)]);
    if (group === undefined || !("params" in (group as object))) {
      throw new TypeError(`${where}: parameter group ${i} has no params`);
    }
    const given = group as { params: unknown } & Record<string, unknown>;
    const tensors = given.params instanceof Tensor
      ? [given.params]
      : [...iterableParams(where, `parameter group ${i} params`, given.params)];
    if (tensors.length === 0) throw new RangeError(`${where}: parameter group ${i} is empty`);
    for (const p of tensors) {
      if (!(p instanceof Tensor)) {
        throw new TypeError(`${where}: parameter group ${i} holds something that is not a Tensor`);
      }
      if (seen.has(p)) throw new RangeError(`${where}: a parameter appears in more than one group`);
      seen.add(p);
    }
    const { params: _params, ...options } = given;
    for (const [key, value] of Object.entries(options)) {
      if (typeof defaults[key] === "boolean" && typeof value !== "boolean") {
        throw new TypeError(`${where}: parameter group ${i}: ${key} must be true or false, got ${describe(value)}`);
      }
    }
    return { ...structuredClone(defaults), ...options, params: tensors as Tensor[] } as ParamGroup;
  }

  /**
   * Adds a parameter group (PyTorch's `add_param_group`), e.g. to unfreeze layers while
   * fine-tuning: options it does not give come from the optimizer's defaults (the constructor's
   * learning rate and the builder methods' values, such as `.momentum(0.9)`; not changes made by
   * schedulers or `setLr`); a
   * parameter already in a group is an error; the group is validated like the constructor's.
   * Schedulers built before the call keep scheduling the groups they were built with: the
   * chainable ones (StepLR, ExponentialLR, …) also scale the new group, as in PyTorch, and the ones
   * that need a base rate per group throw at their next step, naming the new group.
   *
   * @example
   * ```ts
   * import { Linear, SGD } from "@axon/ml";
   *
   * const backbone = new Linear(8, 4);
   * const head = new Linear(4, 2);
   * const optimizer = new SGD(head.parameters(), 0.1).momentum(0.9);
   * optimizer.addParamGroup({ params: backbone.parameters(), lr: 0.01 });
   * ```
   */
  addParamGroup(group: { params: Iterable<Tensor> | Tensor } & Partial<GroupOptions>): void {
    const where = `${this.name}.addParamGroup`;
    if (group === null || typeof group !== "object" || Array.isArray(group) || group instanceof Tensor) {
      throw new TypeError(`${where}: group must be an object { params, lr?, … }, got ${describe(group)}`);
    }
    const seen = new Set<Tensor>(this.paramGroups.flatMap((g) => g.params));
    const built = this.buildGroup(where, group, this.paramGroups.length, seen);
    checkHyper(where, LR, built.lr, 0);
    this.checkGroup(built);
    this.paramGroups.push(built);
  }

  /** Validates a group's optimizer-specific options; optimizers override it. */
  protected checkGroup(_group: ParamGroup): void {}

  /**
   * Sets an option on every group and in the defaults (the seed's builder style:
   * `.momentum(0.9)`, the counterpart of PyTorch's constructor keyword), so groups added later
   * with {@link Optimizer.addParamGroup} get it too.
   */
  protected setOption(option: string, value: unknown): this {
    this.defaults[option] = structuredClone(value);
    for (const group of this.paramGroups) group[option] = value;
    return this;
  }

  /** Clears the gradients of every parameter (set to null, PyTorch's default `set_to_none`). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /** Updates every parameter that has a gradient (parameters without one are skipped). */
  abstract step(): void;

  /** The first group's learning rate. */
  getLr(): number {
    return this.paramGroups[0].lr;
  }

  /** Sets every group's learning rate. */
  setLr(lr: number): void {
    checkHyper(this.name, LR, lr, 0);
    for (const group of this.paramGroups) group.lr = lr;
  }

  /** Copies of the state and options, keyed by parameter index (resumes bit-for-bit). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      return {
        ...structuredClone(options),
        params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, next), next++))),
      };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      state[index.get(p)!] = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.detach().clone() : v]),
      );
    }
    const dict = { state, paramGroups };
    // The state holds tensors, which JSON would turn into their storage's raw bytes that nothing
    // can load back: refuse, and point to the format that does hold them.
    Object.defineProperty(dict, "toJSON", {
      value: () => {
        throw new TypeError(
          `${this.name}.stateDict() holds tensors and cannot be written as JSON; save it with saveCheckpoint(path, { model, optimizer }) (one safetensors file) and restore it with loadCheckpoint`,
        );
      },
    });
    return dict;
  }

  /** Restores state and options saved by {@link stateDict} from an optimizer over the same parameters. */
  loadStateDict(dict: OptimizerStateDict): void {
    if (
      dict === null || typeof dict !== "object" || !Array.isArray(dict.paramGroups) || dict.state === null ||
      typeof dict.state !== "object"
    ) {
      throw new TypeError(
        `${this.name}.loadStateDict: state must be { state, paramGroups } as stateDict() returns, got ${
          describe(dict)
        }`,
      );
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${this.name}.loadStateDict: the state has ${dict.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`,
      );
    }
    const byIndex: Tensor[] = [];
    dict.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i];
      if (saved.params.length !== group.params.length) {
        throw new RangeError(
          `${this.name}.loadStateDict: group ${i} has ${saved.params.length} parameters in the state, ${group.params.length} in the optimizer`,
        );
      }
      saved.params.forEach((k, j) => (byIndex[k] = group.params[j]));
      const { params: _params, ...options } = saved;
      Object.assign(group, structuredClone(options));
    });
    this.state.clear();
    for (const [k, s] of Object.entries(dict.state)) {
      const p = byIndex[Number(k)];
      if (p === undefined) throw new RangeError(`${this.name}.loadStateDict: state for unknown parameter index ${k}`);
      const restored: ParamState = {};
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor && (v.ndim !== p.ndim || v.shape.some((d, i) => d !== p.shape[i])) && v.numel !== 1) {
          throw new RangeError(
            `${this.name}.loadStateDict: state ${name} of parameter ${k} has shape [${v.shape}], the parameter [${p.shape}]`,
          );
        }
        restored[name] = v instanceof Tensor ? keepTensor(v.detach().clone()) : v;
      }
      this.state.set(p, restored);
    }
  }
}

/** `t`, marked so that no tidy() disposes it (it is owned by this object now). */
function keepTensor(t: Tensor): Tensor {
  lifetime.keep(t);
  return t;
}
