/**
 * Padding and resizing functions of `F`.
 * @module
 */
export { pad } from "../../ops/pad.ts";
export type { PadMode } from "../../ops/pad.ts";
export { interpolate } from "../../ops/interpolate.ts";
export type { InterpolateMode, InterpolateOptions } from "../../ops/interpolate.ts";
