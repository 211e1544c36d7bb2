//! Axon's caching allocator, and the CPU tensor storage built on it.
//!
//! Two layers:
//! - `Cache`: a per-device caching allocator. Sizes round up to size classes (64 bytes, then four
//!   per power of two: at most 25 % waste); a freed block goes onto its class's free list and the
//!   next request of that class gets the most recently freed one (LIFO: its pages are still
//!   resident and probably in cache). It knows blocks only by address, size and class, never
//!   reads or writes them, so device memory plugs in as another `Backend` (a CUDA allocator is a
//!   `Cache` over `cuMemAlloc`/`cuMemFree`). Thread-safe: frees arrive from garbage-collector
//!   threads (Deno sweeps concurrently).
//! - Storage blocks (host memory only): a 64-byte header in front of the data links it to its
//!   `Lease`, the record a JavaScript view's finalizer holds. `storageRelease` (an explicit
//!   dispose) returns the block to the cache at once; the view's finalizer runs later and must
//!   then free only the lease. Whichever of the two swaps the lease's block address to 0 first
//!   returns the block, so a block is never returned twice.
//!
//! Why a cache at all: through libc, blocks of a few MB are mmap'd and munmap'd every step, so
//! every step page-faults fresh memory that the kernel zeroes (measured on Bun: ReLU over 6.4 MB
//! took 2.26 ms fresh against 0.91 ms reused). Blocks are handed out without zeroing
//! (`tensor.empty`); callers that need zeros ask for them.
//!
//! Bounds: a freed block is kept only while the cache holds at most `max_cached_bytes`, and
//! blocks over `max_cached_block` always go back to the backend, so the cache never grows with
//! the number of steps, only with the set of sizes in use. `releaseCached` empties it.
const std = @import("std");
const scratch = @import("scratch.zig");

pub const alignment = 64;

pub const max_cached_bytes: usize = 256 << 20;
pub const max_cached_block: usize = 64 << 20;

/// Classes: 64 bytes, then four per power of two.
pub const class_count = 4 * 64;

pub fn classOf(bytes: usize) u32 {
    if (bytes <= 64) return 0;
    const shift: u6 = std.math.log2_int(usize, bytes - 1); // 2^shift < bytes <= 2^(shift+1)
    const quarter = @as(usize, 1) << (shift - 2);
    const quarters = (bytes + quarter - 1) / quarter; // 5 ... 8
    return @intCast((@as(usize, shift) - 6) * 4 + (quarters - 5) + 1);
}

pub fn classBytes(class: u32) usize {
    if (class == 0) return 64;
    const shift: u6 = @intCast((class - 1) / 4 + 6);
    const quarters: usize = (class - 1) % 4 + 5;
    return quarters << (shift - 2);
}

/// Where a device's memory comes from: `allocate` returns `alignment`-aligned memory or null.
pub const Backend = struct {
    allocate: *const fn (bytes: usize) ?[*]u8,
    release: *const fn (block: [*]u8, bytes: usize) void,
};

/// What `Cache.stats` reports; i64 fields so the array crosses the C ABI as it is.
pub const Stats = extern struct {
    /// Bytes of blocks handed out and not yet freed (class sizes).
    allocated_bytes: i64 = 0,
    /// Bytes of freed blocks kept for reuse.
    cached_bytes: i64 = 0,
    /// Largest `allocated_bytes` since start or the last `resetPeak`.
    peak_allocated_bytes: i64 = 0,
    /// Blocks handed out, in all.
    allocations: i64 = 0,
    /// Blocks freed, in all.
    frees: i64 = 0,
    /// Allocations served from the cache.
    cache_hits: i64 = 0,
    /// Allocations that asked the backend (the OS) for memory.
    backend_allocations: i64 = 0,
    /// Blocks given back to the backend (over the cache's bounds, or by `releaseCached`).
    backend_frees: i64 = 0,
};
pub const stats_fields = @typeInfo(Stats).@"struct".fields.len;

