/**
 * Devices: where a tensor's memory lives, and so which backend runs its kernels.
 * @module
 */

/** Where a tensor's memory lives. `"cuda"` exists once a CUDA backend is registered. */
export type Device = "cpu" | "cuda";

/** Whether `value` names a device (registered or not). */
export function isDevice(value: unknown): value is Device {
  return value === "cpu" || value === "cuda";
}
