/**
 * Facts about the running process the loader needs: the runtime, environment variables, and the
 * platform key that names Axon's prebuilt native libraries.
 * @module
 */
import process from "node:process";

/** The runtime this process runs on. */
export const RUNTIME: "deno" | "bun" = "Deno" in globalThis ? "deno" : "bun";

/** An environment variable, or undefined when unset or (Deno) not readable without `--allow-env`. */
export function readEnv(name: string): string | undefined {
  if (RUNTIME === "deno") {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env: behave as if unset
    }
  }
  return process.env[name];
}

/** Whether Deno may read `name` (always true on Bun). */
export function canReadEnv(name: string): boolean {
  if (RUNTIME !== "deno") return true;
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
}

/** Operating system as Node names it (`linux`, `darwin`, `win32`, …). */
export const OS: string = process.platform;
/** CPU architecture as Node names it (`x64`, `arm64`, …). */
export const ARCH: string = process.arch;

/** The platforms Axon publishes a native library for (the npm platform packages' suffixes). */
export const SUPPORTED_PLATFORMS: readonly string[] = [
  "linux-x64-gnu",
  "linux-arm64-gnu",
  "darwin-arm64",
  "darwin-x64",
];

/**
 * This process's platform key, e.g. `linux-x64-gnu` or `darwin-arm64` (Linux is assumed to be
 * glibc: Deno ships only glibc builds, and musl is not published).
 */
export const PLATFORM: string = OS === "linux" ? `linux-${ARCH}-gnu` : `${OS}-${ARCH}`;

/** The file name of the native library on this OS. */
export const LIBRARY_FILE: string = OS === "darwin" ? "libaxon.dylib" : OS === "win32" ? "axon.dll" : "libaxon.so";

/** `libaxon.so` → `libaxon-x86-64-v3.so`: the file of one x86-64 level next to the baseline. */
export function levelFileName(baseName: string, level: string): string {
  const dot = baseName.lastIndexOf(".");
  return dot < 0 ? `${baseName}-${level}` : `${baseName.slice(0, dot)}-${level}${baseName.slice(dot)}`;
}

/** The release file name for this platform (and level): `libaxon-linux-x64-gnu[-<level>].so`. */
export function releaseFileName(platform: string, level?: string): string {
  const ext = platform.startsWith("darwin") ? "dylib" : "so";
  return `libaxon-${platform}${level ? `-${level}` : ""}.${ext}`;
}