/// A caching allocator over one device's `Backend`.
pub const Cache = struct {
    backend: Backend,
    lock: std.Thread.Mutex = .{},
    /// Free block addresses per class, most recent last. Host memory even for a device cache.
    free_lists: [class_count]std.ArrayListUnmanaged(usize) = @splat(.empty),
    counters: Stats = .{},

    /// A block of at least `bytes` bytes (its contents are whatever the last user left), or
    /// null when out of memory.
    pub fn alloc(self: *Cache, bytes: usize) ?[*]u8 {
        const size = @max(bytes, 1);
        if (size > std.math.maxInt(usize) / 4) return null;
        const class = classOf(size);
        const total = classBytes(class);
        {
            self.lock.lock();
            defer self.lock.unlock();
            if (self.free_lists[class].pop()) |address| {
                self.counters.cached_bytes -= @intCast(total);
                self.counters.cache_hits += 1;
                self.taken(total);
                return @ptrFromInt(address);
            }
        }
        const block = self.backend.allocate(total) orelse fail: {
            // Out of memory: cached blocks of other sizes may be what stands in the way.
            _ = self.releaseCached();
            break :fail self.backend.allocate(total) orelse return null;
        };
        self.lock.lock();
        defer self.lock.unlock();
        self.counters.backend_allocations += 1;
        self.taken(total);
        return block;
    }

    fn taken(self: *Cache, total: usize) void {
        self.counters.allocations += 1;
        self.counters.allocated_bytes += @intCast(total);
        self.counters.peak_allocated_bytes = @max(self.counters.peak_allocated_bytes, self.counters.allocated_bytes);
    }

    /// Returns a block of `bytes` bytes (the size it was allocated with) to the cache, or to the
    /// backend when the cache is full or the block too large.
    pub fn free(self: *Cache, block: [*]u8, bytes: usize) void {
        const class = classOf(@max(bytes, 1));
        const total = classBytes(class);
        {
            self.lock.lock();
            defer self.lock.unlock();
            self.counters.frees += 1;
            self.counters.allocated_bytes -= @intCast(total);
            const fits = total <= max_cached_block and self.counters.cached_bytes + @as(i64, @intCast(total)) <= max_cached_bytes;
            if (fits) {
                if (self.free_lists[class].append(std.heap.c_allocator, @intFromPtr(block))) |_| {
                    self.counters.cached_bytes += @intCast(total);
                    return;
                } else |_| {} // no room for the list entry: give the block back instead
            }
            self.counters.backend_frees += 1;
        }
        self.backend.release(block, total);
    }

    /// Gives every cached block back to the backend; returns the bytes released.
    pub fn releaseCached(self: *Cache) usize {
        self.lock.lock();
        defer self.lock.unlock();
        const released: usize = @intCast(self.counters.cached_bytes);
        for (&self.free_lists, 0..) |*list, class| {
            for (list.items) |address| self.backend.release(@ptrFromInt(address), classBytes(@intCast(class)));
            self.counters.backend_frees += @intCast(list.items.len);
            list.clearAndFree(std.heap.c_allocator);
        }
        self.counters.cached_bytes = 0;
        return released;
    }

    /// A snapshot of the counters.
    pub fn stats(self: *Cache) Stats {
        self.lock.lock();
        defer self.lock.unlock();
        return self.counters;
    }

    /// Starts a new peak measurement from the bytes allocated now.
    pub fn resetPeak(self: *Cache) void {
        self.lock.lock();
        defer self.lock.unlock();
        self.counters.peak_allocated_bytes = self.counters.allocated_bytes;
    }
};

extern "c" fn aligned_alloc(alignment: usize, size: usize) ?*anyopaque;

fn hostAllocate(bytes: usize) ?[*]u8 {
    const block: [*]u8 = @ptrCast(aligned_alloc(alignment, bytes) orelse return null);
    scratch.account(@intCast(bytes));
    return block;
}

fn hostRelease(block: [*]u8, bytes: usize) void {
    scratch.account(-@as(i64, @intCast(bytes)));
    std.c.free(block);
}

/// The CPU's caching allocator (host memory from libc, counted in `scratch.heldBytes`).
pub var cpu: Cache = .{ .backend = .{ .allocate = hostAllocate, .release = hostRelease } };

// ---- storage blocks -----------------------------------------------------------------------

/// What a JavaScript view's finalizer holds: the block it may still have to return.
pub const Lease = struct {
    /// Address of the block's header; 0 once the block went back to the cache.
    block: std.atomic.Value(usize),
    /// Bytes asked of the cache (header included).
    total: usize,
    /// Where to add `total` when the block is returned (the garbage collector's count of this
    /// block, see `napiStorage` in zig/abi/death_watch.zig); null for none.
    returned: ?*std.atomic.Value(i64) = null,
};

