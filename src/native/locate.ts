/**
 * Finds the native library file, in this order:
 *
 * 1. `AXON_LIB`, a path to the library;
 * 2. this checkout's build output `zig-out/lib/` (when Axon runs from a source checkout);
 * 3. the npm platform package `@axon/ml-<platform>` (installed by npm/bun as an optional
 *    dependency of `@axon/ml`);
 * 4. the per-user cache, `$XDG_CACHE_HOME/axon/<version>/<sha256>/` (default `~/.cache`;
 *    `~/Library/Caches` on macOS), each file checked against its SHA-256 before use;
 * 5. a download of the release file from `AXON_BINARY_URL` (default {@link BINARY_BASE_URL}),
 *    checked against the SHA-256 list inside the package, then written atomically into the cache.
 *
 * Steps 4 and 5 are how a JSR or URL import (which cannot carry a binary) gets its library, the
 * pattern of Deno's own FFI modules. x86-64 libraries come as one file per CPU level
 * (zig/cpu/levels.zig); {@link LocatedLibrary.levelFile} finds the others beside the baseline.
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isPermissionError, NativeError } from "./errors.ts";
import {
  canReadEnv,
  levelFileName,
  LIBRARY_FILE,
  OS,
  PLATFORM,
  readEnv,
  releaseFileName,
  SUPPORTED_PLATFORMS,
} from "./host.ts";
import { BINARY_BASE_URL, RELEASE_FILES, VERSION } from "./release_files.ts";

/** The command that builds the native library in a checkout (named in load errors). */
export const BUILD_COMMAND = "tools/dev.sh build   (or: zig build -Doptimize=ReleaseFast)";

/** Where a library file was found. */
export type LibrarySource = "AXON_LIB" | "checkout" | "npm" | "cache" | "download";

/** A located library: the baseline file, and how to find the file of another x86-64 level. */
export interface LocatedLibrary {
  /** Path of the library file to open first. */
  readonly path: string;
  /** Which step of the search found it. */
  readonly source: LibrarySource;
  /** The file of x86-64 level `level` from the same place, or undefined when there is none. */
  levelFile(level: string): Promise<string | undefined>;
}

/** Finds the library (see the module documentation for the order). */
export async function locateLibrary(): Promise<LocatedLibrary> {
  const fromEnv = readEnv("AXON_LIB");
  if (fromEnv) {
    if (!isFile(fromEnv)) {
      throw new NativeError(`AXON_LIB is ${fromEnv}, which is not a file: point it at a libaxon library, or unset it`);
    }
    return besideFile(fromEnv, "AXON_LIB");
  }
  const checkout = checkoutLibrary();
  if (checkout !== undefined && isFile(checkout)) return besideFile(checkout, "checkout");
  const fromNpm = npmPackageLibrary();
  if (fromNpm !== undefined) return besideFile(fromNpm, "npm");
  return await fromCacheOrDownload();
}

function besideFile(path: string, source: LibrarySource): LocatedLibrary {
  return {
    path,
    source,
    levelFile(level) {
      const candidate = join(dirname(path), levelFileName(path.slice(dirname(path).length + 1), level));
      return Promise.resolve(isFile(candidate) ? candidate : undefined);
    },
  };
}

/** A regular file at `path`? Refused reads (Deno without --allow-read) are errors naming the flag. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    if (isPermissionError(error)) {
      throw new NativeError(
        `Axon needs to read ${path} to find its native library: run deno with --allow-read (${
          (error as Error).message
        })`,
      );
    }
    return false;
  }
}

function checkoutLibrary(): string | undefined {
  if (!import.meta.url.startsWith("file:")) return undefined;
  const dir = OS === "win32" ? "bin" : "lib";
  return fileURLToPath(new URL(`../../zig-out/${dir}/${LIBRARY_FILE}`, import.meta.url));
}

function npmPackageLibrary(): string | undefined {
  if (!import.meta.url.startsWith("file:") || !SUPPORTED_PLATFORMS.includes(PLATFORM)) return undefined;
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`@axon/ml-${PLATFORM}/package.json`);
  } catch {
    return undefined; // not installed (a JSR or checkout copy, or optional dependencies skipped)
  }
  const path = join(dirname(manifest), "lib", LIBRARY_FILE);
  return isFile(path) ? path : undefined;
}

/** Throws, naming the fix, unless Axon publishes a library for `platform` (a key like `linux-x64-gnu`). */
export function checkPlatform(platform: string): void {
  if (!SUPPORTED_PLATFORMS.includes(platform)) {
    throw new NativeError(
      `Axon has no prebuilt native library for ${platform} (published: ${SUPPORTED_PLATFORMS.join(", ")}): ` +
        `build it from a checkout (${BUILD_COMMAND}) and set AXON_LIB to the file`,
    );
  }
}

