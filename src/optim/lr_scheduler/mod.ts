/**
 * Learning-rate schedulers (PyTorch 2.13 semantics): `StepLR`, `MultiStepLR`, `ExponentialLR`,
 * `CosineAnnealingLR`, `OneCycleLR`, `WarmupLR`, `LambdaLR`, `LinearLR`, `SequentialLR` and
 * `ReduceLROnPlateau`.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, Linear, LinearLR, SequentialLR, SGD } from "@axon/ml";
 *
 * const model = new Linear(2, 1);
 * const optimizer = new SGD(model.parameters(), 0.1).momentum(0.9);
 * const warmup = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 10 });
 * const cosine = new CosineAnnealingLR(optimizer, 90);
 * const scheduler = new SequentialLR(optimizer, [warmup, cosine], [10]);
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   optimizer.step(); // one epoch of training
 *   scheduler.step(optimizer);
 * }
 * ```
 * @module
 */
export { LRScheduler } from "./scheduler.ts";
export type { JsonValue, Scheduler, SchedulerStateDict } from "./scheduler.ts";
export { StepLR } from "./step_lr.ts";
export { MultiStepLR } from "./multi_step_lr.ts";
export { ExponentialLR } from "./exponential_lr.ts";
export { CosineAnnealingLR } from "./cosine_annealing_lr.ts";
export { OneCycleLR } from "./one_cycle_lr.ts";
export type { AnnealStrategy, OneCycleLROptions } from "./one_cycle_lr.ts";
export { WarmupLR } from "./warmup_lr.ts";
export { LambdaLR } from "./lambda_lr.ts";
export type { LrLambda } from "./lambda_lr.ts";
export { LinearLR } from "./linear_lr.ts";
export type { LinearLROptions } from "./linear_lr.ts";
export { SequentialLR } from "./sequential_lr.ts";
export { ReduceLROnPlateau } from "./reduce_lr_on_plateau.ts";
export type { PlateauMode, ReduceLROnPlateauOptions, ThresholdMode } from "./reduce_lr_on_plateau.ts";
export { ConstantLR } from "./constant_lr.ts";
export type { ConstantLROptions } from "./constant_lr.ts";
export { PolynomialLR } from "./polynomial_lr.ts";
export type { PolynomialLROptions } from "./polynomial_lr.ts";
export { MultiplicativeLR } from "./multiplicative_lr.ts";
export { ChainedScheduler } from "./chained_scheduler.ts";
export { CosineAnnealingWarmRestarts } from "./cosine_annealing_warm_restarts.ts";
export type { CosineAnnealingWarmRestartsOptions } from "./cosine_annealing_warm_restarts.ts";
export { CyclicLR } from "./cyclic_lr.ts";
export type { CyclicLROptions, CyclicMode } from "./cyclic_lr.ts";