/// Sits in the first 64 bytes of a storage block, in front of the data.
const Header = extern struct { tag: u64, lease: ?*Lease };
const header_bytes = alignment;
const live_tag: u64 = 0xA804_C0DE_5707_A6E1;

fn headerOf(data: [*]u8) *Header {
    return @ptrCast(@alignCast(data - header_bytes));
}

/// `bytes` bytes (at least 1) of 64-byte-aligned storage with its lease, zeroed when `zero`;
/// null when out of memory.
pub fn storageNew(bytes: usize, zero: bool) ?[*]u8 {
    const size = @max(bytes, 1);
    if (size > std.math.maxInt(usize) / 4) return null;
    const total = header_bytes + size;
    const base = cpu.alloc(total) orelse return null;
    const lease = std.heap.c_allocator.create(Lease) catch {
        cpu.free(base, total);
        return null;
    };
    lease.* = .{ .block = .init(@intFromPtr(base)), .total = total };
    const data = base + header_bytes;
    headerOf(data).* = .{ .tag = live_tag, .lease = lease };
    if (zero) @memset(data[0..size], 0);
    return data;
}

/// The lease of live storage `data`, or null when `data` is not live storage.
pub fn leaseOf(data: [*]u8) ?*Lease {
    if (@intFromPtr(data) % alignment != 0) return null;
    const header = headerOf(data);
    if (header.tag != live_tag) return null;
    return header.lease;
}

fn returnBlock(base: usize, total: usize) void {
    const header: *Header = @ptrFromInt(base);
    header.tag = 0; // a stale pointer to it is no longer live storage
    cpu.free(@ptrFromInt(base), total);
}

/// Disposes storage `data` now: its block goes back to the cache; its lease stays for the view's
/// finalizer. False when `data` is not live storage (already disposed, or foreign).
pub fn storageRelease(data: [*]u8) bool {
    const lease = leaseOf(data) orelse return false;
    const base = @intFromPtr(data) - header_bytes;
    if (lease.block.cmpxchgStrong(base, 0, .acq_rel, .acquire) != null) return false;
    returnBlock(base, lease.total);
    if (lease.returned) |r| _ = r.fetchAdd(@intCast(lease.total), .monotonic);
    return true;
}

/// The view's finalizer: returns the block unless a dispose already did, and frees the lease.
pub fn leaseFinalize(lease: *Lease) void {
    const base = lease.block.swap(0, .acq_rel);
    if (base != 0) {
        returnBlock(base, lease.total);
        if (lease.returned) |r| _ = r.fetchAdd(@intCast(lease.total), .monotonic);
    }
    std.heap.c_allocator.destroy(lease);
}

// ---- tests --------------------------------------------------------------------------------

test "classes cover every size with at most 25 % waste, in order" {
    var bytes: usize = 1;
    while (bytes < (1 << 40)) : (bytes = bytes * 3 / 2 + 1) {
        const class = classOf(bytes);
        try std.testing.expect(class < class_count);
        try std.testing.expect(classBytes(class) >= bytes);
        if (bytes > 64) try std.testing.expect(classBytes(class) * 4 <= bytes * 5 + 4);
        if (class > 0) try std.testing.expect(classBytes(class - 1) < bytes);
    }
    for (1..5000) |b| {
        try std.testing.expect(classBytes(classOf(b)) >= b);
        try std.testing.expect(classOf(b) == 0 or classBytes(classOf(b) - 1) < b);
    }
}

/// A backend that counts what it holds, for closed-form tests on a private cache.
const Counting = struct {
    var held = std.atomic.Value(i64).init(0);
    fn allocate(bytes: usize) ?[*]u8 {
        const block: [*]u8 = @ptrCast(aligned_alloc(alignment, bytes) orelse return null);
        _ = held.fetchAdd(@intCast(bytes), .monotonic);
        return block;
    }
    fn release(block: [*]u8, bytes: usize) void {
        _ = held.fetchSub(@intCast(bytes), .monotonic);
        std.c.free(block);
    }
    const backend: Backend = .{ .allocate = allocate, .release = release };
};

