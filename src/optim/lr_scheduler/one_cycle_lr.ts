/**
 * `OneCycleLR`: the 1cycle policy (super-convergence), with cycled momentum.
 * @module
 */
import type { Optimizer, ParamGroup } from "../optimizer.ts";
import { checkInt, checkNumber, type JsonValue, LRScheduler, perGroup, type SchedulerStateDict } from "./scheduler.ts";
import { checkBool } from "../../utils/check.ts";
import { checkOptions } from "../../utils/options.ts";

/** How {@link OneCycleLR} interpolates within a phase. */
export type AnnealStrategy = "cos" | "linear";

/** Options of {@link OneCycleLR} (PyTorch's defaults). */
export interface OneCycleLROptions {
  /** Total number of steps in the cycle; overrides `epochs · stepsPerEpoch`. */
  totalSteps?: number;
  /** Fraction of the cycle spent increasing the learning rate, in (0, 1); default 0.3. */
  pctStart?: number;
  /** `"cos"` (default) or `"linear"` interpolation. */
  annealStrategy?: AnnealStrategy;
  /** Cycle the momentum inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the peak learning rate (per group or one value); default 0.85. */
  baseMomentum?: number | readonly number[];
  /** Momentum at the start and end of the cycle (per group or one value); default 0.95. */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor; default 25. */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor; default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, annihilate to minLr) instead of two; default false. */
  threePhase?: boolean;
}

/** The keys of {@link OneCycleLROptions}. */
const ONE_CYCLE_OPTIONS = [
  "totalSteps",
  "pctStart",
  "annealStrategy",
  "cycleMomentum",
  "baseMomentum",
  "maxMomentum",
  "divFactor",
  "finalDivFactor",
  "threePhase",
];

