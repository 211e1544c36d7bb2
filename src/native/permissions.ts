/**
 * Deno's permission check before the native library is loaded: without `--allow-read` (to find
 * the file) or `--allow-ffi` (to open it), Deno's own error would be reported as a missing or
 * broken build; this names the flags instead.
 * @module
 */

/**
 * The message to throw when Deno lacks a permission needed to load the library at `path`, or
 * null when all are granted (and always on Bun, which has no permissions).
 *
 * @example
 * ```ts
 * const problem = denoPermissionProblem("/repo/zig-out/lib/libaxon.so");
 * if (problem) throw new Error(problem); // "… needs --allow-read and --allow-ffi …"
 * ```
 */
export function denoPermissionProblem(path: string): string | null {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.permissions?.querySync === undefined) return null;
  const missing: string[] = [];
  if (deno.permissions.querySync({ name: "read", path }).state !== "granted") missing.push("--allow-read");
  if (deno.permissions.querySync({ name: "ffi", path }).state !== "granted") missing.push("--allow-ffi");
  if (missing.length === 0) return null;
  return `Axon's native library ${path} cannot be loaded without Deno's ${missing.join(" and ")} ` +
    `permission${missing.length > 1 ? "s" : ""}: run deno with ${missing.join(" ")} ` +
    `(all Axon needs: deno run --allow-ffi --allow-read --allow-env script.ts)`;
}

/**
 * Before the library is even looked for: the message to throw when Deno lacks `--allow-ffi`
 * altogether (with `--allow-read` too when that is missing), so one error names every flag
 * instead of the first failure naming one; null when FFI is granted, and on Bun.
 */
export function denoFfiPermissionProblem(): string | null {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno?.permissions?.querySync === undefined) return null;
  if (deno.permissions.querySync({ name: "ffi" }).state === "granted") return null;
  const missing = deno.permissions.querySync({ name: "read" }).state === "granted"
    ? ["--allow-ffi"]
    : ["--allow-read", "--allow-ffi"];
  return `Axon's native library cannot be loaded without Deno's ${missing.join(" and ")} ` +
    `permission${missing.length > 1 ? "s" : ""}: run deno with ${missing.join(" ")} ` +
    `(all Axon needs: deno run --allow-ffi --allow-read --allow-env script.ts)`;
}