test "stats: allocated, cached and peak bytes follow allocate, free and reuse exactly" {
    var cache: Cache = .{ .backend = Counting.backend };
    const a = cache.alloc(5000).?; // class of 5120 bytes
    const b = cache.alloc(100).?; // class of 112 bytes
    try std.testing.expect(@intFromPtr(a) % alignment == 0 and @intFromPtr(b) % alignment == 0);
    var s = cache.stats();
    try std.testing.expectEqual(@as(i64, 5120 + 112), s.allocated_bytes);
    try std.testing.expectEqual(@as(i64, 5120 + 112), s.peak_allocated_bytes);
    try std.testing.expectEqual(@as(i64, 0), s.cached_bytes);
    cache.free(a, 5000);
    s = cache.stats();
    try std.testing.expectEqual(@as(i64, 112), s.allocated_bytes);
    try std.testing.expectEqual(@as(i64, 5120), s.cached_bytes);
    try std.testing.expectEqual(@as(i64, 5120 + 112), s.peak_allocated_bytes);
    const c = cache.alloc(4900).?; // same class: the hot block comes back
    try std.testing.expectEqual(a, c);
    s = cache.stats();
    try std.testing.expectEqual(@as(i64, 0), s.cached_bytes);
    try std.testing.expectEqual(@as(i64, 1), s.cache_hits);
    try std.testing.expectEqual(@as(i64, 2), s.backend_allocations);
    try std.testing.expectEqual(@as(i64, 3), s.allocations);
    cache.resetPeak();
    try std.testing.expectEqual(@as(i64, 5120 + 112), cache.stats().peak_allocated_bytes);
    cache.free(c, 4900);
    cache.free(b, 100);
    cache.resetPeak();
    s = cache.stats();
    try std.testing.expectEqual(@as(i64, 0), s.allocated_bytes);
    try std.testing.expectEqual(@as(i64, 0), s.peak_allocated_bytes);
    try std.testing.expectEqual(@as(i64, 5120 + 112), s.cached_bytes);
    try std.testing.expectEqual(@as(i64, 5120 + 112), Counting.held.load(.monotonic));
    try std.testing.expectEqual(@as(usize, 5120 + 112), cache.releaseCached());
    try std.testing.expectEqual(@as(i64, 0), Counting.held.load(.monotonic));
    try std.testing.expectEqual(@as(i64, 2), cache.stats().backend_frees);
}

test "LIFO: the most recently freed block of a class is handed out first" {
    var cache: Cache = .{ .backend = Counting.backend };
    defer _ = cache.releaseCached();
    const x = cache.alloc(1000).?;
    const y = cache.alloc(1000).?;
    cache.free(x, 1000);
    cache.free(y, 1000);
    try std.testing.expectEqual(y, cache.alloc(1000).?);
    try std.testing.expectEqual(x, cache.alloc(1000).?);
    cache.free(x, 1000);
    cache.free(y, 1000);
}

test "blocks over the per-block limit go straight back; the cache stops at its cap" {
    var cache: Cache = .{ .backend = Counting.backend };
    const big = cache.alloc(max_cached_block + 1).?;
    cache.free(big, max_cached_block + 1);
    try std.testing.expectEqual(@as(i64, 0), cache.stats().cached_bytes);
    try std.testing.expectEqual(@as(i64, 0), Counting.held.load(.monotonic));
    // five 50 MiB blocks (56 MiB class): the cache keeps four (224 MiB of its 256), the fifth goes back
    var blocks: [5][*]u8 = undefined;
    for (&blocks) |*b| b.* = cache.alloc(50 << 20).?;
    for (blocks) |b| cache.free(b, 50 << 20);
    try std.testing.expectEqual(@as(i64, 4 * (56 << 20)), cache.stats().cached_bytes);
    _ = cache.releaseCached();
    try std.testing.expectEqual(@as(i64, 0), Counting.held.load(.monotonic));
}