/** One phase of the schedule: it ends at step `endStep`, moving between the named group options. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function makePhases(totalSteps: number, pctStart: number, threePhase: boolean): Phase[] {
  const up = pctStart * totalSteps - 1;
  return threePhase
    ? [
      { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
      {
        endStep: 2 * pctStart * totalSteps - 2,
        startLr: "maxLr",
        endLr: "initialLr",
        startMomentum: "baseMomentum",
        endMomentum: "maxMomentum",
      },
      {
        endStep: totalSteps - 1,
        startLr: "initialLr",
        endLr: "minLr",
        startMomentum: "maxMomentum",
        endMomentum: "maxMomentum",
      },
    ]
    : [
      { endStep: up, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
      {
        endStep: totalSteps - 1,
        startLr: "maxLr",
        endLr: "minLr",
        startMomentum: "baseMomentum",
        endMomentum: "maxMomentum",
      },
    ];
}

/**
 * The 1cycle learning-rate policy (PyTorch's `OneCycleLR`, the fastai two-phase variant by
 * default). With `initialLr = maxLr / divFactor` and `minLr = initialLr / finalDivFactor`, over
 * `totalSteps = epochs · stepsPerEpoch` steps (call {@link OneCycleLR.step} after every batch):
 *
 * - phase 1, steps 0 … pctStart·totalSteps − 1: lr anneals initialLr → maxLr, momentum maxMomentum → baseMomentum;
 * - phase 2, … totalSteps − 1: lr anneals maxLr → minLr, momentum baseMomentum → maxMomentum.
 *
 * With `threePhase`, phase 2 goes back to initialLr (symmetric to phase 1) and a third phase
 * anneals initialLr → minLr at maxMomentum. Within a phase from step a to b the fraction is
 * p = (t − a) / (b − a) and "cos" annealing is end + (start − end)/2 · (1 + cos(π p)), "linear"
 * is start + (end − start) p.
 *
 * Construction sets each group's `initialLr`, `maxLr`, `minLr` (and `maxMomentum`,
 * `baseMomentum`) options and its `lr` to initialLr. Momentum is cycled in the groups' `momentum`
 * option (SGD, RMSprop) or `betas[0]` (Adam family); `cycleMomentum: false` leaves it alone.
 * Stepping past `totalSteps` is an error.
 *
 * @example
 * ```ts
 * import { Linear, OneCycleLR, SGD } from "@axon/ml";
 *
 * const optimizer = new SGD(new Linear(2, 1).parameters(), 0.1).momentum(0.9);
 * // 1cycle policy for super-convergence: 100 epochs of 1000 batches
 * const scheduler = new OneCycleLR(optimizer, 0.1, 100, 1000);
 * // PyTorch's knobs:
 * const three = new OneCycleLR(optimizer, 0.1, 100, 1000, { pctStart: 0.25, annealStrategy: "linear", threePhase: true });
 * // or a total step count:
 * const byTotal = new OneCycleLR(optimizer, 0.1, { totalSteps: 5000 });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** Total number of steps in the cycle. */
  totalSteps: number;
  /** Interpolation within a phase. */
  annealStrategy: AnnealStrategy;
  /** Whether momentum is cycled. */
  cycleMomentum: boolean;
  /** Whether the cycled momentum is `betas[0]` (Adam family) rather than `momentum`. */
  useBeta1: boolean;
  private phases: Phase[];

  /**
   * Creates the scheduler for a cycle of `epochs · stepsPerEpoch` steps and takes the initial step.
   *
   * @param maxLr peak learning rate (> 0; one value or one per group)
   * @param epochs number of epochs (an integer >= 1)
   * @param stepsPerEpoch steps per epoch (an integer >= 1)
   */
  constructor(
    optimizer: Optimizer,
    maxLr: number | readonly number[],
    epochs: number,
    stepsPerEpoch: number,
    options?: OneCycleLROptions,
  );
  /**
   * Creates the scheduler for a cycle of `options.totalSteps` steps and takes the initial step.
   *
   * @param maxLr peak learning rate; `options.totalSteps` gives the cycle length
   */
  constructor(
    optimizer: Optimizer,
    maxLr: number | readonly number[],
    options: OneCycleLROptions & { totalSteps: number },
  );
  constructor(
    optimizer: Optimizer,
    maxLr: number | readonly number[],
    epochsOrOptions?: number | OneCycleLROptions,
    stepsPerEpoch?: number,
    options: OneCycleLROptions = {},
  ) {
    super(optimizer);
    const name = this.name;
    let epochs: number | undefined;
    if (typeof epochsOrOptions === "object" && epochsOrOptions !== null) {
      if (stepsPerEpoch !== undefined || arguments.length > 3) {
        throw new TypeError(
          `${name}: with an options object as the third argument, give no further arguments (totalSteps goes in the options)`,
        );
      }
      options = epochsOrOptions;
    } else epochs = epochsOrOptions;
    checkOptions(name, options, ONE_CYCLE_OPTIONS);
    const {
      totalSteps,
      pctStart = 0.3,
      annealStrategy = "cos",
      cycleMomentum = true,
      baseMomentum = 0.85,
      maxMomentum = 0.95,
      divFactor = 25,
      finalDivFactor = 1e4,
      threePhase = false,
    } = options;

    if (totalSteps !== undefined) {
      this.totalSteps = checkInt(name, "totalSteps", totalSteps, 1);
    } else if (epochs !== undefined && stepsPerEpoch !== undefined) {
      this.totalSteps = checkInt(name, "epochs", epochs, 1) * checkInt(name, "stepsPerEpoch", stepsPerEpoch, 1);
    } else {
      throw new RangeError(`${name}: give either epochs and stepsPerEpoch, or options.totalSteps`);
    }
    checkNumber(name, "pctStart", pctStart, { lo: 0, hi: 1 });
    checkBool(name, "cycleMomentum", cycleMomentum);
    checkBool(name, "threePhase", threePhase);
    if (annealStrategy !== "cos" && annealStrategy !== "linear") {
      throw new RangeError(
        `${name}: unknown annealStrategy ${JSON.stringify(annealStrategy)}; it must be "cos" or "linear"`,
      );
    }
    this.annealStrategy = annealStrategy;
    checkNumber(name, "divFactor", divFactor, { lo: 0 });
    checkNumber(name, "finalDivFactor", finalDivFactor, { lo: 0 });
    this.phases = makePhases(this.totalSteps, pctStart, threePhase);
    let start = 0;
    for (const phase of this.phases) {
      if (phase.endStep === start) {
        throw new RangeError(
          `${name}: pctStart ${pctStart} with totalSteps ${this.totalSteps} makes a phase of the cycle empty`,
        );
      }
      start = phase.endStep;
    }

    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(name, "maxLr", maxLr, groups.length);
    maxLrs.forEach((v) => checkNumber(name, "maxLr", v, { lo: 0 }));
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = false;
    let maxMomenta: number[] = [];
    let baseMomenta: number[] = [];
    if (cycleMomentum) {
      if (!groups.every((g) => "momentum" in g || "betas" in g)) {
        throw new RangeError(
          `${name}: the optimizer has no momentum or betas option to cycle; pass cycleMomentum: false`,
        );
      }
      this.useBeta1 = "betas" in groups[0];
      maxMomenta = perGroup(name, "maxMomentum", maxMomentum, groups.length);
      baseMomenta = perGroup(name, "baseMomentum", baseMomentum, groups.length);
      maxMomenta.forEach((v) => checkNumber(name, "maxMomentum", v, { lo: 0, loInclusive: true }));
      baseMomenta.forEach((v) => checkNumber(name, "baseMomentum", v, { lo: 0, loInclusive: true }));
    }

    // Everything is valid: write the schedule's options into the groups.
    groups.forEach((group, i) => {
      group.initialLr = maxLrs[i] / divFactor;
      group.maxLr = maxLrs[i];
      group.minLr = (group.initialLr as number) / finalDivFactor;
      if (cycleMomentum) {
        this.setMomentum(group, maxMomenta[i]);
        group.maxMomentum = maxMomenta[i];
        group.baseMomentum = baseMomenta[i];
      }
    });
    this.start();
  }

  /** Writes the cycled momentum: `betas[0]` for the Adam family, else `momentum`. */
  private setMomentum(group: ParamGroup, value: number): void {
    if (this.useBeta1) group.betas = [value, ...(group.betas as number[]).slice(1)];
    else group.momentum = value;
  }

  /** Interpolates the rate (and momentum) within the current phase; throws past `totalSteps`. */
  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new RangeError(
        `${this.name}: tried to step ${step} times, but the cycle has totalSteps ${this.totalSteps}`,
      );
    }
    const anneal = this.annealStrategy === "cos" ? annealCos : annealLinear;
    const last = this.phases.length - 1;
    return this.groups.map((group) => {
      let startStep = 0;
      for (let i = 0; i <= last; i++) {
        const phase = this.phases[i];
        if (step <= phase.endStep || i === last) {
          const pct = (step - startStep) / (phase.endStep - startStep);
          const lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            this.setMomentum(
              group,
              anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct),
            );
          }
          return lr;
        }
        startStep = phase.endStep;
      }
      throw new Error("unreachable");
    });
  }

  /** Saves the cycle length, strategy, momentum settings and phases in the state dict. */
  protected override options(): Record<string, JsonValue> {
    return {
      totalSteps: this.totalSteps,
      annealStrategy: this.annealStrategy,
      cycleMomentum: this.cycleMomentum,
      useBeta1: this.useBeta1,
      phases: this.phases.map((p) => ({ ...p })),
    };
  }

  /** Restores the cycle length, strategy, momentum settings and phases from a state dict, validated. */
  protected override loadOptions(state: SchedulerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const totalSteps = checkInt(where, "totalSteps", state.totalSteps, 1);
    if (state.annealStrategy !== "cos" && state.annealStrategy !== "linear") {
      throw new RangeError(`${where}: unknown annealStrategy ${JSON.stringify(state.annealStrategy)}`);
    }
    const phases = state.phases;
    if (
      !Array.isArray(phases) || phases.length === 0 || !phases.every((p) =>
        p !== null && typeof p === "object" &&
        typeof (p as Record<string, JsonValue>).endStep === "number"
      )
    ) {
      throw new RangeError(`${where}: phases must be a non-empty list of schedule phases`);
    }
    this.totalSteps = totalSteps;
    this.annealStrategy = state.annealStrategy;
    this.cycleMomentum = state.cycleMomentum === true;
    this.useBeta1 = state.useBeta1 === true;
    this.phases = (phases as unknown as Phase[]).map((p) => ({ ...p }));
  }
}
