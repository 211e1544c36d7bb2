/**
 * The locator's pure parts: platform keys, file names, the unsupported-platform error, the
 * version the cache is keyed by. (Finding, downloading and caching run end to end in tests/dist.)
 */
import { readFileSync } from "node:fs";
import { assert, test } from "../harness.ts";
import { levelFileName, PLATFORM, releaseFileName, SUPPORTED_PLATFORMS } from "../../src/native/host.ts";
import { checkPlatform, sha256Hex } from "../../src/native/locate.ts";
import { BINARY_BASE_URL, RELEASE_FILES, VERSION } from "../../src/native/release_files.ts";

test("an unsupported platform is refused with the published list and the AXON_LIB fix", () => {
  assert.throws(
    () => checkPlatform("win32-x64"),
    /no prebuilt native library for win32-x64 \(published: linux-x64-gnu, linux-arm64-gnu, darwin-arm64, darwin-x64\): build it from a checkout .* and set AXON_LIB/,
  );
  assert.throws(() => checkPlatform("linux-x64-musl"), /linux-x64-musl/);
  for (const platform of SUPPORTED_PLATFORMS) checkPlatform(platform);
  assert.equal(PLATFORM, "linux-x64-gnu", "this machine");
});

test("release and level file names", () => {
  assert.equal(releaseFileName("linux-x64-gnu"), "libaxon-linux-x64-gnu.so");
  assert.equal(releaseFileName("linux-x64-gnu", "amx"), "libaxon-linux-x64-gnu-amx.so");
  assert.equal(releaseFileName("darwin-arm64"), "libaxon-darwin-arm64.dylib");
  assert.equal(levelFileName("libaxon.so", "x86-64-v3"), "libaxon-x86-64-v3.so");
  assert.equal(levelFileName("libaxon-darwin-x64.dylib", "x86-64-v4"), "libaxon-darwin-x64-x86-64-v4.dylib");
});

test("the cache is keyed by the package version, which must match deno.json and package.json", () => {
  const root = new URL("../../", import.meta.url);
  assert.equal(
    VERSION,
    JSON.parse(readFileSync(new URL("deno.json", root), "utf8")).version,
    "bump src/native/release_files.ts VERSION with deno.json",
  );
  assert.equal(VERSION, JSON.parse(readFileSync(new URL("package.json", root), "utf8")).version);
  assert.ok(BINARY_BASE_URL.includes(`v${VERSION}`));
  assert.deepEqual(
    RELEASE_FILES,
    {},
    "the source tree lists no checksums; tools/dev.sh release fills the staged copies",
  );
});

test("sha256Hex matches the FIPS 180-2 test vector", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