test "thread safety: threads allocating, writing and freeing at once lose and share nothing" {
    var cache: Cache = .{ .backend = Counting.backend };
    const Worker = struct {
        fn run(c: *Cache, id: u8, failures: *std.atomic.Value(u32)) void {
            var held: [16]?[*]u8 = @splat(null);
            var rng = std.Random.DefaultPrng.init(id);
            for (0..20_000) |i| {
                const slot = rng.random().uintLessThan(usize, held.len);
                const bytes = 64 + (slot * 997) % 9000;
                if (held[slot]) |p| {
                    // Every byte must still be ours: a block handed to two threads shows here.
                    for (p[0..bytes]) |v| if (v != id) {
                        _ = failures.fetchAdd(1, .monotonic);
                        break;
                    };
                    c.free(p, bytes);
                    held[slot] = null;
                } else {
                    const p = c.alloc(bytes) orelse continue;
                    @memset(p[0..bytes], id);
                    held[slot] = p;
                }
                _ = i;
            }
            for (held, 0..) |p, slot| if (p) |q| c.free(q, 64 + (slot * 997) % 9000);
        }
    };
    var failures = std.atomic.Value(u32).init(0);
    var threads: [4]std.Thread = undefined;
    for (&threads, 0..) |*t, i| t.* = try std.Thread.spawn(.{}, Worker.run, .{ &cache, @as(u8, @intCast(i + 1)), &failures });
    for (threads) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), failures.load(.monotonic));
    const s = cache.stats();
    try std.testing.expectEqual(@as(i64, 0), s.allocated_bytes);
    try std.testing.expectEqual(s.allocations, s.frees);
    try std.testing.expectEqual(s.cached_bytes, Counting.held.load(.monotonic));
    _ = cache.releaseCached();
    try std.testing.expectEqual(@as(i64, 0), Counting.held.load(.monotonic));
}

test "storage: zeroed on request, aligned, and a dispose then a finalizer return the block once" {
    _ = cpu.releaseCached();
    const before = cpu.stats();
    const data = storageNew(5000, true).?;
    try std.testing.expect(@intFromPtr(data) % alignment == 0);
    for (data[0..5000]) |v| try std.testing.expectEqual(@as(u8, 0), v);
    @memset(data[0..5000], 0xAB);
    const lease = leaseOf(data).?;
    try std.testing.expect(storageRelease(data)); // dispose
    try std.testing.expect(!storageRelease(data)); // twice: refused, not freed again
    var s = cpu.stats();
    try std.testing.expectEqual(before.allocated_bytes, s.allocated_bytes);
    try std.testing.expectEqual(before.frees + 1, s.frees);
    // The block is reused by new storage before the old view's finalizer runs.
    const again = storageNew(5000, false).?;
    try std.testing.expectEqual(data, again); // LIFO: the same block, not zeroed
    try std.testing.expectEqual(@as(u8, 0xAB), again[10]);
    leaseFinalize(lease); // the old view's finalizer: must leave the new storage alone
    s = cpu.stats();
    try std.testing.expectEqual(before.frees + 1, s.frees);
    try std.testing.expect(leaseOf(again) != null);
    // The new storage's own finalizer (no dispose) returns it.
    leaseFinalize(leaseOf(again).?);
    s = cpu.stats();
    try std.testing.expectEqual(before.frees + 2, s.frees);
    try std.testing.expectEqual(before.allocated_bytes, s.allocated_bytes);
    try std.testing.expect(!storageRelease(again));
    _ = cpu.releaseCached();
}

test "storage: dispose and finalizer racing on other threads return each block exactly once" {
    _ = cpu.releaseCached();
    const before = cpu.stats();
    const n = 2000;
    var datas: [n][*]u8 = undefined;
    var leases: [n]*Lease = undefined;
    for (&datas, &leases) |*d, *l| {
        d.* = storageNew(8192, false).?;
        l.* = leaseOf(d.*).?;
    }
    const Disposer = struct {
        fn run(ds: []const [*]u8) void {
            for (ds) |d| _ = storageRelease(d);
        }
    };
    const Finalizer = struct {
        fn run(ls: []const *Lease) void {
            for (ls) |l| leaseFinalize(l);
        }
    };
    // Half disposed then finalized; the other half finalized only, on another thread.
    const d = try std.Thread.spawn(.{}, Disposer.run, .{datas[0 .. n / 2]});
    const f = try std.Thread.spawn(.{}, Finalizer.run, .{leases[n / 2 ..]});
    d.join();
    f.join();
    Finalizer.run(leases[0 .. n / 2]);
    const s = cpu.stats();
    try std.testing.expectEqual(before.allocated_bytes, s.allocated_bytes);
    try std.testing.expectEqual(before.frees + n, s.frees);
    _ = cpu.releaseCached();
}
