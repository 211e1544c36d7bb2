/**
 * Axon's caching allocator as seen from TypeScript: closed-form statistics, reuse, dispose,
 * `emptyCache`, and that a dispose followed by the collector's finalizer frees a block once.
 *
 * Block sizes in the expectations: storage of n bytes takes a block of n + 64 bytes (a header),
 * rounded up to a size class: 64 bytes, then four classes per power of two, 2^k·{5,6,7,8}/4.
 * So 8,192 data bytes → 8,256 → 10,240 (5/4·8,192); 8,400 → 8,464 → 10,240; 1 MiB → 1 MiB + 64
 * → 1,310,720 (5/4·1 MiB).
 */
import { assert, test } from "../harness.ts";
import { collectGarbage } from "../memory_probe.ts";
import { type DeviceMemoryStats, empty, memory, tensor, zeros } from "../../mod.ts";
import { addressOf } from "../../src/native/library.ts";

const cpu = (): DeviceMemoryStats => memory.stats().devices.cpu;

/**
 * Collects until the allocator's counts stop changing (Deno runs finalizers on a concurrent
 * sweeper), so that the closed-form checks below see only their own allocations.
 */
function settle(): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let previous = -1;
  for (let tries = 0; tries < 100; tries++) {
    collectGarbage();
    collectGarbage();
    const frees = cpu().frees;
    if (frees === previous) return;
    previous = frees;
    Atomics.wait(sleeper, 0, 0, 20);
  }
}

test("allocator stats: allocated, cached, peak bytes and counts follow allocate, dispose and reuse exactly", () => {
  settle();
  memory.emptyCache();
  const s0 = cpu();
  assert.equal(s0.cachedBytes, 0, "emptyCache leaves nothing cached");
  assert.equal(s0.reservedBytes, s0.allocatedBytes);

  const a = empty([2048]); // 8,192 bytes → a 10,240-byte block, fresh from the OS
  let s = cpu();
  assert.equal(s.allocatedBytes - s0.allocatedBytes, 10_240);
  assert.equal(s.allocations - s0.allocations, 1);
  assert.equal(s.osAllocations - s0.osAllocations, 1);
  assert.equal(s.cacheHits - s0.cacheHits, 0);
  assert.ok(s.peakAllocatedBytes >= s.allocatedBytes);

  const address = addressOf(a.storage.bytes);
  assert.equal(address % 64n, 0n, "storage is 64-byte aligned");
  a.storage.bytes.fill(7); // (fill_ would allocate a small scalar tensor and disturb the counts)
  a.storage.dispose();
  s = cpu();
  assert.equal(s.allocatedBytes, s0.allocatedBytes, "dispose returns the block at once");
  assert.equal(s.cachedBytes, 10_240, "into the cache");
  assert.equal(s.frees - s0.frees, 1);

  const b = empty([2100]); // 8,400 bytes: the same class, so the hot block comes back
  s = cpu();
  assert.equal(addressOf(b.storage.bytes), address);
  assert.equal(s.cachedBytes, 0);
  assert.equal(s.cacheHits - s0.cacheHits, 1);
  assert.equal(s.osAllocations - s0.osAllocations, 1, "no new memory from the OS");
  assert.equal(s.allocatedBytes - s0.allocatedBytes, 10_240);
  // empty does not zero: the block holds what its last user wrote; zeros does zero.
  assert.ok(b.storage.bytes.subarray(0, 8192).every((v) => v === 7));
  b.storage.dispose();
  const z = zeros([2100]);
  assert.equal(addressOf(z.storage.bytes), address);
  assert.ok(z.toArray().every((v) => v === 0), "zeros zeroes a reused block");
  z.storage.dispose();

  memory.resetPeakStats();
  const base = cpu().allocatedBytes;
  assert.equal(cpu().peakAllocatedBytes, base, "resetPeakStats starts the peak from the bytes allocated now");
  const big = empty([262_144]); // 1 MiB → a 1,310,720-byte block
  big.storage.dispose();
  s = cpu();
  assert.equal(s.peakAllocatedBytes - base, 1_310_720);
  assert.equal(s.allocatedBytes, base);
  assert.equal(s.cachedBytes, 10_240 + 1_310_720);

  const before = memory.nativeBytes();
  assert.equal(memory.emptyCache(), 10_240 + 1_310_720, "emptyCache returns what was cached");
  assert.equal(cpu().cachedBytes, 0);
  assert.equal(before - memory.nativeBytes(), 10_240 + 1_310_720, "and gives it back to the OS");
});

