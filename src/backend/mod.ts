/**
 * The backend seam: the {@link Backend} interface every op calls, the registry that picks one by
 * `tensor.device`, and the CPU backend behind it.
 * @module
 */
export type * from "./backend.ts";
export type { Device } from "./device.ts";
export { backendFor, backendOf, registerBackend, unregisterBackend } from "./registry.ts";
export { cpuBackend } from "./cpu/mod.ts";