async function fromCacheOrDownload(): Promise<LocatedLibrary> {
  checkPlatform(PLATFORM);
  const name = releaseFileName(PLATFORM);
  if (RELEASE_FILES[name] === undefined) {
    throw new NativeError(
      `native library not found (AXON_LIB unset, no ${
        checkoutLibrary() ?? "checkout build"
      }, no npm package @axon/ml-${PLATFORM}, ` +
        `and this copy of Axon lists no release files to download): run ${BUILD_COMMAND}, or set AXON_LIB to a libaxon file`,
    );
  }
  const first = await cachedOrDownloaded(name);
  return {
    path: first.path,
    source: first.source,
    async levelFile(level) {
      const levelName = releaseFileName(PLATFORM, level);
      return RELEASE_FILES[levelName] === undefined ? undefined : (await cachedOrDownloaded(levelName)).path;
    },
  };
}

/** The per-user cache folder for this version: `<cache>/axon/<version>`. */
export function cacheDirectory(): string {
  for (const name of ["XDG_CACHE_HOME", "HOME"]) {
    if (!canReadEnv(name)) {
      throw new NativeError(
        `Axon keeps its native library in the per-user cache and needs ${name} to find it: run deno with --allow-env ` +
          `(or set AXON_LIB to a libaxon file)`,
      );
    }
  }
  const xdg = readEnv("XDG_CACHE_HOME");
  const base = xdg ? xdg : OS === "darwin" ? join(homedir(), "Library", "Caches") : join(homedir(), ".cache");
  return join(base, "axon", VERSION);
}

async function cachedOrDownloaded(name: string): Promise<{ path: string; source: LibrarySource }> {
  const expected = RELEASE_FILES[name];
  const dir = join(cacheDirectory(), expected);
  const path = join(dir, name);
  if (isFile(path)) {
    // Checked on every load: a file changed after it was written is downloaded again, never used.
    if ((await sha256Hex(readCached(path))) === expected) return { path, source: "cache" };
  }
  const bytes = await download(name, expected);
  writeAtomically(dir, name, bytes);
  return { path, source: "download" };
}

function readCached(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    if (isPermissionError(error)) {
      throw new NativeError(`Axon needs to read its cached native library ${path}: run deno with --allow-read`);
    }
    throw error;
  }
}

async function download(name: string, expected: string): Promise<Uint8Array> {
  const base = (readEnv("AXON_BINARY_URL") || BINARY_BASE_URL).replace(/\/+$/, "");
  const url = `${base}/${name}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    if (isPermissionError(error)) {
      throw new NativeError(
        `Axon downloads its native library once from ${url}: run deno with --allow-net=${new URL(url).host} ` +
          `(or set AXON_LIB to a libaxon file)`,
      );
    }
    throw new NativeError(
      `could not download the native library from ${url} (${
        (error as Error).message
      }): set AXON_BINARY_URL to a reachable copy of the release files, or AXON_LIB to a libaxon file`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new NativeError(
      `could not download the native library from ${url}: HTTP ${response.status}; set AXON_BINARY_URL to the release files of version ${VERSION}, or AXON_LIB to a libaxon file`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new NativeError(
      `checksum mismatch for ${url}: SHA-256 ${actual}, expected ${expected}; the file was neither saved nor loaded. ` +
        `AXON_BINARY_URL must serve the release files of Axon ${VERSION} unchanged`,
    );
  }
  return bytes;
}

/** Writes `bytes` to `dir/name` so that no reader ever sees a partial file: a temporary file, then rename. */
function writeAtomically(dir: string, name: string, bytes: Uint8Array): void {
  const temporary = join(dir, `.${name}.${randomUUID()}.partial`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temporary, bytes, { mode: 0o755 });
    renameSync(temporary, join(dir, name));
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch { /* the write itself failed; nothing to remove */ }
    if (isPermissionError(error)) {
      throw new NativeError(
        `Axon keeps its downloaded native library in ${dir}: run deno with --allow-write (or --allow-write=${dir})`,
      );
    }
    throw new NativeError(`could not write the native library into ${dir}: ${(error as Error).message}`);
  }
}

/** Lowercase hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