test("dispose is idempotent; a disposed storage refuses its bytes; toArray copies", () => {
  const t = tensor([1, 2, 3, 4]);
  const copy = t.toArray();
  copy[0] = 100;
  assert.equal(t.toArray()[0], 1, "toArray returns a copy, not a view");
  const view = t.reshape([2, 2]);
  const detached = t.data();
  const storage = t.storage;
  assert.equal(storage.disposed, false);
  storage.dispose();
  assert.equal(storage.disposed, true);
  const frees = cpu().frees;
  storage.dispose(); // twice: nothing happens
  assert.equal(cpu().frees, frees);
  assert.equal(storage.byteLength, 16, "the size stays readable");
  assert.throws(() => storage.bytes, /tensor was disposed/);
  for (const x of [t, view, detached]) {
    assert.throws(() => x.storage, /tensor was disposed/); // the tensors see their storage is gone
    assert.throws(() => x.toArray(), /tensor was disposed/);
  }
  assert.throws(() => view.add(1), /tensor was disposed/);
  const kept = copy[1];
  assert.equal(kept, 2, "copies outlive the storage");
});

test("small tensors: disposing every tensor of a slab rewinds it instead of allocating", () => {
  settle();
  const s0 = cpu();
  for (let i = 0; i < 10_000; i++) {
    const t = empty([16]); // 64 bytes from the current 64 kB slab
    t.storage.dispose();
  }
  const s = cpu();
  // 10,000 × 64 bytes carved without rewinding would take ten slabs.
  assert.ok(s.allocations - s0.allocations <= 1, `${s.allocations - s0.allocations} slabs for 10,000 disposed tensors`);
});

test("a dispose and the view's later finalizer free each block exactly once, also when the block was reused", () => {
  settle();
  memory.emptyCache();
  const s0 = cpu();
  disposeHalfAndReuse(s0);
  settle();
  const s = cpu();
  assert.equal(s.allocatedBytes, s0.allocatedBytes, "every block came back once");
  assert.equal(s.allocations - s0.allocations, s.frees - s0.frees);
});

/** Allocates 200 blocks, disposes half, reuses those for 100 survivors, drops the rest, checks the survivors. */
function disposeHalfAndReuse(s0: DeviceMemoryStats): void {
  const survivors = reuseDisposedBlocks(s0);
  settle();
  const s = cpu();
  // Live now: the 100 survivors only. A block freed twice would drop this below their size
  // (or a reused block would be freed under a survivor and its contents change).
  const survivorBytes = survivors.reduce((sum, t) => sum + blockOf(t.storage.byteLength), 0);
  assert.equal(s.allocatedBytes - s0.allocatedBytes, survivorBytes);
  assert.equal(s.allocations - s0.allocations - (s.frees - s0.frees), 100);
  survivors.forEach((t, i) => assert.ok(t.storage.bytes.every((v) => v === i), `survivor ${i} kept its contents`));
}

function reuseDisposedBlocks(s0: DeviceMemoryStats): ReturnType<typeof empty>[] {
  const batch: ReturnType<typeof empty>[] = [];
  for (let i = 0; i < 200; i++) batch.push(empty([4096 + 64 * (i % 8)])); // 16–17 kB: one class
  for (let i = 0; i < 200; i += 2) batch[i].storage.dispose(); // half disposed; all dropped on return
  // New storage takes the disposed blocks before the old views' finalizers run.
  const survivors: ReturnType<typeof empty>[] = [];
  for (let i = 0; i < 100; i++) {
    const t = empty([4096 + 64 * (i % 8)]);
    t.storage.bytes.fill(i);
    survivors.push(t);
  }
  assert.ok(cpu().cacheHits - s0.cacheHits >= 100, "the disposed blocks were reused");
  return survivors;
}

/** The block size for `bytes` of storage over 4 kB (see the top of this file). */
function blockOf(bytes: number): number {
  const total = bytes + 64;
  const shift = Math.floor(Math.log2(total - 1));
  const quarter = 2 ** (shift - 2);
  return Math.ceil(total / quarter) * quarter;
}
