/**
 * Dropout of `F`.
 * @module
 */
export { dropout } from "../dropout.ts";
