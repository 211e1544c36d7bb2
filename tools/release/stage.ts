/**
 * Stages Axon's packages from the release files that tools/release.sh built into dist/release/
 * (run by it with `deno run -A`):
 *
 * - dist/jsr/: the JSR package (mod.ts, src/, README, LICENSE, deno.json) whose
 *   src/native/release_files.ts lists the release files and their SHA-256;
 * - dist/npm/ml/: `@axon/ml`, the same sources compiled by TypeScript to ES modules with .d.ts,
 *   with one optional dependency per platform package;
 * - dist/npm/ml-<platform>/: `@axon/ml-<platform>`, the library file(s) only, with the os/cpu/libc
 *   fields that make npm and bun install just the matching one.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIST = join(ROOT, "dist");
const RELEASE = join(DIST, "release");
const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
const rootPackage = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const version: string = deno.version;
if (rootPackage.version !== version) {
  throw new Error(`package.json is version ${rootPackage.version}, deno.json ${version}: make them equal`);
}

/** npm's names for each platform key's os, cpu and libc. */
const PLATFORMS: Record<string, { os: string; cpu: string; libc?: string; ext: string }> = {
  "linux-x64-gnu": { os: "linux", cpu: "x64", libc: "glibc", ext: "so" },
  "linux-arm64-gnu": { os: "linux", cpu: "arm64", libc: "glibc", ext: "so" },
  "darwin-arm64": { os: "darwin", cpu: "arm64", ext: "dylib" },
  "darwin-x64": { os: "darwin", cpu: "x64", ext: "dylib" },
};

// SHA256SUMS, as sha256sum writes it: "<hex>  <name>".
const checksums: Record<string, string> = {};
for (const line of readFileSync(join(RELEASE, "SHA256SUMS"), "utf8").split("\n")) {
  const match = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line.trim());
  if (match) checksums[match[2]] = match[1];
}
const built = Object.keys(PLATFORMS).filter((p) => existsSync(join(RELEASE, `libaxon-${p}.${PLATFORMS[p].ext}`)));

function releaseFilesModule(): string {
  const source = readFileSync(join(ROOT, "src/native/release_files.ts"), "utf8");
  const entries = Object.entries(checksums).map(([name, sum]) => `  "${name}": "${sum}",`).join("\n");
  const replaced = source
    .replace(/export const VERSION = "[^"]*";/, `export const VERSION = "${version}";`)
    .replace(
      /export const RELEASE_FILES: Readonly<Record<string, string>> = \{\};/,
      `export const RELEASE_FILES: Readonly<Record<string, string>> = {\n${entries}\n};`,
    );
  if (!replaced.includes(Object.values(checksums)[0])) {
    throw new Error("could not fill src/native/release_files.ts (its layout changed?)");
  }
  return replaced;
}

/** mod.ts, src/, README.md and LICENSE with the filled checksum list, into `dir`. */
function copySources(dir: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
  for (const file of ["mod.ts", "README.md", "LICENSE"]) cpSync(join(ROOT, file), join(dir, file));
  writeFileSync(join(dir, "src/native/release_files.ts"), releaseFilesModule());
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}

rmSync(join(DIST, "jsr"), { recursive: true, force: true });
rmSync(join(DIST, "npm"), { recursive: true, force: true });

// JSR
const jsr = join(DIST, "jsr");
copySources(jsr);
writeJson(join(jsr, "deno.json"), {
  name: deno.name,
  version,
  license: deno.license,
  exports: deno.exports,
  compilerOptions: deno.compilerOptions,
});

// npm: @axon/ml, compiled
const staging = join(DIST, "npm-src");
rmSync(staging, { recursive: true, force: true });
copySources(staging);
// Deno's own declarations (the Deno namespace used by src/native/deno.ts), for tsc.
writeFileSync(
  join(staging, "deno.d.ts"),
  execFileSync(Deno.execPath(), ["types"], { encoding: "utf8", maxBuffer: 64 << 20 }),
);
const ml = join(DIST, "npm", "ml");
writeJson(join(staging, "tsconfig.json"), {
  compilerOptions: {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "bundler",
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: true,
    declaration: true,
    strict: true,
    skipLibCheck: true,
    lib: ["ES2023"],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules/@types")],
    outDir: ml,
  },
  include: ["mod.ts", "src/**/*.ts", "deno.d.ts"],
});
execFileSync("node", [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(staging, "tsconfig.json")], {
  stdio: "inherit",
});
rmSync(staging, { recursive: true, force: true });
for (const file of ["README.md", "LICENSE"]) cpSync(join(ROOT, file), join(ml, file));
writeJson(join(ml, "package.json"), {
  name: "@axon/ml",
  version,
  description: rootPackage.description,
  license: "MIT",
  type: "module",
  main: "./mod.js",
  types: "./mod.d.ts",
  exports: { ".": { types: "./mod.d.ts", default: "./mod.js" } },
  dependencies: rootPackage.dependencies,
  optionalDependencies: Object.fromEntries(built.map((p) => [`@axon/ml-${p}`, version])),
});

// npm: one package per platform, the library only
for (const platform of built) {
  const { os, cpu, libc, ext } = PLATFORMS[platform];
  const dir = join(DIST, "npm", `ml-${platform}`);
  mkdirSync(join(dir, "lib"), { recursive: true });
  const prefix = `libaxon-${platform}`;
  for (const name of readdirSync(RELEASE)) {
    if (name !== `${prefix}.${ext}` && !(name.startsWith(`${prefix}-`) && name.endsWith(`.${ext}`))) continue;
    // libaxon-linux-x64-gnu-x86-64-v3.so → lib/libaxon-x86-64-v3.so, beside lib/libaxon.so
    cpSync(join(RELEASE, name), join(dir, "lib", `libaxon${name.slice(prefix.length)}`));
  }
  cpSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  writeFileSync(
    join(dir, "README.md"),
    `# @axon/ml-${platform}\n\nThe native library of [@axon/ml](https://www.npmjs.com/package/@axon/ml) for ${platform}; installed by \`@axon/ml\` as an optional dependency, not used on its own.\n`,
  );
  writeJson(join(dir, "package.json"), {
    name: `@axon/ml-${platform}`,
    version,
    description: `Axon's native library for ${platform}`,
    license: "MIT",
    os: [os],
    cpu: [cpu],
    ...(libc ? { libc: [libc] } : {}),
    files: ["lib/"],
    preferUnplugged: true,
  });
}
console.log(`staged @axon/ml ${version}: dist/jsr, dist/npm/ml, ${built.map((p) => `dist/npm/ml-${p}`).join(", ")}`);
