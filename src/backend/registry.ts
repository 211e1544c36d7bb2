/**
 * The backends by device: `tensor.device` selects the one that runs an op. The CPU backend is
 * always registered; a CUDA backend registers itself next to it, and nothing in src/ops, src/nn
 * or src/optim changes.
 * @module
 */
import type { Tensor } from "../tensor/tensor.ts";
import type { Backend } from "./backend.ts";
import { cpuBackend } from "./cpu/mod.ts";
import type { Device } from "./device.ts";

const backends = new Map<Device, Backend>([["cpu", cpuBackend]]);
const cpu: Backend = cpuBackend;

/**
 * Makes `backend` run the ops of tensors on `backend.device` (replacing one registered before).
 * The CPU backend cannot be replaced.
 */
export function registerBackend(backend: Backend): void {
  if (backend.device === "cpu") throw new Error("registerBackend: the CPU backend is built in and cannot be replaced");
  backends.set(backend.device, backend);
}

/** Removes the backend of `device` (not the CPU's); tensors already on it can no longer run ops. */
export function unregisterBackend(device: Device): void {
  if (device === "cpu") throw new Error("unregisterBackend: the CPU backend cannot be removed");
  backends.delete(device);
}

/** The backend of `device`; an error when none is registered. */
export function backendFor(device: Device): Backend {
  if (device === "cpu") return cpu;
  const backend = backends.get(device);
  if (backend === undefined) {
    throw new Error(
      device === "cuda"
        ? 'CUDA backend is not available: this build of Axon runs on the CPU only (use device "cpu")'
        : `no backend is registered for device ${JSON.stringify(device)}`,
    );
  }
  return backend;
}

/**
 * The backend of an op's tensors, which must all be on one device: an error naming `op` and both
 * devices otherwise. Null entries (absent optional operands) are skipped.
 */
export function backendOf(
  op: string,
  first: Tensor,
  second?: Tensor | null,
  third?: Tensor | null,
  fourth?: Tensor | null,
): Backend {
  const device = first.device;
  if (
    (second != null && second.device !== device) || (third != null && third.device !== device) ||
    (fourth != null && fourth.device !== device)
  ) {
    const other = [second, third, fourth].find((t) => t != null && t.device !== device)!.device;
    throw new Error(`${op}: expected all tensors on one device, but found tensors on ${device} and ${other}`);
  }
  return device === "cpu" ? cpu : backendFor(device);
}
